"""The daily risk reminders of a channel: who gets nudged about what, one DM per person, and a
channel post only for what the team must see.

Quiet by default: an item is reminded when it first crosses a rule's threshold, then again
only on an escalating cadence (DMs: 3 days later, then weekly; the channel: weekly) or when
the item changed. A DM leaves in its recipient's working hours, on their working days, never
on the team's public holidays or while they are away (`bot.services.calendar`); what cannot
leave within a day is not claimed, so the next run reminds it. The channel hears nothing on
days off, and names people as plain text (nobody is @-tagged)."""

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
from bot.scheduling.registry import OccurrenceHandler
from bot.services import calendar, cards, people, retro_actions, streaks
from bot.services.reminder_claims import Claims
from bot.views import reminders as views
from storage.items import Blocker, Risk
from storage.models import Requirement
from storage.reminders import ReminderStop, Snooze
from storage.scheduling import Occurrence, Schedule
from storage.statuses import CLOSED_REQUIREMENT, BlockerStatus, RiskStatus

DEFAULTS = {
    "blocker_dm_days": 2,
    "blocker_channel_days": 5,
    "due_within_days": 2,
    "unowned_days": 1,
    "risk_score": 15,
    "standup_streak": 3,
}
# Days between two reminders of one item under one rule, by how often it was reminded
# already: a DM on day 0, 3 days later, then weekly; the channel weekly.
DM_GAPS = (3, 7)
CHANNEL_GAPS = (7,)
NEVER_AGAIN = (100_000,)


def escalation_due(sent: int, last: date | None, today: date, gaps: tuple[int, ...]) -> bool:
    """May an item reminded `sent` times (the last on `last`) be reminded again `today`?"""
    if sent == 0 or last is None:
        return True
    return (today - last).days >= gaps[min(sent, len(gaps)) - 1]


@dataclass
class Found:
    """What one run reminds: per person (DM) and for the channel."""

    dms: dict[str, list[Nudge]] = field(default_factory=lambda: defaultdict(list))
    pauses: dict[str, int] = field(default_factory=dict)  # user: standups missed in a row
    slots: dict[str, datetime] = field(default_factory=dict)  # user: when their DM may leave
    overdue: list[Requirement] = field(default_factory=list)
    unowned: list[Requirement] = field(default_factory=list)
    aging: list[Blocker] = field(default_factory=list)
    to_pause: list[str] = field(default_factory=list)  # users whose prompts stop
    today: date = date.min  # the run's day, in the occurrence's zone
    claims: Claims | None = None  # today's claims, written by `_write`


def thresholds(schedule: Schedule) -> dict[str, int]:
    """The defaults, overridden by the schedule's config."""
    config = schedule.config or {}
    return {k: int(config.get(k, v)) for k, v in DEFAULTS.items()}


def run(*, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime) -> int:
    """Find what needs a nudge today and queue it; nothing at all when nothing is due."""
    found = _find(session, schedule, occurrence.due_at, occurrence.zone, now)
    return _write(session, schedule, occurrence, now, found)


def prepare(
    *, session: Session, schedule: Schedule, due_at: datetime, zone: str, now: datetime
) -> OccurrenceHandler:
    """`run` in two steps for the ticker: decide in a read-only snapshot; the returned handler
    writes today's claims, card edits and pauses and queues the messages in the occurrence's
    transaction. If any of those claims was logged meanwhile by someone else, it decides
    again inside its transaction instead (the log's UNIQUE day row stays the guarantee)."""
    found = _find(session, schedule, due_at, zone, now)

    def write(
        *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
    ) -> int:
        if found.claims is not None and found.claims.taken_meanwhile(session):
            return run(session=session, schedule=schedule, occurrence=occurrence, now=now)
        return _write(session, schedule, occurrence, now, found)

    return write


