"""Score place answers: does what the citizen typed reach the ticket whole (bench/places_fresh*)?

    .venv/bin/python -m bench.places_eval [--errors] [SET.jsonl ...]

Each row is `{"answer", "expected", "shape"}`: what a citizen typed in answer to
"请问问题发生的具体地点在哪里", and exactly what the ticket should store (see each set's .md for
who wrote it and its rule). Prints exact matches per set and per shape; `--errors` prints misses.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from hotline.domain.places import place_from_answer

HERE = Path(__file__).resolve().parent


def score(path: Path, errors: bool) -> tuple[int, int]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right, total = Counter[str](), Counter[str]()
    for row in rows:
        got = place_from_answer(row["answer"])
        shape = row.get("shape", "-")
        total[shape] += 1
        if got == row["expected"]:
            right[shape] += 1
        elif errors:
            print(f"  [{shape}] {row['answer']}\n      want {row['expected']}\n      got  {got}")
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
