"""Scheduled retros ask the channel as it is when each one starts (people who joined since
`/retro schedule` are asked, people who left are not), and offer anonymity by the same
`TEAMLOOP_ANON_MIN_MEMBERS` as the item form. Signed requests, the stand-in, an injected
clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.retros import Retro
from tests.conftest import BOB, DAVE, PM, PRODUCT, Team, texts
from tests.test_retros import ERIN, five_in_berlin, prompts, retro, utc

FRANK = "U0FRANK"
SCHEDULE = "schedule every 2 weeks friday 15:00 Europe/Berlin"
FIRST = utc(2026, 11, 27, 14, 1)  # Friday 15:01 Berlin: the first scheduled retro


def test_a_scheduled_retro_asks_who_is_in_the_channel_when_it_starts(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))  # Monday
    assert "every 2 weeks" in retro(team, SCHEDULE)["text"]
    team.env.ws.add_user(FRANK, "frank", tz="Europe/Berlin")
    team.env.driver.join(FRANK, PRODUCT)
    team.env.driver.join(DAVE, PRODUCT, leave=True)
    team.env.drain()
    team.at(FIRST)
    [started] = team.rows(Retro)
    assert FRANK in started.members and DAVE not in started.members
    assert len(prompts(team, FRANK)) == 1  # joined after `/retro schedule`: asked
    assert prompts(team, DAVE) == []  # left the channel: not asked about it any more
    assert all(len(prompts(team, u)) == 1 for u in (PM, BOB, ERIN))


@pytest.fixture
def crowd_of_six(team: Team) -> Iterator[Team]:
    """TEAMLOOP_ANON_MIN_MEMBERS=6 for the app and the ticker alike."""
    before = team.env.settings.teamloop_anon_min_members
    team.env.settings.teamloop_anon_min_members = 6
    yield team
    team.env.settings.teamloop_anon_min_members = before


def test_a_scheduled_retro_offers_anonymity_by_the_workspace_setting(crowd_of_six: Team) -> None:
    team = crowd_of_six
    five_in_berlin(team)  # five people: below the crowd of six
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, SCHEDULE)
    team.at(FIRST)
    shown = texts(prompts(team, BOB)[-1]["blocks"])
    # The DM offers only what the form allows: no "or anonymously" the form would refuse.
    assert "with your name." in shown and "anonymously" not in shown
