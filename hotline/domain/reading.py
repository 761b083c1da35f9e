"""How a citizen's text is read: spaced-out Chinese closed up, traditional characters simplified.

Chinese typed with a space between characters ("想 申 请 地 保") is read as written together: some
older citizens (and some phone keyboards) put a space after every character or two. Every
reading of a message (the routing model's words, question forms such as 怎么办, urgency cues,
the knowledge base's topic words) then falls apart. Only such a message is closed up, and only
between two Chinese characters: "清浦区 和平路 南门" or a voice-to-text pause is left as typed.
Traditional characters (請問低保怎麼申請, from Hong Kong, Taiwan or an old phone) are read as
simplified, character for character, so the length and every offset stay the citizen's.
Punctuation dictated into voice input ("逗号", "句号", "问号", said twice or more) is read as the
mark.
Stdlib only: the NLU pipeline (another interpreter) imports it too.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

T2S_PATH = Path(__file__).resolve().parents[2] / "data" / "t2s_characters.txt"
# Traditional characters also written in simplified text (乾隆, 於 as a surname): never
# evidence that a text is traditional, converted only in a text that is.
_SHARED = frozenset("乾於")
TRADITIONAL_MIN = 2  # distinct traditional-only characters that make a text traditional

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PUNCT = "，。！？、；："  # Chinese punctuation a spaced-out typist puts between characters too
_HAN_ONLY = re.compile(f"[{_HAN}]+")
_GAP = re.compile(f"(?<=[{_HAN}{_PUNCT}])[ \t\u3000]+(?=[{_HAN}{_PUNCT}])")
MIN_PIECES = 6  # fewer pieces than this is a short answer ("东门 北侧"), not a typing habit
SHORT_SHARE = 0.7  # …and this share of the pieces must be one or two characters…
SINGLE_SHARE = 0.4  # …and this share a single character
SHORT_ALL_SINGLE = 3  # a short message of single characters only is spaced out too


def spaced_out(text: str) -> bool:
    """Whether the text is Chinese typed a character or two at a time."""
    pieces = [p for p in text.split() if _HAN_ONLY.search(p)]
    han = [w for p in pieces if _HAN_ONLY.fullmatch(w := p.strip(_PUNCT + ",.!?"))]
    single = sum(1 for w in han if len(w) == 1)
    if len(pieces) >= SHORT_ALL_SINGLE and single == len(pieces):
        return True  # "那 在 哪 里 办"
    if len(pieces) < MIN_PIECES:
        return False
    short = sum(1 for w in han if len(w) <= 2)
    return short >= SHORT_SHARE * len(pieces) and single >= SINGLE_SHARE * len(pieces)


def close_up(text: str) -> str:
    """The text with the spaces between its Chinese characters removed, if it is spaced out."""
    return _GAP.sub("", text) if spaced_out(text) else text


class ReadingTableError(ValueError):
    """The character table is missing or has a line that is not one character, a tab, one."""


@functools.lru_cache(maxsize=2)
def _t2s(path: Path = T2S_PATH) -> dict[int, str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadingTableError(f"{path}: cannot be read ({exc})") from exc
    table: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        pair = line.split("\t")
        if len(pair) != 2 or len(pair[0]) != 1 or len(pair[1]) != 1:
            raise ReadingTableError(f"{path}:{number}: expected 繁<tab>简, got {line!r}")
        table[ord(pair[0])] = pair[1]
    return table


def load_tables(path: Path = T2S_PATH) -> None:
    """Read the character table now, so a broken file stops start-up, not a citizen's turn."""
    _t2s(path)


def simplified(text: str) -> str:
    """The text in simplified characters if it is written in traditional ones."""
    table = _t2s()
    evidence = {c for c in text if ord(c) in table and c not in _SHARED}
    return text.translate(table) if len(evidence) >= TRADITIONAL_MIN else text


# Punctuation spoken into a phone's voice input ("…走了逗号孩子都在外头句号"), read as the mark.
_SPOKEN_MARKS = {"逗号": "，", "句号": "。", "问号": "？", "感叹号": "！", "叹号": "！"}
_SPOKEN = re.compile("|".join(sorted(_SPOKEN_MARKS, key=len, reverse=True)))
SPOKEN_MIN = 2  # one 逗号 may be a word the citizen means; two or more are dictated marks


def spoken_marks(text: str) -> str:
    """The text with dictated punctuation read as punctuation, when it is a dictating habit."""
    if len(_SPOKEN.findall(text)) < SPOKEN_MIN:
        return text
    return _SPOKEN.sub(lambda m: _SPOKEN_MARKS[m.group(0)], text)


def as_read(text: str) -> str:
    """The text as the hotline reads it: dictated marks read, closed up, then simplified."""
    return simplified(close_up(spoken_marks(text)))


# "第一，…；第二，…", "一是…二是…", "1. … 2. …", "①…②…": several asks in one message.
_ENUMERATION = re.compile(
    r"(?:^|(?<=[\s，,。；;：:！!？?]))"
    r"(?:第([一二三四五六七八九1-9])(?:个|件|点|条)?(?:问题|事)?[，,、：:是]"
    r"|([一二三四五六七八九])是(?![不否])|([1-9])[.．、)）](?!\d)|([①②③④⑤⑥⑦⑧⑨]))"
)
_CN_ORDINAL = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_CIRCLED = {c: i for i, c in enumerate("①②③④⑤⑥⑦⑧⑨", start=1)}
# "第一个最要紧", "主要就是第一个", "第三个是我最想问的": which ask the citizen cares about
_FIRST_CONCERN = re.compile(
    r"第([一二三四五六七八九1-9])(?:个|件|点|条)?(?:问题|事)?(?:是)?(?:我)?(?:最|比较)(?:要紧|重要|关心|想问|急)"
    r"|主要(?:就)?是第([一二三四五六七八九1-9])(?:个|件|点|条)?"
)


# An ask routes the whole message when its department has at least this share (the classify
# contract and the dialogue apply the same bar).
ASK_MIN = 0.3


def _ordinal(match: re.Match[str]) -> int:
    """The number a match of _ENUMERATION or _FIRST_CONCERN names (its one filled group)."""
    token = next(g for g in match.groups() if g)
    # "①".isdigit() is True, but int("①") fails: circled numbers are looked up first
    if token in _CIRCLED:
        return _CIRCLED[token]
    return int(token) if token.isdecimal() else _CN_ORDINAL.get(token, 0)


def enumerated_asks(text: str) -> list[str]:
    """The asks of a message that numbers them (first, second …), in order; [] otherwise.

    Only a run that starts at 1 and counts up by one is an enumeration: "3.5米" or "二是二"
    are not. The citizen's own word on which matters most puts that ask first.
    """
    marks: list[re.Match[str]] = []  # the numbers 1, 2, 3 … in order
    for match in _ENUMERATION.finditer(text):
        if _ordinal(match) == len(marks) + 1:
            marks.append(match)
    if len(marks) < 2:
        return []
    ends = [mark.start() for mark in marks[1:]] + [len(text)]
    asks = [
        text[mark.end() : end].strip(" ，,。；;") for mark, end in zip(marks, ends, strict=True)
    ]
    concern = _FIRST_CONCERN.search(text)
    if concern:
        first = _ordinal(concern) - 1
        if 0 <= first < len(asks):
            asks.insert(0, asks.pop(first))
    return [ask for ask in asks if ask]
