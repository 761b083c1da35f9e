"""The department a citizen asks by name ("请卫健委问一问", "建议交通部门把站往后挪").

The catalogue decides who handles a request, but where the model hesitates between two
departments whose duties touch, the one the citizen addresses is the better guess: on the
team's chat sets every request that asked a department by name belonged to it. A body named
as the one that sent the citizen on ("工会说欠薪归人社", "村里让我找工会") is no such request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

# A request verb and what follows it in the same clause; not "请问" (a question), and not a
# village's, a factory's or a unit's own 请 ("村里请…").
_ASKS = re.compile(
    r"(?<![村乡里厂单位])(?:请|麻烦|建议|希望|恳请|要求|盼)(?!问)(?:一下)?(?P<body>[^，。！？,.!?；;]{0,10})"
)
# The clause passes on what someone else said or did ("请…说不归他们管"), or asks a person to
# go there ("要求她去派出所讲清楚"): not a request to the body.
_PASSED_ON = re.compile(r"说|让我|叫我|不归|不管|管不了|^[我你他她俺]")
# A request made in the last this many characters: a letter names bodies all along its story
# and quotes rules ("…由公安派出所调查核实"); what it asks for comes at its end.
TAIL = 150


def asked_department(text: str, called: Mapping[str, Iterable[str]]) -> str | None:
    """The one department ``text`` asks to act by one of its ``called`` names; None when it
    asks none, or more than one."""
    names = {code: tuple(words) for code, words in called.items() if words}
    found: set[str] = set()
    start = max(0, len(text) - TAIL)
    for match in _ASKS.finditer(text, start):
        body = match.group("body").replace("人民政府", "政府")  # 民政 is inside it
        if _PASSED_ON.search(body):
            continue
        found.update(code for code, words in names.items() if any(w in body for w in words))
    return found.pop() if len(found) == 1 else None


# The named department must be among this many best departments (no department counting as
# one): a name the model does not consider at all is more often a slip than a boundary case.
WITHIN = 3


def prefer_named(
    ranking: list[tuple[str, float]],
    department_of: Mapping[str, str | None],
    named: str,
) -> list[tuple[str, float]]:
    """The intent ranking with the shares of the best department and of the ``named`` one
    swapped, when ``named`` is close behind (among the WITHIN best); else unchanged.

    Each department's intents keep their order and proportions; the total stays the same.
    """
    share = _shares(ranking, department_of)
    order = sorted(share, key=lambda d: share[d], reverse=True)
    if named not in order[:WITHIN] or order[0] == named or share[named] <= 0:
        return ranking
    return _swap(ranking, department_of, share, order[0], named)


# Words that put a spot beside an institution: "学校后面那条小河沟", "医院隔壁那家小厂".
_BESIDE = (
    r"(?:的)?(?:后面|后头|旁边|边上|隔壁|对面|对过|附近|周边|外面|外边|外头|[前后大]?门外|"
    r"围墙外|墙外|上空|门口|大门口|后门|前面|那条路|路口)"
)
# The next department must have at least this share of the best one's to take its place: a
# landmark tips a close call, it does not overrule the model.
LANDMARK_RATIO = 0.4


@functools.lru_cache(maxsize=64)
def _beside(words: tuple[str, ...]) -> re.Pattern[str]:
    """One department's institutions followed by a spot beside them, compiled once."""
    return re.compile("(?:" + "|".join(map(re.escape, words)) + ")" + _BESIDE)


def landmark_departments(text: str, landmarks: Mapping[str, Iterable[str]]) -> set[str]:
    """Departments whose institution ``text`` gives as where its problem is ("学校后面那条
    小河沟又黑又臭"): the institution's words there say where, not whose duty it is."""
    return {
        code
        for code, words in landmarks.items()
        if (names := tuple(words)) and _beside(names).search(text)
    }


def _shares(
    ranking: list[tuple[str, float]], department_of: Mapping[str, str | None]
) -> dict[str | None, float]:
    share: dict[str | None, float] = {}
    for intent, confidence in ranking:
        dept = department_of.get(intent)
        share[dept] = share.get(dept, 0.0) + confidence
    return share


def _swap(
    ranking: list[tuple[str, float]],
    department_of: Mapping[str, str | None],
    share: Mapping[str | None, float],
    best: str | None,
    other: str,
) -> list[tuple[str, float]]:
    """``ranking`` with the shares of departments ``best`` and ``other`` exchanged."""
    scale = {other: share[best] / share[other], best: share[other] / share[best]}
    swapped = [(i, c * scale.get(department_of.get(i), 1.0)) for i, c in ranking]
    return sorted(swapped, key=lambda kv: kv[1], reverse=True)


def past_landmark(
    ranking: list[tuple[str, float]],
    department_of: Mapping[str, str | None],
    landmarks: set[str],
) -> list[tuple[str, float]]:
    """The intent ranking with the best department and the next one swapped, when the best
    is one whose institution the text only gives as a landmark and the next one, a
    department, is close (LANDMARK_RATIO); else unchanged."""
    share = _shares(ranking, department_of)
    order = sorted(share, key=lambda d: share[d], reverse=True)
    if len(order) < 2 or order[0] not in landmarks:
        return ranking
    best, runner_up = order[0], order[1]
    if runner_up is None or share[runner_up] < LANDMARK_RATIO * share[best]:
        return ranking
    return _swap(ranking, department_of, share, best, runner_up)
