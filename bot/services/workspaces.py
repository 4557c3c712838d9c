"""A workspace's install state: uninstalled means its data stays and nothing more is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.counters import ensure_workspace
from storage.models import Workspace


def mark_uninstalled(*, session: Session, team_id: str, now: datetime) -> None:
    """app_uninstalled or tokens_revoked: stop the schedules and the sends of this workspace."""
    ensure_workspace(session, team_id=team_id, now=now)
    workspace = session.get(Workspace, team_id, with_for_update=True)
    assert workspace is not None
    workspace.uninstalled_at = now
