"""Read models: what each domain's services return and its views draw.

Services build them from the store; views are pure functions of them. Both import this module,
so neither imports the other for a data class (services still call views to compose the
messages they queue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.ids import Turn
from storage.anonymous import AnonymousFeedback
from storage.items import Blocker, Feedback, Risk
from storage.models import HistoryEvent, Requirement
from storage.retros import Retro, RetroAction, RetroItem
from storage.search_text import Term


# -- requirements ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Stored:
    """A requirement just stored by a quick capture, as plain values: `row` holds its columns
    (all but `id` and `number`). Building the ORM object costs about 0.2 ms of
    SQLAlchemy's instrumentation, so the ack's path keeps this and the card's work (after
    the ack) calls `requirement()`."""

    id: int
    number: int
    row: dict[str, object]

    @property
    def ref(self) -> str:
        """Human id, e.g. REQ-12."""
        return f"REQ-{self.number}"

    @property
    def title(self) -> str:
        """The stored title."""
        return str(self.row["title"])

    def requirement(self) -> Requirement:
        """The requirement as a detached ORM object (not attached to a session)."""
        return Requirement(id=self.id, number=self.number, **self.row)


@dataclass(frozen=True)
class Detail:
    """A requirement with its latest changes (for `show`); `outcome` says, once it is closed,
    what happened ("✅ Done by <@U…> · Mon 10:00", the line its channel card ends with), None
    while it is open."""

    requirement: Requirement
    changes: Sequence[HistoryEvent]
    outcome: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[Requirement]
    total: int
    offset: int
    limit: int


# -- the Home tab ---------------------------------------------------------------------------------
@dataclass
class Dashboard:
    """What the Home tab shows one person."""

    requirements: list[Requirement]
    blockers: list[Blocker]
    risks: list[Risk]
    counters: dict[str, int] = field(default_factory=dict)
    hidden: int = 0
    # Open items of theirs past the LIMIT listed (outside private channels), per kind.
    beyond: dict[str, int] = field(default_factory=dict)
    team: list[TeamView] = field(default_factory=list)  # channels the person leads
    actions: list[RetroAction] = field(default_factory=list)  # open retro actions they own


@dataclass(frozen=True)
class RetroBoard:
    """What a retro's voting board and summary show: items with votes, and the actions."""

    retro: Retro
    items: list[RetroItem]
    votes: dict[str, int]  # item public id -> votes
    actions: list[RetroAction]  # made in this retro
    carried: list[RetroAction]  # open actions of earlier retros carried into it
    names: dict[str, str]  # plain names of named authors and owners


@dataclass(frozen=True)
class Loop:
    """Is the loop closed? A period's feedback and retro actions (`bot.services.loop`).

    Shares are (part, whole) pairs, so a view can say "3 of 4" and the percentage."""

    feedback: int  # signed feedback created in the period
    acknowledged: int  # of it, acknowledged within 2 working days
    linked: int  # of it, linked to a requirement (planned, shipped or not)
    shipped_days: list[int]  # days from feedback to ship, for feedback shipped in the period
    actions_on_time: int  # retro actions due in the period and done by their due date
    actions_due: int  # retro actions due in the period (done, or open and overdue)

    @property
    def median_days(self) -> float | None:
        """Median days from feedback to ship (None: nothing shipped)."""
        days = sorted(self.shipped_days)
        if not days:
            return None
        mid = len(days) // 2
        return float(days[mid]) if len(days) % 2 else (days[mid - 1] + days[mid]) / 2

    @property
    def empty(self) -> bool:
        """Nothing to report."""
        return not (self.feedback or self.shipped_days or self.actions_due)


@dataclass
class TeamView:
    """The Home tab's Team section for one channel the person leads (its standup's owner)."""

    channel_id: str
    by_owner: list[tuple[str, int]]  # (display name or "nobody", open requirements), most first
    aging: list[Blocker]  # open blockers, oldest first
    risks: list[Risk]  # open risks, highest score first
    participation: Standups | None  # the last 7 days' finished standup runs
    names: dict[str, str] = field(default_factory=dict)
    loop: Loop | None = None  # the last 4 weeks' follow-through


# -- digests --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    """One bar group of the chart."""

    start: date
    created: int
    done: int
    open_blockers: int


