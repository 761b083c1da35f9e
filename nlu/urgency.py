"""The learned urgency signal: two logistic regressions on n-grams, one also on the rules.

``urgent`` means danger to life, health or property *now* (the catalogue's priority rule).
Keyword rules (:mod:`nlu.rules`) are precise but miss new paraphrases, so a linear model on
character 1–4-gram TF-IDF learns the wording, and the rules' flags (a cue fired; negated,
past, settled, habitual, hypothetical, consultation frames …) are extra features it weighs.
A second linear model reads the same character n-grams plus jieba word unigrams and bigrams
and *no* rule flags; the probability is the average of the two (``word_share``). The two
disagree on different texts, so the average ranks better than either (cross-validated
precision +0.044 at the same recall; see bench/nlu_eval/README.md).

Training data (see ``data/urgency/README.md``):

* the urgency corpus ``data/urgency/*.yml`` (``urgent:`` / ``not_urgent:`` lists);
* every NLU example of ``data/nlu/``: urgent when its text is listed in
  ``data/urgency/nlu_urgent.yml``, otherwise not urgent;
* optional extra JSONL files with ``text`` and ``urgent`` (the first urgency dev set).

The model is trained at ``rasa train`` time by ``nlu.components.UrgencyClassifier`` and can be
trained and cross-validated directly with ``bench/nlu_eval/urgency_model.py``. Needs numpy and
scikit-learn (the Rasa env); :func:`combine` and the corpus readers are pure Python.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from nlu import focus, rules

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "data" / "urgency"
NLU_LABELS = "nlu_urgent.yml"

# First the threshold at which cross-validated recall on the training data stayed where the
# single model's was (0.45); lowered to 0.40 for voices the model has not met, whose urgent
# stories score lower (bench/nlu_eval/README.md, chat_fresh4-6); config.yml's wins.
DEFAULT_THRESHOLD = 0.40
DICTIONARY = REPO_ROOT / "nlu" / "dict" / "hotline.txt"


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------


def _block_items(block: str | None) -> list[str]:
    """Items of a Rasa-style block list (``- text`` lines)."""
    items = []
    for raw in (block or "").splitlines():
        line = raw.strip()
        if line.startswith("- "):
            text = line[2:].strip()
            if text:
                items.append(text)
    return items


def corpus_files(directory: str | Path | None = None) -> list[Path]:
    """The corpus files (``*.yml`` except the NLU label list), sorted."""
    root = Path(directory) if directory else CORPUS_DIR
    return sorted(p for p in root.glob("*.yml") if p.name != NLU_LABELS)


def load_corpus(directory: str | Path | None = None) -> list[tuple[str, bool]]:
    """``(text, urgent)`` pairs of the urgency corpus."""
    import yaml

    pairs: list[tuple[str, bool]] = []
    for path in corpus_files(directory):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        pairs += [(t, True) for t in _block_items(data.get("urgent"))]
        pairs += [(t, False) for t in _block_items(data.get("not_urgent"))]
    return pairs


def load_nlu_labels(directory: str | Path | None = None) -> set[str]:
    """Texts of ``data/nlu/`` examples that are urgent (``nlu_urgent.yml``)."""
    import yaml

    path = (Path(directory) if directory else CORPUS_DIR) / NLU_LABELS
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {normalise(t) for t in _block_items(data.get("urgent_examples"))}


def load_jsonl(path: str | Path) -> list[tuple[str, bool]]:
    """``(text, urgent)`` pairs of a JSONL file with ``text`` and ``urgent`` fields."""
    with Path(path).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(str(r["text"]), bool(r["urgent"])) for r in rows]


def content_hash(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the names and contents of ``paths`` (for Rasa's fingerprint)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def normalise(text: str) -> str:
    """Lower-case, collapse whitespace (what the model and the label lookup see)."""
    return re.sub(r"\s+", " ", (text or "").strip()).lower()


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@functools.cache
def _jieba() -> Any:
    """Jieba with the hotline dictionary (the one Rasa's JiebaTokenizer loads), once."""
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)
    if DICTIONARY.exists():
        jieba.load_userdict(str(DICTIONARY))
    return jieba


