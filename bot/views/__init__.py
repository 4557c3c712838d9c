"""Block Kit builders: pure functions of domain objects, no database, no Slack calls."""
