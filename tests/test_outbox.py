"""The outbox against a misbehaving Slack: 429 with Retry-After, 500s, timeouts, dead rows."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from bot.clock import OffsetClock
from bot.outbox.sender import Limits, Sender, outbox_client
from bot.outbox.store import enqueue
from sandbox.workspace import Fault
from sandbox.workspace import Limits as SlackLimits
from storage.db import transaction
from storage.scheduling import OutboxMessage
from tests.conftest import BOB, CAROL, ENG, PM, PRODUCT, JobsEnv

TEAM = "T0TEAMLOOP"


def queue(env: JobsEnv, targets: list[str], *, prefix: str = "m") -> list[str]:
    keys = []
    with transaction(env.sessions) as session:
        for n, target in enumerate(targets):
            key = f"{prefix}:{n}:{target}"
            assert enqueue(
                session=session,
                team_id=TEAM,
                dedupe_key=key,
                target=target,
                text=f"message {n}",
                now=env.clock.now(),
            )
            keys.append(key)
    return keys


def delivered_keys(env: JobsEnv) -> Counter[str]:
    """How often each dedupe key reached Slack (from the messages' metadata)."""
    found: Counter[str] = Counter()
    with env.ws.lock:
        for msgs in env.ws.messages.values():
            for msg in msgs:
                payload = (msg.get("metadata") or {}).get("event_payload") or {}
                if "dedupe_key" in payload:
                    found[payload["dedupe_key"]] += 1
    return found


def real_time_sender(env: JobsEnv, **limits: Any) -> Sender:
    """A sender whose clock flows, so backoff waits pass while it lingers."""
    base = {"channel_interval": 0.05, "per_minute": 3000, "settle": 0.3, "timeout": 0.4}
    merged = Limits(**{**base, **limits})
    return Sender(
        sessions=env.sessions,
        client=outbox_client(env.api_url, "xoxb-test", merged.timeout),
        clock=OffsetClock(env.clock.now()),
        limits=merged,
    )


def test_enqueue_twice_is_one_row(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [PRODUCT], prefix="once")
    with transaction(jobs_env.sessions) as session:
        again = enqueue(
            session=session,
            team_id=TEAM,
            dedupe_key=f"once:0:{PRODUCT}",
            target=PRODUCT,
            text="again",
            now=jobs_env.clock.now(),
        )
    assert again is False
    assert len(jobs_env.rows(OutboxMessage)) == 1


def test_dms_are_opened_and_the_slack_ts_is_recorded(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [BOB, PRODUCT])
    report = jobs_env.jobs.deliver()
    assert report.sent == 2
    rows = jobs_env.rows(OutboxMessage)
    assert [r.channel_id for r in rows] == [jobs_env.ws.dm_channel(BOB), PRODUCT]
    assert all(r.status == "sent" and r.slack_ts for r in rows)
    assert rows[0].slack_ts == jobs_env.ws.channel_messages(jobs_env.ws.dm_channel(BOB))[0]["ts"]
    post = jobs_env.ws.calls_of("chat.postMessage")[0]
    assert post.error is None and post.unknown_params == []
    assert "link_names" not in post.args and "parse" not in post.args


def test_429_pauses_the_workspace_for_retry_after(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [PRODUCT, ENG, BOB])
    jobs_env.ws.inject(Fault("429", "chat.postMessage", times=1, retry_after=1))
    sender = real_time_sender(jobs_env)
    started = time.monotonic()
    report = sender.deliver(linger=10)
    assert (report.sent, report.rate_limited, report.dead) == (3, 1, 0)
    posts = [c for c in jobs_env.ws.calls_of("chat.postMessage") if c.error is None]
    assert len(posts) == 3
    # Nothing went out during the second Slack asked for.
    assert time.monotonic() - started >= 1.0
    assert all(r.attempts == 1 for r in jobs_env.rows(OutboxMessage))


def test_5xx_is_retried_with_backoff_and_delivered_once(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [PRODUCT])
    jobs_env.ws.inject(Fault("500", "chat.postMessage", times=2))
    report = real_time_sender(jobs_env).deliver(linger=10)
    assert (report.sent, report.retried) == (1, 2)
    row = jobs_env.rows(OutboxMessage)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "internal_error")
    assert delivered_keys(jobs_env) == {f"m:0:{PRODUCT}": 1}


def test_a_timeout_that_reached_slack_is_recorded_not_resent(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [PRODUCT])
    # Slack stalls past the client's timeout, then posts the message anyway.
    jobs_env.ws.inject(Fault("timeout", "chat.postMessage", times=1, delay=0.6))
    report = real_time_sender(jobs_env, settle=0.5).deliver(linger=10)
    assert (report.recovered, report.sent) == (1, 0)
    assert delivered_keys(jobs_env) == {f"m:0:{PRODUCT}": 1}
    row = jobs_env.rows(OutboxMessage)[0]
    assert row.status == "sent" and row.slack_ts == jobs_env.ws.channel_messages(PRODUCT)[0]["ts"]
    history = jobs_env.ws.calls_of("conversations.history")
    assert history and history[0].args["include_all_metadata"] in (True, "true", "1", 1)


