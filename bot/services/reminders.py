"""The daily risk reminders of a channel: who gets nudged about what, at most once a day per
item and rule, one DM per person, and a channel post only for what the team must see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import store as outbox
from bot.readmodels import Nudge
from bot.views import reminders as views
from storage.db import insert_ignore
from storage.items import Blocker, Risk
from storage.models import Requirement
from storage.reminders import ReminderLog, Snooze
from storage.scheduling import Occurrence, Schedule
from storage.standups import StandupResponse, StandupRun
from storage.statuses import CLOSED_REQUIREMENT, BlockerStatus, ResponseStatus, RiskStatus

DEFAULTS = {
    "blocker_dm_days": 2,
    "blocker_channel_days": 5,
    "due_within_days": 2,
    "unowned_days": 1,
    "risk_score": 15,
    "standup_streak": 3,
}


@dataclass
class Found:
    """What one run reminds: per person (DM) and for the channel."""

    dms: dict[str, list[Nudge]] = field(default_factory=lambda: defaultdict(list))
    overdue: list[Requirement] = field(default_factory=list)
    unowned: list[Requirement] = field(default_factory=list)
    aging: list[Blocker] = field(default_factory=list)


def thresholds(schedule: Schedule) -> dict[str, int]:
    """The defaults, overridden by the schedule's config."""
    config = schedule.config or {}
    return {k: int(config.get(k, v)) for k, v in DEFAULTS.items()}


def run(*, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime) -> int:
    """Find what needs a nudge today and queue it; nothing at all when nothing is due."""
    zone = ZoneInfo(occurrence.zone)
    today = occurrence.due_at.astimezone(zone).date()
    limits = thresholds(schedule)
    team, channel = schedule.team_id, schedule.channel_id
    snoozed = _snoozed(session, team, now)

    def once(rule: str, item: str, to: str) -> bool:
        """Claim today's reminder of `item` under `rule` (False: already sent, or snoozed)."""
        if item in snoozed:
            return False
        values = {
            "team_id": team,
            "rule": rule,
            "item": item,
            "day": today,
            "sent_to": to,
            "at": now,
        }
        return (
            insert_ignore(session, ReminderLog, values, conflict=["team_id", "rule", "item", "day"])
            is not None
        )

    found = Found()
    _blockers(session, team, channel, now, limits, once, found)
    _requirements(session, team, channel, now, today, limits, once, found)
    _risks(session, team, channel, today, limits, once, found)
    _standups(session, schedule, today, limits, once, found)
    return _queue(session, schedule, occurrence, today, now, found)


def _snoozed(session: Session, team_id: str, now: datetime) -> set[str]:
    rows = session.scalars(select(Snooze.item).where(Snooze.team_id == team_id, Snooze.until > now))
    return set(rows)


