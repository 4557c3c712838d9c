"""Domain services: rules, one transaction per action, clock injected as `now`."""
