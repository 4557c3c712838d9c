"""The weekly digest and the daily reminders, over simulated weeks, through the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from sandbox.workspace import Fault, Json
from storage.items import Blocker, Risk
from storage.models import Requirement
from storage.reminders import ReminderLog
from storage.scheduling import OutboxMessage, Schedule
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, SECRET_CHANNEL, Team, texts

BOB_TAG, CAROL_TAG = "<@U0BOB|bob>", "<@U0CAROL|carol>"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def answer(team: Team, text: str) -> str:
    """`/digest text`'s answer: the ack's, or the one sent after it (schedules check first
    that teamloop can post in the channel)."""
    reply = say(team, "/digest", text)
    return str(reply.json().get("text") or team.env.last_ephemeral()["text"])


def say(team: Team, command: str, text: str, *, user: str = PM, channel: str = PRODUCT) -> Any:
    reply = team.env.driver.command(command, text, user=user, channel=channel)
    team.env.drain()
    assert reply.status == 200
    return reply


def digests(team: Team, channel: str = PRODUCT) -> list[Json]:
    return [m for m in team.env.ws.channel_messages(channel) if "digest" in m["text"].lower()]


def shown(msg: Json) -> str:
    return msg["text"] + "\n" + texts(msg.get("blocks"))


def with_thread(team: Team, msg: Json, channel: str = PRODUCT) -> str:
    """The message and every reply in its thread."""
    return "\n".join(shown(m) for m in [msg, *team.env.ws.thread(channel, msg["ts"])])


def a_week_of_work(team: Team) -> None:
    """Monday 16 to Friday 20 November 2026 in #product (and a secret channel)."""
    clock = team.env.clock
    clock.set(utc(2026, 11, 9, 10, 0))
    say(team, "/req", "new Old audit log P2")  # REQ-1, before the period
    clock.set(utc(2026, 11, 16, 10, 0))
    say(team, "/req", f"new SSO with Okta P1 {BOB_TAG} due 2026-11-18")  # REQ-2, overdue later
    say(team, "/req", "new Dark mode P3")  # REQ-3
    say(team, "/req", "new Billing export P0 due 2026-11-25")  # REQ-4, unowned P0
    say(team, "/req", "new Secret merger plan", channel=SECRET_CHANNEL)  # REQ-5
    clock.set(utc(2026, 11, 17, 10, 0))
    say(team, "/req", "status REQ-1 in_progress")
    say(team, "/req", "close REQ-3 rejected not now")
    say(team, "/req", "vote REQ-4", user=BOB)
    say(team, "/req", "status REQ-4 planned")
    say(team, "/blocker", f"Waiting on IdP metadata REQ-2 {BOB_TAG}", user=CAROL)  # BLK-1
    say(team, "/blocker", "Staging is down", user=DAVE)  # BLK-2, resolved below
    say(team, "/feedback", "Invoices should export to CSV REQ-4", user=CAROL)  # FB-1
    say(team, "/feedback", "Love the new search!", user=BOB)
    say(team, "/risk", f"new Vendor API may slip likelihood 4 impact 4 {CAROL_TAG}")  # RSK-1
    clock.set(utc(2026, 11, 19, 10, 0))
    say(team, "/blocker", "resolve BLK-2", user=DAVE)
    say(team, "/req", "close REQ-1 done")
    say(team, "/blocker", "Budget frozen", channel=SECRET_CHANNEL)


