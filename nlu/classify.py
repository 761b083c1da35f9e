"""Classify citizen messages with the trained Rasa model (runs in ``.venv-rasa``).

    python -m nlu.classify --text "小区门口燃气泄漏了"
    python -m nlu.classify --jsonl FILE        # lines with a "text" field ("-": stdin)
    python -m nlu.classify --serve             # line protocol on stdin/stdout

Run from the repository root (or with ``PYTHONPATH`` set to it). Prints one JSON object per
input, in order, with the contract of ``shared/design.md``::

    {"text", "department", "category", "confidence", "top3": [[department, conf], ...],
     "urgent", "type"}

plus ``intent`` (the best non-fallback intent, ``faq/<id>`` for knowledge-base questions),
``fallback`` (true when the best intent is below the FallbackClassifier threshold or
ambiguous: the dialogue should then offer ``top3`` instead of dispatching) and ``entities``.

Routing: ``department`` is the department with the largest summed intent confidence (each
dispatch intent maps to its catalogue department, ``faq`` to its knowledge-base group's
department, every other intent to ``null``); ``category`` is the best intent's category within
that department; ``confidence`` that department's summed confidence. Below the fallback
threshold the best guess is kept in ``department`` and ``fallback`` is true.

``--serve``: each input line is either a JSON object with ``text`` or plain text; each answer
is one JSON line, flushed at once. The model is loaded once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "ERROR")

from hotline.domain.places import says_more_than_place
from hotline.domain.reading import ASK_MIN, enumerated_asks
from nlu import rules, without_tensorflow
from nlu.catalogue import FALLBACK_INTENT, REPO_ROOT, RETRIEVAL_INTENT, load_routing

DEFAULT_MODEL_DIR = REPO_ROOT / "models"
DEFAULT_MODEL_NAME = "hotline.tar.gz"
# An urgent message goes to its best department when that department has at least this share.
URGENT_DISPATCH_MIN = 0.1
# A place and what is wrong there, read as an address answer, goes to its best department when
# that department has at least this share ("36路车站的雨棚被风刮没了").
PLACE_AND_PROBLEM_MIN = 0.15


def find_model(model: str | Path | None = None) -> Path:
    """Return the model archive: ``model`` (file or directory), else ``models/hotline.tar.gz``,
    else the newest ``models/*.tar.gz``."""
    candidate = Path(model or os.environ.get("HOTLINE_NLU_MODEL") or DEFAULT_MODEL_DIR)
    if candidate.is_file():
        return candidate
    if candidate.is_dir():
        named = candidate / DEFAULT_MODEL_NAME
        if named.is_file():
            return named
        archives = sorted(candidate.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if archives:
            return archives[-1]
    raise FileNotFoundError(f"no trained model at {candidate}; run scripts/train_nlu.sh")


def _quiet_logging() -> None:
    """Send logs to stderr at ERROR level: stdout carries only JSON."""
    import structlog

    logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="%(message)s")
    logging.getLogger().setLevel(logging.ERROR)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


class Classifier:
    """The trained model, loaded once, and the routing tables."""

    def __init__(self, model: str | Path | None = None) -> None:
        self.model_path = find_model(model)
        _quiet_logging()
        for name in ("rasa", "tensorflow", "absl", "jieba"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # 1-2 s and ~280 MB less when the model never calls TensorFlow
        without_tensorflow.install_for(self.model_path, dict(os.environ))
        with contextlib.redirect_stdout(sys.stderr):
            import jieba
            from rasa.core.agent import Agent

            jieba.setLogLevel(logging.ERROR)
            self._loop = asyncio.new_event_loop()
            self.agent = Agent.load(str(self.model_path))
        self.routing = load_routing()

    def parse(self, text: str) -> dict[str, Any]:
        """Return Rasa's parse data for ``text``."""
        result: dict[str, Any] = self._loop.run_until_complete(self.agent.parse_message(text))
        return result

    def classify(self, text: str) -> dict[str, Any]:
        """Return the classify contract for ``text``.

        A message that numbers several asks and as a whole goes to no department (homework,
        the weather and a school fee in one breath) goes where its first routable ask goes,
        the one the citizen says matters most first.
        """
        contract = to_contract(text, self.parse(text), self.routing)
        if contract["department"] is not None:
            return contract
        for ask in enumerated_asks(text):
            part = to_contract(ask, self.parse(ask), self.routing)
            if part["department"] is not None and part["confidence"] >= ASK_MIN:
                return {**part, "text": text, "urgent": contract["urgent"] or part["urgent"]}
        return contract

    def warm_up(self, n: int = 3) -> None:
        """Run a few parses so the first real one is not slow."""
        for sample in ("你好", "小区门口有人占道经营", "我想咨询一下异地就医备案")[:n]:
            self.parse(sample)


def _faq_key(parse: dict[str, Any]) -> str | None:
    selector = (parse.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return str(key) if key else None


def _departments_first(
    top: list[tuple[str | None, float]], least: float
) -> list[tuple[str | None, float]]:
    """The ranking with the departments of at least `least` share ahead of "no department"."""
    ahead = [(d, c) for d, c in top if d is not None and c >= least]
    return [*ahead, *(kv for kv in top if kv not in ahead)]


def to_contract(text: str, parse: dict[str, Any], routing: Any) -> dict[str, Any]:
    """Turn Rasa parse data into the ``hotline classify`` JSON contract."""
    ranking = [
        (str(item["name"]), float(item.get("confidence") or 0.0))
        for item in parse.get("intent_ranking") or []
        if item.get("name") != FALLBACK_INTENT
    ]
    intent_info = parse.get("intent") or {}
    fallback = intent_info.get("name") == FALLBACK_INTENT
    if not ranking and intent_info.get("name") not in (None, FALLBACK_INTENT):
        ranking = [(str(intent_info["name"]), float(intent_info.get("confidence") or 0.0))]
    faq_key = _faq_key(parse)

    per_department: dict[str | None, float] = {}
    best_intent_of: dict[str | None, str] = {}
    for name, conf in ranking:
        route = routing.route(name, faq_key if name == RETRIEVAL_INTENT else None)
        per_department[route.department] = per_department.get(route.department, 0.0) + conf
        best_intent_of.setdefault(route.department, name)
    top = sorted(per_department.items(), key=lambda kv: kv[1], reverse=True)
    urgent = bool(parse.get("urgent", rules.is_urgent(text)))
    if urgent and top and top[0][0] is None:
        # a danger now always needs a department: "电梯困人 5号楼 快" is not an address
        # answer (inform) however much of the ranking that took; the dialogue routes the same
        top = _departments_first(top, URGENT_DISPATCH_MIN)
    if (
        top
        and top[0][0] is None
        and best_intent_of.get(None) == "inform"
        and says_more_than_place(text)
    ):
        # not an address answer: the place and what is wrong there
        top = _departments_first(top, PLACE_AND_PROBLEM_MIN)
    department, confidence = top[0] if top else (None, 0.0)
    intent = best_intent_of.get(department) if top else None
    route = routing.route(intent, faq_key if intent == RETRIEVAL_INTENT else None)
    if intent == RETRIEVAL_INTENT and faq_key:
        intent = faq_key
    is_faq = intent is not None and intent.split("/")[0] == RETRIEVAL_INTENT
    default_type = "咨询" if is_faq else route.type
    dispatch = department is not None
    return {
        "text": text,
        "department": department,
        "category": route.category if dispatch else None,
        "confidence": round(float(confidence), 4),
        "top3": [[d, round(float(c), 4)] for d, c in top[:3]],
        "urgent": urgent,
        "urgent_score": parse.get("urgent_score"),
        "type": rules.request_type(text, default_type, dispatch=dispatch),
        "intent": intent,
        "fallback": bool(fallback),
        "entities": [
            {k: e.get(k) for k in ("entity", "value", "start", "end")}
            for e in parse.get("entities") or []
        ],
    }


def _texts_from_jsonl(lines: Iterable[str]) -> Iterator[str]:
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        yield str(json.loads(line)["text"])


def _texts_from_serve(lines: Iterable[str]) -> Iterator[str]:
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                yield str(json.loads(line)["text"])
                continue
            except (ValueError, KeyError, TypeError):
                pass
        yield line


def _emit(obj: dict[str, Any], out: Any) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m nlu.classify", description=__doc__.split("\n")[0]
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--text", help="one message")
    mode.add_argument("--jsonl", help='file of JSON lines with a "text" field; "-" for stdin')
    mode.add_argument("--serve", action="store_true", help="line protocol on stdin/stdout")
    parser.add_argument("--model", help="model archive or directory (default models/)")
    args = parser.parse_args(argv)

    out = sys.stdout
    try:
        clf = Classifier(args.model)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if args.text is not None:
        _emit(clf.classify(args.text), out)
        return 0
    if args.serve:
        clf.warm_up()
        _emit({"ready": True, "model": str(clf.model_path)}, out)
        for text in _texts_from_serve(sys.stdin):
            _emit(clf.classify(text), out)
        return 0
    started = time.perf_counter()
    count = 0
    if args.jsonl == "-":
        texts: Iterable[str] = _texts_from_jsonl(sys.stdin)
        for text in texts:
            _emit(clf.classify(text), out)
            count += 1
    else:
        with open(args.jsonl, encoding="utf-8") as fh:
            for text in _texts_from_jsonl(fh):
                _emit(clf.classify(text), out)
                count += 1
    logging.getLogger(__name__).info("%d texts in %.2fs", count, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
