"""The weekly digest as Slack messages: a main message and, when long, a short thread."""

from __future__ import annotations

from collections.abc import Sequence

from bot.readmodels import Digest, Standups, Week
from bot.views.blocks import Block, context, escape, header, plural, section, truncate
from bot.views.followthrough import loop_text
from bot.views.items import KIND_EMOJI, blocker_line, feedback_line, risk_line
from bot.views.requirements import line, status_label
from storage.models import Requirement

Message = tuple[str, list[Block]]
ATTENTION = 5  # items in the channel message per list; all of them are in the thread
MAIN_BLOCKS = 20  # blocks per thread message (Block Kit allows 50)
SECTION_CHARS = 2800


def _span(d: Digest) -> str:
    """`30 Nov – 7 Dec`; one day when the last digest was today (`/digest now` after it)."""
    first = d.since.date()
    if first == d.today:
        return f"{first.day} {first:%b}"
    return f"{first.day} {first:%b} – {d.today.day} {d.today:%b}"


def _listing(title: str, lines: Sequence[str]) -> list[Block]:
    """Every line, in as many sections as Block Kit's 3000 characters need: a thread lists
    everything, so no "…and N more" there."""
    blocks: list[Block] = []
    text = f"*{title}*"
    for item in lines:
        if len(text) + len(item) + 4 > SECTION_CHARS:
            blocks.append(section(text))
            text = f"*{title}, continued*"
        text += "\n• " + item
    blocks.append(section(text))
    return blocks


def _top(title: str, lines: Sequence[str], *, shown: int = ATTENTION) -> Block:
    """At most `shown` lines; the rest is in the thread, and the message says so."""
    text = f"*{title}*"
    for item in lines[:shown]:
        text += "\n• " + truncate(item, 400)
    if len(lines) > shown:
        text += f"\n_…and {len(lines) - shown} more in the thread_"
    return section(text)


def quiet(d: Digest, open_reqs: int) -> Message:
    """One line for a week with nothing in it."""
    still = []
    if open_reqs:
        still.append(plural(open_reqs, "requirement"))
    if d.blockers_open:
        still.append(plural(len(d.blockers_open), "blocker"))
    tail = f" Still open: {' and '.join(still)}." if still else ""
    text = f"Weekly digest for <#{d.channel_id}> ({_span(d)}): a quiet week, nothing new.{tail}"
    return text, [section(text)]


def _delta(now: int, before: int | None) -> str:
    if before is None:
        return ""
    change = now - before
    return f" ({change:+d})" if change else " (=)"


def headline(d: Digest) -> str:
    """3 to 5 numbers with their change since the previous period."""
    f, p = d.figures, d.previous
    before = (p.open_requirements, p.done, p.open_blockers) if p else (None, None, None)
    parts = [
        f"*{f.open_requirements}* open{_delta(f.open_requirements, before[0])}",
        f"*{len(d.created)}* new",
        f"*{f.done}* done{_delta(f.done, before[1])}",
        f"*{f.open_blockers}* blocker{'' if f.open_blockers == 1 else 's'} open"
        + _delta(f.open_blockers, before[2]),
    ]
    if d.standups is not None and d.standups.asked:
        parts.append(f"*{round(d.standups.rate * 100)}%* standup answers")
    return " · ".join(parts)


def needs_attention(d: Digest) -> list[str]:
    """Ranked: P0/P1 overdue, then the oldest blockers, then P0/P1 without owner, then the
    rest of the overdue work. Each requirement once: an overdue one without an owner is one
    line saying both, where it ranks first."""
    unowned = {r.ref for r in d.unowned}

    def said(r: Requirement) -> str:
        text = line(r, today=d.today, names=d.names)
        return text + " · needs an owner" if r.ref in unowned else text

    urgent = [r for r in d.overdue if r.priority in ("P0", "P1")]
    shown = {r.ref for r in urgent}
    lines = [said(r) for r in urgent]
    lines += [blocker_line(b, d.until, d.names) for b in d.blockers_open]
    lines += [said(r) for r in d.unowned if r.ref not in shown]
    shown |= unowned
    lines += [said(r) for r in d.overdue if r.ref not in shown]
    return lines


