"""teamloop: a Slack bot that closes a product team's feedback loops."""
