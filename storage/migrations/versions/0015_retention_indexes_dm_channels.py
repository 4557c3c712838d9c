"""scale: requester/reporter indexes, purge indexes, DM channel ids kept with people, charts
drawn by the sender (outbox.drawing)

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns): lookups by person (Home tab, `/req list mine`: owner OR requester),
# and the retention purge's scans by age.
INDEXES = (
    ("ix_requirements_team_requester", "requirements", ["team_id", "requester_id"]),
    ("ix_blockers_team_reporter", "blockers", ["team_id", "reporter_id"]),
    ("ix_blockers_team_owner", "blockers", ["team_id", "owner_id"]),
    ("ix_risks_team_owner", "risks", ["team_id", "owner_id"]),
    ("ix_reminder_log_team_item", "reminder_log", ["team_id", "item", "sent_to"]),
    ("ix_reminder_log_at", "reminder_log", ["at"]),
    ("ix_processed_events_received", "processed_events", ["received_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    with op.batch_alter_table("people") as batch:
        # The bot's DM with this person (conversations.open), kept across restarts.
        batch.add_column(sa.Column("dm_channel_id", sa.String(32), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        # What to draw and upload (the digest's chart), drawn by the sender, never in the tick.
        batch.add_column(sa.Column("drawing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("drawing")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("dm_channel_id")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
