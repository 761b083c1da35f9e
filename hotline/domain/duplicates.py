"""One ticket per problem (重复件合并): when a new report is the same problem as an open ticket.

Pure rules, no database: the rules from data/duplicates.yml, the place and text comparisons,
and the score that decides a link. The services layer finds the candidates and links.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from hotline.domain.places import place_key
from hotline.domain.problem_places import same_spot, spot
from hotline.domain.tickets import Action
from hotline.domain.yamlconf import read_yaml, validate

# (variant, its pattern with homophones, problem word) of every synonym, longest first
Folds = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, eq=False)
class Words:
    """One rule set's synonym folds, filler words and problem words, with the fold patterns
    compiled. Hashed by identity: the caches below key on it in constant time (hashing the
    268 folds as a tuple cost 4 µs on every cached call, for every candidate of a burst)."""

    folds: Folds = ()
    fillers: tuple[str, ...] = ()
    heads: tuple[str, ...] = ()

    @cached_property
    def exact(self) -> re.Pattern[str]:
        """Every listed spelling, as :func:`_fold_pattern` joins them."""
        return _fold_pattern(tuple(re.escape(v) for v, _, _ in self.folds))

    @cached_property
    def alike(self) -> re.Pattern[str]:
        """Every spelling with its homophones."""
        return _fold_pattern(tuple(p for _, p, _ in self.folds))


class DuplicateRules(BaseModel):
    """When two reports are one problem: same routing, same place, close in time, alike in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    window_hours: float = Field(default=24, gt=0, le=24 * 30)
    radius_m: float = Field(default=150, gt=0, le=5000)
    threshold: float = Field(default=0.2, ge=0, le=1)
    cross_category_threshold: float = Field(default=0.5, ge=0, le=1)
    # A burst: the same category at the same house number within these minutes is one problem
    # at this lower similarity (callers in a burst describe one event in unlike words).
    burst_minutes: float = Field(default=30, ge=0, le=24 * 60)
    burst_threshold: float = Field(default=0.0, ge=0, le=1)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)
    # Categories one problem is filed under by different callers (a burst main is also a
    # water cut): reports in one group compare as if they had the same category.
    related_categories: list[list[str]] = Field(default_factory=list)
    # Problem words (synonym heads) that name different problems of one kind: two reports
    # naming different words of one group are two problems however alike the rest is
    # (停水 and 水质差 at one building; 燃气泄漏 and 停气). A report naming several is taken
    # by the last (the most specific: "水压不行，基本没水" is low pressure).
    distinct: list[list[str]] = Field(default_factory=list)
    # Two reports naming one problem word (a synonym head) score at least this.
    concept_score: float = Field(default=0.0, ge=0, le=1)
    # Problem words too broad to tell a misfiled report by (施工, 垃圾, "坑" also "被坑了"):
    # they count within one category, never to link across two.
    broad: list[str] = Field(default_factory=list)
    # Reports filed under two unrelated categories at one precise spot that name the same
    # problem word: one problem misfiled, linked at this score; above 1 never.
    other_category_threshold: float = Field(default=1.01, ge=0, le=1.01)
    # Characters of one sound typed for each other by input methods (停/挺/亭, 水/睡/税):
    # a synonym (or its head) read with any of them in its place is still that word.
    homophones: list[str] = Field(default_factory=list)

    @field_validator("synonyms")
    @classmethod
    def _words_not_empty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for word, variants in value.items():
            if not word.strip() or any(not v.strip() for v in variants):
                raise ValueError(f"empty word in synonyms of {word!r}")
        return value

    # (variant, its pattern with homophones, word) longest first, filler words, heads: built once
    _words: Words = PrivateAttr(default_factory=Words)

    @model_validator(mode="after")
    def _words_are_heads(self) -> DuplicateRules:
        """distinct and broad name problem words: heads of synonyms."""
        for word in [w for group in self.distinct for w in group] + self.broad:
            if word not in self.synonyms:
                raise ValueError(f"{word!r} is no synonyms head")
        return self

    def model_post_init(self, context: object, /) -> None:
        """Prepare the replacement tables the text comparison runs for every candidate."""
        sound: dict[str, str] = {}  # a character in two groups sounds like both
        for group, c in ((g, c) for g in self.homophones for c in g):
            sound[c] = sound.get(c, "") + group

        def pattern(variant: str) -> str:
            return "".join(
                f"[{re.escape(sound[c])}]" if c in sound else re.escape(c) for c in variant
            )

        pairs = {(v, word) for word, variants in self.synonyms.items() for v in (*variants, word)}
        ordered = sorted(pairs, key=lambda p: (-len(p[0]), p[0]))
        self._words = Words(
            folds=tuple((v, pattern(v), word) for v, word in ordered),
            fillers=tuple(sorted(self.ignore, key=len, reverse=True)),
            heads=tuple(self.synonyms),
        )

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    def related(self, a: str | None, b: str | None) -> bool:
        """The same category, or two categories of one related group."""
        if a is None or b is None:
            return False
        return a == b or any(a in group and b in group for group in self.related_categories)


