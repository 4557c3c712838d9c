"""Slack's text encoding in, one escape out, and unknown verbs (issue 14, points 1, 2 and 9)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.parsing.slack_text import Link, decode, echo, plain
from bot.parsing.verbs import looks_like_verb, nearest
from sandbox.encoding import as_slack_sends
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from tests.conftest import BOB, DAVE, PM, PRODUCT, Env, Team, texts

REAL_SHAPES = Path(__file__).resolve().parents[2] / "shared" / "slack" / "real-shapes"
# What Slack delivers for `/req new Q&A page <beta> for @lee in #billing see [spec] P1`
# (../shared/slack/real-shapes/slash-command-escaped.json; a no-break space before P1).
ESCAPED = (
    "new Q&amp;A page &lt;beta&gt; for <@U0123ABC|lee> in <#C0456DEF|billing> see "
    "<https://docs.example.com/qa|spec>\u00a0P1"
)


def test_the_real_shape_is_what_the_tests_send() -> None:
    path = REAL_SHAPES / "slash-command-escaped.json"
    if not path.exists():
        pytest.skip("../shared/slack/real-shapes is not next to this checkout")
    assert json.loads(path.read_text())["text"] == ESCAPED


def test_decode_gives_plain_text_and_entities() -> None:
    found = decode(ESCAPED + " <@W0GRID> <#C0PRIV|> <mailto:a@example.com|a@example.com>\u200b")
    assert found.plain == (
        "new Q&A page <beta> for @lee in #billing see spec (https://docs.example.com/qa) P1 "
        "@W0GRID #C0PRIV a@example.com"
    )
    assert found.users == ["U0123ABC", "W0GRID"]
    assert found.channels == ["C0456DEF", "C0PRIV"]
    assert found.links == [
        Link("https://docs.example.com/qa", "spec"),
        Link("mailto:a@example.com", "a@example.com"),
    ]
    specials = decode(
        "<!here> <!channel> <!subteam^S0123|@design> <!date^1700000000^{date}|Nov 14>"
    )
    assert specials.plain == "@here @channel @design Nov 14"
    assert specials.special_mentions == ["here", "channel", "subteam", "date"]
    # `&amp;lt;` is a typed "&lt;", not a "<".
    assert plain("a &amp;lt; b") == "a &lt; b"
    assert echo("<!channel> &amp; &lt;b&gt;") == "@channel &amp; &lt;b&gt;"


def _rows(env: Env, model: Any) -> list[Any]:
    with env.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


@pytest.mark.parametrize("send", ["as_sent", "typed"])
def test_escaped_command_is_stored_plain_and_shown_escaped_once(env: Env, send: str) -> None:
    if send == "as_sent":
        reply = env.req(ESCAPED, as_sent=True)
    else:
        env.req("new Fix A & B <Beta> export P1")
        reply = None
    [req] = _rows(env, Requirement)
    if reply is None:
        assert req.title == "Fix A & B <Beta> export"
        shown = env.channel()[-1]
        assert shown["text"] == "REQ-1: Fix A &amp; B &lt;Beta&gt; export"
        assert "&amp;amp;" not in json.dumps(shown)
        return
    # `for @lee in …`: a mention inside the sentence stays in it and names no owner.
    assert req.title == "Q&A page <beta> for @lee in see spec (https://docs.example.com/qa)"
    assert (req.priority, req.owner_id, req.labels) == ("P1", None, ["billing"])
    card = env.channel()[-1]
    assert card["text"].startswith("REQ-1: Q&amp;A page &lt;beta&gt;")
    assert "REQ-1 · Q&A page <beta>" in texts(card["blocks"], kinds=("plain_text",))


def test_items_and_standup_questions_are_stored_plain(env: Env) -> None:
    env.driver.command("/feedback", "Q&A <beta>\u00a0is great", user=PM, channel=PRODUCT)
    env.driver.command("/blocker", "Waiting on A&B\u200b <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.driver.command("/risk", "new Vendor <x> & y impact 4", user=PM, channel=PRODUCT)
    env.driver.command("/standup", "schedule weekdays 09:30", user=PM, channel=PRODUCT)
    env.drain()
    asked = "questions Done & dusted? | Next <step>?"
    env.driver.command("/standup", asked, user=PM, channel=PRODUCT)
    assert [f.text for f in _rows(env, Feedback)] == ["Q&A <beta> is great"]
    assert [(b.text, b.owner_id) for b in _rows(env, Blocker)] == [("Waiting on A&B", BOB)]
    assert [r.text for r in _rows(env, Risk)] == ["Vendor <x> & y"]
    assert "1. Done & dusted?" in env.last_ephemeral()["text"]


HOSTILE = "Ship it <!channel> <!here> <!everyone> <https://evil.example/x|docs> & co"
# Where a mention is not an owner (feedback, a captured message), it must not ping either.
MENTIONING = f"{HOSTILE} ask <@U0ERIN|erin>"
# Live markup: a special mention (the app's own `<!date^…>` is fine), Erin, the hidden link.
_LIVE = re.compile(r"<(!(?:here|channel|everyone|subteam)[^>]*|@U0ERIN[^>]*|https://evil[^>]*)>")


def _context(sent: str) -> str:
    """The live markup found and what surrounds it (for a readable failure)."""
    found = _LIVE.search(sent)
    return sent[max(0, found.start() - 120) : found.end() + 20] if found else ""


def _everything_sent(env: Env) -> list[str]:
    """Every string teamloop made Slack show: posts, updates, ephemerals, answers, views."""
    out: list[str] = []
    for call in env.ws.calls:
        out.append(json.dumps(call.args, ensure_ascii=False))
    for messages in env.ws.messages.values():
        out.extend(json.dumps(m, ensure_ascii=False) for m in messages if m.get("bot_id"))
    out.extend(json.dumps(e, ensure_ascii=False) for e in env.ws.ephemerals)
    return out


def test_no_message_carries_a_live_mention_or_hidden_link_the_user_typed(env: Env) -> None:
    """Hostile text through every command, list, card, error and capture."""
    env.ws.add_user("U0ERIN", "erin")
    sent = [
        ("/req", f"new {HOSTILE}"),
        ("/req", "list"),
        ("/req", "show REQ-1"),
        ("/req", f"search {MENTIONING}"),
        ("/req", f"status REQ-1 {HOSTILE}"),
        ("/req", f"close REQ-1 {HOSTILE}"),
        ("/req", f"shwo {HOSTILE}"),
        ("/req", f"list {HOSTILE}"),
        ("/req", "show <!channel>"),
        ("/feedback", HOSTILE),
        ("/feedback", MENTIONING),
        ("/feedback", "list"),
        ("/feedback", "show <!channel>"),
        ("/blocker", HOSTILE),
        ("/blocker", "list"),
        ("/blocker", "resolve <!here>"),
        ("/risk", f"new {HOSTILE}"),
        ("/risk", "list"),
        ("/risk", f"frobnicate {HOSTILE}"),
        ("/standup", f"schedule weekdays {HOSTILE}"),
        ("/standup", f"questions {HOSTILE} | two"),
        ("/digest", f"schedule monday 09:00 {HOSTILE}"),
        ("/digest", HOSTILE),
        ("/standup", MENTIONING),
    ]
    for command, text in sent:
        reply = env.driver.command(command, text, user=PM, channel=PRODUCT)
        assert reply.status == 200
        env.drain()
    # A capture where teamloop can't post (its answer says what to do), and the Run button
    # of a "Did you mean" answer, pressed.
    env.ws.add_channel("C0HIDDEN", "hidden", members=[PM], is_private=True, bot_member=False)
    env.driver.command("/feedback", HOSTILE, user=PM, channel="C0HIDDEN")
    env.drain()
    env.driver.command("/req", f"nwe {HOSTILE}", user=PM, channel=PRODUCT)
    env.drain()
    suggestion = env.last_ephemeral(PM)
    env.driver.click(suggestion, "run_suggested", user=PM, channel=PRODUCT, ephemeral=True)
    env.drain()
    assert any("no weekly digest" in e["text"] for e in env.ws.ephemerals_for(PM))
    # A message whose mentions were autocompleted: Slack keeps them as markup.
    said = env.ws.post(PRODUCT, user=BOB, text=as_slack_sends(MENTIONING))
    for reaction in ("bulb", "speech_balloon", "construction"):
        env.driver.react(reaction, user=PM, channel=PRODUCT, ts=said["ts"])
    env.drain()
    sent_out = _everything_sent(env)
    assert any("Ship it @channel" in s for s in sent_out)
    live = [_context(s) for s in sent_out if _LIVE.search(s)]
    assert live == []


FEEDBACK_VERBS = ["show FB-1", "lsit", "delete FB-2", "resolve"]


@pytest.mark.parametrize("typed", FEEDBACK_VERBS)
def test_feedback_refuses_a_verb_it_does_not_have(env: Env, typed: str) -> None:
    reply = env.driver.command("/feedback", typed, user=PM, channel=PRODUCT)
    env.drain()
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert f"You typed: `/feedback {typed}`" in answer["text"]
    assert "`/feedback help`" in answer["text"]
    assert _rows(env, Feedback) == []


@pytest.mark.parametrize(
    ("command", "typed", "meant"),
    [
        ("/feedback", "show FB-1", "list"),
        ("/req", "shwo REQ-1", "show"),
        ("/req", "asign REQ-1", "assign"),
        ("/blocker", "reslove BLK-1", "resolve"),
        ("/feedback", "replys AN-7KQ2MX-SECRET", "replies"),
        ("/risk", "lst", "list"),
        ("/risk", "create Vendor may slip", "new"),
        ("/standup", "shedule weekdays 09:30", "schedule"),
        ("/digest", "stauts", "status"),
    ],
)
def test_unknown_verbs_suggest_the_nearest_and_keep_the_text(
    env: Env, command: str, typed: str, meant: str
) -> None:
    reply = env.driver.command(command, typed, user=PM, channel=PRODUCT)
    env.drain()
    text = reply.json()["text"]
    assert f"Did you mean `{command} {meant}`?" in text
    assert f"You typed: `{command} {typed}`" in text
    assert not _rows(env, Feedback) and not _rows(env, Blocker) and not _rows(env, Risk)


def test_free_text_that_starts_like_a_verb_is_still_captured(env: Env) -> None:
    env.driver.command("/feedback", "The show was great", user=PM, channel=PRODUCT)
    env.driver.command("/feedback", "list view is slow on mobile", user=PM, channel=PRODUCT)
    env.driver.command("/blocker", "close to release but CI is red", user=PM, channel=PRODUCT)
    env.drain()
    assert [f.text for f in _rows(env, Feedback)] == [
        "The show was great",
        "list view is slow on mobile",
    ]
    assert [b.text for b in _rows(env, Blocker)] == ["close to release but CI is red"]


def test_nearest_verb() -> None:
    verbs = ["new", "list", "show", "status", "close", "help"]
    assert nearest("lsit", verbs) == "list"
    assert nearest("view", verbs) == "show"
    assert nearest("zzz", verbs) is None
    assert looks_like_verb(["show", "FB-1"], ["list", "help"])
    assert not looks_like_verb(["show", "me", "the", "money"], ["list", "help"])
    assert not looks_like_verb(["list"], ["list", "help"])


def test_typed_form_text_loses_stray_spaces_but_keeps_what_was_typed(env: Env) -> None:
    env.req("new")
    [view_id] = env.ws.views
    typed = "SSO\u00a0with\u200b Okta & <SAML>"
    values = {"req_title": {"req_title_input": {"type": "plain_text_input", "value": typed}}}
    assert env.driver.submit(view_id, values, user=PM).status == 200
    env.drain()
    [req] = _rows(env, Requirement)
    assert req.title == "SSO with Okta & <SAML>"
    assert env.channel()[-1]["text"] == "REQ-1: SSO with Okta &amp; &lt;SAML&gt;"


def test_scheduled_messages_carry_no_live_mention_either(team: Team) -> None:
    """Standup answers, the blocker made of one, the digest and the reminders, with hostile
    text in every item and answer (forms send text as typed: markup is literal there)."""
    env = team.env
    env.ws.add_user("U0ERIN", "erin")
    env.clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    form_hostile = "Ship <!channel> <!here> <@U0ERIN> <https://evil.example/x|docs> & co"
    env.driver.command("/req", f"new {HOSTILE} P0 due tomorrow", user=PM, channel=PRODUCT)
    env.driver.command("/blocker", f"{MENTIONING} today", user=PM, channel=PRODUCT)
    env.driver.command("/feedback", f"{MENTIONING}", user=PM, channel=PRODUCT)
    env.driver.command("/feedback", f"anonymous {MENTIONING}", user=BOB, channel=PRODUCT)
    env.driver.command("/risk", f"new {HOSTILE} likelihood 5 impact 5", user=PM, channel=PRODUCT)
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    env.drain()
    team.at(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.answer(BOB, [form_hostile, form_hostile, form_hostile])
    # Dave types his answers in the app's DM, with autocompleted mentions (markup, as Slack
    # sends them), then text to capture and `help`: every DM reply is checked too.
    dave_dm = env.ws.dm_channel(DAVE)
    for typed in (MENTIONING, HOSTILE, f"Waiting on {MENTIONING}", MENTIONING, "help"):
        env.driver.say(typed, user=DAVE, channel=dave_dm)
        env.drain()
    team.deliver()
    team.at(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    env.driver.command("/digest", "now", user=PM, channel=PRODUCT)  # the first comes a week on
    env.drain()
    team.deliver()
    team.at(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    team.deliver()
    # The channel is archived: Alice, who set up its standup, gets the one notice.
    env.driver.archive(PRODUCT, by=BOB)
    team.deliver()
    sent_out = _everything_sent(env)
    assert any("It was archived" in s for s in sent_out)
    assert any("digest" in s.lower() for s in sent_out)
    assert any("Ship &lt;!channel&gt;" in s for s in sent_out)  # the answer, escaped
    assert any("Capture this?" in s and "ask @erin" in s for s in sent_out)  # a DM reply
    live = [_context(s) for s in sent_out if _LIVE.search(s)]
    assert live == []
