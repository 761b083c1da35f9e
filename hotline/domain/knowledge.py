"""The knowledge base of policy answers (data/knowledge.yml) and a small retriever over it.

Consultations (咨询) are answered here instead of becoming tickets. Retrieval is TF-IDF over
character 1–2-grams of the citizens' phrasings, best phrasing per group: Chinese needs no word
segmentation for that, it costs well under a millisecond for ~800 phrasings, and it keeps the
knowledge base out of the routing model (training it into the intent classifier cost 5 points
of department accuracy). A question's words typed as they sound (a homophone typo, pinyin) are
first respelled as the knowledge base spells them (:meth:`KnowledgeBase.spelled`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from hotline.domain.catalogue import Catalogue, _Strict
from hotline.domain.yamlconf import read_yaml, validate

_NOISE = re.compile(r"[\s，。！？、,.!?；;：:“”\"'（）()【】\[\]…~～]+")
_STOP = set("的了吗呢吧啊呀么我你您请问下一个是有在")
# Citizens' spellings of a topic → the knowledge base's, so a typo or a plainer name still
# shares the topic's grams (the knowledge base cannot list every homophone in every phrasing).
_CANON = {
    "俺": "我",
    "咱": "我",
    "最低生活保障": "低保",
    "困难生活保障金": "低保",  # a letter's words for 低保 ("按月领取的困难生活保障金")
    "生活保障金": "低保",
    "低宝": "低保",
    "低包": "低保",
    "义地": "异地",
    "易地": "异地",
    "托官": "托管",
    "拖管": "托管",
    "暑托": "暑期托管",
    "辅据": "辅具",
    "辅助器具": "辅具",
    "康复器械": "康复辅具",
    "家庭医师": "家庭医生",
    "签约医生": "家庭医生",
    "退伍": "退役",
    "老兵": "退役军人",
    "当过兵": "退役军人",
    "五保": "特困",
    "长者饭堂": "老年食堂",
    "长者食堂": "老年食堂",
    "老人饭堂": "老年食堂",
    "老年饭堂": "老年食堂",
    "老人食堂": "老年食堂",
    "老年助餐点": "老年助餐点",  # already the KB's word: keeps canonical() idempotent
    "助餐点": "老年助餐点",
    "入会": "加入工会",  # "那我得先入会才能报吧": joining the union
    "用餐": "吃饭",  # a letter's words for a meal (老年人用餐之处, 前往就餐)
    "就餐": "吃饭",
    "身体检查": "体检",
    "检查身体": "体检",
    "烈士遗属": "烈属",
    "烈士家属": "烈属",
    "社宝": "社保",
    "医宝": "医保",
    "一宝": "医保",  # voice input: 一宝卡 is 医保卡
    "一保卡": "医保卡",
    "一包卡": "医保卡",  # a pinyin slip (yi bao)
    "退修": "退休",
    "家廷": "家庭",
    "扶具": "辅具",
    "救住站": "救助站",
    "租凭": "租赁",
    "地保": "低保",
    "底保": "低保",
    "街到": "街道",
    "社曲": "社区",
    "退五": "退役",
    "优会": "优惠",
    "体捡": "体检",
    "报消": "报销",
    "保销": "报销",
    "申清": "申请",
    "伸请": "申请",
    "才料": "材料",
    "手绪": "手续",
    "康付": "康复",
    "就助站": "救助站",
    "门珍": "门诊",
    # a letter's register read as everyday words ("应向何处申请，须备何种材料，补贴额度几何")
    "何处": "哪里",
    "何种": "什么",
    "几何": "多少",
    "需时": "要多久",
    "须备": "要带",
    "去岁": "去年",
    "鄙人": "我",
    "登门": "上门",
    "救急": "临时救助",  # "政府有一次性救急的钱"
    "么子": "什么",  # Southwestern, Hunan and Hubei speech typed as spoken
    "咋个": "怎么",
    "莫得": "没有",
    "冇得": "没有",
    "娭毑": "奶奶",
    "搞什么": "做什么",
    "12345": "政务热线",  # the hotline by its number; other numbers name no topic
    "会弗会": "会不会",  # Wu speech: 弗 is 不
    "要弗要": "要不要",
    "有弗有": "有没有",
    "忧惠": "优惠",
    "gp": "家庭医生",  # English words mixed in
    "family doctor": "家庭医生",
    "meal delivery": "送餐",
}
_CANON_RE = re.compile("|".join(sorted(map(re.escape, _CANON), key=len, reverse=True)))
# How much the whole group (title, every phrasing, the answer) counts beside its closest
# phrasing when groups are ranked: a new wording rarely matches one phrasing well, but its
# topic words are spread over the group.
_GROUP_WEIGHT = 0.35
# How much the group's topic (its category: all its groups' phrasings together) counts: a
# topic word such as 低保 is spread over the topic's groups, while a chance word such as 老头
# sits in one phrasing of an unrelated group.
_TOPIC_WEIGHT = 0.3
# A question that names a group's title words (低保 in "低保申请条件") leans to that group over
# a neighbour it only resembles (临时救助 for "突然生了重病 能不能申请低保").
_TITLE_BONUS = 0.05
# Characters of how a question is asked, not of what it is about: a bigram with one of them
# ("怎办", "要带", "找谁") never anchors a question to a topic.
_ASKING = set(
    "怎么咋啥什哪谁几多少些按能可以要需带办申请报领交去找问吗呢吧不没是还想再就都也久长钱费收啊呀嘛哦给让把被"
)
_ASKING_WORDS = frozenset(  # two characters each
    re.findall(
        "..",
        "条件材料手续流程资料东西时候时间标准联系政策部门单位情况问题地方现在今年明年一般具体"
        "电话号码该打热线"  # how to reach someone, not what about: "电梯困人了该打哪个电话"
        "登记审批这种种情"  # procedures every topic has, and "这种情况" read across its words
        "应该如果"  # how a question is put, never what it is about
        "处理受理"  # what any office does to a case, not a subject (护理 and 管理 are)
        "紧急着急过期",  # how urgent or stale, not what about ("紧急紧急！今晚吃啥？", 牛奶过期)
    )
)
# How close in meaning a text is to each group (cosine, -1..1), from a sentence encoder the
# adapters provide (hotline/adapters/meaning.py); the domain only weighs it.
Closeness = Callable[[str], Mapping[str, float]]
# Meaning orders the groups the words found, never admits one: the lexical score still
# decides whether a question is answered at all. Closeness below the floor counts nothing;
# the share and floor were chosen on the older consultation sets (bench/kb_eval/README.md,
# *Meaning*): right group +8 of 440, questions off the knowledge base answered 15 -> 11.
MEANING_SHARE = 0.2
MEANING_FLOOR = 0.3

# A bigram found in more groups than this is too common to name a topic…
_ANCHOR_MAX_GROUPS = 15
# …unless those groups belong to this few topics: 低保 is in the phrasings of every 低保 group
# and a few neighbours, and still names one subject.
_ANCHOR_MAX_TOPICS = 6


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
    # Subjects citizens ask about that no group answers (公积金, 驾照 …): a question naming one
    # is never answered from a group that merely shares a word with it (贷款, 体检, 津贴).
    not_covered: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The best knowledge-base group for a question, and how close the closest phrasing was."""

    group: str
    title: str
    text: str
    department: str | None
    category: str | None
    score: float


