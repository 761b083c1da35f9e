"""Chinese typed with a space between characters ("想 申 请 地 保"), read as written together.

Some older citizens (and some phone keyboards) put a space after every character or two. Every
reading of a message (the routing model's words, question forms such as 怎么办, urgency cues,
the knowledge base's topic words) then falls apart. Only such a message is closed up, and only
between two Chinese characters: "清浦区 和平路 南门" or a voice-to-text pause is left as typed.
Stdlib only: the NLU pipeline (another interpreter) imports it too.
"""

from __future__ import annotations

import re

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_ONLY = re.compile(f"[{_HAN}]+")
_GAP = re.compile(f"(?<=[{_HAN}，。！？、；：])[ \t\u3000]+(?=[{_HAN}，。！？、；：])")
MIN_PIECES = 6  # fewer pieces than this is a short answer ("东门 北侧"), not a typing habit
SHORT_SHARE = 0.7  # …and this share of the pieces must be one or two characters…
SINGLE_SHARE = 0.4  # …and this share a single character


def spaced_out(text: str) -> bool:
    """Whether the text is Chinese typed a character or two at a time."""
    pieces = [p for p in text.split() if _HAN_ONLY.search(p)]
    if len(pieces) < MIN_PIECES:
        return False
    han = [p for p in pieces if _HAN_ONLY.fullmatch(p.strip("，。！？、；：,.!?"))]
    short = sum(1 for p in han if len(p.strip("，。！？、；：,.!?")) <= 2)
    single = sum(1 for p in han if len(p.strip("，。！？、；：,.!?")) == 1)
    return short >= SHORT_SHARE * len(pieces) and single >= SINGLE_SHARE * len(pieces)


def close_up(text: str) -> str:
    """The text with the spaces between its Chinese characters removed, if it is spaced out."""
    return _GAP.sub("", text) if spaced_out(text) else text
