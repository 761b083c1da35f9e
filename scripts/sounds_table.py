"""Write data/sounds.tsv: how the words of the hotline's training data sound, toneless.

    .venv-rasa/bin/python scripts/sounds_table.py

Citizens type a word by its sound when they lack the characters ("juzhuzheng 怎么续",
"wo jia haizi zai 育才小学 san nianji"). hotline/domain/sounds.py reads such a run as the
words it sounds like; this table says which word each sound most often is in the training
data (data/nlu/*.yml, segmented by jieba with the hotline dictionary). Rerun it after large
changes to data/nlu/; the reader needs no pypinyin.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import jieba
import yaml
from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "sounds.tsv"
# A word must appear this often in the training data to be read from its sound.
MIN_COUNT = 2
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
_HAN = re.compile(r"^[\u4e00-\u9fff]{1,6}$")


def examples() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            for raw in str(block.get("examples") or "").splitlines():
                line = raw.strip()
                if line.startswith("- "):
                    texts.append(_ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line[2:]))
    return texts


def main() -> int:
    jieba.setLogLevel(60)
    for path in sorted((ROOT / "nlu" / "dict").glob("*.txt")):
        jieba.load_userdict(str(path))
    counts: Counter[str] = Counter()
    for text in examples():
        counts.update(w for w in jieba.cut(text) if _HAN.match(w))
    best: dict[str, tuple[int, str]] = {}
    for word, count in counts.items():
        if count < MIN_COUNT:
            continue
        sounds = {"".join(lazy_pinyin(word, style=Style.NORMAL, v_to_u=False))}
        sounds.add(next(iter(sounds)).replace("v", "u"))  # lü typed as lu or lv
        for sound in sounds:
            if sound.isascii() and sound.isalpha() and count > best.get(sound, (0, ""))[0]:
                best[sound] = (count, word)
    rows = sorted((sound, word, count) for sound, (count, word) in best.items())
    lines = ["# sound<TAB>word<TAB>count — written by scripts/sounds_table.py; do not edit"]
    lines += [f"{sound}\t{word}\t{count}" for sound, word, count in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} sounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