OFF = DuplicateRules(enabled=False)

# What a citizen linked to another's ticket may do on it: chase, add to it, rate the answer
# (不满意 reopens it for all). Withdrawing or amending stays with the ticket's own citizen.
REPORTER_ACTIONS = frozenset({Action.CHASE, Action.ADD_INFORMATION, Action.RATE, Action.REOPEN})


def load_duplicate_rules(path: Path, known_categories: set[str] | None = None) -> DuplicateRules:
    """Read and validate data/duplicates.yml; errors name file and line, including a related
    category the catalogue does not know."""
    doc = read_yaml(path)
    rules = validate(doc, DuplicateRules)
    if known_categories is not None:
        for i, group in enumerate(rules.related_categories):
            for j, code in enumerate(group):
                if code not in known_categories:
                    raise doc.error(["related_categories", i, j], f"unknown category {code!r}")
    return rules


@dataclass(frozen=True)
class Report:
    """What the comparison needs of a report or of an open ticket."""

    category: str | None
    department: str | None
    description: str
    address: str | None
    latitude: float | None = None
    longitude: float | None = None
    at: datetime | None = None


_NOISE = re.compile(r"[\s\d，。！？、,.!?：:；;（）()“”\"'~…—-]+")


# Leading administrative areas ("朝阳区", "江苏省淮安市") that callers add or leave out; not
# "小区", "社区", "园区", "景区", "校区", "市场".
_AREA = re.compile(r"^(?:[\u4e00-\u9fa5]{1,6}?(?:省|市(?!场)|(?<![小社园景校])区|县))+")


def problem_place(address: str | None) -> str | None:
    """The road, compound, landmark or crossing of an address without the area before it:
    "朝阳区幸福路12号" and "幸福路12号" are one place, "人民路与解放路交叉口" and "解放路人民路路口"
    another."""
    if not address:
        return None
    found = spot(address)
    if found is not None and found.key is not None:
        return found.key[:60]
    return place_key(_AREA.sub("", address.strip()) or address)


def lock_key(department: str | None, category: str | None, address: str | None) -> str | None:
    """The key concurrent reports of one problem serialise on: routing target and place
    (the whole road or compound); None when the report has no place to link by."""
    scope = department or category
    place = problem_place(address)
    if scope is None or place is None:
        return None
    return f"{scope}|{place}"[:120]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def same_place(new: Report, old: Report, rules: DuplicateRules) -> bool:
    """Within the radius when both have coordinates; otherwise the same road or compound and,
    when both name one, the same house number."""
    if None not in (new.latitude, new.longitude, old.latitude, old.longitude):
        return (
            distance_m(new.latitude, new.longitude, old.latitude, old.longitude)  # type: ignore[arg-type]
            <= rules.radius_m
        )
    a, b = spot(new.address), spot(old.address)
    return a is not None and b is not None and same_spot(a, b)


