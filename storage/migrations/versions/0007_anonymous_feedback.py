"""anonymous feedback apart from named feedback

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Anonymous feedback moves to its own tables with random keys (WITHOUT ROWID on SQLite), so
neither a number sequence nor row order dates it. Rows already stored as anonymous feedback
move there (held for the next digest unless already shown), and their history goes.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def upgrade() -> None:
    op.create_table(
        "anonymous_feedback",
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("held_alone", sa.Boolean(), nullable=False),
        sa.Column("code_salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_anonymous_feedback_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("public_id", name=op.f("pk_anonymous_feedback")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_anonymous_feedback_team_channel",
        "anonymous_feedback",
        ["team_id", "channel_id", "released_on"],
    )
    op.create_table(
        "anonymous_replies",
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("from_sender", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["anonymous_feedback.public_id"],
            name=op.f("fk_anonymous_replies_item_id_anonymous_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("public_id", name=op.f("pk_anonymous_replies")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_anonymous_replies_item", "anonymous_replies", ["item_id", "position"])
    _move_old_rows()


def _move_old_rows() -> None:
    """Old anonymous rows: into the new table (no reply code: nobody holds one), then gone."""
    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            "SELECT id, team_id, channel_id, text, kind, created_at, digested_at "
            "FROM feedback WHERE anonymous"
        )
    ).all()
    for row in old:
        day = _day(row.created_at)
        released = _day(row.digested_at) if row.digested_at is not None else None
        bind.execute(
            sa.text(
                "INSERT INTO anonymous_feedback (public_id, team_id, channel_id, text, kind, day, "
                "released_on, held_alone, code_salt, code_hash) VALUES (:p, :t, :c, :x, :k, :d, "
                ":r, :h, '', '')"
            ),
            {
                "p": "AN-" + "".join(secrets.choice(ALPHABET) for _ in range(6)),
                "t": row.team_id,
                "c": row.channel_id,
                "x": row.text,
                "k": row.kind,
                "d": day,
                "r": released,
                "h": False,
            },
        )
        bind.execute(
            sa.text("DELETE FROM history_events WHERE entity_type = 'feedback' AND entity_id = :i"),
            {"i": row.id},
        )
        bind.execute(sa.text("DELETE FROM feedback WHERE id = :i"), {"i": row.id})


def _day(value: object) -> object:
    # SQLite hands back text, PostgreSQL a datetime; either way keep the date only.
    return value.date() if hasattr(value, "date") else str(value)[:10]


def downgrade() -> None:
    op.drop_index("ix_anonymous_replies_item", table_name="anonymous_replies")
    op.drop_table("anonymous_replies")
    op.drop_index("ix_anonymous_feedback_team_channel", table_name="anonymous_feedback")
    op.drop_table("anonymous_feedback")
