"""Score place answers: does what the citizen typed reach the ticket whole (bench/places_fresh*)?

    .venv/bin/python -m bench.places_eval [--errors] [SET.jsonl ...]

Each row is `{"answer", "expected", "shape"}`: what a citizen typed in answer to
"请问问题发生的具体地点在哪里", and exactly what the ticket should store (see each set's .md for
who wrote it and its rule). A row may add `"remark"`: what the answer goes on to say about the
problem, which belongs in the description (null: nothing); then both must match. Prints exact
matches per set and per shape; `--errors` prints misses.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from hotline.domain.places import place_from_answer, place_remark

HERE = Path(__file__).resolve().parent


def _bare(text: str | None) -> str:
    """A remark without punctuation or spaces: where the clauses are cut is not the point."""
    return re.sub(r"[\s，,。.!！?？、；;~～]", "", text or "")


def score(path: Path, errors: bool) -> tuple[int, int]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right, total = Counter[str](), Counter[str]()
    for row in rows:
        got = place_from_answer(row["answer"])
        shape = row.get("shape", "-")
        total[shape] += 1
        remark = place_remark(row["answer"], got) if got else None
        remark_ok = "remark" not in row or _bare(remark) == _bare(row["remark"])
        if got == row["expected"] and remark_ok:
            right[shape] += 1
        elif errors:
            print(f"  [{shape}] {row['answer']}\n      want {row['expected']}\n      got  {got}")
            if "remark" in row:
                print(f"      remark want {row['remark']} got {remark}")
    hits, n = sum(right.values()), sum(total.values())
    print(f"{path.name}: {hits}/{n} = {hits / n:.3f} exact")
    for shape in sorted(total):
        print(f"    {shape:24} {right[shape]}/{total[shape]}")
    return hits, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()
    for path in args.sets or sorted(HERE.glob("places_fresh*.jsonl")):
        score(path, args.errors)


if __name__ == "__main__":
    main()