@dataclass
class Standups:
    """Participation over the period (team level; per person only for the standup's owner)."""

    owner_id: str | None
    runs: int
    asked: int
    answered: int
    skipped_runs: int
    per_person: dict[str, tuple[int, int]] = field(default_factory=dict)  # user: (answered, asked)

    @property
    def rate(self) -> float:
        """Answered share of prompts."""
        return self.answered / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class Figures:
    """The headline numbers of a period: open requirements and blockers at its end, done in it."""

    open_requirements: int
    done: int
    open_blockers: int


@dataclass
class Digest:
    """Everything one channel's digest says."""

    channel_id: str
    since: datetime
    until: datetime
    today: date
    created: list[Requirement]
    moved: list[tuple[Requirement, str, str]]
    done: list[Requirement]
    rejected: list[Requirement]
    overdue: list[Requirement]
    due_next_week: list[Requirement]
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    blockers_opened: list[Blocker]
    blockers_resolved: list[Blocker]
    blockers_open: list[Blocker]
    feedback: list[Feedback]
    feedback_by_kind: dict[str, int]
    most_linked: list[tuple[Requirement, int]]
    most_voted: list[Requirement]
    standups: Standups | None
    risks_open: list[Risk]
    reviews_overdue: list[Risk]
    weeks: list[Week]
    unowned: list[Requirement] = field(default_factory=list)  # open P0/P1 with no owner
    previous: Figures | None = None  # the same numbers one period earlier
    # Display names of the people listed: a channel message names them as plain text.
    names: dict[str, str] = field(default_factory=dict)
    loop: Loop | None = None  # follow-through of the period's feedback and retro actions
    actions_done: list[RetroAction] = field(default_factory=list)  # retro actions done in it
    actions_overdue: list[RetroAction] = field(default_factory=list)  # open, past due

    @property
    def figures(self) -> Figures:
        """This period's headline numbers."""
        return Figures(sum(self.open_by_status.values()), len(self.done), len(self.blockers_open))

    @property
    def active(self) -> bool:
        """Did anything happen in the period? (Standups count only when someone answered.)"""
        return bool(
            self.created or self.moved or self.done or self.rejected or self.blockers_opened
            or self.blockers_resolved or self.feedback or (self.standups and self.standups.answered)
        )  # fmt: skip


# -- reminders ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Nudge:
    """One item in a person's reminder DM."""

    ref: str | None  # None: about a person, no buttons
    channel_id: str
    text: str
    done_label: str = "Done"


# -- standups -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tally:
    """Who is where in a run: names of those who answered, counts of the rest."""

    answered: list[str]
    waiting: int
    skipped: int
    away: int


# -- the app's DM ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatTurn:
    """What teamloop answers in the DM after a typed standup message.

    `kind` says what happened; `number` (1-based) and `question` name the question asked
    next (for `Turn.ASK`); `day` and `channel_id` say which standup it is."""

    kind: Turn
    channel_id: str
    day: date
    number: int = 0
    total: int = 0
    question: str = ""
    late: bool = False


# -- search and duplicates ------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One result, as a view shows it (anonymous feedback carries no author)."""

    kind: str
    ref: str
    text: str
    status: str
    channel_id: str
    votes: int = 0


@dataclass(frozen=True)
class Results:
    """Ranked hits, the terms to highlight, and how many hits were kept out for privacy."""

    query: str
    terms: list[Term]
    hits: list[Hit]
    more: bool = False
    fuzzy: bool = False
    hidden: int = 0
    kinds: tuple[str, ...] = ("requirement", "feedback", "blocker")


@dataclass(frozen=True)
class Similar:
    """An open requirement that looks like the new text, and how much (0..1)."""

    requirement: Requirement
    score: float


@dataclass(frozen=True)
class Captured:
    """A requirement just captured, and the open one it looks like (if any)."""

    requirement: Requirement
    looks_like: Similar | None


@dataclass(frozen=True)
class Merged:
    """The outcome of a merge, for the answer."""

    duplicate: Requirement
    target: Requirement
    votes: int
    feedback: int
    blockers: int


# -- anonymous feedback ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    """Anonymous items a digest releases, already shuffled."""

    items: list[AnonymousFeedback]
    held_alone: bool
