"""Every `/req` verb through signed requests, the real app and a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import HistoryEvent, Requirement
from tests.conftest import BOB, CAROL, DAVE, ENG, PM, PRODUCT, SECRET_CHANNEL, Env, texts


def _stored(env: Env) -> list[Requirement]:
    with env.sessions() as s:
        return list(s.scalars(select(Requirement).order_by(Requirement.number)))


def _history(env: Env) -> list[tuple[str, str | None, str | None, str | None]]:
    with env.sessions() as s:
        rows = s.scalars(select(HistoryEvent).order_by(HistoryEvent.id))
        return [(e.field, e.actor_id, e.old_value, e.new_value) for e in rows]


def test_quick_capture_posts_card_in_channel(env: Env) -> None:
    reply = env.req("new Export invoices to CSV P1 <@U0BOB|bob> due friday #billing")
    assert reply.status == 200
    card = env.channel()[-1]
    shown = texts(card["blocks"])
    assert "REQ-1 · Export invoices to CSV" in shown
    assert "P1" in shown and "<@U0BOB>" in shown and "`billing`" in shown
    assert "Fri 27 Nov 2026" in shown  # the Friday after Monday 23 Nov
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == ["req_assign_me", "req_status", "req_vote"]
    [req] = _stored(env)
    assert (req.number, req.title, req.priority, req.owner_id, req.requester_id) == (
        1,
        "Export invoices to CSV",
        "P1",
        BOB,
        PM,
    )
    assert req.labels == ["billing"] and str(req.due_date) == "2026-11-27"
    assert _history(env) == [("created", PM, None, "Export invoices to CSV")]


def test_numbers_are_per_workspace_and_sequential(env: Env) -> None:
    for title in ("one", "two", "three"):
        env.req(f"new {title}")
    assert [r.number for r in _stored(env)] == [1, 2, 3]


def test_list_filters_and_scope(env: Env) -> None:
    env.req("new Alpha P1 <@U0BOB|bob> #billing")
    env.req("new Beta P3")
    env.req("new Gamma in eng", channel=ENG, user=BOB)
    env.req("list")
    shown = texts(env.last_ephemeral()["blocks"])
    assert "Alpha" in shown and "Beta" in shown and "Gamma" not in shown
    env.req("list P1")
    assert "Beta" not in texts(env.last_ephemeral()["blocks"])
    env.req("list #billing")
    assert "Alpha" in texts(env.last_ephemeral()["blocks"])
    env.req("list <@U0BOB|bob>")
    shown = texts(env.last_ephemeral()["blocks"])
    assert "Alpha" in shown and "Beta" not in shown
    env.req("list mine", user=BOB, channel=PRODUCT)
    shown = texts(env.last_ephemeral(BOB)["blocks"])
    assert "Alpha" in shown and "Gamma" in shown and "Beta" not in shown


def test_list_pages_within_block_kit_limits(env: Env) -> None:
    for i in range(40):
        env.req(f"new Item {i:02d}")
    env.req("list")
    first = env.last_ephemeral()
    assert len(first["blocks"]) <= 50
    assert "Page 1 of 3" in texts(first["blocks"])
    env.driver.click(first, "req_list_page_next", user=PM, channel=PRODUCT, ephemeral=True)
    env.drain()
    assert "Page 2 of 3" in texts(first["blocks"])  # replaced in place


def test_show_displays_recent_changes(env: Env) -> None:
    env.req("new Audit log P2")
    env.req("priority REQ-1 P0")
    env.req("assign REQ-1 <@U0BOB|bob>")
    env.req("show REQ-1")
    shown = texts(env.last_ephemeral()["blocks"])
    assert "Recent changes" in shown
    assert "priority: P2 → P0" in shown and "assigned to <@U0BOB>" in shown


def test_status_assign_priority_due_vote(env: Env) -> None:
    env.req("new Dark mode")
    env.req("status REQ-1 in progress")
    assert "is now 🚧 In progress" in env.last_ephemeral()["text"]
    env.req("assign REQ-1 <@U0DAVE|dave>")
    env.req("priority REQ-1 p1")
    env.req("due REQ-1 in 3 days")
    env.req("vote REQ-1", user=BOB)
    env.req("vote REQ-1", user=BOB)
    assert "already voted" in env.last_ephemeral(BOB)["text"]
    [req] = _stored(env)
    assert (req.status, req.owner_id, req.priority, str(req.due_date), req.votes) == (
        "in_progress",
        DAVE,
        "P1",
        "2026-11-26",
        2,  # the requester's and bob's
    )
    fields = [h[0] for h in _history(env)]
    assert fields == ["created", "status", "owner", "priority", "due", "votes"]


def test_close_permissions(env: Env) -> None:
    env.req("new Remove legacy API <@U0BOB|bob>")
    env.req("close REQ-1 done", user=DAVE)
    assert "only the owner, the requester or a workspace admin" in env.last_ephemeral(DAVE)["text"]
    assert _stored(env)[0].status == "new"
    env.req("close REQ-1 rejected not worth it", user=CAROL)  # admin, checked via users.info
    req = _stored(env)[0]
    assert (req.status, req.close_reason) == ("rejected", "not worth it")
    assert req.closed_at is not None
    assert env.ws.calls_of("users.info")
    env.req("close REQ-1", user=BOB)
    assert "already rejected" in env.last_ephemeral(BOB)["text"]
    env.req("status REQ-1 triaged", user=CAROL)  # reopened: the old reason no longer holds
    req = _stored(env)[0]
    assert (req.status, req.close_reason, req.closed_at) == ("triaged", None, None)


def test_owner_closes_done_and_reopens(env: Env) -> None:
    env.req("new Ship it <@U0BOB|bob>")
    env.req("close REQ-1", user=BOB)
    assert _stored(env)[0].status == "done"
    env.req("status REQ-1 in_review", user=BOB)
    req = _stored(env)[0]
    assert req.status == "in_review" and req.closed_at is None


def test_search(env: Env) -> None:
    env.req("new Export invoices to CSV")
    env.req("new Import contacts")
    env.req("search invoice csv")
    shown = texts(env.last_ephemeral()["blocks"])
    assert "*REQ-1* Export *invoices* to *CSV*" in shown and "Import contacts" not in shown
    env.req("search 100%_off")
    assert "nothing here" in texts(env.last_ephemeral()["blocks"])


def test_help_and_unknown_verb(env: Env) -> None:
    env.req("help")
    assert "/req new" in texts(env.last_ephemeral()["blocks"])
    env.req("frobnicate REQ-1")
    assert "Type `/req help`" in env.last_ephemeral()["text"]
    env.req("")
    assert "/req list" in texts(env.last_ephemeral()["blocks"])


def test_private_channel_items_stay_there(env: Env) -> None:
    env.req("new Secret acquisition", channel=SECRET_CHANNEL)
    env.req("show REQ-1", user=DAVE, channel=PRODUCT)
    assert "Look it up there" in env.last_ephemeral(DAVE)["text"]
    env.req("list all", user=DAVE)
    assert "Secret" not in texts(env.last_ephemeral(DAVE)["blocks"])


def test_overdue_shows_on_card(env: Env) -> None:
    env.req("new Quarterly report due tomorrow")
    env.clock.advance(timedelta(days=3))
    env.req("show REQ-1")
    assert "overdue" in texts(env.last_ephemeral()["blocks"])


def test_show_of_a_closed_requirement_says_what_happened_without_dead_buttons(env: Env) -> None:
    env.req("new Ship it <@U0BOB|bob>")
    env.clock.advance(timedelta(hours=1))
    env.req("close REQ-1 done", user=BOB)
    env.req("show REQ-1", user=DAVE)
    shown = env.last_ephemeral(DAVE)
    assert not [b for b in shown["blocks"] if b["type"] == "actions"]
    said = texts(shown["blocks"])
    # Closed Monday 23 Nov 10:00 Berlin time (09:00Z), by Bob.
    assert "✅ Done by <@U0BOB> · Mon 10:00" in said
    assert "/req status REQ-1" in said  # how to reopen, instead of a select that refuses
    env.req("new Second", user=BOB)
    env.req("new Second again", user=BOB)
    env.req("merge REQ-3 into REQ-2", user=BOB)
    env.req("show REQ-3", user=BOB)
    dup = env.last_ephemeral(BOB)
    assert not [b for b in dup["blocks"] if b["type"] == "actions"]
    said = texts(dup["blocks"])
    assert "Closed as a duplicate by <@U0BOB>" in said and "Duplicate of REQ-2" in said
    assert "/req status" not in said  # its votes moved: REQ-2 is the one to follow
    env.req("show REQ-2", user=BOB)  # an open one keeps its buttons
    assert [b for b in env.last_ephemeral(BOB)["blocks"] if b["type"] == "actions"]
