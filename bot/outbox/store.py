"""Outbox queries: due rows (claimed with SKIP LOCKED on PostgreSQL) and shared send pacing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import insert_ignore, upsert_insert
from storage.items import ItemMessage
from storage.scheduling import OutboxMessage, SendPace
from storage.standups import Person
from storage.statuses import OutboxStatus

WORKSPACE_KEY = "*"
# The key of a row's `fallback` naming who asked for the post (`/digest now`): told if Slack
# refuses it because teamloop can't post in the channel, instead of a silent death.
TELL = "tell"
# A row that will never be sent again (or was): replies and edits of it stop waiting.
SETTLED = (OutboxStatus.SENT, OutboxStatus.DEAD, OutboxStatus.CANCELLED, OutboxStatus.EXPIRED)


def pace_rows(session: Session, *, team_id: str, keys: Iterable[str]) -> dict[str, SendPace]:
    """The pacing rows of a workspace and some channels, created if missing, locked in key
    order (so two replicas never deadlock on them)."""
    wanted = sorted({WORKSPACE_KEY, *keys})
    insert = upsert_insert(session.get_bind().dialect.name)
    session.execute(
        insert(SendPace)
        .values([{"team_id": team_id, "key": k, "next_at": 0.0} for k in wanted])
        .on_conflict_do_nothing(index_elements=["team_id", "key"])
    )
    query = (
        select(SendPace)
        .where(SendPace.team_id == team_id, SendPace.key.in_(wanted))
        .order_by(SendPace.key)
        .with_for_update()
    )
    return {row.key: row for row in session.scalars(query)}


def owned(session: Session, *, row_id: int, claimer: str) -> OutboxMessage | None:
    """The row if this sender still holds its claim (a reclaimed row is someone else's)."""
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING or row.claimed_by != claimer:
        return None
    return row


def next_due(session: Session) -> datetime | None:
    """When the next pending row (or running lease) becomes claimable."""
    pending = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    leased = session.scalar(
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == OutboxStatus.SENDING
        )
    )
    found = [t for t in (pending, leased) if t is not None]
    return min(found) if found else None


def status_counts(session: Session) -> dict[str, int]:
    """How many outbox rows are in each status."""
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: count for status, count in rows}


def enqueue(
    *,
    session: Session,
    team_id: str,
    dedupe_key: str,
    target: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    thread_key: str | None = None,
    not_before: datetime | None = None,
    occurrence_id: int | None = None,
    file: bytes | None = None,
    file_name: str | None = None,
    drawing: dict[str, Any] | None = None,
    fallback: dict[str, Any] | None = None,
    deadline: datetime | None = None,
    deadline_note: str | None = None,
    about: list[str] | None = None,
) -> bool:
    """Queue a message for `target` (a channel, or a user for a DM); False if already queued.

    With `thread_key`, the message is a reply in the thread of that outbox message. With
    `file`, it is an upload (text is its comment); with `drawing`, an upload of what the
    sender draws from it (bot.outbox.render); `fallback` is an edit applied if it dies, and
    may name (under `TELL`) who asked for the post, told if Slack refuses it for good because
    teamloop can't post in the channel (bot.services.reach.learn).
    `deadline`: after it the row is marked expired, never sent (`deadline_note` says what
    it was, for the reason); None only for what stays true (edits, thread replies).
    `about`: the item refs whose buttons it carries, recorded as item messages once sent.
    """
    values = {
        "team_id": team_id,
        "dedupe_key": dedupe_key,
        "target": target,
        "channel_id": None if target[:1] in ("U", "W") else target,
        "thread_ts": thread_ts,
        "thread_key": thread_key,
        "text": text,
        "blocks": blocks,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "occurrence_id": occurrence_id,
        "created_at": now,
        "file": file,
        "file_name": file_name,
        "drawing": drawing,
        "fallback": fallback,
        "deadline": deadline,
        "deadline_note": deadline_note[:200] if deadline_note else None,
        "about": about,
    }
    # One cached statement with bound values: a scheduled run queues hundreds of these, and
    # building a fresh statement per message (values baked in) cost more than the INSERT.
    name = session.get_bind().dialect.name
    if name not in ("sqlite", "postgresql"):
        return insert_ignore(session, OutboxMessage, values, conflict=["dedupe_key"]) is not None
    return session.execute(_enqueue_statement(name), values).first() is not None


