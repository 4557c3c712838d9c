"""cards follow their item: item_messages; every outbox row has a deadline

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(32), nullable=True),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_messages")),
        sa.UniqueConstraint("team_id", "ref", "channel_id", "ts", name="uq_item_messages_message"),
    )
    op.create_index("ix_item_messages_team_ref", "item_messages", ["team_id", "ref"])
    op.create_index("ix_item_messages_channel_ts", "item_messages", ["channel_id", "ts"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deadline_note", sa.String(200), nullable=True))
        batch.add_column(sa.Column("edit_ts", sa.String(32), nullable=True))
        batch.add_column(sa.Column("render", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("about", sa.JSON(), nullable=True))
        batch.create_index("ix_outbox_edit_ts", ["channel_id", "edit_ts"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_edit_ts")
        for column in ("about", "render", "edit_ts", "deadline_note", "deadline"):
            batch.drop_column(column)
    op.drop_index("ix_item_messages_channel_ts", "item_messages")
    op.drop_index("ix_item_messages_team_ref", "item_messages")
    op.drop_table("item_messages")
