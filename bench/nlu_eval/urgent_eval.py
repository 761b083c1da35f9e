"""Precision, recall and F1 of the urgency signal on a JSONL file.

    PYTHONPATH=. .venv/bin/python bench/nlu_eval/urgent_eval.py [FILE ...] [--show-errors]
    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/urgent_eval.py --signal combined [FILE ...]
    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/urgent_eval.py --signal parse \
        [--model models/hotline.tar.gz] [FILE ...]

Each row needs ``text`` and ``urgent`` (bool); other fields are ignored. ``--signal``:

* ``rules`` (default, app env): the keyword rules alone (``nlu.rules.is_urgent``);
* ``combined`` (Rasa env): the learned model plus the rules (``nlu.urgency``), trained here on
  the same training set as ``nlu.components.UrgencyClassifier`` (a few seconds), at
  ``--threshold`` (default the shipped one);
* ``parse`` (Rasa env): the ``urgent`` of the trained Rasa model, exactly what the dialogue
  receives.

``--show-errors`` lists the misses and false alarms: use it on a development set, never on
``heldout.jsonl``, whose rows must not be read (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.rules import is_urgent  # noqa: E402

DEFAULT = Path(__file__).resolve().parent / "urgent_dev2.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    """Read the rows of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(rows: list[dict[str, Any]], predict: Callable[[str], bool] = is_urgent) -> dict[str, Any]:
    """Confusion counts and precision/recall/F1 of ``predict`` against the ``urgent`` labels."""
    tp = fp = fn = tn = 0
    misses: list[str] = []
    false_alarms: list[str] = []
    for row in rows:
        truth = bool(row["urgent"])
        pred = predict(str(row["text"]))
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


def combined_predictor(threshold: float | None) -> Callable[[str], bool]:
    """Train the urgency model as ``UrgencyClassifier`` does; predict model + rules (Rasa env)."""
    import logging

    from rasa.shared.nlu.training_data.loading import load_data

    from nlu import urgency

    logging.disable(logging.WARNING)
    nlu_texts = [str(m.get("text")) for m in load_data(str(ROOT / "data/nlu")).intent_examples]
    texts, labels = urgency.training_set(
        nlu_texts, extra_jsonl=[ROOT / "bench/nlu_eval/urgent_dev.jsonl"]
    )
    model = urgency.UrgencyModel().fit(texts, labels)
    cut = urgency.DEFAULT_THRESHOLD if threshold is None else threshold

    def predict(text: str) -> bool:
        return bool(urgency.decide(model, text, cut)[1])

    return predict


def parse_predictor(model: str | None) -> Callable[[str], bool]:
    """The ``urgent`` of the trained Rasa model's parse (Rasa env)."""
    from nlu.classify import Classifier

    classifier = Classifier(model)
    return lambda text: bool(classifier.classify(text)["urgent"])


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--signal", choices=("rules", "combined", "parse"), default="rules")
    parser.add_argument("--threshold", type=float, default=None, help="for --signal combined")
    parser.add_argument("--model", default=None, help="for --signal parse")
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    if args.show_errors and any(p.name == "heldout.jsonl" for p in args.files):
        parser.error("--show-errors would print held-out rows (see README.md)")
    predict: Callable[[str], bool] = is_urgent
    if args.signal == "combined":
        predict = combined_predictor(args.threshold)
    elif args.signal == "parse":
        predict = parse_predictor(args.model)
    for path in args.files:
        s = score(load(path), predict)
        print(
            f"{path.name} [{args.signal}]: rows {s['rows']}, urgent {s['urgent']}  "
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
