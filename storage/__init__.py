"""Persistence: SQLAlchemy models, statuses, engine and session setup, Alembic migrations."""
