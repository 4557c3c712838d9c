"""channel_reach.error holds Slack's longer codes (restricted_action_read_only_channel)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

chat.postMessage's documented errors include `restricted_action_read_only_channel` and
`restricted_action_thread_only_channel` (35 and 37 characters); the column was 32 wide.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Widen `channel_reach.error` to 64 characters."""
    with op.batch_alter_table("channel_reach") as batch:
        batch.alter_column("error", type_=sa.String(64), existing_type=sa.String(32))


def downgrade() -> None:
    """Back to 32 characters (a longer code stored meanwhile is cut to fit)."""
    op.execute("UPDATE channel_reach SET error = substr(error, 1, 32)")
    with op.batch_alter_table("channel_reach") as batch:
        batch.alter_column("error", type_=sa.String(32), existing_type=sa.String(64))
