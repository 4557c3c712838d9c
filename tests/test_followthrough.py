"""Feedback follow-through: states moved by ack, link, promote and the requirement; "it
shipped" once per person in one DM a day (named authors, voters, the requester), anonymous
senders only through their private code; the loop figures of the digest against the store."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import select

from storage.anonymous import AnonymousFeedback
from storage.items import Feedback
from storage.models import HistoryEvent, Requirement
from storage.retros import RetroAction, ShipNotice
from tests.anon_support import ERIN, FIRST_DIGEST, FRANK, TEAM, anon, command, setup
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts

MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # after the first digest
SHIP = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday 11:00 Berlin
NEXT_DIGEST = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def at(team: Team, when: datetime) -> None:
    team.env.clock.set(when)


def shipped_dms(team: Team, user: str) -> list[str]:
    return [
        m["text"] + "\n" + texts(m.get("blocks")) for m in team.dms(user) if "shipped" in m["text"]
    ]


def test_done_tells_each_named_author_voter_and_requester_once_and_anonymous_by_code(
    team: Team,
) -> None:
    t = setup(team)
    for user, tz in ((BOB, "Europe/Berlin"), (CAROL, "Europe/Berlin"), (DAVE, "Asia/Tokyo")):
        t.env.driver.set_status(user, tz=tz)  # user_change: teamloop learns their zone
    t.env.drain()
    code = anon(t, "Please let us export invoices")
    anon(t, "Standups run too long", user=FRANK)
    t.at(FIRST_DIGEST)  # the scheduled digest releases both
    at(t, MONDAY)
    assert "FB-1" in command(t, "/feedback", "Export invoices to CSV please", user=BOB)
    assert "FB-2" in command(t, "/feedback", "CSV export would save me hours", user=CAROL)
    assert "FB-3" in command(t, "/feedback", "The board is slow", user=DAVE)
    assert "REQ-1" in command(t, "/req", "new Export invoices as CSV", user=PM)
    assert "REQ-2" in command(t, "/req", "new Faster board", user=PM)
    assert "linked to REQ-1" in command(t, "/feedback", "link FB-1 REQ-1", user=PM)
    command(t, "/feedback", "link FB-2 REQ-1", user=PM)
    command(t, "/feedback", "link FB-3 REQ-2", user=CAROL)
    command(t, "/req", "vote REQ-1", user=DAVE)
    command(t, "/req", "vote REQ-1", user=BOB)  # an author who also voted: still one line
    command(t, "/req", "vote REQ-2", user=BOB)
    with t.env.sessions() as s:
        [item] = [
            i
            for i in s.scalars(select(AnonymousFeedback))
            if i.text == "Please let us export invoices"
        ]
        public_id = item.public_id
    # Only a lead links an anonymous item (alice set up the digest).
    assert "leads" in command(t, "/feedback", f"link {public_id} REQ-1", user=DAVE)
    assert "linked to REQ-1" in command(t, "/feedback", f"link {public_id} REQ-1", user=PM)
    shown = command(t, "/feedback", "list", user=BOB)
    assert "· _linked (REQ-1)_" in shown and "→" not in shown  # a state, not a link

    at(t, SHIP)
    command(t, "/req", "close REQ-1 done", user=PM)
    command(t, "/req", "status REQ-2 planned", user=PM)
    assert "planned (REQ-2)" in command(t, "/feedback", "list", user=BOB)
    command(t, "/req", "close REQ-2 done", user=PM)
    assert "shipped (REQ-1)" in command(t, "/feedback", "list", user=BOB)
    # Reopened and done again: nobody hears twice.
    command(t, "/req", "status REQ-1 in_progress", user=PM)
    command(t, "/req", "close REQ-1 done", user=PM)
    t.deliver()
    assert not shipped_dms(t, BOB)  # the day's batch leaves at 16:00 their time

    t.at(SHIP.replace(hour=15, minute=1))  # 16:01 Berlin
    [bob] = shipped_dms(t, BOB)
    assert "2 things you asked for shipped" in bob
    assert (
        "You asked for “Export invoices to CSV please” on 30 Nov — it shipped today: *REQ-1*" in bob
    )
    assert "You asked for “The board is slow”" not in bob and "REQ-2" in bob
    [carol] = shipped_dms(t, CAROL)
    assert "You asked for “CSV export would save me hours” on 30 Nov" in carol
    assert "REQ-2" not in carol  # she only linked it
    assert not shipped_dms(t, PM)  # the requester closed it herself
    assert not shipped_dms(t, ERIN) and not shipped_dms(t, FRANK)
    # Dave is in Tokyo: his batch left at 16:00 there on Wednesday ("on Tue 1 Dec").
    t.at(datetime(2026, 12, 2, 7, 1, tzinfo=UTC))
    [dave] = shipped_dms(t, DAVE)
    assert "You voted for “Export invoices as CSV” on 30 Nov — it shipped on Tue 1 Dec" in dave
    assert "You asked for “The board is slow” on 30 Nov" in dave
    with t.env.sessions() as s:
        # bob: REQ-1 and REQ-2; carol: REQ-1; dave: REQ-1 and REQ-2.
        assert len(s.scalars(select(ShipNotice)).all()) == 5
    # The anonymous sender reads it with their code, and nowhere else.
    thread = command(t, "/feedback", f"replies {code}", user=ERIN)
    assert "It shipped on Tue 1 Dec: REQ-1 Export invoices as CSV" in thread


def test_the_digest_loop_figures_match_the_store(team: Team) -> None:
    t = setup(team)
    t.at(FIRST_DIGEST)
    at(t, MONDAY)
    command(t, "/feedback", "Export invoices to CSV please", user=BOB)
    command(t, "/feedback", "CSV export would save me hours", user=CAROL)
    command(t, "/feedback", "The board is slow", user=DAVE)
    command(t, "/req", "new Export invoices as CSV", user=PM)
    command(t, "/feedback", "link FB-1 REQ-1", user=PM)
    command(t, "/feedback", "link FB-2 REQ-1", user=PM)
    t.env.driver.command("/retro", "start", user=PM, channel=TEAM)
    t.env.drain()
    command(t, "/retro", "action Timebox standups <@U0BOB|bob> due 2026-12-02", user=PM)
    command(t, "/retro", "action Write the runbook <@U0CAROL|carol> due 2026-12-02", user=PM)
    at(t, SHIP)
    command(t, "/req", "close REQ-1 done", user=PM)
    assert "ACT-1 is done" in command(t, "/retro", "done ACT-1", user=BOB)
    at(t, datetime(2026, 12, 4, 10, 0, tzinfo=UTC))  # Friday: past the 2 working days
    assert "FB-3 acknowledged" in command(t, "/feedback", "ack FB-3", user=PM)
    assert "acknowledged already" in command(t, "/feedback", "ack FB-3", user=PM)
    assert "Say why" in command(t, "/feedback", "decline FB-3", user=PM)
    t.at(NEXT_DIGEST)
    digest = "\n".join(
        texts(m.get("blocks")) for m in t.env.ws.channel_messages(TEAM, top_level=False)
    )
    assert "Closing the loop" in digest
    assert "Retro actions done (1)" in digest and "*ACT-1* Timebox standups · bob" in digest
    assert "Retro actions overdue (1)" in digest and "*ACT-2* Write the runbook · carol" in digest

    # The same figures, computed here from the rows.
    since = FIRST_DIGEST
    with t.env.sessions() as s:
        fbs = [f for f in s.scalars(select(Feedback)) if f.created_at > since]
        reqs = {r.id: r for r in s.scalars(select(Requirement))}
        acts = list(s.scalars(select(RetroAction)))
    deadline = {f.ref: f.created_at.date() + timedelta(days=2) for f in fbs}  # Mon -> Wed
    acked = [f for f in fbs if f.acknowledged_at and f.acknowledged_at.date() <= deadline[f.ref]]
    linked = [f for f in fbs if f.requirement_id]
    days = [
        (reqs[f.requirement_id].closed_at - f.created_at).days  # type: ignore[operator]
        for f in linked
        if f.requirement_id and reqs[f.requirement_id].status == "done"
    ]
    on_time = [a for a in acts if a.done_at and a.due_date and a.done_at.date() <= a.due_date]
    assert (len(fbs), len(acked), len(linked), median(days), len(on_time)) == (3, 2, 2, 1, 1)
    assert (
        "acknowledged within 2 working days 67% (2 of 3) · linked or shipped 67% (2 of 3) · "
        "median feedback → ship 1 day · retro actions done on time 50% (1 of 2)"
    ) in digest


def test_merge_moves_anonymous_links_to_the_target_without_naming_the_sender(
    team: Team,
) -> None:
    t = setup(team)
    code = anon(t, "Please let us export invoices")
    anon(t, "Standups run too long", user=FRANK)
    t.at(FIRST_DIGEST)  # the scheduled digest releases both
    at(t, MONDAY)
    assert "REQ-1" in command(t, "/req", "new Export invoices as CSV", user=PM)
    assert "REQ-2" in command(t, "/req", "new CSV export of invoices", user=PM)
    with t.env.sessions() as s:
        [public_id] = [
            i.public_id
            for i in s.scalars(select(AnonymousFeedback))
            if i.text == "Please let us export invoices"
        ]
    assert "linked to REQ-2" in command(t, "/feedback", f"link {public_id} REQ-2", user=PM)
    said = command(t, "/req", "merge REQ-2 into REQ-1", user=PM)
    assert "REQ-2 is closed as a duplicate of REQ-1" in said
    with t.env.sessions() as s:
        target = s.scalars(select(Requirement).where(Requirement.number == 1)).one()
        item = s.get(AnonymousFeedback, public_id)
        assert item is not None and item.requirement_id == target.id
    at(t, SHIP)
    command(t, "/req", "close REQ-1 done", user=PM)
    t.at(SHIP.replace(hour=15, minute=1))
    thread = command(t, "/feedback", f"replies {code}", user=ERIN)
    assert "It shipped on Tue 1 Dec: REQ-1 Export invoices as CSV" in thread
    # Nobody is named for it: not in the merge's answer, any post, DM or history line.
    assert public_id not in said and "erin" not in said.lower()
    ws = t.env.ws
    shown = [m for msgs in ws.messages.values() for m in msgs]
    shown += [e for e in ws.ephemerals if e["user"] != ERIN]
    assert ERIN not in json.dumps(shown)
    with t.env.sessions() as s:
        events = s.scalars(select(HistoryEvent)).all()
        assert not [e for e in events if ERIN in f"{e.actor_id} {e.old_value} {e.new_value}"]


def test_merge_into_another_channel_leaves_anonymous_links_where_a_lead_put_them(
    team: Team,
) -> None:
    """A lead links an anonymous item only to a requirement of its own channel (its thread
    names the requirement when it ships); a merge across channels keeps that rule."""
    t = setup(team)
    anon(t, "Please let us export invoices")
    anon(t, "Standups run too long", user=FRANK)
    t.at(FIRST_DIGEST)
    at(t, MONDAY)
    assert "REQ-1" in command(t, "/req", "new Export invoices as CSV", user=PM)
    assert "REQ-2" in command(t, "/req", "new CSV export", user=PM, channel=PRODUCT)
    with t.env.sessions() as s:
        [item] = [i for i in s.scalars(select(AnonymousFeedback)) if "invoices" in i.text]
    assert "linked to REQ-1" in command(t, "/feedback", f"link {item.public_id} REQ-1", user=PM)
    assert "duplicate of REQ-2" in command(t, "/req", "merge REQ-1 into REQ-2", user=PM)
    with t.env.sessions() as s:
        dup = s.scalars(select(Requirement).where(Requirement.number == 1)).one()
        kept = s.get(AnonymousFeedback, item.public_id)
        assert kept is not None and kept.requirement_id == dup.id


def test_a_feedback_card_shows_its_state_as_it_and_its_requirement_move(team: Team) -> None:
    """The card in the channel is where a feedback item is seen: it says its state, and is
    edited by every move (ack, link, the requirement planned and done, a decline)."""
    from tests.test_cards_follow import buttons, card_of, follows

    env = team.env

    def say(command_: str, text: str, user: str = PM) -> None:
        env.driver.command(command_, text, user=user, channel=PRODUCT)
        env.drain()

    say("/feedback", "Export invoices to CSV please", user=BOB)
    say("/feedback", "Make the logo purple", user=CAROL)
    team.deliver()
    assert "State: *new*" in texts(card_of(team, "FB-1")["blocks"])
    say("/feedback", "ack FB-1")
    assert "State: *acknowledged*" in follows(team, "FB-1")
    say("/req", "new Export invoices as CSV")
    say("/feedback", "link FB-1 REQ-1")
    assert "State: *linked (REQ-1)*" in follows(team, "FB-1")
    say("/req", "status REQ-1 planned")
    assert "State: *planned (REQ-1)*" in follows(team, "FB-1")
    say("/req", "close REQ-1 done")
    assert "State: *shipped (REQ-1)*" in follows(team, "FB-1")

    old = copy.deepcopy(card_of(team, "FB-2"))
    say("/feedback", "decline FB-2 the brand guide fixes the colours")
    shown = follows(team, "FB-2")
    assert "State: *declined: the brand guide fixes the colours*" in shown
    assert "🚫 Declined by <@U0ALICE>" in shown and buttons(card_of(team, "FB-2")) == []
    env.driver.click(old, "fb_promote", user=DAVE, channel=PRODUCT)
    env.drain()
    said = env.last_ephemeral(DAVE)["text"]
    assert said.startswith("FB-2 is 🚫 Declined by <@U0ALICE>") and "Nothing was changed" in said
    assert len(team.rows(Requirement)) == 1


def test_feedback_whose_requirement_was_rejected_is_not_counted_as_linked(team: Team) -> None:
    """ "Linked or shipped" counts feedback in those states: one whose requirement was
    rejected, or that a lead declined, is declined (as `/feedback list` and its card say)."""
    from tests.test_privacy_and_home import open_home

    env = team.env
    env.clock.set(MONDAY)
    team.cmd("schedule weekdays 09:30 Europe/Berlin")  # alice leads #product
    for text in ("Export invoices to CSV", "Dark mode", "Purple logo"):
        env.driver.command("/feedback", text, user=BOB, channel=PRODUCT)
    env.drain()
    env.req("new Export invoices as CSV")
    env.req("new Dark mode")
    for fb, req in (("FB-1", "REQ-1"), ("FB-2", "REQ-2"), ("FB-3", "REQ-1")):
        env.driver.command("/feedback", f"link {fb} {req}", user=PM, channel=PRODUCT)
    env.drain()
    env.req("close REQ-2 rejected not this year")
    env.driver.command(
        "/feedback", "decline FB-3 a logo is not an invoice", user=PM, channel=PRODUCT
    )
    env.drain()
    listed = env.driver.command("/feedback", "list", user=BOB, channel=PRODUCT).json()["blocks"]
    assert "declined (REQ-2)" in texts(listed) and "declined: a logo" in texts(listed)
    lead = texts(open_home(env, PM)["blocks"])
    assert "linked or shipped 33% (1 of 3)" in lead, lead
