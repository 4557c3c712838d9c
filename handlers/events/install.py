"""`app_uninstalled` and `tokens_revoked`: forget the tokens, keep the data, stop sending."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.services import workspaces
from handlers.common import deps_of


def handle_uninstalled(event: dict[str, Any], context: BoltContext) -> None:
    """The app was removed from the workspace."""
    _gone(context)


def handle_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Tokens were revoked; only the bot token matters to teamloop."""
    if (event.get("tokens") or {}).get("bot"):
        _gone(context)


def _gone(context: BoltContext) -> None:
    deps, team_id = deps_of(context), context.team_id
    if not team_id:
        return
    now = deps.clock.now()
    if deps.installs is not None:
        deps.installs.delete_all(enterprise_id=None, team_id=team_id)
    with deps.transaction() as session:
        workspaces.mark_uninstalled(session=session, team_id=team_id, now=now)
