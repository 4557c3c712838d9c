"""The outbox: every scheduled message is a row; senders claim, pace, post and record.

Guarantee: at-least-once delivery, narrowed to effectively once. Each post carries its dedupe
key in Slack message metadata; an attempt whose outcome is unknown (a timeout, or a sender
killed after claiming) is checked against the channel's history before posting again, so a
message Slack already has is recorded, not re-sent. Only when that check itself cannot read
the channel is a duplicate possible; a message is never dropped for it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.outbox import claimable, store
from bot.outbox.dms import DmChannels
from bot.outbox.outcomes import Outcomes, Unreachable
from bot.outbox.parts import Claim, Limits, Render, Report, outbox_client
from bot.outbox.recovery import find_posted
from bot.outbox.render import draw
from storage.db import read, transaction
from storage.scheduling import OutboxMessage
from storage.statuses import OutboxStatus

log = logging.getLogger(__name__)

METADATA_EVENT = "teamloop_outbox"


class Sender(Outcomes):
    """Claims due rows and posts them within the limits; several may run at once.

    What each attempt leaves in its row (sent, released, retried, dead): bot.outbox.outcomes.
    """

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client: WebClient,
        clock: Clock,
        limits: Limits | None = None,
        timer: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        tokens: Callable[[str], str | None] | None = None,
        render: Render | None = None,
        unreachable: Unreachable | None = None,
    ) -> None:
        self.sessions = sessions
        # Told (in the row's transaction) when Slack says the bot can't post in a channel.
        self.unreachable = unreachable
        self.client = client
        # Multi-workspace: each workspace's bot token (None: not installed there any more).
        self.tokens = tokens
        # Cards and notices are rendered from the store as they are sent (bot/runtime/jobs.py).
        self.render = render
        self._clients: dict[str, WebClient] = {}
        self.clock = clock
        self.limits = limits or Limits()
        self.timer = timer
        self.sleep = sleep
        self.name = f"sender-{uuid.uuid4().hex[:8]}"
        self.backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=RandomJitter())
        self._dm = DmChannels(sessions=sessions, clock=clock)
        self._paused: dict[str, float] = {}
        # Last local send per channel: a send delayed on this machine pushes the next one back.
        self._last_send: dict[str, float] = {}
        self._channel_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._stopping = threading.Event()
        # One delivery at a time per sender: the sandbox's clock step delivers while the
        # background ticker may be delivering, and a step that jumps the clock past a lease
        # taken by the other call would let it claim the same row again and post it twice.
        self._delivering = threading.Lock()
        # Ids of the rows this sender is posting now (claimed, not yet recorded).
        self._held: set[int] = set()

    def stop(self) -> None:
        """Stop sending soon (SIGTERM): claim nothing more, give back claims not yet posted.

        Posts already under way finish and are recorded; rows waiting for their slot are
        released at once (not left to their lease), so another sender takes them over.
        """
        self._stopping.set()

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when told to stop meanwhile."""
        if seconds > 0:
            if self.sleep is time.sleep:
                return self._stopping.wait(seconds)
            self.sleep(seconds)
        return self._stopping.is_set()

    # -- the loop ----------------------------------------------------------------------------
    def deliver(self, *, linger: float = 0.0) -> Report:
        """Send everything due; with `linger` seconds, also wait for retries due by then.

        Calls on one sender run one after the other (a second call waits for the first)."""
        with self._delivering:
            return self._deliver(linger)

    def _deliver(self, linger: float) -> Report:
        report = Report()
        deadline = self.timer() + linger
        room = self.limits.workers * 2
        with ThreadPoolExecutor(self.limits.workers, thread_name_prefix=self.name) as pool:
            inflight: set[Future[None]] = set()
            while True:
                free = room - len(inflight)
                # Claim in chunks: each claim is a transaction that locks the pacing rows.
                wanted = free >= room // 4 or not inflight
                claims = self._claim(free, report) if wanted and not self._stopping.is_set() else []
                self._held.update(c.id for c in claims)
                inflight |= {pool.submit(self._send_held, c, report) for c in claims}
                if inflight:
                    done, inflight = wait(inflight, timeout=0.05, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
                    continue
                if claims:
                    continue
                if self._stopping.is_set():
                    return report
                pause = self._idle_wait(deadline)
                if pause is None or self._wait(pause):
                    return report

    def _idle_wait(self, deadline: float) -> float | None:
        """Seconds to wait before rows become sendable, or None when done for this call."""
        with read(self.sessions) as session:
            due = store.next_due(session)
        if due is None:
            return None
        until_due = (due - self.clock.now()).total_seconds()
        if self.timer() + max(until_due, 0) > deadline:
            return None
        # Due already but not claimable: the pacer holds it back; look again shortly.
        return min(max(until_due, 0.05), 1.0)

    # -- claiming ---------------------------------------------------------------------------
    def _claim(self, room: int, report: Report | None = None) -> list[Claim]:
        report = report or Report()
        now = self.clock.now()
        claims: list[Claim] = []
        held = frozenset(self._held)
        # Looked for in a read snapshot first: most looks (every 50 ms while posts are under
        # way) find nothing, and then no write lock is taken. What is found is checked again
        # in the write transaction, by id.
        with read(self.sessions) as session:
            late = claimable.late_ids(session, now=now, held=held)
            due = claimable.due_ids(session, now=now, limit=room + 8, held=held)
        if not late and not due:
            return claims
        with transaction(self.sessions) as session:
            report.expired += claimable.expire_due(session, now=now, held=held, among=late)
            rows = claimable.due_rows(session, now=now, limit=room + 8, held=held, among=due)
            by_team: dict[str, list[OutboxMessage]] = {}
            for row in rows:
                by_team.setdefault(row.team_id, []).append(row)
            for team_id in sorted(by_team):
                team_rows = by_team[team_id]
                pace = store.pace_rows(session, team_id=team_id, keys={r.target for r in team_rows})
                for row in team_rows:
                    if len(claims) >= room:
                        break
                    claim = self._reserve(row, pace, now)
                    if claim is not None:
                        claims.append(claim)
        return claims

    def _reserve(self, row: OutboxMessage, pace: dict[str, Any], now: datetime) -> Claim | None:
        wall = self.timer()
        team, chan = pace[store.WORKSPACE_KEY], pace[row.target]
        slot = max(wall, team.next_at, chan.next_at, self._paused.get(row.team_id, 0.0))
        if slot - wall > self.limits.horizon:
            return None
        team.next_at = slot + self.limits.spacing
        chan.next_at = slot + self.limits.channel_interval
        if (
            row.status == OutboxStatus.SENDING
            and row.uncertain_since is None
            and row.slot_at is not None
        ):
            # The previous holder died mid-attempt: Slack may have the message already.
            row.uncertain_since = datetime.fromtimestamp(row.slot_at, UTC)
        row.status = OutboxStatus.SENDING
        row.claimed_by = self.name
        row.claimed_at = now
        row.slot_at = slot
        row.lease_until = now + timedelta(seconds=slot - wall + self.limits.lease)
        return Claim(
            id=row.id,
            team_id=row.team_id,
            dedupe_key=row.dedupe_key,
            target=row.target,
            channel_id=row.channel_id,
            thread_ts=row.thread_ts,
            thread_key=row.thread_key,
            edit_of=row.edit_of,
            edit_ts=row.edit_ts,
            file=row.file,
            file_name=row.file_name,
            drawing=row.drawing,
            text=row.text,
            blocks=row.blocks,
            attempts=row.attempts,
            uncertain_since=row.uncertain_since,
            slot_at=slot,
            render=row.render is not None and self.render is not None,
        )

    # -- sending -----------------------------------------------------------------------------
    def _send_held(self, claim: Claim, report: Report) -> None:
        try:
            self._send(claim, report)
        finally:
            self._held.discard(claim.id)

    def _send(self, claim: Claim, report: Report) -> None:
        if self._wait(claim.slot_at - self.timer()):
            self._release(claim)  # stopping: another sender takes it over at once
            return
        if self._paused.get(claim.team_id, 0.0) > self.timer():
            self._release(claim)  # Slack asked this workspace to wait since the slot was taken
            return
        if claim.render:
            rendered = self._rendered(claim, report)
            if rendered is None:
                return
            claim = rendered
        started = self.timer()
        channel = claim.channel_id
        client = self._client_for(claim.team_id)
        if client is None:
            error = "not_installed: teamloop was uninstalled or its tokens revoked"
            self._failed(claim, channel, error, report, uncertain=None, final=True)
            return
        try:
            if claim.edit_ts and channel:  # an item's card, posted outside the outbox
                client.chat_update(
                    channel=channel, ts=claim.edit_ts, text=claim.text, blocks=claim.blocks
                )
                self._record_sent(claim, channel, claim.edit_ts)
                report.add("sent")
                return
            if claim.thread_key or claim.edit_of:
                ref = self._resolve(claim)
                if ref is None:
                    return
                channel, ts = ref
                if claim.edit_of:
                    client.chat_update(channel=channel, ts=ts, text=claim.text, blocks=claim.blocks)
                    self._record_sent(claim, channel, ts)
                    report.add("sent")
                    return
                claim = replace(claim, thread_ts=ts)
            if claim.file is not None or claim.drawing is not None:
                self._upload(client, claim, channel)
                report.add("sent")
                return
            channel = channel or self._open_dm(client, claim)
            if claim.uncertain_since is not None:
                found = find_posted(client, channel, claim)
                if found is not None:
                    self._record_sent(claim, channel, found)
                    report.add("recovered")
                    return
            with self._spaced(claim.target):
                response = client.chat_postMessage(
                    channel=channel,
                    text=claim.text,
                    blocks=claim.blocks,
                    thread_ts=claim.thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={
                        "event_type": METADATA_EVENT,
                        "event_payload": {"dedupe_key": claim.dedupe_key},
                    },
                )
            self._record_sent(claim, channel, str(response["ts"]))
            report.add("sent")
        except SlackApiError as exc:
            self._on_slack_error(claim, channel, exc, report)
        except Exception as exc:  # timeouts and dropped connections: outcome unknown
            log.warning("outbox %s: %s (will check Slack before retrying)", claim.dedupe_key, exc)
            self._failed(claim, channel, f"{type(exc).__name__}: {exc}", report, uncertain=started)

    def _rendered(self, claim: Claim, report: Report) -> Claim | None:
        """Bring a card edit or notice to what the store says now; None when it expired.

        Rendered in a read snapshot taken after the claim committed, so no write lock is held
        while it renders, and a change committed later queues an edit of its own (the claimed
        row is no longer the card's pending edit)."""
        assert self.render is not None
        with read(self.sessions) as session:
            row = session.get(OutboxMessage, claim.id)
            shown = self.render(session, row) if row is not None else None
        if shown is not None:
            return replace(claim, text=shown[0], blocks=shown[1])
        with transaction(self.sessions) as session:
            owned = store.owned(session, row_id=claim.id, claimer=self.name)
            if owned is not None:
                store.mark_expired(owned, "what it said is no longer true")
                report.add("expired")
        return None

    def _upload(self, client: WebClient, claim: Claim, channel: str | None) -> None:
        """Upload a file with Slack's current flow (files_upload_v2: get URL, upload, complete).

        Files carry no metadata, so an upload whose outcome was unknown is simply tried again.
        """
        channel = channel or self._open_dm(client, claim)
        content = claim.file if claim.drawing is None else draw(claim.drawing)
        response = client.files_upload_v2(
            content=content,
            filename=claim.file_name or "file",
            title=claim.file_name,
            channel=channel,
            thread_ts=claim.thread_ts,
            initial_comment=claim.text,
        )
        file_id = str((response.get("file") or {}).get("id") or "")
        self._record_sent(claim, channel, file_id)

    @contextmanager
    def _spaced(self, key: str) -> Iterator[None]:
        """Keep the channel interval between this process's posts as Slack receives them.

        A slot is reserved ahead; if a busy machine runs one send late and the next on time,
        the two would reach Slack too close together, and a request can also spend a while in
        transit. So the interval counts from when the previous post's answer came back (Slack
        had it by then), and posts to one channel go one at a time.
        """
        with self._locks_lock:
            lock = self._channel_locks.setdefault(key, threading.Lock())
        with lock:
            wait = self._last_send.get(key, float("-inf")) + self.limits.channel_interval
            if wait - self.timer() > 0:
                self.sleep(wait - self.timer())
            try:
                yield
            finally:
                self._last_send[key] = self.timer()

    def _client_for(self, team_id: str) -> WebClient | None:
        if self.tokens is None:
            return self.client
        token = self.tokens(team_id)
        if token is None:
            return None
        if token not in self._clients:
            self._clients[token] = outbox_client(self.client.base_url, token, self.limits.timeout)
        return self._clients[token]

    def _open_dm(self, client: WebClient, claim: Claim) -> str:
        return self._dm.channel(client, team_id=claim.team_id, user_id=claim.target)
