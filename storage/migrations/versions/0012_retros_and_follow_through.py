"""retros (items, votes, actions ACT-n) and feedback follow-through (states, ship notices)

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facilitator_id", sa.String(32), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("votes_each", sa.Integer(), nullable=False),
        sa.Column("collect_until", _WHEN, nullable=False),
        sa.Column("vote_until", _WHEN, nullable=True),
        sa.Column("parent_key", sa.String(200), nullable=False),
        sa.Column("board_key", sa.String(200), nullable=True),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_retros_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retros")),
    )
    op.create_index("ix_retros_team_channel_status", "retros", ["team_id", "channel_id", "status"])
    op.create_table(
        "retro_items",
        sa.Column("public_id", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=True),
        sa.Column("group_label", sa.String(100), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["retro_id"],
            ["retros.id"],
            name=op.f("fk_retro_items_retro_id_retros"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("public_id", name=op.f("pk_retro_items")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_retro_items_retro", "retro_items", ["retro_id"])
    op.create_table(
        "retro_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["retro_id"],
            ["retros.id"],
            name=op.f("fk_retro_votes_retro_id_retros"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["retro_items.public_id"],
            name=op.f("fk_retro_votes_item_id_retro_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_votes")),
        sa.UniqueConstraint("item_id", "user_id", name="uq_retro_votes_item_user"),
    )
    op.create_index("ix_retro_votes_retro_user", "retro_votes", ["retro_id", "user_id"])
    op.create_table(
        "retro_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("carried_into", sa.Integer(), nullable=True),
        sa.Column("carried", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("done_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_retro_actions_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["retro_id"],
            ["retros.id"],
            name=op.f("fk_retro_actions_retro_id_retros"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_actions")),
        sa.UniqueConstraint("team_id", "number", name="uq_retro_actions_team_number"),
    )
    op.create_index(
        "ix_retro_actions_team_channel_status",
        "retro_actions",
        ["team_id", "channel_id", "status"],
    )
    op.create_table(
        "ship_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("batch_key", sa.String(200), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirements.id"],
            name=op.f("fk_ship_notices_requirement_id_requirements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_notices")),
        sa.UniqueConstraint("team_id", "user_id", "requirement_id", name="uq_ship_notices_person"),
    )
    op.create_index("ix_ship_notices_batch", "ship_notices", ["batch_key"])
    # Plain ADD COLUMNs (no table rebuild): anonymous_feedback keeps WITHOUT ROWID on SQLite.
    op.add_column("feedback", sa.Column("acknowledged_at", _WHEN, nullable=True))
    op.add_column("feedback", sa.Column("declined_at", _WHEN, nullable=True))
    op.add_column("feedback", sa.Column("declined_reason", sa.Text(), nullable=True))
    op.add_column("anonymous_feedback", sa.Column("requirement_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("declined_reason")
        batch.drop_column("declined_at")
        batch.drop_column("acknowledged_at")
    op.drop_column("anonymous_feedback", "requirement_id")
    op.drop_table("ship_notices")
    op.drop_table("retro_actions")
    op.drop_table("retro_votes")
    op.drop_table("retro_items")
    op.drop_table("retros")
