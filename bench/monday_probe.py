"""What `bench.monday` measures besides wall time: who held SQLite's writer lock, how long.

Loaded by path from bench/monday.py (which runs with another tree's code on PYTHONPATH, so it
cannot import `bench.monday_probe` as a module of that tree). Works with any tree whose
storage/db.py has the FIFO `writer_lock(engine)` (the baseline's too): the bench wraps that
one lock object's `acquire` and `release`, changing nothing else.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Holds:
    """One thread's use of the writer lock: seconds held and waited (wall), transactions."""

    held: float = 0.0
    cpu: float = 0.0  # the thread's own CPU seconds while holding it
    waited: float = 0.0
    count: int = 0
    longest: float = 0.0
    longest_wait: float = 0.0
    depth: int = 0
    since: float = field(default=0.0, repr=False)
    since_cpu: float = field(default=0.0, repr=False)


class LockMeter:
    """Per-thread hold and wait times of a `WriterLock`, counted by wrapping its methods.

    A hold runs from the moment `acquire` returns to the thread (depth 0 to 1) until its
    outermost `release` is called: the thread's time inside its write transaction, including
    any time it spent waiting for the GIL while holding the lock (others waited too); `cpu` is
    the thread's CPU time over the same spans. Costs a few clock reads per transaction."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self._mutex = threading.Lock()
        self.threads: dict[int, Holds] = {}
        acquire, release = lock.acquire, lock.release

        def metered_acquire(timeout: float) -> bool:
            begun = time.perf_counter()
            got = bool(acquire(timeout))
            now = time.perf_counter()
            me = self._of(threading.get_ident())
            if got:
                me.depth += 1
                if me.depth == 1:
                    me.since, me.count = now, me.count + 1
                    me.since_cpu = time.thread_time()
                    me.waited += now - begun
                    me.longest_wait = max(me.longest_wait, now - begun)
            return got

        def metered_release() -> None:
            me = self._of(threading.get_ident())
            me.depth -= 1
            if me.depth == 0:
                span = time.perf_counter() - me.since
                me.held += span
                me.cpu += time.thread_time() - me.since_cpu
                me.longest = max(me.longest, span)
            release()

        lock.acquire, lock.release = metered_acquire, metered_release

    def _of(self, ident: int) -> Holds:
        found = self.threads.get(ident)
        if found is None:
            with self._mutex:
                found = self.threads.setdefault(ident, Holds())
        return found

    def of(self, ident: int) -> Holds:
        """A copy of one thread's figures so far (zeros if it never took the lock)."""
        found = self.threads.get(ident, Holds())
        return Holds(
            found.held, found.cpu, found.waited, found.count, found.longest, found.longest_wait
        )

    def others(self, *not_these: int) -> Holds:
        """The summed figures of every thread but `not_these` (the web threads' captures)."""
        total = Holds()
        for ident, h in list(self.threads.items()):
            if ident in not_these:
                continue
            total.held += h.held
            total.cpu += h.cpu
            total.waited += h.waited
            total.count += h.count
            total.longest = max(total.longest, h.longest)
            total.longest_wait = max(total.longest_wait, h.longest_wait)
        return total


def meter(engine: Any) -> LockMeter | None:
    """A meter on the engine's writer lock (None if this tree has no in-process lock)."""
    from storage import db

    find = getattr(db, "writer_lock", None)
    lock = find(engine) if find is not None else None
    return LockMeter(lock) if lock is not None else None


def as_dict(h: Holds) -> dict[str, float]:
    """The figures of `h` for the child's JSON line."""
    return {"held": h.held, "cpu": h.cpu, "waited": h.waited, "count": h.count,
            "longest": h.longest, "longest_wait": h.longest_wait}  # fmt: skip


CLIENTS = 8


def clients(
    driver: Any, *, seconds: float | None = None, until: threading.Event | None = None
) -> list[tuple[float, bool]]:
    """8 clients sending signed `/req new` back to back: (latency s, ok) per capture."""
    deadline = time.monotonic() + (seconds or 0)
    out: list[tuple[float, bool]] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client(c: int) -> None:
        n = 0
        while (until is not None and not until.is_set()) or (
            until is None and time.monotonic() < deadline
        ):
            n += 1
            begun = time.perf_counter()
            try:
                reply = driver.command("/req", f"new Captured during Monday {c}-{n} P2",
                                       user="U0BENCH", channel="C00007")  # fmt: skip
                ok = reply.status == 200 and "went wrong" not in reply.body
                if not ok and not failures:
                    failures.append(f"{reply.status} {reply.body[:300]}")
            except OSError as exc:
                ok = False  # no answer within 10 s: Slack would have shown an error at 3 s
                failures.append(f"{type(exc).__name__}: {exc}")
            with lock:
                out.append((time.perf_counter() - begun, ok))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"first failure: {failures[0]}", file=sys.stderr)
    return out


def summary(samples: list[tuple[float, bool]]) -> dict[str, Any]:
    """Count, failures and latency percentiles (ms) of (seconds, ok) samples."""
    ms = sorted(s * 1000 for s, _ok in samples) or [0.0]
    return {
        "n": len(samples),
        "failed": sum(1 for _s, ok in samples if not ok),
        "p50": statistics.median(ms),
        "p99": ms[max(0, int(len(ms) * 0.99) - 1)],
        "max": ms[-1],
        "over_1s": sum(1 for x in ms if x > 1000),
    }