def _find(
    session: Session, schedule: Schedule, due_at: datetime, zone_name: str, now: datetime
) -> Found:
    """Everything one run reminds, decided from what `session` reads; writes nothing."""
    zone = ZoneInfo(zone_name)
    today = due_at.astimezone(zone).date()
    limits = thresholds(schedule)
    team, channel = schedule.team_id, schedule.channel_id
    snoozed = _snoozed(session, team, now)
    stopped: set[tuple[str, str]] = set(
        session.execute(
            select(ReminderStop.item, ReminderStop.user_id).where(ReminderStop.team_id == team)
        )
    )
    cal = calendar.for_channel(session=session, team_id=team, channel_id=channel, zone=zone)
    found = Found(today=today)

    def may_reach(to: str) -> bool:
        if to[:1] not in ("U", "W"):  # the channel: only on its working days
            return cal.working_day(today)
        if to not in found.slots:
            at = calendar.slot(session=session, calendar=cal, team_id=team, user_id=to, now=now)
            if at is None:
                return False
            found.slots[to] = at
        return True

    # The log of this channel's items, read at once; today's claims written in one INSERT.
    blockers = _open_blockers(session, team, channel)
    reqs = _open_requirements(session, team, channel)
    risks = _open_risks(session, team, channel)
    claims = found.claims = Claims(session=session, team_id=team, today=today, now=now)
    claims.load([b.ref for b in blockers] + [r.ref for r in reqs] + [k.ref for k in risks])

    def once(
        rule: str,
        item: str,
        to: str,
        changed: datetime | None = None,
        gaps: tuple[int, ...] | None = None,
    ) -> bool:
        """Claim today's reminder of `item` under `rule`: False when snoozed, stopped by the
        recipient, outside their time, already said today, or not due on the cadence."""
        if item in snoozed or (item, to) in stopped or not may_reach(to):
            return False
        is_dm = to[:1] in ("U", "W")
        cadence = gaps or (DM_GAPS if is_dm else CHANNEL_GAPS)

        def due(sent: int, last_day: date | None, last_at: datetime | None) -> bool:
            # Per recipient: a new owner hears about the item as news.
            news = changed is not None and last_at is not None and changed > last_at
            return news or escalation_due(sent, last_day, today, cadence)

        return claims.claim(rule, item, to, due)

    _blockers(blockers, channel, now, limits, once, found)
    _requirements(reqs, channel, now, today, limits, once, found)
    _risks(risks, today, limits, once, found)
    _actions(session, team, channel, today, once, found)
    streaks.check(
        session=session, schedule=schedule, today=today, now=now, streak=limits["standup_streak"],
        once=once, found=found, never_again=NEVER_AGAIN,
    )  # fmt: skip
    return found


def _write(
    session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime, found: Found
) -> int:
    """What `_find` decided, written: claims, card edits, pauses, then the messages."""
    if found.claims is not None:
        found.claims.flush(session)
    # A card posted before its due date says "overdue" from now on.
    refs = [r.ref for r in found.overdue]
    cards.touch_many(session, team_id=schedule.team_id, refs=refs, now=now)
    streaks.pause(session=session, team_id=schedule.team_id, users=found.to_pause,
                  today=found.today, now=now)  # fmt: skip
    return _queue(session, schedule, occurrence, found.today, now, found)


def _snoozed(session: Session, team_id: str, now: datetime) -> set[str]:
    rows = session.scalars(select(Snooze.item).where(Snooze.team_id == team_id, Snooze.until > now))
    return set(rows)


def _open_blockers(session: Session, team: str, channel: str) -> list[Blocker]:
    return list(
        session.scalars(
            select(Blocker)
            .where(
                Blocker.team_id == team,
                Blocker.channel_id == channel,
                Blocker.status == BlockerStatus.OPEN,
            )
            .order_by(Blocker.opened_at)
        )
    )


def _open_requirements(session: Session, team: str, channel: str) -> list[Requirement]:
    return list(
        session.scalars(
            select(Requirement)
            .where(Requirement.team_id == team, Requirement.channel_id == channel)
            .where(Requirement.status.not_in(CLOSED_REQUIREMENT))
            .order_by(Requirement.due_date, Requirement.number)
        )
    )


def _open_risks(session: Session, team: str, channel: str) -> list[Risk]:
    return list(
        session.scalars(
            select(Risk).where(
                Risk.team_id == team, Risk.channel_id == channel, Risk.status == RiskStatus.OPEN
            )
        )
    )


