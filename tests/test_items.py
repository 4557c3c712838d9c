"""/feedback, /blocker, /risk end to end: commands, cards, forms, shortcuts, reactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.items import Blocker, Feedback, Risk
from storage.models import HistoryEvent, Requirement
from tests.conftest import BOB, CAROL, DAVE, ENG, PM, PRODUCT, Env, texts


def cmd(env: Env, command: str, text: str, *, user: str = PM, channel: str = PRODUCT) -> Any:
    reply = env.driver.command(command, text, user=user, channel=channel)
    env.drain()
    return reply


def rows(env: Env, model: Any) -> list[Any]:
    with env.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def card_of(env: Env) -> str:
    """The newest top-level message of #product, as text."""
    newest = env.channel()[-1]
    return newest["text"] + "\n" + texts(newest.get("blocks"))


def answer(reply: Any) -> str:
    body = reply.json()
    return body.get("text", "") + "\n" + texts(body.get("blocks"))


def test_feedback_detects_the_kind_and_links_a_requirement(env: Env) -> None:
    env.req("new Export invoices to CSV")
    reply = cmd(env, "/feedback", "The export is broken for big files REQ-1")
    # The ack is empty; the card is posted in the channel right after it (issue 17).
    assert reply.body == ""
    posted = card_of(env)
    assert "FB-1" in posted and "→ REQ-1" in posted
    reply = cmd(env, "/feedback", "Can we export to Excel too?")
    reply = cmd(env, "/feedback", "praise The new card layout is lovely", user=BOB)
    fbs = rows(env, Feedback)
    assert [(f.kind, f.author_id) for f in fbs] == [
        ("problem", PM),
        ("question", PM),
        ("praise", BOB),
    ]
    listing = answer(cmd(env, "/feedback", "list"))
    assert "FB-3" in listing and "FB-1" in listing and "<@U0BOB>" in listing


def test_feedback_bad_input_says_what_to_type(env: Env) -> None:
    assert "Say what" in answer(cmd(env, "/feedback", "anonymous"))
    assert "There is no REQ-9" in answer(cmd(env, "/feedback", "Nice REQ-9"))
    assert rows(env, Feedback) == []
    # A mention in feedback is part of what was said, not an owner: it is kept as text.
    cmd(env, "/feedback", "Slow search <@U0BOB|bob>")
    assert [f.text for f in rows(env, Feedback)] == ["Slow search @bob"]


def test_promote_creates_a_linked_requirement(env: Env) -> None:
    cmd(env, "/feedback", "Dark mode please, my eyes hurt", user=BOB)
    card = env.channel()[-1]
    env.driver.click(card, "fb_promote", user=PM, channel=PRODUCT)
    env.drain()
    [req] = rows(env, Requirement)
    assert req.title == "Dark mode please, my eyes hurt" and req.requester_id == BOB
    assert "From feedback FB-1" in req.description
    assert rows(env, Feedback)[0].requirement_id == req.id
    assert "→ REQ-1" in texts(env.ws.message(PRODUCT, card["ts"])["blocks"])
    assert any("REQ-1" in (m.get("text") or "") for m in env.channel())


def test_link_button_opens_a_form_and_a_wrong_id_shows_on_the_field(env: Env) -> None:
    env.req("new SSO with Okta")
    cmd(env, "/feedback", "We need SAML")
    env.driver.click(env.channel()[-1], "fb_link", user=PM, channel=PRODUCT)
    view_id = next(v for v, view in env.ws.views.items() if view["callback_id"] == "fb_link_modal")
    bad = {"item_req": {"item_req_input": {"type": "plain_text_input", "value": "SSO"}}}
    reply = env.driver.submit(view_id, bad, user=PM)
    assert "item_req" in reply.json()["errors"]
    good = {"item_req": {"item_req_input": {"type": "plain_text_input", "value": "REQ-1"}}}
    assert env.driver.submit(view_id, good, user=PM).status == 200
    env.drain()
    assert rows(env, Feedback)[0].requirement_id == rows(env, Requirement)[0].id
    assert "linked to REQ-1" in env.last_ephemeral(PM)["text"]


def test_blockers_report_list_and_resolve_with_permissions(env: Env) -> None:
    env.req("new Payments")
    cmd(env, "/blocker", "Waiting on API keys REQ-1 <@U0BOB|bob>", user=DAVE)
    assert "BLK-1" in card_of(env) and "owner <@U0BOB>" in card_of(env)
    [blk] = rows(env, Blocker)
    assert (blk.reporter_id, blk.owner_id, blk.status) == (DAVE, BOB, "open")
    assert "BLK-1" in answer(cmd(env, "/blocker", "list"))
    cmd(env, "/blocker", "resolve BLK-1", user=PM)  # neither reporter, owner nor admin
    assert "Only <@U0DAVE>" in env.last_ephemeral(PM)["text"]
    assert rows(env, Blocker)[0].status == "open"
    assert "Which blocker" in answer(cmd(env, "/blocker", "resolve"))
    card = env.channel()[-1]
    env.driver.click(card, "blk_resolve", user=BOB, channel=PRODUCT)
    env.drain()
    assert rows(env, Blocker)[0].status == "resolved"
    assert "resolved" in texts(env.ws.message(PRODUCT, card["ts"])["blocks"])
    assert "No open blockers" in answer(cmd(env, "/blocker", "list"))


