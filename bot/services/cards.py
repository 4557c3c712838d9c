"""Cards follow their item: every message teamloop posts about an item is recorded (channel,
ts); any change to the item queues an edit of each live one through the outbox, rendered
from the store when the edit is claimed, so it always shows the item's current state.

`items.change` (the one funnel every change of every path goes through) calls `touch`; the
outbox sender calls `render` (wired in bot/runtime/jobs.py). A reassigned item's new owner
gets one notice (`notify_owner`), batched per minute and sent in their working hours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.outbox import store as outbox
from bot.services import calendar, feedback_states
from bot.views import cards as views
from bot.views import items as item_views
from bot.views import requirements as req_views
from storage.db import insert_ignore
from storage.items import Blocker, Feedback, ItemMessage, Risk
from storage.models import HistoryEvent, Requirement
from storage.retros import Retro, RetroAction
from storage.scheduling import OutboxMessage
from storage.statuses import (
    CLOSED_REQUIREMENT,
    ActionStatus,
    BlockerStatus,
    OutboxStatus,
    RequirementStatus,
    RiskStatus,
)

Item = Requirement | Feedback | Blocker | Risk | RetroAction
MODELS: dict[str, tuple[type[Any], str]] = {
    "REQ": (Requirement, "requirement"),
    "FB": (Feedback, "feedback"),
    "BLK": (Blocker, "blocker"),
    "RSK": (Risk, "risk"),
    # Retro actions have no card; their reminder DMs follow them like the others'.
    "ACT": (RetroAction, "action"),
}
OWNER_FIELDS = ("owner", "owner_id")
# How long a new owner's first notice waits for others to join it (README: "batched with
# their other notices of that minute").
NOTICE_WINDOW = timedelta(minutes=1)
DONE_LABELS = {
    RequirementStatus.DONE: "✅ Done",
    RequirementStatus.REJECTED: "🚫 Rejected",
    RequirementStatus.DUPLICATE: "🔁 Closed as a duplicate",
}


def record(
    *,
    session: Session,
    team_id: str,
    ref: str,
    channel_id: str,
    ts: str,
    now: datetime,
    role: str = "card",
    extra: list[dict[str, Any]] | None = None,
) -> None:
    """Remember a message posted about `ref` (a card is live: changes edit it; a
    confirmation shows no state and is only kept). `extra`: blocks shown under the card
    (a due-date note, a duplicate hint), kept while the item is open."""
    values = {
        "team_id": team_id,
        "ref": ref,
        "channel_id": channel_id,
        "ts": ts,
        "role": role,
        "recipient": None,
        "live": role == "card",
        "blocks": extra or None,
        "created_at": now,
    }
    insert_ignore(session, ItemMessage, values, conflict=["team_id", "ref", "channel_id", "ts"])


def has_card(*, session: Session, team_id: str, ref: str, channel_id: str) -> bool:
    """Whether `ref` already has a card in `channel_id` (a second one is never posted)."""
    found = select(ItemMessage.id).where(
        ItemMessage.team_id == team_id,
        ItemMessage.ref == ref,
        ItemMessage.channel_id == channel_id,
        ItemMessage.role == "card",
    )
    return session.scalar(found) is not None


def touch(session: Session, *, team_id: str, ref: str, now: datetime) -> int:
    """Queue an edit of every live message about `ref`; how many were newly queued."""
    return touch_many(session, team_id=team_id, refs=[ref], now=now)


TOUCH_CHUNK = 500  # refs per `IN (…)` list: well under SQLite's 32,766 bound parameters


def touch_many(session: Session, *, team_id: str, refs: Sequence[str], now: datetime) -> int:
    """`touch` for many items at once (a daily reminder run's overdue items): one query per
    `TOUCH_CHUNK` refs, not one per item. Returns how many edits were newly queued."""
    shown: set[tuple[str, str]] = set()
    for start in range(0, len(refs), TOUCH_CHUNK):
        chunk = refs[start : start + TOUCH_CHUNK]
        shown.update(
            (str(channel_id), str(ts))
            for channel_id, ts in session.execute(
                select(ItemMessage.channel_id, ItemMessage.ts).where(
                    ItemMessage.team_id == team_id,
                    ItemMessage.ref.in_(chunk),
                    ItemMessage.live.is_(True),
                )
            )
        )
    queued = 0
    for channel_id, ts in sorted(shown):
        queued += outbox.enqueue_card_edit(
            session=session, team_id=team_id, channel_id=channel_id, ts=ts, now=now
        )
    return queued


def item_of(session: Session, *, team_id: str, ref: str) -> Item | None:
    """The item `REQ-3`, `FB-1`, `BLK-2`, `RSK-4` or `ACT-5` of this workspace, or None."""
    prefix, _, number = ref.partition("-")
    if prefix not in MODELS or not number.isdigit():
        return None
    model, _kind = MODELS[prefix]
    found: Item | None = session.scalar(
        select(model).where(model.team_id == team_id, model.number == int(number))
    )
    return found


def _last(session: Session, item: Item, kind: str, fields: tuple[str, ...]) -> HistoryEvent | None:
    return session.scalar(
        select(HistoryEvent)
        .where(
            HistoryEvent.team_id == item.team_id,
            HistoryEvent.entity_type == kind,
            HistoryEvent.entity_id == item.id,
            HistoryEvent.field.in_(fields),
        )
        .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc())
        .limit(1)
    )


def outcome(session: Session, item: Item, zone: ZoneInfo) -> str | None:
    """What made the item's buttons stop applying ("✅ Done by <@U…> · Tue 10:02"), or None
    while they still apply."""
    kind = MODELS[item.ref.partition("-")[0]][1]
    what: str | None = None
    fields: tuple[str, ...] = ("status",)
    if isinstance(item, Requirement) and item.status in CLOSED_REQUIREMENT:
        what = DONE_LABELS.get(RequirementStatus(item.status), "Closed")
    elif isinstance(item, Blocker) and item.status == BlockerStatus.RESOLVED:
        what = "✅ Resolved"
    elif isinstance(item, Risk) and item.status == RiskStatus.CLOSED:
        what = "✅ Closed"
    elif isinstance(item, RetroAction) and item.status != ActionStatus.OPEN:
        what = "✅ Done" if item.status == ActionStatus.DONE else "🗑️ Dropped"
    elif isinstance(item, Feedback) and item.declined_at is not None:
        what, fields = "🚫 Declined", ("state",)
    elif isinstance(item, Feedback) and item.requirement_id is not None:
        linked = session.get(Requirement, item.requirement_id)
        what, fields = f"🔗 Linked to {linked.ref if linked else 'a requirement'}", ("requirement",)
    if what is None:
        return None
    event = _last(session, item, kind, fields)
    if event is None:
        return what
    return views.happened(what, event.actor_id, event.at.astimezone(zone))


def card(session: Session, item: Item, *, zone: ZoneInfo, now: datetime) -> tuple[str, list[Any]]:
    """The card of `item` as it is now (text and blocks)."""
    today = now.astimezone(zone).date()
    if isinstance(item, Requirement):
        is_open = item.status not in CLOSED_REQUIREMENT
        return req_views.card_text(item), req_views.card(item, today=today, with_actions=is_open)
    if isinstance(item, Feedback):
        linked = session.get(Requirement, item.requirement_id) if item.requirement_id else None
        state = feedback_states.summary_of(item, linked)  # every change of it edits the card
        return item_views.card_text(item.ref, item.text), item_views.feedback_card(
            item, linked=linked.ref if linked else None, state=state
        )
    if isinstance(item, Blocker):
        blocked = session.get(Requirement, item.requirement_id) if item.requirement_id else None
        return item_views.card_text(item.ref, item.text), item_views.blocker_card(
            item, now, requirement=blocked
        )
    if isinstance(item, RetroAction):  # never posted as a card: only its reminders follow it
        return item_views.card_text(item.ref, item.text), []
    return item_views.card_text(item.ref, item.text), item_views.risk_card(item)


def responsible(item: Item) -> str | None:
    """Who an item's reminders go to: its owner (for blockers and risks, else its reporter)."""
    if isinstance(item, Requirement):
        return item.owner_id
    if isinstance(item, Blocker | Risk):
        return item.owner_id or item.reporter_id
    if isinstance(item, RetroAction):
        return item.owner_id or item.created_by
    return None


def handed_over(session: Session, item: Item, recipient: str, zone: ZoneInfo) -> str | None:
    """ "↪️ Now with <@U…> · reassigned by <@U…> · Tue 10:02" when the item left `recipient`."""
    now_with = responsible(item)
    if now_with is None or now_with == recipient:
        return None
    kind = MODELS[item.ref.partition("-")[0]][1]
    event = _last(session, item, kind, OWNER_FIELDS)
    line = f"↪️ Now with <@{now_with}>"
    if event is None:
        return line
    return line + " · " + views.happened("reassigned", event.actor_id, event.at.astimezone(zone))


def render(
    session: Session, row: OutboxMessage, *, zone: ZoneInfo, now: datetime
) -> tuple[str, list[Any] | None] | None:
    """What a card edit or a notice says now; None when there is nothing true to say."""
    spec = row.render or {}
    if "notice" in spec:
        return _notice(session, row, spec["notice"], zone)
    shown = list(
        session.scalars(
            select(ItemMessage).where(
                ItemMessage.team_id == row.team_id,
                ItemMessage.channel_id == row.channel_id,
                ItemMessage.ts == row.edit_ts,
            )
        )
    )
    if not shown:
        return None
    if shown[0].role == "reminder":
        return _reminder(session, shown, zone=zone)
    message = shown[0]
    item = item_of(session, team_id=row.team_id, ref=message.ref)
    if item is None:
        return None
    text, blocks = card(session, item, zone=zone, now=now)
    line = outcome(session, item, zone)
    if line is not None:
        return text, views.with_outcome(blocks, line)
    return text, blocks + list(message.blocks or [])


def _reminder(
    session: Session, shown: list[ItemMessage], *, zone: ZoneInfo
) -> tuple[str, list[Any] | None]:
    lines: dict[str, str] = {}
    for message in shown:
        item = item_of(session, team_id=message.team_id, ref=message.ref)
        if item is None:
            continue
        line = outcome(session, item, zone)
        if line is None and message.recipient:
            line = handed_over(session, item, message.recipient, zone)
        if line is not None:
            lines[message.ref] = line
    original = shown[0].blocks or []
    first = original[0] if original else {}
    text = str((first.get("text") or {}).get("text") or "Reminders").strip("*")
    return text, views.reminder(original, lines)


def stale_reason(
    *,
    session: Session,
    team_id: str,
    ref: str,
    user_id: str,
    zone: ZoneInfo,
    check_owner: bool = True,
) -> str | None:
    """Why a reminder's button no longer applies for `user_id` (the item was closed, or
    handed to someone else), as the short answer they get; None while it applies."""
    item = item_of(session, team_id=team_id, ref=ref)
    if item is None:
        return None
    line = outcome(session, item, zone)
    if line is None and check_owner:
        line = handed_over(session, item, user_id, zone)
    if line is None:
        return None
    return f"That reminder is out of date: {ref} · {line}. Nothing was changed."


def refuse_if_done(*, session: Session, team_id: str, ref: str, zone: ZoneInfo) -> None:
    """For a button pressed on any copy of an item's card: raise InvalidInput saying what
    happened ("REQ-13 is ✅ Done by <@U…> · Mon 15:59. Nothing was changed.") when the item
    was closed, resolved or linked since, so a stale copy never changes a finished item."""
    item = item_of(session, team_id=team_id, ref=ref)
    if item is None:
        return
    line = outcome(session, item, zone)
    if line is not None:
        raise InvalidInput(f"{ref} is {line}. Nothing was changed.")


def notify_owner(
    session: Session, *, item: Item, owner_id: str, by: str | None, now: datetime
) -> None:
    """Tell the new owner once, by DM in their working hours, batched with their other
    notices of the same minute. What it says is checked again when it is sent: an item
    taken away again or closed meanwhile is left out (and a notice left empty expires)."""
    cal = calendar.for_channel(
        session=session, team_id=item.team_id, channel_id=item.channel_id, zone=ZoneInfo("UTC")
    )
    at = None
    for days in range(8):  # a weekend, a holiday or a week away: the first working slot
        at = calendar.slot(
            session=session,
            calendar=cal,
            team_id=item.team_id,
            user_id=owner_id,
            now=now + timedelta(days=days),
        )
        if at is not None:
            break
    at = at or now
    entry = {"ref": item.ref, "by": by}
    # One DM per window: a notice still waiting for this person takes the new entry. The
    # window starts at the first notice and lasts NOTICE_WINDOW (not the clock's minute, so
    # two hand-overs a second apart across a minute boundary still make one DM).
    prefix = f"notice:{item.team_id}:{owner_id}:"
    waiting = session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update()
    )
    if waiting is not None:
        listed = list((waiting.render or {}).get("notice") or [])
        if entry not in listed:
            waiting.render = {"notice": [*listed, entry]}
        return
    key = f"{prefix}{now:%Y%m%dT%H%M%S%f}"
    at = max(at, now + NOTICE_WINDOW)
    outbox.enqueue(
        session=session,
        team_id=item.team_id,
        dedupe_key=key,
        target=owner_id,
        text=f"{item.ref} is yours now",
        now=now,
        not_before=at,
    )
    row = outbox.by_key(session, key)
    if row is not None:
        row.render = {"notice": [entry]}


def _notice(
    session: Session, row: OutboxMessage, entries: list[dict[str, Any]], zone: ZoneInfo
) -> tuple[str, list[Any] | None] | None:
    still: list[views.Handed] = []
    for entry in entries:
        item = item_of(session, team_id=row.team_id, ref=str(entry.get("ref")))
        if item is None or responsible(item) != row.target or outcome(session, item, zone):
            continue
        title = item.title if isinstance(item, Requirement) else item.text
        origin = None
        if isinstance(item, RetroAction):
            # Nothing else tells an action's owner: the retro's thread is the facilitator's.
            retro = session.get(Retro, item.retro_id) if item.retro_id else None
            origin = views.action_origin(
                channel_id=item.channel_id,
                day=retro.started_at.astimezone(zone).date() if retro else None,
                due=item.due_date,
            )
        still.append(views.Handed(item.ref, title, entry.get("by"), origin))
    if not still:
        return None
    return views.notice(still)


def renderer(
    zone: ZoneInfo, clock: Clock
) -> Callable[[Session, OutboxMessage], tuple[str, list[Any] | None] | None]:
    """The outbox sender's render hook: cards in the workspace's zone, as of the clock."""

    return lambda session, row: render(session, row, zone=zone, now=clock.now())
