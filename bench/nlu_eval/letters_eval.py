"""Score routing on real citizen letters nobody on the team wrote (evaluation only).

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/letters_eval.py [--model MODEL.tar.gz]
    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/letters_eval.py --proxy [--focus-weight W]

Reads ``../shared/corpora/letters_dev.jsonl`` (``{"text", "label"}``, 7 first-level labels of
an older taxonomy; see that corpus's README) when it is there, maps each predicted department
to its label with the README's table, and prints accuracy overall, by length band (<30,
30–79, 80–299, 300+ characters), per label (recall) and per predicted department, plus the
fallback rate and parse latency. ``--proxy`` uses the cheap linear stand-in of
``dept_model.py`` trained on ``data/nlu/`` instead of the trained Rasa model.

This corpus is never trained on and never copied into the repository: the script reads it
from ``../shared/``, prints aggregates only, and refuses to run on a path inside the repo.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_LETTERS = ROOT.parent / "shared" / "corpora" / "letters_dev.jsonl"

LABEL_OF_DEPARTMENT: dict[str, str] = {
    "human_resources": "劳动和社会保障",
    "medical_insurance": "劳动和社会保障",
    "civil_affairs": "劳动和社会保障",
    "veterans": "劳动和社会保障",
    "trade_union": "劳动和社会保障",
    "housing": "城乡建设",
    "urban_management": "城乡建设",
    "utilities": "城乡建设",
    "natural_resources": "城乡建设",
    "landscaping": "城乡建设",
    "agriculture": "城乡建设",
    "transport": "交通运输",
    "environment": "环境保护",
    "health": "卫生计生",
    "market_regulation": "商贸旅游",
    "education": "教育文体",
}
BANDS = ((0, 30, "<30"), (30, 80, "30-79"), (80, 300, "80-299"), (300, 10**9, "300+"))


def band(text: str) -> str:
    """Length band of a text, in characters."""
    n = len(text)
    return next(name for lo, hi, name in BANDS if lo <= n < hi)


def label_of(department: str | None) -> str | None:
    """The corpus label a department answers to (None: no department or public_security)."""
    return LABEL_OF_DEPARTMENT.get(department) if department else None


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The letters; refuses a copy inside the repository (it must stay outside)."""
    if ROOT in path.resolve().parents:
        raise SystemExit(f"{path}: the letters corpus must not live inside the repository")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def summarise(
    rows: list[dict[str, Any]], departments: list[str | None], fallbacks: list[bool] | None = None
) -> dict[str, Any]:
    """Aggregates only: accuracy overall, by band, per label, per predicted department."""
    hits = [label_of(d) == r["label"] for r, d in zip(rows, departments, strict=True)]
    out: dict[str, Any] = {"rows": len(rows), "accuracy": round(sum(hits) / len(rows), 4)}
    by_band: dict[str, Any] = {}
    for _, _, name in BANDS:
        idx = [i for i, r in enumerate(rows) if band(r["text"]) == name]
        if idx:
            by_band[name] = {
                "n": len(idx),
                "accuracy": round(sum(hits[i] for i in idx) / len(idx), 4),
            }
    out["by_band"] = by_band
    per_label: dict[str, Any] = {}
    for label in sorted({r["label"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["label"] == label]
        per_label[label] = {"n": len(idx), "recall": round(sum(hits[i] for i in idx) / len(idx), 4)}
    out["per_label"] = per_label
    per_dept: dict[str, Any] = {}
    for dept, n in Counter(departments).most_common():
        idx = [i for i, d in enumerate(departments) if d == dept]
        per_dept[str(dept)] = {
            "predicted": n,
            "precision": round(sum(hits[i] for i in idx) / n, 4),
        }
    out["per_department"] = per_dept
    out["confusions"] = Counter(
        f"{r['label']}->{label_of(d)}({d})"
        for r, d, h in zip(rows, departments, hits, strict=True)
        if not h
    ).most_common(15)
    if fallbacks is not None:
        out["fallback_rate"] = round(sum(fallbacks) / len(fallbacks), 4)
    return out


def print_summary(title: str, s: dict[str, Any]) -> None:
    """Human-readable figures."""
    print(f"{title}: accuracy {s['accuracy']:.3f} on {s['rows']} letters")
    print(
        "  by length:",
        ", ".join(f"{k} {v['accuracy']:.3f} (n={v['n']})" for k, v in s["by_band"].items()),
    )
    print(
        "  per label (recall):",
        ", ".join(f"{k} {v['recall']:.3f}" for k, v in s["per_label"].items()),
    )
    print(
        "  per department (predicted, precision):",
        ", ".join(
            f"{k} {v['predicted']}/{v['precision']:.2f}" for k, v in s["per_department"].items()
        ),
    )
    print("  confusions:", ", ".join(f"{k} {n}" for k, n in s["confusions"]))
    for key in ("fallback_rate", "parse_p50_ms", "parse_p50_short_ms", "parse_p50_1000_ms"):
        if key in s:
            print(f"  {key}: {s[key]}")


def run_model(rows: list[dict[str, Any]], model: str | None) -> dict[str, Any]:
    """Parse every letter with the trained Rasa model (``nlu.classify``)."""
    from nlu.classify import Classifier

    clf = Classifier(model)
    clf.warm_up()
    departments: list[str | None] = []
    fallbacks: list[bool] = []
    times: list[float] = []
    for r in rows:
        t0 = time.perf_counter()
        result = clf.classify(r["text"])
        times.append((time.perf_counter() - t0) * 1000)
        departments.append(result["department"])
        fallbacks.append(bool(result["fallback"]))
    s = summarise(rows, departments, fallbacks)
    s["parse_p50_ms"] = round(statistics.median(times), 1)
    return s


def run_proxy(rows: list[dict[str, Any]], focus_weight: float = 0.0) -> dict[str, Any]:
    """Route with the linear stand-in (``dept_model.Model``) trained on ``data/nlu/``;
    ``focus_weight`` blends in its probabilities on :func:`nlu.focus.focus` of long texts;
    long texts are re-ranked like ``LongMessageRouter`` does."""
    import logging

    import jieba
    import numpy as np

    from bench.nlu_eval.dept_model import Model, load_examples, tokens
    from nlu.focus import focus, long_ranking

    jieba.setLogLevel(logging.ERROR)
    jieba.load_userdict(str(ROOT / "nlu" / "dict" / "hotline.txt"))
    examples = load_examples()
    model = Model().fit([t for t, _ in examples], [i for _, i in examples])

    def probs(texts: list[str]) -> Any:
        docs = [tokens(t) for t in texts]
        return model.clf.predict_proba(model.tfidf.transform(model._counts(docs)))

    texts = [r["text"] for r in rows]
    whole = probs(texts)
    focused = probs([focus(t) or t for t in texts])
    blended = np.where(
        np.array([[focus(t) is not None] for t in texts]),
        (1 - focus_weight) * whole + focus_weight * focused,
        whole,
    )
    departments: list[str | None] = []
    classes = [str(c) for c in model.clf.classes_]
    for text, row in zip(texts, blended, strict=True):
        per: dict[str | None, float] = {}
        pairs = long_ranking(text, [(c, float(p)) for c, p in zip(classes, row, strict=True)])
        for intent, p in pairs:
            dept = model.routing.route(intent).department
            per[dept] = per.get(dept, 0.0) + p
        departments.append(max(per.items(), key=lambda kv: kv[1])[0])
    return summarise(rows, departments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_LETTERS)
    parser.add_argument("--model", default=None, help="model archive (default models/)")
    parser.add_argument("--proxy", action="store_true", help="linear stand-in, no Rasa model")
    parser.add_argument("--focus-weight", type=float, default=0.0, help="proxy: focus blend")
    parser.add_argument("--out", type=Path, default=None, help="write the aggregates as JSON")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found: nothing to score (the corpus lives in ../shared/)")
        return 0
    rows = load_rows(args.data)
    summary = run_proxy(rows, args.focus_weight) if args.proxy else run_model(rows, args.model)
    print_summary("proxy" if args.proxy else "model", summary)
    if args.out:
        args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
