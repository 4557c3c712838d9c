"""The app's DM (`message.im`): typed standups, edits, skip, late reports, help and capture
offers, through signed events against the stand-in; bots are never answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.workspace import Json
from storage.items import Blocker, Feedback
from storage.models import Requirement
from storage.scheduling import Schedule
from storage.standups import StandupResponse
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts
from tests.manifest_contract import load_manifest, registered


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def started(team: Team) -> None:
    """A weekday 09:30 Berlin standup in #product; Monday 23 November's prompts sent."""
    team.env.clock.set(utc(22, 12))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(utc(23, 8, 30))


def dm(team: Team, user: str) -> str:
    return team.env.ws.dm_channel(user)


def type_in(team: Team, user: str, text: str, *, thread_ts: str | None = None) -> Json:
    """`user` types `text` in the app's DM; the answer is waited for."""
    msg = team.env.driver.say(text, user=user, channel=dm(team, user), thread_ts=thread_ts)
    team.env.drain()
    return msg


def said(team: Team, user: str) -> str:
    """What teamloop last said in the DM (top level), text and blocks."""
    last = team.dms(user)[-1]
    return last["text"] + "\n" + texts(last.get("blocks"))


def reply_of(team: Team, name: str) -> Json:
    [parent] = team.parents()
    [found] = [r for r in team.replies(parent) if texts(r["blocks"]).startswith(f"*{name}*")]
    return found


def without_name(reply: Json, name: str) -> str:
    return texts(reply["blocks"]).replace(f"*{name}*", "*NAME*", 1)


def test_one_by_one_in_the_dm_stores_what_the_form_stores(team: Team) -> None:
    started(team)
    answers = ["Shipped the importer & fixed <CSV> paging", "Pagination", "Waiting on DB access"]
    prompt = team.dms(BOB)[0]
    assert "type your answers here" in texts(prompt["blocks"])
    type_in(team, BOB, answers[0])
    assert said(team, BOB).startswith("2/3 · What will you do today?")
    type_in(team, BOB, answers[1])
    assert said(team, BOB).startswith("3/3 · Anything blocking you?")
    assert [r.status for r in team.rows(StandupResponse, user_id=BOB)] == ["prompted"]
    type_in(team, BOB, answers[2])
    assert "Thanks! Your standup for Monday 23 November is in the thread" in said(team, BOB)
    # Alice answers the same through the form: both land alike in the thread.
    team.answer(PM, answers)
    team.deliver()
    assert without_name(reply_of(team, "bob"), "bob") == without_name(
        reply_of(team, "alice"), "alice"
    ).replace("BLK-2", "BLK-1")
    assert "Shipped the importer &amp; fixed &lt;CSV&gt; paging" in texts(
        reply_of(team, "bob")["blocks"]
    )
    [bob] = team.rows(StandupResponse, user_id=BOB)
    assert (bob.status, bob.answers, bob.late) == ("answered", answers, False)
    assert sorted(b.reporter_id for b in team.rows(Blocker)) == sorted([BOB, PM])
    # The prompt DM turned into "Thanks!" with Edit answer, as after the form.
    assert "Thanks!" in team.dms(BOB)[0]["text"]


def test_answers_delivered_out_of_order_keep_the_order_typed(team: Team) -> None:
    from sandbox import messages

    started(team)
    ws, channel = team.env.ws, dm(team, BOB)
    typed = [ws.post(channel, user=BOB, text=t) for t in ("Importer", "Paging", "none")]
    for msg in (typed[1], typed[0], typed[2]):  # Slack delivers the second one first
        team.env.driver.event(messages.typed(ws, msg, channel))
        team.env.drain()
    [bob] = team.rows(StandupResponse, user_id=BOB)
    assert (bob.status, bob.answers) == ("answered", ["Importer", "Paging", "none"])


def test_typed_in_the_prompts_thread_is_asked_there(team: Team) -> None:
    started(team)
    prompt = team.dms(BOB)[0]
    type_in(team, BOB, "Reviewed the roadmap", thread_ts=prompt["ts"])
    [question] = team.env.ws.thread(dm(team, BOB), prompt["ts"])[-1:]
    assert question["text"].startswith("2/3 · What will you do today?")
    assert len(team.dms(BOB)) == 1  # nothing new at the top of the DM


