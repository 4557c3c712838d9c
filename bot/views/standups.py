"""Standup messages and forms: the DM prompt, the channel thread, the answer and setup modals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.readmodels import Tally
from bot.scheduling.recurrence import CODES
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    encode,
    escape,
    header,
    input_block,
    option,
    plain,
    section,
    static_select,
    text_input,
    truncate,
)

DAY_LABELS = dict(zip(CODES, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
REMINDER_CHOICES = (0, 30, 60, 120, 240)


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def prompt(*, channel_id: str, day: date, questions: Sequence[str], run_id: int) -> Any:
    """The DM asking one person for their standup."""
    title = f"Standup for <#{channel_id}> · {_day(day)}"
    asked = "\n".join(f"{n}. {escape(q)}" for n, q in enumerate(questions, 1))
    blocks = [
        section(f"*{title}*"),
        section(asked),
        actions(
            button("Answer", ActionId.STANDUP_ANSWER, str(run_id), style="primary"),
            button("Skip today", ActionId.STANDUP_SKIP, str(run_id)),
        ),
        context(
            "Or type your answers here: one message per question, or all at once "
            "(numbered or one per line). `skip` skips today."
        ),
    ]
    return f"Standup for <#{channel_id}>: time for your update", blocks


def reminder(*, channel_id: str, day: date, run_id: int) -> Any:
    """The one reminder for someone who has not answered yet."""
    text = f"Still time for your standup in <#{channel_id}> ({_day(day)})."
    blocks = [
        section(text),
        actions(
            button("Answer", ActionId.STANDUP_ANSWER, str(run_id), style="primary"),
            button("Skip today", ActionId.STANDUP_SKIP, str(run_id)),
        ),
    ]
    return text, blocks


def answered(*, channel_id: str, day: date, run_id: int) -> Any:
    """What the prompt DM turns into once answered."""
    text = f"Thanks! Your standup for {_day(day)} is in the thread in <#{channel_id}>."
    return text, [
        section(f"✅ {text}"),
        actions(button("Edit answer", ActionId.STANDUP_ANSWER, str(run_id))),
    ]


def skipped(*, channel_id: str, day: date, run_id: int) -> Any:
    """What the prompt DM turns into once skipped."""
    text = f"Skipped your standup for <#{channel_id}> on {_day(day)}."
    return text, [
        section(f"⏭️ {text}"),
        actions(button("Answer after all", ActionId.STANDUP_ANSWER, str(run_id))),
    ]


def parent(*, day: date, tally: Tally) -> Any:
    """The thread's parent: who answered, and only a count of who has not (nobody is tagged)."""
    title = f"Standup · {_day(day)}"
    parts = [f"✅ {len(tally.answered)} answered"]
    if tally.waiting:
        parts.append(f"⏳ {tally.waiting} not yet")
    if tally.skipped:
        parts.append(f"⏭️ {tally.skipped} skipped")
    if tally.away:
        parts.append(f"🌴 {tally.away} away")
    names = ", ".join(escape(n) for n in tally.answered)
    blocks: list[Block] = [section(f"*{title}*\n" + " · ".join(parts))]
    if names:
        blocks.append(context(f"Answered: {truncate(names, 1900)}"))
    blocks.append(context("Answers are replies in this thread."))
    return f"{title}: {len(tally.answered)} answered, {tally.waiting} not yet", blocks


def reply(
    *,
    name: str,
    questions: Sequence[str],
    answers: Sequence[str],
    blocker_ref: str | None,
    late: bool,
    edited: bool,
    undo: str | None = None,
    withdrawn: bool = False,
    outcome: str | None = None,
) -> Any:
    """One person's answers as a thread reply. `undo` (the button value `run:user`) adds the
    *Not a blocker* button next to an open blocker; `withdrawn` says it was taken back;
    `outcome` what happened to it since ("BLK-1 · ✅ Resolved by <@U…> · Mon 10:02")."""
    lines = []
    for question, answer in zip(questions, answers, strict=False):
        shown = escape(truncate(answer.strip(), 900)) or "_—_"
        lines.append(f"*{escape(question)}*\n{shown}")
    blocks: list[Block] = [section(f"*{escape(name)}*"), section("\n\n".join(lines))]
    notes = []
    if blocker_ref:
        notes.append(f"🚧 Recorded as *{blocker_ref}* (`/blocker list`)")
    if withdrawn:
        notes.append("not a blocker")
    elif outcome:
        notes.append(f"🚧 {outcome}")
    if late:
        notes.append("answered late")
    if edited:
        notes.append("edited")
    if notes:
        blocks.append(context(" · ".join(notes)))
    if blocker_ref and undo:
        blocks.append(actions(button("Not a blocker", ActionId.STANDUP_NOT_BLOCKER, undo)))
    return f"Standup from {name}", blocks


