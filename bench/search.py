"""Full-text search and the duplicate check, against SQL LIKE on the same store in the same run.

Run: python -m bench.search [--database-url URL] [--n 100000] [--queries 1000] [--rounds 3]
[--keep NAME].
Builds a store of N requirements and N feedback (mixed English, German and Chinese text, 200
channels, 50 people), indexes it (`search rebuild`), then times, interleaved:

- 1,000 searches (`bot.services.search.run`, requirements and feedback, one to two words)
  against the LIKE search teamloop had before (`lower(col) LIKE '%word%'`, same scope);
- 1,000 duplicate checks (`bot.services.duplicates.similar`) on new titles;
- 1,000 quick captures with the check (`duplicates.capture`) and 1,000 without
  (`requirements.create`), each in its own transaction;

`rounds` times on the same store (default 3: the machine may be shared), printing each
round's p50/p99 and then the best and the median of the rounds' medians;

and the precision and recall of the duplicate hint on the labelled pairs in
`bench/duplicate_pairs.py`, end to end: every pair's existing text is captured in one
channel, then each new text is checked there (so a pair can also be confused with another).
Without --database-url it uses a temporary SQLite file; with a PostgreSQL URL it works in a
fresh schema that it drops afterwards; `--keep NAME` keeps that store (and reuses it on the
next run with the same name, skipping the build) while iterating on the queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, or_, select, text
from sqlalchemy.orm import Session

from bench.duplicate_pairs import HELD_OUT, PAIRS
from bot.services import duplicates, requirements, search
from bot.services.actor import Actor
from storage.db import make_engine, make_session_factory, transaction
from storage.items import Feedback
from storage.migrate import upgrade
from storage.models import Counter, Requirement, Workspace
from storage.search import rebuild

TEAM = "T0BENCH"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CHANNELS = [f"C{n:05d}" for n in range(200)]
PEOPLE = [f"U{n:05d}" for n in range(50)]
_EN = (
    "export import invoice invoices report reports dashboard login password email "
    "calendar search filter label ticket tickets customer customers contact contacts "
    "project projects task tasks comment comments notification notifications mobile "
    "offline sync upload download file files pdf csv excel api webhook webhooks "
    "order orders payment payments refund shipping label printing audit log "
    "permission role admin team member avatar profile settings theme dark mode "
    "keyboard shortcut navigation summary weekly daily monthly recurring reminder "
    "due date priority backlog sprint release version bug crash slow timeout error "
    "loading page chart graph metric analytics onboarding invite billing plan "
    "subscription trial discount coupon tax currency language translation timezone "
    "integration slack github jira okta sso saml token session cache queue archive "
    "delete merge duplicate bulk edit undo history template workflow approval "
    "signature"
)
EN = _EN.split(" ")
_DE = (
    "rechnung rechnungen export bericht übersicht größe anpassen kunde kunden "
    "kontakt passwort zurücksetzen kalender suche filter aufgabe kommentar "
    "benachrichtigung datei hochladen herunterladen zahlung versand straße größer "
    "schnell langsam fehler einstellungen dunkles design tastatur zusammenfassung "
    "wöchentlich täglich erinnerung fälligkeit priorität freigabe vorlage löschen "
    "zusammenführen übersetzung währung"
)
DE = _DE.split(" ")
_ZH = (
    "导出 导入 发票 报表 仪表盘 登录 密码 邮件 日历 搜索 筛选 标签 工单 "
    "客户 联系人 项目 任务 评论 通知 移动 离线 同步 上传 下载 文件 订单 "
    "支付 退款 快递 打印 审计 日志 权限 角色 管理员 团队 成员 头像 设置 "
    "主题 深色 模式 键盘 快捷键 导航 摘要 每周 每日 每月 提醒 截止 日期 "
    "优先级 版本 崩溃 加载 太慢 超时 错误 图表 指标 分析 邀请 账单 订阅 "
    "试用 折扣 税务 货币 语言 翻译 时区 集成 会话 缓存 归档 删除 合并 "
    "重复 批量 编辑 撤销 历史 模板 审批"
)
ZH = _ZH.split(" ")


def _text(rng: random.Random, lo: int, hi: int) -> str:
    lang = rng.random()
    count = rng.randint(lo, hi)
    if lang < 0.25:  # Chinese: words run together, sometimes with a Latin product word
        words = rng.sample(ZH, count)
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(("CSV", "PDF", "Slack", "API")))
        return "".join(words)
    vocab = DE if lang < 0.45 else EN
    words = rng.sample(vocab, min(count, len(vocab)))
    return " ".join(words).capitalize()


def _query(rng: random.Random) -> str:
    lang = rng.random()
    vocab = ZH if lang < 0.25 else DE if lang < 0.45 else EN
    return " ".join(rng.sample(vocab, rng.choice((1, 1, 2))))


def _fill(session: Session, rng: random.Random, n: int) -> None:
    session.execute(insert(Workspace), [{"team_id": TEAM, "name": "bench", "created_at": NOW}])
    # Captures during the run continue the numbering.
    session.execute(
        insert(Counter),
        [{"team_id": TEAM, "kind": k, "value": n} for k in ("requirement", "feedback")],
    )
    for start in range(0, n, 10_000):
        rows = []
        for i in range(start, min(n, start + 10_000)):
            title = _text(rng, 3, 7)
            rows.append({
                "team_id": TEAM, "number": i + 1, "title": title[:300],
                "description": _text(rng, 0, 12) if rng.random() < 0.5 else "",
                "status": rng.choice(("new", "triaged", "planned", "done")), "priority": "P2",
                "owner_id": rng.choice(PEOPLE), "requester_id": rng.choice(PEOPLE),
                "channel_id": rng.choice(CHANNELS), "labels": [], "votes": rng.randint(0, 5),
                "created_at": NOW, "updated_at": NOW,
            })  # fmt: skip
        session.execute(insert(Requirement), rows)
        fbs = []
        for i in range(start, min(n, start + 10_000)):
            anonymous = rng.random() < 0.1
            fbs.append({
                "team_id": TEAM, "number": i + 1, "text": _text(rng, 5, 15), "kind": "idea",
                "channel_id": rng.choice(CHANNELS), "anonymous": anonymous,
                "author_id": None if anonymous else rng.choice(PEOPLE),
                "digested_at": NOW if anonymous else None, "created_at": NOW,
            })  # fmt: skip
        session.execute(insert(Feedback), fbs)


def _like(session: Session, actor: Actor, query: str) -> list[int]:
    """The search teamloop had: every word as `lower(col) LIKE '%word%'`, same scope."""
    found: list[int] = []
    words = query.lower().split(" ")
    for model, cols, own in (
        (Requirement, (Requirement.title, Requirement.description),
         or_(Requirement.owner_id == actor.user_id, Requirement.requester_id == actor.user_id)),
        (Feedback, (Feedback.text,), Feedback.author_id == actor.user_id),
    ):  # fmt: skip
        stmt = select(model.id).where(
            model.team_id == TEAM,
            or_(model.channel_id == actor.channel_id, own),
        )
        for word in words:
            stmt = stmt.where(or_(*(func.lower(c).like(f"%{word}%") for c in cols)))
        found += list(session.scalars(stmt.order_by(model.id.desc()).limit(50)))
    return found


def _pct(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values):7.2f} ms   p99 {p99:7.2f} ms"


def quality(
    sessions: Any, pairs: list[tuple[str, str, bool]], channel: str
) -> tuple[float, float, int]:
    """Precision and recall of the hint on labelled pairs, end to end in one channel."""
    actor = Actor(team_id=TEAM, user_id="U0PAIRS", channel_id=channel)
    ids: dict[str, int] = {}
    with transaction(sessions) as session:
        for existing in dict.fromkeys(a for a, _b, _d in pairs):
            req = requirements.create(session=session, actor=actor, now=NOW, title=existing)
            ids[existing] = req.id
    tp = fp = fn = 0
    with transaction(sessions) as session:
        for existing, new, dup in pairs:
            found = duplicates.similar(session=session, actor=actor, text=new, limit=1)
            hint = found[0].requirement.id if found else None
            if dup and hint == ids[existing]:
                tp += 1
            else:
                fp += hint is not None
                fn += dup
    return tp / max(1, tp + fp), tp / max(1, tp + fn), len(pairs)


def _searches(sessions: Any, rng: random.Random, queries: int) -> dict[str, list[float]]:
    """One round of searches, full text and LIKE interleaved: milliseconds each."""
    fts: list[float] = []
    like: list[float] = []
    hits = 0
    for _ in range(queries):
        actor = Actor(team_id=TEAM, user_id=rng.choice(PEOPLE), channel_id=rng.choice(CHANNELS))
        q = _query(rng)
        with sessions() as session:
            started = time.perf_counter()
            found = search.run(
                session=session,
                actor=actor,
                query=q,
                kinds=("requirement", "feedback"),
                is_private=lambda _c: False,
            )
            fts.append((time.perf_counter() - started) * 1000)
            hits += bool(found.hits)
            started = time.perf_counter()
            _like(session, actor, q)
            like.append((time.perf_counter() - started) * 1000)
    return {"search": fts, "like": like, "found": [float(hits)]}


def _checks(sessions: Any, rng: random.Random, queries: int) -> dict[str, list[float]]:
    """One round of duplicate checks and captures with and without it: milliseconds each."""
    checks: list[float] = []
    plain: list[float] = []
    checked: list[float] = []
    for i in range(queries):
        actor = Actor(team_id=TEAM, user_id=rng.choice(PEOPLE), channel_id=rng.choice(CHANNELS))
        title = _text(rng, 3, 7)[:200]
        with sessions() as session:
            started = time.perf_counter()
            duplicates.similar(session=session, actor=actor, text=title, limit=1)
            checks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with transaction(sessions) as session:
            if i % 2:
                requirements.create(session=session, actor=actor, now=NOW, title=title)
            else:
                duplicates.capture(session=session, actor=actor, now=NOW, title=title)
        (plain if i % 2 else checked).append((time.perf_counter() - started) * 1000)
    return {"check": checks, "plain": plain, "checked": checked}


def _summary(rounds: list[dict[str, list[float]]]) -> None:
    """Best and median of the rounds' medians, and the ratios the targets are about."""
    med = {key: [statistics.median(r[key]) for r in rounds] for key in rounds[0]}
    best = {key: min(values) for key, values in med.items()}
    mid = {key: statistics.median(values) for key, values in med.items()}
    print(f"  over {len(rounds)} rounds, p50 (best of medians / median of medians):")
    names = {"search": "search, full text", "like": "search, LIKE", "check": "duplicate check",
             "plain": "capture, no check", "checked": "capture + check"}  # fmt: skip
    for key, name in names.items():
        if key in best:
            print(f"    {name:18s} {best[key]:7.2f} / {mid[key]:7.2f} ms")
    if "like" in mid:
        ratio = mid["like"] / mid["search"]
        print(f"    LIKE / full text at p50: {ratio:.1f}x (median of medians)")
    if "checked" in mid:
        adds = [c - p for c, p in zip(med["checked"], med["plain"], strict=True)]
        print(f"    the check adds to a capture: best {min(adds):.2f} ms, median "
              f"{statistics.median(adds):.2f} ms")  # fmt: skip


