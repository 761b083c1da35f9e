"""Homophones and slips of the hotline's words (社宝 → 社保), read as the word meant.

Voice-to-text and pinyin input turn 社保局 into 社宝局 and 退休金 into 退修金; the n-gram models
then see words no example has. Cantonese function words typed as spoken (唔, 啲, 冇, 咗) are
read as Mandarin's the same way. The table (``nlu/dict/typos.yml``) maps spellings to words of the
same length, so a normalised text keeps every offset of the original (entities stay right).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

TYPOS_PATH = Path(__file__).resolve().parent / "dict" / "typos.yml"


class TyposError(ValueError):
    """The typo table is not a mapping of same-length spellings to other words."""


@functools.lru_cache(maxsize=4)
def _table(path: Path = TYPOS_PATH) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise TyposError(f"{path}: a mapping of spelling → word is expected")
    table: dict[str, str] = {}
    for typo, word in data.items():
        if not (isinstance(typo, str) and isinstance(word, str) and typo and typo != word):
            raise TyposError(f"{path}: {typo!r} → {word!r} is not a spelling and another word")
        if len(typo) != len(word):
            raise TyposError(f"{path}: {typo!r} → {word!r} changes the length (offsets move)")
        table[typo] = word
    if not table:
        return None, table
    pattern = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
    return pattern, table


def normalise(text: str, path: Path = TYPOS_PATH) -> str:
    """``text`` with every listed spelling replaced by its word; same length as ``text``."""
    pattern, table = _table(path)
    if pattern is None:
        return text
    return pattern.sub(lambda m: table[m.group(0)], text)