def answer_modal(
    *,
    run_id: int,
    channel_id: str,
    day: date,
    questions: Sequence[str],
    current: Sequence[str] | None,
    last_plan: str | None,
    blocker_at: int | None,
) -> dict[str, Any]:
    """The answer form: one box per question, yesterday's plan as context."""
    blocks: list[Block] = [context(f"<#{channel_id}> · {_day(day)}")]
    if last_plan:
        blocks.append(context(f"Last time you planned: {escape(truncate(last_plan, 1500))}"))
    for n, question in enumerate(questions):
        element = text_input(f"{ActionId.STANDUP_Q}{n}", "Your answer", multiline=True)
        if current and n < len(current) and current[n]:
            element["initial_value"] = truncate(current[n], 3000)
        hint = " (leave empty or say none)" if n == blocker_at else ""
        blocks.append(
            input_block(
                f"{BlockId.STANDUP_Q}{n}",
                truncate(question + hint, 2000),
                element,
                optional=n == blocker_at,
            )
        )
    return {
        "type": "modal",
        "callback_id": CallbackId.STANDUP_MODAL,
        "title": plain("Standup", 24),
        "submit": plain("Post" if not current else "Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"run": run_id}),
        "blocks": blocks,
    }


def setup_modal(
    *,
    channel_id: str,
    weekdays: str,
    local_time: str,
    zone: str | None,
    participants: Sequence[str],
    questions: Sequence[str],
    reminder_minutes: int,
) -> dict[str, Any]:
    """All standup settings in one form."""
    days = [option(DAY_LABELS[c], c) for c in CODES]
    chosen = [d for d in days if d["value"] in weekdays.split(",")]
    days_el: Block = {"type": "checkboxes", "action_id": ActionId.SU_DAYS, "options": days}
    if chosen:
        days_el["initial_options"] = chosen
    time_el: Block = {
        "type": "timepicker",
        "action_id": ActionId.SU_TIME,
        "initial_time": local_time,
    }
    zone_el = text_input(ActionId.SU_ZONE, "Europe/Berlin, or member-zones", max_len=64)
    zone_el["initial_value"] = zone or "member-zones"
    people: Block = {"type": "multi_users_select", "action_id": ActionId.SU_PARTICIPANTS}
    if participants:
        people["initial_users"] = list(participants)[:100]
    asked = text_input(ActionId.SU_QUESTIONS, "One question per line", multiline=True)
    asked["initial_value"] = "\n".join(questions)
    waits = [
        option("No reminder" if m == 0 else f"After {m} minutes", str(m)) for m in REMINDER_CHOICES
    ]
    current = next((w for w in waits if w["value"] == str(reminder_minutes)), waits[3])
    return {
        "type": "modal",
        "callback_id": CallbackId.STANDUP_SETUP,
        "title": plain("Standup settings", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"channel": channel_id}),
        "blocks": [
            input_block(BlockId.SU_DAYS, "Days", days_el),
            input_block(BlockId.SU_TIME, "Time", time_el),
            input_block(BlockId.SU_ZONE, "Time zone", zone_el),
            input_block(BlockId.SU_PARTICIPANTS, "Participants", people),
            input_block(BlockId.SU_QUESTIONS, "Questions", asked),
            input_block(
                BlockId.SU_REMINDER,
                "Remind who has not answered",
                static_select("Reminder", ActionId.SU_REMINDER, waits, initial=current),
            ),
        ],
    }


def status(
    *,
    channel_id: str,
    schedule: str,
    next_at: datetime | None,
    zone_label: str,
    questions: Sequence[str],
    participants: int,
    today: Tally | None,
    away: Sequence[str],
) -> list[Block]:
    """`/standup status`: the schedule, who takes part, and today's run."""
    lines = [f"*When:* {schedule} ({escape(zone_label)})", f"*Participants:* {participants}"]
    if next_at is not None:
        lines.append(
            f"*Next prompt:* <!date^{int(next_at.timestamp())}^{{date_short_pretty}} "
            f"{{time}}|{next_at:%Y-%m-%d %H:%M} UTC>"
        )
    asked = "\n".join(f"{n}. {escape(q)}" for n, q in enumerate(questions, 1))
    lines.insert(0, f"*Channel:* <#{channel_id}>")
    blocks = [header("Standup settings"), section("\n".join(lines)), section(asked)]
    if today is not None:
        blocks.append(
            context(
                f"Today: {len(today.answered)} answered, {today.waiting} not yet, "
                f"{today.skipped} skipped, {today.away} away"
            )
        )
    if away:
        blocks.append(context("Away: " + ", ".join(escape(a) for a in away)))
    return blocks


def describe(weekdays: str) -> str:
    """ "weekdays", "daily" or "Mon, Wed, Fri"."""
    codes = weekdays.split(",")
    if codes == list(CODES[:5]):
        return "weekdays"
    if codes == list(CODES):
        return "daily"
    return ", ".join(DAY_LABELS[c] for c in codes)


STANDUP_HELP = """*Standups*
• `/standup schedule weekdays 09:30 Europe/Berlin` — or `daily`, `mon,wed,fri`; use \
`member-zones` instead of a zone to prompt everyone at 09:30 in their own Slack time zone
• `/standup questions What did you do? | What's next? | Blockers?`
• `/standup now` — prompt everyone now · `/standup off` — stop the schedule
• `/standup away until friday` — no prompts until then (`/standup back` to undo); a Slack \
status like :palm_tree: or "vacation" also skips you
• `/standup status` · `/standup setup` — all settings in a form
Answers go to one thread per day in the channel; a blockers answer becomes a BLK-n."""


def asked_now(queued: int, held: int) -> str:
    """`/standup now`'s answer: how many were asked now, and how many get the prompt only
    when their working hours start (it is before them where they are)."""

    def people(n: int) -> str:
        return "1 person" if n == 1 else f"{n} people"

    if not queued:
        return "Everyone has been asked today already (or is away)."
    if held == queued:
        return (
            f"It is before working hours for the {people(queued)} to ask: each gets the prompt "
            "when their day starts. Answers go to a thread here."
        )
    later = f"; {held} more when their working hours start" if held else ""
    return f"Asked {people(queued - held)}{later}. Answers go to a thread here."
