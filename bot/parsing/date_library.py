"""dateparser, limited to the languages teamloop speaks, and its one-time warm-up.

Kept apart from `bot.parsing.dates` (teamloop's own rules) so that module stays about the
rules; `dates` re-exports `warm_up` and `warm_up_soon`."""

from __future__ import annotations

import threading
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dateparser.date import DateDataParser


@lru_cache(maxsize=16)
def parser(today: date) -> DateDataParser:
    """dateparser for English and Chinese, reading relative phrases from `today`.

    Imported here, not at module import: loading its language data takes a while and
    only date phrases need it. Numeric orders never reach it (see `dates._numeric`)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
    }
    return DateDataParser(languages=["en", "zh"], settings=settings, try_previous_locales=False)


_loading = threading.Lock()
_loaded = threading.Event()


def warm_up() -> None:
    """Load dateparser's English and Chinese data now, once per process (about 0.4 s of CPU).

    Thread-safe: a caller arriving while another thread loads waits for it (one lock), and
    once loaded this is a flag check. `dates._library` calls it before its first use, so a date
    phrase never meets half-loaded data whoever started the loading."""
    if _loaded.is_set():
        return
    with _loading:
        if _loaded.is_set():
            return
        parser(date(2026, 1, 1)).get_date_data("Dec 4")
        parser(date(2026, 1, 1)).get_date_data("12月4")
        _loaded.set()


def warm_up_soon() -> threading.Thread:
    """Start `warm_up` on a daemon thread and return it: called once a server listens, so
    the load costs neither the start nor the first person's ack (a request that needs
    dateparser before it is done waits for it in `warm_up`)."""
    thread = threading.Thread(target=warm_up, name="teamloop-warm-up", daemon=True)
    thread.start()
    return thread