def canonical(text: str) -> str:
    """The text with citizens' spellings of a topic replaced by the knowledge base's."""
    return _CANON_RE.sub(lambda m: _CANON[m.group(0)], text.lower())


def _grams(text: str) -> Counter[str]:
    chars = [c for c in _NOISE.sub("", canonical(text)) if c not in _STOP]
    grams: Counter[str] = Counter(chars)
    grams.update(a + b for a, b in itertools.pairwise(chars))
    return grams


# A homophone is read as the knowledge base's word only if that word is this common in it
# (pinyin, which says only how a word sounds, as soon as the word is there twice).
_SPELLED_MIN = 10
_HAN = re.compile(r"[\u4e00-\u9fff]")


_UNIT = re.compile(r"[a-z]+|[\u4e00-\u9fff]")


@dataclass
class _Unit:
    """A Chinese character or a Latin word of a question, with how it sounds (pinyin)."""

    start: int
    end: int
    said: str
    sound: str = ""

    def __post_init__(self) -> None:
        if not self.chinese:
            self.sound = self.said  # pinyin typed is its own sound

    @property
    def chinese(self) -> bool:
        return not self.said.isascii()


def _sounds(text: str) -> list[tuple[str, str]]:
    """Each Chinese character of `text` with its toneless pinyin, in order, others dropped."""
    from pypinyin import lazy_pinyin

    chars = [c for c in text if _HAN.match(c)]
    han = "".join(chars)
    return list(zip(chars, lazy_pinyin(han), strict=True)) if han else []