def test_all_at_once_english_and_chinese(team: Team) -> None:
    started(team)
    type_in(team, CAROL, "Shipped search\n\nReview the API\n\nnone")
    assert "Thanks!" in said(team, CAROL)
    team.env.clock.set(utc(23, 9))
    team.cmd("questions 昨天完成了什么？ | 今天计划做什么？ | 有什么阻碍吗？")
    team.at(utc(24, 8, 30))  # Tuesday: the Chinese questions
    type_in(team, DAVE, "１．完成了登录页\n２．写测试\n３．没有")
    assert "Thanks!" in said(team, DAVE)
    type_in(team, BOB, "1) 修复导出\n2) 发布 2.0\n3) 等待法务审核")
    team.deliver()
    rows = {(r.user_id, str(r.answers)) for r in team.rows(StandupResponse, status="answered")}
    assert (CAROL, str(["Shipped search", "Review the API", "none"])) in rows
    assert (DAVE, str(["完成了登录页", "写测试", "没有"])) in rows
    assert (BOB, str(["修复导出", "发布 2.0", "等待法务审核"])) in rows
    # "没有" is no blocker; Bob's third answer is one.
    assert [(b.reporter_id, b.text) for b in team.rows(Blocker)] == [(BOB, "等待法务审核")]
    tuesday = team.parents()[-1]
    assert any("今天计划做什么" in texts(r["blocks"]) for r in team.replies(tuesday))


def test_editing_a_typed_message_edits_the_answer_and_its_reply(team: Team) -> None:
    started(team)
    whole = type_in(team, BOB, "1. Importer\n2. Paging\n3. Waiting on keys")
    team.deliver()
    team.env.driver.edit(whole, "1. Importer\n2. Paging and sorting\n3. Waiting on DBA",
                         channel=dm(team, BOB))  # fmt: skip
    team.env.drain()
    assert "Updated your standup" in said(team, BOB)
    team.deliver()
    [parent] = team.parents()
    assert len(team.replies(parent)) == 1
    shown = texts(reply_of(team, "bob")["blocks"])
    assert "Paging and sorting" in shown and "edited" in shown
    assert team.rows(Blocker)[0].text == "Waiting on DBA"
    # One message per question: an edit changes that answer only.
    first = type_in(team, PM, "Roadmap")
    type_in(team, PM, "Interviews")
    team.env.driver.edit(first, "Roadmap v2", channel=dm(team, PM))
    team.env.drain()
    assert "carry on" in said(team, PM)
    type_in(team, PM, "none")
    [alice] = team.rows(StandupResponse, user_id=PM)
    assert alice.answers == ["Roadmap v2", "Interviews", "none"]
    # An edit that no longer splits gets an answer saying what to type; nothing changes.
    team.env.driver.edit(whole, "Importer, paging and DBA", channel=dm(team, BOB))
    team.env.drain()
    assert "number them `1.` to `3.`" in said(team, BOB)
    assert team.rows(StandupResponse, user_id=BOB)[0].answers[1] == "Paging and sorting"
    # Deletions, file shares and link unfurls (a change without new text) are handled quietly.
    bot = team.env.ws.bot_user_id
    before = [m for m in team.dms(BOB) if m["user"] == bot]
    team.env.driver.edit(whole, "Importer, paging and DBA", channel=dm(team, BOB))
    team.env.driver.delete(whole, channel=dm(team, BOB))
    team.env.driver.share_file("screenshot.png", user=BOB, channel=dm(team, BOB))
    team.env.drain()
    assert [m for m in team.dms(BOB) if m["user"] == bot] == before  # nothing said


def test_skip_and_a_late_report(team: Team) -> None:
    started(team)
    type_in(team, CAROL, "skip")
    assert "Skipped your standup" in said(team, CAROL)
    type_in(team, CAROL, "跳过")
    assert "No standup is waiting" not in said(team, CAROL)  # skipped again: still fine
    # The next day Dave (never answered) types: too late for Monday, so it is offered for
    # capture; `report` starts a late answer for Monday.
    team.at(utc(24, 7, 0))
    type_in(team, DAVE, "Finished the docs")
    assert "Capture this?" in said(team, DAVE)
    type_in(team, DAVE, "report")
    assert "1/3 · What did you get done" in said(team, DAVE) and "late answer" in said(team, DAVE)
    type_in(team, DAVE, "Finished the docs")
    type_in(team, DAVE, "Release")
    type_in(team, DAVE, "-")
    assert "answered late" in said(team, DAVE)
    team.deliver()
    [monday] = team.parents()
    assert "answered late" in texts(reply_of(team, "dave")["blocks"])
    assert "⏭️ 1 skipped" in texts(monday["blocks"])
    statuses = {r.user_id: (r.status, r.late) for r in team.rows(StandupResponse)}
    assert statuses[CAROL] == ("skipped", False) and statuses[DAVE] == ("answered", True)
    type_in(team, DAVE, "standup")
    assert "already answered" in said(team, DAVE)
    type_in(team, CAROL, "汇报")  # Carol skipped Monday; she may still report it late
    assert "1/3 · What did you get done" in said(team, CAROL)
    type_in(team, PM, "skip")  # Monday is over for Alice too: nothing to skip
    assert "No standup is waiting for you" in said(team, PM)


