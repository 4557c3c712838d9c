"""Full-text search through signed commands: any script, ranked, highlighted, scoped."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from bot.cli import main
from bot.services import duplicates, search_index
from bot.services.actor import Actor
from bot.services.search_index import KINDS, Scope
from storage.db import make_engine
from storage.migrate import alembic_config, upgrade
from storage.models import Requirement, Workspace
from storage.search import SearchDoc
from storage.search_text import terms
from tests.conftest import BOB, DAVE, ENG, PM, PRODUCT, SECRET_CHANNEL, Env, texts


def _say(env: Env, command: str, text: str, *, user: str = PM, channel: str = PRODUCT) -> None:
    reply = env.driver.command(command, text, user=user, channel=channel)
    assert reply.status == 200, reply.body
    env.drain()


def _found(env: Env, command: str, query: str, *, user: str = PM, channel: str = PRODUCT) -> str:
    _say(env, command, query, user=user, channel=channel)
    return texts(env.last_ephemeral(user)["blocks"])


def test_accents_and_case_fold_in_any_direction(env: Env) -> None:
    env.req("new Über-Export der Rechnungen für Straße")
    env.req("new Import contacts")
    assert "*Über*" in _found(env, "/req", "search über")
    assert "*Über*" in _found(env, "/req", "search UBER")
    shown = _found(env, "/req", "search strasse rechnung")
    assert "REQ-1" in shown and "*Straße*" in shown and "*Rechnungen*" in shown
    assert "Import" not in shown


def test_chinese_is_found_by_any_word_inside_a_run(env: Env) -> None:
    env.req("new 导出发票为CSV格式")
    env.req("new 导入联系人")
    shown = _found(env, "/req", "search 发票")
    assert "REQ-1" in shown and "REQ-2" not in shown
    assert "导出*发票*为" in shown
    assert "REQ-1" in _found(env, "/search", "csv 导出")
    assert "nothing here" in _found(env, "/search", "发货")


def test_a_chinese_run_matches_only_as_a_run(env: Env) -> None:
    """Every bigram of `导出发票` is in REQ-1, but apart: not the run (PostgreSQL's scope
    index has no positions, so `tsv` must still check the phrase)."""
    env.req("new 导出 CSV 出发 PDF 发票")
    env.req("new 请导出发票")
    shown = _found(env, "/search", "导出发票")
    assert "REQ-2" in shown and "REQ-1" not in shown


def test_one_search_across_kinds_ranked_and_escaped(env: Env) -> None:
    env.req("new Export invoices &amp; receipts &lt;!channel&gt;")
    _say(env, "/feedback", "The invoice export is too slow, export invoice export")
    _say(env, "/blocker", "Waiting on the invoice API keys")
    _say(env, "/risk", "new Invoices may be wrong")
    shown = _found(env, "/search", "invoice")
    assert "REQ-1" in shown and "FB-1" in shown and "BLK-1" in shown
    assert "RSK-1" not in shown  # risks are not searched
    assert "&amp; receipts &lt;!channel&gt;" in shown and "<!channel>" not in shown
    # The feedback says "invoice export" three times: it ranks first for those words.
    lines = [ln for ln in _found(env, "/search", "invoice export").splitlines() if "*" in ln]
    assert lines[0].startswith("*FB-1*")
    only = _found(env, "/feedback", "search invoice")
    assert "FB-1" in only and "REQ-1" not in only and "BLK-1" not in only
    only = _found(env, "/blocker", "search invoice")
    assert "BLK-1" in only and "FB-1" not in only


def test_scope_is_the_channel_plus_your_own_never_a_private_channel(env: Env) -> None:
    env.req("new Billing export in eng", channel=ENG, user=BOB)
    env.req("new Billing export in secret", channel=SECRET_CHANNEL)
    env.req("new Billing export here")
    shown = _found(env, "/search", "billing", user=DAVE)
    assert "here" in shown and "in eng" not in shown and "secret" not in shown
    # Bob's own item from #eng shows in #product, with where it lives.
    shown = _found(env, "/search", "billing", user=BOB)
    assert "in eng" in shown and "<#C0ENG>" in shown and "secret" not in shown
    # Alice asked for the private one: still never shown outside its channel, only counted.
    shown = _found(env, "/search", "billing", user=PM)
    assert "secret" not in shown and "1 match in private channels" in shown
    assert "in secret" in _found(env, "/search", "billing", user=PM, channel=SECRET_CHANNEL)


def test_anonymous_feedback_is_never_found(env: Env) -> None:
    _say(env, "/feedback", "anonymous The roadmap feels secretive", user=BOB)
    _say(env, "/feedback", "The roadmap page is great", user=DAVE)
    for user in (PM, BOB):
        _say(env, "/search", "roadmap", user=user)
        answer = env.last_ephemeral(user)
        assert "great" in texts(answer["blocks"]) and "secretive" not in str(answer)
        assert BOB not in str(answer["blocks"])


def test_typos_fall_back_to_trigram_similarity(env: Env) -> None:
    env.req("new Export invoices to CSV")
    env.req("new Import contacts")
    shown = _found(env, "/search", "invoces")
    assert "look close" in shown and "REQ-1" in shown and "REQ-2" not in shown


def test_mistakes_get_a_short_answer(env: Env) -> None:
    reply = env.driver.command("/search", "", user=PM, channel=PRODUCT)
    assert "/search &lt;words&gt;" in reply.json()["text"]  # escaped: not link markup
    reply = env.driver.command("/req", "search ?!", user=PM, channel=PRODUCT)
    assert "Type `/req search invoices csv`" in reply.json()["text"]
    reply = env.driver.command("/feedback", "search", user=PM, channel=PRODUCT)
    assert "Type `/feedback search export slow`" in reply.json()["text"]


def test_rebuild_recreates_the_index(env: Env, monkeypatch: object) -> None:
    env.req("new Export invoices to CSV")
    _say(env, "/feedback", "Invoices are late")
    with env.sessions.begin() as s:
        s.execute(delete(SearchDoc))
    assert "nothing here" in _found(env, "/search", "invoices")
    monkeypatch.setenv("DATABASE_URL", env.settings.database_url)  # type: ignore[attr-defined]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")  # type: ignore[attr-defined]
    assert main(["search", "rebuild"]) == 0
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SearchDoc)) == 2
    shown = _found(env, "/search", "invoices")
    assert "REQ-1" in shown and "FB-1" in shown


def test_migration_indexes_what_is_already_stored(db_url: str) -> None:
    """0008 on a store with items: they are searchable at once, no rebuild needed."""
    engine = make_engine(db_url)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    command.downgrade(alembic_config(db_url), "0007_words")  # db_url is at head: go back first
    row = {
        **{"team_id": "T1", "number": 1, "title": "Über-Export der Rechnungen"},
        **{"description": "", "status": "new", "priority": "P2", "requester_id": "U1"},
        **{"channel_id": "C1", "labels": [], "votes": 0, "created_at": now, "updated_at": now},
    }
    with engine.begin() as conn:
        conn.execute(insert(Workspace).values(team_id="T1", name="t", created_at=now))
        conn.execute(insert(Requirement).values(**row))
    upgrade(db_url)
    with engine.connect() as conn:
        words = conn.execute(text("SELECT words FROM search_docs")).scalar_one()
    assert words == "uber export der rechnungen"
    # 0014 gave the stored document its scope: its channel finds it, its requester too
    # from elsewhere, and nobody else.
    with Session(engine) as session:
        for channel, user, found in (("C1", "U9", 1), ("C2", "U1", 1), ("C2", "U9", 0)):
            scope = Scope(team_id="T1", channel_id=channel, user_id=user)
            hits = search_index.search(
                session, scope=scope, kinds=KINDS, terms=terms("rechnung"), limit=5
            )
            assert len(hits) == found, (channel, user)
    engine.dispose()


def test_scope_follows_owners_statuses_and_releases(env: Env) -> None:
    """The index's scope tokens change with the item: a new owner finds it from anywhere,
    the old one no longer; a closed requirement is no duplicate candidate."""
    env.req("new Billing export in eng", channel=ENG, user=BOB)
    assert "in eng" not in _found(env, "/search", "billing", user=DAVE)
    env.req("assign REQ-1 <@U0DAVE|dave>", channel=ENG, user=BOB)
    assert "in eng" in _found(env, "/search", "billing", user=DAVE)
    env.req("assign REQ-1 <@U0ALICE|alice>", channel=ENG, user=BOB)
    assert "in eng" not in _found(env, "/search", "billing", user=DAVE)
    assert "in eng" in _found(env, "/search", "billing", user=PM)
    with env.sessions() as session:
        # The channel's open token goes with the close, and comes back on reopening.
        actor = Actor(team_id=env.ws.team_id, user_id=BOB, channel_id=ENG)
        assert duplicates.similar(session=session, actor=actor, text="Billing export in eng")
    env.req("close REQ-1", channel=ENG, user=BOB)
    with env.sessions() as session:
        assert not duplicates.similar(session=session, actor=actor, text="Billing export in eng")
    # Closed items stay searchable, as before.
    assert "in eng" in _found(env, "/req", "search billing", user=BOB, channel=ENG)
