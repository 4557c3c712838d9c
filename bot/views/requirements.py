"""Requirement cards, lists, details, the capture modal and `/req help`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.parsing.dates import say_date
from bot.parsing.requirements import CLOSED_STATUSES, STATUSES, TITLE_MAX
from bot.readmodels import Page
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    encode,
    escape,
    header,
    message,
    mrkdwn,
    option,
    plain,
    section,
    static_select,
    truncate,
)
from bot.views.history import change_lines
from storage.models import HistoryEvent, Requirement
from storage.statuses import RequirementStatus

STATUS_LABELS: dict[str, str] = {
    RequirementStatus.NEW: "🆕 New",
    RequirementStatus.TRIAGED: "🔎 Triaged",
    RequirementStatus.PLANNED: "🗓️ Planned",
    RequirementStatus.IN_PROGRESS: "🚧 In progress",
    RequirementStatus.IN_REVIEW: "👀 In review",
    RequirementStatus.DONE: "✅ Done",
    RequirementStatus.REJECTED: "🚫 Rejected",
    RequirementStatus.DUPLICATE: "🔁 Duplicate",
}
PRIORITIES = ("P0", "P1", "P2", "P3")


def status_label(status: str) -> str:
    """Human label for a status."""
    return STATUS_LABELS.get(status, status)


def is_overdue(req: Requirement, today: date | None) -> bool:
    """The one rule for "overdue" (cards, listings, Home, DMs, digests): still open and its
    due date before `today` (the viewer's or the workspace's local date, from the injected
    clock). A closed requirement is never overdue."""
    return (
        today is not None
        and req.due_date is not None
        and req.due_date < today
        and req.status not in CLOSED_STATUSES
    )


def _due(req: Requirement, today: date | None) -> str:
    if req.due_date is None:
        return "—"
    text = say_date(req.due_date)
    return f"{text} ⚠️ overdue" if is_overdue(req, today) else text


def change_answer(req: Requirement, what: str, *, today: date | None) -> list[Block]:
    """The short answer to whoever changed `req` by command: what changed and its state now,
    without buttons (the one live card, edited in place, carries them)."""
    state = [status_label(req.status), req.priority, f"owner {_who(req.owner_id)}"]
    if req.due_date is not None:
        state.append("due " + _due(req, today))
    return [section(f"*{req.ref}* {what}."), context(" · ".join(state))]


def _who(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody yet_"


def card_text(req: Requirement) -> str:
    """Notification fallback text of a card."""
    return f"{req.ref}: {escape(truncate(req.title, 200))}"


def due_note(said: str, read: date, note: str) -> str:
    """How a doubtful date phrase was read: "`01/02/2027` read as day/month: Mon 1 Feb 2027"."""
    return f"`{escape(truncate(said, 60))}` {escape(note)}: *{say_date(read)}*."


def card(req: Requirement, *, today: date | None = None, with_actions: bool = True) -> list[Block]:
    """The requirement card posted when it is captured and updated when it changes."""
    labels = " ".join(f"`{escape(label)}`" for label in req.labels) or "—"
    blocks: list[Block] = [
        header(f"{req.ref} · {req.title}"),
        section(
            None,
            fields=[
                f"*Status*\n{status_label(req.status)}",
                f"*Priority*\n{req.priority}",
                f"*Owner*\n{_who(req.owner_id)}",
                f"*Due*\n{_due(req, today)}",
                f"*Labels*\n{labels}",
                f"*Votes*\n{req.votes}",
            ],
        ),
    ]
    if req.description and req.description != req.title:
        blocks.append(section(escape(req.description)))
    if req.close_reason:
        blocks.append(section(f"*Why {req.status}:* {escape(req.close_reason)}"))
    meta = [f"Requested by <@{req.requester_id}>"]
    if req.permalink:
        meta.append(f"<{escape(req.permalink)}|source message>")
    blocks.append(context(" · ".join(meta)))
    if with_actions:
        blocks.append(card_actions(req))
    return blocks


def card_actions(req: Requirement) -> Block:
    """Assign to me, change status, vote."""
    value = str(req.number)
    opts = [option(status_label(s), f"{req.number}:{s}") for s in STATUSES]
    current = next(o for o in opts if o["value"] == f"{req.number}:{req.status}")
    return actions(
        button("Assign to me", ActionId.REQ_ASSIGN_ME, value),
        static_select("Change status", ActionId.REQ_STATUS, opts, initial=current),
        button(f"👍 Vote ({req.votes})", ActionId.REQ_VOTE, value),
        block_id=f"req_actions_{req.number}",
    )


def line(
    req: Requirement, *, today: date | None = None, names: Mapping[str, str] | None = None
) -> str:
    """One line of a listing. With `names` (user id: display name) owners are plain text, for
    channel posts that must not @-tag anyone."""
    owner = _who(req.owner_id)
    if names is not None:
        owner = escape(names.get(req.owner_id, "someone")) if req.owner_id else "_nobody yet_"
    parts = [
        f"*{req.ref}* {escape(truncate(req.title, 120))}",
        req.priority,
        status_label(req.status),
        owner,
    ]
    if req.due_date:
        parts.append("due " + _due(req, today))
    if req.labels:
        parts.append(" ".join(f"`{escape(label)}`" for label in req.labels))
    if req.votes:
        parts.append(f"👍 {req.votes}")
    return " · ".join(parts)


def listing(
    items: Sequence[Requirement],
    *,
    total: int,
    offset: int,
    limit: int,
    title: str,
    pager: dict[str, Any],
    today: date | None = None,
) -> list[Block]:
    """A page of requirements with previous/next buttons (well within 50 blocks)."""
    if not items:
        return [
            section(f"{escape(title)}: nothing here. Capture one with `/req new &lt;title&gt;`.")
        ]
    blocks: list[Block] = [header(f"{title} ({total})")]
    blocks.extend(section(line(r, today=today)) for r in items)
    pages = (total + limit - 1) // limit
    page = offset // limit + 1
    if pages > 1:
        blocks.append(context(f"Page {page} of {pages}"))
        nav = []
        if offset > 0:
            nav.append(
                button(
                    "◀ Previous",
                    ActionId.REQ_LIST_PAGE + "_prev",
                    encode({**pager, "o": max(0, offset - limit)}),
                )
            )
        if offset + limit < total:
            nav.append(
                button(
                    "Next ▶",
                    ActionId.REQ_LIST_PAGE + "_next",
                    encode({**pager, "o": offset + limit}),
                )
            )
        blocks.append(actions(*nav))
    return blocks


def listing_message(page: Page, *, pager: dict[str, Any], mine: bool, today: date | None) -> Block:
    """The ephemeral answer to `/req list` or `/req search` (and its other pages)."""
    if pager.get("v") == "search":
        title = f"Matching “{truncate(str(pager.get('q', '')), 60)}”"
    else:
        title = "Your requirements" if mine else "Requirements in this channel"
    blocks = listing(
        page.items,
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        title=title,
        pager=pager,
        today=today,
    )
    return message(title, blocks)


def detail(
    req: Requirement,
    changes: Sequence[HistoryEvent],
    *,
    today: date | None,
    zone: Any,
    outcome: str | None = None,
) -> list[Block]:
    """`/req show`: the card plus the last changes. A closed requirement (`outcome`: what
    happened, by whom, when) has no buttons, as its channel card after the close: they
    would only refuse. It says how to reopen instead (a command, checked for permission)."""
    blocks = card(req, today=today, with_actions=outcome is None)
    if outcome is not None:
        hint = reopen_hint(req)
        blocks.append(context(outcome + (f" · {hint}" if hint else "")))
    if changes:
        blocks.append(divider())
        blocks.append(section("*Recent changes*"))
        # One text, one change a line: a context's elements would run side by side.
        blocks.append(context(change_lines(list(changes), zone)))
    return blocks


def reopen_hint(req: Requirement) -> str | None:
    """How to reopen a closed requirement (the owner, the requester or an admin may); None
    for a duplicate: its votes and links moved to the requirement it repeats (its reason
    names it), so that one is followed instead."""
    if req.status == RequirementStatus.DUPLICATE:
        return None
    return f"Reopen with `/req status {req.ref} triaged` (owner, requester or an admin)."


def confirmation(req: Requirement) -> str:
    """The thread reply confirming a capture from a message."""
    return (
        f"Captured as *{req.ref}*: {escape(truncate(req.title, 200))}. "
        f"Track it with `/req show {req.ref}`."
    )


def modal(
    *,
    channel_id: str,
    title: str = "",
    description: str = "",
    source_channel_id: str | None = None,
    source_ts: str | None = None,
    thread_ts: str | None = None,
    similar: Sequence[str] = (),
) -> dict[str, Any]:
    """The capture form (from `/req new` alone or the message shortcut); `similar` lines
    (already escaped mrkdwn) say which open requirements look like the prefilled title.

    `thread_ts` is the thread parent's ts of the message (its own ts when top level): the
    confirmation goes into that thread.
    """
    meta: dict[str, Any] = {"channel": channel_id}
    if source_ts:
        meta.update(source_channel=source_channel_id, source_ts=source_ts)
        meta.update(thread=thread_ts or source_ts)
    title_input: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.REQ_TITLE,
        "max_length": TITLE_MAX,
        "placeholder": plain("Export invoices to CSV"),
    }
    if title:
        title_input["initial_value"] = truncate(title, TITLE_MAX)
    desc_input: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.REQ_DESCRIPTION,
        "multiline": True,
        "max_length": 3000,
    }
    if description:
        desc_input["initial_value"] = truncate(description, 3000)
    prio = [option(p, p) for p in PRIORITIES]
    return {
        "type": "modal",
        "callback_id": CallbackId.REQ_MODAL,
        "title": plain("New requirement", 24),
        "submit": plain("Capture", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode(meta),
        "blocks": [
            _input(BlockId.REQ_TITLE, "Title", title_input),
            *([context(" · ".join(similar) + " — vote there instead?")] if similar else []),
            _input(BlockId.REQ_DESCRIPTION, "Description", desc_input, optional=True),
            _input(
                BlockId.REQ_PRIORITY,
                "Priority",
                static_select("Priority", ActionId.REQ_PRIORITY, prio, initial=prio[2]),
            ),
            _input(
                BlockId.REQ_OWNER,
                "Owner",
                {
                    "type": "users_select",
                    "action_id": ActionId.REQ_OWNER,
                    "placeholder": plain("Who owns it?"),
                },
                optional=True,
            ),
            _input(
                BlockId.REQ_DUE,
                "Due date",
                {"type": "datepicker", "action_id": ActionId.REQ_DUE},
                optional=True,
            ),
            _input(
                BlockId.REQ_LABELS,
                "Labels",
                {
                    "type": "plain_text_input",
                    "action_id": ActionId.REQ_LABELS,
                    "placeholder": plain("billing, export"),
                },
                optional=True,
            ),
        ],
    }


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


HELP = """*Capture and track requirements*
• `/req new Export invoices to CSV P1 @bob due friday #billing` — quick capture
• `/req new` — open the form
• `/req list [mine|open|all|@user|#label|P1|&lt;status&gt;]` — this channel's requirements
• `/req show REQ-3` — details and recent changes
• `/req status REQ-3 in_progress` — statuses: new, triaged, planned, in_progress, \
in_review, done, rejected
• `/req assign REQ-3 @bob` · `/req priority REQ-3 P1` · `/req due REQ-3 friday`
• `/req close REQ-3 [done|rejected] [why]` — owner, requester or an admin
• `/req vote REQ-3` · `/req search invoices csv` · `/req help`
• `/req merge REQ-45 into REQ-41` — votes, feedback and blockers move; REQ-45 closes as a \
duplicate (`/search &lt;words&gt;` looks at every kind)
Dates: `today`, `tomorrow`, `friday`, `in 3 days`, `Dec 24`, or YYYY-MM-DD.
You can also react with :bulb: to a message, or use the *Capture requirement* shortcut."""


def help_blocks() -> list[Block]:
    """`/req help`."""
    return [{"type": "section", "text": mrkdwn(HELP)}]
