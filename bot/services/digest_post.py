"""Queue a channel's weekly digest: the message, its thread, the chart upload, the owner's DM."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import store as outbox
from bot.services import anonymous, digest
from bot.services.actor import Actor
from bot.views import anonymous as anon_views
from bot.views import digest as views
from bot.views.blocks import section
from bot.views.chart import weekly_chart
from storage.scheduling import Occurrence, Schedule
from storage.statuses import OccurrenceStatus


def period_start(session: Session, schedule: Schedule | None, until: datetime) -> datetime:
    """Since the previous digest of this schedule, else the last 7 days."""
    week_ago = until - timedelta(days=7)
    if schedule is None:
        return week_ago
    previous = session.scalar(
        select(Occurrence.due_at)
        .where(Occurrence.schedule_id == schedule.id, Occurrence.status == OccurrenceStatus.DONE)
        .where(Occurrence.due_at < until)
        .order_by(Occurrence.due_at.desc())
        .limit(1)
    )
    return previous if previous is not None else week_ago


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
) -> int:
    """Queue the digest of (since, until] under dedupe key `key`; returns messages queued.

    Only scheduled digests release anonymous feedback: if `/digest now` did, anyone could
    release a batch at a moment of their choosing and time its contents."""
    data = digest.build(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        since=since,
        until=until,
        zone=zone,
    )
    parts = views.messages(data)
    send = partial(
        outbox.enqueue, session=session, team_id=team_id, now=now, occurrence_id=occurrence_id
    )
    text, blocks = parts[0]
    queued = int(send(dedupe_key=key, target=channel_id, text=text, blocks=blocks))
    for n, (more_text, more_blocks) in enumerate(parts[1:], 1):
        queued += send(
            dedupe_key=f"{key}:part{n}",
            target=channel_id,
            thread_key=key,
            text=more_text,
            blocks=more_blocks,
        )
    if release_anonymous:
        batch = anonymous.release(
            session=session, team_id=team_id, channel_id=channel_id, today=until.date()
        )
        for n, (anon_text, anon_blocks) in enumerate(anon_views.batch_messages(batch, channel_id)):
            queued += send(
                dedupe_key=f"{key}:anonymous{n}", target=channel_id, text=anon_text,
                blocks=anon_blocks,
            )  # fmt: skip
    if not data.active:
        return queued
    bars = views.text_bars(data.weeks)
    png = weekly_chart(data.weeks, title="Last 8 weeks: requirements and open blockers")
    queued += send(
        dedupe_key=f"{key}:chart",
        target=channel_id,
        thread_key=key,
        text="Last 8 weeks",
        file=png,
        file_name="teamloop-weekly.png",
        # If the upload fails for good, the digest shows the same figures as text bars.
        fallback={
            "of_key": key,
            "text": text,
            "blocks": [*blocks, section(bars)],
        },
    )
    private = views.participation_dm(data)
    if private is not None and data.standups is not None and data.standups.owner_id:
        queued += send(
            dedupe_key=f"{key}:participation",
            target=data.standups.owner_id,
            text=private[0],
            blocks=private[1],
        )
    return queued


def on_occurrence(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """The scheduler's digest handler: what changed since the previous digest."""
    return post(
        session=session,
        team_id=schedule.team_id,
        channel_id=schedule.channel_id,
        until=occurrence.due_at,
        since=period_start(session, schedule, occurrence.due_at),
        zone=ZoneInfo(occurrence.zone),
        key=f"digest:{schedule.id}:{occurrence.due_at:%Y%m%dT%H%MZ}",
        now=now,
        occurrence_id=occurrence.id,
        release_anonymous=True,
    )


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
    )
