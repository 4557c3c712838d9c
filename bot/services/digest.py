"""The weekly digest's data: one channel, one period. Every query is bounded by the channel
and the period (indexes on team, channel and time), so the cost follows the week's activity,
not the size of the history."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.parsing.requirements import STATUSES
from bot.readmodels import Digest, Figures, Standups, Week
from bot.services import feedback as feedback_service
from bot.services import loop, people
from storage.items import Blocker, Feedback, Risk
from storage.models import HistoryEvent, Requirement
from storage.retros import RetroAction
from storage.scheduling import Occurrence, Schedule
from storage.standups import StandupResponse, StandupRun
from storage.statuses import (
    CLOSED_REQUIREMENT,
    ActionStatus,
    BlockerStatus,
    OccurrenceStatus,
    RequirementStatus,
    ResponseStatus,
    RiskStatus,
)

WEEKS = 8
RISK_ALERT_SCORE = 15


def build(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    mark_feedback: bool = True,
    defer_marks: bool = False,
) -> Digest:
    """Gather one channel's digest for (since, until].

    `mark_feedback`: show the anonymous feedback not shown yet, and mark it shown (False:
    only the period's feedback, nothing marked). `defer_marks`: the same feedback, but not
    marked here (a read-only snapshot; the caller marks it with `feedback.mark_digested`)."""
    today = until.astimezone(zone).date()
    # One read of the channel's requirements that are open, or were created or closed in the
    # period, through the (team, channel, status) index. Three queries ordered by number
    # made SQLite walk the whole workspace's rows in number order for two of them.
    is_open = Requirement.status.not_in(CLOSED_REQUIREMENT)
    rows = session.scalars(
        select(Requirement).where(
            Requirement.team_id == team_id,
            Requirement.channel_id == channel_id,
            or_(
                is_open,
                and_(Requirement.created_at > since, Requirement.created_at <= until),
                and_(Requirement.closed_at > since, Requirement.closed_at <= until),
            ),
        )
    ).all()
    rows = sorted(rows, key=lambda r: r.number)
    created = [r for r in rows if since < r.created_at <= until]
    closed = [
        r
        for r in rows
        if r.status in CLOSED_REQUIREMENT
        and r.closed_at is not None
        and since < r.closed_at <= until
    ]
    open_reqs = [r for r in rows if r.status not in CLOSED_REQUIREMENT]
    next_week = today + timedelta(days=7)
    dated = sorted((r for r in open_reqs if r.due_date), key=lambda r: (r.due_date, r.number))
    due = [(r, r.due_date) for r in dated if r.due_date is not None]
    fb = _feedback(session, team_id, channel_id, since, until, mark_feedback, defer_marks)
    opened, resolved, still_open = _blockers(session, team_id, channel_id, since, until)
    risks = _open_risks(session, team_id, channel_id)
    by_status = sorted(Counter(r.status for r in open_reqs).items(), key=_status_order)
    # Asked for by someone besides the requester (whose own vote every requirement has).
    voted = sorted((r for r in open_reqs if r.votes > 1), key=lambda r: (-r.votes, r.number))
    listed = [r.owner_id for r in open_reqs + created + closed if r.owner_id]
    listed += [u for b in opened + still_open for u in (b.owner_id, b.reporter_id) if u]
    listed += [r.owner_id for r in risks if r.owner_id]
    listed += [f.author_id for f in fb if f.author_id and not f.anonymous]
    acts = session.scalars(
        select(RetroAction)
        .where(RetroAction.team_id == team_id, RetroAction.channel_id == channel_id)
        .order_by(RetroAction.number)
    ).all()
    listed += [a.owner_id for a in acts if a.owner_id]
    known = people.known(session=session, team_id=team_id, user_ids=sorted(set(listed)))
    return Digest(
        names={u: p.name for u, p in known.items()},
        channel_id=channel_id,
        since=since,
        until=until,
        today=today,
        created=created,
        moved=_moved(session, team_id, channel_id, since, until),
        done=[r for r in closed if r.status == RequirementStatus.DONE],
        rejected=[r for r in closed if r.status == RequirementStatus.REJECTED],
        overdue=[r for r, d in due if d < today],
        due_next_week=[r for r, d in due if today <= d <= next_week],
        open_by_status=dict(by_status),
        open_by_priority=dict(sorted(Counter(r.priority for r in open_reqs).items())),
        blockers_opened=opened,
        blockers_resolved=resolved,
        blockers_open=still_open,
        feedback=fb,
        feedback_by_kind=dict(sorted(Counter(f.kind for f in fb).items())),
        most_linked=_most_linked(session, team_id, channel_id),
        most_voted=voted[:3],
        standups=participation(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            since=since,
            until=until,
            zone=zone,
        ),
        risks_open=risks,
        reviews_overdue=[r for r in risks if r.review_date and r.review_date < today],
        weeks=_weeks(session, team_id, channel_id, until, zone),
        unowned=[r for r in open_reqs if r.priority in ("P0", "P1") and r.owner_id is None],
        previous=_figures_at(session, team_id, channel_id, since),
        actions_done=[a for a in acts if a.done_at is not None and since < a.done_at <= until],
        actions_overdue=[
            a for a in acts if a.status == ActionStatus.OPEN and a.due_date and a.due_date < today
        ],
        loop=loop.figures(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            since=since,
            until=until,
            zone=zone,
        ),
    )


def _figures_at(session: Session, team_id: str, channel_id: str, at: datetime) -> Figures:
    """The headline numbers as they stood at `at` (the previous period's end)."""
    week_before = at - timedelta(days=7)
    where = (Requirement.team_id == team_id, Requirement.channel_id == channel_id)
    open_then = session.scalar(
        select(func.count())
        .where(*where, Requirement.created_at <= at)
        .where((Requirement.closed_at.is_(None)) | (Requirement.closed_at > at))
    )
    done = session.scalar(
        select(func.count())
        .where(*where, Requirement.status == RequirementStatus.DONE)
        .where(Requirement.closed_at > week_before, Requirement.closed_at <= at)
    )
    blockers = session.scalar(
        select(func.count())
        .where(Blocker.team_id == team_id, Blocker.channel_id == channel_id)
        .where(Blocker.opened_at <= at)
        .where((Blocker.resolved_at.is_(None)) | (Blocker.resolved_at > at))
    )
    return Figures(int(open_then or 0), int(done or 0), int(blockers or 0))


def first_item_at(*, session: Session, team_id: str, channel_id: str) -> datetime | None:
    """When the channel's first item (requirement, blocker, feedback or risk) was captured."""
    columns = (
        (Requirement.created_at, Requirement.team_id, Requirement.channel_id),
        (Blocker.opened_at, Blocker.team_id, Blocker.channel_id),
        (Feedback.created_at, Feedback.team_id, Feedback.channel_id),
        (Risk.created_at, Risk.team_id, Risk.channel_id),
    )
    firsts = [
        session.scalar(select(func.min(at)).where(team == team_id, channel == channel_id))
        for at, team, channel in columns
    ]
    found = [f for f in firsts if f is not None]
    return min(found) if found else None


def _status_order(item: tuple[str, int]) -> int:
    return STATUSES.index(item[0]) if item[0] in STATUSES else len(STATUSES)


def _moved(
    session: Session, team_id: str, channel_id: str, since: datetime, until: datetime
) -> list[tuple[Requirement, str, str]]:
    """Status changes forward (not to done or rejected) in the period, last one per item."""
    events = session.execute(
        select(HistoryEvent.entity_id, HistoryEvent.old_value, HistoryEvent.new_value)
        .where(HistoryEvent.team_id == team_id, HistoryEvent.channel_id == channel_id)
        .where(HistoryEvent.at > since, HistoryEvent.at <= until)
        .where(HistoryEvent.entity_type == "requirement", HistoryEvent.field == "status")
        .order_by(HistoryEvent.at, HistoryEvent.id)
    ).all()
    last: dict[int, tuple[str, str]] = {}
    for entity_id, old, new in events:
        first_old = last.get(entity_id, (old or "", ""))[0]
        last[entity_id] = (first_old, new or "")
    forward = {
        i: (old, new)
        for i, (old, new) in last.items()
        if new not in CLOSED_REQUIREMENT and _rank(new) > _rank(old)
    }
    if not forward:
        return []
    rows = session.scalars(select(Requirement).where(Requirement.id.in_(list(forward))))
    return sorted(((r, *forward[r.id]) for r in rows), key=lambda t: t[0].number)


def _rank(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else -1


def _blockers(
    session: Session, team_id: str, channel_id: str, since: datetime, until: datetime
) -> tuple[list[Blocker], list[Blocker], list[Blocker]]:
    """Opened and resolved in the period, and still open (oldest first)."""
    base = select(Blocker).where(Blocker.team_id == team_id, Blocker.channel_id == channel_id)
    opened = base.where(Blocker.opened_at > since, Blocker.opened_at <= until)
    resolved = base.where(Blocker.resolved_at > since, Blocker.resolved_at <= until)
    still = base.where(Blocker.status == BlockerStatus.OPEN).order_by(
        Blocker.opened_at, Blocker.number
    )
    return (
        list(session.scalars(opened.order_by(Blocker.number))),
        list(session.scalars(resolved.order_by(Blocker.number))),
        list(session.scalars(still)),
    )


def _feedback(
    session: Session,
    team_id: str,
    channel_id: str,
    since: datetime,
    until: datetime,
    mark: bool,
    defer: bool,
) -> list[Feedback]:
    if mark:
        # Anonymous feedback waits for this digest, and is then marked as shown.
        return feedback_service.for_digest(
            session=session, team_id=team_id, channel_id=channel_id, since=since, now=until,
            mark=not defer,
        )  # fmt: skip
    return list(
        session.scalars(
            select(Feedback)
            .where(Feedback.team_id == team_id, Feedback.channel_id == channel_id)
            .where(Feedback.created_at > since, Feedback.created_at <= until)
            .order_by(Feedback.number)
        )
    )


def _most_linked(session: Session, team_id: str, channel_id: str) -> list[tuple[Requirement, int]]:
    """Open requirements of the channel with the most feedback linked to them."""
    counts = session.execute(
        select(Feedback.requirement_id, func.count())
        .where(Feedback.team_id == team_id, Feedback.channel_id == channel_id)
        .where(Feedback.requirement_id.is_not(None))
        .group_by(Feedback.requirement_id)
        .order_by(func.count().desc())
        .limit(10)
    ).all()
    if not counts:
        return []
    by_id = {
        r.id: r
        for r in session.scalars(
            select(Requirement)
            .where(Requirement.id.in_([c[0] for c in counts]))
            .where(Requirement.status.not_in(CLOSED_REQUIREMENT))
        )
    }
    return [(by_id[i], n) for i, n in counts if i in by_id][:3]


def participation(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
) -> Standups | None:
    """Standup participation in the runs finished in (since, until]; None without a standup.

    Runs count from the previous digest's local day up to the day before this one (today's
    run may still be answered).
    """
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id,
            Schedule.channel_id == channel_id,
            Schedule.kind == "standup",
        )
    )
    if sched is None:
        return None
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    rows = session.execute(
        select(StandupResponse.user_id, StandupResponse.status, StandupRun.id)
        .join(StandupRun, StandupRun.id == StandupResponse.run_id)
        .where(StandupRun.schedule_id == sched.id, StandupRun.day >= first, StandupRun.day < last)
    ).all()
    skipped_runs = session.scalar(
        select(func.count())
        .select_from(Occurrence)
        .where(Occurrence.schedule_id == sched.id, Occurrence.status == OccurrenceStatus.SKIPPED)
        .where(Occurrence.due_at > since, Occurrence.due_at <= until)
    )
    per_person: dict[str, tuple[int, int]] = {}
    asked_runs = set()
    for user, status, run in rows:
        if status == ResponseStatus.AWAY:
            continue  # away is not a missed standup
        asked_runs.add(run)
        answered, asked = per_person.get(user, (0, 0))
        per_person[user] = (answered + (status == ResponseStatus.ANSWERED), asked + 1)
    return Standups(
        owner_id=(sched.config or {}).get("owner") or sched.created_by,
        runs=len(asked_runs),  # a day when everyone was away or off is no run
        asked=sum(a for _ans, a in per_person.values()),
        answered=sum(ans for ans, _a in per_person.values()),
        skipped_runs=int(skipped_runs or 0),
        per_person=per_person,
    )


def _open_risks(session: Session, team_id: str, channel_id: str) -> list[Risk]:
    """Open risks, highest score first."""
    risks = list(
        session.scalars(
            select(Risk).where(
                Risk.team_id == team_id,
                Risk.channel_id == channel_id,
                Risk.status == RiskStatus.OPEN,
            )
        )
    )
    risks.sort(key=lambda r: (-(r.likelihood * r.impact), r.number))
    return risks


def _weeks(
    session: Session, team_id: str, channel_id: str, until: datetime, zone: ZoneInfo
) -> list[Week]:
    """The last 8 weeks (Monday to Sunday, local): requirements created and done, open blockers."""
    today = until.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    oldest = datetime.combine(starts[0], datetime.min.time(), zone)
    reqs = session.execute(
        select(Requirement.created_at, Requirement.closed_at, Requirement.status)
        .where(Requirement.team_id == team_id, Requirement.channel_id == channel_id)
        .where((Requirement.created_at >= oldest) | (Requirement.closed_at >= oldest))
    ).all()
    blockers = session.execute(
        select(Blocker.opened_at, Blocker.resolved_at)
        .where(Blocker.team_id == team_id, Blocker.channel_id == channel_id)
        .where(Blocker.opened_at <= until)
        .where((Blocker.resolved_at.is_(None)) | (Blocker.resolved_at >= oldest))
    ).all()

    def week_of(at: datetime | None) -> date | None:
        if at is None:
            return None
        local = at.astimezone(zone).date()
        return local - timedelta(days=local.weekday())

    created = Counter(week_of(c) for c, _d, _s in reqs)
    done = Counter(week_of(d) for _c, d, s in reqs if s == RequirementStatus.DONE)
    weeks = []
    for start in starts:
        end = min(datetime.combine(start + timedelta(days=7), datetime.min.time(), zone), until)
        still_open = sum(1 for o, r in blockers if o <= end and (r is None or r > end))
        weeks.append(Week(start, created[start], done[start], still_open))
    return weeks
