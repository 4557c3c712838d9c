"""Running the bot: HTTP serving, production processes, the wired scheduled jobs, metrics,
doctor, export."""
