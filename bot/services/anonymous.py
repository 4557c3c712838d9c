"""Anonymous feedback: held back, released in shuffled batches with the digest, answered
through a private code.

The sender's user id never reaches this module: handlers pass the channel and the text only.
Items get random ids (`AN-7KQ2XM`), a day instead of a time, and no place in any number
sequence. A channel needs `TEAMLOOP_ANON_MIN_MEMBERS` human members; a batch needs two
items, or one that waited `HOLD_MAX` (then it is released alone, and the digest says so).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.parsing.items import KINDS, TEXT_MAX, detect_kind
from bot.parsing.slack_text import too_long
from bot.readmodels import Batch
from storage.anonymous import AnonymousFeedback, AnonymousReply, truncate_wal
from storage.scheduling import Schedule

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are typed back
HOLD_MAX = timedelta(weeks=4)
BATCH_MIN = 2
ITERATIONS = 50_000
REPLIES_HINT = "Type `/feedback replies &lt;your code&gt;` with the code you got when you sent it."
_shuffle = random.SystemRandom().shuffle


def _token(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def _hash(salt: str, secret: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), ITERATIONS).hex()


def submit(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    text: str,
    kind: str | None,
    human_members: int,
    min_members: int,
    now: datetime,
) -> tuple[AnonymousFeedback, str]:
    """Store an anonymous item; returns it and the sender's private reply code (shown once)."""
    text = text.strip()
    if human_members < min_members:
        raise NotAllowed(
            f"Anonymous feedback needs a channel with at least {min_members} people, so that it "
            f"can't be traced to you; this one has {human_members}. Nothing was saved. Send it "
            "in a larger channel, or type `/feedback &lt;text&gt;` to send it with your name."
        )
    if not text:
        raise InvalidInput("Say what your feedback is: `/feedback anonymous Standups run long`.")
    if not _has_digest(session, team_id, channel_id):
        raise NotAllowed(
            "Anonymous feedback is released with this channel's weekly digest, and it has none. "
            "Nothing was saved. Type `/digest schedule monday 09:00` first, or send it in a "
            "channel with a digest."
        )
    if len(text) > TEXT_MAX:
        raise too_long("Feedback is", TEXT_MAX, text, field="text")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"Kinds are {', '.join(KINDS)}.", field="kind")
    secret, salt = _token(10), secrets.token_hex(16)
    item = AnonymousFeedback(
        public_id=_fresh_id(session, AnonymousFeedback),
        team_id=team_id,
        channel_id=channel_id,
        text=text,
        kind=kind or detect_kind(text),
        day=now.date(),  # UTC day: the finest time kept
        released_on=None,
        held_alone=False,
        code_salt=salt,
        code_hash=_hash(salt, secret),
    )
    session.add(item)
    session.flush()
    return item, f"{item.public_id}-{secret}"


def forget_write_order(*, session: Session) -> None:
    """After an anonymous write has committed: leave no log of the order of writes."""
    truncate_wal(session)


def _has_digest(session: Session, team_id: str, channel_id: str) -> bool:
    return (
        session.scalar(
            select(Schedule.id).where(
                Schedule.team_id == team_id,
                Schedule.channel_id == channel_id,
                Schedule.kind == "digest",
                Schedule.active.is_(True),
            )
        )
        is not None
    )


def _fresh_id(session: Session, model: Any) -> str:
    while True:
        candidate = "AN-" + _token(6) if model is AnonymousFeedback else _token(12)
        if session.get(model, candidate) is None:
            return candidate


def release(*, session: Session, team_id: str, channel_id: str, today: date) -> Batch:
    """The batch a scheduled digest releases today (empty while it would stand alone)."""
    held = list(
        session.scalars(
            select(AnonymousFeedback).where(
                AnonymousFeedback.team_id == team_id,
                AnonymousFeedback.channel_id == channel_id,
                AnonymousFeedback.released_on.is_(None),
            )
        )
    )
    alone = len(held) == 1 and held[0].day <= today - HOLD_MAX
    if len(held) < BATCH_MIN and not alone:
        return Batch([], False)
    _shuffle(held)  # the order of release says nothing about the order of sending
    for item in held:
        item.released_on = today
        item.held_alone = alone
    return Batch(held, alone)


