"""How text becomes search terms: one folding for the index and for queries, any script.

Both engines index the same pre-folded text, so SQLite and PostgreSQL agree on what matches:
case and accents are folded here (NFKC, casefold, marks removed: `Über` -> `uber`,
`Straße` -> `strasse`), and runs of Han, kana and Hangul, which have no spaces between
words, become overlapping character bigrams (`导出发票` -> `导出 出发 发票`), the
classic CJK indexing: a query's bigrams, searched as a phrase, find the run anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han (incl. extension A and compatibility), kana, Hangul: scripts written without spaces.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
# Letters and digits of any script; `_` and punctuation separate words.
_WORD = re.compile(r"[^\W_]+")
# Words too common to say anything about a duplicate (they still match a search).
_STOP = (
    "a an and are as at be by can de der die das und for from in is it of on or the to "
    "with we our should would please add support allow make let new via need needs "
    "的 了 和 在 是 请 要 把 成 为 给 很 太 非常 时 到 按 从 通过"
)
STOPWORDS = frozenset(_STOP.split(" "))


def unslack(text: str) -> str:
    """Decode Slack's three escapes (commands store text as Slack sent it)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fold(text: str) -> str:
    """Case- and accent-free text: NFKC, casefold, combining marks dropped.

    Slack's three escapes (`&amp;` `&lt;` `&gt;`) are decoded first, so text typed into a
    command and text from elsewhere fold alike.
    """
    folded = unicodedata.normalize("NFKC", unslack(text)).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def is_cjk(word: str) -> bool:
    """True for a run of CJK characters (indexed as bigrams)."""
    return bool(_CJK_RUN.fullmatch(word))


def words(text: str) -> list[str]:
    """Folded words; a CJK run inside a word is split out as its own word."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        pos = 0
        for run in _CJK_RUN.finditer(word):
            if run.start() > pos:
                out.append(word[pos : run.start()])
            out.append(run.group())
            pos = run.end()
        if pos < len(word):
            out.append(word[pos:])
    return out


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a CJK run (a single character stays itself)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str) -> str:
    """What the full-text index stores for some text: folded words, CJK runs as bigrams."""
    out: list[str] = []
    for word in words(text):
        out.extend(bigrams(word) if is_cjk(word) else [word])
    return " ".join(out)


@dataclass(frozen=True)
class Term:
    """One query term: a word (matched as a prefix) or a CJK run (matched as a phrase)."""

    word: str

    @property
    def cjk(self) -> bool:
        """True when the term is a CJK run."""
        return is_cjk(self.word)

    @property
    def tokens(self) -> list[str]:
        """The index tokens the term must match, in order."""
        return bigrams(self.word) if self.cjk else [self.word]


def terms(query: str, *, limit: int = 8) -> list[Term]:
    """The distinct terms of what someone typed (at most `limit`)."""
    seen = dict.fromkeys(words(query))
    return [Term(w) for w in seen][:limit]


def signature(text: str) -> set[str]:
    """Content tokens for similarity: words without stopwords, CJK runs as bigrams."""
    out: set[str] = set()
    for word in words(text):
        if is_cjk(word):
            out.update(b for b in bigrams(word) if b not in STOPWORDS)
        elif word not in STOPWORDS:
            # Light stemming, so `invoice`/`invoices` and `export`/`exporting` agree.
            out.add(_stem(word))
    return out


def _stem(word: str) -> str:
    # Only the plural `s`: anything more needs a language's stemmer; near forms
    # (`archived`/`archiving`) are matched by prefix in the duplicate check instead.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content(text: str) -> tuple[set[str], set[str]]:
    """(words, CJK characters) without stopwords and particles: what two texts must share
    to ask for the same thing."""
    latin: set[str] = set()
    chars: set[str] = set()
    for word in words(text):
        if is_cjk(word):
            chars.update(c for c in word if c not in STOPWORDS)
        elif word not in STOPWORDS:
            latin.add(_stem(word))
    return latin, chars
