"""Requirement rules: capture, look up and list; every change goes to the history.

Triage, closing and votes on an existing requirement: bot.services.requirement_changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.parsing.common import first_line, is_user_id, shorten
from bot.parsing.dates import say_date
from bot.parsing.requirements import LABELS_MAX, ListFilter, parse_priority, validate_title
from bot.parsing.slack_text import echo, too_long
from bot.readmodels import Detail, Page, Stored
from bot.services import cards, counters, deliveries, items, search_index
from bot.services import requirement_queries as store
from bot.services.actor import Actor
from storage.capture import CaptureStore
from storage.db import unavailable
from storage.models import Requirement
from storage.statuses import RequirementStatus

log = logging.getLogger(__name__)
KIND = "requirement"
DESCRIPTION_MAX = 3000
PAGE_SIZE = 15
AdminCheck = Callable[[str], bool]


def _change(
    session: Session,
    req: Requirement,
    actor_id: str | None,
    field: str,
    old: object,
    new: object,
    now: datetime,
) -> None:
    items.change(session, req, KIND, actor_id, field, old, new, now)
    req.updated_at = now


def record(
    session: Session,
    req: Requirement,
    actor_id: str | None,
    field: str,
    old: object,
    new: object,
    now: datetime,
) -> None:
    """Record one change of a requirement in its history (and touch `updated_at`)."""
    _change(session, req, actor_id, field, old, new, now)


# The requester's own vote, counted from the start (README: "the requester's interest
# already counts"; `/req vote` on one's own request says so). Others add +1 each.
REQUESTER_VOTE = 1

FORM_NO_TITLE = "Give the requirement a title, e.g. “Export invoices to CSV”."


def form_errors(
    *,
    actor: Actor,
    now: datetime,
    title: str,
    description: str,
    due: date | None,
    priority: str | None = None,
    owner_id: str | None = None,
) -> dict[str, str]:
    """Every field error of the new-requirement form at once (field -> message, empty when
    all is well); Slack shows them together (`response_action: errors`)."""
    errors: dict[str, str] = {}
    checks: list[tuple[str, Callable[[], object]]] = [
        ("title", lambda: validate_title(title)),
        ("description", lambda: _check_description(description)),
        ("due", lambda: check_due(due, actor, now)),
        ("priority", lambda: check_priority(priority)),
        ("req_owner", lambda: check_owner(owner_id)),
    ]
    for field, check in checks:
        try:
            check()
        except InvalidInput as exc:
            errors[field] = exc.in_form
    if not " ".join(title.split()):
        errors["title"] = FORM_NO_TITLE  # the form itself is the way to give one
    return errors


def check_priority(priority: str | None) -> None:
    """A submitted priority must be one the menu offers (a form's value is only as good as
    whoever sent it: the terminal sandbox, or a forged payload). Raises InvalidInput."""
    if priority is not None and parse_priority(priority) != priority:
        raise InvalidInput(
            f"`{echo(priority, 20)}` is not a priority: pick P0, P1, P2 or P3.", field="priority"
        )


def check_owner(owner_id: str | None) -> None:
    """A submitted owner must be a Slack user id, as the people menu sends. Raises
    InvalidInput."""
    if owner_id is not None and not is_user_id(owner_id):
        raise InvalidInput(
            f"`{echo(owner_id, 40)}` is not a person: pick one from the list.", field="req_owner"
        )


def _check_description(description: str) -> None:
    if len(description) > DESCRIPTION_MAX:
        error = too_long("Descriptions are", DESCRIPTION_MAX, description, field="description")
        error.message += "\nLink a doc for the rest."
        raise error


def already_captured(ref: str) -> str:
    """The answer when a message that is already a requirement is captured again."""
    return f"That message is already captured as {ref}. Type `/req show {ref}` to see it."


def check_due(
    due: date | None, actor: Actor, now: datetime, *, example: str = "due friday"
) -> None:
    """Raise InvalidInput (field `due`) when `due` is before the actor's today; `example`
    is the command shown to type instead."""
    if due is not None and due < actor.today(now):
        raise InvalidInput(
            f"{say_date(due)} is in the past. Give today or a later date, e.g. `{example}`.",
            field="due",
            in_form=f"{say_date(due)} is in the past. Pick today or a later date.",
        )


def create(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    title: str,
    description: str = "",
    priority: str | None = None,
    owner_id: str | None = None,
    due: date | None = None,
    labels: Sequence[str] = (),
    source_channel_id: str | None = None,
    source_ts: str | None = None,
    permalink: str | None = None,
    requester_id: str | None = None,
) -> Requirement:
    """Capture a new requirement in the actor's channel (requester defaults to the actor)."""
    title = validate_title(title)
    _check_description(description)
    check_priority(priority)
    check_owner(owner_id)
    if len(labels) > LABELS_MAX:
        raise InvalidInput(f"At most {LABELS_MAX} labels per requirement.", field="labels")
    check_due(due, actor, now)
    if source_ts is not None and source_channel_id is not None:
        existing = store.by_source(
            session, team_id=actor.team_id, channel_id=source_channel_id, ts=source_ts
        )
        if existing is not None:
            raise InvalidInput(already_captured(existing.ref))
    values = {
        "team_id": actor.team_id,
        "number": counters.next_number(session, team_id=actor.team_id, kind=KIND, now=now),
        "title": title,
        "description": description.strip(),
        "status": RequirementStatus.NEW,
        "priority": priority or "P2",
        "owner_id": owner_id,
        "requester_id": requester_id or actor.user_id,
        "channel_id": actor.channel_id,
        "labels": list(dict.fromkeys(labels)),
        "due_date": due,
        "permalink": permalink,
        "source_channel_id": source_channel_id,
        "source_ts": source_ts,
        "votes": REQUESTER_VOTE,
        "close_reason": None,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }
    req = Requirement(id=store.insert_requirement(session, values), **values)
    search_index.add(
        session,
        team_id=req.team_id,
        kind=KIND,
        item_id=req.id,
        channel_id=req.channel_id,
        text=search_index.requirement_text(req.title, req.description),
    )
    _change(session, req, actor.user_id, "created", None, req.title, now)
    return req


