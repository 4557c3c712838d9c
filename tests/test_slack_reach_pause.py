"""Channels teamloop can't post in, learned and handled (issue 14, kind 5, through signed
requests and the stand-in): no default schedule that could never post, an answer at once with
what to do, schedules paused (one DM to whoever set them up, in their working hours) when the
bot is removed, the channel archived, or a post is refused (`not_in_channel`,
`channel_not_found`, `is_archived`, `restricted_action`), and resumed when invited back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from storage.scheduling import OutboxMessage, Schedule
from storage.statuses import OutboxStatus
from tests.conftest import BOB, CAROL, ENG, PM, PRODUCT, SECRET_CHANNEL, Team

HIDDEN = "C0HIDDEN"
NOTICE = "I can't post in"


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def places(team: Team) -> Team:
    team.env.ws.add_channel(HIDDEN, "hidden", members=[PM, BOB], is_private=True, bot_member=False)
    team.env.clock.set(utc(23, 7, 0))  # Monday, 08:00 in Berlin
    return team


def _rows(team: Team, model: Any, **where: Any) -> list[Any]:
    with team.env.sessions() as s:
        return list(s.scalars(select(model).filter_by(**where)))


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert bad == [], [r.getMessage() for r in bad]


def _notices(team: Team, user: str) -> list[str]:
    return [m["text"] for m in team.dms(user) if m["text"].startswith(NOTICE)]


def _command(team: Team, command: str, text: str, channel: str, user: str = PM) -> str:
    """A command; its answer (the newest ephemeral when the answer comes after the ack)."""
    before = len(team.env.ws.ephemerals_for(user))
    reply = team.env.driver.command(command, text, user=user, channel=channel)
    team.env.drain()
    found = team.env.ws.ephemerals_for(user)
    if len(found) > before:
        return str(found[-1]["text"])
    return str(reply.json().get("text", "")) if reply.body.startswith("{") else ""


def test_a_capture_where_teamloop_cant_post_makes_no_schedules_and_says_what_to_do(
    places: Team, caplog: pytest.LogCaptureFixture
) -> None:
    env = places.env
    env.driver.command("/req", "new Fix the login page", user=PM, channel=HIDDEN)
    env.drain()
    said = env.last_ephemeral(PM)["text"]
    assert "no weekly digest or daily reminders will come here" in said
    assert "Invite me with `/invite @teamloop`" in said
    env.driver.command("/blocker", "Waiting on the SSO keys", user=BOB, channel=HIDDEN)
    env.drain()
    # The cards still show (as the commands' answers); the advice came once.
    assert not any("Saved, but" in e["text"] for e in env.ws.ephemerals_for(BOB))
    assert any(e["text"].startswith("BLK-1") for e in env.ws.ephemerals + env.channel(HIDDEN))
    places.at(utc(23, 7, 1))  # the tick that would create the defaults
    places.at(utc(30, 9, 0))  # a week on: nothing tried, nothing died
    assert _rows(places, Schedule, channel_id=HIDDEN) == []
    assert _rows(places, OutboxMessage, channel_id=HIDDEN) == []
    # Invited: the defaults start from then on.
    env.driver.invite_bot(HIDDEN)
    kinds = {(s.kind, s.active) for s in _rows(places, Schedule, channel_id=HIDDEN)}
    assert kinds == {("digest", True), ("reminders", True)}
    _no_errors(caplog)


def test_a_capture_where_teamloop_can_post_says_nothing_more(places: Team) -> None:
    env = places.env
    env.driver.command("/req", "new Export invoices", user=PM, channel=PRODUCT)
    env.drain()
    places.at(utc(23, 7, 1))
    assert not any("Saved, but" in e["text"] for e in env.ws.ephemerals_for(PM))
    kinds = {(s.kind, s.active) for s in _rows(places, Schedule, channel_id=PRODUCT)}
    assert kinds == {("digest", True), ("reminders", True)}


@pytest.mark.parametrize("what", ["removed", "archived", "restricted", "read_only"])
def test_a_refused_post_pauses_the_schedule_and_tells_who_set_it_up_once(
    places: Team, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    ws = places.env.ws
    said = _command(places, "/digest", "schedule monday 10:00 Europe/Berlin", SECRET_CHANNEL)
    assert "posted here on Monday" in said
    channel = ws.channels[SECRET_CHANNEL]
    with ws.lock:  # changed in Slack with no event teamloop saw
        if what == "removed":
            channel["members"].remove(ws.bot_user_id)
        elif what == "archived":
            channel["is_archived"] = True
        elif what == "read_only":
            channel["posting_restricted"] = "restricted_action_read_only_channel"
        else:
            channel["posting_restricted"] = True
    places.at(utc(23, 9, 0))  # Monday 10:00 Berlin: the digest is due and refused
    places.deliver()
    [sched] = _rows(places, Schedule, channel_id=SECRET_CHANNEL, kind="digest")
    error = {
        "removed": "channel_not_found",
        "archived": "is_archived",
        "read_only": "restricted_action_read_only_channel",
    }.get(what, "restricted_action")
    assert (sched.active, sched.config.get("paused")) == (False, error)
    [notice] = _notices(places, PM)
    assert "paused the weekly digest there" in notice
    assert {"removed": "/invite @teamloop", "archived": "Unarchive"}.get(what, "admin") in notice
    # A week on: nothing is tried there, nobody is told again.
    places.at(utc(30, 9, 0))
    places.deliver()
    assert len(_notices(places, PM)) == 1
    dead = [r for r in _rows(places, OutboxMessage, channel_id=SECRET_CHANNEL)
            if r.status == OutboxStatus.DEAD]  # fmt: skip
    assert len(dead) <= 1  # the one post that taught it
    _no_errors(caplog)
    if what in ("restricted", "read_only"):
        # Slack can't say in advance: refused once with what to do, then tried again.
        said = _command(places, "/digest", "now", SECRET_CHANNEL)
        why = "read-only for apps" if what == "read_only" else "Apps may not post in this"
        assert why in said and "in a moment" not in said
        assert "in a moment" in _command(places, "/digest", "now", SECRET_CHANNEL)
    else:
        assert "in a moment" not in _command(places, "/digest", "now", SECRET_CHANNEL)


def test_removed_and_invited_back(places: Team, caplog: pytest.LogCaptureFixture) -> None:
    env = places.env
    _command(places, "/digest", "schedule monday 10:00 Europe/Berlin", SECRET_CHANNEL)
    _command(places, "/standup", "schedule weekdays 09:30 Europe/Berlin", SECRET_CHANNEL)
    _command(places, "/digest", "schedule friday 10:00 Europe/Berlin", ENG, user=BOB)
    # Saturday evening: Carol removes the app from the private channel, Bob from #eng.
    env.clock.set(utc(28, 19, 0))
    env.driver.remove_bot(SECRET_CHANNEL, by=CAROL)
    env.driver.remove_bot(ENG, by=BOB)
    kinds = {(s.kind, s.active) for s in _rows(places, Schedule, channel_id=SECRET_CHANNEL)}
    assert kinds == {("digest", False), ("standup", False)}
    # #eng is public: posting there works without membership (chat:write.public).
    assert [s.active for s in _rows(places, Schedule, channel_id=ENG)] == [True]
    # The one DM waits for Alice's working hours: Monday 08:00 in Berlin.
    places.deliver()
    assert _notices(places, PM) == []
    [row] = [r for r in _rows(places, OutboxMessage, target=PM) if r.dedupe_key.startswith("reach")]
    assert row.next_attempt_at.astimezone(UTC) == utc(30, 7, 0)
    places.at(utc(30, 7, 0))
    places.deliver()
    [notice] = _notices(places, PM)
    assert "the weekly digest and the standup" in notice and "/invite @teamloop" in notice
    # Status says so (Slack answers a command there even without the bot).
    assert "paused: I can't post in this channel" in _command(
        places, "/digest", "status", SECRET_CHANNEL
    )
    status = places.cmd("status", channel=SECRET_CHANNEL)
    assert "paused: I can't post in this channel" in str(status)
    # Monday's standup and digest don't run there; nothing dies.
    places.at(utc(30, 9, 0))
    places.deliver()
    assert not [r for r in _rows(places, OutboxMessage, channel_id=SECRET_CHANNEL)
                if r.status == OutboxStatus.DEAD]  # fmt: skip
    # Invited back: both resume from now on (nothing missed is caught up).
    env.driver.invite_bot(SECRET_CHANNEL)
    resumed = _rows(places, Schedule, channel_id=SECRET_CHANNEL)
    assert {(s.kind, s.active, "paused" in s.config) for s in resumed} == {
        ("digest", True, False), ("standup", True, False),
    }  # fmt: skip
    assert len(_notices(places, PM)) == 1
    _no_errors(caplog)


def test_archived_then_unarchived(places: Team, caplog: pytest.LogCaptureFixture) -> None:
    env = places.env
    _command(places, "/digest", "schedule monday 10:00 Europe/Berlin", PRODUCT)
    _command(places, "/digest", "off", SECRET_CHANNEL)  # switched off by a person: stays off
    env.driver.archive(PRODUCT, by=CAROL)
    env.driver.archive(SECRET_CHANNEL, by=CAROL)
    [sched] = _rows(places, Schedule, channel_id=PRODUCT, kind="digest")
    assert (sched.active, sched.config.get("paused")) == (False, "is_archived")
    places.deliver()
    assert "It was archived" in _notices(places, PM)[0]
    env.driver.archive(PRODUCT, by=CAROL, undo=True)
    env.driver.archive(SECRET_CHANNEL, by=CAROL, undo=True)
    [sched] = _rows(places, Schedule, channel_id=PRODUCT, kind="digest")
    assert sched.active
    [off] = _rows(places, Schedule, channel_id=SECRET_CHANNEL, kind="digest")
    assert not off.active
    _no_errors(caplog)


PEOPLE_DM = "D0ALICEBOB"


@pytest.mark.parametrize("channel", [HIDDEN, PEOPLE_DM])
@pytest.mark.parametrize(
    ("shortcut", "field", "ref"),
    [
        ("capture_requirement", ("req_title", "req_title_input"), "REQ-1"),
        ("capture_feedback", ("item_text", "item_text_input"), "FB-1"),
        ("capture_blocker", ("item_text", "item_text_input"), "BLK-1"),
    ],
)
def test_a_shortcut_capture_where_teamloop_cant_post_is_saved_and_says_so(
    places: Team,
    caplog: pytest.LogCaptureFixture,
    channel: str,
    shortcut: str,
    field: tuple[str, str],
    ref: str,
) -> None:
    """A message shortcut works in any conversation, but the confirmation in its thread is
    refused there: the person is told by DM that the item is saved and what to do, and the
    channel gets no digest or reminders that could never post (as for a command)."""
    env = places.env
    env.ws.add_channel(PEOPLE_DM, "directmessage", members=[PM, BOB], is_im=True, bot_member=False)
    said = env.ws.post(channel, user=BOB, text="Deploys keep failing on staging")
    env.driver.shortcut(shortcut, user=PM, channel=channel, ts=said["ts"])
    [view_id] = env.ws.views
    block, action = field
    typed = {block: {action: {"type": "plain_text_input", "value": "Deploys keep failing"}}}
    assert env.driver.submit(view_id, typed, user=PM).status == 200
    env.drain()
    places.deliver()
    [told] = [m["text"] for m in places.dms(PM) if m["text"].startswith(ref)]
    assert told.startswith(f"{ref} is saved, but I can't post in this conversation")
    assert "Invite me with `/invite @teamloop`" in told
    places.at(utc(23, 7, 1))  # the tick that would create the defaults
    places.at(utc(30, 9, 0))  # a week on: nothing tried, nothing died
    places.deliver()
    assert _rows(places, Schedule, channel_id=channel) == []
    assert _rows(places, OutboxMessage, channel_id=channel) == []
    _no_errors(caplog)


def test_digest_now_refused_by_slack_after_all_tells_who_asked(
    places: Team, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack can't say in advance that apps may not post in a channel (`restricted_action`):
    the first `/digest now` there is promised and then refused. Whoever typed it is told so
    at once, with what to do; typed again, it is refused at once."""
    ws = places.env.ws
    ws.channels[SECRET_CHANNEL]["posting_restricted"] = True  # an admin's setting, no event
    assert "in a moment" in _command(places, "/digest", "now", SECRET_CHANNEL)
    places.deliver()
    places.deliver()  # the DM queued when the digest was refused
    [told] = [m["text"] for m in places.dms(PM) if m["text"].startswith("The digest you asked")]
    assert told == (
        f"The digest you asked for in <#{SECRET_CHANNEL}> could not be posted: apps may not "
        "post there. Ask an admin to let teamloop post, then type `/digest now` there again."
    )
    said = _command(places, "/digest", "now", SECRET_CHANNEL)
    assert "Apps may not post in this channel" in said and "in a moment" not in said
    assert _notices(places, PM) == []  # nothing of Alice's was paused
    _no_errors(caplog)