def released(*, session: Session, team_id: str, channel_id: str) -> list[AnonymousFeedback]:
    """The channel's released anonymous items, newest release first (order within is random)."""
    return list(
        session.scalars(
            select(AnonymousFeedback)
            .where(
                AnonymousFeedback.team_id == team_id,
                AnonymousFeedback.channel_id == channel_id,
                AnonymousFeedback.released_on.is_not(None),
            )
            .order_by(AnonymousFeedback.released_on.desc(), AnonymousFeedback.public_id)
        )
    )


def is_lead(*, session: Session, team_id: str, channel_id: str, user_id: str, admin: bool) -> bool:
    """Leads may answer: workspace admins, and whoever set up the channel's digest."""
    if admin:
        return True
    owner = session.scalar(
        select(Schedule.created_by).where(
            Schedule.team_id == team_id,
            Schedule.channel_id == channel_id,
            Schedule.kind == "digest",
        )
    )
    return owner is not None and owner == user_id


def released_item(*, session: Session, team_id: str, public_id: str) -> AnonymousFeedback:
    """A released item by its id; held ones do not exist yet for anybody."""
    item = session.get(AnonymousFeedback, public_id.upper())
    if item is None or item.team_id != team_id or item.released_on is None:
        raise NotFound(f"There is no released anonymous item {public_id}. {REPLIES_HINT}")
    return item


def by_code(*, session: Session, team_id: str, code: str) -> AnonymousFeedback:
    """The item a private code belongs to (the code is checked against its salted hash)."""
    public_id, _, secret = code.strip().upper().rpartition("-")
    item = session.get(AnonymousFeedback, public_id)
    if item is None or item.team_id != team_id or not item.code_hash:
        raise NotFound(f"That code is not right. {REPLIES_HINT}")
    if not hmac.compare_digest(item.code_hash, _hash(item.code_salt, secret)):
        raise NotFound(f"That code is not right. {REPLIES_HINT}")
    return item


def reply(
    *, session: Session, item: AnonymousFeedback, text: str, from_sender: bool, now: datetime
) -> AnonymousReply:
    """Add a message to the item's reply thread."""
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Type the reply after the code: `/feedback replies &lt;code&gt; &lt;reply&gt;`."
        )
    if len(text) > TEXT_MAX:
        raise too_long("Replies are", TEXT_MAX, text, field="text")
    position = session.scalar(
        select(func.coalesce(func.max(AnonymousReply.position), 0)).where(
            AnonymousReply.item_id == item.public_id
        )
    )
    row = AnonymousReply(
        public_id=_fresh_id(session, AnonymousReply),
        item_id=item.public_id,
        position=int(position or 0) + 1,
        from_sender=from_sender,
        text=text,
        day=now.date(),
    )
    session.add(row)
    session.flush()
    return row


def thread(
    *, session: Session, item: AnonymousFeedback, for_sender: bool, today: date
) -> list[AnonymousReply]:
    """The reply thread. Leads see the sender's replies from the next day on, so the moment
    a reply appears can't be matched to who was online."""
    rows = session.scalars(
        select(AnonymousReply)
        .where(AnonymousReply.item_id == item.public_id)
        .order_by(AnonymousReply.position)
    )
    return [r for r in rows if for_sender or not r.from_sender or r.day < today]


def export_rows(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Released anonymous items for exports, shaped like signed feedback: no author, no time
    (not even the day), no history; held items are not exported at all."""
    query = select(AnonymousFeedback).where(AnonymousFeedback.released_on.is_not(None))
    out = []
    for item in session.scalars(query.order_by(AnonymousFeedback.public_id)):
        row: dict[str, Any] = {
            "team_id": item.team_id,
            "id": item.public_id,
            "kind": item.kind,
            "text": item.text,
            "channel": item.channel_id,
            "author": None,
            "anonymous": True,
            "requirement": None,
            "permalink": None,
            "created_at": None,
        }
        if with_history:
            row["history"] = []
        out.append(row)
    return out
