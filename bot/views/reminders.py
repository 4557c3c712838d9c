"""Reminder messages: one DM per person with buttons per item, and the channel's daily post."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.readmodels import Nudge
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    encode,
    escape,
    fit_message,
    input_block,
    plain,
    section,
    truncate,
)
from bot.views.items import blocker_line
from bot.views.requirements import line
from storage.items import Blocker, Risk
from storage.models import Requirement
from storage.retros import RetroAction

DM_ITEMS = 15  # two blocks each: a DM stays well within 50 blocks


def blocker_nudge(blk: Blocker, days: int) -> Nudge:
    """A blocker open for days."""
    text = f"🚧 *{blk.ref}* has been open {days} days: {escape(truncate(blk.text, 200))}"
    return Nudge(blk.ref, blk.channel_id, text, "Resolve")


def due_nudge(req: Requirement, today: date) -> Nudge:
    """A requirement due soon."""
    assert req.due_date is not None
    days = (req.due_date - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return Nudge(req.ref, req.channel_id, f"📅 Due {when}: {line(req, today=today)}", "Mark done")


def action_nudge(act: RetroAction, today: date) -> Nudge:
    """A retro action past its due date."""
    assert act.due_date is not None
    days = (today - act.due_date).days
    late = "1 day" if days == 1 else f"{days} days"
    text = f"⏰ *{act.ref}* from the retro is {late} overdue: {escape(truncate(act.text, 200))}"
    return Nudge(act.ref, act.channel_id, text, "Mark done")


def risk_nudge(risk: Risk, *, review_due: bool) -> Nudge:
    """A risk to review, or scoring high."""
    why = f"review was due {risk.review_date:%d %b}" if review_due and risk.review_date else ""
    if risk.score >= 15:
        why = ", ".join(filter(None, [why, f"score {risk.score}"]))
    text = f"⚠️ *{risk.ref}* ({why}): {escape(truncate(risk.text, 200))}"
    return Nudge(risk.ref, risk.channel_id, text, "Close")


def person_nudge(user_id: str, channel_id: str, *, missed: int = 0, blocked: int = 0) -> Nudge:
    """For a standup's owner only: someone missed standups, or keeps reporting blockers."""
    if missed:
        text = f"🗣️ <@{user_id}> has not answered the last {missed} standups in <#{channel_id}>."
    else:
        text = (
            f"🗣️ <@{user_id}> reported a blocker in each of the last {blocked} standups "
            f"in <#{channel_id}>."
        )
    return Nudge(None, channel_id, text + " Maybe check in?")


def pause_offer(*, channel_id: str, missed: int) -> tuple[str, list[Block]]:
    """To someone who missed standups in a row, once per streak: pause them?"""
    text = (
        f"You have not answered the last {missed} standups in <#{channel_id}>. "
        "Pause your standups? You can resume any time with `/standup back`. If the next ones "
        "go unanswered too, I will pause them for you."
    )
    return "Pause your standups?", [
        section(text),
        actions(button("Pause my standups", ActionId.STANDUP_PAUSE, channel_id, style="primary")),
    ]


def dm(nudges: Sequence[Nudge], *, channel_id: str, today: date) -> tuple[str, list[Block]]:
    """One person's reminders of a run, in one DM."""
    title = f"Reminders from <#{channel_id}> · {today:%a %d %b}"
    blocks: list[Block] = [section(f"*{title}*")]
    for nudge in nudges[:DM_ITEMS]:
        blocks.append(section(nudge.text))
        if nudge.ref:
            value = f"{nudge.ref}|{nudge.channel_id}"
            blocks.append(
                actions(
                    button("Snooze 1 day", ActionId.REM_SNOOZE, value),
                    button(nudge.done_label, ActionId.REM_DONE, value, style="primary"),
                    button("Reassign", ActionId.REM_REASSIGN, value),
                    button("Stop reminding me", ActionId.REM_STOP, value),
                )
            )
    if len(nudges) > DM_ITEMS:
        blocks.append(context(f"…and {len(nudges) - DM_ITEMS} more; see `/req list mine`."))
    count = len(nudges)
    return f"{count} reminder{'s' if count != 1 else ''} from <#{channel_id}>", blocks


def channel_post(
    *,
    overdue: Sequence[Requirement],
    unowned: Sequence[Requirement],
    aging: int,
    today: date,
    names: Mapping[str, str] | None = None,
) -> tuple[str, list[Block]]:
    """What the whole channel should see today: items that newly crossed a threshold (or
    reached their next escalation step). People are named as plain text (`names`: user id to
    display name), never @-tagged."""
    names = names or {}
    blocks: list[Block] = [section(f"*Daily reminders · {today:%A %d %B}*")]
    if overdue:
        blocks.append(
            section(
                "*⏰ Overdue*\n"
                + "\n".join(line(r, today=today, names=names) for r in overdue[:15])
            )
        )
    if unowned:
        listed = "\n".join(line(r, today=today, names=names) for r in unowned[:15])
        blocks.append(section("*🙋 P0/P1 with no owner* (`/req assign REQ-n @someone`)\n" + listed))
    if aging:
        blocks.append(
            context(f"🚧 {aging} blocker{'s' if aging != 1 else ''} open for days: see the thread.")
        )
    parts = [
        f"{len(overdue)} overdue" if overdue else "",
        f"{len(unowned)} without owner" if unowned else "",
    ]
    summary = ", ".join(p for p in parts if p) or f"{aging} aging blockers"
    return f"Daily reminders: {summary}", fit_message(blocks)


def aging_blockers(
    rows: Sequence[Blocker], now: datetime, *, names: Mapping[str, str] | None = None
) -> tuple[str, list[Block]]:
    """The thread reply listing blockers open too long (people as plain text, no @-tags)."""
    listed = "\n".join(blocker_line(b, now, names or {}) for b in rows[:20])
    text = f"Blockers open for 5 days or more ({len(rows)})"
    return text, [section(f"*🚧 {text}*\n{listed}")]


def reassign_modal(ref: str, channel_id: str) -> dict[str, Any]:
    """Pick the new owner of an item."""
    return {
        "type": "modal",
        "callback_id": CallbackId.REM_REASSIGN_MODAL,
        "title": plain(f"Reassign {ref}", 24),
        "submit": plain("Reassign", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"ref": ref, "channel": channel_id}),
        "blocks": [
            input_block(
                BlockId.REM_OWNER,
                "New owner",
                {"type": "users_select", "action_id": ActionId.REM_OWNER},
            )
        ],
    }


DIGEST_HELP = """*Digest and reminders*
• `/digest now` — post this channel's digest now (the last 7 days, or since the last digest)
• `/digest schedule monday 09:00 Europe/Berlin` — when the weekly digest is posted
• `/digest off` — no weekly digest here
• `/digest reminders 09:00 Europe/Berlin` — when the daily reminders run; \
`/digest reminders off` stops them
• `/digest holidays DE` — no standups, reminders or posts on that country's public holidays \
(`/digest holidays off`)
• `/digest status` — both schedules
Without setup, a channel with items gets reminders daily at 09:00 and the digest on Mondays \
at 09:00 (in the workspace's zone). Reminders go by DM to owners, in their working hours and \
zone, once and then on an escalating cadence; only overdue work, P0/P1 without an owner and \
blockers open 5+ days are posted here, when they first cross the line (then weekly)."""
