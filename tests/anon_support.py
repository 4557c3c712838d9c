"""Shared by the anonymous-feedback attack tests: a big enough channel with a digest, and
ways to send, release and inspect, as a member or an admin would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, select

from bot.services import schedules
from storage.db import transaction
from tests.conftest import BOB, CAROL, DAVE, PM, Team, texts

ERIN, FRANK = "U0ERIN", "U0FRANK"
TEAM = "C0TEAM"
HUMANS = [PM, BOB, CAROL, DAVE, ERIN, FRANK]
SENT_AT = datetime(2026, 11, 24, 10, 6, 32, tzinfo=UTC)  # a Tuesday
FIRST_DIGEST = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin
CODE = re.compile(r"AN-[2-9A-HJ-NP-Z]{6}-[2-9A-HJ-NP-Z]{10}")


def setup(team: Team) -> Team:
    """#team: six people and the bot, with a Monday digest set up by alice."""
    ws = team.env.ws
    ws.add_user(ERIN, "erin", tz="Europe/Berlin")
    ws.add_user(FRANK, "frank", tz="Europe/Berlin")
    ws.add_channel(TEAM, "team", members=[*HUMANS, ws.bot_user_id])
    with transaction(team.env.sessions) as session:
        schedules.upsert(
            session=session,
            team_id=ws.team_id,
            channel_id=TEAM,
            kind="digest",
            weekdays="MO",
            local_time="09:00",
            zones=["Europe/Berlin"],
            now=team.env.clock.now(),
            actor_id=PM,
        )
    team.env.clock.set(SENT_AT)
    return team


def anon(team: Team, text: str, *, user: str = ERIN, channel: str = TEAM) -> str:
    """Send `/feedback anonymous text`; returns the private code from the receipt."""
    before = len(team.env.ws.ephemerals_for(user))
    reply = team.env.driver.command("/feedback", f"anonymous {text}", user=user, channel=channel)
    team.env.drain()
    assert reply.status == 200 and reply.json() == {}, reply.body  # nothing in the ack
    [receipt] = team.env.ws.ephemerals_for(user)[before:]
    found = CODE.search(receipt["text"])
    assert found, receipt["text"]
    return found.group(0)


def command(team: Team, name: str, text: str, *, user: str, channel: str = TEAM) -> str:
    """Run a command; everything the person was shown (ack and later answers), as text."""
    before = len(team.env.ws.ephemerals_for(user))
    posts = len(team.env.ws.channel_messages(channel))
    team.env.driver.command(name, text, user=user, channel=channel)
    team.env.drain()
    shown = [m.get("text", "") + "\n" + texts(m.get("blocks"))
             for m in team.env.ws.ephemerals_for(user)[before:]]  # fmt: skip
    shown += [m.get("text", "") + "\n" + texts(m.get("blocks"))
              for m in team.env.ws.channel_messages(channel)[posts:]]  # fmt: skip
    return "\n".join(shown)


def released(team: Team, channel: str = TEAM) -> list[str]:
    """The anonymous items' lines, in the order the channel shows them."""
    lines = []
    for msg in team.env.ws.channel_messages(channel):
        if msg["text"].startswith("Anonymous feedback"):
            lines += [b["text"]["text"] for b in msg["blocks"] if b.get("accessory")]
    return lines


def every_cell(team: Team) -> list[str]:
    """Every value in every table, as text (what an admin with the database sees)."""
    meta = MetaData()
    with team.env.sessions() as s:
        meta.reflect(bind=s.get_bind())
        cells = []
        for table in meta.sorted_tables:
            for row in s.execute(select(table)):
                cells += [str(v) for v in row]
    return cells


def rows(team: Team, table: str) -> list[dict[str, Any]]:
    """A table's rows as dicts."""
    meta = MetaData()
    with team.env.sessions() as s:
        meta.reflect(bind=s.get_bind(), only=[table])
        return [dict(r._mapping) for r in s.execute(select(meta.tables[table]))]
