"""Issue 14's remaining kinds, through signed requests against the stand-in: text typed in
the app's DM goes through the one decoder like every other entry point, and *Promote* is
idempotent on a double press."""

from __future__ import annotations

import copy
import logging
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.items import Blocker, Feedback
from storage.models import Requirement
from storage.standups import StandupResponse
from tests.conftest import BOB, PM, PRODUCT, Env, Team, texts

# What Bob's client sends when he types "Fix A & B <beta>", autocompletes @carol and #eng,
# pastes a link with a label, with a no-break space and a zero-width space in between.
TYPED = (
    "Fix A & B <beta> ask <@U0CAROL|carol> in <#C0ENG|eng> see "
    "<https://docs.example.com/x|the spec>\u00a0now\u200b please"
)
READ = "Fix A & B <beta> ask @carol in #eng see the spec (https://docs.example.com/x) now please"


def _utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_standup_answers_typed_in_the_dm_are_decoded_like_any_text(team: Team) -> None:
    env = team.env
    env.clock.set(_utc(22, 12))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(_utc(23, 8, 30))
    dm = env.ws.dm_channel(BOB)
    for text in (TYPED, "Pagination &amp; paging", f"Waiting on {TYPED}"):
        env.driver.say(text, user=BOB, channel=dm)
        env.drain()
    [answer] = team.rows(StandupResponse, user_id=BOB)
    assert answer.answers == [READ, "Pagination &amp; paging", f"Waiting on {READ}"]
    [blocker] = team.rows(Blocker)
    assert blocker.text.startswith("Waiting on Fix A & B <beta> ask @carol")
    team.deliver()
    shown = "\n".join(texts(r["blocks"]) for r in team.replies(team.parents()[0]))
    assert "Fix A &amp; B &lt;beta&gt; ask @carol in #eng" in shown
    assert "&amp;amp;" in shown  # "&amp;" typed literally is shown literally, escaped once


def test_a_capture_offered_in_the_dm_keeps_the_decoded_text(team: Team) -> None:
    env = team.env
    dm = env.ws.dm_channel(BOB)
    env.driver.say(TYPED, user=BOB, channel=dm)
    env.drain()
    offer = team.dms(BOB)[-1]
    assert "Fix A &amp; B &lt;beta&gt; ask @carol in #eng see the spec" in texts(offer["blocks"])
    views_before = set(env.ws.views)
    env.driver.click(offer, "dm_capture_requirement", user=BOB, channel=dm)
    [view_id] = set(env.ws.views) - views_before
    assert env.ws.views[view_id]["blocks"][0]["element"]["initial_value"] == READ[:150]


def test_promote_pressed_twice_makes_one_requirement(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.driver.command("/feedback", "Dark mode please, my eyes hurt", user=BOB, channel=PRODUCT)
    env.worker.drain()
    card = copy.deepcopy(env.channel()[-1])
    # A double click: both presses carry the card as it was, and arrive together.
    presses = [
        threading.Thread(target=env.driver.click, args=(card, "fb_promote"),
                         kwargs={"user": PM, "channel": PRODUCT})
        for _ in range(2)
    ]  # fmt: skip
    for press in presses:
        press.start()
    for press in presses:
        press.join(timeout=30)
    env.drain()
    with env.sessions() as s:
        [req] = s.scalars(select(Requirement)).all()
        assert s.scalars(select(Feedback)).one().requirement_id == req.id
    assert sum("FB-1 is now REQ-1" in m["text"] for m in env.channel()) == 1
    said = env.last_ephemeral(PM)["text"]  # what happened, by whom and when
    assert said.startswith("FB-1 is 🔗 Linked to REQ-1 by <@U0ALICE>")
    assert said.endswith("Nothing was changed.")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
