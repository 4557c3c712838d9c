"""Attacks on anonymous feedback by a member with ordinary Slack access. Each test is one
attack; each would fail if the protection it checks were missing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.anon_support import (
    ERIN,
    FIRST_DIGEST,
    FRANK,
    TEAM,
    anon,
    command,
    every_cell,
    released,
    rows,
    setup,
)
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts


@pytest.fixture
def t(team: Team) -> Team:
    return setup(team)


@pytest.mark.parametrize(
    "typed",
    ["anonymus", "anon", "匿名", "Anonymously", "annonymous", "\u00a0anoymous\u200b", "匿名："],
)
def test_typo_of_anonymous_asks_first_and_stores_nothing(t: Team, typed: str) -> None:
    reply = t.env.driver.command(
        "/feedback", f"{typed} The planning meetings are useless", user=ERIN, channel=TEAM
    )
    t.env.drain()
    body = reply.json()
    assert body["response_type"] == "ephemeral" and "Did you mean anonymous?" in body["text"]
    labels = texts(body["blocks"], ("plain_text",))
    assert "Send anonymously" in labels and "Send with my name" in labels
    assert t.env.channel(TEAM) == []  # no public card "FB-6 … · @erin"
    assert not any("planning meetings" in c for c in every_cell(t))  # nothing stored


def test_a_long_typo_is_refused_whole_not_cut(t: Team) -> None:
    shown = command(t, "/feedback", "anonymus " + "word " * 500, user=ERIN)
    assert "Did you mean anonymous?" in shown and "Nothing was saved" in shown
    assert t.env.channel(TEAM) == [] and not rows(t, "anonymous_feedback")


def test_near_miss_choice_sends_only_what_was_pressed(t: Team) -> None:
    t.env.driver.command("/feedback", "anonymus Planning is useless", user=ERIN, channel=TEAM)
    question = t.env.last_ephemeral(ERIN)
    t.env.driver.click(question, "anon_send", user=ERIN, channel=TEAM, ephemeral=True)
    t.env.drain()
    receipt = t.env.last_ephemeral(ERIN)  # the question became the receipt, with the code
    assert "without your name" in receipt["text"] and re.search(r"AN-\w{6}-\w{10}", receipt["text"])
    assert t.env.channel(TEAM) == [] and not rows(t, "feedback")
    [item] = rows(t, "anonymous_feedback")
    assert item["text"] == "Planning is useless"

    t.env.driver.command("/feedback", "anon Retro notes are great", user=FRANK, channel=TEAM)
    question = t.env.last_ephemeral(FRANK)
    t.env.driver.click(question, "anon_send_named", user=FRANK, channel=TEAM, ephemeral=True)
    t.env.drain()
    [card] = t.env.channel(TEAM)
    assert "Retro notes are great" in texts(card["blocks"]) and FRANK in texts(card["blocks"])


def test_feedback_form_shows_the_anonymous_switch_and_honours_it(t: Team) -> None:
    msg = t.env.ws.post(TEAM, user=BOB, text="Deploys on Friday are scary")
    t.env.driver.shortcut("capture_feedback", user=ERIN, channel=TEAM, ts=msg["ts"])
    [view_id] = list(t.env.ws.views)
    form = t.env.ws.views[view_id]
    assert "Send anonymously" in texts(form["blocks"], ("plain_text",))  # visible before submit
    values: dict[str, dict[str, Any]] = {
        "item_text": {"item_text_input": {"type": "plain_text_input", "value": "Deploys scare me"}},
        "item_anonymous": {
            "item_anonymous_input": {
                "type": "checkboxes",
                "selected_options": [{"value": "anonymous", "text": {"text": "Send anonymously"}}],
            }
        },
    }
    assert t.env.driver.submit(view_id, values, user=ERIN).status == 200
    t.env.drain()
    assert "without your name" in t.env.last_ephemeral(ERIN)["text"]
    assert t.env.ws.thread(TEAM, msg["ts"]) == [] and len(t.env.channel(TEAM)) == 1
    assert not rows(t, "feedback") and len(rows(t, "anonymous_feedback")) == 1
    assert ERIN not in every_cell(t)


def test_list_home_and_search_do_not_change_when_an_item_is_sent(t: Team) -> None:
    command(t, "/feedback", "The export is slow", user=BOB)
    command(t, "/req", "new Export invoices", user=BOB)

    def observe() -> list[str]:
        seen = [command(t, "/feedback", "list", user=DAVE)]
        seen.append(command(t, "/req", "search standups", user=DAVE))
        seen.append(command(t, "/digest", "status", user=DAVE))
        t.env.driver.event(
            {"type": "app_home_opened", "user": DAVE, "channel": "D0HOME", "tab": "home",
             "event_ts": t.env.ws.next_ts()}
        )  # fmt: skip
        t.env.drain()
        seen.append(texts(t.env.ws.views[f"VHOME{DAVE}"]["blocks"]))
        return seen

    before = observe()
    anon(t, "Standups run too long")
    anon(t, "Nobody reads the standup thread", user=FRANK)
    after = observe()
    assert after == before  # a member polling every view learns nothing, not even a count
    assert "Standups" not in "\n".join(after)


def test_numbers_and_ids_reveal_no_order(t: Team) -> None:
    assert "FB-1" in command(t, "/feedback", "The export is slow", user=BOB)
    codes = [anon(t, f"anonymous item {n}", user=[ERIN, FRANK][n % 2]) for n in range(8)]
    # The shared sequence did not move: the next signed item is FB-2, not FB-10.
    assert "FB-2" in command(t, "/feedback", "Love the new board", user=CAROL)
    ids = [c.rsplit("-", 1)[0] for c in codes]
    assert all(re.fullmatch(r"AN-[2-9A-HJ-NP-Z]{6}", i) for i in ids)
    assert sorted(ids) not in (ids, ids[::-1])  # random, not a counter (p(false fail) = 1/20160)
    t.at(FIRST_DIGEST)
    shown = released(t)
    assert len(shown) == 8
    order = [int(re.search(r"anonymous item (\d)", line).group(1)) for line in shown]  # type: ignore[union-attr]
    assert order not in (list(range(8)), list(range(8))[::-1])  # shuffled at release
    assert not any(re.search(r"\d{1,2}:\d{2}|FB-\d", line) for line in shown)


def test_digest_now_cannot_release_a_batch_on_demand(t: Team) -> None:
    anon(t, "Standups run too long")
    anon(t, "Too many meetings", user=FRANK)
    command(t, "/feedback", "mine", user=DAVE)  # a member's own signed item
    t.deliver()
    command(t, "/digest", "now", user=DAVE)
    t.deliver()
    shown = "\n".join(texts(m["blocks"]) for m in t.env.channel(TEAM))
    assert "Standups run too long" not in shown and "Too many meetings" not in shown
    t.at(FIRST_DIGEST)
    assert len(released(t)) == 2  # the scheduled digest does


def test_a_lone_item_waits_up_to_four_weeks_then_is_released_with_a_note(t: Team) -> None:
    anon(t, "Standups run too long")
    for week in range(4):  # 30 Nov, 7, 14 and 21 Dec: at most 27 days held
        t.at(FIRST_DIGEST + timedelta(weeks=week))
        shown = "\n".join(m["text"] + texts(m.get("blocks")) for m in t.env.channel(TEAM))
        assert "Standups run too long" not in shown and "anonymous" not in shown.lower()
    t.at(FIRST_DIGEST + timedelta(weeks=4))  # 34 days after it was sent
    [line] = released(t)
    assert "Standups run too long" in line
    [msg] = [m for m in t.env.channel(TEAM) if m["text"].startswith("Anonymous feedback")]
    assert "held 4 weeks" in texts(msg["blocks"]) and "released alone" in texts(msg["blocks"])


def test_small_channel_refuses_with_the_reason_and_stores_nothing(t: Team) -> None:
    shown = command(t, "/feedback", "anonymous Standups run too long", user=PM, channel=PRODUCT)
    assert "at least 5 people" in shown and "has 4" in shown and "Nothing was saved" in shown
    shown = command(t, "/feedback", "anonymous Standups run too long", user=PM, channel="D0ALICE")
    assert "Nothing was saved" in shown
    assert not rows(t, "anonymous_feedback") and not rows(t, "feedback")
