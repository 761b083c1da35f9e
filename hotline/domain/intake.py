"""Intake rules of the citizen conversation: routing a parse, safety advice, contact phones,
several problems in one message. Pure functions, so every channel and the tests share them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hotline.domain.catalogue import Catalogue

# Below this summed department confidence the citizen chooses among the top three.
ROUTE_THRESHOLD = 0.45
SKIP = "none"  # the phone slot's value when the citizen prefers not to leave a number

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")

# Safety advice keys of data/catalogue.yml chosen by what the citizen wrote, for urgent
# requests whose category has no advice of its own (a gas smell classified as a complaint).
_ADVICE_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gas", ("燃气", "煤气", "天然气", "液化气", "臭鸡蛋")),
    ("elevator", ("电梯",)),
    ("crime", ("打人", "打架", "持刀", "拿刀", "砍", "抢劫", "抢东西", "家暴", "偷", "砸", "绑")),
    ("medical", ("晕倒", "昏迷", "受伤", "流血", "摔倒", "抽搐", "不省人事", "喘不上气")),
    ("collapse", ("塌", "坍", "裂缝")),
    ("flooding", ("爆管", "积水", "淹", "水管爆", "漏电", "电线掉")),
    ("person_at_risk", ("走失", "跳楼", "轻生", "自杀", "独居")),
)
_GENERIC_ADVICE = "如有人身危险，请立即拨打110、119或120。"

_SPLIT = re.compile(
    r"(?:[。；;！!？?\n]+|(?:，|,)?(?:另外|还有就是|还有|此外|再一个|另一个问题|第二个问题|顺便反映一下|顺便说一下))"
)


@dataclass(frozen=True)
class Choice:
    """One department the citizen may pick when the model is unsure."""

    department: str
    category: str
    confidence: float


@dataclass(frozen=True)
class Routing:
    """Where a parsed request goes; `sure` is False when the citizen should choose."""

    category: str | None
    department: str | None
    confidence: float
    choices: tuple[Choice, ...]

    @property
    def sure(self) -> bool:
        return self.department is not None and self.confidence >= ROUTE_THRESHOLD


def route_parse(
    ranking: Iterable[Mapping[str, Any]], catalogue: Catalogue, address: str | None = None
) -> Routing:
    """Sum intent confidences per department (as `hotline classify` does) and pick the best."""
    per_department: dict[str, float] = {}
    best_category: dict[str, tuple[str, float]] = {}
    for item in ranking:
        name = str(item.get("name") or "")
        confidence = float(item.get("confidence") or 0.0)
        spec = catalogue.categories.get(name)
        if spec is None:
            continue
        department = catalogue.route(name, address) or spec.department
        per_department[department] = per_department.get(department, 0.0) + confidence
        if department not in best_category or confidence > best_category[department][1]:
            best_category[department] = (name, confidence)
    ordered = sorted(per_department.items(), key=lambda kv: kv[1], reverse=True)
    choices = tuple(
        Choice(department=d, category=best_category[d][0], confidence=round(c, 4))
        for d, c in ordered[:3]
    )
    if not choices:
        return Routing(category=None, department=None, confidence=0.0, choices=())
    top = choices[0]
    return Routing(
        category=top.category,
        department=top.department,
        confidence=top.confidence,
        choices=choices,
    )


def safety_advice(catalogue: Catalogue, category: str | None, text: str) -> str:
    """The advice an urgent caller hears first: the category's own, else by what they wrote."""
    advice = catalogue.advice_for(category)
    if advice:
        return advice
    for key, cues in _ADVICE_CUES:
        if any(cue in text for cue in cues) and key in catalogue.urgent_advice:
            return catalogue.urgent_advice[key]
    return _GENERIC_ADVICE


_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_PHONE_NOISE = re.compile(r"[\s\-－—–_.·•()（）\[\]【】/]")
_DIGIT_RUN = re.compile(r"[0-9零〇一二三四五六七八九幺两\s\-－—–_.·•()（）]{7,}")
_DECLINE = re.compile(
    r"不用|不留|不需要|不必|没有|没电话|无|跳过|不方便|不想|算了|不要|否|不给|保密|免了|就不"
)


def _digits(text: str) -> str:
    """Full-width and Chinese-numeral digits as ASCII, separators dropped."""
    folded = unicodedata.normalize("NFKC", text).translate(_CN_DIGITS)
    return _PHONE_NOISE.sub("", folded)


def _valid_phone(compact: str) -> str | None:
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if _MOBILE.match(compact) or _LANDLINE.match(compact):
        return compact
    return None


def parse_phone(text: str) -> str | None:
    """A valid contact number however it is written (spaces, dashes, area code, full-width or
    Chinese digits, inside a longer text), SKIP when the citizen declines, else None."""
    whole = _valid_phone(_digits(text))
    if whole:
        return whole
    folded = unicodedata.normalize("NFKC", text)
    for run in _DIGIT_RUN.findall(folded):
        found = _valid_phone(_digits(run))
        if found:
            return found
    found_plain = _PHONE_IN_TEXT.search(_digits(folded) if len(folded) <= 40 else folded)
    if found_plain:
        return found_plain.group(1).replace("-", "")
    limit = 20 if re.search(r"电话|号码|手机|联系方式", text) else 12
    if len(text.strip()) <= limit and _DECLINE.search(text):
        return SKIP
    return None


def looks_like_phone(text: str) -> bool:
    """Whether the text carries something meant as a number (seven digits or more)."""
    return sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", text)) >= 7


def split_problems(text: str) -> list[str]:
    """Clauses that may each be a separate problem ("…；另外…"); one element when there's one."""
    parts = [p.strip(" ，,、") for p in _SPLIT.split(text)]
    parts = [p for p in parts if len(p) >= 6]
    return parts if len(parts) > 1 else [text]


def describe_phone(phone: str | None) -> str:
    """How the confirmation summary shows the contact number."""
    if not phone or phone == SKIP:
        return "不留电话"
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone
