"""Retro messages: the thread parent, the DM prompt, the voting board, the summary (the forms
are in `bot.views.retro_forms`). Pure: rows in, Block Kit out, user text escaped."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date
from typing import Any

from bot.ids import ActionId, BlockId
from bot.readmodels import RetroBoard as Board
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fit_message,
    header,
    plural,
    section,
    truncate,
)
from storage.retros import Retro, RetroAction, RetroItem
from storage.statuses import ActionStatus, RetroCategory, RetroStatus

CATEGORY_FIELD = BlockId.RETRO_CATEGORY.value
ANON_FIELD = BlockId.RETRO_ANONYMOUS.value
LABEL_FIELD = BlockId.RETRO_LABEL.value
# Escaped: a bare `<text>` in mrkdwn is link markup to Slack.
ACTION_USAGE = "`/retro action &lt;text&gt; @owner due &lt;date&gt;`"
ITEMS_FIELD = BlockId.RETRO_ITEMS.value
COLUMNS = {
    RetroCategory.WELL: "Went well",
    RetroCategory.IMPROVE: "To improve",
    RetroCategory.IDEA: "Ideas",
}
TOP = 5
BOARD_ITEMS = 40

RETRO_HELP = """*Retros*
• `/retro start` — open a retro here: everyone gets a DM to add what *went well*, what *to \
improve* and *ideas* (named or anonymous) for 2 days; `/retro start in 3 days` sets how long
• `/retro schedule every 2 weeks friday 15:00 Europe/Berlin` — start one on a schedule \
(`/retro schedule off` stops it)
• `/retro vote` — close the collection now and post the board: everyone has 3 votes \
(`/retro start votes 5` gives 5)
• `/retro action Fix the flaky deploy @bob due friday` — an action `ACT-n` (the facilitator)
• `/retro done ACT-3` · `/retro actions` — this channel's open actions
• `/retro close` — close it and post the summary · `/retro status`
Open actions are shown first at the next retro and carried over until done."""


def _when(at: Any) -> str:
    # Slack draws the instant in each reader's own zone and clock format (a channel's
    # people live in several zones); clients that can't show the fallback (in UTC).
    # Source: api.slack.com/reference/surfaces/formatting#date-formatting
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    fallback = f"{utc:%a} {utc.day} {utc:%b}, {utc:%H:%M} UTC"
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def action_line(act: RetroAction, today: date) -> str:
    """An action on its owner's Home tab."""
    due = f" · due {act.due_date:%a %d %b}" if act.due_date else ""
    late = " · ⏰ overdue" if act.due_date and act.due_date < today else ""
    return f"*{act.ref}* {escape(truncate(act.text, 200))}{due}{late} · <#{act.channel_id}>"


def _action_line(act: RetroAction, names: dict[str, str], today: date | None = None) -> str:
    who = names.get(act.owner_id or "", "nobody") if act.owner_id else "nobody"
    due = f", due {act.due_date:%a %d %b}" if act.due_date else ""
    state = "✅ done" if act.status == ActionStatus.DONE else str(act.status)
    if today and act.status == ActionStatus.OPEN and act.due_date and act.due_date < today:
        state = "⏰ overdue"
    return f"*{act.ref}* {escape(truncate(act.text, 200))} — {escape(who)}{due} · {state}"


def parent(
    retro: Retro, *, carried: list[RetroAction], names: dict[str, str], today: date
) -> tuple[str, list[Block]]:
    """The retro's thread parent in the channel, as the retro is now (edited when voting
    opens and when it closes)."""
    if retro.status == RetroStatus.COLLECTING:
        text = f"Retro: add your items by DM until {_when(retro.collect_until)}"
        said = (
            f"Everyone here gets a DM to add what went well, what to improve and ideas, until "
            f"*{_when(retro.collect_until)}*. Then the items are shown here to vote on "
            f"({retro.votes_each} votes each)."
        )
    elif retro.status == RetroStatus.VOTING:
        text = f"Retro: voting in this thread until {_when(retro.vote_until)}"
        said = (
            f"The collection closed at *{_when(retro.collect_until)}*. Vote on the items in "
            f"this thread ({retro.votes_each} votes each) until *{_when(retro.vote_until)}*."
        )
    else:
        text = f"Retro: closed at {_when(retro.closed_at)}"
        said = f"This retro closed at *{_when(retro.closed_at)}*; its summary is in the channel."
    blocks: list[Block] = [header("Retro"), section(said)]
    if carried:
        blocks.append(section("*Open actions from earlier retros, carried over:*"))
        blocks += [section(_action_line(a, names, today)) for a in carried[:10]]
    return text, blocks


def prompt(retro: Retro, *, anonymous_allowed: bool) -> tuple[str, list[Block]]:
    """The DM asking a member for items ("or anonymously" only when the retro asked enough
    people for anonymous items to be allowed)."""
    text = f"Retro in <#{retro.channel_id}>: what went well, what to improve, ideas?"
    how = "with your name or anonymously." if anonymous_allowed else "with your name."
    return text, [
        section(
            f"*Retro in <#{retro.channel_id}>*: what went well, what could improve, any ideas? "
            f"Add as many items as you like until {_when(retro.collect_until)}, {how}"
        ),
        actions(button("Add an item", ActionId.RETRO_ADD, str(retro.id), style="primary")),
    ]


def collection_closed(retro: Retro) -> str:
    """Why *Add an item* no longer works (said to whoever presses it, and in the DM)."""
    if retro.status == RetroStatus.CLOSED:
        return (
            f"The retro in <#{retro.channel_id}> closed at {_when(retro.closed_at)}; its "
            "summary is in the channel."
        )
    return (
        f"The collection closed at {_when(retro.collect_until)} — vote in "
        f"<#{retro.channel_id}>'s thread."
    )


def closed_prompt(retro: Retro) -> tuple[str, list[Block]]:
    """The member's DM once the collection is over: no button, where to go instead."""
    said = collection_closed(retro)
    return f"Retro in <#{retro.channel_id}>: {said}", [
        section(f"*Retro in <#{retro.channel_id}>*: {said}")
    ]


def item_added(text: str, *, anonymous: bool) -> str:
    """What only the item's author sees in their DM after *Add*. An anonymous item's text is
    not repeated: the call that shows it names its author to Slack."""
    if anonymous:
        return "Added to the retro anonymously. Add more any time."
    return f"Added to the retro: “{escape(truncate(text, 200))}”. Add more any time."


def topics(board: Board) -> list[tuple[str, int, list[RetroItem]]]:
    """Groups and single items with their votes, most votes first."""
    groups: dict[str, list[RetroItem]] = defaultdict(list)
    topics: list[tuple[str, int, list[RetroItem]]] = []
    for item in board.items:
        if item.group_label:
            groups[item.group_label].append(item)
        else:
            topics.append((item.text, board.votes.get(item.public_id, 0), [item]))
    for label, members in groups.items():
        topics.append((label, sum(board.votes.get(i.public_id, 0) for i in members), members))
    return sorted(topics, key=lambda t: -t[1])


def _item_text(item: RetroItem, board: Board) -> str:
    who = f" — {escape(board.names[item.author_id])}" if item.author_id in board.names else ""
    return f"{escape(truncate(item.text, 300))}{who}"


