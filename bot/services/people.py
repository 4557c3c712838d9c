"""The people teamloop knows: names, zones and Slack statuses, kept from users.info and
`user_change` events, so scheduled work never has to ask Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.parsing.dates import DateOrder, order_for_locale
from bot.parsing.standups import away_reason
from storage.standups import Person


def remember(*, session: Session, team_id: str, users: list[dict[str, Any]], now: datetime) -> None:
    """Store or refresh people from Slack user objects."""
    for user in users:
        if not user.get("id"):
            continue
        profile = user.get("profile") or {}
        person = session.get(Person, (team_id, user["id"])) or Person(
            team_id=team_id, user_id=user["id"]
        )
        person.name = (
            profile.get("display_name") or user.get("real_name") or user.get("name") or user["id"]
        )
        person.tz = user.get("tz") or person.tz
        # Only users.info with include_locale carries it; user_change events do not.
        person.locale = str(user.get("locale") or "")[:16] or person.locale
        person.is_bot = bool(user.get("is_bot") or user["id"] == "USLACKBOT")
        person.deleted = bool(user.get("deleted"))
        person.status_text = str(profile.get("status_text") or "")[:200]
        person.status_emoji = str(profile.get("status_emoji") or "")[:100]
        person.status_expiration = int(profile.get("status_expiration") or 0)
        person.updated_at = now
        session.add(person)
    session.flush()


def known(*, session: Session, team_id: str, user_ids: list[str]) -> dict[str, Person]:
    """The stored people among `user_ids`."""
    if not user_ids:
        return {}
    rows = session.scalars(
        select(Person).where(Person.team_id == team_id, Person.user_id.in_(user_ids))
    )
    return {p.user_id: p for p in rows}


def humans(people: dict[str, Person], user_ids: list[str]) -> list[str]:
    """`user_ids` without bots and deactivated accounts (unknown ids are kept)."""
    return [u for u in user_ids if not (u in people and (people[u].is_bot or people[u].deleted))]


def status_away(person: Person | None, now: datetime) -> str | None:
    """Why this person's Slack status says they are away today, or None."""
    if person is None:
        return None
    return away_reason(
        emoji=person.status_emoji,
        text=person.status_text,
        expiration=person.status_expiration,
        now=now,
    )


def name_of(people: dict[str, Person], user_id: str) -> str:
    """A display name for public text (no @-mention, so nobody is pinged)."""
    person = people.get(user_id)
    # A row with no name: only its DM channel is known (bot.outbox.store.keep_dm_channel).
    return person.name if person and person.name else f"<@{user_id}>"


@dataclass(frozen=True)
class Writing:
    """How a person writes dates: their zone (for "today"), their numeric date order, and
    whether Slack has told us their locale yet (False: ask users.info after the ack)."""

    zone: ZoneInfo
    order: DateOrder
    locale_known: bool


def writing_of(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    default_zone: ZoneInfo,
    default_order: DateOrder,
) -> Writing:
    """The person's own Slack zone and locale's date order, else the workspace defaults."""
    person = session.get(Person, (team_id, user_id))
    zone = default_zone
    if person is not None and person.tz:
        try:
            zone = ZoneInfo(person.tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = default_zone  # Slack sent a zone this machine doesn't know
    locale = person.locale if person is not None else None
    return Writing(zone, order_for_locale(locale, default_order), bool(locale))
