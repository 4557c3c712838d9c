"""Scheduling: recurrences in local time, the ticker and its leadership, occurrences, and
the job registry."""