def board(board: Board, *, today: date | None = None) -> tuple[str, list[Block]]:
    """The voting board in the retro's thread: carried-over actions first, then each column's
    items (groups together) with *Vote* buttons; closed, it keeps the counts without buttons."""
    retro = board.retro
    closed = retro.status == RetroStatus.CLOSED
    text = f"Retro board: {len(board.items)} items" + (" (closed)" if closed else "")
    blocks: list[Block] = [
        section(
            "*Voting is over.*"
            if closed
            else f"*Vote on what matters most*: {retro.votes_each} votes each; press again to "
            "take a vote back."
        )
    ]
    if not closed:
        # First, so a long board cut at 50 blocks still has the facilitator's buttons.
        blocks.append(
            actions(
                button("Group items", ActionId.RETRO_GROUP, str(retro.id)),
                button("Add action", ActionId.RETRO_ACTION, str(retro.id), style="primary"),
            )
        )
    if board.carried:
        blocks.append(context("Carried over: " + " · ".join(a.ref for a in board.carried)))
        blocks += [section(_action_line(a, board.names, today)) for a in board.carried[:5]]
    shown = 0
    for cat, label in COLUMNS.items():
        column = [i for i in board.items if i.category == cat]
        if not column:
            continue
        blocks.append(header(label))
        column.sort(key=lambda i: (i.group_label or "", i.public_id))
        group = None
        for item in column:
            if shown >= BOARD_ITEMS:
                break
            if item.group_label and item.group_label != group:
                total = sum(
                    board.votes.get(i.public_id, 0)
                    for i in column
                    if i.group_label == item.group_label
                )
                blocks.append(
                    context(
                        f"*{escape(item.group_label)}* · {total} vote{'' if total == 1 else 's'}"
                    )
                )
            group = item.group_label
            votes = board.votes.get(item.public_id, 0)
            line = f"{_item_text(item, board)}  *{votes}*"
            value = f"{retro.id}:{item.public_id}"
            accessory = None if closed else button("Vote", ActionId.RETRO_VOTE, value)
            blocks.append(section(line, accessory=accessory))
            shown += 1
    if not board.items:
        blocks.append(section("_No items were added._"))
    if board.actions:
        blocks.append(divider())
        blocks += [section(_action_line(a, board.names)) for a in board.actions[:5]]
    return text, fit_message(blocks)


def summary(board: Board, *, today: date) -> tuple[str, list[Block]]:
    """Posted in the channel when the retro closes."""
    ranked = topics(board)
    text = (
        f"Retro summary: {plural(len(board.items), 'item')}, {plural(len(board.actions), 'action')}"
    )
    blocks: list[Block] = [header("Retro summary")]
    top = [t for t in ranked if t[1] >= 1][:TOP]  # an item nobody voted for is not "top"
    if top:
        lines = [
            f"{n}. {escape(truncate(t[0], 200))} · *{t[1]}* vote{'' if t[1] == 1 else 's'}"
            for n, t in enumerate(top, 1)
        ]
        blocks.append(section("*Top items*\n" + "\n".join(lines)))
    elif ranked:
        blocks.append(section("_Nobody voted._"))
    else:
        blocks.append(section("_No items were added._"))
    if board.actions:
        blocks.append(
            section("*Actions*\n" + "\n".join(_action_line(a, board.names) for a in board.actions))
        )
    else:
        blocks.append(context(f"No actions yet: {ACTION_USAGE} adds one."))
    if board.carried:
        lines = [_action_line(a, board.names, today) for a in board.carried]
        blocks.append(section("*Carried over*\n" + "\n".join(lines)))
    return text, fit_message(blocks)


def status_text(retro: Retro, *, items: int, voters: int) -> str:
    """`/retro status`."""
    if retro.status == RetroStatus.COLLECTING:
        # No count while collecting: it would date anonymous items as they arrive.
        return (
            f"Retro collecting items by DM until {_when(retro.collect_until)}. "
            "`/retro vote` opens the voting now."
        )
    if retro.status == RetroStatus.VOTING:
        return (
            f"Retro voting in its thread: {items} items, {voters} people voted. "
            "`/retro close` posts the summary."
        )
    return f"The last retro closed {retro.closed_at:%a %d %b}. `/retro start` opens the next."


def actions_list(acts: list[RetroAction], names: dict[str, str], today: date) -> str:
    """`/retro actions`."""
    if not acts:
        return f"No open actions here. {ACTION_USAGE} adds one."
    return "*Open actions*\n" + "\n".join(_action_line(a, names, today) for a in acts[:30])


def vote_answer(*, voted: bool, left: int, mine: list[str]) -> str:
    """The voter's own answer to *Vote*: what happened, votes left, and which items they voted
    for (only they see it; the shared board shows counts only)."""
    what = "Voted" if voted else "Vote taken back"
    out = f"{what}: {left} vote{'s' if left != 1 else ''} left."
    if mine:
        out += " Your votes: " + " · ".join(escape(truncate(t, 60)) for t in mine) + "."
    return out
