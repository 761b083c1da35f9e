"""Score consult-or-report and follow-ups on bench/kb_eval/consult_dev.jsonl (see its README).

    .venv/bin/python -m bench.kb_eval.evaluate [--errors] [--set FILE]

Prints, for the worst case (no routing) and with the expected department passed: the share
of consultations answered with the right topic (overall and per seed topic), the share of
requests to act wrongly answered from the knowledge base, follow-up accuracy, and latency
per call. "today" is the rule the dialogue used before hotline/domain/consult.py, for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotline.adapters.meaning import with_meaning
from hotline.domain.consult import (
    answer_follow_up,
    answer_in_passing,
    consult_or_report,
)
from hotline.domain.knowledge import Answer, KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEV = HERE / "consult_dev.jsonl"
UNKNOWN = HERE / "consult_unknown.jsonl"
TODAY_SURE, TODAY_CONSULT = 0.75, 0.3  # actions/report.py's thresholds before consult.py

Row = dict[str, Any]
Decide = Callable[[KnowledgeBase, Row], Answer | None]


def today(kb: KnowledgeBase, row: Row, *, routed: bool) -> Answer | None:
    """The rule of actions/report.py `_knowledge_answer` before consult.py (咨询 when routed)."""
    group = kb.groups.get(row.get("group") or "")
    if routed and group is not None and group.category is not None:
        for scope in ({"category": group.category}, {"department": group.department}):
            answer = kb.match(row["text"], **scope)
            if answer is not None and answer.score >= TODAY_CONSULT:
                return answer
    answer = kb.match(row["text"])
    return answer if answer is not None and answer.score >= TODAY_SURE else None


def ours(kb: KnowledgeBase, row: Row, *, routed: bool) -> Answer | None:
    """consult_or_report with no routing, or with the row's expected department (sure)."""
    department = row.get("department")
    if department is None and row.get("group"):
        department = kb.groups[row["group"]].department
    result = consult_or_report(
        kb,
        row["text"],
        category=None,
        department=department if routed else None,
        request_type=None,
        sure=routed,
    )
    if result.answer is None and not result.is_question:
        # a report that asks in passing: the dialogue answers that question first
        passing = answer_in_passing(kb, row["text"])
        return passing.answer if passing else None
    return result.answer


def right(row: Row, answer: Answer | None) -> bool:
    """The answer is the expected group or one of the same topic's acceptable groups."""
    return answer is not None and answer.group in {row["group"], *row.get("also", ())}


def score(kb: KnowledgeBase, rows: list[Row], decide: Decide, errors: bool) -> dict[str, Any]:
    """Right-topic rate on consultations (overall, per seed topic), false answers on acts."""
    consult = [r for r in rows if r["kind"] == "consult"]
    acts = [r for r in rows if r["kind"] == "act"]
    unknown = [r for r in rows if r["kind"] == "unknown"]
    per_topic: dict[str, list[bool]] = defaultdict(list)
    hits, exact, timings = 0, 0, []
    same_category: list[bool] = []  # a seed topic answered by any group of its category
    for row in consult:
        start = time.perf_counter()
        answer = decide(kb, row)
        timings.append(time.perf_counter() - start)
        ok = right(row, answer)
        hits += ok
        exact += answer is not None and answer.group == row["group"]
        if row.get("topic"):
            per_topic[row["topic"]].append(ok)
            wanted = kb.groups[row["group"]].category
            same_category.append(answer is not None and kb.groups[answer.group].category == wanted)
        if errors and not ok:
            got = f"{answer.group} {answer.score}" if answer else "—"
            print(f"    miss  {row['text']}  want {row['group']}  got {got}")
    false = {"act": 0, "unknown": 0}
    for row in [*acts, *unknown]:
        start = time.perf_counter()
        answer = decide(kb, row)
        timings.append(time.perf_counter() - start)
        false[row["kind"]] += answer is not None
        if errors and answer is not None:
            print(f"    false {row['text']}  got {answer.group} {answer.score}")
    seeds = [ok for oks in per_topic.values() for ok in oks]
    return {
        "consult": (hits, len(consult)),
        "exact": (exact, len(consult)),
        "seeds": (sum(seeds), len(seeds)),
        "seed_category": (sum(same_category), len(same_category)),
        "per_topic": {t: (sum(v), len(v)) for t, v in per_topic.items()},
        "false": (false["act"], len(acts)),
        "off_kb": (false["unknown"], len(unknown)),
        "ms": timings,
    }