def _normalise(text: str, address: str | None, rules: DuplicateRules) -> str:
    """The words that describe the problem: without the place, filler words and punctuation,
    with synonyms folded onto one word."""
    return _problem_words(text, address, rules._words)


@lru_cache(maxsize=8192)
def _problem_words(text: str, address: str | None, words: Words) -> str:
    """Cached: an open ticket's words are compared with every report of its burst."""
    out = _folded(text, address, words)
    for word in words.fillers:
        out = out.replace(word, " ")
    return _NOISE.sub(" ", out).strip()


@lru_cache(maxsize=8192)
def _folded(text: str, address: str | None, words: Words, sounds: bool = True) -> str:
    """The description without its place, synonyms folded onto their problem word."""
    out = text
    for part in (address, place_key(address), problem_place(address)):
        if part:
            out = out.replace(part, " ")
    return _fold(out, words, sounds) if words.folds else out


def _fold(text: str, table: Words, sounds: bool) -> str:
    """Every synonym onto its problem word, in one left-to-right pass taking the longest
    match: listed spellings, and homophone ones that no listed word at least as long
    overlaps (so "六楼水上不来" keeps 水上不来 rather than reading 楼水 as 漏水, while
    "红录灯不亮" reads 红绿灯不亮, not 灯不亮)."""
    words = [word for _, _, word in table.folds]
    exact, alike = table.exact, table.alike
    listed: dict[int, tuple[int, str]] = {}
    heard: dict[int, tuple[int, str]] = {}
    for found_at, pattern in ((listed, exact), (heard, alike) if sounds else (heard, None)):
        if pattern is None:
            continue
        for start in range(len(text)):
            found = pattern.match(text, start)  # the longest variant matching here
            if found is not None:
                found_at[start] = (found.end(), words[(found.lastindex or 1) - 1])
    for start, (end, _) in list(heard.items()):
        if any(s < end and start < e and e - s >= end - start for s, (e, _) in listed.items()):
            del heard[start]
    out, at, i = [], 0, 0
    while i < len(text):
        options = [x for x in (listed.get(i), heard.get(i)) if x is not None]
        if not options:
            i += 1
            continue
        end, word = max(options, key=lambda x: x[0])  # listed first on a tie (max is stable)
        out += [text[at:i], word]
        at = i = end
    return "".join(out) + text[at:]


@lru_cache(maxsize=16)
def _fold_pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """All synonym variants as one alternation of groups, longest first (the group says which)."""
    return re.compile("|".join(f"({p})" for p in patterns))


@lru_cache(maxsize=8192)
def _grams(text: str) -> frozenset[str]:
    """The character bigrams of each chunk (a lone character stands for itself)."""
    grams: set[str] = set()
    for chunk in text.split():
        if len(chunk) == 1:
            grams.add(chunk)
        grams.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return frozenset(grams)


_SPOKEN = re.compile(r"(?<=[\u4e00-\u9fff])[啊呀嘛哦呢啦哈嘞](?=[\u4e00-\u9fff])")


def problem_words(report: Report, rules: DuplicateRules, sounds: bool = True) -> frozenset[str]:
    """The problem words (synonym heads) a report names once its words are folded; with
    sounds=False only as listed, not typed with homophones."""
    return _named(report.description, report.address, rules._words, sounds)


@lru_cache(maxsize=8192)
def _named(text: str, address: str | None, words: Words, sounds: bool) -> frozenset[str]:
    """Cached: a ticket's words are read for every report at its spot."""
    folded = _folded(text, address, words, sounds)
    # spoken fillers inside a phrase ("水啊特别小") hide the word; read it without them too
    plain = _SPOKEN.sub("", text)
    if plain != text:
        folded += " " + _folded(plain, address, words, sounds)
    return frozenset(head for head in words.heads if head in folded)


