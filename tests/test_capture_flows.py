"""The form, the message shortcut, the :bulb: reaction and the card's buttons."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Requirement
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Env, texts


def _values(title: str = "", **extra: object) -> dict:
    values = {
        "req_title": {"req_title_input": {"type": "plain_text_input", "value": title}},
        "req_description": {
            "req_description_input": {"type": "plain_text_input", "value": extra.get("description")}
        },
        "req_priority": {
            "req_priority_input": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "P0"},
                    "value": extra.get("priority", "P2"),
                },
            }
        },
        "req_owner": {
            "req_owner_input": {"type": "users_select", "selected_user": extra.get("owner")}
        },
        "req_due": {"req_due_input": {"type": "datepicker", "selected_date": extra.get("due")}},
        "req_labels": {
            "req_labels_input": {"type": "plain_text_input", "value": extra.get("labels")}
        },
    }
    return values


def _count(env: Env) -> int:
    with env.sessions() as s:
        return s.scalar(select(func.count(Requirement.id))) or 0


def test_new_alone_opens_the_form_and_submit_creates(env: Env) -> None:
    env.req("new")
    [call] = env.ws.calls_of("views.open")
    view_id = next(iter(env.ws.views))
    assert env.ws.views[view_id]["title"]["text"] == "New requirement"
    reply = env.driver.submit(view_id, _values(""), user=PM)
    assert reply.json()["response_action"] == "errors"
    assert "title" in reply.json()["errors"]["req_title"]
    assert _count(env) == 0 and view_id in env.ws.views  # still open, nothing lost
    reply = env.driver.submit(
        view_id,
        _values(
            "SSO with Okta",
            description="SAML too",
            priority="P0",
            owner=BOB,
            due="2026-12-04",
            labels="auth, #enterprise",
        ),
        user=PM,
    )
    assert reply.status == 200 and reply.body == ""
    env.drain()
    with env.sessions() as s:
        req = s.scalars(select(Requirement)).one()
    assert (req.title, req.description, req.priority, req.owner_id, str(req.due_date)) == (
        "SSO with Okta",
        "SAML too",
        "P0",
        BOB,
        "2026-12-04",
    )
    assert req.labels == ["auth", "enterprise"] and req.team_id == env.ws.team_id
    card = env.channel()[-1]
    assert "REQ-1 · SSO with Okta" in texts(card["blocks"])
    assert call.args["trigger_id"]


def test_form_rejects_past_due_on_the_field(env: Env) -> None:
    env.req("new")
    view_id = next(iter(env.ws.views))
    reply = env.driver.submit(view_id, _values("Late", due="2020-01-01"), user=PM)
    assert "in the past" in reply.json()["errors"]["req_due"]
    assert _count(env) == 0


def test_shortcut_prefills_and_keeps_permalink(env: Env) -> None:
    msg = env.driver.say(
        "Customers keep asking for CSV export\nEspecially finance teams", user=DAVE, channel=PRODUCT
    )
    env.driver.shortcut("capture_requirement", user=PM, channel=PRODUCT, ts=msg["ts"])
    view_id, view = next(iter(env.ws.views.items()))
    title_el = view["blocks"][0]["element"]
    assert title_el["initial_value"] == "Customers keep asking for CSV export"
    env.driver.submit(view_id, _values(title_el["initial_value"]), user=PM)
    env.drain()
    with env.sessions() as s:
        req = s.scalars(select(Requirement)).one()
    assert req.permalink and req.permalink.endswith(msg["ts"].replace(".", ""))
    [reply] = env.ws.thread(PRODUCT, msg["ts"])
    assert "Captured as *REQ-1*" in reply["text"]
    # The shortcut on the same message again: an answer, not a form that could only refuse.
    views_before = set(env.ws.views)
    env.driver.shortcut("capture_requirement", user=BOB, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    assert set(env.ws.views) == views_before
    assert "already captured as REQ-1" in env.ws.ephemerals_for(BOB)[-1]["text"]


def test_bulb_reaction_captures_once_despite_redelivery(env: Env) -> None:
    msg = env.driver.say("We need an audit log for admins", user=BOB, channel=PRODUCT)
    first = env.driver.react("bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1")
    env.drain()
    again = env.driver.react(
        "bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1", retry_num=1
    )
    env.drain()
    assert first.status == again.status == 200
    assert _count(env) == 1
    replies = env.ws.thread(PRODUCT, msg["ts"])
    assert len(replies) == 1 and "Captured as *REQ-1*" in replies[0]["text"]
    with env.sessions() as s:
        req = s.scalars(select(Requirement)).one()
    assert (req.title, req.requester_id) == ("We need an audit log for admins", BOB)
    # A second person's :bulb: on the same message does not make a duplicate.
    env.driver.react("bulb", user=CAROL, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    assert _count(env) == 1
    assert "already REQ-1" in env.ws.ephemerals_for(CAROL)[-1]["text"]
    # Other emoji are ignored.
    env.driver.react("tada", user=PM, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    assert _count(env) == 1 and len(env.ws.thread(PRODUCT, msg["ts"])) == 1


def test_reaction_on_thread_reply(env: Env) -> None:
    parent = env.driver.say("Release notes thread", user=PM, channel=PRODUCT)
    child = env.driver.say(
        "Bulk edit would save hours", user=BOB, channel=PRODUCT, thread_ts=parent["ts"]
    )
    env.driver.react("bulb", user=PM, channel=PRODUCT, ts=child["ts"])
    env.drain()
    with env.sessions() as s:
        assert s.scalars(select(Requirement.title)).one() == "Bulk edit would save hours"
    assert "Captured as" in env.ws.thread(PRODUCT, parent["ts"])[-1]["text"]


def test_card_buttons_update_the_card(env: Env) -> None:
    env.req("new Usage-based pricing")
    card = env.channel()[-1]
    env.driver.click(card, "req_assign_me", user=BOB, channel=PRODUCT)
    env.drain()
    assert "<@U0BOB>" in texts(card["blocks"])
    env.driver.click(card, "req_vote", user=DAVE, channel=PRODUCT)
    env.drain()
    assert "👍 Vote (2)" in texts(card["blocks"])  # the requester's and one more
    env.driver.click(card, "req_status", user=BOB, channel=PRODUCT, selected="1:planned")
    env.drain()
    assert "🗓️ Planned" in texts(card["blocks"])
    with env.sessions() as s:
        req = s.scalars(select(Requirement)).one()
    assert (req.owner_id, req.votes, req.status) == (BOB, 2, "planned")


def test_the_form_refuses_a_priority_or_owner_its_menus_never_offer(env: Env) -> None:
    # What the terminal sandbox (typed answers) or a forged payload can submit.
    env.req("new")
    view_id = next(iter(env.ws.views))
    reply = env.driver.submit(
        view_id, _values("Export to PDF", priority="P9; drop", owner="zed"), user=PM
    )
    errors = reply.json()["errors"]
    assert errors["req_priority"] == "`P9; drop` is not a priority: pick P0, P1, P2 or P3."
    assert errors["req_owner"] == "`zed` is not a person: pick one from the list."
    assert _count(env) == 0 and view_id in env.ws.views  # still open, nothing saved
    reply = env.driver.submit(view_id, _values("Export to PDF", priority="P1", owner=BOB), user=PM)
    assert reply.status == 200 and _count(env) == 1