# Clause ends: jieba never joins words across these (they end its blocks of Han characters and
# letters), so a text's words are its clauses' words in order.
_CLAUSE_END = re.compile(r"(?<=[。！？!?；;\n，,])")


@functools.lru_cache(maxsize=16384)
def _clause_words(clause: str) -> tuple[str, ...]:
    """One clause's jieba words: a long message's windows share their clauses (story_score)."""
    return tuple(w for w in _jieba().lcut(clause) if w.strip())


def words(text: str) -> list[str]:
    """Jieba words (hotline dictionary) of the normalised text, then adjacent word pairs."""
    tokens = [w for clause in _CLAUSE_END.split(normalise(text)) for w in _clause_words(clause)]
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def evidence_vector(text: str, flags: dict[str, bool] | None = None) -> list[float]:
    """The rules' evidence flags of ``text`` (or ``flags``, already computed for it) as 0/1
    floats, in ``rules.EVIDENCE`` order."""
    if flags is None:
        flags = rules.urgency_evidence(text)
    return [1.0 if flags[name] else 0.0 for name in rules.EVIDENCE]


class UrgencyModel:
    """Character n-gram TF-IDF + rule evidence → logistic regression (probability urgent).

    With ``word_share`` > 0, a second logistic regression on character n-grams + jieba words
    and word pairs (no rule flags) is trained too, and :meth:`predict` returns
    ``(1 - word_share) * p_rules + word_share * p_words``.
    """

    def __init__(
        self,
        c: float = 16.0,
        min_df: int = 2,
        max_ngram: int = 4,
        rule_weight: float = 1.0,
        class_weight: str | None = "balanced",
        word_share: float = 0.5,
    ) -> None:
        self.c = c
        self.min_df = min_df
        self.max_ngram = max_ngram
        self.rule_weight = rule_weight
        self.class_weight = class_weight
        self.word_share = word_share
        self.vectorizer: Any = None
        self.classifier: Any = None
        self.word_vectorizer: Any = None
        self.word_classifier: Any = None
        self._fast: Any = None
        self._fast_words: Any = None

    def _n_flags(self) -> int:
        """Rule flags the fitted model reads (a model saved before a flag was added reads fewer)."""
        return int(self.classifier.coef_.shape[1]) - len(self.vectorizer.vocabulary_)

    def _flags(self, text: str) -> list[float]:
        """The rules' evidence of ``text``, cut to the flags the model was fitted on."""
        return evidence_vector(text)[: self._n_flags()]

    def _matrix(self, texts: Sequence[str]) -> Any:
        import numpy as np
        import scipy.sparse

        grams = self.vectorizer.transform([normalise(t) for t in texts])
        flags = np.array([self._flags(t) for t in texts]) * self.rule_weight
        return scipy.sparse.hstack([grams, scipy.sparse.csr_matrix(flags)]).tocsr()

    def _word_matrix(self, texts: Sequence[str]) -> Any:
        import scipy.sparse

        grams = self.vectorizer.transform([normalise(t) for t in texts])
        return scipy.sparse.hstack([grams, self.word_vectorizer.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[bool]) -> UrgencyModel:
        """Fit on ``texts`` with boolean ``labels``."""
        import numpy as np
        import scipy.sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, self.max_ngram),
            min_df=self.min_df,
            sublinear_tf=True,
            lowercase=False,
        )
        self.vectorizer.fit([normalise(t) for t in texts])
        y = [bool(v) for v in labels]
        self.classifier = LogisticRegression(
            C=self.c, class_weight=self.class_weight, max_iter=2000, solver="liblinear"
        )
        grams = self.vectorizer.transform([normalise(t) for t in texts])
        flags = np.array([evidence_vector(t) for t in texts]) * self.rule_weight
        self.classifier.fit(scipy.sparse.hstack([grams, scipy.sparse.csr_matrix(flags)]).tocsr(), y)
        self.word_vectorizer = self.word_classifier = None
        if self.word_share > 0:
            self.word_vectorizer = TfidfVectorizer(
                analyzer=words, min_df=self.min_df, sublinear_tf=True
            ).fit(texts)
            self.word_classifier = LogisticRegression(
                C=self.c, class_weight=self.class_weight, max_iter=2000, solver="liblinear"
            ).fit(self._word_matrix(texts), y)
        self._fast = self._fast_words = None
        return self

    def predict_many(self, texts: Sequence[str]) -> list[float]:
        """Probability that each text is urgent."""
        if not texts:
            return []
        column = list(self.classifier.classes_).index(True)
        probs = self.classifier.predict_proba(self._matrix(texts))[:, column]
        if getattr(self, "word_classifier", None) is not None:
            column = list(self.word_classifier.classes_).index(True)
            other = self.word_classifier.predict_proba(self._word_matrix(texts))[:, column]
            probs = (1.0 - self.word_share) * probs + self.word_share * other
        return [float(p) for p in probs]

    def predict(self, text: str, evidence: dict[str, bool] | None = None) -> float:
        """Probability that ``text`` is urgent (one message; no sklearn per-call checks);
        ``evidence``: the rules' flags of ``text`` when the caller has them already.

        Same arithmetic as :meth:`predict_many`; sklearn's ``transform`` of one message
        (input checks, a diagonal idf matrix per call) was 2.6 ms of a 3 ms prediction.
        """
        import numpy as np

        if self._fast is None:
            coef = np.asarray(self.classifier.coef_[0], dtype=np.float64)
            sign = 1.0 if list(self.classifier.classes_).index(True) == 1 else -1.0
            n_grams = len(self.vectorizer.vocabulary_)
            intercept = float(self.classifier.intercept_[0])
            self._fast = (
                coef[:n_grams],
                coef[n_grams:],
                intercept,
                sign,
                _FastTfidf(self.vectorizer),
            )
        gram_coef, flag_coef, intercept, sign, grams = self._fast
        indices, values = grams.row(normalise(text))
        score = float(values @ gram_coef[indices]) if len(indices) else 0.0
        flags = evidence_vector(text, evidence)[: len(flag_coef)]
        score += float(np.dot(flag_coef, flags)) * self.rule_weight + intercept
        probability = float(1.0 / (1.0 + np.exp(-sign * score)))
        if getattr(self, "word_classifier", None) is None:  # a model saved before word_share
            return probability
        if getattr(self, "_fast_words", None) is None:
            clf = self.word_classifier
            coef = np.asarray(clf.coef_[0], dtype=np.float64)
            w_sign = 1.0 if list(clf.classes_).index(True) == 1 else -1.0
            n_grams = len(self.vectorizer.vocabulary_)
            self._fast_words = (
                coef[:n_grams],
                coef[n_grams:],
                float(clf.intercept_[0]),
                w_sign,
                _FastTfidf(self.word_vectorizer),
            )
        char_coef, word_coef, w_intercept, w_sign, word_grams = self._fast_words
        w_indices, w_values = word_grams.row(text)
        w_score = float(values @ char_coef[indices]) if len(indices) else 0.0
        w_score += float(w_values @ word_coef[w_indices]) if len(w_indices) else 0.0
        other = float(1.0 / (1.0 + np.exp(-w_sign * (w_score + w_intercept))))
        return (1.0 - self.word_share) * probability + self.word_share * other