def test_weekly_digest_matches_the_store(team: Team) -> None:
    a_week_of_work(team)
    # The default Monday digest (no setup): 09:00 Berlin on 23 November.
    team.at(utc(2026, 11, 23, 8, 0))
    [digest] = digests(team)
    text = with_thread(team, digest)
    for expected in (
        "✅ Done (1)", "REQ-1", "Old audit log",
        "🆕 New (3)", "REQ-2", "SSO with Okta", "Billing export",
        "Rejected (1)", "Dark mode",
        "👀 Needs attention (", "SSO with Okta · P1 · ", "overdue",
        "📅 Due in the next 7 days (1)",
        "➡️ Moved forward (1)", "Billing export: 🆕 New → ",
        "Open requirements:* 🆕 New 1 · ", "Planned 1", "P0 1 · P1 1",
        "Blockers: 2 opened, 1 resolved, 1 still open", "BLK-1* Waiting on IdP metadata",
        "Feedback (2)", "1 idea", "1 praise",
        "Most asked for", "REQ-4",
        "Open risks (1)", "RSK-1* score *16*",
    ):  # fmt: skip
        assert expected in text, expected
    # Overdue work is named once, in "Needs attention", not again in the thread.
    assert "⏰ Overdue" not in text and text.count("⚠️ overdue") == 1, text
    # Private-channel items never reach another channel (anonymous: tests/test_anon_*.py).
    assert "Secret merger" not in text and "Budget frozen" not in text
    assert DAVE not in text and "dave" not in text
    # The chart: uploaded with the current flow into the digest's thread.
    [chart] = [m for m in team.env.ws.thread(PRODUCT, digest["ts"]) if m.get("files")]
    assert chart["files"][0]["name"] == "teamloop-weekly.png"
    assert team.env.ws.files[chart["files"][0]["id"]]["content"][:4] == b"\x89PNG"
    assert team.env.ws.calls_of("files.getUploadURLExternal") and team.env.ws.calls_of(
        "files.completeUploadExternal"
    )
    # The secret channel gets its own digest, with its own items only.
    [secret] = digests(team, SECRET_CHANNEL)
    secret_text = with_thread(team, secret, SECRET_CHANNEL)
    assert "Secret merger plan" in secret_text and "Budget frozen" in secret_text
    assert "SSO" not in secret_text
    # The next week has nothing in it: one line.
    team.at(utc(2026, 11, 30, 8, 0))
    quiet = digests(team)[-1]
    assert "a quiet week" in quiet["text"] and len(quiet["blocks"]) == 1
    assert "Still open: 2 requirements and 1 blocker" in quiet["text"]
    # `/digest now` the same day covers since that digest: one day, not "30 Nov – 30 Nov".
    team.env.clock.set(utc(2026, 11, 30, 10, 0))
    say(team, "/req", "new Right after the digest P2")
    say(team, "/digest", "now")
    team.deliver()
    now_digest = digests(team)[-1]
    assert "Weekly digest · 30 Nov" in shown(now_digest), shown(now_digest)
    assert "30 Nov – 30 Nov" not in shown(now_digest)


def test_needs_attention_names_each_item_once_and_the_thread_only_the_rest(team: Team) -> None:
    # A newcomer's digest listed an overdue P0 without owner twice (the count was one too many)
    # and its thread began with the whole list again, the five the channel showed included.
    clock = team.env.clock
    clock.set(utc(2026, 11, 9, 10, 0))
    say(team, "/req", "new Old audit log P3")
    clock.set(utc(2026, 11, 16, 10, 0))
    say(team, "/req", "new Fix login P0 due 2026-11-18")  # overdue and unowned by the 23rd
    for n in range(1, 7):
        say(team, "/req", f"new Unowned item {n} P1")
    team.at(utc(2026, 11, 23, 8, 0))
    [digest] = digests(team)
    channel = shown(digest)
    assert "👀 Needs attention (7)" in channel
    assert channel.count("Fix login") == 1, channel
    assert "overdue" in channel and "needs an owner" in channel
    assert "…and 2 more in the thread" in channel
    in_channel = {n for n in range(1, 7) if f"Unowned item {n}" in channel}
    assert len(in_channel) == 4, channel
    thread = "\n".join(shown(m) for m in team.env.ws.thread(PRODUCT, digest["ts"]))
    assert "👀 Needs attention, the other 2" in thread, thread
    listing = thread.split("the other 2", 1)[1].split("\n*", 1)[0]  # up to the next heading
    in_thread = {n for n in range(1, 7) if f"Unowned item {n}" in listing}
    assert in_thread == set(range(1, 7)) - in_channel, listing
    assert "Fix login" not in listing
    # Nobody but their requesters voted: nothing is "most asked for".
    assert "Most asked for" not in channel + thread


