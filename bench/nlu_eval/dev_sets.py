"""Score one trained model on every development set and time its parses, loading it once.

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu_eval/dev_sets.py [--model MODEL.tar.gz]
        [--out FILE.json]

Department sets (``dept_dev.jsonl``, ``boundary_dev.jsonl``, ``voices_dev.jsonl``,
``chat_fresh.jsonl``, ``smoke.jsonl``, ``voices_fresh.jsonl``, ``stories_fresh.jsonl``,
``chat_fresh2.jsonl`` … ``chat_fresh33.jsonl`` and ``nodept_dev.jsonl``; a row with no ``kind``
is a dispatch if it names a department, else one that needs none): department accuracy,
macro-F1, non-dispatch P/R and urgent P/R with ``evaluate.score``. Urgency sets
(``urgent_dev2.jsonl``, ``urgent_dev3.jsonl``, ``urgent_fresh.jsonl`` … ``urgent_fresh20.jsonl``):
urgent P/R. Latency: parse p50/p99 of the messages under 100 characters of those sets, and of
1,000-character letters (the first 1,000 characters of the longer letters of
``../shared/corpora/letters_dev.jsonl``, when it is there; only timed). Latency is wall time
and the process's CPU time, with one BLAS thread as in a worker.
Never pass ``heldout.jsonl`` here (see README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

# One BLAS / OpenMP thread, as the Rasa workers run (hotline.adapters.stack.RASA_THREADS):
# otherwise OpenBLAS spins a second thread and CPU time reads twice the wall time.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.nlu_eval.evaluate import _percentile, score  # noqa: E402
from bench.nlu_eval.letters_eval import DEFAULT_LETTERS, load_rows  # noqa: E402

HERE = Path(__file__).resolve().parent
DEPARTMENT_SETS = (
    "dept_dev.jsonl",
    "boundary_dev.jsonl",
    "voices_dev.jsonl",
    "chat_fresh.jsonl",
    "smoke.jsonl",
    "voices_fresh.jsonl",
    "stories_fresh.jsonl",
    "chat_fresh2.jsonl",
    "chat_fresh3.jsonl",
    "chat_fresh4.jsonl",
    "chat_fresh5.jsonl",
    "chat_fresh6.jsonl",
    "chat_fresh7.jsonl",
    "chat_fresh8.jsonl",
    "chat_fresh9.jsonl",
    "chat_fresh10.jsonl",
    "chat_fresh11.jsonl",
    "chat_fresh12.jsonl",
    "chat_fresh13.jsonl",
    "chat_fresh14.jsonl",
    "chat_fresh15.jsonl",
    "chat_fresh16.jsonl",
    "chat_fresh17.jsonl",
    "chat_fresh18.jsonl",
    "chat_fresh19.jsonl",
    "chat_fresh20.jsonl",
    "chat_fresh21.jsonl",
    "chat_fresh22.jsonl",
    "chat_fresh23.jsonl",
    "chat_fresh24.jsonl",
    "chat_fresh25.jsonl",
    "chat_fresh26.jsonl",
    "chat_fresh27.jsonl",
    "chat_fresh28.jsonl",
    "chat_fresh29.jsonl",
    "chat_fresh30.jsonl",
    "chat_fresh31.jsonl",
    "chat_fresh32.jsonl",
    "chat_fresh33.jsonl",
    "nodept_dev.jsonl",
)
URGENCY_SETS = (
    "urgent_dev2.jsonl",
    "urgent_dev3.jsonl",
    "urgent_fresh.jsonl",
    "urgent_fresh2.jsonl",
    "urgent_fresh3.jsonl",
    "urgent_fresh4.jsonl",
    "urgent_fresh5.jsonl",
    "urgent_fresh6.jsonl",
    "urgent_fresh7.jsonl",
    "urgent_fresh8.jsonl",
    "urgent_fresh9.jsonl",
    "urgent_fresh10.jsonl",
    "urgent_fresh11.jsonl",
    "urgent_fresh12.jsonl",
    "urgent_fresh13.jsonl",
    "urgent_fresh14.jsonl",
    "urgent_fresh15.jsonl",
    "urgent_fresh16.jsonl",
    "urgent_fresh17.jsonl",
    "urgent_fresh18.jsonl",
    "urgent_fresh19.jsonl",
    "urgent_fresh20.jsonl",
)


def _rows(name: str) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in (HERE / name).read_text(encoding="utf-8").splitlines() if x]
    for row in rows:  # the later sets label the department only: a row without one needs none
        row.setdefault("kind", "dispatch" if row.get("department") else "out_of_scope")
    return rows


CPU_TIMES: dict[int, float] = {}  # id(text) -> CPU ms of its parse


def _timed(clf: Any, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    preds, times = [], []
    for text in texts:
        start, cpu = time.perf_counter(), time.process_time()
        preds.append(clf.classify(text))
        times.append((time.perf_counter() - start) * 1000)
        CPU_TIMES[id(text)] = (time.process_time() - cpu) * 1000
    return preds, times


def _latency(texts: list[str], times: list[float]) -> dict[str, Any]:
    cpu = [CPU_TIMES[id(t)] for t in texts]
    return {
        "n": len(times),
        "p50": round(_percentile(times, 0.5), 1),
        "p99": round(_percentile(times, 0.99), 1),
        "cpu_p50": round(_percentile(cpu, 0.5), 1),
        "cpu_p90": round(_percentile(cpu, 0.9), 1),
    }


def _urgent(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    tp = sum(1 for r, p in zip(rows, preds, strict=True) if r["urgent"] and p["urgent"])
    fp = sum(1 for r, p in zip(rows, preds, strict=True) if not r["urgent"] and p["urgent"])
    fn = sum(1 for r, p in zip(rows, preds, strict=True) if r["urgent"] and not p["urgent"])
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    from nlu.classify import Classifier

    clf = Classifier(args.model)
    clf.warm_up()
    summary: dict[str, Any] = {"model": str(clf.model_path)}
    short_times: list[float] = []
    short_texts: list[str] = []
    for name in DEPARTMENT_SETS + URGENCY_SETS:
        rows = _rows(name)
        texts = [r["text"] for r in rows]
        preds, times = _timed(clf, texts)
        short = [(x, t) for x, t in zip(texts, times, strict=True) if len(x) < 100]
        short_texts += [x for x, _ in short]
        short_times += [t for _, t in short]
        if name in DEPARTMENT_SETS:
            s = score(rows, preds)
            summary[name] = {
                "department_accuracy": s["department_accuracy"],
                "macro_f1": s["department_macro_f1"],
                "non_dispatch_p": s["non_dispatch"]["precision"],
                "non_dispatch_r": s["non_dispatch"]["recall"],
                "urgent": _urgent(rows, preds),
                "confusions": s["top_confusions"][:8],
            }
        else:
            summary[name] = {"urgent": _urgent(rows, preds)}
    summary["latency_short_ms"] = _latency(short_texts, short_times)
    if DEFAULT_LETTERS.exists():
        letters = [r["text"][:1000] for r in load_rows(DEFAULT_LETTERS) if len(r["text"]) >= 1000]
        _, times = _timed(clf, letters[:100])
        summary["latency_1000_ms"] = _latency(letters[:100], times)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
