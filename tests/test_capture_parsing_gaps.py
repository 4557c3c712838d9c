"""Quick capture gaps: owners before emoji and asides, lists of people, `#482`, due times,
two due dates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput
from bot.parsing.common import DateOrder
from bot.parsing.requirements import parse_capture, parse_label
from storage.models import Requirement
from tests.conftest import BOB, Env

MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize("after", [":rocket:", "(urgent)", "!!", "🎄", ":wave::skin-tone-2:"])
def test_an_emoji_or_aside_after_the_mention_keeps_the_owner(after: str) -> None:
    cap = parse_capture(f"Launch pricing page P1 <@U0BOB|bob> {after}", today=MONDAY)
    assert (cap.title, cap.owner_id, cap.priority) == (
        f"Launch pricing page {after}",
        "U0BOB",
        "P1",
    )


def test_a_real_word_after_the_mention_still_names_no_owner() -> None:
    cap = parse_capture("The export <@U0ERIN|erin> built breaks on Safari", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("The export @erin built breaks on Safari", None)


def test_two_people_after_a_joining_word_are_two_owners_refused() -> None:
    with pytest.raises(InvalidInput, match="A requirement has one owner") as refused:
        parse_capture(
            "Ship pricing page with <@U0BOB|bob> and <@U0CAROL|carol> P1 due friday",
            today=MONDAY,
        )
    assert "`/req new Ship pricing page with @bob and P1 due friday`" in refused.value.message


def test_one_person_after_a_joining_word_is_the_owner_and_stays_in_the_title() -> None:
    cap = parse_capture("Ship pricing page with <@U0BOB|bob> and <@U0BOB|bob> P1", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("Ship pricing page with @bob and @bob", "U0BOB")


@pytest.mark.parametrize("ref", ["#482", "#12.3"])
def test_a_number_after_a_hash_stays_in_the_title(ref: str) -> None:
    cap = parse_capture(f"Fix crash from GitHub issue {ref} on Safari #web", today=MONDAY)
    assert (cap.title, cap.labels) == (f"Fix crash from GitHub issue {ref} on Safari", ["web"])
    assert parse_label(ref) is None and parse_label("#q4") == "q4"


@pytest.mark.parametrize(
    ("due", "typed", "kept"),
    [
        ("12/4 5pm", "12/4 5pm", "due 12/4"),
        ("friday 5pm", "friday 5pm", "due friday"),
        ("friday 5 pm", "friday 5 pm", "due friday"),
        ("friday 17:00", "friday 17:00", "due friday"),
        ("tomorrow 9am", "tomorrow 9am", "due tomorrow"),
        ("friday at noon", "friday at noon", "due friday"),
        ("dec 4 5pm", "dec 4 5pm", "due dec 4"),
        ("5pm", "5pm", "due friday"),
        ("5pm friday", "5pm friday", "due friday"),
    ],
)
def test_a_due_time_is_refused_and_the_day_handed_back(due: str, typed: str, kept: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_capture(f"Ship pricing page P1 due {due} #web", today=MONDAY, order=DateOrder.MDY)
    said = refused.value.message
    assert f"`due {typed}` has a time in it: due dates are days" in said
    assert f"give the day alone, e.g. `/req new Ship pricing page P1 #web {kept}`" in said
    assert said.endswith("Nothing was saved.")


def test_a_time_elsewhere_in_the_title_is_kept() -> None:
    cap = parse_capture("Standup moved to 5pm due friday", today=MONDAY)
    assert (cap.title, cap.due) == ("Standup moved to 5pm", FRIDAY)


def test_two_due_dates_are_refused_keeping_the_first() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_capture("Ship pricing page due friday due monday P1", today=MONDAY)
    assert refused.value.message == (
        "Give one due date, not two: `/req new Ship pricing page due friday P1`"
    )
    # The same day twice is one due date.
    cap = parse_capture("Ship pricing page due friday due fri", today=MONDAY)
    assert cap.due == FRIDAY


def test_quick_capture_end_to_end(env: Env) -> None:
    env.req("new Launch pricing page P1 <@U0BOB|bob> :rocket: Fix #482")
    with env.sessions() as s:
        [req] = list(s.scalars(select(Requirement)))
    assert (req.title, req.owner_id, req.labels) == (
        "Launch pricing page :rocket: Fix #482",
        BOB,
        [],
    )
    env.req("new Ship it due friday 5pm")
    assert "due dates are days" in env.last_ephemeral()["text"]
    with env.sessions() as s:
        assert len(list(s.scalars(select(Requirement)))) == 1