class _FastTfidf:
    """One message through a fitted ``TfidfVectorizer``: the same row, without its overhead."""

    def __init__(self, vectorizer: Any) -> None:
        import numpy as np

        self.analyze = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None
        self.norm = vectorizer.norm

    def row(self, text: str) -> tuple[Any, Any]:
        """(column indices, values) of the message's TF-IDF row."""
        import numpy as np

        counts: dict[int, int] = {}
        for gram in self.analyze(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if not len(values):
            return indices, values
        if self.sublinear:
            values = np.log(values) + 1.0
        if self.idf is not None:
            values = values * self.idf[indices]
        if self.norm == "l2":
            values = values / (np.sqrt(np.dot(values, values)) or 1.0)
        elif self.norm == "l1":
            values = values / (np.abs(values).sum() or 1.0)
        return indices, values


# A story (a message this long) is read sentence by sentence as well as whole: a danger told
# late in a long message ("…说着说着，隔壁老人从早上就没应门，昨晚还说胸口疼") is one or two
# sentences among many, and whole-message n-grams dilute it. Each window is the clauses from
# one start that fit in WINDOW_CHARS; the score is the mean of the whole message's and the best
# window's (5-fold cross-validation on the 711 long training texts: recall 0.969 -> 0.979,
# precision 0.939 -> 0.931; the best window alone: precision 0.803). bench/nlu_eval/README.md,
# *Reading stories*.
STORY_CHARS = 80
WINDOW_CHARS = 90


def sentence_windows(text: str, width: int = WINDOW_CHARS) -> list[str]:
    """Runs of whole clauses of at most ``width`` characters (a longer clause alone), each
    starting at the first clause past the middle of the one before: every clause is read with
    the clauses around it, in about twice as many windows as the text has widths."""
    clauses = [c for c in _CLAUSE_END.split(text) if c.strip()]
    windows = []
    start = 0
    while start < len(clauses):
        window = clauses[start]
        end = start + 1
        while end < len(clauses) and len(window) + len(clauses[end]) <= width:
            window += clauses[end]
            end += 1
        windows.append(window)
        if end >= len(clauses):
            break
        # the next window starts at the first clause past the middle of this one
        covered, step = 0, start
        while step < end - 1 and covered + len(clauses[step]) <= len(window) // 2:
            covered += len(clauses[step])
            step += 1
        start = max(step, start + 1)
    return windows


def story_score(model: UrgencyModel, text: str, evidence: dict[str, bool] | None = None) -> float:
    """The probability that ``text`` is urgent, a long one read whole and by its windows, and
    what follows a turn to the point ("工资的事先不说了，…") read alone as well: a danger told
    after an old grievance scored 0.31–0.38 whole and 0.81–0.99 alone (four misses of
    urgent_fresh3/4/5, no false alarm added over every urgency set). A message whose every
    danger cue is dated to the past is read whole only: a window would cut the date off."""
    if evidence is None:
        evidence = rules.urgency_evidence(text)  # once: the model's features and the dating
    whole = model.predict(text, evidence)
    point = focus.after_turn(text)
    turned = model.predict(point) if point else 0.0
    if len(text) < STORY_CHARS or evidence["cue_past"]:
        return max(whole, turned)
    best = max([whole, *(model.predict(window) for window in sentence_windows(text))])
    return max((whole + best) / 2, turned)


# Alarm words (救命, 紧急, 赶紧, 快来人, 急死了, exclamation marks): with them taken out, a message
# that scores under ALARM_ONLY_SCORE was urgent by its alarm words alone ("救命！明天面试穿啥",
# "救命啊 稻飞虱又吃了一大片"). Over every urgency and chat set: false alarms 54 -> 46, one
# urgent row lost (bench/nlu_eval/README.md, *Alarm words alone*).
# Not rules._ALARM_WORDS (the errand guard's, with a bare 急): these are the words taken out.
ALARM = re.compile(
    r"救命啊?|救救[我们孩子他她]*吧?|紧急求助|紧急|十万火急|急急急+|急死了?|赶紧的?|赶快|"
    r"快来人?|快点|快快|速来|出大事了|天塌了|求求(?:你们)?|求助|[！!]+"
)
ALARM_ONLY_SCORE = 0.08


def alarm_only(model: UrgencyModel, text: str) -> bool:
    """Whether only its alarm words make ``text`` sound urgent."""
    if not ALARM.search(text):
        return False
    return story_score(model, ALARM.sub("，", text)) < ALARM_ONLY_SCORE


def decide(
    model: UrgencyModel, text: str, threshold: float = DEFAULT_THRESHOLD
) -> tuple[float, bool]:
    """The urgency probability of ``text`` and the verdict the product acts on: a forwarded
    notice (a school's drowning-safety circular) is never urgent."""
    evidence = rules.urgency_evidence(text)  # once: the model's features and the guard
    score = story_score(model, text, evidence)
    sure_only = (
        errand_guard(text, evidence) or bare_short(text, evidence) or past_and_over(evidence)
    )
    urgent = combine(score, threshold, sure_only)
    if urgent and focus.forwarded_notice(text):
        return score, False
    return score, urgent and not alarm_only(model, text)


# An errand (救命 / 紧急 said of wages, papers or a delivery, and no other danger cue) is urgent
# only if the model is this sure: its n-grams weigh the alarm word more than the errand flag.
ERRAND_THRESHOLD = 0.9


# Under this many characters an errand word is the message ("救命 快递三天没到"); a longer one
# may name wages or fees as background to a danger ("围着要工资，有人把汽油桶搬过来了").
ERRAND_CHARS = 30


def errand_guard(text: str, evidence: dict[str, bool]) -> bool:
    """Whether the errand threshold applies: a short errand as the rules see it; in a longer
    message, only where an alarm word is said of the errand. A 快递柜, 排队 or 学费 in the
    background made a leaning scaffold, a fraud in progress and an open power box by a school
    queue need 0.9 (seven misses over every set, no false alarm added)."""
    if not evidence["errand"]:
        return False
    return len(text.strip()) < ERRAND_CHARS or rules.errand_in_alarm(text)


# A short message that names no danger at all ("早啊，有人在冇", "今天拉萨下雪吗", "煤气") is
# urgent only if the model is sure (ERRAND_THRESHOLD): over every urgency and chat set, such
# messages under 16 characters judged urgent were 10 false alarms and one danger (a child
# sinking in a pool, now a cue).
SHORT_CHARS = 16


def bare_short(text: str, evidence: dict[str, bool]) -> bool:
    """Whether ``text`` is short and no danger cue matches it, guarded or not."""
    return len(text.strip()) < SHORT_CHARS and not evidence["raw_cue"]


def past_and_over(evidence: dict[str, bool]) -> bool:
    """Whether every danger cue is dated to the past and the message says it is dealt with
    ("昨晚树倒了…今天早上已经有人来锯走了一半"): urgent only if the model is sure."""
    return evidence["cue_past"] and evidence["resolved"]


def combine(score: float, threshold: float = DEFAULT_THRESHOLD, sure_only: bool = False) -> bool:
    """The ``urgent`` verdict from the model's probability.

    The model decides: it already reads the rules' cues and guards as features, so a rule hit
    raises the probability and a negation, a past or settled event or a question lowers it
    (measured: see bench/nlu_eval/README.md). Only an errand, a short message with no danger
    cue, or a past danger already dealt with needs more than the threshold (``sure_only``).
    """
    return score >= (max(threshold, ERRAND_THRESHOLD) if sure_only else threshold)


def training_set(
    nlu_texts: Iterable[str],
    corpus_dir: str | Path | None = None,
    extra_jsonl: Iterable[str | Path] = (),
) -> tuple[list[str], list[bool]]:
    """Texts and labels: the corpus, the NLU examples (labelled by ``nlu_urgent.yml``), extras."""
    urgent_nlu = load_nlu_labels(corpus_dir)
    pairs = load_corpus(corpus_dir)
    pairs += [(t, normalise(t) in urgent_nlu) for t in nlu_texts]
    for path in extra_jsonl:
        pairs += load_jsonl(path)
    seen: dict[str, bool] = {}
    for text, label in pairs:
        key = normalise(text)
        seen[key] = seen.get(key, False) or label
    texts = list(seen)
    return texts, [seen[t] for t in texts]
