"""Evaluate the trained NLU model on the held-out set (run with ``.venv-rasa``).

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/evaluate.py [--model models/hotline.tar.gz]
        [--data bench/nlu_eval/heldout.jsonl] [--out bench/nlu_eval/results.json]

Rows: ``{"text", "department" (code|null), "urgent" (bool), "type" (诉求类型|null), "kind"}``.
``kind`` ``dispatch`` and ``consult`` rows must reach their department; every other kind
(chit-chat, out of scope, nonsense, abuse, …) must not be dispatched (department null).

Reports department accuracy (dispatch + consult rows), macro-F1 over departments, the top
confusions, non-dispatch precision/recall (predicted null vs. kind not dispatch/consult),
urgent precision/recall, type accuracy (rows with a type), fallback rate, and in-process
parse latency p50/p99 after warm-up; writes a JSON summary (aggregates only, no texts).
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

DISPATCH_KINDS = {"dispatch", "consult"}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    """Compute the metrics of ``preds`` against ``rows`` (pure; aggregates only)."""
    disp = [(r, p) for r, p in zip(rows, preds, strict=True) if r.get("kind") in DISPATCH_KINDS]
    correct = sum(1 for r, p in disp if p["department"] == r.get("department"))
    accuracy = correct / len(disp) if disp else 0.0

    labels = sorted({str(r.get("department")) for r, _ in disp if r.get("department")})
    per_dept: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for r, p in disp if r.get("department") == label and p["department"] == label)
        fp = sum(1 for r, p in disp if r.get("department") != label and p["department"] == label)
        fn = sum(1 for r, p in disp if r.get("department") == label and p["department"] != label)
        prec, rec, f1 = _prf(tp, fp, fn)
        per_dept[label] = {
            "support": tp + fn,
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
        }
    macro_f1 = statistics.mean(v["f1"] for v in per_dept.values()) if per_dept else 0.0
    confusions = Counter(
        (str(r.get("department")), str(p["department"]))
        for r, p in disp
        if p["department"] != r.get("department")
    )

    pairs = list(zip(rows, preds, strict=True))
    nd_true = [r.get("kind") not in DISPATCH_KINDS for r, _ in pairs]
    nd_pred = [p["department"] is None for _, p in pairs]
    tp = sum(1 for t, q in zip(nd_true, nd_pred, strict=True) if t and q)
    fp = sum(1 for t, q in zip(nd_true, nd_pred, strict=True) if not t and q)
    fn = sum(1 for t, q in zip(nd_true, nd_pred, strict=True) if t and not q)
    nd_p, nd_r, nd_f = _prf(tp, fp, fn)
    nd_by_kind = Counter(
        (str(r.get("kind")), "null" if p["department"] is None else "dispatched")
        for r, p in pairs
        if r.get("kind") not in DISPATCH_KINDS
    )

    utp = sum(1 for r, p in pairs if r.get("urgent") and p["urgent"])
    ufp = sum(1 for r, p in pairs if not r.get("urgent") and p["urgent"])
    ufn = sum(1 for r, p in pairs if r.get("urgent") and not p["urgent"])
    u_p, u_r, u_f = _prf(utp, ufp, ufn)

    typed = [(r, p) for r, p in pairs if r.get("type")]
    type_acc = sum(1 for r, p in typed if p["type"] == r["type"]) / len(typed) if typed else 0.0
    type_conf = Counter(
        (str(r["type"]), str(p["type"])) for r, p in typed if p["type"] != r["type"]
    )

    return {
        "rows": len(rows),
        "dispatch_rows": len(disp),
        "department_accuracy": round(accuracy, 4),
        "department_macro_f1": round(macro_f1, 4),
        "per_department": per_dept,
        "top_confusions": [
            {"expected": e, "predicted": p, "count": n} for (e, p), n in confusions.most_common(15)
        ],
        "non_dispatch": {
            "rows": sum(nd_true),
            "precision": round(nd_p, 4),
            "recall": round(nd_r, 4),
            "f1": round(nd_f, 4),
            "by_kind": {f"{k}:{v}": n for (k, v), n in sorted(nd_by_kind.items())},
        },
        "urgent": {
            "rows": sum(1 for r in rows if r.get("urgent")),
            "precision": round(u_p, 4),
            "recall": round(u_r, 4),
            "f1": round(u_f, 4),
            "false_positives": ufp,
            "false_negatives": ufn,
        },
        "type": {
            "rows": len(typed),
            "accuracy": round(type_acc, 4),
            "top_confusions": [
                {"expected": e, "predicted": p, "count": n}
                for (e, p), n in type_conf.most_common(10)
            ],
        },
        "fallback_rate": round(sum(1 for p in preds if p.get("fallback")) / max(len(preds), 1), 4),
    }


def _print_table(summary: dict[str, Any]) -> None:
    print(f"held-out rows: {summary['rows']} (dispatch+consult {summary['dispatch_rows']})")
    print(f"{'metric':<34}{'value':>10}   goal")
    lines = [
        ("department accuracy", summary["department_accuracy"], ">= 0.95"),
        ("department macro-F1", summary["department_macro_f1"], ""),
        ("non-dispatch precision", summary["non_dispatch"]["precision"], ">= 0.90"),
        ("non-dispatch recall", summary["non_dispatch"]["recall"], ">= 0.90"),
        ("urgent precision", summary["urgent"]["precision"], ">= 0.80"),
        ("urgent recall", summary["urgent"]["recall"], ">= 0.95"),
        ("type accuracy", summary["type"]["accuracy"], ""),
        ("fallback rate", summary["fallback_rate"], ""),
    ]
    for name, value, goal in lines:
        print(f"{name:<34}{value:>10.4f}   {goal}")
    lat = summary.get("latency_ms")
    if lat:
        print(f"{'parse latency p50 (ms)':<34}{lat['p50']:>10.2f}   <= 15")
        print(f"{'parse latency p99 (ms)':<34}{lat['p99']:>10.2f}   <= 50")
    print("\nper department:            support  prec    rec     f1")
    for dept, m in sorted(summary["per_department"].items()):
        print(
            f"  {dept:<24}{m['support']:>7}  {m['precision']:.3f}  {m['recall']:.3f}  {m['f1']:.3f}"
        )
    print("\ntop confusions (expected -> predicted: count):")
    for c in summary["top_confusions"]:
        print(f"  {c['expected']:<20} -> {c['predicted']:<20} {c['count']}")
    print("\nnon-dispatch by kind:", summary["non_dispatch"]["by_kind"])
    print(
        "type confusions:",
        [(c["expected"], c["predicted"], c["count"]) for c in summary["type"]["top_confusions"]],
    )
    print(f"urgent: {summary['urgent']}")


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model", default=None, help="model archive (default models/hotline.tar.gz)"
    )
    parser.add_argument("--data", default=str(ROOT / "bench/nlu_eval/heldout.jsonl"))
    parser.add_argument("--out", default=str(ROOT / "bench/nlu_eval/results.json"))
    args = parser.parse_args(argv)

    from nlu.classify import Classifier

    rows = [
        json.loads(line)
        for line in Path(args.data).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    t0 = time.perf_counter()
    clf = Classifier(args.model)
    load_s = time.perf_counter() - t0
    clf.warm_up()
    for row in rows[:20]:
        clf.classify(row["text"])
    preds: list[dict[str, Any]] = []
    times: list[float] = []
    for row in rows:
        start = time.perf_counter()
        preds.append(clf.classify(row["text"]))
        times.append((time.perf_counter() - start) * 1000)
    summary = score(rows, preds)
    summary["latency_ms"] = {
        "p50": round(_percentile(times, 0.5), 2),
        "p99": round(_percentile(times, 0.99), 2),
        "mean": round(statistics.mean(times), 2) if times else 0.0,
    }
    summary["model"] = str(clf.model_path)
    summary["model_load_s"] = round(load_s, 1)
    Path(args.out).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _print_table(summary)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