def messages(d: Digest, *, bars: bool = False) -> list[Message]:
    """The digest: the channel message first (a headline, what needs attention, what shipped),
    then thread replies holding everything else (each within Block Kit limits)."""
    open_reqs = sum(d.open_by_status.values())
    if not d.active:
        return [quiet(d, open_reqs)]
    summary = headline(d)
    main: list[Block] = [header(f"Weekly digest · {_span(d)}"), section(summary)]
    attention = needs_attention(d)
    if attention:
        main.append(_top(f"👀 Needs attention ({len(attention)})", attention))
    if d.done:
        main.append(_top(f"✅ Shipped ({len(d.done)})", [line(r, names=d.names) for r in d.done]))
    main.append(
        context("New, moved, due soon, blockers, feedback, standups and risks: in the thread.")
    )
    if bars:
        main.append(section(text_bars(d.weeks)))
    rest: list[Block] = []
    if len(attention) > ATTENTION:  # the channel message showed the first ATTENTION
        more = attention[ATTENTION:]
        rest += _listing(f"👀 Needs attention, the other {len(more)}", more)
    rest += _requirements(d) + _blockers(d) + _feedback(d) + _loop(d) + _standups(d.standups)
    rest += _risks(d)
    plain_summary = summary.replace("*", "")
    out = [(f"Weekly digest for <#{d.channel_id}>: {plain_summary}", main)]
    for n in range(0, len(rest), MAIN_BLOCKS):
        out.append(("Weekly digest, continued", rest[n : n + MAIN_BLOCKS]))
    return out


def _requirements(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.done:
        blocks.extend(
            _listing(f"✅ Done ({len(d.done)})", [line(r, names=d.names) for r in d.done])
        )
    if d.created:
        blocks.extend(
            _listing(f"🆕 New ({len(d.created)})", [line(r, names=d.names) for r in d.created])
        )
    if d.moved:
        moved = [
            f"*{r.ref}* {escape(truncate(r.title, 100))}: {status_label(old)} → {status_label(new)}"
            for r, old, new in d.moved
        ]
        blocks.extend(_listing(f"➡️ Moved forward ({len(d.moved)})", moved))
    if d.rejected:
        blocks.extend(
            _listing(f"Rejected ({len(d.rejected)})", [line(r, names=d.names) for r in d.rejected])
        )
    # Overdue work is all in "Needs attention" (the channel message, the rest in the thread):
    # no second listing of it here.
    if d.due_next_week:
        due = [line(r, today=d.today, names=d.names) for r in d.due_next_week]
        blocks.extend(_listing(f"📅 Due in the next 7 days ({len(due)})", due))
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
    return _listing(
        head + " (oldest first)", [blocker_line(b, d.until, d.names) for b in d.blockers_open]
    )


def _feedback(d: Digest) -> list[Block]:
    if not (d.feedback or d.most_linked or d.most_voted):
        return []
    blocks: list[Block] = []
    if d.feedback:
        kinds = " · ".join(
            f"{KIND_EMOJI.get(k, '')} {n} {k if n == 1 or k == 'praise' else k + 's'}"
            for k, n in d.feedback_by_kind.items()
        )
        blocks.extend(
            _listing(
                f"💬 Feedback ({len(d.feedback)}): {kinds}",
                [feedback_line(f, names=d.names) for f in d.feedback],
            )
        )
    top = [f"{line(r, names=d.names)} · {plural(n, 'piece')} of feedback" for r, n in d.most_linked]
    top += [line(r, names=d.names) for r in d.most_voted if r not in [x for x, _n in d.most_linked]]
    if top:
        blocks.extend(_listing("Most asked for", top[:5]))
    return blocks


def _loop(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.loop is not None and not d.loop.empty:
        blocks.append(section(f"*🔁 Closing the loop*\n{loop_text(d.loop)}"))

    def who(owner: str | None) -> str:
        return escape(d.names.get(owner, "someone")) if owner else "nobody"

    if d.actions_done:
        lines = [f"*{a.ref}* {escape(truncate(a.text, 150))} · {who(a.owner_id)}"
                 for a in d.actions_done]  # fmt: skip
        blocks.extend(_listing(f"✅ Retro actions done ({len(d.actions_done)})", lines))
    if d.actions_overdue:
        lines = [
            f"*{a.ref}* {escape(truncate(a.text, 150))} · {who(a.owner_id)} · due "
            f"{a.due_date:%a %d %b}"
            for a in d.actions_overdue
        ]
        blocks.extend(_listing(f"⏰ Retro actions overdue ({len(d.actions_overdue)})", lines))
    return blocks


def _standups(s: Standups | None) -> list[Block]:
    if s is None or not (s.runs or s.skipped_runs):
        return []
    text = (
        f"*🗣️ Standups:* {round(s.rate * 100)}% participation "
        f"({s.answered} of {s.asked} prompts answered) over {plural(s.runs, 'run')}"
    )
    if s.skipped_runs:
        text += f"; {plural(s.skipped_runs, 'run')} skipped (teamloop was down too long)"
    return [section(text)]


def _risks(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.risks_open:
        blocks.extend(
            _listing(
                f"⚠️ Open risks ({len(d.risks_open)}), highest score first",
                [risk_line(r, d.names) for r in d.risks_open],
            )
        )
    if d.reviews_overdue:
        overdue = [risk_line(r, d.names) for r in d.reviews_overdue]
        blocks.extend(_listing(f"Risk reviews overdue ({len(overdue)})", overdue))
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
    return text, [section(f"*{text}*"), *_listing("Answered / asked", rows)]