def _blockers(
    open_rows: list[Blocker],
    channel: str,
    now: datetime,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    for blk in open_rows:
        days = (now - blk.opened_at).days
        who = blk.owner_id or blk.reporter_id
        if days >= limits["blocker_dm_days"] and once("blocker_dm", blk.ref, who):
            found.dms[who].append(views.blocker_nudge(blk, days))
        if days >= limits["blocker_channel_days"] and once("blocker_channel", blk.ref, channel):
            found.aging.append(blk)


def _requirements(
    rows: list[Requirement],
    channel: str,
    now: datetime,
    today: date,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    soon = today + timedelta(days=limits["due_within_days"])
    unowned_before = now - timedelta(days=limits["unowned_days"])
    for req in rows:
        due = req.due_date
        owner = req.owner_id
        changed = req.updated_at
        if (
            due is not None
            and today <= due <= soon
            and owner
            and once("due_soon", req.ref, owner, changed)
        ):
            found.dms[owner].append(views.due_nudge(req, today))
        # The channel: once per escalation step, whatever changed in between.
        if due is not None and due < today and once("overdue", req.ref, channel):
            found.overdue.append(req)
        urgent = req.priority in ("P0", "P1") and req.owner_id is None
        if urgent and req.created_at < unowned_before and once("unowned", req.ref, channel):
            found.unowned.append(req)


def _risks(
    rows: list[Risk],
    today: date,
    limits: dict[str, int],
    once: Any,
    found: Found,
) -> None:
    for risk in rows:
        review_due = risk.review_date is not None and risk.review_date < today
        if not review_due and risk.score < limits["risk_score"]:
            continue
        who = risk.owner_id or risk.reporter_id
        if once("risk", risk.ref, who):
            found.dms[who].append(views.risk_nudge(risk, review_due=review_due))


def _actions(
    session: Session, team: str, channel: str, today: date, once: Any, found: Found
) -> None:
    """Retro actions past their due date: their owner (or creator) gets the usual DM, on the
    usual cadence, in their working hours."""
    for act in retro_actions.open_of(session=session, team_id=team, channel_id=channel):
        if act.due_date is None or act.due_date >= today:
            continue
        who = act.owner_id or act.created_by
        changed = act.created_at
        if once("action_overdue", act.ref, who, changed):
            found.dms[who].append(views.action_nudge(act, today))


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
    zone = ZoneInfo(occurrence.zone)
    cal = calendar.for_channel(
        session=session, team_id=schedule.team_id, channel_id=schedule.channel_id, zone=zone
    )

    def day_end(user: str) -> datetime:
        at = found.slots.get(user) or now
        return calendar.day_end(
            session=session, calendar=cal, team_id=schedule.team_id, user_id=user, at=at
        )

    note = f"the daily reminders of {today:%a %d %b}"
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
            not_before=found.slots.get(user),
            occurrence_id=occurrence.id,
            deadline=day_end(user),
            deadline_note=note,
            about=[n.ref for n in nudges[: views.DM_ITEMS] if n.ref],
        )
    for user, missed in sorted(found.pauses.items()):
        text, blocks = views.pause_offer(channel_id=schedule.channel_id, missed=missed)
        queued += outbox.enqueue(
            session=session,
            team_id=schedule.team_id,
            dedupe_key=f"{key}:pause:{user}",
            target=user,
            text=text,
            blocks=blocks,
            now=now,
            not_before=found.slots.get(user),
            occurrence_id=occurrence.id,
            deadline=day_end(user),
            deadline_note="the offer to pause standups",
        )
    if not (found.overdue or found.unowned or found.aging):
        return queued
    named = [r.owner_id for r in found.overdue if r.owner_id]
    named += [u for b in found.aging for u in (b.owner_id, b.reporter_id) if u]
    known = people.known(session=session, team_id=schedule.team_id, user_ids=sorted(set(named)))
    names = {u: people.name_of(known, u) for u in named if u in known}
    text, blocks = views.channel_post(
        overdue=found.overdue,
        unowned=found.unowned,
        aging=len(found.aging),
        today=today,
        names=names,
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
        deadline=calendar.midnight_after(today, zone),
        deadline_note=f"the channel's reminders of {today:%a %d %b}",
    )
    if found.aging:
        text, blocks = views.aging_blockers(found.aging, now, names=names)
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