def _apart(a: frozenset[str], b: frozenset[str], rules: DuplicateRules) -> bool:
    """Whether the two reports name different problems of one distinct group."""
    for group in rules.distinct:
        left = [w for w in group if w in a]
        right = [w for w in group if w in b]
        if left and right and left[-1] != right[-1]:  # the most specific word each names
            return True
    return False


def text_similarity(new: Report, old: Report, rules: DuplicateRules) -> float:
    """How much of the shorter description's character bigrams the other one shares (the
    overlap coefficient, 0..1): callers say the same thing at very different lengths."""
    a = _grams(_normalise(new.description, new.address, rules))
    b = _grams(_normalise(old.description, old.address, rules))
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def match_score(new: Report, old: Report, rules: DuplicateRules) -> float | None:
    """How alike two reports are, or None when they cannot be one problem (other routing,
    other place, too far apart in time, or words too different)."""
    if not rules.enabled:
        return None
    if new.at is not None and old.at is not None and abs(new.at - old.at) > rules.window:
        return None
    same_category = rules.related(new.category, old.category)
    misfiled = not same_category and None not in (new.category, old.category)
    if misfiled and rules.other_category_threshold > 1:
        return None  # classified apart: two problems (a dispatcher may still merge them)
    if (
        not same_category
        and not misfiled
        and (new.department is None or new.department != old.department)
    ):
        return None
    if not same_place(new, old, rules):
        return None
    words_new, words_old = problem_words(new, rules), problem_words(old, rules)
    if _apart(words_new, words_old, rules):
        return None
    score = text_similarity(new, old, rules)
    if misfiled:  # one problem under two categories only at one precise spot, same words
        words_new, words_old = problem_words(new, rules, False), problem_words(old, rules, False)
        if not (words_new & words_old).difference(rules.broad) or not _precise(new, old):
            return None
        if words_new == words_old:  # they name the very same problem(s) and nothing else
            return max(score, rules.concept_score)
        return score if score >= rules.other_category_threshold else None
    if words_new & words_old:
        score = max(score, rules.concept_score)
    needed = rules.threshold if same_category else rules.cross_category_threshold
    if same_category and _burst(new, old, rules):
        needed = min(needed, rules.burst_threshold)
    return score if score >= needed else None


def _burst(new: Report, old: Report, rules: DuplicateRules) -> bool:
    """Close in time at one precise place: both name the same house number (or both carry
    coordinates) and arrive within burst_minutes."""
    if (
        new.at is None
        or old.at is None
        or abs(new.at - old.at) > timedelta(minutes=rules.burst_minutes)
    ):
        return False
    return _precise(new, old)


def _precise(new: Report, old: Report) -> bool:
    """Both carry coordinates, or both name one house number, crossing or landmark (a spot,
    not a whole road or compound); same_place has said they are the same one."""
    if None not in (new.latitude, old.latitude):
        return True
    a, b = spot(new.address), spot(old.address)
    return a is not None and b is not None and a.precise and b.precise


def best_match(
    new: Report, candidates: list[tuple[int, Report]], rules: DuplicateRules
) -> int | None:
    """The id of the most alike candidate, or None when none is the same problem.

    A ticket's first profile is its own report: when it names a distinct problem from the
    new one, what linked callers said cannot bring the two together."""
    best: tuple[float, int] | None = None
    words = problem_words(new, rules)
    barred: set[int] = set()
    seen: set[int] = set()
    for ident, old in candidates:
        if ident not in seen:
            seen.add(ident)
            if _apart(words, problem_words(old, rules), rules):
                barred.add(ident)
        if ident in barred:
            continue
        score = match_score(new, old, rules)
        if score is not None and (best is None or score > best[0]):
            best = (score, ident)
    return best[1] if best else None
