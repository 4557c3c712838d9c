"""How the process asks the C allocator for memory (glibc only; elsewhere nothing)."""

from __future__ import annotations

import ctypes
import gc
import os

from bot.allocator import glibc

# mallopt(3): M_ARENA_MAX is -8 in glibc's <malloc.h>.
M_ARENA_MAX = -8
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc at `arenas` arenas (its default is 8 per core), before threads start.

    Each thread that allocates gets an arena of its own, which keeps what it once held: with
    16 threads (8 serving HTTP, 8 after-ack workers) that was about 0.65 MiB a thread after
    the first burst of commands. Two arenas kept `bench.footprint`'s growth after 2,000
    commands at 8.6 MiB instead of 12.1, and the GIL already keeps Python threads from
    allocating at the same moment. The same setting as the MALLOC_ARENA_MAX environment
    variable, which wins when set. Returns True when the cap was applied.
    Source: mallopt(3), M_ARENA_MAX.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not glibc():
        return False
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def pause_collector() -> None:
    """Turn the cyclic garbage collector off while the process starts (`resume_collector`
    turns it back on).

    Start-up is nearly all allocation that lives as long as the process (modules, classes,
    SQLAlchemy mappers, bolt listeners): about 100,000 objects, and each full collection
    triggered on the way walks all of them again for nothing. Measured on the 2-core test
    machine: about 250 collections, 0.2 s of CPU of a `run --http` start (`gc.callbacks`).
    Reference counting still frees everything that is not in a cycle.
    """
    gc.disable()


def resume_collector() -> None:
    """Once started: move what start-up built to the permanent generation (`gc.freeze`: never
    walked again, and pages a fork shares are not written to by a collection), then turn the
    collector back on. Idempotent. Source: the `gc` module documentation, `gc.freeze`."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
