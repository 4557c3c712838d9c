"""The requester's vote counts from the start (README: "the requester's interest already
counts"): the card, the store and `/req vote`'s answers say the same number."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Requirement
from tests.conftest import BOB, PM, Env, texts


def votes(env: Env) -> int:
    with env.sessions() as s:
        return s.scalars(select(Requirement.votes)).one()


def test_new_requirement_counts_its_requesters_vote(env: Env) -> None:
    env.req("new Export invoices as CSV")
    shown = texts(env.channel()[-1]["blocks"])
    assert "*Votes*\n1" in shown and "👍 Vote (1)" in shown, shown
    assert votes(env) == 1
    env.req("vote REQ-1")
    assert "your vote is already counted" in env.last_ephemeral(PM)["text"]
    assert votes(env) == 1
    env.req("vote REQ-1", user=BOB)
    assert "(2 in all)" in env.last_ephemeral(BOB)["text"]
    assert votes(env) == 2
