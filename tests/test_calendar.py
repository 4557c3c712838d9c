"""When a person may be messaged: their zone, working days and hours, the channel's public
holidays (`/digest holidays`), away; and the reminders' escalation cadence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.services import calendar
from bot.services.reminders import DM_GAPS, escalation_due
from storage.standups import Person
from tests.conftest import CAROL, PRODUCT, Team, texts


def digest_says(team: Team, text: str) -> str:
    reply = team.env.driver.command("/digest", text, user=CAROL, channel=PRODUCT)
    team.env.drain()
    assert reply.status == 200
    return reply.json()["text"] + texts(reply.json().get("blocks"))


def slot(team: Team, at: datetime) -> datetime | None:
    with team.env.sessions() as session:
        cal = calendar.for_channel(
            session=session, team_id=team.env.ws.team_id, channel_id=PRODUCT,
            zone=ZoneInfo("Europe/Berlin"),
        )  # fmt: skip
        return calendar.slot(
            session=session, calendar=cal, team_id=team.env.ws.team_id, user_id=CAROL, now=at
        )


def test_a_new_yorker_is_messaged_in_her_hours_not_on_holidays_or_weekends(team: Team) -> None:
    team.env.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    bad = digest_says(team, "holidays Atlantis")
    assert "'Atlantis'" in bad and "/digest holidays DE" in bad  # keeps what was typed
    assert "Public holidays of DE" in digest_says(team, "holidays DE")
    with team.env.sessions.begin() as s:  # what users.info told teamloop about Carol
        s.merge(Person(team_id=team.env.ws.team_id, user_id=CAROL, name="carol",
                       tz="America/New_York", updated_at=team.env.clock.now()))  # fmt: skip
    # 08:30 UTC on a Tuesday is 03:30 in New York: the DM waits for 08:00 there.
    assert slot(team, datetime(2026, 12, 8, 8, 30, tzinfo=UTC)) == datetime(
        2026, 12, 8, 13, 0, tzinfo=UTC
    )
    # Inside her day: at once.
    assert slot(team, datetime(2026, 12, 8, 15, 0, tzinfo=UTC)) == datetime(
        2026, 12, 8, 15, 0, tzinfo=UTC
    )
    # Christmas Day (a public holiday in DE, the channel's country) and a Saturday: not today.
    assert slot(team, datetime(2026, 12, 25, 15, 0, tzinfo=UTC)) is None
    assert slot(team, datetime(2026, 12, 12, 15, 0, tzinfo=UTC)) is None
    # Away by command: nothing.
    team.env.driver.command("/standup", "away until 2026-12-09", user=CAROL, channel=PRODUCT)
    team.env.drain()
    assert slot(team, datetime(2026, 12, 9, 15, 0, tzinfo=UTC)) is None
    assert slot(team, datetime(2026, 12, 10, 15, 0, tzinfo=UTC)) is not None
    assert "No public holidays" in digest_says(team, "holidays off")
    assert slot(team, datetime(2026, 12, 25, 15, 0, tzinfo=UTC)) is not None


def test_escalation_cadence_day_two_five_then_weekly() -> None:
    first = date(2026, 12, 2)
    assert escalation_due(0, None, first, DM_GAPS)
    assert not escalation_due(1, first, date(2026, 12, 4), DM_GAPS)
    assert escalation_due(1, first, date(2026, 12, 5), DM_GAPS)
    assert not escalation_due(2, date(2026, 12, 5), date(2026, 12, 11), DM_GAPS)
    assert escalation_due(2, date(2026, 12, 5), date(2026, 12, 12), DM_GAPS)
    assert escalation_due(5, date(2026, 12, 5), date(2026, 12, 12), DM_GAPS)
