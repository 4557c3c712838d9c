"""Gaps in the sandbox a newcomer met: mentions typed with punctuation after them (and the
special mentions), the "only visible to you" answers growing forever, and emoji names the bot
uses that the page drew raw."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sandbox.run import escape_mentions
from sandbox.server import Sandbox
from sandbox.workspace import Workspace
from tests.conftest import make_settings
from tests.test_sandbox_retro import post, state

ALICE, PRODUCT = "U0ALICE", "C0PRODUCT"
ROOT = Path(__file__).resolve().parent.parent


def _workspace() -> Workspace:
    ws = Workspace()
    ws.add_user("U0BOB", "bob")
    ws.add_user("U0MJ", "mary.jane")
    return ws


def test_a_typed_mention_followed_by_punctuation_becomes_markup() -> None:
    ws = _workspace()
    assert escape_mentions("with @bob, due friday", ws) == "with <@U0BOB|bob>, due friday"
    assert escape_mentions("ask @bob.", ws) == "ask <@U0BOB|bob>."
    assert escape_mentions("(@bob) @bob: @bob!?", ws) == (
        "(<@U0BOB|bob>) <@U0BOB|bob>: <@U0BOB|bob>!?"
    )
    assert escape_mentions("@mary.jane. and @bob", ws) == "<@U0MJ|mary.jane>. and <@U0BOB|bob>"
    # Still as typed: an unknown name, a longer word, an address.
    assert escape_mentions("@nobody, @bobby bob@example.com", ws) == (
        "@nobody, @bobby bob@example.com"
    )


def test_special_mentions_become_slacks_markup() -> None:
    ws = _workspace()
    assert escape_mentions("@channel @here, @everyone.", ws) == "<!channel> <!here>, <!everyone>."
    assert escape_mentions("@channels @hereby", ws) == "@channels @hereby"


def _answers(box: Sandbox) -> str:
    return " ".join(e["text"] for e in box.ws.ephemerals_for(ALICE))


def test_the_page_sends_a_mention_with_a_comma_after_it_as_slack_does(box: Sandbox) -> None:
    text = "/req new Pricing review with @bob, due friday"
    assert post(box, "send", {"text": text, "user": ALICE, "channel": PRODUCT}) == {}
    box.run_due()
    assert "can't tell who" not in _answers(box), _answers(box)
    shown = " ".join(m["text"] or "" for m in state(box, ALICE, PRODUCT)["messages"])
    assert "Pricing review" in shown, shown
    # An unknown name still reaches the bot as typed, and the bot explains.
    text = "/req new Pricing check with @nobody, due friday"
    assert post(box, "send", {"text": text, "user": ALICE, "channel": PRODUCT}) == {}
    assert "I can't tell who `@nobody,` is" in _answers(box), _answers(box)


def test_the_terminal_sends_a_mention_with_a_period_after_it_as_slack_does(
    tmp_path: Path,
) -> None:
    from sandbox.run import run_sandbox

    settings = make_settings(f"sqlite:///{tmp_path}/sandbox.db", "http://unused/api/")
    settings = settings.model_copy(update={"port": 0})
    out = io.StringIO()
    stdin = io.StringIO("/req new Pricing review owned by @bob.\n:q\n")
    code = run_sandbox(settings, reset=True, demo=False, terminal=True, stdin=stdin, stdout=out)
    assert code == 0
    shown = out.getvalue()
    assert "can't tell who" not in shown and "Pricing review" in shown, shown


def test_answers_only_you_see_are_trimmed_like_messages() -> None:
    ws = Workspace(keep_messages=3)
    for i in range(7):
        ws.add_ephemeral({"channel": PRODUCT, "user": ALICE, "ts": f"{i}.0", "text": str(i)})
    assert [e["text"] for e in ws.ephemerals] == ["4", "5", "6"]
    kept = Workspace()  # tests keep everything
    for i in range(50):
        kept.add_ephemeral({"channel": PRODUCT, "user": ALICE, "ts": f"{i}.0", "text": str(i)})
    assert len(kept.ephemerals_for(ALICE)) == 50


def test_every_place_that_shows_an_answer_goes_through_add_ephemeral() -> None:
    for path in sorted((ROOT / "sandbox").glob("*.py")):
        if path.name != "workspace.py":
            assert "ws.ephemerals.append" not in path.read_text(), path


def test_the_sandbox_trims_its_answers_only_you_see(box: Sandbox) -> None:
    assert box.ws.keep_messages is not None
    keep = box.ws.keep_messages
    for _ in range(2 * keep + 1):
        box.ui.slackbot_says("hi", user=ALICE, channel=PRODUCT)
    assert len(box.ws.ephemerals) <= 2 * keep


def _page_emoji() -> set[str]:
    js = (ROOT / "sandbox" / "web" / "app.js").read_text()
    found = re.search(r"const EMOJI = \{(.*?)\};", js, re.DOTALL)
    assert found is not None
    return set(re.findall(r'"?([a-z0-9_+-]+)"?:\s*"', found.group(1)))


def test_the_page_draws_every_emoji_the_bot_uses() -> None:
    drawn = _page_emoji()
    assert {"mag", "link", "bulb"} <= drawn
    used = {
        name
        for path in (ROOT / "bot" / "views").glob("*.py")
        for name in re.findall(r":([a-z_]+):", path.read_text())
    }
    assert used and used <= drawn, used - drawn
