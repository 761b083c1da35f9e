"""Train, cross-validate and score the urgency model without a full ``rasa train``.

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/urgency_model.py [--cv 5]
        [--dev bench/nlu_eval/urgent_dev2.jsonl ...] [--no-extra] [--C 4] [--rule-weight 1]

Builds the same training set as ``nlu.components.UrgencyClassifier`` (``data/urgency/``, the
``data/nlu/`` examples labelled by ``data/urgency/nlu_urgent.yml``, and the extra JSONL files,
by default ``bench/nlu_eval/urgent_dev.jsonl``), prints stratified k-fold cross-validation
precision/recall at several thresholds, then trains on all of it and scores each ``--dev``
file (model, and rules alone for comparison) and the per-message predict time. Prints
aggregates only. Never pass ``heldout.jsonl`` here (see README.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu import rules, urgency  # noqa: E402

HERE = Path(__file__).resolve().parent
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def nlu_texts() -> list[str]:
    """Texts of the ``data/nlu/`` intent examples, as Rasa reads them (entities stripped)."""
    logging.disable(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    return [str(m.get("text")) for m in data.intent_examples]


def prf(labels: list[bool], preds: list[bool]) -> tuple[float, float, int, int, int]:
    """Precision, recall, TP, FP, FN."""
    tp = sum(1 for y, p in zip(labels, preds, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, preds, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, preds, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, tp, fp, fn


def table(name: str, labels: list[bool], scores: list[float], rule: list[bool]) -> None:
    """Print P/R at each threshold, and for the rules alone."""
    p, r, tp, fp, fn = prf(labels, rule)
    print(f"{name}: rows {len(labels)}, urgent {sum(labels)}")
    print(f"  rules only        P {p:.3f} R {r:.3f}  (TP {tp} FP {fp} FN {fn})")
    for t in THRESHOLDS:
        preds = [urgency.combine(s, t) for s in scores]
        p, r, tp, fp, fn = prf(labels, preds)
        print(f"  model t={t:<5}     P {p:.3f} R {r:.3f}  (TP {tp} FP {fp} FN {fn})")


def main(argv: list[str] | None = None) -> int:
    """Cross-validate, train on everything, score the dev files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5, help="folds (0: skip)")
    parser.add_argument(
        "--dev", type=Path, nargs="*", default=[HERE / "urgent_dev2.jsonl", HERE / "dept_dev.jsonl"]
    )
    parser.add_argument("--extra", type=Path, nargs="*", default=[HERE / "urgent_dev.jsonl"])
    parser.add_argument("--no-extra", action="store_true", help="train without --extra files")
    parser.add_argument("--C", type=float, default=16.0)
    parser.add_argument("--rule-weight", type=float, default=1.0)
    parser.add_argument("--max-ngram", type=int, default=4)
    parser.add_argument("--word-share", type=float, default=0.5, help="0: the rules model alone")
    args = parser.parse_args(argv)
    if any(p.name == "heldout.jsonl" for p in [*args.dev, *args.extra]):
        parser.error("heldout.jsonl is for the final evaluation only (bench/nlu_eval/README.md)")

    extra = [] if args.no_extra else args.extra
    texts, labels = urgency.training_set(nlu_texts(), extra_jsonl=extra)
    print(f"training set: {len(texts)} texts, {sum(labels)} urgent")

    def model() -> urgency.UrgencyModel:
        return urgency.UrgencyModel(
            c=args.C,
            rule_weight=args.rule_weight,
            max_ngram=args.max_ngram,
            word_share=args.word_share,
        )

    if args.cv:
        from sklearn.model_selection import StratifiedKFold  # type: ignore[import-not-found]

        scores = [0.0] * len(texts)
        folds = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=12345)
        for train, test in folds.split(texts, labels):
            m = model().fit([texts[i] for i in train], [labels[i] for i in train])
            for i, s in zip(test, m.predict_many([texts[i] for i in test]), strict=True):
                scores[i] = s
        rule = [rules.is_urgent(t) for t in texts]
        table(f"{args.cv}-fold cross-validation", labels, scores, rule)

    start = time.perf_counter()
    m = model().fit(texts, labels)
    print(f"trained on all in {time.perf_counter() - start:.1f} s")
    for path in args.dev:
        rows = urgency.load_jsonl(path)
        dev_texts = [t for t, _ in rows]
        dev_labels = [y for _, y in rows]
        start = time.perf_counter()
        scores = [urgency.story_score(m, t) for t in dev_texts]
        per = (time.perf_counter() - start) / max(len(dev_texts), 1) * 1000
        table(path.name, dev_labels, scores, [rules.is_urgent(t) for t in dev_texts])
        p, r, tp, fp, fn = prf(dev_labels, [urgency.decide(m, t)[1] for t in dev_texts])
        print(f"  product (decide)  P {p:.3f} R {r:.3f}  (TP {tp} FP {fp} FN {fn})")
        print(f"  predict: {per:.2f} ms per message")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
