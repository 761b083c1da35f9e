"""Does retraining on the centre's corrections help routing? Before/after on unseen rows.

    PYTHONPATH=. .venv-rasa/bin/python bench/corrections_bench.py
        [--dev bench/nlu_eval/dept_dev.jsonl ...] [--seeds 1 2 3 4 5]

A simulated batch of corrections, scored with the routing proxy of
``bench/nlu_eval/dept_model.py`` (the linear half of the pipeline; no ``rasa train``):

1. train the proxy on ``data/nlu/`` and route every row of a team-written dev set;
2. split the dev set in two halves by a fixed seed;
3. "corrections" = the dispatch rows of half A that the proxy routed to the wrong department
   or to none (what a department would return, or a dispatcher route by hand), labelled with
   a category of their true department;
4. retrain on ``data/nlu/`` + corrections and score half B (never trained on) before/after.

The dev set carries departments, not categories, so the category of a correction is chosen
three ways, each retrained and scored:

- ``export``: what ``hotline nlu corrections`` would write: text cleaned of personal numbers
  and the category guessed by ``hotline.services.corrections.CategoryGuesser`` (run in the app env,
  ``.venv``, since that module needs SQLAlchemy 2);
- ``model``: the proxy's most probable category within the true department;
- ``frequent``: the true department's most frequent category in ``data/nlu/``.

Never pass ``heldout.jsonl`` or anything under ``/work/shared/corpora`` here.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.nlu_eval.dept_model import (  # noqa: E402
    DISPATCH_KINDS,
    HERE,
    Model,
    load_examples,
    tokens,
)

APP_PYTHON = ROOT / ".venv" / "bin" / "python"
FORBIDDEN = ("heldout.jsonl", "/shared/corpora")

_EXPORT_GUESS = """
import json, sys
from pathlib import Path
from hotline.domain.catalogue import load_catalogue
from hotline.services.corrections import CategoryGuesser, clean_example, load_training_examples
root = Path(sys.argv[1])
guesser = CategoryGuesser(
    load_training_examples(root / "data" / "nlu"), load_catalogue(root / "data" / "catalogue.yml")
)
for line in sys.stdin:
    row = json.loads(line)
    text = clean_example(row["text"])
    print(json.dumps({"text": text, "category": guesser.guess(text, row["department"])}))
