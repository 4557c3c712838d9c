"""The `/req` grammar: quick capture, titles, priorities, labels, statuses and list filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.errors import InvalidInput
from bot.parsing.common import parse_user, starts_like_date
from bot.parsing.dates import (
    DateConflict,
    DateContext,
    DateOrder,
    DateRead,
    ImpossibleDay,
    NoDay,
    PastDate,
    example_date,
    read_date,
    say_date,
)
from bot.parsing.slack_text import echo, plain, retype, too_long
from storage.statuses import CLOSED_REQUIREMENT, RequirementStatus

TITLE_MAX = 200

LABEL_MAX = 40

LABELS_MAX = 10

_PRIORITY = re.compile(r"^[Pp]([0-3])$")

_CHANNEL_LABEL = re.compile(r"^<#C[A-Z0-9]+\|([^>]+)>$")

_LABEL = re.compile(r"^#([\w][\w\-.]*)$")

# `#482`, `#12.3`: a number someone refers to, not a label.
_NUMBER = re.compile(r"\d[\d\-.]*")

# A time of day after a due date: `5pm`, `5:30pm`, `17:00`, `9am`, `noon` (and `5 pm`).
_TIME = re.compile(
    r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)|\d{1,2}:\d{2}(?::\d{2})?h?|noon|midnight)"
    r"[.,!?;]*",
    re.IGNORECASE,
)
_MERIDIEM = re.compile(r"[ap]\.?m\.?[.,!?;]*", re.IGNORECASE)

# A token after a mention that doesn't carry the sentence on: an emoji code (`:rocket:`,
# `:wave::skin-tone-2:`) or an aside in brackets (`(urgent)`). Tokens with no letter or
# digit (`!!`, `🎄`, `—`) don't either.
_ASIDE = re.compile(r"(?::[\w+\-']+:)+[.,!?;]*|\(.*\)[.,!?;]*|\[.*\][.,!?;]*")


def parse_priority(token: str) -> str | None:
    """Return `P0`..`P3` for a priority token, else None."""
    match = _PRIORITY.match(token)
    return f"P{match.group(1)}" if match else None


def nearest_priority(token: str) -> str:
    """The priority to suggest for a wrong one: `P9` -> `P3`, `p-1` -> `P0` (the nearest
    end of P0..P3), anything else (`high`, nothing) -> `P1`."""
    match = re.fullmatch(r"[Pp](-?\d{1,3})", token.strip())
    return f"P{min(max(int(match.group(1)), 0), 3)}" if match else "P1"


def parse_label(token: str) -> str | None:
    """Return the label of `#label` (or of a channel link Slack made of it), else None."""
    match = _LABEL.match(token) or _CHANNEL_LABEL.match(token)
    if not match or (token.startswith("#") and _NUMBER.fullmatch(match.group(1))):
        return None  # `GitHub issue #482`: a number, part of the title as typed
    label = match.group(1).lower()
    if len(label) > LABEL_MAX:
        raise InvalidInput(
            f"Labels are at most {LABEL_MAX} characters: `#{label[:20]}…` is longer."
        )
    return label


# A word after which a mention is part of the sentence (`Pair with @bob on pricing`): the
# mention still names the owner, and the title keeps the name instead of ending in `with`.
_JOINS_A_NAME = frozenset(
    ("with", "for", "from", "to", "and", "or", "&", "cc", "ask", "tell", "ping", "thank", "via")
)


@dataclass
class Capture:
    """What `/req new <text>` asked for."""

    title: str
    priority: str | None = None
    owner_id: str | None = None
    due: date | None = None
    # Why the due date was read as it was, when the phrase was open to doubt.
    due_note: str = ""
    due_text: str = ""
    labels: list[str] = field(default_factory=list)


def parse_capture(text: str, *, today: date, order: DateOrder = DateOrder.DMY) -> Capture:
    """Parse `<title> [P0-P3] [@owner] [due <date>] [#label …]`, in any order.

    The owner's mention also stays in the title after a joining word (`with`, `for`, `to`…).
    A mention inside the sentence (title words before it and after it) is only part of the
    title: `The export @erin built breaks` names no owner.

    `due` followed by a word that starts a date (`due someday`, `due 下周五`) must be a
    readable date: otherwise InvalidInput says so and shows the command to type, with the
    rest of the text kept. `due` followed by other words stays in the title."""
    context = DateContext(today=today, order=order)
    tokens = text.split()
    capture = Capture(title="")
    title: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (prio := parse_priority(tok)) is not None:
            if capture.priority and capture.priority != prio:
                raise InvalidInput(
                    "Give one priority (P0, P1, P2 or P3), not two: "
                    f"{retype('/req new', *tokens[:i], *tokens[i + 1 :], limit=150)}"
                )
            capture.priority = prio
        elif (
            parse_user(tok) is not None
            and title
            and _plain_word(tokens[i + 1 : i + 2])
            and not _names_people(title, tokens[i + 1 : i + 3])
        ):
            # `The export @erin built breaks on Safari`: the sentence talks about the person;
            # it doesn't name an owner.
            title.append(tok)
        elif (user := parse_user(tok)) is not None:
            if capture.owner_id and capture.owner_id != user:
                raise InvalidInput(
                    "A requirement has one owner: mention just one person, e.g. "
                    f"{retype('/req new', *tokens[:i], *tokens[i + 1 :], limit=150)}"
                )
            capture.owner_id = user
            if title and title[-1].lower() in _JOINS_A_NAME:
                title.append(tok)  # `Review pricing with @bob`: the name is part of the title
        elif (label := parse_label(tok)) is not None:
            if label not in capture.labels:
                capture.labels.append(label)
        elif (
            tok.lower() == "due"
            and i + 1 < len(tokens)
            and (starts_like_date(*tokens[i + 1 : i + 3]) or _time_at(tokens, i + 1))
        ):
            _refuse_a_time(tokens, i, context=context)
            found, used = _longest_date(tokens, i + 1, context=context)
            if capture.due is not None and capture.due != found.value:
                raise InvalidInput(
                    "Give one due date, not two: "
                    f"{retype('/req new', *tokens[:i], *tokens[i + 1 + used :], limit=150)}"
                )
            capture.due, capture.due_note = found.value, found.note
            capture.due_text = " ".join(tokens[i + 1 : i + 1 + used])
            if found.value < today:  # `due 1/11/2026` on 1 December: say how it was read
                read = (
                    f"{found.note}: {say_date(found.value)}"
                    if found.note
                    else say_date(found.value)
                )
                kept = [*tokens[:i], *tokens[i + 1 + used :], "due", "friday"]
                raise InvalidInput(
                    f"`due {echo(capture.due_text, 40)}` is in the past ({read}). Give today "
                    f"or a later date, e.g. {retype('/req new', *kept, limit=150)}. "
                    "Nothing was saved."
                )
            i += used
        elif tok.startswith("@") and len(tok) > 1:
            raise InvalidInput(
                f"I can't tell who `{echo(tok, 40)}` is. Pick the person from Slack's "
                "@-autocomplete so the mention turns blue, in "
                f"{retype('/req new', *tokens, limit=150)}"
            )
        else:
            title.append(tok)
        i += 1
    if len(capture.labels) > LABELS_MAX:
        raise InvalidInput(f"At most {LABELS_MAX} labels per requirement.")
    capture.title = validate_title(plain(" ".join(title)))
    return capture


def _longest_date(tokens: list[str], start: int, *, context: DateContext) -> tuple[DateRead, int]:
    """Try the longest date phrase first (`end of the month` before `end`); a phrase ends
    at the first word the capture reads itself (`due friday #billing`: `friday`)."""
    words = tokens[start : start + 4]
    ends = next((k for k, w in enumerate(words) if k and _grammar(w)), len(words))
    words = words[:ends]
    said: tuple[InvalidInput, int] | None = None
    for n in range(len(words), 0, -1):
        try:
            return read_date(" ".join(words[:n]), context=context), n
        except DateConflict as exc:  # `tue 12/4`: reading just `tue` would be a misreading
            said = exc, n
            break
        except (PastDate, NoDay, ImpossibleDay) as exc:  # said why, unless a shorter one reads
            said = exc, n
        except InvalidInput:
            continue
    if said is not None:
        kept = tokens[: start - 1] + tokens[start + said[1] :]
        retry = " ".join([*kept, "due", "friday"])
        raise InvalidInput(
            f"{said[0].message} E.g. `/req new {echo(retry, 150)}`. Nothing was saved."
        )
    # Say which words were not a date, and give back the whole command with one that is.
    size = 1
    if words[0].lower() in ("end", "in", "next", "this", "by", "on"):
        size = next((k for k, w in enumerate(words[1:3], 1) if _grammar(w)), min(3, len(words)))
    unread = " ".join(words[:size])
    kept = tokens[: start - 1] + tokens[start + size :]
    retry = " ".join([*kept, "due", "friday"])
    raise InvalidInput(
        f"I couldn't read `due {echo(unread, 40)}` as a date. Try `due friday` or "
        f"`due {example_date(context.today).isoformat()}`, e.g. `/req new {echo(retry, 150)}`. "
        "Nothing was saved."
    )


def _refuse_a_time(tokens: list[str], at: int, *, context: DateContext) -> None:
    """Refuse `due friday 5pm`, `due 12/4 17:00`, `due 5pm`: due dates are days, and a time
    of day must neither be dropped nor end up in the title. `at` is the index of `due`."""
    end = min(len(tokens), at + 6)
    start = next((k for k in range(at + 1, end) if _time_at(tokens, k)), None)
    if start is None:
        return
    size = _time_at(tokens, start)
    day: list[str] = []
    if start > at + 1:  # `due friday 5pm`: the time right after the date?
        try:
            _, used = _longest_date(tokens[:start], at + 1, context=context)
        except InvalidInput:
            return  # not a date before the time: said as usual when it is read
        if at + 1 + used != start:
            return  # `due friday fix 5pm build`: the time is the title's
        day = tokens[at + 1 : start]
        rest = tokens[start + size :]
    else:  # `due 5pm`, `due 5pm friday`: a date after the time, if one reads
        rest = tokens[start + size :]
        if rest and starts_like_date(*rest[:2]):
            try:
                _, used = _longest_date([*tokens[:at], "due", *rest], at + 1, context=context)
            except InvalidInput:
                used = 0
            day, rest = rest[:used], rest[used:]
    typed = " ".join(
        tokens[at + 1 : start + size] if start > at + 1 else tokens[start:][: size + len(day)]
    )
    kept = [*tokens[:at], *rest, "due", *(day or ["friday"])]
    raise InvalidInput(
        f"`due {echo(typed, 40)}` has a time in it: due dates are days, so give the day "
        f"alone, e.g. {retype('/req new', *kept, limit=150)}. Nothing was saved."
    )


def _time_at(tokens: list[str], k: int) -> int:
    """How many tokens from `k` name a time of day (`5pm`, `5 pm`, `17:00`, `at noon`), or 0."""
    n = 1 if k < len(tokens) and tokens[k].lower() == "at" else 0
    if k + n >= len(tokens):
        return 0
    tok = tokens[k + n]
    if _TIME.fullmatch(tok):
        return n + 1
    if re.fullmatch(r"\d{1,2}(?:[:.]\d{2})?", tok) and _MERIDIEM.fullmatch(
        tokens[k + n + 1] if k + n + 1 < len(tokens) else ""
    ):
        return n + 2
    return 0


def _plain_word(following: list[str]) -> bool:
    """Whether the token after a mention goes on the title's sentence: a word (not a
    priority, mention, label or `due`, and not the end of the text), not an emoji, an aside
    in brackets or punctuation (`@bob :rocket:`, `@bob (urgent)`, `@bob !!`)."""
    if not following:
        return False
    word = following[0]
    return (
        not _grammar(word)
        and word.lower() != "due"
        and any(ch.isalnum() for ch in word)
        and not _ASIDE.fullmatch(word)
    )


def _names_people(title: list[str], following: list[str]) -> bool:
    """Whether a mention right after a joining word starts a list of people
    (`with @bob and @carol`): it names the owner, so a second one is refused."""
    return (
        title[-1].lower() in _JOINS_A_NAME
        and len(following) == 2
        and following[0].lower() in _JOINS_A_NAME
        and parse_user(following[1]) is not None
    )


def _grammar(token: str) -> bool:
    """A token the capture grammar reads itself (priority, mention, label)."""
    return bool(_PRIORITY.match(token) or token.startswith(("<@", "<#", "#")))


def validate_title(title: str) -> str:
    """A title is 1..TITLE_MAX characters after trimming."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput(
            "Give the requirement a title, e.g. `/req new Export invoices to CSV P1`. "
            "Or type `/req new` alone for the form.",
            field="title",
        )
    if len(title) > TITLE_MAX:
        error = too_long("Titles are", TITLE_MAX, title, field="title")
        error.message += "\nPut the details in the description: type `/req new` alone for the form."
        raise error
    return title