def test_digest_now_and_its_limits_with_500_items(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 20, 10, 0))
    say(team, "/req", "new Seed")
    with team.env.sessions.begin() as s:
        now = team.env.clock.now()
        for n in range(2, 502):
            s.add(
                Requirement(team_id=team.env.ws.team_id, number=n, title=f"Item {n} " + "x" * 250,
                            requester_id=PM, channel_id=PRODUCT, labels=["bulk"],
                            priority="P1", status="done" if n % 3 == 0 else "new",
                            due_date=date(2026, 11, 10) if n % 5 == 0 else None,
                            created_at=now, updated_at=now,
                            closed_at=now if n % 3 == 0 else None)
            )  # fmt: skip
            s.add(
                Blocker(team_id=team.env.ws.team_id, number=n, text=f"Blocked {n}",
                        status="open", reporter_id=BOB, channel_id=PRODUCT,
                        opened_at=now - timedelta(days=n % 9))
            )  # fmt: skip
    say(team, "/digest", "now")
    assert "in a moment" in team.env.last_ephemeral()["text"]
    team.deliver()
    [main] = digests(team)
    parts = [main, *team.env.ws.thread(PRODUCT, main["ts"])]
    assert len(parts) >= 2  # long: a short thread
    for msg in parts:
        assert len(msg.get("blocks") or []) <= 50
        for block in msg.get("blocks") or []:
            assert len((block.get("text") or {}).get("text", "")) <= 3000
    assert len(main["blocks"]) <= 20
    assert "…and" in shown(main)  # long lists say how many more
    assert [c for c in team.env.ws.calls if c.error and c.method.startswith("chat")] == []


def test_chart_upload_failure_still_posts_with_text_bars(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 20, 10, 0))
    say(team, "/req", "new Something")
    team.env.ws.inject(Fault("error", "files.getUploadURLExternal", error="not_allowed_token_type"))
    say(team, "/digest", "now")
    team.deliver()
    team.deliver()
    [main] = digests(team)
    assert "Last 8 weeks" in shown(main) and "new █" in shown(main)  # text bars instead
    assert not [m for m in team.env.ws.thread(PRODUCT, main["ts"]) if m.get("files")]
    [chart] = [r for r in team.rows(OutboxMessage) if r.dedupe_key.endswith(":chart")]
    assert chart.status == "dead" and chart.last_error == "not_allowed_token_type"


def test_digest_command_settings_and_bad_input(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 20, 10, 0))
    assert "Friday at 16:00 (Asia/Tokyo)" in answer(team, "schedule friday 16:00 Asia/Tokyo")
    assert "at 08:15 (Europe/Berlin)" in answer(team, "reminders 08:15")
    status = say(team, "/digest", "status").json()["text"]
    assert (
        "Weekly digest:* Fri at 16:00 (Asia/Tokyo)" in status
        and "Daily reminders:* daily at 08:15" in status
    )
    for bad, hint in (
        ("schedule", "When?"),
        ("schedule mon,tue 09:00", "give one day"),
        ("schedule funday 09:00", "I don't know the day"),
        ("schedule monday 9am", "is not a time"),
        ("reminders 09:00 Nowhere/City", "is not a time zone"),
        ("shout", "I don't know `/digest shout`"),
    ):
        assert hint in say(team, "/digest", bad).json()["text"], bad
    assert "No weekly digest" in say(team, "/digest", "off").json()["text"]
    assert "No more daily reminders" in say(team, "/digest", "reminders off").json()["text"]
    # Off stays off: the defaults do not come back when items are added.
    say(team, "/req", "new Keep quiet")
    say(team, "/digest", "reminders off", channel="C0ENG")
    say(team, "/req", "new Eng item", channel="C0ENG")
    team.at(utc(2026, 11, 23, 9, 0))
    rows = {(s.channel_id, s.kind): s.active for s in team.rows(Schedule)}
    assert rows == {(PRODUCT, "digest"): False, (PRODUCT, "reminders"): False,
                    ("C0ENG", "reminders"): False, ("C0ENG", "digest"): True}  # fmt: skip
    assert team.env.ws.channel_messages(PRODUCT)[-1]["text"].startswith("REQ-")  # nothing posted


