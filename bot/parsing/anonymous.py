"""Is the first word of `/feedback` a request for anonymity, exactly or nearly?

A near miss must never publish under the sender's name: `anonymus`, `anon`, `匿名` and the
like are answered with a question instead ("Did you mean anonymous?").
"""

from __future__ import annotations

import unicodedata
from typing import Literal

EXACT = "anonymous"
# Words that clearly mean "anonymous" in other forms or languages, but are not the verb.
NEAR_WORDS = ("anon", "anonym", "anonymously", "anonyme", "anonimo", "anónimo", "anonima")
CJK_NEAR = ("匿名", "匿名的", "匿名で", "익명")
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

Verdict = Literal["exact", "near", "no"]


def clean(text: str) -> str:
    """Command text as typed: no-break spaces become spaces, zero-width characters go."""
    return text.replace("\u00a0", " ").translate(ZERO_WIDTH).strip()


def distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (typos are mostly these)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def verdict(word: str) -> Verdict:
    """`exact` for `anonymous`, `near` for anything close to it, else `no`."""
    w = unicodedata.normalize("NFKC", word).strip(".,:;!?-—()[]\"'`*_").lower()
    if not w:
        return "no"
    if w == EXACT:
        return "exact"
    if any(w.startswith(c) for c in CJK_NEAR) or w in NEAR_WORDS or w.startswith("anon"):
        return "near"
    limit = 3 if len(w) >= 7 else 2
    return "near" if len(w) >= 5 and distance(w, EXACT) <= limit else "no"


def split_first(text: str) -> tuple[str, str]:
    """(first word, rest) of cleaned command text; CJK `匿名` may run into the text."""
    text = clean(text)
    for cjk in CJK_NEAR:
        if text.startswith(cjk) and not text.startswith(cjk + " "):
            return cjk, text[len(cjk) :].lstrip(" :：,，")
    first, _, rest = text.partition(" ")
    return first, rest.strip()