# `duplicate` is set only by a merge (`/req merge`), never picked from the status menu.
STATUSES = tuple(s for s in RequirementStatus if s is not RequirementStatus.DUPLICATE)

CLOSED_STATUSES = CLOSED_REQUIREMENT

_STATUS_ALIASES = {
    "inprogress": "in_progress",
    "wip": "in_progress",
    "doing": "in_progress",
    "review": "in_review",
    "inreview": "in_review",
    "closed": "done",
    "reject": "rejected",
    "triage": "triaged",
    "plan": "planned",
}


def parse_status(text: str) -> RequirementStatus:
    """Read a status (`in progress`, `in-progress`, `wip` all mean in_progress)."""
    key = "_".join(text.lower().replace("-", " ").split())
    key = _STATUS_ALIASES.get(key.replace("_", ""), key)
    if key in STATUSES:
        return RequirementStatus(key)
    raise InvalidInput(f"`{echo(text)}` is not a status. Use one of: {', '.join(STATUSES)}.")


@dataclass
class ListFilter:
    """What `/req list …` asked for; several filters combine."""

    mine: bool = False
    include_closed: bool = False
    owner_id: str | None = None
    label: str | None = None
    priority: str | None = None
    status: str | None = None


LIST_HINT = (
    "Try `/req list`, `/req list mine`, `/req list all`, `@bob`, `#billing`, `P1` or `done`."
)


def parse_list_filter(text: str) -> ListFilter:
    """Parse `[mine|open|all|@user|#label|P1|<status>] …`."""
    flt = ListFilter()
    for tok in text.split():
        low = tok.lower()
        if low == "mine":
            flt.mine = True
        elif low == "open":
            flt.include_closed = False
        elif low == "all":
            flt.include_closed = True
        elif (user := parse_user(tok)) is not None:
            flt.owner_id = user
        elif (prio := parse_priority(tok)) is not None:
            flt.priority = prio
        elif (label := parse_label(tok)) is not None:
            flt.label = label
        else:
            try:
                flt.status = parse_status(tok)
            except InvalidInput:
                raise InvalidInput(f"I don't know the filter `{echo(tok)}`. {LIST_HINT}") from None
    return flt
