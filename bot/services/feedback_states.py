"""A feedback item's follow-through state, read from the item and its requirement (never
stored twice, so it can't disagree with them): declined (by a lead, with a reason, or its
requirement rejected) > shipped (requirement done) > planned (requirement planned, in
progress, in review) > linked > acknowledged > new."""

from __future__ import annotations

from bot.parsing.common import shorten
from storage.items import Feedback
from storage.models import Requirement
from storage.statuses import FeedbackState, RequirementStatus

PLANNED = (RequirementStatus.PLANNED, RequirementStatus.IN_PROGRESS, RequirementStatus.IN_REVIEW)


def state_of(fb: Feedback, req: Requirement | None) -> FeedbackState:
    """The feedback's follow-through state (the module docstring gives the order)."""
    if fb.declined_at is not None or (req is not None and req.status == RequirementStatus.REJECTED):
        return FeedbackState.DECLINED
    if req is not None and req.status == RequirementStatus.DONE:
        return FeedbackState.SHIPPED
    if req is not None and req.status in PLANNED:
        return FeedbackState.PLANNED
    if req is not None:
        return FeedbackState.LINKED
    if fb.acknowledged_at is not None:
        return FeedbackState.ACKNOWLEDGED
    return FeedbackState.NEW


def summary_of(fb: Feedback, req: Requirement | None) -> str:
    """The state as a person reads it: `shipped (REQ-12)`, `declined: out of scope`."""
    state = state_of(fb, req)
    if state == FeedbackState.DECLINED and fb.declined_reason:
        return f"declined: {shorten(fb.declined_reason, 80)}"
    if req is not None and state in (
        FeedbackState.LINKED, FeedbackState.PLANNED, FeedbackState.SHIPPED, FeedbackState.DECLINED
    ):  # fmt: skip
        return f"{state} ({req.ref})"
    return str(state)