def test_an_unfinished_answer_gives_way_to_the_next_days_prompt(team: Team) -> None:
    started(team)
    type_in(team, DAVE, "Half of Monday")
    assert "Monday 23 November" in said(team, DAVE)
    type_in(team, DAVE, "帮助")  # help mid-way says which question is waiting
    assert "is waiting: question 2/3, _What will you do today?_" in said(team, DAVE)
    team.at(utc(24, 8, 30))  # Tuesday's prompt
    type_in(team, DAVE, "Tuesday's work")
    assert "2/3" in said(team, DAVE) and "Tuesday 24 November" in said(team, DAVE)
    # Hours later (Monday's conversation has lapsed) plain text is no answer at all.
    team.at(utc(25, 7, 0))
    type_in(team, DAVE, "An idea for onboarding")
    assert "Capture this?" in said(team, DAVE)
    assert {r.status for r in team.rows(StandupResponse, user_id=DAVE)} == {"prompted"}


def test_help_lists_what_it_can_do_and_open_items(team: Team) -> None:
    team.env.req("new Export invoices to CSV P1")
    for word in ("help", "?", "帮助"):
        type_in(team, PM, word)
        shown = said(team, PM)
        assert "What teamloop can do" in shown and "REQ-1 Export invoices to CSV" in shown
    type_in(team, BOB, "HELP")
    assert "Nothing open" in said(team, BOB)


def test_plain_text_is_offered_for_capture(team: Team) -> None:
    ws, driver = team.env.ws, team.env.driver
    typed = type_in(team, BOB, "We need SSO for admins & <guests>")
    offer = team.dms(BOB)[-1]
    shown = texts(offer["blocks"])
    assert "We need SSO for admins &amp; &lt;guests&gt;" in shown
    for label in ("Requirement", "Feedback", "Anonymous feedback", "Blocker"):
        assert label in shown
    # Requirement: the capture form, prefilled; the requirement keeps the DM message.
    views_before = set(ws.views)
    driver.click(offer, "dm_capture_requirement", user=BOB, channel=dm(team, BOB))
    [view_id] = set(ws.views) - views_before
    title = ws.views[view_id]["blocks"][0]["element"]["initial_value"]
    assert title == "We need SSO for admins & <guests>"
    reply = driver.submit(
        view_id,
        {"req_title": {"req_title_input": {"type": "plain_text_input", "value": title}}},
        user=BOB,
    )
    assert reply.status == 200
    team.env.drain()
    [req] = team.rows(Requirement)
    assert (req.requester_id, req.source_ts) == (BOB, typed["ts"])
    assert any("REQ-1" in m["text"] for m in ws.thread(dm(team, BOB), typed["ts"]))
    # Requirement again: no form that could only be refused; it says where the first went.
    views_before = set(ws.views)
    driver.click(offer, "dm_capture_requirement", user=BOB, channel=dm(team, BOB))
    assert set(ws.views) == views_before
    assert team.env.last_ephemeral(BOB)["text"] == (
        "That message is already captured as REQ-1. Type `/req show REQ-1` to see it."
    )
    # Anonymous: where to say it so nobody can tell; the text is kept.
    driver.click(offer, "dm_capture_anonymous", user=BOB, channel=dm(team, BOB))
    assert "/feedback anonymous We need SSO" in team.env.last_ephemeral(BOB)["text"]
    assert team.rows(Feedback) == []
    # Blocker: its form, with Bob as reporter.
    views_before = set(ws.views)
    driver.click(offer, "dm_capture_blocker", user=BOB, channel=dm(team, BOB))
    [view_id] = set(ws.views) - views_before
    text = {"item_text": {"item_text_input": {"type": "plain_text_input", "value": "SSO"}}}
    assert driver.submit(view_id, text, user=BOB).status == 200
    team.env.drain()
    assert [(b.reporter_id, b.text) for b in team.rows(Blocker)] == [(BOB, "SSO")]
    # Help lists what was captured in this DM (without asking Slack about the DM).
    type_in(team, BOB, "help")
    assert "REQ-1 We need SSO for admins &amp; &lt;guests&gt;" in said(team, BOB)
    assert "BLK-1" in said(team, BOB)
    assert not [
        c for c in ws.calls_of("conversations.info") if c.args.get("channel") == dm(team, BOB)
    ]
    # The next tick gives the DM its owner reminders, but never a weekly digest of its own.
    team.at(team.env.clock.now() + timedelta(minutes=1))
    kinds = {s.kind for s in team.rows(Schedule, channel_id=dm(team, BOB))}
    assert kinds == {"reminders"}


