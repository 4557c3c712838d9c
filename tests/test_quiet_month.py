"""Quiet by default: an 8-person team in Berlin, New York and Shanghai over four weeks at the
default settings, with a holiday week, through signed requests, the stand-in and the injected
clock. Every message teamloop sends is checked against who it reached, when (in the
recipient's zone) and why."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from bot.scheduling.recurrence import next_instant
from storage.reminders import ReminderLog
from storage.scheduling import OutboxMessage, Schedule
from storage.statuses import OutboxStatus
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts

FRANK, GRACE, HEIDI, IVAN = "U0FRANK", "U0GRACE", "U0HEIDI", "U0IVAN"
ZONES = {
    PM: "Europe/Berlin", BOB: "Europe/Berlin", FRANK: "Europe/Berlin",
    CAROL: "America/New_York", GRACE: "America/New_York", HEIDI: "America/New_York",
    DAVE: "Asia/Shanghai", IVAN: "Asia/Shanghai",
}  # fmt: skip
TEAM = list(ZONES)
NON_RESPONDER = IVAN
START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday: the team sets up
WEEKS = [date(2026, 12, 7) + timedelta(weeks=n) for n in range(4)]  # Mondays
END = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
HOLIDAY_WEEK = WEEKS[2]  # 21-27 December: everyone away, and Christmas (DE)
DE = holidays.country_holidays("DE", years=[2026, 2027])


@dataclass
class Sent:
    """One message teamloop posted, and the clock's time when it left."""

    at: datetime
    channel: str
    text: str
    thread: bool
    scheduled: bool  # from the outbox (scheduled or queued), not an answer to a command


@dataclass
class Month:
    team: Team
    sent: list[Sent] = field(default_factory=list)
    seen: int = 0
    # user: [(first day, last day)] they are away by their own choice
    away: dict[str, list[tuple[date, date]]] = field(default_factory=dict)

    def say(self, command: str, text: str, *, user: str = PM) -> None:
        reply = self.team.env.driver.command(command, text, user=user, channel=PRODUCT)
        self.team.env.drain()
        assert reply.status == 200, reply.body
        self.record()

    def record(self) -> None:
        """Attribute every post since the last look to the clock's current time."""
        ws = self.team.env.ws
        posts = [c for c in ws.calls_of("chat.postMessage") if c.error is None]
        now = self.team.env.clock.now()
        for call in posts[self.seen :]:
            meta = call.args.get("metadata")
            if isinstance(meta, str):
                meta = json.loads(meta)
            self.sent.append(
                Sent(
                    at=now,
                    channel=str(call.args.get("channel")),
                    text=str(call.args.get("text") or "")
                    + "\n"
                    + texts(_blocks(call.args.get("blocks"))),
                    thread=bool(call.args.get("thread_ts")),
                    scheduled=bool(meta),
                )
            )
        self.seen = len(posts)

    def at(self, when: datetime) -> None:
        self.team.at(when)
        self.record()

    def dms(self, user: str) -> list[Sent]:
        channel = self.team.env.ws.dm_channel(user)
        return [s for s in self.sent if s.channel == channel]


def _blocks(raw: Any) -> list[Any] | None:
    if isinstance(raw, str):
        loaded: list[Any] = json.loads(raw)
        return loaded
    return raw if isinstance(raw, list) else None


def next_event(team: Team, now: datetime) -> datetime | None:
    """The next scheduled occurrence, or a queued message waiting for its time."""
    found: list[datetime] = []
    with team.env.sessions() as session:
        for sched in session.scalars(select(Schedule).where(Schedule.active)):
            found += [
                next_instant(
                    weekdays=sched.weekdays, local_time=sched.local_time, zone=z, after=now
                )
                for z in sched.zones
            ]
        waiting = session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now
            )
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
    if waiting is not None:
        found.append(waiting)
    return min(found) if found else None


