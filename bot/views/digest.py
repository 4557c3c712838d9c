"""The weekly digest as Slack messages: a main message and, when long, a short thread."""

from __future__ import annotations

from collections.abc import Sequence

from bot.readmodels import Digest, Standups, Week
from bot.views.blocks import Block, context, escape, header, section, truncate
from bot.views.items import KIND_EMOJI, blocker_line, feedback_line, risk_line
from bot.views.requirements import line, status_label

Message = tuple[str, list[Block]]
SHOWN = 8  # items listed per part before "and N more"
MAIN_BLOCKS = 20  # keep the channel message short; the rest goes in its thread
SECTION_CHARS = 2800


def _span(d: Digest) -> str:
    first = d.since.date()
    return f"{first.day} {first:%b} – {d.today.day} {d.today:%b}"


def _listing(title: str, lines: Sequence[str]) -> Block:
    shown, text = 0, f"*{title}*"
    for item in lines[:SHOWN]:
        if len(text) + len(item) + 40 > SECTION_CHARS:
            break
        text += "\n• " + item
        shown += 1
    if len(lines) > shown:
        text += f"\n_…and {len(lines) - shown} more_"
    return section(text)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def quiet(d: Digest, open_reqs: int) -> Message:
    """One line for a week with nothing in it."""
    still = []
    if open_reqs:
        still.append(_plural(open_reqs, "requirement"))
    if d.blockers_open:
        still.append(_plural(len(d.blockers_open), "blocker"))
    tail = f" Still open: {' and '.join(still)}." if still else ""
    text = f"Weekly digest for <#{d.channel_id}> ({_span(d)}): a quiet week, nothing new.{tail}"
    return text, [section(text)]


def messages(d: Digest, *, bars: bool = False) -> list[Message]:
    """The digest: the main message first, then thread replies (each within Block Kit limits)."""
    open_reqs = sum(d.open_by_status.values())
    if not d.active:
        return [quiet(d, open_reqs)]
    parts = _requirements(d) + _blockers(d) + _feedback(d) + _standups(d.standups) + _risks(d)
    if bars:
        parts.append(section(text_bars(d.weeks)))
    summary = (
        f"{_plural(len(d.created), 'new requirement')}, {len(d.done)} done, "
        f"{_plural(len(d.blockers_opened), 'blocker')} opened, {len(d.blockers_resolved)} "
        f"resolved, {len(d.feedback)} feedback"
    )
    head = [header(f"Weekly digest · {_span(d)}"), context(f"<#{d.channel_id}> · {summary}")]
    main = head + parts[: MAIN_BLOCKS - len(head)]
    rest = parts[MAIN_BLOCKS - len(head) :]
    out = [(f"Weekly digest for <#{d.channel_id}>: {summary}", main)]
    for n in range(0, len(rest), MAIN_BLOCKS):
        out.append(("Weekly digest, continued", rest[n : n + MAIN_BLOCKS]))
    return out


