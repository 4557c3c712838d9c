"""Concurrent captures: every acked command is stored once, numbers never collide."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from storage.models import HistoryEvent, Requirement
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Env


def test_parallel_quick_captures_get_distinct_numbers(env: Env) -> None:
    people = [PM, BOB, CAROL, DAVE]

    def capture(i: int) -> int:
        reply = env.driver.command(
            "/req", f"new Parallel capture {i}", user=people[i % 4], channel=PRODUCT
        )
        return reply.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(capture, range(40)))
    env.drain()
    assert statuses == [200] * 40
    with env.sessions() as s:
        numbers = sorted(s.scalars(select(Requirement.number)))
        titles = set(s.scalars(select(Requirement.title)))
        created = s.scalars(select(HistoryEvent).where(HistoryEvent.field == "created")).all()
    assert numbers == list(range(1, 41))
    assert titles == {f"Parallel capture {i}" for i in range(40)}
    assert len(created) == 40
    assert len(env.channel()) == 40  # one card per capture


def test_parallel_votes_count_each_person_once(env: Env) -> None:
    env.req("new Popular idea")
    voters = [BOB, CAROL, DAVE] * 4

    def vote(user: str) -> None:
        env.driver.command("/req", "vote REQ-1", user=user, channel=PRODUCT)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(vote, voters))
    env.drain()
    with env.sessions() as s:
        assert s.scalars(select(Requirement.votes)).one() == 4  # the requester's and three others
