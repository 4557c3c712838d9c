"""Retro buttons and forms: Add an item (DM), Vote, Group items, Add action, Done.

An anonymous item's sender is used only to open their form; the form's submission passes no
user id to the service, and the request is neither logged nor counted (`bot.runtime.metrics`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.ids import ActionId
from bot.readmodels import RetroBoard
from bot.services import (
    anonymous,
    retro_actions,
    retro_board,
    retro_items,
    retro_votes,
    retros,
)
from bot.views import retro_forms as forms
from bot.views import retros as views
from handlers import slack_api
from handlers.common import (
    STALE,
    actor_of,
    day_of,
    deps_of,
    ephemeral,
    form_values,
    metadata_of,
    team_of,
    whole,
)
from storage.statuses import RetroStatus


def _retro_id(body: dict[str, Any]) -> int:
    return whole(body["actions"][0].get("value"))


def handle_add_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Open the item form (with the anonymous switch when the retro has a crowd to hide in);
    once the collection is over, say so and where to vote instead."""
    deps = deps_of(context)
    with deps.transaction() as session:
        closed = retros.collection_closed(
            session=session, team_id=team_of(context), retro_id=_retro_id(body)
        )
        retro = retros.get(session=session, team_id=team_of(context), retro_id=_retro_id(body))
        allowed = len(retro.members) >= deps.settings.teamloop_anon_min_members
        retro_id = retro.id
    ack()
    if closed is not None:  # a block action's ack body is not shown: answer by response_url
        ephemeral(respond)(closed)
        return
    client.views_open(
        trigger_id=body["trigger_id"],
        view=forms.item_modal(
            retro_id, anonymous_allowed=allowed, dm=str((body.get("channel") or {}).get("id", ""))
        ),
    )


def handle_item_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store the item: named, or with no user id at all when *Send anonymously* is ticked;
    then tell only its author, in the DM the form came from."""
    meta = metadata_of(view)
    values = form_values(view)
    anon = "anonymous" in (values.get(ActionId.RETRO_ANONYMOUS) or [])
    deps = deps_of(context)
    with deps.transaction() as session:
        item = retro_items.add_item(
            session=session,
            team_id=team_of(context),
            retro_id=whole(meta.get("retro")),
            category=str(values.get(ActionId.RETRO_CATEGORY) or ""),
            text=str(values.get(ActionId.RETRO_TEXT) or ""),
            author_id=None if anon else body["user"]["id"],
            min_members=deps.settings.teamloop_anon_min_members,
            now=deps.clock.now(),
        )
        said = views.item_added(item.text, anonymous=anon)
    if anon:
        with deps.transaction() as session:
            anonymous.forget_write_order(session=session)
    ack()
    dm, user = str(meta.get("dm") or ""), body["user"]["id"]
    if dm:
        deps.defer(
            lambda: slack_api.post_ephemeral(client, channel=dm, user=user, text=said),
            answer=None,
        )


def handle_vote(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """*Vote* on the board: the board updates in place; the voter hears how many are left."""
    raw = str(body["actions"][0].get("value") or "")
    retro_raw, _, item_id = raw.partition(":")
    retro_id = whole(retro_raw)
    if not item_id or len(item_id) > 16:
        raise InvalidInput(STALE)
    ack()
    deps = deps_of(context)

    def work() -> None:
        with deps.transaction() as session:
            voted, left = retro_votes.vote(
                session=session,
                team_id=team_of(context),
                retro_id=retro_id,
                item_id=item_id,
                user_id=body["user"]["id"],
                now=deps.clock.now(),
            )
            voted_for = retro_votes.mine(
                session=session, retro_id=retro_id, user_id=body["user"]["id"]
            )
        ephemeral(respond)(views.vote_answer(voted=voted, left=left, mine=voted_for))

    deps.defer(work, answer=ephemeral(respond))


def _facilitator_board(body: dict[str, Any], context: BoltContext) -> RetroBoard:
    deps = deps_of(context)
    with deps.transaction() as session:
        retro = retros.get(session=session, team_id=team_of(context), retro_id=_retro_id(body))
        retros.require_facilitator(retro, body["user"]["id"])
        if retro.status == RetroStatus.CLOSED:
            raise InvalidInput("This retro is closed. `/retro action …` still adds an action.")
        return retro_board.board_of(session=session, retro=retro)


def handle_group_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the group form (the facilitator)."""
    board = _facilitator_board(body, context)
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=forms.group_modal(board))


def handle_group_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Group the picked items under the label; the board updates in place."""
    meta = metadata_of(view)
    values = form_values(view)
    deps = deps_of(context)
    with deps.transaction() as session:
        retro_votes.group(
            session=session,
            team_id=team_of(context),
            retro_id=whole(meta.get("retro")),
            item_ids=[str(v) for v in values.get(ActionId.RETRO_ITEMS) or []],
            label=str(values.get(ActionId.RETRO_LABEL) or ""),
            user_id=body["user"]["id"],
            now=deps.clock.now(),
        )
    ack()


def handle_action_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the action form (the facilitator)."""
    board = _facilitator_board(body, context)
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=forms.action_modal(board))


def handle_action_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Create ACT-n from the form."""
    meta = metadata_of(view)
    values = form_values(view)
    deps = deps_of(context)
    with deps.transaction() as session:
        retro = retros.get(
            session=session, team_id=team_of(context), retro_id=whole(meta.get("retro"))
        )
        actor = actor_of(context, user_id=body["user"]["id"], channel_id=retro.channel_id)
        retro_actions.create(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            text=str(values.get(ActionId.ACT_TEXT) or ""),
            owner_id=values.get(ActionId.ACT_OWNER) or None,
            due=day_of(values.get(ActionId.ACT_DUE), field="act_due"),
            retro_id=retro.id,
        )
    ack()