def follow_ups(kb: KnowledgeBase, rows: list[Row], errors: bool) -> tuple[int, int, list[float]]:
    """Follow-ups answered with the expected group, or declined when the subject is new."""
    pairs = [r for r in rows if r["kind"] == "follow_up"]
    hits, timings = 0, []
    for row in pairs:
        start = time.perf_counter()
        # as the dialogue answers it, without routing
        answer = answer_follow_up(
            kb,
            row["text"],
            group=row["previous_group"],
            decide=lambda t: consult_or_report(
                kb, t, category=None, department=None, request_type=None, sure=False
            ),
        )
        timings.append(time.perf_counter() - start)
        ok = answer is None if row["group"] is None else right(row, answer)
        hits += ok
        if errors and not ok:
            got = answer.group if answer else "None"
            print(
                f"    miss  [{row['previous_group']}] {row['text']}  want {row['group']} got {got}"
            )
    return hits, len(pairs), timings


def rate(pair: tuple[int, int]) -> str:
    """'n/N = 0.xx'."""
    n, total = pair
    return f"{n}/{total} = {n / total:.2f}" if total else "—"


def latency(timings: list[float]) -> str:
    """p50 and max per call, in milliseconds."""
    ms = sorted(t * 1000 for t in timings)
    return f"p50 {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms"


NLU_SETS: tuple[str, ...] = (
    *("dept_dev", "boundary_dev", "voices_dev", "chat_fresh"),
    *("voices_fresh", "stories_fresh", "chat_fresh2", "chat_fresh3"),
)


def nlu_dispatch_answered(kb: KnowledgeBase, errors: bool) -> tuple[int, int]:
    """Requests to act of the NLU dev sets (``kind: dispatch``, the expected department given,
    not sure) that consult_or_report answers from the KB: a wider, noisier check than the
    act rows above (some rows labelled dispatch do ask a policy question)."""
    hits = total = 0
    for name in NLU_SETS:
        path = ROOT / "bench" / "nlu_eval" / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else ():
            row = json.loads(line)
            if row.get("kind") != "dispatch":
                continue
            total += 1
            answer = consult_or_report(
                kb,
                row["text"],
                category=None,
                department=row.get("department"),
                request_type=None,
                sure=False,
            ).answer
            if answer is not None:
                hits += 1
                if errors:
                    print(f"    answered  {row['text'][:60]}  got {answer.group}")
    return hits, total


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each setting."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", type=Path, default=DEV, help="JSONL set to score")
    parser.add_argument(
        "--unknown", type=Path, default=UNKNOWN, help="questions the KB does not cover"
    )
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument(
        "--nlu-errors", action="store_true", help="with --errors, also the NLU rows answered"
    )
    parser.add_argument(
        "--words", action="store_true", help="rank by words alone (no sentence encoder)"
    )
    args = parser.parse_args(argv)
    rows = [
        json.loads(line)
        for path in (args.set, args.unknown)
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    kb = load_knowledge(ROOT / "data" / "knowledge.yml")
    if not args.words:
        with_meaning(kb, ROOT / "var")
    ranking = "words" if kb.closeness is None else "words, reordered by meaning"
    print(f"set: {args.set.name} (written by a helper session for the team; see README)")
    print(f"ranking: {ranking}")
    settings: list[tuple[str, Decide]] = [
        ("today, no routing", lambda k, r: today(k, r, routed=False)),
        ("today, 咨询 + expected category", lambda k, r: today(k, r, routed=True)),
        ("consult.py, no routing (worst case)", lambda k, r: ours(k, r, routed=False)),
        ("consult.py, expected department, sure", lambda k, r: ours(k, r, routed=True)),
    ]
    for name, decide in settings:
        print(f"\n{name}")
        result = score(kb, rows, decide, args.errors and name.startswith("consult.py"))
        print(f"  consultations answered, right topic: {rate(result['consult'])}")
        print(f"  … exactly the expected group:       {rate(result['exact'])}")
        print(f"  seed topics, right topic:           {rate(result['seeds'])}")
        print(f"  … any group of the topic's category: {rate(result['seed_category'])}")
        for topic, pair in sorted(result["per_topic"].items()):
            print(f"    {topic:<8} {rate(pair)}")
        print(f"  requests to act answered (false):   {rate(result['false'])}")
        print(f"  questions off the KB answered:      {rate(result['off_kb'])}")
        print(f"  latency per call:                   {latency(result['ms'])}")
    hits, total, timings = follow_ups(kb, rows, args.errors)
    print(f"\nfollow_up: {rate((hits, total))}  ({latency(timings)})")
    answered = nlu_dispatch_answered(kb, args.errors and args.nlu_errors)
    print(f"requests to act of bench/nlu_eval answered from the KB: {rate(answered)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
