"""Precision, recall and F1 of the urgency rules (``nlu.rules.is_urgent``) on a JSONL file.

    PYTHONPATH=. .venv/bin/python bench/nlu_eval/urgent_eval.py [FILE ...] [--show-errors]

Each row needs ``text`` and ``urgent`` (bool); other fields are ignored. No model is loaded:
this scores the rules alone, which the NLU's ``HotlineAnnotator`` applies to every parse.
``--show-errors`` lists the misses and false alarms: use it on a development set
(``urgent_dev.jsonl``), never on ``heldout.jsonl``, whose rows must not be read to tune the
rules (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.rules import is_urgent  # noqa: E402

DEFAULT = Path(__file__).resolve().parent / "urgent_dev.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    """Read the rows of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Confusion counts and precision/recall/F1 of ``is_urgent`` against the ``urgent`` labels."""
    tp = fp = fn = tn = 0
    misses: list[str] = []
    false_alarms: list[str] = []
    for row in rows:
        truth = bool(row["urgent"])
        pred = is_urgent(str(row["text"]))
        if truth and pred:
            tp += 1
        elif truth:
            fn += 1
            misses.append(str(row["text"]))
        elif pred:
            fp += 1
            false_alarms.append(str(row["text"]))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "rows": len(rows),
        "urgent": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "misses": misses,
        "false_alarms": false_alarms,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    for path in args.files:
        s = score(load(path))
        print(
            f"{path.name}: rows {s['rows']}, urgent {s['urgent']}  "
            f"TP {s['tp']} FP {s['fp']} FN {s['fn']} TN {s['tn']}  "
            f"precision {s['precision']:.3f} recall {s['recall']:.3f} F1 {s['f1']:.3f}"
        )
        if args.show_errors:
            for text in s["misses"]:
                print(f"  miss:        {text}")
            for text in s["false_alarms"]:
                print(f"  false alarm: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