def run(url: str, *, n: int, queries: int, rounds: int = 1) -> None:
    """Fill, index, time (`rounds` times on the same store), measure the hint.

    A store that is already filled (`--keep`) is timed as it is: the fill and the index
    build are skipped (earlier runs' captures stay in it)."""
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    rng = random.Random(22)
    kind = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite file"
    with sessions() as session:
        filled = session.get(Workspace, TEAM) is not None
    if filled:
        rng.random()  # not the same draws as the first run's, which filled the store
        print(f"{kind}: reusing the store built before (--keep)")
    else:
        with transaction(sessions) as session:
            _fill(session, rng, n)
        started = time.perf_counter()
        with transaction(sessions) as session:
            indexed = rebuild(session)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        print(f"{kind}: {n:,} requirements + {n:,} feedback; index rebuilt "
              f"({indexed:,} items) in {time.perf_counter() - started:.1f} s")  # fmt: skip
    results: list[dict[str, list[float]]] = []
    for number in range(1, rounds + 1):
        print(f"  round {number} (load average {os.getloadavg()[0]:.1f})")
        found = _searches(sessions, rng, queries)
        print(f"    search, full text  {_pct(found['search'])}   "
              f"({found['found'][0]:.0f}/{queries} queries found something)")  # fmt: skip
        print(f"    search, LIKE       {_pct(found['like'])}")
        timed = _checks(sessions, rng, queries)
        print(f"    duplicate check    {_pct(timed['check'])}")
        print(f"    capture, no check  {_pct(timed['plain'])}")
        print(f"    capture + check    {_pct(timed['checked'])}   (adds "
              f"{statistics.median(timed['checked']) - statistics.median(timed['plain']):.2f} "
              "ms at p50)")  # fmt: skip
        del found["found"]
        results.append(found | timed)
    _summary(results)
    for name, pairs, channel in (("labelled", PAIRS, "C0PAIRS"), ("held-out", HELD_OUT, "C0HELD")):
        precision, recall, count = quality(sessions, pairs, channel)
        print(f"  duplicate hint on {count} {name} pairs: precision {precision:.2f}, "
              f"recall {recall:.2f} (threshold {duplicates.THRESHOLD})")  # fmt: skip
    engine.dispose()


@contextmanager
def scratch_database(url: str | None, keep: str | None = None) -> Iterator[str]:
    """A temporary SQLite file, or a fresh PostgreSQL schema in `url` (dropped after).

    With `keep` (a name: letters, digits, `_`) the store is kept between runs, to iterate
    on the queries without building it again: the SQLite file `<keep>.db` in the system's
    temporary directory, or the PostgreSQL schema `bench_<keep>` (created if missing)."""
    if keep is not None and not keep.replace("_", "").isalnum():
        raise SystemExit("--keep takes letters, digits and _")
    if url is None:
        if keep is not None:
            yield f"sqlite:///{Path(tempfile.gettempdir()) / (keep + '.db')}"
            return
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'search.db'}"
        return
    schema = "bench_" + (keep or uuid.uuid4().hex[:10])
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        # `public` stays on the path: pg_trgm lives there.
        yield f"{url}{sep}options=-csearch_path%3D{schema},public"
    finally:
        if keep is None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--keep", metavar="NAME", help="keep the store (and reuse it if it exists): iterating"
    )
    args = parser.parse_args()
    with scratch_database(args.database_url, args.keep) as url:
        run(url, n=args.n, queries=args.queries, rounds=args.rounds)


if __name__ == "__main__":
    main()
