"""The quick-capture grammar and date parser: examples and properties."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.parsing.common import DateOrder, parse_date, parse_ref
from bot.parsing.requirements import parse_capture, parse_list_filter, parse_status

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04", date(2026, 12, 4)),
        ("today", MONDAY),
        ("Tomorrow", date(2026, 11, 24)),
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("monday", date(2026, 11, 30)),  # the next one, never today
        ("next wednesday", date(2026, 12, 2)),  # next week's, stated back
        ("in 3 days", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("Dec 4 2026", date(2026, 12, 4)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, today=MONDAY) == expected


@pytest.mark.parametrize("text", ["someday", "", "in 99999 days", "2026-02-30", "soon-ish 3"])
def test_bad_dates_say_what_to_type(text: str) -> None:
    # The example date is the next Friday, never a fixed one that goes stale.
    with pytest.raises(InvalidInput, match="Try `friday`, `tomorrow`") as refused:
        parse_date(text, today=MONDAY)
    if text != "2026-02-30":
        assert "`Nov 27` or `2026-11-27`" in refused.value.message
        with pytest.raises(InvalidInput, match="`Dec 11` or `2026-12-11`"):
            parse_date(text, today=date(2026, 12, 4))  # a Friday: the one after


def test_a_past_weekday_and_date_is_said_to_be_past_not_a_mismatch() -> None:
    # On Monday 7 December `fri 12/4` is last Friday, not "Sat 4 Dec 2027, not a Friday".
    with pytest.raises(InvalidInput, match=r"is in the past \(Fri 4 Dec 2026\)") as said:
        parse_date("fri 12/4", today=date(2026, 12, 7), order=DateOrder.MDY)
    assert "`2026-12-11`" in said.value.message
    with pytest.raises(InvalidInput, match=r"in the past \(Fri 4 Dec 2026\)"):  # not `fri` alone
        parse_capture("Ship it due fri 12/4", today=date(2026, 12, 7), order=DateOrder.MDY)
    # A weekday that matches no reading is still a mismatch.
    with pytest.raises(InvalidInput, match="not a Tuesday"):
        parse_date("tue 12/4", today=date(2026, 12, 7), order=DateOrder.MDY)


def test_an_impossible_due_day_is_named_as_such() -> None:
    with pytest.raises(InvalidInput, match="`31/2` is not a day on the calendar") as said:
        parse_capture("Ship it due 31/2 P1", today=MONDAY)
    assert "/req new Ship it P1 due friday" in said.value.message


def test_full_capture() -> None:
    cap = parse_capture(
        "Export invoices to CSV P1 <@U123|bob> due friday #billing #Export", today=MONDAY
    )
    assert cap.title == "Export invoices to CSV"
    assert (cap.priority, cap.owner_id, cap.due) == ("P1", "U123", date(2026, 11, 27))
    assert cap.labels == ["billing", "export"]


def test_capture_any_order_and_multiword_due() -> None:
    cap = parse_capture("#ops due in 3 days <@W999> Rotate keys p0", today=MONDAY)
    assert (cap.title, cap.priority, cap.owner_id, cap.due, cap.labels) == (
        "Rotate keys",
        "P0",
        "W999",
        date(2026, 11, 26),
        ["ops"],
    )


def test_due_word_in_title_is_kept_when_no_date_follows() -> None:
    cap = parse_capture("Fix due amount rounding", today=MONDAY)
    assert cap.title == "Fix due amount rounding" and cap.due is None


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("Friday!", date(2026, 11, 27)),
        ("tomorow", date(2026, 11, 24)),
        ("weds", date(2026, 11, 25)),
        ("end-of-month", date(2026, 11, 30)),
        ("the 15th", date(2026, 12, 15)),
        ("by friday", date(2026, 11, 27)),
        (None, "frday"),
        (None, "tommorow"),
        (None, "TBD"),
        (None, "Q1"),
        (None, "weekend"),
        (None, "mid-December"),
        (None, "December"),
    ],
)
def test_a_date_like_due_is_read_or_refused_never_kept_in_the_title(
    due: str | None, expected: date | str
) -> None:
    text = f"Ship pricing page due {due or expected} P1"
    if due is None:
        with pytest.raises(InvalidInput, match=r"Nothing was saved") as caught:
            parse_capture(text, today=MONDAY)
        assert "/req new Ship pricing page P1 due friday" in caught.value.message
        return
    cap = parse_capture(text, today=MONDAY)
    assert (cap.title, cap.priority, cap.due) == ("Ship pricing page", "P1", expected)


@pytest.mark.parametrize(
    ("due", "said"),
    [
        (
            "tue 11/27",
            "`tue 11/27` doesn't add up: `11/27` reads as Fri 27 Nov 2026, not a Tuesday",
        ),
        ("december", "`december` names no day"),
        ("last friday", "`last friday` is in the past"),
    ],
)
def test_a_due_phrase_read_as_wrong_says_why_and_nothing_of_it_stays(due: str, said: str) -> None:
    # `tue 11/27` must not become Tuesday with "11/27" left in the title.
    with pytest.raises(InvalidInput) as caught:
        parse_capture(f"Ship pricing page due {due} P1", today=MONDAY, order=DateOrder.MDY)
    assert said in caught.value.message
    assert "`/req new Ship pricing page P1 due friday`. Nothing was saved." in caught.value.message


@pytest.mark.parametrize(
    "title",
    ["Fix due amount rounding", "Finish due diligence", "Bills due monthly", "Invoice due to Acme"],
)
def test_due_followed_by_ordinary_words_stays_in_the_title(title: str) -> None:
    cap = parse_capture(title, today=MONDAY)
    assert (cap.title, cap.due) == (title, None)


def test_a_mention_inside_the_sentence_stays_in_the_title() -> None:
    # A newcomer typed this; the title was "Review pricing page with", the name cut out.
    cap = parse_capture("Review pricing page with <@U0BOB|bob> due friday P2", today=MONDAY)
    assert (cap.title, cap.owner_id, cap.priority) == (
        "Review pricing page with @bob",
        "U0BOB",
        "P2",
    )
    # Inside the sentence (words before and after it) it names no owner.
    cap = parse_capture("Pair with <@U0BOB|bob> on the export", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("Pair with @bob on the export", None)
    cap = parse_capture("The export <@U0ERIN|erin> built breaks on Safari P1", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("The export @erin built breaks on Safari", None)
    cap = parse_capture("Totals for <@U0DAVE|dave> look wrong <@U0BOB|bob>", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("Totals for @dave look wrong", "U0BOB")
    # First, or before the grammar's words, it is the owner.
    cap = parse_capture("<@U0BOB|bob> fix the login page", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("fix the login page", "U0BOB")
    # Anywhere else the mention only names the owner.
    cap = parse_capture("Export invoices <@U0BOB|bob> P1", today=MONDAY)
    assert (cap.title, cap.owner_id) == ("Export invoices", "U0BOB")


def test_channel_link_label_and_plain_mention() -> None:
    assert parse_capture("X <#C0123|billing>", today=MONDAY).labels == ["billing"]
    assert parse_capture("X <@U0BOB>", today=MONDAY).owner_id == "U0BOB"


def test_refs_and_statuses() -> None:
    assert parse_ref("REQ-12", "REQ") == parse_ref("req-12", "REQ") == parse_ref("12", "REQ") == 12
    for bad in ("REQ-0", "REQ-x", "١٢", "REQ-12345678901"):
        with pytest.raises(InvalidInput):
            parse_ref(bad, "REQ")
    assert parse_status("In Progress") == parse_status("in-progress") == "in_progress"
    assert parse_status("wip") == "in_progress" and parse_status("review") == "in_review"


def test_list_filters_combine() -> None:
    flt = parse_list_filter("mine P1 #billing all")
    assert (flt.mine, flt.priority, flt.label, flt.include_closed) == (True, "P1", "billing", True)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_capture_never_crashes(text: str) -> None:
    try:
        cap = parse_capture(text, today=MONDAY)
    except InvalidInput as exc:
        assert exc.message and len(exc.message) < 400
        return
    assert 0 < len(cap.title) <= 200
    assert cap.priority in (None, "P0", "P1", "P2", "P3")


_tokens = st.sampled_from(
    [
        "P1",
        "p3",
        "<@U1|a>",
        "due",
        "friday",
        "in",
        "3",
        "days",
        "#x",
        "<#C1|ch>",
        "2026-12-04",
        "today",
        "@",
        "@bob",
        "REQ-1",
        "🚀",
        "无",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_tokens, st.text(min_size=1, max_size=12)), max_size=12))
def test_grammar_like_input_never_crashes(tokens: list[str]) -> None:
    for fn in (
        lambda t: parse_capture(t, today=MONDAY),
        parse_list_filter,
        lambda t: parse_date(t, today=MONDAY),
    ):
        with contextlib.suppress(InvalidInput):
            fn(" ".join(tokens))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_status_and_ref_never_crash(text: str) -> None:
    for fn in (parse_status, lambda t: parse_ref(t, "REQ")):
        with contextlib.suppress(InvalidInput):
            fn(text)
