"""What a send attempt leaves behind: a row recorded as sent, released, retried or dead.

The `Outcomes` half of bot.outbox.sender.Sender (the other half claims, paces and posts):
Slack's errors sorted into pause, retry, reopen-the-DM and give up, each in the row's own
transaction. Split out of sender.py by role; the rules are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.errors import REACH_CODES
from bot.outbox import store
from bot.outbox.dms import DmChannels
from bot.outbox.parts import Claim, Limits, Report
from storage.db import read, transaction
from storage.items import ItemMessage
from storage.scheduling import OutboxMessage
from storage.statuses import OutboxStatus

# The sender's logger, as before the split: operators filter on its name.
log = logging.getLogger("bot.outbox.sender")

# Slack answers these with HTTP 200 and ok=false, yet they pass: try again later.
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# chat.update's answers for a message that no longer exists (deleted in Slack).
GONE = {"message_not_found", "cant_update_message"}
# (session, team id, channel id, Slack's error, who asked for the post or None): what to do
# when a post can never reach a channel (bot.services.reach.learn pauses its schedules and
# tells who set them up, and who asked for this post).
Unreachable = Callable[[Session, str, str, str, str | None], None]


class Outcomes:
    """Records each attempt's outcome in its outbox row; Sender sets the attributes below."""

    sessions: sessionmaker[Session]
    clock: Clock
    limits: Limits
    timer: Callable[[], float]
    name: str
    backoff: BackoffRetryIntervalCalculator
    unreachable: Unreachable | None
    _dm: DmChannels
    _paused: dict[str, float]

    def _on_slack_error(
        self, claim: Claim, channel: str | None, exc: SlackApiError, report: Report
    ) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
            self._pause(claim.team_id, retry_after)
            self._release(claim)
            report.add("rate_limited")
        elif status >= 500 or error in TRANSIENT:
            self._failed(claim, channel, error, report, uncertain=None)
        elif error == "channel_not_found" and _is_dm(claim):
            log.warning("outbox %s: the stored DM is gone; opening it again", claim.dedupe_key)
            self._forget_dm(claim)
            self._failed(claim, None, error, report, uncertain=None, forget_channel=True)
        elif error in REACH_CODES and claim.target[:1] not in ("U", "W"):
            # Expected when the bot was removed or the channel archived: handled, not a fault.
            log.warning("outbox %s: can't post in %s (%s)", claim.dedupe_key, claim.target, error)
            self._failed(claim, channel, error, report, uncertain=None, final=True, reach=True)
        elif claim.edit_ts is not None and error in GONE:
            # Someone deleted the card in Slack (or, in the sandbox, its history went with the
            # last run): nothing to bring up to date, now or later. Not a fault.
            log.info("outbox %s: message gone (%s); no longer edited", claim.dedupe_key, error)
            self._gone(claim, error, report)
        else:
            log.error("outbox %s: Slack refused it (%s); not retrying", claim.dedupe_key, error)
            self._failed(claim, channel, error, report, uncertain=None, final=True)

    def _gone(self, claim: Claim, error: str, report: Report) -> None:
        with transaction(self.sessions) as session:
            row = store.owned(session, row_id=claim.id, claimer=self.name)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:2000]
            row.claimed_by = row.lease_until = None
            row.status = OutboxStatus.DEAD
            session.execute(
                update(ItemMessage)
                .where(
                    ItemMessage.team_id == claim.team_id,
                    ItemMessage.channel_id == claim.target,
                    ItemMessage.ts == claim.edit_ts,
                )
                .values(live=False)
            )
        report.add("gone")

    def _forget_dm(self, claim: Claim) -> None:
        self._dm.forget(team_id=claim.team_id, user_id=claim.target)

    def _pause(self, team_id: str, seconds: float) -> None:
        until = self.timer() + seconds
        self._paused[team_id] = max(self._paused.get(team_id, 0.0), until)
        with transaction(self.sessions) as session:
            team = store.pace_rows(session, team_id=team_id, keys=())[store.WORKSPACE_KEY]
            team.next_at = max(team.next_at, until)
        log.warning("Slack rate-limited workspace %s: pausing %.0fs", team_id, seconds)

    def _resolve(self, claim: Claim) -> tuple[str, str] | None:
        """Channel and ts of the message this row replies to or edits; None if not yet sent."""
        key = claim.edit_of or claim.thread_key
        assert key is not None
        with read(self.sessions) as session:  # the usual case: it was sent; no write lock
            found = _posted_at(store.by_key(session, key))
        if found is not None:
            return found
        with transaction(self.sessions) as session:
            ref = store.by_key(session, key)
            if (found := _posted_at(ref)) is not None:
                return found
            row = store.owned(session, row_id=claim.id, claimer=self.name)
            if row is None:
                return None
            row.claimed_by = row.lease_until = None
            if ref is not None and ref.status == OutboxStatus.EXPIRED:
                store.mark_expired(row, f"{key} expired")
            elif ref is None or ref.status in (OutboxStatus.DEAD, OutboxStatus.CANCELLED):
                row.status, row.last_error = OutboxStatus.DEAD, f"{key} was never sent"
                log.error("outbox %s: %s was never sent; dropping it", claim.dedupe_key, key)
            else:
                # Its message is still on its way: look again shortly, without using an attempt.
                row.status = OutboxStatus.PENDING
                row.next_attempt_at = self.clock.now() + timedelta(seconds=1)
        return None

    # -- recording ---------------------------------------------------------------------------
    def _record_sent(self, claim: Claim, channel: str, ts: str) -> None:
        with transaction(self.sessions) as session:
            row = store.owned(session, row_id=claim.id, claimer=self.name)
            if row is None:
                log.warning("outbox %s: claim lost while sending", claim.dedupe_key)
                return
            row.status, row.slack_ts, row.channel_id = OutboxStatus.SENT, ts, channel
            if claim.render:  # what was sent, for the record
                row.text, row.blocks = claim.text, claim.blocks
            row.sent_at = self.clock.now()
            row.attempts += 1
            row.lease_until = None  # claimed_by stays: which replica sent it
            store.record_about(session, row, now=row.sent_at)

    def _release(self, claim: Claim) -> None:
        with transaction(self.sessions) as session:
            row = store.owned(session, row_id=claim.id, claimer=self.name)
            if row is not None:
                row.status, row.claimed_by, row.lease_until = OutboxStatus.PENDING, None, None

    def _failed(
        self,
        claim: Claim,
        channel: str | None,
        error: str,
        report: Report,
        *,
        uncertain: float | None,
        final: bool = False,
        forget_channel: bool = False,
        reach: bool = False,
    ) -> None:
        with transaction(self.sessions) as session:
            row = store.owned(session, row_id=claim.id, claimer=self.name)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:2000]
            row.channel_id = None if forget_channel else row.channel_id or channel
            row.claimed_by = row.lease_until = None
            if uncertain is not None and row.uncertain_since is None:
                row.uncertain_since = datetime.fromtimestamp(uncertain, UTC)
            if final or row.attempts >= self.limits.max_attempts:
                row.status = OutboxStatus.DEAD
                fallback = dict(row.fallback or {})
                asked_by = fallback.pop(store.TELL, None)
                if fallback and not reach:
                    # e.g. a chart that could not be uploaded: its digest shows text bars.
                    store.enqueue_edit(session=session, now=self.clock.now(), **fallback)
                if reach:
                    if self.unreachable is not None:
                        self.unreachable(session, row.team_id, claim.target, error, asked_by)
                    report.add("dead")
                    return
                log.error(
                    "outbox %s dead after %d attempts: %s", row.dedupe_key, row.attempts, error
                )
                report.add("dead")
                return
            wait_s = self.backoff.calculate_sleep_duration(row.attempts - 1)
            if uncertain is not None:
                wait_s = max(wait_s, self.limits.settle)
            row.status = OutboxStatus.PENDING
            row.next_attempt_at = self.clock.now() + timedelta(seconds=wait_s)
            report.add("retried")


def _is_dm(claim: Claim) -> bool:
    """A post to a person (its channel is the DM the sender opens), not a reply or an edit."""
    return claim.target[:1] in ("U", "W") and not (claim.thread_key or claim.edit_of)


def _posted_at(ref: OutboxMessage | None) -> tuple[str, str] | None:
    """Channel and ts of a row Slack has, else None."""
    if ref is not None and ref.status == OutboxStatus.SENT and ref.channel_id and ref.slack_ts:
        return ref.channel_id, ref.slack_ts
    return None
