"""The local Slack stand-in, request driver and browser workspace: tools to try and test
the bot, not part of it."""