def utc(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


def setup(m: Month) -> None:
    ws, driver = m.team.env.ws, m.team.env.driver
    m.team.env.clock.set(START)
    for user, name in ((FRANK, "frank"), (GRACE, "grace"), (HEIDI, "heidi"), (IVAN, "ivan")):
        ws.add_user(user, name, tz=ZONES[user])
        driver.join(user, PRODUCT)
    driver.set_status(DAVE, tz=ZONES[DAVE])
    m.team.env.drain()
    m.team.cmd("schedule weekdays 09:30 Europe/Berlin")
    m.say("/digest", "holidays DE")
    m.say("/req", "new Audit log export P2")  # the channel's first item, on a Friday


def work(m: Month, day: date) -> None:
    """What the team does on a working day, at 10:00 UTC (inside everyone's day but New York's
    early morning, where commands are fine: people type them, teamloop does not DM)."""
    week = WEEKS.index(day - timedelta(days=day.weekday()))
    n = (day - WEEKS[0]).days
    if week == 2:
        return  # the holiday week: nothing happens
    if day.weekday() == 0:
        m.say("/req", f"new Sprint goal {n} P1 <@{BOB}|bob> due {day + timedelta(days=2)}")
        m.say("/blocker", f"Waiting on vendor {n} <@{FRANK}|frank>", user=CAROL)
        m.say("/risk", f"new Vendor slip {n} likelihood 4 impact 4 <@{CAROL}|carol>")
    if day.weekday() == 1:
        m.say("/req", f"new Unowned fire {n} P0")
        m.say("/feedback", f"Search is slow on page {n}", user=GRACE)
    if day.weekday() == 3:
        m.say("/req", f"new Nice to have {n} P3 <@{DAVE}|dave> due {day + timedelta(days=1)}")
        m.say("/req", "list")


def answer_prompts(m: Month, answered: set[str]) -> None:
    """Everyone but the non-responder answers a prompt as soon as it arrives."""
    for user in TEAM:
        if user == NON_RESPONDER:
            continue
        for msg in m.team.prompts(user):
            if msg["ts"] in answered:
                continue
            answered.add(msg["ts"])
            m.team.answer(user, ["Shipped things", "More things", "none"], message=msg)
    m.team.deliver()
    m.record()


def away(m: Month) -> None:
    """Heidi takes two days off in week 2 (command); Grace is on vacation by Slack status in
    week 4; everyone but the non-responder says they are away in the holiday week."""
    clock = m.team.env.clock
    if clock.now().date() == WEEKS[1] - timedelta(days=3):
        m.say("/standup", "away until 2026-12-15", user=HEIDI)
        m.away.setdefault(HEIDI, []).append((WEEKS[1], date(2026, 12, 15)))
    if clock.now().date() == HOLIDAY_WEEK - timedelta(days=3):
        for user in TEAM:
            if user == NON_RESPONDER:
                continue  # he types nothing; his standups were paused for him by then
            m.say("/standup", "away until 2026-12-27", user=user)
            m.away.setdefault(user, []).append((HOLIDAY_WEEK, date(2026, 12, 27)))
    if clock.now().date() == WEEKS[3] - timedelta(days=1):
        m.team.env.driver.set_status(GRACE, text="Vacationing", emoji=":palm_tree:")
        m.team.env.drain()
        m.away.setdefault(GRACE, []).append((WEEKS[3], END.date()))


def test_a_quiet_month_for_an_eight_person_team_in_three_zones(team: Team) -> None:
    m = Month(team)
    setup(m)
    answered: set[str] = set()
    now = START
    while now < END:
        nxt = min(next_event(team, now) or END, END)
        action = utc(now.date(), 10)
        if action <= now:
            action = utc(now.date() + timedelta(days=1), 10)
        if action <= nxt and action < END:
            m.at(action)  # the team's own doings, at 10:00 UTC each day
            now = action
            if now.weekday() < 5 and now.date() >= WEEKS[0]:
                work(m, now.date())
            away(m)
        elif nxt < END:
            m.at(nxt)
            now = nxt
        else:
            break
        answer_prompts(m, answered)

    report = check(m)
    print("\n" + report)


def check(m: Month) -> str:
    team = m.team
    bot_posts = [s for s in m.sent if s.scheduled]
    channel_top = [s for s in bot_posts if s.channel == PRODUCT and not s.thread]
    with team.env.sessions() as session:
        logs = list(session.scalars(select(ReminderLog)))
    standup_days = sum(1 for s in channel_top if "Standup ·" in s.text)
    digests = sum(1 for s in channel_top if "digest" in s.text.lower())
    escalated = sum(1 for r in logs if r.sent_to == PRODUCT)
    # Top-level channel posts: standup days + digests + newly escalated items, at most.
    assert len(channel_top) <= standup_days + digests + escalated
    # Reminder posts in the channel only on days something crossed a line.
    reminder_days = {s.at.date() for s in channel_top if "Daily reminders" in s.text}
    assert reminder_days <= {r.day for r in logs if r.sent_to == PRODUCT}

    # Nobody is @-tagged in the channel by teamloop's own posts (threads included).
    assert not [s.text for s in bot_posts if s.channel == PRODUCT and "<@" in s.text]

    berlin = ZoneInfo("Europe/Berlin")
    for s in channel_top:
        local = s.at.astimezone(berlin).date()
        assert local.weekday() < 5 and local not in DE, (s.at, s.text[:80])

    per_person: dict[str, Counter[str]] = {}
    for user in TEAM:
        zone = ZoneInfo(ZONES[user])
        kinds: Counter[str] = Counter()
        for s in m.dms(user):
            local = s.at.astimezone(zone)
            # Never on a weekend, a holiday, or outside 08:00-19:00 in their own zone.
            assert local.weekday() < 5, (user, s.at, s.text[:60])
            assert local.date() not in DE, (user, s.at, s.text[:60])
            assert 8 <= local.hour < 19, (user, local, s.text[:60])
            # Never while away (by their own choice: command or Slack status).
            for first, last in m.away.get(user, []):
                assert not first <= local.date() <= last, (user, local, s.text[:60])
            kind = (
                "prompt" if s.text.startswith("Standup for")
                else "standup reminder" if "Still time" in s.text
                else "pause?" if "Pause your standups" in s.text
                else "participation" if s.text.startswith("Standup participation")
                else "reminder"
            )  # fmt: skip
            kinds[kind] += 1
        per_person[user] = kinds
        days_reminded = {r.day for r in logs if r.sent_to == user}
        assert kinds["reminder"] <= len(days_reminded)
        assert kinds["pause?"] <= 1
        assert kinds["participation"] <= (digests if user == PM else 0)

    # Each item's reminders to one person follow the cadence: 3 days, then a week, apart.
    by_item: dict[tuple[str, str, str], list[date]] = {}
    for r in logs:
        by_item.setdefault((r.rule, r.item, r.sent_to), []).append(r.day)
    for (rule, item, to), days in by_item.items():
        days.sort()
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        assert all(g >= 3 for g in gaps), (rule, item, to, days)

    # The non-responder: one "pause?" DM, the lead told once, then no more prompts.
    assert per_person[NON_RESPONDER]["pause?"] == 1
    lead_told = [s for s in m.dms(PM) if f"<@{NON_RESPONDER}> has not answered" in s.text]
    assert len(lead_told) == 1
    ivan_prompts = [s.at for s in m.dms(NON_RESPONDER) if s.text.startswith("Standup for")]
    assert ivan_prompts and max(ivan_prompts) < utc(WEEKS[1], 23)

    # The first digest waited for a week of history; the holiday week's is one line.
    digest_posts = [s for s in channel_top if "digest" in s.text.lower()]
    assert min(s.at for s in digest_posts) >= utc(WEEKS[1], 0)
    [quiet] = [s for s in digest_posts if s.at.date() == WEEKS[3]]
    assert "a quiet week" in quiet.text and quiet.text.count("\n") <= 2

    rows = ["week of | channel posts (standup, digest, reminders) | DMs | @-tags in channel"]
    for monday in WEEKS:
        week = [s for s in bot_posts if monday <= s.at.date() < monday + timedelta(days=7)]
        top = [s for s in week if s.channel == PRODUCT and not s.thread]
        dms = [s for s in week if s.channel.startswith("D")]
        rows.append(
            f"{monday} | {len(top)} ({sum('Standup ·' in s.text for s in top)}, "
            f"{sum('digest' in s.text.lower() for s in top)}, "
            f"{sum('Daily reminders' in s.text for s in top)}) | {len(dms)} | 0"
        )
    rows.append("per person: " + ", ".join(f"{u}: {dict(k)}" for u, k in per_person.items()))
    return "\n".join(rows)