def test_a_message_slack_keeps_refusing_goes_dead_with_its_error(jobs_env: JobsEnv) -> None:
    queue(jobs_env, [PRODUCT])
    jobs_env.ws.inject(Fault("500", "chat.postMessage", times=10))
    report = real_time_sender(jobs_env, max_attempts=3).deliver(linger=15)
    assert (report.sent, report.dead) == (0, 1)
    row = jobs_env.rows(OutboxMessage)[0]
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "internal_error")
    assert len(jobs_env.ws.calls_of("chat.postMessage")) == 3


def test_a_permanent_error_is_dead_at_once(jobs_env: JobsEnv) -> None:
    queue(jobs_env, ["C0GONE"])
    report = jobs_env.jobs.deliver()
    assert report.dead == 1
    row = jobs_env.rows(OutboxMessage)[0]
    assert (row.status, row.last_error) == ("dead", "channel_not_found")


def test_limits_kept_under_random_faults_and_all_delivered_once(jobs_env: JobsEnv) -> None:
    # The stand-in times posts when its thread handles them, which a loaded machine delays by
    # tens of milliseconds: the intervals and tolerance are wide enough for that jitter and
    # still catch a sender that ignores them (it would post the 40 rows within a few ms).
    limits = SlackLimits(
        channel_interval=0.3, per_second=40, burst=6, slack=0.15, fault_rate=0.15, stall=0.5,
        seed=3,
    )  # fmt: skip
    jobs_env.ws.limits = limits
    targets = [PRODUCT, ENG, PM, BOB, CAROL] * 8
    keys = queue(jobs_env, targets)
    sender = real_time_sender(jobs_env, channel_interval=0.3, per_minute=30 * 60, settle=0.4)
    report = sender.deliver(linger=30)
    assert delivered_keys(jobs_env) == dict.fromkeys(keys, 1)
    assert limits.violations == []
    assert report.dead == 0
    assert {r.status for r in jobs_env.rows(OutboxMessage)} == {"sent"}


def test_channel_interval_holds_as_slack_receives_posts_that_travel_slowly(
    jobs_env: JobsEnv,
) -> None:
    # Posts spend up to 0.2 s in transit at random, and the stand-in allows no tolerance: a
    # sender that spaces its departures (not what Slack received) lets a late post and the
    # next on-time one arrive too close together.
    limits = SlackLimits(
        channel_interval=0.3, per_second=40, burst=40, slack=0.0, transit=0.2, seed=5
    )
    jobs_env.ws.limits = limits
    keys = queue(jobs_env, [PRODUCT] * 8, prefix="transit")
    sender = real_time_sender(jobs_env, channel_interval=0.3, settle=0.4)
    sender.deliver(linger=20)
    assert delivered_keys(jobs_env) == dict.fromkeys(keys, 1)
    assert limits.violations == []


def test_rows_wait_for_their_time(jobs_env: JobsEnv) -> None:
    with transaction(jobs_env.sessions) as session:
        enqueue(
            session=session,
            team_id=TEAM,
            dedupe_key="later",
            target=PRODUCT,
            text="later",
            now=jobs_env.clock.now(),
            not_before=jobs_env.clock.now() + timedelta(hours=1),
        )
    assert jobs_env.jobs.deliver().sent == 0
    jobs_env.clock.advance(timedelta(hours=1))
    assert jobs_env.jobs.deliver().sent == 1


def test_a_clock_jump_during_a_send_does_not_post_it_twice(jobs_env: JobsEnv) -> None:
    # The sandbox's clock step delivers while the background ticker may be delivering: the
    # step jumps the clock a day past the lease of a post under way. The second delivery must
    # not take that row again (CI, 1 Dec: a digest's chart posted twice in the sandbox).
    queue(jobs_env, [PRODUCT], prefix="jump")
    sender = jobs_env.jobs.sender
    seen: list[Any] = []

    class JumpingClient(type(sender.client)):  # type: ignore[misc]
        def chat_postMessage(self, **kwargs: Any) -> Any:
            if not seen:
                jobs_env.clock.advance(timedelta(days=1))
                second = threading.Thread(target=sender.deliver)
                second.start()
                seen.append(second)
                second.join(timeout=1.0)  # without one delivery at a time it posts meanwhile
            return super().chat_postMessage(**kwargs)

    sender.client = JumpingClient(base_url=sender.client.base_url, token=sender.client.token)
    sender.deliver()
    seen[0].join(timeout=30)
    assert not seen[0].is_alive()
    assert delivered_keys(jobs_env) == {f"jump:0:{PRODUCT}": 1}
    assert [r.status for r in jobs_env.rows(OutboxMessage)] == ["sent"]
