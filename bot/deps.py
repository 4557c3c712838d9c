"""What listeners need at hand: settings, sessions, the clock and a worker for after-ack work."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.allocator import release_free_memory
from bot.clock import Clock
from bot.config import Settings
from bot.errors import UNAVAILABLE, UserError, cannot_reach
from bot.services.people import Writing
from storage.capture import CaptureStore, for_engine
from storage.db import read, transaction, unavailable

__all__ = ["SORRY", "Deps", "Fresh", "Session", "Worker", "unavailable"]

if TYPE_CHECKING:  # slack_sdk's OAuth stores load only in OAuth mode (bot/app.py)
    from bot.installs import InstallationStore

log = logging.getLogger(__name__)
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

# How long work acked to Slack already is retried while the database is unreachable (s).
RETRY_UNAVAILABLE_FOR = 600.0
SORRY = "Something went wrong on our side and nothing was changed. Please try again in a minute."


class Worker(ThreadPoolExecutor):
    """Runs work after the ack (and bolt's lazy listeners); `drain()` waits for all of it."""

    # After a backlog this long has drained, free memory goes back to the system.
    TRIM_AFTER = 200

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="teamloop-worker")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._peak = 0
        self.trims = 0  # how many times a drained backlog gave memory back

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Schedule `fn` and remember it until it finishes."""
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
            self._peak = max(self._peak, len(self._pending))
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)
            drained = not self._pending and self._peak >= self.TRIM_AFTER
            if drained:
                self._peak = 0
                self.trims += 1
        if drained:
            # A burst's queued work (a few KiB a command) is freed, but scattered among live
            # objects, so the heap keeps those pages until told (`release_free_memory`).
            release_free_memory()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every submitted piece of work (and what it submitted) is done."""
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return
            _done, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise TimeoutError(f"{len(not_done)} background tasks still running")


class Fresh(Generic[K, V]):
    """What was last learned about a key, for `ttl` seconds, at most `size` keys (the oldest
    learned goes first). Thread-safe; per process, so another replica may know newer."""

    def __init__(
        self, ttl: float = 300.0, size: int = 10_000, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.size, self.timer = ttl, size, timer
        self._seen: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value while fresh, None when it must be looked up again."""
        with self._lock:
            found = self._seen.get(key)
        if found is None or found[1] < self.timer():
            return None
        return found[0]

    def put(self, key: K, value: V) -> None:
        """Remember `value` for `ttl` seconds."""
        with self._lock:
            self._seen.pop(key, None)
            self._seen[key] = (value, self.timer() + self.ttl)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def drop(self, key: K) -> None:
        """Forget `key` (it changed here, so the next lookup reads it again)."""
        with self._lock:
            self._seen.pop(key, None)


class PrivacyCache(Fresh[str, bool]):
    """Which channels are private, as Slack last said (conversations.info), for `ttl`
    seconds: the Home tab and search ask about the same few channels on every open.

    A channel made private is kept out of other places within `ttl`; a failed answer is
    not cached (the caller treats unknown as private)."""


@dataclass
class Deps:
    """Shared by every listener through bolt's context (`context["deps"]`)."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    worker: Worker
    # Multi-workspace installs (OAuth); None with a single bot token.
    installs: InstallationStore | None = None
    privacy: PrivacyCache = field(default_factory=PrivacyCache)
    # (team, user) -> how they write dates: read on every dated capture, changed rarely.
    writing: Fresh[tuple[str, str], Writing] = field(default_factory=Fresh)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write unit of work: `with deps.transaction() as session: svc.fn(session=session, …)`.

        Commits when the block ends, rolls back on an exception; service calls inside stay
        fully typed (no `**kwargs` indirection).
        """
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: `with deps.read() as session: service.query(session=…)`.

        Takes no write lock (SQLite reads a snapshot beside the writer; PostgreSQL runs it
        READ ONLY); a write inside it fails. Use `transaction()` for anything that writes.
        """
        with read(self.sessions) as session:
            yield session

    def capture(self) -> CaptureStore:
        """The lean write of a quick capture (`storage.capture`), one per engine."""
        return for_engine(self.sessions.kw["bind"])

    def defer(
        self,
        work: Callable[[], Any],
        *,
        answer: Callable[[str], None] | None,
        retry_unavailable: bool = False,
    ) -> None:
        """Run `work` after the ack; a UserError (or a crash) becomes a short answer.

        `retry_unavailable` (work nobody waits for, such as a capture by reaction, acked to
        Slack already): while the database is unreachable, run it again after 1, 2, 4 … 30 s,
        for up to `RETRY_UNAVAILABLE_FOR` seconds, so an outage does not lose it. `work` must
        be idempotent (captures are: once per message)."""
        deferred = Deferred(work, answer, self.worker, retry_unavailable, time.monotonic())
        self.worker.submit(deferred.run)


@dataclass
class Deferred:
    """One piece of after-ack work and how its failures are answered (see `Deps.defer`).

    An object rather than nested functions: a function that resubmits itself through a
    closure is a reference cycle, and each cycle kept the whole request (its payload, card,
    ORM rows) alive until a full garbage collection: tens of MiB after a burst."""

    work: Callable[[], Any]
    answer: Callable[[str], None] | None
    worker: Worker
    retry_unavailable: bool
    started: float

    def run(self, delay: float = 1.0) -> None:
        """Do the work once; answer or log what went wrong; retry an outage if asked to."""
        try:
            self.work()
        except UserError as exc:
            self._tell(exc.shown)
        except SlackApiError as exc:
            # A channel Slack won't let us into is the user's to fix, not a crash.
            reach = cannot_reach(str(exc.response.get("error", "")))
            if reach is None:
                log.exception("deferred work failed")
            else:
                log.warning("deferred work: Slack says %s", reach.code)
            self._tell(reach.message if reach is not None else SORRY)
        except OSError as exc:  # urllib's URLError included
            # Slack (or the network to it) is down after slack_sdk's own retry: not a bug
            # of ours, and an answer would go the same unreachable way.
            log.warning("deferred work: Slack unreachable: %s", exc)
        except Exception as exc:
            if (
                self.retry_unavailable
                and unavailable(exc)
                and time.monotonic() - self.started < RETRY_UNAVAILABLE_FOR
            ):
                log.warning("deferred work: database unavailable; again in %.0f s", delay)
                self._again(delay)
                return
            if unavailable(exc):
                log.error("deferred work: database unavailable: %s", type(exc).__name__)
            else:
                log.exception("deferred work failed")
            self._tell(UNAVAILABLE if unavailable(exc) else SORRY)

    def _again(self, delay: float) -> None:
        # A timer, not a sleep: the worker's threads stay free during an outage.
        timer = threading.Timer(delay, self.worker.submit, (self.run, min(delay * 2, 30)))
        timer.daemon = True
        timer.start()

    def _tell(self, text: str) -> None:
        if self.answer is None:
            return
        try:
            self.answer(text)
        except (OSError, SlackApiError) as exc:
            # The answer goes to Slack too; if Slack is gone, the log is all that is left.
            log.warning("deferred work: could not answer the user: %s", exc)
