"""Read the whole store for export (every workspace), with history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import anonymous
from storage.items import Blocker, Feedback, Risk
from storage.models import HistoryEvent, Requirement
from storage.retros import RetroAction
from storage.standups import StandupResponse, StandupRun


def _history(session: Session, entity_type: str) -> dict[int, list[dict[str, Any]]]:
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.scalars(
        select(HistoryEvent)
        .where(HistoryEvent.entity_type == entity_type)
        .order_by(HistoryEvent.at, HistoryEvent.id)
    )
    for ev in rows:
        changes[ev.entity_id].append(
            {
                "at": ev.at.isoformat(),
                "actor": ev.actor_id,
                "field": ev.field,
                "old": ev.old_value,
                "new": ev.new_value,
            }
        )
    return changes


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def requirements(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every requirement as a plain dict (dates ISO), optionally with its change history."""
    changes = _history(session, "requirement") if with_history else {}
    out = []
    for r in session.scalars(select(Requirement).order_by(Requirement.team_id, Requirement.number)):
        item: dict[str, Any] = {
            "team_id": r.team_id,
            "id": r.ref,
            "title": r.title,
            "description": r.description,
            "status": r.status,
            "priority": r.priority,
            "owner": r.owner_id,
            "requester": r.requester_id,
            "channel": r.channel_id,
            "labels": list(r.labels),
            "due_date": r.due_date.isoformat() if r.due_date else None,
            "votes": r.votes,
            "permalink": r.permalink,
            "close_reason": r.close_reason,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        }
        if with_history:
            item["history"] = changes.get(r.id, [])
        out.append(item)
    return out


def feedback(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every feedback item; then released anonymous items (no author, no time, no history)."""
    changes = _history(session, "feedback") if with_history else {}
    refs = {r.id: r.ref for r in session.scalars(select(Requirement))}
    out = []
    for fb in session.scalars(select(Feedback).order_by(Feedback.team_id, Feedback.number)):
        item: dict[str, Any] = {
            "team_id": fb.team_id,
            "id": fb.ref,
            "kind": fb.kind,
            "text": fb.text,
            "channel": fb.channel_id,
            "author": fb.author_id,
            "anonymous": fb.anonymous,
            "requirement": refs.get(fb.requirement_id or 0),
            "permalink": fb.permalink,
            "created_at": _iso(fb.created_at),
        }
        if with_history:
            item["history"] = changes.get(fb.id, [])
        out.append(item)
    return out + anonymous.export_rows(session=session, with_history=with_history)


def blockers(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every blocker."""
    changes = _history(session, "blocker") if with_history else {}
    refs = {r.id: r.ref for r in session.scalars(select(Requirement))}
    out = []
    for b in session.scalars(select(Blocker).order_by(Blocker.team_id, Blocker.number)):
        item: dict[str, Any] = {
            "team_id": b.team_id,
            "id": b.ref,
            "text": b.text,
            "status": b.status,
            "reporter": b.reporter_id,
            "owner": b.owner_id,
            "channel": b.channel_id,
            "requirement": refs.get(b.requirement_id or 0),
            "permalink": b.permalink,
            "opened_at": _iso(b.opened_at),
            "resolved_at": _iso(b.resolved_at),
        }
        if with_history:
            item["history"] = changes.get(b.id, [])
        out.append(item)
    return out


def risks(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every risk, with its score."""
    changes = _history(session, "risk") if with_history else {}
    out = []
    for r in session.scalars(select(Risk).order_by(Risk.team_id, Risk.number)):
        item: dict[str, Any] = {
            "team_id": r.team_id,
            "id": r.ref,
            "text": r.text,
            "status": r.status,
            "likelihood": r.likelihood,
            "impact": r.impact,
            "score": r.score,
            "owner": r.owner_id,
            "reporter": r.reporter_id,
            "channel": r.channel_id,
            "mitigation": r.mitigation,
            "review_date": _iso(r.review_date),
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
            "closed_at": _iso(r.closed_at),
        }
        if with_history:
            item["history"] = changes.get(r.id, [])
        out.append(item)
    return out


def standups(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """One row per person and standup run: status, answers, lateness, blocker."""
    del with_history  # a response's edits replace it; there is no separate history
    rows = session.execute(
        select(StandupResponse, StandupRun)
        .join(StandupRun, StandupRun.id == StandupResponse.run_id)
        .order_by(StandupRun.team_id, StandupRun.day, StandupRun.id, StandupResponse.user_id)
    )
    out = []
    for resp, run in rows:
        blk = session.get(Blocker, resp.blocker_id) if resp.blocker_id else None
        out.append(
            {
                "team_id": run.team_id,
                "channel": run.channel_id,
                "day": run.day.isoformat(),
                "user": resp.user_id,
                "status": resp.status,
                "reason": resp.reason,
                "questions": list(run.questions),
                "answers": list(resp.answers or []),
                "answered_at": _iso(resp.answered_at),
                "edited_at": _iso(resp.edited_at),
                "late": resp.late,
                "blocker": blk.ref if blk else None,
            }
        )
    return out


def actions(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every retro action (`ACT-n`)."""
    changes = _history(session, "action") if with_history else {}
    out = []
    for act in session.scalars(
        select(RetroAction).order_by(RetroAction.team_id, RetroAction.number)
    ):
        item: dict[str, Any] = {
            "team_id": act.team_id,
            "id": act.ref,
            "text": act.text,
            "status": act.status,
            "owner": act.owner_id,
            "channel": act.channel_id,
            "due_date": _iso(act.due_date),
            "carried": act.carried,
            "created_at": _iso(act.created_at),
            "done_at": _iso(act.done_at),
        }
        if with_history:
            item["history"] = changes.get(act.id, [])
        out.append(item)
    return out


KINDS = {
    "requirements": requirements,
    "feedback": feedback,
    "blockers": blockers,
    "risks": risks,
    "standups": standups,
    "actions": actions,
}