# -- reminders ---------------------------------------------------------------------------------
def dm_texts(team: Team, user: str) -> list[str]:
    return [shown(m) for m in team.dms(user)]


def test_reminders_dm_owners_once_then_escalate_and_post_in_the_channel(team: Team) -> None:
    clock = team.env.clock
    clock.set(utc(2026, 11, 16, 10, 0))
    say(team, "/blocker", f"No access to prod logs {BOB_TAG}", user=CAROL)  # BLK-1: 6 days later
    say(team, "/req", "new Hotfix rollout P1")  # REQ-1: P1 without owner
    say(team, "/req", f"new Legal sign-off {CAROL_TAG} due 2026-11-19")  # REQ-2: overdue later
    clock.set(utc(2026, 11, 20, 10, 0))
    say(team, "/blocker", "Design review pending", user=DAVE)  # BLK-2: 2 days later
    say(team, "/req", f"new Ship pricing page {BOB_TAG} due 2026-11-24")  # REQ-3: due tomorrow
    say(team, "/risk", f"new Key engineer leaves likelihood 4 impact 4 {CAROL_TAG}")  # RSK-1
    # Monday 23 November, 09:00 Berlin: the default daily reminders.
    team.at(utc(2026, 11, 23, 8, 0))
    [bob] = dm_texts(team, BOB)  # one DM with everything of Bob's
    assert "BLK-1* has been open 6 days" in bob and "Due tomorrow" in bob and "REQ-3" in bob
    [carol] = dm_texts(team, CAROL)
    assert "RSK-1* (score 16)" in carol and "Legal sign-off" not in carol  # overdue: channel
    [dave] = dm_texts(team, DAVE)
    assert "BLK-2* has been open 2 days" in dave
    assert team.dms(PM) == []
    [post] = [m for m in team.env.ws.channel_messages(PRODUCT) if "Daily reminders" in m["text"]]
    text = shown(post)
    assert "Overdue" in text and "REQ-2" in text and "no owner" in text and "REQ-1" in text
    assert "REQ-3" not in text  # due soon is the owner's business, not the channel's
    [aging] = team.env.ws.thread(PRODUCT, post["ts"])
    assert "BLK-1" in shown(aging) and "BLK-2" not in shown(aging)
    # Buttons on each item.
    assert "Snooze 1 day" in texts(team.dms(BOB)[0]["blocks"]) and "Reassign" in bob

    # Reminders moved to the afternoon the same day: nothing is reminded twice that day.
    say(team, "/digest", "reminders 15:00")
    team.at(utc(2026, 11, 23, 14, 0))
    assert len(team.dms(BOB)) == 1 and len(team.dms(CAROL)) == 1
    assert (
        len([m for m in team.env.ws.channel_messages(PRODUCT) if "Daily reminders" in m["text"]])
        == 1
    )

    # That afternoon Bob snoozes the blocker and finishes the page; Carol gives her risk to Dave.
    clock.set(utc(2026, 11, 23, 16, 0))
    dm_channel = team.env.ws.dm_channel(BOB)
    team.env.driver.click(team.dms(BOB)[0], "rem_snooze", user=BOB, channel=dm_channel)
    team.env.drain()
    assert "Snoozed BLK-1" in team.env.ws.ephemerals_for(BOB)[-1]["text"]
    done = team.dms(BOB)[0]
    team.env.driver.click(done, "rem_done", user=BOB, channel=dm_channel, value="REQ-3|" + PRODUCT)
    team.env.drain()
    assert "REQ-3 is done" in team.env.ws.ephemerals_for(BOB)[-1]["text"]
    views_before = set(team.env.ws.views)
    team.env.driver.click(team.dms(CAROL)[0], "rem_reassign", user=CAROL,
                          channel=team.env.ws.dm_channel(CAROL))  # fmt: skip
    [view_id] = set(team.env.ws.views) - views_before
    values = {"rem_owner": {"rem_owner_input": {"type": "users_select", "selected_user": DAVE}}}
    assert team.env.driver.submit(view_id, values, user=CAROL).status == 200
    team.env.drain()
    assert team.rows(Risk)[0].owner_id == DAVE

    # Tuesday: the blocker is snoozed (a day), the page is done; Dave now has the risk, which
    # is news to him; his own blocker was said yesterday and is not repeated.
    team.at(utc(2026, 11, 24, 14, 0))
    assert len(team.dms(BOB)) == 1
    assert "RSK-1" in dm_texts(team, DAVE)[-1] and "BLK-2" not in dm_texts(team, DAVE)[-1]
    # Dave was told once, in his working hours, that the risk is his now (issue 17).
    assert len([m for m in team.dms(DAVE) if m["text"] == "RSK-1 is yours now"]) == 1
    # Wednesday: the snooze is over, but nothing changed: the next step is 3 days after Monday.
    team.at(utc(2026, 11, 25, 14, 0))
    assert len(team.dms(BOB)) == 1 and len(team.dms(DAVE)) == 3
    # Thursday: the second step, for Bob's blocker and Dave's. The channel hears only what
    # newly crossed a line: BLK-2 is now 5 days old; REQ-1, REQ-2 and BLK-1 were said Monday.
    team.at(utc(2026, 11, 26, 14, 0))
    assert "BLK-1" in dm_texts(team, BOB)[-1] and "BLK-2" in dm_texts(team, DAVE)[-1]
    logged = team.rows(ReminderLog, rule="blocker_dm", item="BLK-1")
    assert [r.day for r in logged] == [date(2026, 11, 23), date(2026, 11, 26)]
    posts = [m for m in team.env.ws.channel_messages(PRODUCT) if "Daily reminders" in m["text"]]
    assert len(posts) == 2 and "REQ-" not in shown(posts[1])
    [thursday] = team.env.ws.thread(PRODUCT, posts[1]["ts"])
    assert "BLK-2" in shown(thursday) and "BLK-1" not in shown(thursday)
    # Channel posts name people as plain text: nobody is @-tagged.
    assert not [m for m in [*posts, aging, thursday] if "<@" in shown(m)]


