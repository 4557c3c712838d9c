"""requirements.votes counts the requester's own vote

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

README: "`/req vote` — +1 (once per person; the requester's interest already counts)", and
`/req vote` on one's own request answers "your vote is already counted": the count shown on
a card is the requester plus everyone who pressed +1. Rows stored before counted only the
others. A duplicate's count is 0: `/req merge` moved its votes, its requester's included.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the requester's vote to every requirement but merged duplicates."""
    op.execute("UPDATE requirements SET votes = votes + 1 WHERE status <> 'duplicate'")


def downgrade() -> None:
    """Take the requester's vote out again."""
    op.execute("UPDATE requirements SET votes = votes - 1 WHERE status <> 'duplicate'")