def test_bots_are_never_answered_and_redeliveries_once(team: Team) -> None:
    ws, driver = team.env.ws, team.env.driver
    type_in(team, BOB, "hello")
    offer = team.dms(BOB)[-1]
    count = len(team.dms(BOB))
    # Slack echoes teamloop's own post; another app posts in the DM as a bot.
    driver.echo(offer, channel=dm(team, BOB))
    other = ws.post(dm(team, BOB), user="U0OTHERBOT", text="I am a bot", bot=True)
    other["bot_id"] = "B0OTHER"
    driver.echo(other, channel=dm(team, BOB))
    driver.edit(other, "1. I\n2. am\n3. a bot", channel=dm(team, BOB))  # its message_changed
    team.env.drain()
    assert len(team.dms(BOB)) == count + 1  # only the other bot's own post
    # A message in a channel is not teamloop's business (and not subscribed).
    msg = ws.post(PRODUCT, user=BOB, text="help")
    driver.event({**msg, "channel": PRODUCT, "channel_type": "channel", "event_ts": msg["ts"]})
    team.env.drain()
    assert ws.channel_messages(PRODUCT) == [msg]
    # Slack re-delivers an event: answered once.
    again = ws.post(dm(team, BOB), user=BOB, text="help")
    event = {**again, "channel": dm(team, BOB), "channel_type": "im", "event_ts": again["ts"]}
    for retry in (None, 1):
        driver.event(event, event_id="Ev0HELP", retry_num=retry)
    team.env.drain()
    assert sum("What teamloop can do" in m["text"] for m in team.dms(BOB)) == 1


def test_the_manifest_subscribes_dms_only(team: Team) -> None:
    listened = registered(team.env.app).events
    assert "message.im" in listened and not {"message", "message.channels"} & listened
    manifest = load_manifest()
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "im:history" in manifest["oauth_config"]["scopes"]["bot"]
    assert not {"message.channels", "message.groups"} & set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


def test_splitting_typed_answers() -> None:
    from bot.parsing.dm import Word, clean, split_answers, word_of

    assert split_answers("1. a\n2. b\n3. c", 3) == ["a", "b", "c"]
    assert split_answers("1. a\nmore of a\n2) b\n3、c", 3) == ["a\nmore of a", "b", "c"]
    assert split_answers("(1) 甲 (2) 乙 (3) 丙", 3) is None  # numbers must start lines
    assert split_answers("a\n\nb\nstill b\n\nc", 3) == ["a", "b\nstill b", "c"]
    assert split_answers("a\nb\nc", 3) == ["a", "b", "c"]
    assert split_answers("a\nb", 3) is None and split_answers("one answer", 3) is None
    # Not numbered from 1: taken line by line, as typed.
    assert split_answers("2. b\n3. c\n4. d", 3) == ["2. b", "3. c", "4. d"]
    assert split_answers("a\nb\nc", 1) is None
    assert clean("Tom &amp; Jerry &lt;3\u00a0\u200b ") == "Tom & Jerry <3"
    assert [word_of(w) for w in ("Help", "？", "帮助", "skip.", "汇报", "helpful")] == [
        Word.HELP, Word.HELP, Word.HELP, Word.SKIP, Word.REPORT, None,
    ]  # fmt: skip


def test_the_anonymous_offer_is_neither_logged_nor_counted() -> None:
    from bot.runtime.metrics import is_anonymous

    def click(action_id: str) -> dict[str, object]:
        return {"type": "block_actions", "actions": [{"action_id": action_id}]}

    assert is_anonymous(click("dm_capture_anonymous"))
    assert not is_anonymous(click("dm_capture_feedback"))
