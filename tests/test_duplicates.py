"""Duplicates caught at quick capture, and merging them, through signed requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.items import Blocker, Feedback
from storage.models import HistoryEvent, Requirement, RequirementVote
from storage.scheduling import OutboxMessage
from tests.conftest import BOB, CAROL, DAVE, ENG, PM, PRODUCT, Env, Team, texts


def _reqs(env: Env) -> dict[int, Requirement]:
    with env.sessions() as s:
        return {r.number: r for r in s.scalars(select(Requirement))}


def _action_ids(message: dict) -> list[str]:
    return [
        e["action_id"]
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_quick_capture_saves_at_once_and_says_what_it_looks_like(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("vote REQ-1", user=BOB)
    env.req("vote REQ-1", user=CAROL)
    env.req("new Export invoices to a CSV file", user=DAVE)
    card = env.channel()[-1]
    shown = texts(card["blocks"])
    assert "REQ-2 · Export invoices to a CSV file" in shown
    assert "Looks like REQ-1 *Export invoices as CSV* (3 votes)" in shown
    assert "req_merge" in _action_ids(card) and "req_not_duplicate" in _action_ids(card)
    assert len(_reqs(env)) == 2  # saved at once, hint or not
    env.req("new Dark mode for the dashboard")
    assert "Looks like" not in texts(env.channel()[-1]["blocks"])
    # Another channel's requirements are not this channel's duplicates.
    env.req("new Export invoices as CSV please", channel=ENG, user=BOB)
    assert "Looks like" not in texts(env.channel(ENG)[-1]["blocks"])


def test_chinese_and_accents_are_caught_too(env: Env) -> None:
    env.req("new 导出发票为CSV格式")
    env.req("new 发票导出CSV格式", user=BOB)
    assert "Looks like REQ-1" in texts(env.channel()[-1]["blocks"])
    env.req("new Größe der Übersicht anpassen")
    env.req("new grosse der ubersicht anpassen", user=BOB)
    assert "Looks like REQ-3" in texts(env.channel()[-1]["blocks"])


def test_closed_requirements_are_no_duplicates(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("close REQ-1")
    env.req("new Export invoices as CSV", user=BOB)
    assert "Looks like" not in texts(env.channel()[-1]["blocks"])


def test_merge_moves_votes_links_and_tells_requesters_once(team: Team) -> None:
    env = team.env
    env.req("new Export invoices as CSV")  # REQ-1, asked by alice
    env.req("vote REQ-1", user=BOB)
    env.req("new CSV export of invoices", user=DAVE)  # REQ-2, asked by dave
    env.req("vote REQ-2", user=BOB)
    env.req("vote REQ-2", user=CAROL)
    env.driver.command("/feedback", "Need the CSV export badly REQ-2", user=CAROL, channel=PRODUCT)
    env.driver.command("/blocker", "Waiting on the CSV spec REQ-2", user=BOB, channel=PRODUCT)
    env.drain()
    env.req("merge REQ-2 into REQ-1", user=DAVE)
    posted = texts(env.channel()[-1]["blocks"])
    assert "REQ-2 is closed as a duplicate of REQ-1" in posted
    assert "REQ-1 now has 4 votes" in posted  # its requester, bob (already), carol, dave
    reqs = _reqs(env)
    assert reqs[2].status == "duplicate" and reqs[2].close_reason == "Duplicate of REQ-1"
    assert reqs[2].votes == 0 and reqs[1].votes == 4
    with env.sessions() as s:
        voters = set(
            s.scalars(
                select(RequirementVote.user_id).where(RequirementVote.requirement_id == reqs[1].id)
            )
        )
        assert voters == {BOB, CAROL, DAVE}
        assert s.scalars(select(Feedback.requirement_id)).one() == reqs[1].id
        assert s.scalars(select(Blocker.requirement_id)).one() == reqs[1].id
        events = s.scalars(select(HistoryEvent).where(HistoryEvent.entity_type == "requirement"))
        history = {(e.entity_id, e.field, e.new_value) for e in events}
    assert (reqs[2].id, "merged_into", "REQ-1") in history
    assert (reqs[1].id, "merged", "REQ-2") in history
    assert (reqs[2].id, "status", "duplicate") in history
    team.deliver()
    told = [m for m in team.dms(PM) if "REQ-2 was merged into REQ-1" in m["text"]]
    assert len(told) == 1 and not [m for m in team.dms(DAVE) if "merged" in m["text"]]
    env.req("merge REQ-2 into REQ-1", user=DAVE)
    assert "already closed" in env.last_ephemeral(DAVE)["text"]
    team.deliver()
    assert len([m for m in team.dms(PM) if "merged" in m["text"]]) == 1
    with env.sessions() as s:
        keys = [m.dedupe_key for m in s.scalars(select(OutboxMessage))]
    assert [k for k in keys if k.startswith("merge:")] == [
        f"merge:{env.ws.team_id}:{reqs[2].id}:{PM}"
    ]


def test_only_owner_requester_or_admin_merge(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("new Export invoices to CSV", user=DAVE)
    env.req("merge REQ-2 into REQ-1", user=BOB)
    assert "only the owner, the requester or a workspace admin" in env.last_ephemeral(BOB)["text"]
    assert _reqs(env)[2].status == "new"
    env.req("merge REQ-2 into REQ-1", user=CAROL)  # an admin
    assert _reqs(env)[2].status == "duplicate"


def test_buttons_merge_or_dismiss_the_hint(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("new Export invoices to CSV", user=BOB)
    env.req("new Export the invoices as CSV", user=BOB)
    first, second = env.channel()[-2], env.channel()[-1]
    env.driver.click(first, "req_not_duplicate", user=BOB, channel=PRODUCT)
    env.drain()
    assert "Looks like" not in texts(first["blocks"]) and "REQ-2 ·" in texts(first["blocks"])
    assert _reqs(env)[2].status == "new"
    env.driver.click(second, "req_merge", user=BOB, channel=PRODUCT)
    env.drain()
    assert "REQ-3 is closed as a duplicate of REQ-1" in texts(second["blocks"])
    assert _reqs(env)[3].status == "duplicate"


def test_merge_mistakes_get_a_short_answer(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.req("new Something else")
    for text, expected in [
        ("merge REQ-2", "Type `/req merge REQ-2 into REQ-41`"),  # the id typed, kept
        ("merge REQ-2 into REQ-2", "can't be merged into itself"),
        ("merge REQ-2 into REQ-9", "There is no REQ-9"),
    ]:
        reply = env.req(text)
        answer = reply.json()["text"] if reply.body else env.last_ephemeral()["text"]
        assert expected in answer, (text, answer)
    env.req("close REQ-1")
    env.req("merge REQ-2 into REQ-1")
    assert "Reopen it first" in env.last_ephemeral()["text"]


def test_feedback_suggests_the_requirement_it_belongs_to(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.driver.command(
        "/feedback", "We really need to export invoices to CSV for accounting", user=BOB,
        channel=PRODUCT,
    )  # fmt: skip
    env.drain()
    card = env.channel()[-1]
    assert "May belong to REQ-1 *Export invoices as CSV*" in texts(card["blocks"])
    env.driver.click(card, "fb_link_suggested", user=BOB, channel=PRODUCT)
    env.drain()
    req_id = _reqs(env)[1].id
    with env.sessions() as s:
        assert s.scalars(select(Feedback.requirement_id)).one() == req_id
    assert "May belong" not in texts(card["blocks"]) and "REQ-1" in texts(card["blocks"])
    # Unrelated feedback gets no suggestion; anonymous feedback never (the click would say who).
    env.driver.command("/feedback", "Love the new colours", user=BOB, channel=PRODUCT)
    env.driver.command("/feedback", "anonymous export invoices CSV please", user=BOB,
                       channel=PRODUCT)  # fmt: skip
    env.drain()
    assert "May belong" not in texts(env.channel()[-1]["blocks"])
    assert "May belong" not in str(env.ws.ephemerals_for(BOB))


def test_reaction_and_shortcut_captures_are_checked_too(env: Env) -> None:
    env.req("new Export invoices as CSV")
    msg = env.driver.say("Can we export the invoices to CSV?", user=DAVE, channel=PRODUCT)
    env.driver.react("bulb", user=PM, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    [reply] = env.ws.thread(PRODUCT, msg["ts"])
    assert "Looks like REQ-1 *Export invoices as CSV*" in texts(reply["blocks"])
    other = env.driver.say("Export invoices as CSV files\nfor finance", user=DAVE, channel=PRODUCT)
    env.driver.shortcut("capture_requirement", user=BOB, channel=PRODUCT, ts=other["ts"])
    [view] = list(env.ws.views.values())
    assert "Looks like REQ-1 *Export invoices as CSV*" in texts(view["blocks"])


def test_the_check_ranks_only_the_newest_look_alikes_on_both_stores(
    env: Env, monkeypatch: Any
) -> None:
    # The bound that keeps a capture's card cheap in a channel with thousands of open
    # look-alikes: on PostgreSQL every match used to be ranked (230 ms at 6,000).
    from bot.services import search_index
    from bot.services.actor import Actor

    for n in range(12):
        env.req(f"new Export invoices batch {n}")
    monkeypatch.setattr(search_index, "RECENT", 5)
    actor = Actor(team_id=env.ws.team_id, user_id=PM, channel_id=PRODUCT, zone=env.settings.zone)
    with env.sessions() as session:
        found = search_index.similar_requirements(
            session, team_id=actor.team_id, channel_id=PRODUCT,
            tokens=["batch", "export", "invoice"], exclude_id=None, limit=12,
        )  # fmt: skip
    assert sorted(c.number for c in found) == [8, 9, 10, 11, 12]