def _blockers(
    session: Session,
    team: str,
    channel: str,
    now: datetime,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    open_rows = session.scalars(
        select(Blocker)
        .where(
            Blocker.team_id == team,
            Blocker.channel_id == channel,
            Blocker.status == BlockerStatus.OPEN,
        )
        .order_by(Blocker.opened_at)
    )
    for blk in open_rows:
        days = (now - blk.opened_at).days
        who = blk.owner_id or blk.reporter_id
        if days >= limits["blocker_dm_days"] and once("blocker_dm", blk.ref, who):
            found.dms[who].append(views.blocker_nudge(blk, days))
        if days >= limits["blocker_channel_days"] and once("blocker_channel", blk.ref, channel):
            found.aging.append(blk)


def _requirements(
    session: Session,
    team: str,
    channel: str,
    now: datetime,
    today: date,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    soon = today + timedelta(days=limits["due_within_days"])
    unowned_before = now - timedelta(days=limits["unowned_days"])
    rows = session.scalars(
        select(Requirement)
        .where(Requirement.team_id == team, Requirement.channel_id == channel)
        .where(Requirement.status.not_in(CLOSED_REQUIREMENT))
        .order_by(Requirement.due_date, Requirement.number)
    )
    for req in rows:
        due = req.due_date
        owner = req.owner_id
        if due is not None and today <= due <= soon and owner and once("due_soon", req.ref, owner):
            found.dms[owner].append(views.due_nudge(req, today))
        if due is not None and due < today and once("overdue", req.ref, channel):
            found.overdue.append(req)
        urgent = req.priority in ("P0", "P1") and req.owner_id is None
        if urgent and req.created_at < unowned_before and once("unowned", req.ref, channel):
            found.unowned.append(req)


def _risks(
    session: Session,
    team: str,
    channel: str,
    today: date,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    rows = session.scalars(
        select(Risk).where(
            Risk.team_id == team, Risk.channel_id == channel, Risk.status == RiskStatus.OPEN
        )
    )
    for risk in rows:
        review_due = risk.review_date is not None and risk.review_date < today
        if not review_due and risk.score < limits["risk_score"]:
            continue
        who = risk.owner_id or risk.reporter_id
        if once("risk", risk.ref, who):
            found.dms[who].append(views.risk_nudge(risk, review_due=review_due))


def _standups(
    session: Session,
    schedule: Schedule,
    today: date,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    """Three missed standups, or blockers three runs in a row: the standup's owner only."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == schedule.team_id,
            Schedule.channel_id == schedule.channel_id,
            Schedule.kind == "standup",
        )
    )
    if sched is None:
        return
    owner = (sched.config or {}).get("owner") or sched.created_by
    streak = limits["standup_streak"]
    runs = list(
        session.scalars(
            select(StandupRun.id)
            # Today's run may still be answered: only finished days count.
            .where(StandupRun.schedule_id == sched.id, StandupRun.day < today)
            .order_by(StandupRun.day.desc())
            .limit(streak)
        )
    )
    if not owner or len(runs) < streak:
        return
    history: dict[str, list[StandupResponse]] = defaultdict(list)
    for resp in session.scalars(select(StandupResponse).where(StandupResponse.run_id.in_(runs))):
        history[resp.user_id].append(resp)
    for user, rows in sorted(history.items()):
        if len(rows) < streak:
            continue
        item = f"standup:{sched.id}:{user}"
        missed = all(r.status == ResponseStatus.PROMPTED for r in rows)
        blocked = all(r.blocker_id is not None for r in rows)
        if missed and once("standup_missed", item, owner):
            found.dms[owner].append(views.person_nudge(user, sched.channel_id, missed=streak))
        elif blocked and once("standup_blocked", item, owner):
            found.dms[owner].append(views.person_nudge(user, sched.channel_id, blocked=streak))


def _queue(
    session: Session,
    schedule: Schedule,
    occurrence: Occurrence,
    today: date,
    now: datetime,
    found: Found,
) -> int:
    key = f"reminders:{schedule.id}:{occurrence.due_at:%Y%m%dT%H%MZ}"
    queued = 0
    for user, nudges in sorted(found.dms.items()):
        text, blocks = views.dm(nudges, channel_id=schedule.channel_id, today=today)
        queued += outbox.enqueue(
            session=session,
            team_id=schedule.team_id,
            dedupe_key=f"{key}:dm:{user}",
            target=user,
            text=text,
            blocks=blocks,
            now=now,
            occurrence_id=occurrence.id,
        )
    if not (found.overdue or found.unowned or found.aging):
        return queued
    text, blocks = views.channel_post(
        overdue=found.overdue, unowned=found.unowned, aging=len(found.aging), today=today
    )
    queued += outbox.enqueue(
        session=session,
        team_id=schedule.team_id,
        dedupe_key=f"{key}:channel",
        target=schedule.channel_id,
        text=text,
        blocks=blocks,
        now=now,
        occurrence_id=occurrence.id,
    )
    if found.aging:
        text, blocks = views.aging_blockers(found.aging, now)
        queued += outbox.enqueue(
            session=session,
            team_id=schedule.team_id,
            dedupe_key=f"{key}:aging",
            target=schedule.channel_id,
            thread_key=f"{key}:channel",
            text=text,
            blocks=blocks,
            now=now,
            occurrence_id=occurrence.id,
        )
    return queued