def quick_capture(
    *,
    store: CaptureStore,
    actor: Actor,
    now: datetime,
    title: str,
    priority: str | None = None,
    owner_id: str | None = None,
    due: date | None = None,
    labels: Sequence[str] = (),
    delivery_key: str | None = None,
) -> Stored | None:
    """Quick capture (`/req new …`) on the lean path: everything is checked and built first,
    then one write (`storage.capture`) stores the row and its history, and its search
    document (on SQLite that is queued and written after the ack: `index_captures`).

    Same rules and stored values as `create`. Returns the new requirement as plain values
    (`Stored`; its `requirement()` is the ORM object, detached), or None when
    `delivery_key` was recorded before (Slack delivered the command twice). Raises
    InvalidInput for a bad title, due date or labels."""
    title = validate_title(title)
    if len(labels) > LABELS_MAX:
        raise InvalidInput(f"At most {LABELS_MAX} labels per requirement.", field="labels")
    check_due(due, actor, now)
    row = {
        "team_id": actor.team_id,
        "title": title,
        "description": "",
        "status": RequirementStatus.NEW.value,
        "priority": priority or "P2",
        "owner_id": owner_id,
        "requester_id": actor.user_id,
        "channel_id": actor.channel_id,
        "labels": list(dict.fromkeys(labels)),
        "due_date": due,
        "permalink": None,
        "source_channel_id": None,
        "source_ts": None,
        "votes": REQUESTER_VOTE,
        "close_reason": None,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }

    def doc() -> dict[str, Any]:
        # Built where it is written: on SQLite after the ack (`index_captures`).
        values = search_index.doc_values(
            team_id=actor.team_id, kind=KIND, item_id=0, channel_id=actor.channel_id, text=title
        )
        del values["item_id"]
        return values

    history = {
        "team_id": actor.team_id,
        "entity_type": KIND,
        "channel_id": actor.channel_id,
        "actor_id": actor.user_id,
        "at": now,
        "field": "created",
        "old_value": None,
        "new_value": title,
    }
    key = deliveries.delivery_id(actor.team_id, delivery_key) if delivery_key else None
    stored = store.requirement(row=row, doc=doc, history=history, kind=KIND, key=key)
    if stored is None:
        return None
    item_id, number = stored
    return Stored(id=item_id, number=number, row={**row, "status": RequirementStatus.NEW})


