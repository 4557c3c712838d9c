"""The C allocator beneath Python (glibc's malloc): giving free memory back to the system.

Used by the after-ack worker (`bot.deps`); `bot.runtime.memory` sets the allocator up at
start. A leaf module, so the core can use it without importing the runtime.
"""

from __future__ import annotations

import ctypes
import os


def release_free_memory() -> bool:
    """Give the C allocator's free pages back to the system (glibc's `malloc_trim(0)`, which
    also releases free pages in the middle of its heaps); True when it released any.

    A burst leaves the heaps holding what the queued work used (about 6 KiB a queued
    command) with live objects scattered through them, so freeing it shrinks little by
    itself: after 2,000 commands this gave back about 1 MiB of `bench.footprint`'s growth
    (11.4 -> 10.5 MiB PSS). Source: malloc_trim(3).
    """
    if not glibc():
        return False
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    return bool(libc.malloc_trim(0))


def glibc() -> bool:
    """Whether the C library is glibc (mallopt and malloc_trim are glibc's)."""
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):  # not a glibc system
        return False
