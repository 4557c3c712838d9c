"""Places the bot can't post or read, and members Slack won't describe (issue 14, 5 and 6).

The stand-in answers as Slack does (real-shapes/error-not-in-channel.json): reading a public
channel the bot is not in is `not_in_channel`; a private channel it is not in, or a DM between
people, is `channel_not_found`; posting in an archived channel is `is_archived`; users.info
of a shared-channel guest is `user_not_found`.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from storage.scheduling import OutboxMessage, Schedule
from tests.conftest import BOB, CAROL, PM, PRODUCT, Team

HIDDEN, ARCHIVED, PEOPLE_DM, OUTSIDE = "C0HIDDEN", "C0OLD", "D0ALICEBOB", "C0OUTSIDE"


@pytest.fixture
def places(team: Team) -> Team:
    ws = team.env.ws
    ws.add_channel(HIDDEN, "hidden", members=[PM, BOB], is_private=True, bot_member=False)
    ws.add_channel(ARCHIVED, "old", members=[PM, BOB], is_archived=True)
    ws.add_channel(PEOPLE_DM, "directmessage", members=[PM, BOB], is_im=True, bot_member=False)
    ws.add_channel(OUTSIDE, "launch", members=[PM, BOB], bot_member=False)
    return team


def _rows(team: Team, model: Any, **where: Any) -> list[Any]:
    with team.env.sessions() as s:
        return list(s.scalars(select(model).filter_by(**where)))


@pytest.mark.parametrize(
    ("channel", "said"),
    [
        (HIDDEN, "Invite me with `/invite @teamloop`"),
        (PEOPLE_DM, "a DM between people"),
        (OUTSIDE, "I'm not in this channel. Invite me with `/invite @teamloop`"),
        (ARCHIVED, "archived"),
    ],
)
def test_standup_schedule_where_it_could_never_post_is_refused(
    places: Team, caplog: pytest.LogCaptureFixture, channel: str, said: str
) -> None:
    answer = places.cmd("schedule weekdays 09:30", channel=channel)
    assert said in answer["text"]
    assert "went wrong" not in answer["text"]
    assert _rows(places, Schedule, channel_id=channel) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("channel", "said"),
    [(HIDDEN, "Invite me"), (PEOPLE_DM, "Invite me"), (ARCHIVED, "archived")],
)
def test_digest_now_never_promises_what_will_die(
    places: Team, caplog: pytest.LogCaptureFixture, channel: str, said: str
) -> None:
    places.env.driver.command("/req", "new Something to digest", user=PM, channel=channel)
    reply = places.env.driver.command("/digest", "now", user=PM, channel=channel)
    places.env.drain()
    assert reply.status == 200 and "in a moment" not in reply.body
    answer = places.env.last_ephemeral()["text"]
    assert said in answer and "in a moment" not in answer
    assert _rows(places, OutboxMessage, channel_id=channel) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_digest_now_in_a_public_channel_not_joined_is_posted(places: Team) -> None:
    # chat:write.public: posting in a public channel works without joining.
    places.env.driver.command("/req", "new Launch checklist", user=PM, channel=OUTSIDE)
    places.env.driver.command("/digest", "now", user=PM, channel=OUTSIDE)
    places.env.drain()
    assert "in a moment" in places.env.last_ephemeral()["text"]
    places.deliver()
    assert any("digest" in m["text"].lower() for m in places.env.ws.channel_messages(OUTSIDE))


def test_a_member_slack_wont_describe_is_skipped_and_named(places: Team) -> None:
    # A guest from another organization: in the channel, but users.info says user_not_found.
    places.env.ws.channels[PRODUCT]["members"].insert(0, "U0GUEST")
    answer = places.cmd("schedule weekdays 09:30 Europe/Berlin")
    assert "Standup set" in answer["text"]
    assert "I left out <@U0GUEST>" in answer["text"]
    [sched] = _rows(places, Schedule, channel_id=PRODUCT, kind="standup")
    assert "U0GUEST" not in str(sched.config)
    assert BOB in str(sched.config) and CAROL in str(sched.config)
    assert "I left out <@U0GUEST>" in places.cmd("now")["text"]


@pytest.mark.parametrize("typed", ["schedule monday 09:00 Europe/Berlin", "reminders 08:00"])
@pytest.mark.parametrize("channel", [HIDDEN, PEOPLE_DM, ARCHIVED])
def test_digest_schedules_are_not_made_where_they_could_never_post(
    places: Team, caplog: pytest.LogCaptureFixture, typed: str, channel: str
) -> None:
    reply = places.env.driver.command("/digest", typed, user=PM, channel=channel)
    places.env.drain()
    assert reply.status == 200
    answer = places.env.last_ephemeral()["text"]
    assert "Invite me" in answer or "archived" in answer
    assert _rows(places, Schedule, channel_id=channel) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_digest_schedule_in_a_public_channel_not_joined_is_made(places: Team) -> None:
    places.env.driver.command("/digest", "schedule monday 09:00", user=PM, channel=OUTSIDE)
    places.env.drain()
    assert "posted here on Monday" in places.env.last_ephemeral()["text"]
    assert len(_rows(places, Schedule, channel_id=OUTSIDE, kind="digest")) == 1
