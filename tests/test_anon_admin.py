"""Attacks on anonymous feedback by an admin: the database (rows, history, ids, the SQLite
file and its WAL), exports, request logs at INFO, /metrics, and the reply channel. Each test
is one attack; each would fail if the protection it checks were missing."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import build
from bot.runtime.export import export
from bot.runtime.web import Served, wsgi_app
from sandbox.driver import Driver
from tests.anon_support import (
    ERIN,
    FIRST_DIGEST,
    FRANK,
    SENT_AT,
    TEAM,
    anon,
    command,
    every_cell,
    released,
    rows,
    setup,
)
from tests.conftest import BOB, CAROL, DAVE, PM, SECRET, Team


@pytest.fixture
def t(team: Team) -> Team:
    return setup(team)


def _sqlite_file(t: Team) -> Path:
    url = t.env.settings.database_url
    if not url.startswith("sqlite:///"):
        pytest.skip("reads the SQLite file and its WAL; PostgreSQL keeps no such file here")
    return Path(url.removeprefix("sqlite:///"))


def test_no_row_or_history_names_the_sender_or_the_moment(t: Team) -> None:
    command(t, "/req", "new Export invoices", user=ERIN)  # erin is known to the store
    code = anon(t, "Standups run too long")
    anon(t, "Too many meetings", user=FRANK)
    cells = every_cell(t)
    assert not [c for c in cells if FRANK in c or "frank" in c.lower()]
    # The only trace of the moment is the day; the request's second (10:06:32) is nowhere
    # near the item (the requirement erin typed keeps its own, public time).
    item = next(r for r in rows(t, "anonymous_feedback") if r["text"] == "Standups run too long")
    assert str(item["day"]) == "2026-11-24" and not [
        c for c in map(str, item.values()) if re.search(r"\d{2}:\d{2}", c)
    ]
    history = rows(t, "history_events")
    assert not [h for h in history if "Standups" in str(h["new_value"]) or h["actor_id"] is None]
    # The private code is only a salted hash: neither it nor its secret part is stored.
    secret = code.rsplit("-", 1)[1]
    assert not [c for c in cells if secret in c or code in c]


def test_ids_and_storage_order_do_not_date_an_item(t: Team) -> None:
    command(t, "/feedback", "The export is slow", user=BOB)  # FB-1 just before
    anon(t, "Standups run too long")
    command(t, "/feedback", "Love the board", user=CAROL)  # FB-2 just after
    assert [r["number"] for r in rows(t, "feedback")] == [1, 2]  # no gap where it was sent
    [item] = rows(t, "anonymous_feedback")
    assert set(item) == {
        "public_id", "team_id", "channel_id", "text", "kind", "day", "released_on",
        "held_alone", "code_salt", "code_hash",
        # Set only by a lead after release (follow-through): dates nothing.
        "requirement_id",
    }  # fmt: skip
    with t.env.sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            # WITHOUT ROWID: no hidden insertion counter, rows kept in random-key order.
            with pytest.raises(Exception, match="rowid"):
                s.execute(text("SELECT rowid FROM anonymous_feedback")).all()


def test_sqlite_file_and_wal_hold_no_sender_and_no_write_order(t: Team) -> None:
    db = _sqlite_file(t)
    command(t, "/req", "new Export invoices", user=ERIN)  # erin's own, signed write
    anon(t, "Standups run too long zq7")
    wal = db.with_name(db.name + "-wal")
    log = wal.read_bytes() if wal.exists() else b""
    # The WAL was emptied after the anonymous write, so frame order can't place it right
    # after erin's requirement.
    assert b"Standups run too long zq7" not in log
    assert b"Standups run too long zq7" in db.read_bytes()
    # frank only ever sent anonymous feedback: no file of the database names him.
    anon(t, "Too many meetings", user=FRANK)
    files = [db, wal, db.with_name(db.name + "-shm")]
    assert b"Too many meetings" in b"".join(f.read_bytes() for f in files if f.exists())
    for f in files:
        if f.exists():
            assert FRANK.encode() not in f.read_bytes() and b"frank" not in f.read_bytes()


def test_exports_hold_nothing_before_release_and_no_author_or_time_after(t: Team) -> None:
    anon(t, "Standups run too long")
    anon(t, "Too many meetings", user=FRANK)
    for fmt in ("json", "csv"):
        out = io.StringIO()
        export(t.env.settings, kind="feedback", fmt=fmt, out=out)
        assert "Standups" not in out.getvalue() and "meetings" not in out.getvalue()
    t.at(FIRST_DIGEST)
    out = io.StringIO()
    export(t.env.settings, kind="feedback", fmt="json", out=out)
    items = json.loads(out.getvalue())["feedback"]
    assert {i["text"] for i in items} == {"Standups run too long", "Too many meetings"}
    for item in items:
        assert (item["author"], item["created_at"], item["history"]) == (None, None, [])
        assert re.fullmatch(r"AN-\w{6}", item["id"])
    out = io.StringIO()
    export(t.env.settings, kind="feedback", fmt="csv", out=out)
    assert "Too many meetings" in out.getvalue() and ERIN not in out.getvalue()


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url + "/metrics") as resp:
        body = resp.read().decode()
    return "\n".join(
        line for line in body.splitlines() if line.startswith("teamloop_requests_total")
    )


def test_request_logs_and_metrics_carry_no_words_and_no_anonymous_request(
    t: Team, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app, deps = build(
        t.env.settings, sessions=t.env.sessions, clock=t.env.clock, worker=t.env.worker
    )
    served = Served(wsgi_app(app, deps.sessions)).start()
    try:
        http = Driver(
            t.env.ws, signing_secret=SECRET, target=served.url + "/slack/events",
            standin_url=t.env.driver.standin_url,
        )  # fmt: skip
        http.command("/feedback", "love the sprint board", user=BOB, channel=TEAM)
        named = [r.getMessage() for r in caplog.records if r.name == "teamloop.request"]
        assert [json.loads(m)["kind"] for m in named] == ["command:/feedback"]
        assert "love" not in caplog.text and "sprint" not in caplog.text
        before, lines = _scrape(served.url), len(caplog.records)
        http.command("/feedback", "anonymous Standups run too long", user=ERIN, channel=TEAM)
        http.command("/feedback", "anonymus Planning is useless", user=FRANK, channel=TEAM)
        t.env.drain()
        question = t.env.last_ephemeral(FRANK)
        http.click(question, "anon_send", user=FRANK, channel=TEAM, ephemeral=True)
        t.env.drain()
        [receipt] = [e for e in t.env.ws.ephemerals_for(ERIN) if "AN-" in e["text"]]
        code = re.search(r"AN-\w{6}-\w{10}", receipt["text"]).group(0)  # type: ignore[union-attr]
        http.command("/feedback", f"replies {code} thanks", user=ERIN, channel=TEAM)
        t.env.drain()
        assert len(rows(t, "anonymous_feedback")) == 2
        assert _scrape(served.url) == before  # not counted, so no moment to read off
        request_lines = [r for r in caplog.records[lines:] if r.name == "teamloop.request"]
        assert request_lines == []
        assert "Standups" not in caplog.text and "Planning" not in caplog.text
        assert ERIN not in caplog.text and FRANK not in caplog.text and "erin" not in caplog.text
    finally:
        served.stop()


def test_reply_channel_links_nobody(t: Team) -> None:
    code = anon(t, "Standups run too long")
    anon(t, "Too many meetings", user=FRANK)
    shown = command(t, "/feedback", "replies AN-ZZZZZZ-ZZZZZZZZZZ", user=DAVE)
    assert "That code is not right" in shown
    t.at(FIRST_DIGEST)
    [batch] = [m for m in t.env.channel(TEAM) if m["text"].startswith("Anonymous feedback")]
    public_id = code.rsplit("-", 1)[0]
    target = {**batch, "blocks": [b for b in batch["blocks"] if public_id in str(b)]}
    # A member who is not a lead can't reply (or read the thread by id).
    t.env.driver.click(target, "anon_reply", user=DAVE, channel=TEAM)
    t.env.drain()
    assert "Only this channel's leads" in t.env.last_ephemeral(DAVE)["text"]
    assert "Only this channel's leads" in command(t, "/feedback", f"replies {public_id}", user=DAVE)
    # alice set up the digest: she is a lead.
    views_before = set(t.env.ws.views)
    t.env.driver.click(target, "anon_reply", user=PM, channel=TEAM)
    [view_id] = set(t.env.ws.views) - views_before
    answer = {"type": "plain_text_input", "value": "Let's try 10 minutes"}
    values = {"anon_reply_text": {"anon_reply_input": answer}}
    assert t.env.driver.submit(view_id, values, user=PM).status == 200
    shown = command(t, "/feedback", f"replies {code}", user=ERIN)
    assert "Let's try 10 minutes" in shown and "lead" in shown
    shown = command(t, "/feedback", f"replies {code} Thanks, 10 is fine", user=ERIN)
    assert "Thanks, 10 is fine" in shown
    # The lead sees the sender's answer only from the next day: its moment tells nothing.
    assert "Thanks, 10 is fine" not in command(t, "/feedback", f"replies {public_id}", user=PM)
    t.env.clock.set(t.env.clock.now() + timedelta(days=1))
    assert "Thanks, 10 is fine" in command(t, "/feedback", f"replies {public_id}", user=CAROL)
    cells = every_cell(t)
    assert not [c for c in cells if ERIN in c or code.rsplit("-", 1)[1] in c]
    assert len(released(t)) == 2 and SENT_AT.date().isoformat() in cells


def test_old_anonymous_rows_leave_the_numbered_table_on_upgrade(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', '2026-11-01')")
        )
        for n, (anonymous, author) in enumerate([(False, BOB), (True, None), (False, CAROL)], 1):
            conn.execute(
                text(
                    "INSERT INTO feedback (id, team_id, number, text, kind, channel_id, author_id, "
                    "anonymous, created_at) VALUES (:n, 'T1', :n, :t, 'idea', 'C1', :a, :x, "
                    "'2026-11-24 10:06:3' || :n)"
                ),
                {"n": n, "t": f"item {n}", "a": author, "x": anonymous},
            )
            conn.execute(
                text(
                    "INSERT INTO history_events (team_id, entity_type, entity_id, actor_id, at, "
                    "field) VALUES ('T1', 'feedback', :n, :a, '2026-11-24 10:06:3' || :n, 'new')"
                ),
                {"n": n, "a": author},
            )
    upgrade(url)
    with engine.begin() as conn:
        assert conn.execute(
            text("SELECT number FROM feedback ORDER BY number")
        ).scalars().all() == [1, 3]
        assert conn.execute(text("SELECT count(*) FROM history_events")).scalar() == 2
        [(public_id, day, released)] = conn.execute(
            text("SELECT public_id, day, released_on FROM anonymous_feedback")
        ).all()
    engine.dispose()
    assert re.fullmatch(r"AN-\w{6}", public_id) and str(day) == "2026-11-24" and released is None


def _sequences(t: Team) -> list[tuple[str, int | None]]:
    with t.env.sessions() as s:
        if s.get_bind().dialect.name == "postgresql":
            query = (
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() ORDER BY sequencename"
            )
        else:
            query = "SELECT name, seq FROM sqlite_sequence ORDER BY name"
            if not s.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).first():
                return []
        return [(str(name), value) for name, value in s.execute(text(query))]


def test_no_database_sequence_moves_when_an_item_is_sent(t: Team) -> None:
    command(t, "/feedback", "The export is slow", user=BOB)
    command(t, "/req", "new Export invoices", user=BOB)
    before = _sequences(t)
    anon(t, "Standups run too long")
    code = anon(t, "Too many meetings", user=FRANK)
    command(t, "/feedback", f"replies {code} and too long", user=FRANK)
    assert _sequences(t) == before  # an admin watching sequences sees nothing advance
    command(t, "/feedback", "Love the board", user=CAROL)
    assert _sequences(t) != before or not before  # (the check sees named writes)
