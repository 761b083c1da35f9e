"""The linking bench's stream from duplicate_voices.yml: other voices, other address spellings.

Each list of the file is split by position (even: tune half, odd: check half); a stream draws
its phrasings and spellings from one half only. Bursts (one problem at one place, several
callers within minutes) and slow repeats (the same problem reported over hours) are mixed with
the problems that must stay apart: another problem at the same place, the same problem at a
place that looks alike (same road, other number; crossing sharing a road).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

VOICES = Path(__file__).with_name("duplicate_voices.yml")
TYPOS = Path(__file__).with_name("duplicate_typos.yml")  # other words for the same problems


@dataclass(frozen=True)
class Problem:
    """One kind of problem: its category, where it happens and how callers put it."""

    category: str
    kinds: tuple[str, ...]
    phrasings: tuple[tuple[str, str], ...]  # (text, category filed under)


@dataclass(frozen=True)
class Place:
    """One spot, the ways callers spell it and the spots that only look like it."""

    kind: str
    near: tuple[str, ...]
    spellings: tuple[str, ...]


def _half(items: list, half: str) -> list:  # type: ignore[type-arg]
    return items[0::2] if half == "tune" else items[1::2]


def load(half: str, words: str = "voices") -> tuple[dict[str, Problem], dict[str, Place]]:
    """The problems and places of one half ("tune" or "check") of the voices file; with
    words="typos" the phrasings come from duplicate_typos.yml (places from the voices file)."""
    doc = yaml.safe_load(VOICES.read_text(encoding="utf-8"))
    other = yaml.safe_load(TYPOS.read_text(encoding="utf-8")) if words == "typos" else None
    problems: dict[str, Problem] = {}
    for name, entry in doc["problems"].items():
        phrasings = []
        said = other["problems"][name] if other else entry["phrasings"]
        for item in _half(said, half):
            text, category = (item, entry["category"]) if isinstance(item, str) else item
            phrasings.append((text, category))
        problems[name] = Problem(entry["category"], tuple(entry["kinds"]), tuple(phrasings))
    places = {
        name: Place(entry["kind"], tuple(entry["near"]), tuple(_half(entry["spellings"], half)))
        for name, entry in doc["places"].items()
    }
    return problems, places


@dataclass(frozen=True)
class Report:
    """One report of the stream: when, what it really is, and what the caller said."""

    at: datetime
    truth: tuple[str, str, int]
    text: str
    category: str
    address: str


def stream(
    seed: int, bursts: int, singles: int, start: datetime, half: str, words: str = "voices"
) -> list[Report]:
    """Bursts and slow repeats of one problem at one place, with look-alikes, in time order."""
    rng = random.Random(seed)
    problems, places = load(half, words)
    if words == "typos":  # every spelling of a place: only the problem words are under test
        places = dict(load("tune")[1])
        for name, spot in load("check")[1].items():
            places[name] = Place(spot.kind, spot.near, places[name].spellings + spot.spellings)
    span = timedelta(hours=8)
    out: list[Report] = []

    def report(problem: str, place: str, at: datetime) -> Report:
        text, category = rng.choice(problems[problem].phrasings)
        return Report(at, (problem, place, 0), text, category, rng.choice(places[place].spellings))

    def fitting(place: str) -> list[str]:
        return [p for p, v in problems.items() if places[place].kind in v.kinds]

    for _ in range(bursts):
        place = rng.choice(list(places))
        problem = rng.choice(fitting(place))
        begin = start + span * rng.random()
        slow = rng.random() < 0.3  # reported over hours, not minutes
        for _ in range(rng.randint(2, 10)):
            delay = rng.randint(0, 6 * 3600) if slow else rng.randint(0, 600)
            out.append(report(problem, place, begin + timedelta(seconds=delay)))
        if rng.random() < 0.6:  # another problem at the same place, at the same time
            other = rng.choice([p for p in fitting(place) if p != problem] or [problem])
            if other != problem:
                out.append(report(other, place, begin + timedelta(seconds=rng.randint(0, 900))))
        near = [n for n in places[place].near if problem in fitting(n)]
        if near and rng.random() < 0.6:  # the same problem at a look-alike place
            out.append(
                report(problem, rng.choice(near), begin + timedelta(seconds=rng.randint(0, 900)))
            )
    for _ in range(singles):
        place = rng.choice(list(places))
        out.append(report(rng.choice(fitting(place)), place, start + span * rng.random()))
    out.sort(key=lambda r: r.at)
    return out
