"""Running the bot: HTTP serving, production processes, metrics, doctor, installs, export."""
