"""Retro items, collected by DM while the retro collects, named or anonymous.

An anonymous item follows the rules of anonymous feedback (`bot.services.anonymous`): the
retro must have asked at least `TEAMLOOP_ANON_MIN_MEMBERS` people, the item keeps no user id
and only the UTC day, and its key is random (no rowid to date it by)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed
from bot.parsing.items import TEXT_MAX
from bot.parsing.slack_text import too_long
from bot.services.retros import get
from bot.views import retros as views
from storage.retros import RetroItem
from storage.statuses import RetroCategory, RetroStatus

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def add_item(
    *,
    session: Session,
    team_id: str,
    retro_id: int,
    category: str,
    text: str,
    author_id: str | None,
    min_members: int,
    now: datetime,
) -> RetroItem:
    """Add an item while the retro collects. `author_id` None stores it anonymously (refused,
    with nothing saved, when the retro asked fewer than `min_members` people)."""
    retro = get(session=session, team_id=team_id, retro_id=retro_id)
    if retro.status != RetroStatus.COLLECTING:
        raise InvalidInput(
            "This retro no longer takes items: it is voting or closed. Your text was: "
            f"“{text.strip()[:300]}”. Add it at the next retro, or as `/feedback`."
        )
    try:
        cat = RetroCategory(category)
    except ValueError:
        raise InvalidInput(
            "Pick Went well, To improve or Ideas.", field=views.CATEGORY_FIELD
        ) from None
    text = text.strip()
    if not text:
        raise InvalidInput("Say what it is, e.g. “Deploys were smooth”.", field="retro_text")
    if len(text) > TEXT_MAX:
        raise too_long("Items are", TEXT_MAX, text, field="retro_text")
    if author_id is None and len(retro.members) < min_members:
        raise NotAllowed(
            f"Anonymous items need a retro with at least {min_members} people, so that they "
            f"can't be traced to you; this one asked {len(retro.members)}. Nothing was saved. "
            "Untick “Send anonymously” to add it with your name.",
            field=views.ANON_FIELD,
        )
    item = RetroItem(
        public_id=_fresh_id(session),
        team_id=team_id,
        retro_id=retro.id,
        category=cat,
        text=text,
        author_id=author_id,
        group_label=None,
        day=now.date(),  # the UTC day: the finest time an item keeps
    )
    session.add(item)
    session.flush()
    return item


def _fresh_id(session: Session) -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        if session.get(RetroItem, candidate) is None:
            return candidate
