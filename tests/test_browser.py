"""The browser sandbox as a person uses it: Debian's Chromium driven by Playwright.

Screenshots of each step go to test-artifacts/browser/ (look at them: the page must read as
a chat tool, not a debug dump)."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import Sandbox
from tests.conftest import make_settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "browser"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def sandbox(tmp_path: Path, sandbox_start: datetime) -> Iterator[Sandbox]:
    settings = make_settings(f"sqlite:///{tmp_path / 'sandbox.db'}", "http://unused/api/")
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    box = Sandbox(settings, _port(), start=sandbox_start).start()
    box.demo()
    yield box
    box.stop()


@pytest.fixture
def page(browser: Any, sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(sandbox.server.url)
    pg.wait_for_selector(".msg")
    pg.shots = ARTIFACTS / request.node.name
    yield pg
    context.close()
    assert errors == [], errors


def shot(page: Any, name: str) -> None:
    """Save a screenshot of this step."""
    page.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(page.shots / f"{name}.png"))


def type_in(page: Any, text: str) -> None:
    page.fill("#compose", text)
    page.keyboard.press("Enter")


def test_capture_by_command_modal_and_reaction(page: Any) -> None:
    from playwright.sync_api import expect

    messages = page.locator("#messages")
    expect(messages).to_contain_text("REQ-3 · Dark mode")
    shot(page, "1-demo-channel")
    # By command.
    type_in(page, "/req new Audit log for admins P1 @bob due friday #security")
    expect(messages).to_contain_text("REQ-4 · Audit log for admins")
    expect(messages.locator(".mention", has_text="@bob").last).to_be_visible()
    shot(page, "2-captured-by-command")
    # By the form: a mistake is shown on its field, nothing is saved, then it works.
    type_in(page, "/req new")
    modal = page.locator("#modal")
    expect(modal).to_contain_text("New requirement")
    modal.locator("button[type=submit]").click()
    expect(modal.locator(".field-error")).to_be_visible()
    shot(page, "3-form-error-on-field")
    modal.locator("input[type=text]").first.fill("Bulk edit for admins")
    modal.locator("select").first.select_option("P0")
    modal.locator("button[type=submit]").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(messages).to_contain_text("REQ-5 · Bulk edit for admins")
    # By reaction: a plain message, then :speech_balloon: captures it as feedback.
    type_in(page, "The CSV export times out on big files")
    row = messages.locator(".msg", has_text="The CSV export times out").last
    row.hover()
    row.locator("[data-react=speech_balloon]").click()
    expect(row.locator(".replies")).to_have_text("1 reply")
    row.locator(".replies").click()
    expect(page.locator("#thread")).to_contain_text("FB-1")
    shot(page, "4-captured-by-reaction")
    # And by the message shortcut menu.
    type_in(page, "Waiting on the security review")
    row = messages.locator(".msg", has_text="Waiting on the security review").last
    row.hover()
    row.locator("[data-more]").click()
    page.locator(".menu button", has_text="Report blocker").click()
    expect(modal).to_contain_text("Report a blocker")
    shot(page, "5-shortcut-form")
    modal.locator("button[type=submit]").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(row.locator(".replies")).to_have_text("1 reply")


def test_answer_a_standup_from_the_dm(page: Any) -> None:
    from playwright.sync_api import expect

    type_in(page, "/standup now")
    page.click("#nav-dm")
    prompt = page.locator("#messages .msg", has_text="Standup for")
    expect(prompt).to_be_visible(timeout=15_000)
    shot(page, "1-standup-prompt-dm")
    prompt.locator("button", has_text="Answer").click()
    modal = page.locator("#modal")
    expect(modal).to_contain_text("What will you do today?")
    boxes = modal.locator("textarea")
    boxes.nth(0).fill("Shipped the CSV export")
    boxes.nth(1).fill("Pagination for the admin list")
    boxes.nth(2).fill("Waiting on staging DB access")
    shot(page, "2-standup-form")
    modal.locator("button[type=submit]").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Thanks!", timeout=15_000)
    page.click("[data-channel=C0PRODUCT]")
    parent = page.locator("#messages .msg", has_text="Standup ·").last
    expect(parent).to_contain_text("1 answered", timeout=15_000)
    expect(parent).to_contain_text("not yet")
    parent.locator(".replies").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("Shipped the CSV export")
    expect(thread).to_contain_text(re.compile(r"Recorded as BLK-\d+"))
    shot(page, "3-standup-thread")


def test_type_a_standup_and_ask_for_help_in_the_dm(page: Any) -> None:
    from playwright.sync_api import expect

    type_in(page, "/standup now")
    page.click("#nav-dm")
    messages = page.locator("#messages")
    expect(messages).to_contain_text("Or type your answers here", timeout=15_000)
    type_in(page, "Shipped the CSV export")
    expect(messages).to_contain_text("2/3 · What will you do today?", timeout=15_000)
    type_in(page, "Pagination for the admin list")
    expect(messages).to_contain_text("3/3 · Anything blocking you?", timeout=15_000)
    type_in(page, "none")
    expect(messages).to_contain_text("is in the thread in", timeout=15_000)
    shot(page, "1-standup-typed-in-the-dm")
    type_in(page, "help")
    expect(messages).to_contain_text("What teamloop can do", timeout=15_000)
    type_in(page, "Dark mode for the dashboard")
    expect(page.locator("#messages .msg", has_text="Capture this?")).to_be_visible(timeout=15_000)
    shot(page, "2-help-and-capture-offer")
    page.click("[data-channel=C0PRODUCT]")
    parent = page.locator("#messages .msg", has_text="Standup ·").last
    expect(parent).to_contain_text("1 answered", timeout=15_000)
    parent.locator(".replies").click()
    expect(page.locator("#thread")).to_contain_text("Pagination for the admin list")


def test_advance_time_and_read_the_digest(page: Any, sandbox: Sandbox) -> None:
    from playwright.sync_api import expect

    type_in(page, "/blocker Waiting on the vendor contract @carol")
    messages = page.locator("#messages")
    expect(messages).to_contain_text("BLK-1")
    # Whatever day the sandbox starts on, the Monday digest is at most 8 days of events away
    # (a standup, its reminder and the daily reminders each day): step until it arrives.
    step = page.locator("button[data-step=next]")
    for _ in range(40):
        if any("Weekly digest" in m["text"] for m in sandbox.ws.channel_messages("C0PRODUCT")):
            break
        step.click()
        expect(step).to_be_enabled(timeout=30_000)  # the step ran what became due and sent it
    digest = messages.locator(".msg", has_text="Weekly digest").last
    expect(digest).to_contain_text("1 blocker open (+1)")
    # On a working day: a digest due before the channel's first item was a week old comes the
    # next working morning instead (see README, "Weekly digest"), so not always on the Monday.
    expect(page.locator("#clock-now")).to_contain_text(re.compile(r"^(Mon|Tue|Wed|Thu|Fri)"))
    shot(page, "1-digest-arrived")
    digest.locator(".replies").click()
    chart = page.locator("#thread img")
    expect(chart).to_be_visible(timeout=15_000)
    assert chart.evaluate("img => img.naturalWidth") > 300  # a real PNG, drawn
    shot(page, "2-digest-chart")


def test_app_home(page: Any) -> None:
    from playwright.sync_api import expect

    page.select_option("#whoami", "U0BOB")
    page.click("#nav-home")
    home = page.locator("#home")
    expect(home).to_contain_text("Export invoices to CSV", timeout=15_000)
    shot(page, "1-home-bob")
    home.locator("button", has_text="Mark done").first.click()
    expect(home).not_to_contain_text("Export invoices to CSV", timeout=15_000)
    shot(page, "2-home-after-done")


def test_gone_buttons_unknown_commands_and_the_channel_menu(page: Any, sandbox: Sandbox) -> None:
    from playwright.sync_api import expect

    messages, toast = page.locator("#messages"), page.locator("#toast")
    expect(messages).to_contain_text("REQ-3 · Dark mode")
    # A press on a message that is gone (a stale page): a short notice, no page error.
    page.evaluate(
        "post('action', {channel: 'C0PRODUCT', ts: '1.000001', action_id: 'run_suggested'})"
    )
    expect(toast).to_have_text("That message has changed. Try again.")
    # Whatever the server answers, even a bare 500 page, the page says something short.
    page.route(
        "**/ui/action", lambda route: route.fulfill(status=500, body="Internal Server Error")
    )
    card = messages.locator(".msg", has_text="REQ-3 · Dark mode").last
    card.locator("button.btn").first.click()
    expect(toast).to_have_text("action failed (500). Try again.")
    page.unroute("**/ui/action")
    shot(page, "1-notice")
    # An unknown command: Slackbot's answer, only to you.
    type_in(page, "/remove REQ-3")
    answer = messages.locator(".msg.ephemeral", has_text="/remove is not a valid command")
    expect(answer).to_contain_text("Slackbot")
    expect(answer).to_contain_text("Only visible to you")
    shot(page, "2-not-a-command")
    # #leads is private and teamloop is not in it; the channel menu invites it.
    page.locator("#channel-list [data-channel=C0LEADS]").click()
    expect(page.locator("#subtitle")).to_have_text("teamloop is not in this channel")
    shot(page, "3-leads-without-teamloop")
    page.click("#channel-menu")
    page.locator(".channel-menu button", has_text="Invite teamloop").click()
    expect(page.locator("#subtitle")).to_have_text("")
    assert sandbox.ws.bot_user_id in sandbox.ws.channels["C0LEADS"]["members"]
    page.click("#channel-menu")
    page.locator(".channel-menu button", has_text="Restrict app posts").click()
    expect(page.locator("#subtitle")).to_have_text("app posts restricted")
    page.click("#channel-menu")
    page.locator(".channel-menu button", has_text="Archive channel").click()
    expect(page.locator("#subtitle")).to_have_text("archived · app posts restricted")
    shot(page, "4-leads-archived-restricted")