def test_risk_register_sorted_by_score_edit_and_close(env: Env) -> None:
    cmd(env, "/risk", "new Vendor API may slip likelihood 4 impact 5 <@U0CAROL|carol>")
    cmd(env, "/risk", "new Key person on leave")
    assert "1 to 5" in answer(cmd(env, "/risk", "new Outage likelihood 9"))
    listing = answer(cmd(env, "/risk", "list"))
    assert listing.index("RSK-1") < listing.index("RSK-2") and "score *20*" in listing
    cmd(env, "/risk", "edit RSK-2")
    view_id = next(v for v, view in env.ws.views.items() if view["callback_id"] == "rsk_edit_modal")

    def pick(n: str) -> dict[str, Any]:
        return {
            "type": "static_select",
            "selected_option": {"value": n, "text": {"type": "plain_text", "text": n}},
        }

    values = {
        "rsk_likelihood": {"rsk_likelihood_input": pick("5")},
        "rsk_impact": {"rsk_impact_input": pick("5")},
        "item_owner": {"item_owner_input": {"type": "users_select", "selected_user": BOB}},
        "rsk_mitigation": {
            "rsk_mitigation_input": {"type": "plain_text_input", "value": "Cross-train Erin"}
        },
        "rsk_review": {"rsk_review_input": {"type": "datepicker", "selected_date": "2020-01-01"}},
    }
    reply = env.driver.submit(view_id, values, user=PM)
    assert "rsk_review" in reply.json()["errors"]
    values["rsk_review"]["rsk_review_input"]["selected_date"] = "2026-12-04"
    assert env.driver.submit(view_id, values, user=PM).status == 200
    env.drain()
    risk = rows(env, Risk)[1]
    assert (risk.score, risk.owner_id, risk.mitigation) == (25, BOB, "Cross-train Erin")
    listing = answer(cmd(env, "/risk", "list"))
    assert listing.index("RSK-2") < listing.index("RSK-1")
    cmd(env, "/risk", "close RSK-2")
    assert rows(env, Risk)[1].status == "closed"
    with env.sessions() as s:
        fields = [
            e.field
            for e in s.scalars(select(HistoryEvent).where(HistoryEvent.entity_type == "risk"))
        ]
    assert {"likelihood", "impact", "owner_id", "mitigation", "review_date", "status"} <= set(
        fields
    )
    assert "don't know" in answer(cmd(env, "/risk", "frobnicate"))


def test_shortcuts_prefill_forms_and_confirm_in_the_thread(env: Env) -> None:
    msg = env.driver.say("Deploys keep failing on staging", user=BOB, channel=ENG)
    env.driver.shortcut("capture_blocker", user=DAVE, channel=ENG, ts=msg["ts"])
    view_id = next(
        v for v, view in env.ws.views.items() if view["callback_id"] == "blk_capture_modal"
    )
    prefilled = env.ws.views[view_id]["blocks"][0]["element"]["initial_value"]
    assert prefilled == "Deploys keep failing on staging"
    values = {"item_text": {"item_text_input": {"type": "plain_text_input", "value": prefilled}}}
    assert env.driver.submit(view_id, values, user=DAVE).status == 200
    env.drain()
    [blk] = rows(env, Blocker)
    assert (blk.reporter_id, blk.source_ts) == (BOB, msg["ts"]) and blk.permalink
    assert "BLK-1" in env.ws.thread(ENG, msg["ts"])[0]["text"]

    msg2 = env.driver.say("Love the new onboarding", user=CAROL, channel=ENG)
    env.driver.shortcut("capture_feedback", user=PM, channel=ENG, ts=msg2["ts"])
    view_id = next(
        v for v, view in env.ws.views.items() if view["callback_id"] == "fb_capture_modal"
    )
    values = {
        "item_text": {
            "item_text_input": {"type": "plain_text_input", "value": "Love the new onboarding"}
        }
    }
    env.driver.submit(view_id, values, user=PM)
    env.drain()
    [fb] = rows(env, Feedback)
    assert (fb.kind, fb.author_id, fb.channel_id) == ("praise", CAROL, ENG)
    assert "FB-1" in env.ws.thread(ENG, msg2["ts"])[0]["text"]


def test_reactions_capture_feedback_and_blockers_once(env: Env) -> None:
    msg = env.driver.say("Search is slow again", user=BOB, channel=PRODUCT)
    env.driver.react("speech_balloon", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1")
    env.driver.react(
        "speech_balloon", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1", retry_num=1
    )
    # Carol reacts after Alice's capture has finished, so she is the one told it exists.
    env.drain()
    env.driver.react("speech_balloon", user=CAROL, channel=PRODUCT, ts=msg["ts"])
    env.driver.react("construction", user=PM, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    assert [(f.kind, f.author_id) for f in rows(env, Feedback)] == [("problem", BOB)]
    assert [b.reporter_id for b in rows(env, Blocker)] == [BOB]
    thread = sorted(m["text"] for m in env.ws.thread(PRODUCT, msg["ts"]))
    assert len(thread) == 2 and "BLK-1" in thread[0] and "FB-1" in thread[1]
    assert "already FB-1" in env.last_ephemeral(CAROL)["text"]