def index_captures(*, store: CaptureStore) -> int:
    """Make the quick captures stored so far findable: write their search documents, which
    SQLite's capture leaves out of the ack's transaction (`storage.capture`). Call it after
    the ack, before a lookup that should see them. Returns how many were written (0 on
    PostgreSQL).

    A busy or unreachable database writes nothing and returns 0: the documents stay queued
    for the next capture's call (or the daily upkeep), and the card that called it is still
    posted, since the requirement itself is stored."""
    try:
        return store.index_pending()
    except DBAPIError as exc:
        if not unavailable(exc):
            raise
        log.info("search documents of %s captures wait: %s", store.queued(), exc)
        return 0


def captured_as(*, session: Session, actor: Actor, channel_id: str, ts: str | None) -> str | None:
    """The ref (`REQ-n`) of the requirement already captured from the message at `ts` in
    `channel_id`, or None (also when `ts` is None)."""
    if ts is None:
        return None
    found = store.by_source(session, team_id=actor.team_id, channel_id=channel_id, ts=ts)
    return found.ref if found is not None else None


def capture_message(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    source_channel_id: str,
    source_ts: str,
    permalink: str | None,
    requester_id: str | None = None,
) -> tuple[Requirement, bool]:
    """Capture a message once (a reaction); returns (requirement, created now?)."""
    existing = store.by_source(
        session, team_id=actor.team_id, channel_id=source_channel_id, ts=source_ts
    )
    if existing is not None:
        return existing, False
    title = shorten(first_line(text), 150)
    try:
        with session.begin_nested():
            req = create(
                session=session,
                actor=actor,
                now=now,
                title=title or "(message without text)",
                description=text[:DESCRIPTION_MAX],
                source_channel_id=source_channel_id,
                source_ts=source_ts,
                permalink=permalink,
                requester_id=requester_id,
            )
    except IntegrityError:
        # Someone else captured the same message a moment earlier.
        found = store.by_source(
            session, team_id=actor.team_id, channel_id=source_channel_id, ts=source_ts
        )
        if found is None:
            raise
        return found, False
    return req, True


def get(*, session: Session, actor: Actor, number: int, for_update: bool = False) -> Requirement:
    """Fetch REQ-n if the actor may see it from where they are (locked to change it)."""
    req = store.by_number(session, team_id=actor.team_id, number=number, for_update=for_update)
    if req is None:
        raise NotFound(f"There is no REQ-{number}. Type `/req list` to see the open ones.")
    involved = actor.user_id in (req.owner_id, req.requester_id)
    if req.channel_id != actor.channel_id and not involved:
        raise NotFound(
            f"REQ-{number} belongs to <#{req.channel_id}>. Look it up there, "
            "or type `/req list mine` for your own."
        )
    return req


def show(*, session: Session, actor: Actor, number: int, changes: int = 8) -> Detail:
    """A requirement and its last changes; once closed, what happened (the same line its
    channel card shows, in the actor's zone)."""
    req = get(session=session, actor=actor, number=number)
    return Detail(
        req,
        store.history(session, team_id=actor.team_id, entity_id=req.id, limit=changes),
        outcome=cards.outcome(session, req, actor.zone),
    )


def find(
    *,
    session: Session,
    actor: Actor,
    flt: ListFilter,
    words: Sequence[str] = (),
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """A page of requirements the actor may see here, matching a filter and words."""
    offset = max(0, offset)
    items, total = store.find(session, query_for(actor, flt, words), offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


def query_for(actor: Actor, flt: ListFilter, words: Sequence[str] = ()) -> store.RequirementQuery:
    """Scope a listing: this channel's items, or the actor's own items everywhere."""
    return store.RequirementQuery(
        team_id=actor.team_id,
        channel_id=None if flt.mine else actor.channel_id,
        involving=actor.user_id if flt.mine else None,
        owner_id=flt.owner_id,
        label=flt.label,
        priority=flt.priority,
        status=flt.status,
        include_closed=flt.include_closed,
        words=tuple(words),
    )
