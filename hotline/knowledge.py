"""The knowledge base of policy answers (data/knowledge.yml) and a small retriever over it.

Consultations (咨询) are answered here instead of becoming tickets. Retrieval is TF-IDF over
character 1–2-grams of the citizens' phrasings, best phrasing per group: Chinese needs no word
segmentation for that, it costs well under a millisecond for ~800 phrasings, and it keeps the
knowledge base out of the routing model (training it into the intent classifier cost 5 points
of department accuracy).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from hotline.catalogue import Catalogue, _Strict
from hotline.yamlconf import read_yaml, validate

_NOISE = re.compile(r"[\s，。！？、,.!?；;：:“”\"'（）()【】\[\]…~～]+")
_STOP = set("的了吗呢吧啊呀么我你您请问下一个是有在")


class GroupSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    department: str | None = None
    category: str | None = None
    answer: str = Field(min_length=1)
    source: str = Field(min_length=1)
    questions: tuple[str, ...] = Field(min_length=1)


class KnowledgeFile(_Strict):
    groups: tuple[GroupSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Answer:
    """The best knowledge-base group for a question, and how close the closest phrasing was."""

    group: str
    title: str
    text: str
    department: str | None
    category: str | None
    score: float


def _grams(text: str) -> Counter[str]:
    chars = [c for c in _NOISE.sub("", text.lower()) if c not in _STOP]
    grams: Counter[str] = Counter(chars)
    grams.update(a + b for a, b in itertools.pairwise(chars))
    return grams


class KnowledgeBase:
    """Question groups and their answers; `match` finds the group a citizen's question is in."""

    def __init__(self, groups: tuple[GroupSpec, ...]) -> None:
        self.groups = {g.id: g for g in groups}
        docs = [(g.id, _grams(q)) for g in groups for q in g.questions]
        df: Counter[str] = Counter()
        for _, grams in docs:
            df.update(grams.keys())
        n = len(docs)
        self._idf = {gram: math.log((1 + n) / (1 + count)) + 1.0 for gram, count in df.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._owner: list[str] = []
        for index, (group_id, grams) in enumerate(docs):
            weights = self._weights(grams)
            for gram, weight in weights.items():
                self._postings[gram].append((index, weight))
            self._owner.append(group_id)

    def _weights(self, grams: Counter[str]) -> dict[str, float]:
        raw = {
            g: (1 + math.log(c)) * self._idf.get(g, 0.0) for g, c in grams.items() if g in self._idf
        }
        norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
        return {g: w / norm for g, w in raw.items()}

    def match(
        self, question: str, *, category: str | None = None, department: str | None = None
    ) -> Answer | None:
        """The group whose phrasing is most similar to `question` (cosine), or None.

        With a category or department (what the routing model said), only that topic's groups
        compete: generic words like 申请/条件/怎么办 then cannot pull in another topic.
        """
        allowed = {
            g.id
            for g in self.groups.values()
            if (category is None or g.category == category)
            and (department is None or g.department == department)
        }
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in self._weights(_grams(question[:500])).items():
            for index, doc_weight in self._postings.get(gram, ()):
                if self._owner[index] in allowed:
                    scores[index] += weight * doc_weight
        if not scores:
            return None
        index, score = max(scores.items(), key=lambda kv: kv[1])
        group = self.groups[self._owner[index]]
        return Answer(
            group=group.id,
            title=group.title,
            text=group.answer,
            department=group.department,
            category=group.category,
            score=round(score, 4),
        )


def load_knowledge(path: Path, catalogue: Catalogue | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base; unknown codes are errors naming file and line."""
    doc = read_yaml(path)
    spec = validate(doc, KnowledgeFile)
    if catalogue is not None:
        for i, group in enumerate(spec.groups):
            if group.department is not None and group.department not in catalogue.departments:
                raise doc.error(
                    ("groups", i, "department"), f"unknown department {group.department!r}"
                )
            if group.category is not None and group.category not in catalogue.categories:
                raise doc.error(("groups", i, "category"), f"unknown category {group.category!r}")
    return KnowledgeBase(spec.groups)
