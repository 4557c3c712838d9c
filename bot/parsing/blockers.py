"""Is a standup answer to "anything blocking you?" a blocker? Read as a person would.

"No blockers today", "not really", "nothing blocking", "all good", "无阻碍", "暂无" are no
blocker; "blocked on …", "waiting for …", "需要…" are, even after a "no": "No, but waiting
for the API keys" names one. An answer that starts with none of the "no" phrases is taken as
a blocker (the person wrote something), and the thread's *Not a blocker* button undoes a
misreading.
"""

from __future__ import annotations

import re

# Whole answers, or how an answer starts, that mean "nothing blocks me".
_NONE_EN = re.compile(
    # Longer phrases first: the first alternative that matches wins.
    r"^(?:"
    r"no(?:ne)? (?:blockers?|blocks|blocking|issues?|problems?|impediments?|obstacles?)|"
    r"no(?:thing)? (?:blocking|in my way|so far|yet|for now|at the moment|right now|atm|"
    r"major|new|today|here|to report|from me)|"
    r"none (?:so far|yet|for now|today|at the moment|right now|atm|from me)|"
    r"not (?:really|at all|at the moment|right now|today|yet|currently|blocked|anything)|"
    r"not that i know of|not blocked|unblocked|nothing is blocking(?: me)?|"
    r"nothing's blocking(?: me)?|"
    r"all (?:good|clear|fine|set)|i'?m (?:good|fine|ok|okay|all good|unblocked)|"
    r"we'?re (?:good|fine|ok|okay)|all good here|smooth sailing|no worries|"
    r"no+|nope|nah|none|nothing|nil|nada|zero|0|n/?a|ok|okay|fine|good|clear"
    r")\b|^(?:-+|—)"
)
_NONE_ZH = re.compile(
    r"^(?:无阻碍|无阻塞|无障碍|无问题|暂无|暂时没有|目前没有|还没有|没有阻碍|没有阻塞|没有问题|"
    r"没问题|没有|无|没|一切正常|一切顺利|都好|还好|挺好|很顺利|顺利|不卡|没卡|没被卡)"
)
# Words that name something in the way, in any part of the answer.
_BLOCKING_EN = re.compile(
    r"\b(?:blocked|blocking|blocker|waiting|wait for|waiting on|need|needs|needed|stuck|"
    r"depends? on|dependent on|pending|can'?t|cannot|unable|missing|until|except|but|"
    r"however|although|though|still|hold(?:ing)? (?:me|us) up|held up)\b"
)
_BLOCKING_ZH = re.compile(
    r"需要|等待|等着|在等|卡在|卡住|被卡|依赖|缺少|还差|无法|不能|但是|不过|但"
)
_FILLER = frozenset(
    ("thanks", "thank", "thx", "really", "today", "yet", "here", "atm", "so", "for", "at", "all",
     "blockers", "blocker", "blocking", "issues", "problems", "from", "for", "right", "sir",
     "👍", "🎉", "🙂", "😀", "✅", "-", "—")
)  # fmt: skip
_NEGATED_ZH = re.compile(r"(?:无|没有|没|不)(?:阻碍|阻塞|障碍|卡|等待|依赖)")


def is_blocker(answer: str) -> bool:
    """True when a blockers answer names a blocker; False for empty and "no"-type answers."""
    text = " ".join(answer.lower().replace("’", "'").split()).strip(" .!?,;:。！？，；～~")
    if not text:
        return False
    match = _NONE_EN.match(text) or _NONE_ZH.match(text)
    if match is None:
        return True
    rest = text[match.end() :]
    said, words = match.group(0), rest.split()
    # A lone "no" that goes on into a phrase ("no access to prod", "nothing works") names
    # something missing; only filler may follow it ("nope, thanks", "none today").
    lone = words and rest[:1] == " " and " " not in said and said.isascii()
    if lone and words[0].strip(",.!;:") not in _FILLER:
        return True
    # "nothing blocking" is not a blocker, "no, but waiting for keys" is.
    return bool(_BLOCKING_EN.search(rest) or _BLOCKING_ZH.search(_NEGATED_ZH.sub("", rest)))
