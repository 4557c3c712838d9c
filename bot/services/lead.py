"""The Home tab's Team section: for each channel a person leads (the owner of its standup),
open requirements by owner, aging blockers, risks and last week's standup participation."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.readmodels import TeamView
from bot.services import digest, loop, people
from storage.items import Blocker, Risk
from storage.models import Requirement
from storage.scheduling import Schedule
from storage.statuses import CLOSED_REQUIREMENT, BlockerStatus, RiskStatus

CHANNELS = 2  # the Home tab holds 100 blocks: at most two teams are shown
AGING_DAYS = 2
SHOWN = 5
LOOP_DAYS = 28  # the loop figures of a lead's channel: the last 4 weeks


def led_channels(*, session: Session, team_id: str, user_id: str) -> list[str]:
    """Channels whose standup this person owns (set it up, or was named owner), active first."""
    rows = session.scalars(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.kind == "standup")
    )
    mine = [s for s in rows if ((s.config or {}).get("owner") or s.created_by) == user_id]
    return [s.channel_id for s in sorted(mine, key=lambda s: (not s.active, s.channel_id))]


def team_views(
    *, session: Session, team_id: str, channel_ids: list[str], now: datetime, zone: ZoneInfo
) -> list[TeamView]:
    """The Team section of each of `channel_ids` (the caller leaves out private channels,
    whose items stay in those channels, as everywhere on the Home tab)."""
    return [_view(session, team_id, c, now, zone) for c in channel_ids[:CHANNELS]]


def _view(
    session: Session, team_id: str, channel_id: str, now: datetime, zone: ZoneInfo
) -> TeamView:
    owners = Counter(
        session.scalars(
            select(Requirement.owner_id)
            .where(Requirement.team_id == team_id, Requirement.channel_id == channel_id)
            .where(Requirement.status.not_in(CLOSED_REQUIREMENT))
        )
    )
    aging = list(
        session.scalars(
            select(Blocker)
            .where(Blocker.team_id == team_id, Blocker.channel_id == channel_id)
            .where(Blocker.status == BlockerStatus.OPEN)
            .where(Blocker.opened_at <= now - timedelta(days=AGING_DAYS))
            .order_by(Blocker.opened_at, Blocker.number)
            .limit(SHOWN)
        )
    )
    risks = sorted(
        session.scalars(
            select(Risk).where(
                Risk.team_id == team_id,
                Risk.channel_id == channel_id,
                Risk.status == RiskStatus.OPEN,
            )
        ),
        key=lambda r: (-r.score, r.number),
    )[:SHOWN]
    listed = [u for u in owners if u] + [u for b in aging for u in (b.owner_id, b.reporter_id) if u]
    listed += [r.owner_id for r in risks if r.owner_id]
    known = people.known(session=session, team_id=team_id, user_ids=sorted(set(listed)))
    names = {u: p.name for u, p in known.items()}
    by_owner = sorted(
        ((names.get(u, "someone") if u else "nobody", n) for u, n in owners.items()),
        key=lambda t: (-t[1], t[0]),
    )
    return TeamView(
        channel_id=channel_id,
        by_owner=by_owner,
        aging=aging,
        risks=risks,
        participation=digest.participation(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            since=now - timedelta(days=7),
            until=now,
            zone=zone,
        ),
        names=names,
        loop=loop.figures(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            since=now - timedelta(days=LOOP_DAYS),
            until=now,
            zone=zone,
        ),
    )