def _clip(text: str) -> str:
    """A long letter's opening and its end, where citizens put what they ask."""
    return text if len(text) <= 500 else f"{text[:200]} {text[-300:]}"


class KnowledgeBase:
    """Question groups and their answers; `match` finds the group a citizen's question is in."""

    def __init__(self, groups: tuple[GroupSpec, ...], not_covered: tuple[str, ...] = ()) -> None:
        self.groups = {g.id: g for g in groups}
        self.closeness: Closeness | None = None  # set by the adapters when an encoder is there
        self.not_covered = not_covered
        self._asked_text = {g.id: " ".join((g.title, *g.questions)) for g in groups}
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
        # Topic words come from the title and phrasings: answers repeat general words.
        self._group_grams = {
            g.id: frozenset(_grams(" ".join((g.title, *g.questions)))) for g in groups
        }
        self._group_df: Counter[str] = Counter()
        for phrasing_grams in self._group_grams.values():
            self._group_df.update(phrasing_grams)
        self._title_words = {g.id: self._topic_words(_grams(g.title)) for g in groups}
        self._topic_of = {g.id: g.category or g.id for g in groups}
        self._gram_topics: dict[str, set[str]] = defaultdict(set)
        for group_id, phrasing_grams in self._group_grams.items():
            for gram in phrasing_grams:
                self._gram_topics[gram].add(self._topic_of[group_id])
        topic_grams: dict[str, Counter[str]] = defaultdict(Counter)
        for g in groups:
            for text in (g.title, *g.questions):
                topic_grams[self._topic_of[g.id]].update(_grams(text))
        topic_df: Counter[str] = Counter()
        for grams in topic_grams.values():
            topic_df.update(grams.keys())
        n_topics = len(topic_grams)
        self._topic_idf = {
            gram: math.log((1 + n_topics) / (1 + count)) + 1.0 for gram, count in topic_df.items()
        }
        self._topic_vectors = {
            topic: self._weights(grams, self._topic_idf) for topic, grams in topic_grams.items()
        }
        self._by_sound = self._sound_index(groups)
        self._titled = frozenset().union(*self._title_words.values())
        self._group_vectors = {
            g.id: self._weights(_grams(" ".join((g.title, *g.questions, g.answer)))) for g in groups
        }

    def _sound_index(self, groups: tuple[GroupSpec, ...]) -> dict[str, Counter[str]]:
        """Topic words of the phrasings (and citizens' spellings) by sound: "di bao" → 低保."""
        index: dict[str, Counter[str]] = defaultdict(Counter)
        texts = itertools.chain((t for g in groups for t in (g.title, *g.questions)), _CANON)
        for text in texts:
            for (a, pa), (b, pb) in itertools.pairwise(_sounds(text)):
                if self._topic_words((a + b,)) and not {a, b} & _STOP:
                    index[f"{pa} {pb}"][a + b] += 1
        return index

    def spelled(self, text: str) -> str:
        """The text with a word spelled as the knowledge base spells it where it sounds the
        same: a homophone typo ("申请滴保") or pinyin ("song fan shang men", "ti jian").

        A Chinese pair is respelled only into a title word common in the knowledge base, when
        the pair itself is no word of it, one character stays and the changed one forms no
        known word with its other neighbour ("老父亲" stays); pinyin pairs need only the sound.
        """
        text = canonical(text)
        units = [_Unit(m.start(), m.end(), m.group(0)) for m in _UNIT.finditer(text)]
        chinese = [u for u in units if u.chinese]
        if chinese:
            from pypinyin import lazy_pinyin

            for unit, sound in zip(
                chinese, lazy_pinyin("".join(u.said for u in chinese)), strict=True
            ):
                unit.sound = sound
        # the respelling that renames the most (by how common the words are), left to right
        n = len(units)
        gain = [0.0] * (n + 1)
        take: list[str | None] = [None] * (n + 1)
        for i in range(n - 2, -1, -1):
            gain[i] = gain[i + 1]
            found = self._respelled(text, units, i)
            if found and found[1] + gain[i + 2] > gain[i]:
                gain[i], take[i] = found[1] + gain[i + 2], found[0]
        out: list[str] = []
        last = i = 0
        while i < n:
            word = take[i]
            if word is None:
                i += 1
                continue
            out.append(text[last : units[i].start] + canonical(word))
            last = units[i + 1].end
            i += 2
        out.append(text[last:])
        return "".join(out)

    def _respelled(self, text: str, units: list[_Unit], i: int) -> tuple[str, float] | None:
        """The knowledge base's word for units i and i+1 and how common it is, if they sound
        like one (see :meth:`spelled`)."""
        first, second = units[i], units[i + 1]
        if text[first.end : second.start].strip():
            return None
        heard = self._by_sound.get(f"{first.sound} {second.sound}")
        if not heard:
            return None
        best, count = heard.most_common(1)[0]
        if first.chinese != second.chinese or count < 2:
            return None
        if first.chinese:
            said = first.said + second.said
            if (
                best not in self._titled
                or said in self._group_df
                or set(said) & (_STOP | _ASKING)
                or count < _SPELLED_MIN
                or (best[0] != said[0] and best[1] != said[1])
            ):
                return None
            # the changed character and its other neighbour: a known word stays ("父亲")
            j, changed = (i - 1, first) if best[0] != said[0] else (i + 2, second)
            if 0 <= j < len(units) and units[j].chinese:
                pair = units[j].said + changed.said if j < i else changed.said + units[j].said
                if pair in self._group_df:
                    return None
        return best, math.log(1 + count)

    def _weights(
        self, grams: Counter[str], idf: dict[str, float] | None = None
    ) -> dict[str, float]:
        idf = self._idf if idf is None else idf
        raw = {g: (1 + math.log(c)) * idf[g] for g, c in grams.items() if g in idf}
        norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
        return {g: w / norm for g, w in raw.items()}

    def rank(
        self, question: str, *, among: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """Groups by similarity to `question`, best first: closest phrasing plus whole group.

        A new wording rarely repeats one phrasing, so the group's words as a whole (title,
        phrasings, answer) count too; `among` limits the ranking to those group ids.
        """
        grams = _grams(_clip(question))
        query = self._weights(grams)
        topic_query = self._weights(grams, self._topic_idf)
        topic_scores = {
            topic: sum(w * vector.get(g, 0.0) for g, w in topic_query.items())
            for topic, vector in self._topic_vectors.items()
        }
        best: dict[str, float] = defaultdict(float)
        per_doc: dict[int, float] = defaultdict(float)
        for gram, weight in query.items():
            for index, doc_weight in self._postings.get(gram, ()):
                per_doc[index] += weight * doc_weight
        for index, score in per_doc.items():
            owner = self._owner[index]
            if among is None or owner in among:
                best[owner] = max(best[owner], score)
        ranked: list[tuple[str, float, float]] = []
        for group_id, closest in best.items():
            vector = self._group_vectors[group_id]
            whole = sum(w * vector.get(g, 0.0) for g, w in query.items())
            topic = topic_scores[self._topic_of[group_id]]
            score = (
                (1 - _GROUP_WEIGHT - _TOPIC_WEIGHT) * closest
                + _GROUP_WEIGHT * whole
                + _TOPIC_WEIGHT * topic
            )
            named = _TITLE_BONUS if self._title_words[group_id] & grams.keys() else 0.0
            ranked.append((group_id, round(score, 4), named))
        ranked.sort(key=lambda entry: -(entry[1] + entry[2]))  # the bonus orders, never admits
        return [(group_id, score) for group_id, score, _ in ranked]

    def meaning(self, text: str) -> dict[str, float]:
        """Each group's closeness in meaning to ``text`` above the floor, scaled to 0..1;
        empty without an encoder."""
        if self.closeness is None:
            return {}
        return {
            group_id: max(0.0, cosine - MEANING_FLOOR) / (1 - MEANING_FLOOR)
            for group_id, cosine in self.closeness(text).items()
        }

    def rank_readings(self, *readings: str) -> list[tuple[str, float]]:
        """Groups ranked on several readings of one message, each at its best score: a story
        names the topic ("我婆婆中风了…") while its asking sentence says only "要怎么弄"."""
        readings = tuple(dict.fromkeys(readings))
        best: dict[str, float] = {}
        for reading in readings:
            for group_id, score in self.rank(reading):
                best[group_id] = max(score, best.get(group_id, 0.0))
        grams = [_grams(_clip(reading)).keys() for reading in readings]

        def order(entry: tuple[str, float]) -> float:
            named = any(self._title_words[entry[0]] & said for said in grams)
            return -(entry[1] + (_TITLE_BONUS if named else 0.0))

        ranked = sorted(best.items(), key=order)
        if self.closeness is None or not ranked:
            return ranked
        near = self.meaning(readings[0])

        def blended(entry: tuple[str, float]) -> float:
            return -((1 - MEANING_SHARE) * entry[1] + MEANING_SHARE * near.get(entry[0], 0.0))

        return sorted(ranked, key=blended)

    @staticmethod
    def _topic_words(grams: Collection[str]) -> frozenset[str]:
        """The bigrams that say what a text is about, not how it asks."""
        return frozenset(
            g
            for g in grams
            if len(g) == 2
            and not _ASKING & set(g)
            and g not in _ASKING_WORDS
            and not g.isdigit()  # "12" of "人民路12号" is no 12345热线
        )

    def anchors(self, question: str, group_id: str) -> frozenset[str]:
        """Topic words (rare bigrams, not question words) the question shares with a group.

        Without one, a high score only means the question is asked the same way ("要带什么材料"),
        not that it is about the group's topic.
        """
        return frozenset(
            gram
            for gram in self._topic_words(_grams(_clip(question)))
            if gram in self._group_grams[group_id]
            and (self._group_df[gram] <= _ANCHOR_MAX_GROUPS or self._of_few_topics(gram))
        )

    def _of_few_topics(self, gram: str) -> bool:
        """Whether the phrasings that use the word belong to few topics (低保, not 材料)."""
        return len(self._gram_topics[gram]) <= _ANCHOR_MAX_TOPICS

    def shared_words(self, question: str, among: Collection[str]) -> frozenset[str]:
        """Bigrams of `question` (not question words) found in the phrasings of `among`."""
        grams = frozenset().union(*(self._group_grams[g] for g in among))
        return self._topic_words(_grams(_clip(question))) & grams

    def uncovered_subject(self, question: str, group_id: str) -> str | None:
        """A subject the question names that the group is not about (公积金 → 公租房: no)."""
        return next(
            (w for w in self.not_covered if w in question and w not in self._asked_text[group_id]),
            None,
        )

    def named_title_words(self, question: str, group_id: str) -> frozenset[str]:
        """The group's title words (低保, 异地, 老年) that the question says."""
        return self._title_words[group_id] & _grams(_clip(question)).keys()

    def names(self, question: str, group_id: str) -> bool:
        """Whether the question names the group's title words (低保, 异地就医, 暑期托管)."""
        return bool(self.named_title_words(question, group_id))

    def names_topic(self, question: str, group_id: str) -> bool:
        """Whether the question names a title word of the group that few topics use (低保,
        异地就医), not one many topics share (大学, 老人)."""
        return any(map(self._of_few_topics, self.named_title_words(question, group_id)))

    def answer(self, group_id: str, score: float) -> Answer:
        """The answer of one group, carrying the score that chose it."""
        group = self.groups[group_id]
        return Answer(
            group=group.id,
            title=group.title,
            text=group.answer,
            department=group.department,
            category=group.category,
            score=round(score, 4),
        )

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
        return self.answer(self._owner[index], score)


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
    for i, word in enumerate(spec.not_covered):
        covering = [g.id for g in spec.groups if word in " ".join((g.title, *g.questions))]
        if len(word) < 2 or covering:
            raise doc.error(
                ("not_covered", i), f"{word!r} is asked about in group(s) {covering}: not uncovered"
            )
    return KnowledgeBase(spec.groups, spec.not_covered)
