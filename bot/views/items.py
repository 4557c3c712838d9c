"""Block Kit for feedback, blockers and risks: cards, lists, forms. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.parsing.items import KINDS
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    encode,
    escape,
    fit_message,
    header,
    input_block,
    message,
    option,
    plain,
    section,
    static_select,
    text_input,
    truncate,
)
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.statuses import BlockerStatus, RiskStatus

KIND_EMOJI = {"idea": "💡", "problem": "🐞", "praise": "🎉", "question": "❓"}


def _who(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "nobody"


def age(since: datetime, now: datetime) -> str:
    """How long ago, in days (or "today")."""
    days = (now - since).days
    return "today" if days < 1 else f"{days} day{'s' if days != 1 else ''}"


# -- feedback ---------------------------------------------------------------------------------
def named(user_id: str | None, names: Mapping[str, str] | None) -> str:
    """A person for a listing: a mention, or with `names` (user id: display name) plain text
    for channel posts that must not @-tag anyone."""
    if names is None or user_id is None:
        return _who(user_id)
    return escape(names.get(user_id, "someone"))


def feedback_line(
    fb: Feedback, linked: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    """One line of a feedback listing (never names an anonymous author)."""
    who = "anonymous" if fb.anonymous else named(fb.author_id, names)
    parts = [f"*{fb.ref}* {KIND_EMOJI.get(fb.kind, '')} {escape(truncate(fb.text, 200))}", who]
    if linked:
        parts.append(f"→ {escape(linked)}")
    return " · ".join(parts)


def feedback_card(
    fb: Feedback, *, linked: str | None = None, state: str | None = None
) -> list[Block]:
    """A feedback card with its follow-through state (`acknowledged`, `shipped (REQ-12)`, …)
    and Promote and Link buttons (until it is linked)."""
    blocks = [section(feedback_line(fb, linked))]
    if state:
        blocks.append(context(f"State: *{escape(state)}*"))
    if fb.permalink:
        blocks.append(context(f"<{fb.permalink}|From this message>"))
    if linked is None:
        value = str(fb.number)
        blocks.append(
            actions(
                button("Promote to requirement", ActionId.FB_PROMOTE, value, style="primary"),
                button("Link to REQ-n", ActionId.FB_LINK, value),
                block_id=f"fb_actions_{fb.number}",
            )
        )
    return blocks


def feedback_list(rows: Sequence[tuple[Feedback, str | None]]) -> list[Block]:
    """`/feedback list`: each line ends with the feedback's state (`_new_`, `_shipped
    (REQ-12)_`)."""
    if not rows:
        hint = "`/feedback &lt;what you think&gt;`"
        return [section(f"No feedback in this channel yet. {hint} adds some.")]
    lines = [feedback_line(fb) + (f" · _{escape(state)}_" if state else "") for fb, state in rows]
    return fit_message([header("Recent feedback"), *[section(line) for line in lines]])


def link_modal(number: int, channel_id: str) -> dict[str, Any]:
    """Ask which requirement a feedback belongs to."""
    return {
        "type": "modal",
        "callback_id": CallbackId.FB_LINK_MODAL,
        "title": plain(f"Link FB-{number}", 24),
        "submit": plain("Link", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"fb": number, "channel": channel_id}),
        "blocks": [
            input_block(
                BlockId.ITEM_REQ, "Requirement", text_input(ActionId.ITEM_REQ, "REQ-3", max_len=20)
            )
        ],
    }


# -- blockers ---------------------------------------------------------------------------------
def blocker_line(blk: Blocker, now: datetime, names: Mapping[str, str] | None = None) -> str:
    """One line of a blocker listing: ref, text, owner, age. With `names` (user id: display
    name) people are plain text, for channel posts that must not @-tag anyone."""
    return (
        f"*{blk.ref}* {escape(truncate(blk.text, 200))} · owner {named(blk.owner_id, names)}"
        f" · reported by {named(blk.reporter_id, names)} · open {age(blk.opened_at, now)}"
    )


def blocker_card(
    blk: Blocker, now: datetime, *, requirement: Requirement | None = None
) -> list[Block]:
    """A blocker card; open ones have a Resolve button and name the requirement it blocks
    (`requirement`: the one `blk.requirement_id` points at, read by the caller)."""
    if blk.status == BlockerStatus.RESOLVED:
        return [section(f"~{blk.ref}~ {escape(truncate(blk.text, 200))} · resolved ✅")]
    blocks = [section(blocker_line(blk, now))]
    if requirement is not None:
        title = escape(truncate(requirement.title, 150))
        blocks.append(context(f"🔗 Blocks *{requirement.ref}* {title}"))
    if blk.permalink:
        blocks.append(context(f"<{blk.permalink}|From this message>"))
    blocks.append(
        actions(
            button("Resolve", ActionId.BLK_RESOLVE, str(blk.number), style="primary"),
            block_id=f"blk_actions_{blk.number}",
        )
    )
    return blocks


def blocker_list(rows: Sequence[Blocker], now: datetime) -> list[Block]:
    """`/blocker list`."""
    if not rows:
        return [section("No open blockers in this channel. 🎉")]
    return fit_message(
        [header(f"Open blockers ({len(rows)})")] + [section(blocker_line(b, now)) for b in rows]
    )


# -- risks ------------------------------------------------------------------------------------
def risk_line(risk: Risk, names: Mapping[str, str] | None = None) -> str:
    """One line of the register: score first."""
    review = f" · review {risk.review_date.isoformat()}" if risk.review_date else ""
    return (
        f"*{risk.ref}* score *{risk.score}* (L{risk.likelihood}×I{risk.impact}) "
        f"{escape(truncate(risk.text, 200))} · owner {named(risk.owner_id, names)}{review}"
    )


def risk_card(risk: Risk) -> list[Block]:
    """A risk card with Edit and Close."""
    if risk.status == RiskStatus.CLOSED:
        return [section(f"~{risk.ref}~ {escape(truncate(risk.text, 200))} · closed")]
    blocks = [section(risk_line(risk))]
    if risk.mitigation:
        blocks.append(context("Mitigation: " + escape(truncate(risk.mitigation, 500))))
    blocks.append(
        actions(
            button("Edit", ActionId.RSK_EDIT, str(risk.number)),
            button("Close", ActionId.RSK_CLOSE, str(risk.number)),
            block_id=f"rsk_actions_{risk.number}",
        )
    )
    return blocks


def risk_list(rows: Sequence[Risk]) -> list[Block]:
    """`/risk list`, highest score first."""
    if not rows:
        return [section("No open risks in this channel. `/risk new …` adds one.")]
    return fit_message([header("Risk register")] + [section(risk_line(r)) for r in rows])


def risk_modal(risk: Risk, channel_id: str) -> dict[str, Any]:
    """Edit likelihood, impact, owner, mitigation and review date."""
    scores = [option(str(n), str(n)) for n in range(1, 6)]
    owner: Block = {"type": "users_select", "action_id": ActionId.ITEM_OWNER}
    if risk.owner_id:
        owner["initial_user"] = risk.owner_id
    review: Block = {"type": "datepicker", "action_id": ActionId.RSK_REVIEW}
    if risk.review_date:
        review["initial_date"] = risk.review_date.isoformat()
    mitigation = text_input(ActionId.RSK_MITIGATION, "What we do about it", multiline=True)
    if risk.mitigation:
        mitigation["initial_value"] = truncate(risk.mitigation, 3000)
    return {
        "type": "modal",
        "callback_id": CallbackId.RSK_MODAL,
        "title": plain(f"Edit {risk.ref}", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"risk": risk.number, "channel": channel_id}),
        "blocks": [
            section(escape(truncate(risk.text, 2900))),
            input_block(
                BlockId.RSK_LIKELIHOOD,
                "Likelihood (1–5)",
                static_select(
                    "Likelihood",
                    ActionId.RSK_LIKELIHOOD,
                    scores,
                    initial=scores[risk.likelihood - 1],
                ),
            ),
            input_block(
                BlockId.RSK_IMPACT,
                "Impact (1–5)",
                static_select(
                    "Impact", ActionId.RSK_IMPACT, scores, initial=scores[risk.impact - 1]
                ),
            ),
            input_block(BlockId.ITEM_OWNER, "Owner", owner, optional=True),
            input_block(BlockId.RSK_MITIGATION, "Mitigation", mitigation, optional=True),
            input_block(BlockId.RSK_REVIEW, "Review date", review, optional=True),
        ],
    }


# -- capture forms (message shortcuts) ---------------------------------------------------------
def anonymous_switch() -> Block:
    """The feedback form's explicit anonymous switch, visible before submit."""
    return input_block(
        BlockId.ITEM_ANONYMOUS,
        "Your name",
        {
            "type": "checkboxes",
            "action_id": ActionId.ITEM_ANONYMOUS,
            "options": [
                {
                    "text": plain("Send anonymously"),
                    "description": plain(
                        "No name kept; shown only with a later digest, with other anonymous "
                        "feedback"
                    ),
                    "value": "anonymous",
                }
            ],
        },
        optional=True,
    )


def capture_modal(
    kind: str,
    *,
    channel_id: str,
    text: str,
    source_ts: str | None,
    author_id: str | None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """The feedback or blocker form, prefilled from a message (`text` is plain).

    `thread_ts` is the message's thread parent (the confirmation goes there).
    """
    is_feedback = kind == "feedback"
    meta = {
        "channel": channel_id,
        "source_ts": source_ts,
        "author": author_id,
        "thread": thread_ts or source_ts,
    }
    body = text_input(ActionId.ITEM_TEXT, "What is it about?", multiline=True)
    if text:
        body["initial_value"] = truncate(text, 3000)
    blocks = [
        input_block(BlockId.ITEM_TEXT, "Feedback" if is_feedback else "What is blocked", body)
    ]
    if is_feedback:
        kinds = [option(k, k) for k in KINDS]
        blocks.append(
            input_block(
                BlockId.ITEM_KIND,
                "Kind",
                static_select("Detect it", ActionId.ITEM_KIND, kinds),
                optional=True,
            )
        )
    else:
        blocks.append(
            input_block(
                BlockId.ITEM_OWNER,
                "Owner",
                {"type": "users_select", "action_id": ActionId.ITEM_OWNER},
                optional=True,
            )
        )
    blocks.append(
        input_block(
            BlockId.ITEM_REQ,
            "Requirement",
            text_input(ActionId.ITEM_REQ, "REQ-3", max_len=20),
            optional=True,
        )
    )
    if is_feedback:
        blocks.append(anonymous_switch())
    return {
        "type": "modal",
        "callback_id": CallbackId.FB_MODAL if is_feedback else CallbackId.BLK_MODAL,
        "title": plain("Capture feedback" if is_feedback else "Report a blocker", 24),
        "submit": plain("Capture", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode(meta),
        "blocks": blocks,
    }


def card_text(ref: str, text: str) -> str:
    """A card's top-level `text`: Slack notifies with it, so user text is escaped here too."""
    return f"{ref}: {escape(truncate(text, 100))}"


def confirmation(ref: str, text: str, command: str) -> str:
    """The thread reply confirming a capture from a message."""
    return f"Captured as *{ref}*: {escape(truncate(text, 200))}. See `{command}`."


FEEDBACK_HELP = """*Feedback*
• `/feedback The export is too slow REQ-3` — record feedback (kind detected: idea, problem, \
praise, question), linked to REQ-3 when named
• `/feedback question Can we export to Excel?` — choose the kind yourself
• `/feedback anonymous &lt;text&gt;` — no name is kept anywhere; it appears with other anonymous \
feedback in a later digest, never now. You get a private code: \
`/feedback replies &lt;code&gt;` shows the answers
• `/feedback list` — recent feedback here, with its state · `/feedback search export slow`
• `/feedback ack FB-3` · `/feedback link FB-3 REQ-12` · `/feedback decline FB-3 &lt;why&gt;` — \
follow through: new → acknowledged → linked/planned → shipped, or declined; its author \
hears when it ships
React with :speech_balloon: or use the *Capture feedback* shortcut on a message."""

BLOCKER_HELP = """*Blockers*
• `/blocker Waiting on API keys REQ-3 @bob` — report (owner and requirement optional)
• `/blocker list` — open blockers here, with their age · `/blocker search api keys`
• `/blocker resolve BLK-2` — the reporter, the owner or an admin
React with :construction: or use the *Report blocker* shortcut on a message."""

RISK_HELP = """*Risks*
• `/risk new Vendor API may slip likelihood 4 impact 5 @carol` — likelihood and impact 1–5 \
(default 3); score = likelihood × impact
• `/risk list` — the register, highest score first
• `/risk edit RSK-1` — mitigation, review date, owner, scores
• `/risk close RSK-1`"""


def help_message(title: str, text: str) -> Block:
    """A command's help, shown only to the person."""
    return message(title, [section(text)])


def today_of(now: datetime, zone: Any) -> date:
    """The local date (for review dates)."""
    return now.astimezone(zone).date()