def _requirements(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.done:
        blocks.append(_listing(f"✅ Done ({len(d.done)})", [line(r) for r in d.done]))
    if d.created:
        blocks.append(_listing(f"🆕 New ({len(d.created)})", [line(r) for r in d.created]))
    if d.moved:
        moved = [
            f"*{r.ref}* {escape(truncate(r.title, 100))}: {status_label(old)} → {status_label(new)}"
            for r, old, new in d.moved
        ]
        blocks.append(_listing(f"➡️ Moved forward ({len(d.moved)})", moved))
    if d.rejected:
        blocks.append(_listing(f"Rejected ({len(d.rejected)})", [line(r) for r in d.rejected]))
    if d.overdue:
        blocks.append(
            _listing(f"⏰ Overdue ({len(d.overdue)})", [line(r, today=d.today) for r in d.overdue])
        )
    if d.due_next_week:
        due = [line(r, today=d.today) for r in d.due_next_week]
        blocks.append(_listing(f"📅 Due in the next 7 days ({len(due)})", due))
    if d.open_by_status:
        by_status = " · ".join(f"{status_label(s)} {n}" for s, n in d.open_by_status.items())
        by_priority = " · ".join(f"{p} {n}" for p, n in d.open_by_priority.items())
        blocks.append(section(f"*Open requirements:* {by_status}\n*By priority:* {by_priority}"))
    return blocks


def _blockers(d: Digest) -> list[Block]:
    if not (d.blockers_opened or d.blockers_resolved or d.blockers_open):
        return []
    head = (
        f"🚧 Blockers: {len(d.blockers_opened)} opened, {len(d.blockers_resolved)} resolved, "
        f"{len(d.blockers_open)} still open"
    )
    if not d.blockers_open:
        return [section(f"*{head}*")]
    return [_listing(head + " (oldest first)", [blocker_line(b, d.until) for b in d.blockers_open])]


def _feedback(d: Digest) -> list[Block]:
    if not (d.feedback or d.most_linked or d.most_voted):
        return []
    blocks: list[Block] = []
    if d.feedback:
        kinds = " · ".join(
            f"{KIND_EMOJI.get(k, '')} {n} {k if n == 1 or k == 'praise' else k + 's'}"
            for k, n in d.feedback_by_kind.items()
        )
        blocks.append(
            _listing(
                f"💬 Feedback ({len(d.feedback)}): {kinds}", [feedback_line(f) for f in d.feedback]
            )
        )
    top = [f"{line(r)} · {_plural(n, 'piece')} of feedback" for r, n in d.most_linked]
    top += [line(r) for r in d.most_voted if r not in [x for x, _n in d.most_linked]]
    if top:
        blocks.append(_listing("Most asked for", top[:5]))
    return blocks


def _standups(s: Standups | None) -> list[Block]:
    if s is None or not (s.runs or s.skipped_runs):
        return []
    text = (
        f"*🗣️ Standups:* {round(s.rate * 100)}% participation "
        f"({s.answered} of {s.asked} prompts answered) over {_plural(s.runs, 'run')}"
    )
    if s.skipped_runs:
        text += f"; {_plural(s.skipped_runs, 'run')} skipped (teamloop was down too long)"
    return [section(text)]


def _risks(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.risks_open:
        blocks.append(
            _listing(
                f"⚠️ Open risks ({len(d.risks_open)}), highest score first",
                [risk_line(r) for r in d.risks_open],
            )
        )
    if d.reviews_overdue:
        overdue = [risk_line(r) for r in d.reviews_overdue]
        blocks.append(_listing(f"Risk reviews overdue ({len(overdue)})", overdue))
    return blocks


def text_bars(weeks: Sequence[Week]) -> str:
    """The chart as text, for when the image cannot be uploaded."""
    top = max([1, *(max(w.created, w.done, w.open_blockers) for w in weeks)])

    def bar(n: int) -> str:
        return "█" * round(10 * n / top) or ("▏" if n else "")

    rows = [
        f"`{w.start:%d %b}` new {bar(w.created)} {w.created} · done {bar(w.done)} {w.done}"
        f" · blockers {bar(w.open_blockers)} {w.open_blockers}"
        for w in weeks
    ]
    return "*Last 8 weeks*\n" + "\n".join(rows)


def participation_dm(d: Digest) -> Message | None:
    """Per-person participation, for the standup's owner only."""
    s = d.standups
    if s is None or not s.per_person:
        return None
    rows = [
        f"<@{user}>: {answered} of {asked}"
        for user, (answered, asked) in sorted(
            s.per_person.items(), key=lambda kv: kv[1][0] / kv[1][1]
        )
    ]
    text = f"Standup participation in <#{d.channel_id}> ({_span(d)}), only shown to you"
    return text, [section(f"*{text}*"), _listing("Answered / asked", rows)]