@cache
def _enqueue_statement(dialect: str) -> Any:
    # Built once per dialect, when first used (the PostgreSQL one never on SQLite).
    return (
        upsert_insert(dialect)(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )


def by_key(session: Session, dedupe_key: str) -> OutboxMessage | None:
    """The outbox row with this dedupe key."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))


def enqueue_edit(
    *,
    session: Session,
    of_key: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """Change what an outbox message says: rewrite it while unsent, else queue a chat.update.

    Edits not yet sent are merged, so a burst of changes costs one call to Slack.
    """
    original = session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == of_key).with_for_update()
    )
    if original is None:
        raise LookupError(f"no outbox message {of_key!r}")
    if original.status == OutboxStatus.PENDING:
        original.text, original.blocks = text, blocks
        return
    if original.status in (OutboxStatus.DEAD, OutboxStatus.CANCELLED, OutboxStatus.EXPIRED):
        return  # never shown, nothing to change
    waiting = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.edit_of == of_key, OutboxMessage.status == OutboxStatus.PENDING)
        .with_for_update()
    )
    if waiting is not None:
        waiting.text, waiting.blocks = text, blocks
        return
    session.add(
        OutboxMessage(
            team_id=original.team_id,
            dedupe_key=f"{of_key}:edit:{uuid.uuid4().hex[:12]}",
            target=original.target,
            channel_id=original.channel_id,
            edit_of=of_key,
            text=text,
            blocks=blocks,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def cancel(session: Session, dedupe_key: str) -> bool:
    """Drop a message not yet sent (e.g. a reminder that is no longer needed)."""
    row = session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key).with_for_update()
    )
    if row is None or row.status != OutboxStatus.PENDING:
        return False
    row.status = OutboxStatus.CANCELLED
    return True


def mark_expired(row: OutboxMessage, reason: str) -> None:
    """Never send `row`: what it says is no longer timely or true (`reason` is kept)."""
    row.status = OutboxStatus.EXPIRED
    row.last_error = f"expired: {reason}"[:2000]
    row.claimed_by = row.lease_until = None


def enqueue_card_edit(
    *, session: Session, team_id: str, channel_id: str, ts: str, now: datetime
) -> bool:
    """Queue a chat.update of a card (rendered from the store when it is claimed), unless one
    is already waiting: one pending edit per card, however many changes. No deadline: it
    always brings the card to the item's current state. False when one was waiting."""
    waiting = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.channel_id == channel_id,
            OutboxMessage.edit_ts == ts,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    if waiting is not None:
        return False
    session.add(
        OutboxMessage(
            team_id=team_id,
            dedupe_key=f"card:{channel_id}:{ts}:{uuid.uuid4().hex[:12]}",
            target=channel_id,
            channel_id=channel_id,
            edit_ts=ts,
            render={"card": True},
            text="",
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def expired_count(session: Session) -> int:
    """How many outbox rows expired (for run-due and /metrics)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.EXPIRED)
        )
        or 0
    )


def record_about(session: Session, row: OutboxMessage, *, now: datetime) -> None:
    """A sent message with item buttons (a reminder DM) becomes an item message of each item
    it is about, so a change to one of them edits it (buttons replaced by what happened)."""
    if not row.about or not row.channel_id or not row.slack_ts:
        return
    recipient = row.target if row.target[:1] in ("U", "W") else None
    for ref in row.about:
        values = {
            "team_id": row.team_id,
            "ref": ref,
            "channel_id": row.channel_id,
            "ts": row.slack_ts,
            "role": "reminder",
            "recipient": recipient,
            "live": True,
            "blocks": row.blocks,
            "created_at": now,
        }
        insert_ignore(session, ItemMessage, values, conflict=["team_id", "ref", "channel_id", "ts"])


def dm_channel(session: Session, *, team_id: str, user_id: str) -> str | None:
    """The bot's DM with this person, as last opened (None: open it with conversations.open)."""
    return session.scalar(
        select(Person.dm_channel_id).where(Person.team_id == team_id, Person.user_id == user_id)
    )


def keep_dm_channel(
    session: Session, *, team_id: str, user_id: str, channel_id: str | None, now: datetime
) -> None:
    """Remember (or, with None, forget) the bot's DM with this person across restarts.

    A person Slack has not described yet gets a row with no name (people.name_of then names
    them by mention, as for anyone unknown); users.info fills it in later."""
    person = session.get(Person, (team_id, user_id))
    if person is None:
        if channel_id is None:
            return
        person = Person(team_id=team_id, user_id=user_id, name="", updated_at=now)
        session.add(person)
    person.dm_channel_id = channel_id
