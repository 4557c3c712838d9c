"""people.locale: each person's Slack locale, for reading their numeric dates

Revision ID: 0007_words
Revises: 0007
Create Date: 2026-11-30

`users.info` with `include_locale` tells whether `01/02/2027` means 1 February or
2 January to this person; it is kept beside their zone so a command never waits on Slack.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_words"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable locale column (unknown until Slack tells us)."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("people") as batch:
        batch.drop_column("locale")
