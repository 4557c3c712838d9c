"""Queue a channel's weekly digest: the message, its thread, the chart upload, the owner's DM."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.outbox import store as outbox
from bot.outbox.render import weekly_spec
from bot.readmodels import Digest
from bot.scheduling.registry import OccurrenceHandler
from bot.services import anonymous, calendar, digest, feedback
from bot.services.actor import Actor
from bot.views import anonymous as anon_views
from bot.views import digest as views
from bot.views.blocks import section
from bot.views.digest import Message
from storage.scheduling import Occurrence, OutboxMessage, Schedule
from storage.statuses import OccurrenceStatus

HISTORY = timedelta(days=7)  # the first scheduled digest waits for a week of history
# How late a digest may still go out: the scheduler's catch-up window for the kind, and the
# deadline of its messages in the outbox (after an outage, last week's digest is not news).
CATCH_UP = timedelta(hours=12)


def period_start(session: Session, schedule: Schedule | None, until: datetime) -> datetime:
    """Since the previous digest this schedule posted, else the last 7 days."""
    week_ago = until - timedelta(days=7)
    if schedule is None:
        return week_ago
    # A digest was posted (not only an anonymous batch while the digest waited).
    posted = exists().where(
        OutboxMessage.occurrence_id == Occurrence.id,
        OutboxMessage.thread_key.is_(None),
        OutboxMessage.dedupe_key.not_like("%:anonymous%"),
    )
    previous = session.scalar(
        select(Occurrence.due_at)
        .where(Occurrence.schedule_id == schedule.id, Occurrence.status == OccurrenceStatus.DONE)
        .where(Occurrence.due_at < until, posted)
        .order_by(Occurrence.due_at.desc())
        .limit(1)
    )
    return previous if previous is not None else week_ago


@dataclass
class Composed:
    """One digest read and rendered: its figures, its messages (text, blocks), the end of
    its period, and the ids of the feedback it shows that is not marked shown yet (read in a
    snapshot; empty when `digest.build` marked it itself)."""

    data: Digest
    parts: list[Message]
    until: datetime
    zone: ZoneInfo
    unmarked: list[int] = field(default_factory=list)


def compose(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    until: datetime,
    since: datetime,
    zone: ZoneInfo,
    snapshot: bool = False,
) -> Composed:
    """Read and render the digest of (since, until]; `snapshot`: read only (the feedback it
    shows is marked later, by `queue`'s caller, with `feedback.mark_digested`)."""
    data = digest.build(
        session=session, team_id=team_id, channel_id=channel_id, since=since, until=until,
        zone=zone, defer_marks=snapshot,
    )  # fmt: skip
    unmarked = [f.id for f in data.feedback if f.digested_at is None] if snapshot else []
    return Composed(data, views.messages(data), until, zone, unmarked)


def post(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    until: datetime,
    since: datetime,
    zone: ZoneInfo,
    key: str,
    now: datetime,
    occurrence_id: int | None = None,
    release_anonymous: bool = False,
    asked_by: str | None = None,
) -> int:
    """Queue the digest of (since, until] under dedupe key `key`; returns messages queued.
    `asked_by` (`/digest now`) is told if Slack refuses the post for good (bot.services.reach).

    Only scheduled digests release anonymous feedback: if `/digest now` did, anyone could
    release a batch at a moment of their choosing and time its contents."""
    made = compose(session=session, team_id=team_id, channel_id=channel_id, until=until,
                   since=since, zone=zone)  # fmt: skip
    return queue(
        session=session, composed=made, team_id=team_id, channel_id=channel_id, key=key,
        now=now, occurrence_id=occurrence_id, release_anonymous=release_anonymous,
        asked_by=asked_by,
    )  # fmt: skip


def queue(
    *,
    session: Session,
    composed: Composed,
    team_id: str,
    channel_id: str,
    key: str,
    now: datetime,
    occurrence_id: int | None = None,
    release_anonymous: bool = False,
    asked_by: str | None = None,
) -> int:
    """Queue a composed digest under dedupe key `key` (see `post`); returns messages queued."""
    data, parts, until, zone = composed.data, composed.parts, composed.until, composed.zone
    send = partial(
        outbox.enqueue, session=session, team_id=team_id, now=now, occurrence_id=occurrence_id
    )
    text, blocks = parts[0]
    # Its thread and chart wait on it, and expire with it; anonymous batches have none (the
    # feedback they release is taken out of the hold when queued, so it must be shown).
    late: dict[str, Any] = {
        "deadline": until + CATCH_UP,
        "deadline_note": f"the digest of {until.astimezone(zone):%a %d %b}",
    }
    if asked_by:
        late["fallback"] = {outbox.TELL: asked_by}
    queued = int(send(dedupe_key=key, target=channel_id, text=text, blocks=blocks, **late))
    for n, (more_text, more_blocks) in enumerate(parts[1:], 1):
        queued += send(
            dedupe_key=f"{key}:part{n}",
            target=channel_id,
            thread_key=key,
            text=more_text,
            blocks=more_blocks,
        )
    if release_anonymous:
        queued += _release_anonymous(session, team_id, channel_id, until, key, send)
    if not data.active:
        return queued
    bars = views.text_bars(data.weeks)
    queued += send(
        dedupe_key=f"{key}:chart",
        target=channel_id,
        thread_key=key,
        text="Last 8 weeks",
        # Drawn by the sender just before the upload: never inside this transaction.
        drawing=weekly_spec(data.weeks, title="Requirements, last 8 weeks"),
        file_name="teamloop-weekly.png",
        # If the upload fails for good, the digest shows the same figures as text bars.
        fallback={
            "of_key": key,
            "text": text,
            "blocks": [*blocks, section(bars)],
        },
    )
    private = views.participation_dm(data)
    owner = data.standups.owner_id if data.standups is not None else None
    if private is not None and owner:
        cal = calendar.for_channel(
            session=session, team_id=team_id, channel_id=channel_id, zone=zone
        )
        # In the owner's working hours; not at all while they are away or off.
        at = calendar.slot(session=session, calendar=cal, team_id=team_id, user_id=owner, now=now)
        if at is not None:
            queued += send(
                dedupe_key=f"{key}:participation",
                target=owner,
                text=private[0],
                blocks=private[1],
                not_before=at,
                **late,
            )
    return queued


def _release_anonymous(
    session: Session,
    team_id: str,
    channel_id: str,
    until: datetime,
    key: str,
    send: Callable[..., bool],
) -> int:
    """Queue the anonymous feedback batch a scheduled digest releases (its own top-level
    posts, never part of the digest itself)."""
    batch = anonymous.release(
        session=session, team_id=team_id, channel_id=channel_id, today=until.date()
    )
    queued = 0
    for n, (anon_text, anon_blocks) in enumerate(anon_views.batch_messages(batch, channel_id)):
        queued += send(
            dedupe_key=f"{key}:anonymous{n}", target=channel_id, text=anon_text, blocks=anon_blocks
        )
    return queued


def on_occurrence(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """The scheduler's digest handler: what changed since the previous digest. Nothing while
    the channel's first item is less than a week old (it is still news), nor on a public
    holiday of the channel's country (the next digest covers both weeks). A channel with only
    anonymous feedback has no first item to wait for: that feedback has its own hold."""
    key, made = _plan(session, schedule, occurrence.due_at, occurrence.zone, snapshot=False)
    return _write(session, schedule, occurrence, now, key, made)


def prepare(
    *, session: Session, schedule: Schedule, due_at: datetime, zone: str, now: datetime
) -> OccurrenceHandler:
    """`on_occurrence` in two steps for the ticker: read and render here, in a read-only
    snapshot; the returned handler marks the feedback shown and queues the messages in the
    occurrence's transaction. If another digest (`/digest now`) showed any of that feedback
    in between, the handler composes again inside its transaction instead."""
    key, made = _plan(session, schedule, due_at, zone, snapshot=True)

    def write(
        *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
    ) -> int:
        if made is not None and not feedback.mark_digested(
            session=session, ids=made.unmarked, at=made.until
        ):
            return on_occurrence(session=session, schedule=schedule, occurrence=occurrence, now=now)
        return _write(session, schedule, occurrence, now, key, made)

    return write


def _plan(
    session: Session, schedule: Schedule, due_at: datetime, zone_name: str, *, snapshot: bool
) -> tuple[str, Composed | None]:
    """The occurrence's dedupe key and its digest (None: no digest this time, see above)."""
    first = digest.first_item_at(
        session=session, team_id=schedule.team_id, channel_id=schedule.channel_id
    )
    zone = ZoneInfo(zone_name)
    key = f"digest:{schedule.id}:{due_at:%Y%m%dT%H%MZ}"
    country = calendar.country_of(
        session=session, team_id=schedule.team_id, channel_id=schedule.channel_id
    )
    too_new = (
        first is not None
        and first.astimezone(zone).date() > (due_at - HISTORY).astimezone(zone).date()
    )
    if too_new or calendar.is_holiday(country, due_at.astimezone(zone).date()):
        return key, None
    made = compose(
        session=session, team_id=schedule.team_id, channel_id=schedule.channel_id,
        until=due_at, since=period_start(session, schedule, due_at), zone=zone, snapshot=snapshot,
    )  # fmt: skip
    return key, made


def _write(
    session: Session,
    schedule: Schedule,
    occurrence: Occurrence,
    now: datetime,
    key: str,
    made: Composed | None,
) -> int:
    if made is None:
        # No digest; anonymous feedback keeps its own schedule (its hold must not grow).
        send = partial(
            outbox.enqueue, session=session, team_id=schedule.team_id, now=now,
            occurrence_id=occurrence.id,
        )  # fmt: skip
        return _release_anonymous(
            session, schedule.team_id, schedule.channel_id, occurrence.due_at, key, send
        )
    return queue(
        session=session, composed=made, team_id=schedule.team_id,
        channel_id=schedule.channel_id, key=key, now=now, occurrence_id=occurrence.id,
        release_anonymous=True,
    )  # fmt: skip


def post_now(*, session: Session, actor: Actor, now: datetime) -> int:
    """`/digest now`: this channel's digest since its previous one (or the last 7 days)."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == actor.team_id,
            Schedule.channel_id == actor.channel_id,
            Schedule.kind == "digest",
        )
    )
    return post(
        session=session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        until=now,
        since=period_start(session, sched, now),
        zone=actor.zone,
        key=f"digest:now:{actor.channel_id}:{now:%Y%m%dT%H%M%S.%f}",
        now=now,
        asked_by=actor.user_id,
    )