"""


@dataclass(frozen=True)
class Score:
    """Department accuracy on dispatch rows and non-dispatch precision / recall."""

    accuracy: float
    rows: int
    nd_precision: float
    nd_recall: float

    def __str__(self) -> str:
        return (
            f"dept acc {self.accuracy:.4f} ({self.rows} rows), "
            f"non-dispatch P {self.nd_precision:.3f} R {self.nd_recall:.3f}"
        )


def score(rows: Sequence[dict[str, Any]], pred: Sequence[str | None]) -> Score:
    """The figures ``dept_model.report`` prints, as numbers."""
    dispatch = [r.get("kind") in DISPATCH_KINDS for r in rows]
    pairs = [(r.get("department"), p) for r, p, d in zip(rows, pred, dispatch, strict=True) if d]
    tp = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is None and not d)
    fp = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is None and d)
    fn = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is not None and not d)
    return Score(
        accuracy=sum(g == p for g, p in pairs) / max(len(pairs), 1),
        rows=len(pairs),
        nd_precision=tp / (tp + fp) if tp + fp else 0.0,
        nd_recall=tp / (tp + fn) if tp + fn else 0.0,
    )


def best_category_in(model: Model, texts: list[str], departments: list[str]) -> list[str]:
    """The proxy's most probable intent among those routed to each text's true department."""
    docs = [tokens(t) for t in texts]
    probs = model.clf.predict_proba(model.tfidf.transform(model._counts(docs)))
    classes = [str(c) for c in model.clf.classes_]
    out: list[str] = []
    for row, dept in zip(probs, departments, strict=True):
        ranked = sorted(zip(row, classes, strict=True), reverse=True)
        out.append(next(c for _, c in ranked if model.routing.route(c).department == dept))
    return out


def export_guesses(texts: list[str], departments: list[str]) -> list[tuple[str, str | None]]:
    """Cleaned text and guessed category, exactly as the export computes them (app env)."""
    payload = "".join(
        json.dumps({"text": t, "department": d}, ensure_ascii=False) + "\n"
        for t, d in zip(texts, departments, strict=True)
    )
    proc = subprocess.run(
        [str(APP_PYTHON), "-c", _EXPORT_GUESS, str(ROOT)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return [(str(r["text"]), r["category"]) for r in rows]


@dataclass
class Bench:
    """The base proxy, its routes on the dev set, and how corrections get their category."""

    texts: list[str]
    intents: list[str]
    rows: list[dict[str, Any]]
    base: Model
    before: list[str | None]
    frequent: dict[str, str]
    names: list[str]

    def run_seed(self, seed: int) -> tuple[int, dict[str, float]]:
        """Split by ``seed``, learn half A's corrections, score half B (batch size, scores)."""
        rows, before = self.rows, self.before
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        half_a, half_b = order[: len(order) // 2], order[len(order) // 2 :]
        wrong = [
            i
            for i in half_a
            if rows[i].get("kind") in DISPATCH_KINDS
            and rows[i].get("department")
            and before[i] != rows[i]["department"]
        ]
        unroutable = sum(1 for i in wrong if before[i] is None)
        b_rows = [rows[i] for i in half_b]
        b_before = score(b_rows, [before[i] for i in half_b])
        print(
            f"\nseed {seed}: half A {len(half_a)} rows -> {len(wrong)} corrections "
            f"({len(wrong) - unroutable} misrouted, {unroutable} unroutable); "
            f"half B {len(half_b)} rows"
        )
        print(f"  before            half B: {b_before}")
        result = {"before": b_before.accuracy}
        if not wrong:  # nothing to learn: nothing changes
            return 0, {**result, **dict.fromkeys(self.names, b_before.accuracy)}
        wrong_texts = [rows[i]["text"] for i in wrong]
        gold = [str(rows[i]["department"]) for i in wrong]
        variants: dict[str, list[tuple[str, str | None]]] = {
            "model": list(
                zip(wrong_texts, best_category_in(self.base, wrong_texts, gold), strict=True)
            ),
            "frequent": [(t, self.frequent.get(d)) for t, d in zip(wrong_texts, gold, strict=True)],
        }
        if "export" in self.names:
            variants = {"export": export_guesses(wrong_texts, gold), **variants}
        gold_b = [r.get("department") for r in b_rows]
        old_b = [before[i] for i in half_b]
        for name, batch in variants.items():
            kept = [(t, c) for t, c in batch if c is not None]
            retrained = Model().fit(
                self.texts + [t for t, _ in kept], self.intents + [c for _, c in kept]
            )
            after = retrained.departments([r["text"] for r in b_rows])
            b_after = score(b_rows, after)
            result[name] = b_after.accuracy
            learned = sum(
                p == g for p, g in zip(retrained.departments(wrong_texts), gold, strict=True)
            )
            fixed = sum(o != g == n for o, n, g in zip(old_b, after, gold_b, strict=True))
            broken = sum(o == g != n for o, n, g in zip(old_b, after, gold_b, strict=True))
            print(
                f"  after ({name:<8}) half B: {b_after}; "
                f"delta {b_after.accuracy - b_before.accuracy:+.4f} "
                f"(rows fixed {fixed}, broken {broken}); "
                f"corrected rows now right {learned}/{len(gold)} (trained on)"
            )
        return len(wrong), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dev", type=Path, nargs="+", default=[HERE / "dept_dev.jsonl"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args(argv)
    if any(part in str(p.resolve()) for p in args.dev for part in FORBIDDEN):
        parser.error("held-out sets and the shared corpora are never used here")

    import jieba

    jieba.setLogLevel(logging.ERROR)
    jieba.load_userdict(str(ROOT / "nlu" / "dict" / "hotline.txt"))
    examples = load_examples()
    texts = [t for t, _ in examples]
    intents = [i for _, i in examples]
    rows = [
        json.loads(line)
        for path in args.dev
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    started = time.perf_counter()
    base = Model().fit(texts, intents)
    fit_seconds = time.perf_counter() - started
    before = base.departments([r["text"] for r in rows])
    frequent: dict[str, str] = {}
    for intent, _ in Counter(intents).most_common():
        dept = base.routing.route(intent).department
        if dept is not None:
            frequent.setdefault(dept, intent)
    print(
        f"training: {len(texts)} examples of data/nlu, {len(set(intents))} intents "
        f"(one fit {fit_seconds:.0f} s); dev set "
        f"{' + '.join(p.name for p in args.dev)}: {len(rows)} rows"
    )
    print(f"before, whole dev set: {score(rows, before)}")
    names = ["export", "model", "frequent"] if APP_PYTHON.exists() else ["model", "frequent"]
    bench = Bench(texts, intents, rows, base, before, frequent, names)
    sizes: list[int] = []
    totals: dict[str, list[float]] = {name: [] for name in ["before", *names]}
    for seed in args.seeds:
        size, result = bench.run_seed(seed)
        sizes.append(size)
        for name, value in result.items():
            totals[name].append(value)
    print(
        f"\nmean half-B department accuracy over seeds {' '.join(map(str, args.seeds))} "
        f"(mean batch {sum(sizes) / len(sizes):.1f} corrections):"
    )
    base_mean = sum(totals["before"]) / len(totals["before"])
    for name, values in totals.items():
        mean = sum(values) / len(values)
        print(
            f"  {name:<8} {mean:.4f}" + (f" ({mean - base_mean:+.4f})" if name != "before" else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