def test_quiet_when_nothing_needs_a_nudge(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 20, 10, 0))
    say(team, "/req", "new Fresh idea")
    team.at(utc(2026, 11, 21, 8, 0))  # Saturday's reminders run: nothing is due
    assert [
        m for m in team.env.ws.channel_messages(PRODUCT) if "reminder" in m["text"].lower()
    ] == []
    assert all(team.dms(u) == [] for u in (PM, BOB, CAROL, DAVE))


def three_standups_answered_by(team: Team, *users: str) -> None:
    """Alice's weekday standup, Monday 23 to Wednesday 25 November, answered by `users`;
    then Thursday's reminders run (before the standup)."""
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    say(team, "/req", "new Something to keep reminders on")
    for day in (23, 24, 25):
        team.at(utc(2026, 11, day, 8, 30))
        team.at(utc(2026, 11, day, 14, 0))  # Carol's prompt waits for 09:00 in New York
        for user in users:
            team.answer(user, ["Did things", "More things", "none"], message=team.prompts(user)[-1])
    team.at(utc(2026, 11, 26, 8, 0))


def test_the_standup_owner_is_not_told_to_check_in_on_herself(team: Team) -> None:
    # A newcomer's lead read "@alice has not answered the last 3 standups. Maybe check in?"
    three_standups_answered_by(team, BOB, CAROL)  # the owner (PM) misses them too
    told = "\n".join(dm_texts(team, PM))
    assert "<@U0DAVE> has not answered the last 3 standups" in told
    assert "<@U0ALICE> has not answered" not in told, told
    assert "You have not answered the last 3 standups" in told  # her own pause offer


def test_standup_owner_hears_about_three_missed_standups(team: Team) -> None:
    three_standups_answered_by(team, PM, BOB, CAROL)
    nudges = [t for t in dm_texts(team, PM) if "Reminders from" in t]
    assert len(nudges) == 1 and "<@U0DAVE> has not answered the last 3 standups" in nudges[0]
    assert not [t for t in dm_texts(team, DAVE) if "Reminders from" in t]  # never public, never him
    with team.env.sessions() as s:
        assert s.scalars(
            select(ReminderLog.sent_to).where(ReminderLog.rule == "standup_missed")
        ).all() == [PM]
