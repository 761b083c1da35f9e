"""Words typed by their sound ("juzhuzheng 怎么续", "wo jia haizi zai 育才小学") read as words.

The n-gram models and the knowledge base know 居住证, not juzhuzheng. A run of Latin letters
that splits wholly into sounds of the training data's words (``data/sounds.tsv``, written by
``scripts/sounds_table.py``), at least one of them a word of two characters or more, is read
as those words; English ("meal delivery", "app", "OK") does not split so and stays as typed.
The NLU tokenizer reads the words at the offsets the citizen typed them; consult-or-report
reads the question with them.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

from hotline.domain.reading import ReadingTableError

TABLE_PATH = Path(__file__).resolve().parents[2] / "data" / "sounds.tsv"
_RUN = re.compile(r"[A-Za-z]+(?:[ '’]+[A-Za-z]+)*")
_SEPARATORS = re.compile(r"[ '’]+")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_SOUND = re.compile(r"[a-z]+")
# The longest sound in the table is shorter than this (six syllables of up to six letters).
_LONGEST = 36


class SoundTableError(ReadingTableError):
    """The sound table is missing or has a line that is not sound, tab, word, tab, count."""


@functools.lru_cache(maxsize=2)
def _table(path: Path = TABLE_PATH) -> dict[str, tuple[str, int]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SoundTableError(f"{path}: cannot be read ({exc})") from exc
    table: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not _SOUND.fullmatch(fields[0]) or not fields[2].isdigit():
            raise SoundTableError(
                f"{path}:{number}: expected sound<tab>word<tab>count, got {line!r}"
            )
        table[fields[0]] = (fields[1], int(fields[2]))
    return table


def load_table(path: Path = TABLE_PATH) -> None:
    """Read the sound table now, so a broken file stops start-up, not a citizen's turn."""
    _table(path)


def _words(sound: str, table: dict[str, tuple[str, int]]) -> list[str] | None:
    """The fewest table words that sound like `sound` (commoner words on a tie), or None."""
    n = len(sound)
    best: list[tuple[int, float, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, [])
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + _LONGEST) + 1):
            entry = table.get(sound[i:j])
            if entry is None:
                continue
            candidate = (here[0] + 1, here[1] - math.log(entry[1]), [*here[2], entry[0]])
            current = best[j]
            if current is None or candidate[:2] < current[:2]:
                best[j] = candidate
    found = best[n]
    return None if found is None else found[2]


def readings(text: str, path: Path = TABLE_PATH) -> list[tuple[int, int, str]]:
    """(start, end, words) for each run of `text` typed as the sound of words."""
    if not _RUN.search(text):
        return []
    table = _table(path)
    found: list[tuple[int, int, str]] = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        if _ACRONYM.search(run):
            continue
        words = _words(_SEPARATORS.sub("", run).lower(), table)
        if words and any(len(w) >= 2 for w in words):
            found.append((match.start(), match.end(), "".join(words)))
    return found


def read(text: str, path: Path = TABLE_PATH) -> tuple[str, list[int]]:
    """`text` with sound-typed runs read as words, and for each character of the result the
    offset in `text` it stands for (a word's characters share out its run's span)."""
    runs = readings(text, path)
    if not runs:
        return text, list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    at = 0
    for start, end, words in runs:
        out.append(text[at:start])
        origin.extend(range(at, start))
        out.append(words)
        origin.extend(start + (k * (end - start)) // len(words) for k in range(len(words)))
        at = end
    out.append(text[at:])
    origin.extend(range(at, len(text)))
    return "".join(out), origin
