"""A cheap stand-in for the intent model, to cross-validate routing without ``rasa train``.

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/dept_model.py [--cv 5]
        [--dev bench/nlu_eval/dept_dev.jsonl ...] [--without-intent choose_category]
        [--errors FILE]

It reproduces the linear half of the pipeline (``config.yml``: jieba words with the hotline
dictionary + character 1–4-grams over the space-joined tokens, sublinear TF-IDF, logistic
regression, C = 20; one-vs-rest liblinear here, for speed), which carries 0.8 of the blend,
and routes like ``nlu.classify`` (confidences summed per department; non-dispatch intents
route to no department). DIET's 0.2 share is left out, so absolute figures differ a little
from a trained model; use it to compare training-data changes. Prints department accuracy,
non-dispatch precision/recall and the department confusions of stratified k-fold
cross-validation on ``data/nlu/`` and of each ``--dev`` file. ``--errors`` writes the
cross-validation errors (training texts only) to a file.
Never pass ``heldout.jsonl`` here (see README.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.catalogue import load_routing  # noqa: E402

HERE = Path(__file__).resolve().parent
DISPATCH_KINDS = {"dispatch", "consult"}


def load_examples() -> list[tuple[str, str]]:
    """``(text, intent)`` of the ``data/nlu/`` intent examples, as Rasa reads them."""
    logging.disable(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    return [(str(m.get("text")), str(m.get("intent"))) for m in data.intent_examples]


def tokens(text: str) -> str:
    """Jieba words joined by spaces, lower-cased (what the featurizers see)."""
    import jieba

    return " ".join(w for w in jieba.lcut(text.lower()) if w.strip())


class Model:
    """Words + char 1–4-grams → sublinear TF-IDF → logistic regression; routes per department."""

    def __init__(self, c: float = 20.0) -> None:
        self.c = c
        self.routing = load_routing()
        self.words: Any = None
        self.chars: Any = None
        self.tfidf: Any = None
        self.clf: Any = None

    def _counts(self, docs: list[str]) -> Any:
        import scipy.sparse  # type: ignore[import-untyped]

        return scipy.sparse.hstack([self.words.transform(docs), self.chars.transform(docs)])

    def fit(self, texts: list[str], intents: list[str]) -> Model:
        from sklearn.feature_extraction.text import (  # type: ignore[import-not-found]
            CountVectorizer,
            TfidfTransformer,
        )
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-not-found]

        docs = [tokens(t) for t in texts]
        self.words = CountVectorizer(analyzer=lambda d: d.split(" ")).fit(docs)
        self.chars = CountVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2).fit(docs)
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        matrix = self.tfidf.fit_transform(self._counts(docs))
        self.clf = LogisticRegression(C=self.c, solver="liblinear")  # one-vs-rest: fast
        self.clf.fit(matrix, intents)
        return self

    def departments(self, texts: list[str]) -> list[str | None]:
        docs = [tokens(t) for t in texts]
        probs = self.clf.predict_proba(self.tfidf.transform(self._counts(docs)))
        out: list[str | None] = []
        for row in probs:
            per: dict[str | None, float] = {}
            for intent, p in zip(self.clf.classes_, row, strict=True):
                dept = self.routing.route(str(intent)).department
                per[dept] = per.get(dept, 0.0) + float(p)
            out.append(max(per.items(), key=lambda kv: kv[1])[0])
        return out


def report(name: str, gold: list[str | None], dispatch: list[bool], pred: list[str | None]) -> None:
    """Department accuracy on dispatch rows, non-dispatch P/R, top confusions."""
    pairs = [(g, p) for g, p, d in zip(gold, pred, dispatch, strict=True) if d]
    acc = sum(g == p for g, p in pairs) / max(len(pairs), 1)
    tp = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is None and not d)
    fp = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is None and d)
    fn = sum(1 for p, d in zip(pred, dispatch, strict=True) if p is not None and not d)
    nd_p = tp / (tp + fp) if tp + fp else 0.0
    nd_r = tp / (tp + fn) if tp + fn else 0.0
    print(f"{name}: department accuracy {acc:.4f} ({len(pairs)} rows); ", end="")
    print(f"non-dispatch P {nd_p:.3f} R {nd_r:.3f} (TP {tp} FP {fp} FN {fn})")
    wrong = Counter((g, p) for g, p in pairs if g != p)
    per_gold = Counter(g for g, _ in pairs)
    miss = Counter(g for g, p in pairs if g != p)
    print(
        "  recall by department:",
        ", ".join(
            f"{d} {1 - miss[d] / n:.2f}"
            for d, n in sorted(per_gold.items(), key=lambda kv: str(kv[0]))
        ),
    )
    print("  confusions:", ", ".join(f"{g}->{p} {n}" for (g, p), n in wrong.most_common(14)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5, help="folds (0: skip)")
    parser.add_argument("--dev", type=Path, nargs="*", default=[HERE / "dept_dev.jsonl"])
    parser.add_argument("--without-intent", nargs="*", default=[], help="drop these intents")
    parser.add_argument("--C", type=float, default=20.0)
    parser.add_argument("--errors", type=Path, default=None)
    args = parser.parse_args(argv)
    if any(p.name == "heldout.jsonl" for p in args.dev):
        parser.error("heldout.jsonl is for the final evaluation only (bench/nlu_eval/README.md)")

    import jieba

    jieba.setLogLevel(logging.ERROR)
    jieba.load_userdict(str(ROOT / "nlu" / "dict" / "hotline.txt"))
    examples = [(t, i) for t, i in load_examples() if i not in set(args.without_intent)]
    texts = [t for t, _ in examples]
    intents = [i for _, i in examples]
    routing = load_routing()
    gold = [routing.route(i).department for i in intents]
    print(f"training examples: {len(texts)}, intents {len(set(intents))}")

    if args.cv:
        from sklearn.model_selection import StratifiedKFold  # type: ignore[import-not-found]

        pred: list[str | None] = [None] * len(texts)
        folds = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=12345)
        for train, test in folds.split(texts, intents):
            m = Model(args.C).fit([texts[i] for i in train], [intents[i] for i in train])
            for i, d in zip(test, m.departments([texts[i] for i in test]), strict=True):
                pred[i] = d
        report(f"{args.cv}-fold CV on data/nlu", gold, [g is not None for g in gold], pred)
        if args.errors:
            with args.errors.open("w", encoding="utf-8") as fh:
                for t, i, g, p in zip(texts, intents, gold, pred, strict=True):
                    if g != p:
                        fh.write(
                            json.dumps(
                                {"text": t, "intent": i, "gold": g, "pred": p}, ensure_ascii=False
                            )
                            + "\n"
                        )

    m = Model(args.C).fit(texts, intents)
    for path in args.dev:
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        pred = m.departments([r["text"] for r in rows])
        report(
            path.name,
            [r.get("department") for r in rows],
            [r.get("kind") in DISPATCH_KINDS for r in rows],
            pred,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
