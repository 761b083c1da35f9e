"""Nearest-rank p90 of working seconds per department, per category and in total, for the
supervisor's report: window functions ranking a month of tickets six ways took SQLite
seconds; an hour histogram per scope (GROUP BY) finds the hour holding each p90, and only
the values of those hours are read and sorted."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from hotline.storage.models import Ticket

T = Ticket.__table__.c
LEVELS = ("department", "category", "total")
TOTAL = "_total"
BUCKET_SECONDS = 3600  # histogram step: one working hour

Scope = tuple[str, str]  # (level, key)
P90s = dict[str, dict[str, tuple[int | None, int | None]]]


def _rank(n: int) -> int:
    """The nearest rank of p90 among n values: the ceil(0.9·n)-th smallest."""
    return (9 * n + 9) // 10


def _scopes(department: str, category: str) -> tuple[Scope, Scope, Scope]:
    return (("department", department), ("category", category), ("total", TOTAL))


def _needed(
    session: Session,
    cohort: ColumnElement[bool],
    department: ColumnElement[Any],
    category: ColumnElement[Any],
    value: ColumnElement[Any],
) -> dict[Scope, tuple[int, int]]:
    """Per scope, the hour holding its p90 of `value` and the p90's rank within that hour."""
    hist: dict[Scope, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    bucket = value // BUCKET_SECONDS  # one expression: PostgreSQL matches GROUP BY by its binds
    for dept, cat, step, n in session.execute(
        select(department, category, bucket, func.count())
        .where(cohort, value.is_not(None))
        .group_by(department, category, bucket)
    ):
        for scope in _scopes(dept, cat):
            hist[scope][int(step)] += int(n)
    needed: dict[Scope, tuple[int, int]] = {}
    for scope, counts in hist.items():
        rank, seen = _rank(sum(counts.values())), 0
        for step in sorted(counts):
            if seen + counts[step] >= rank:
                needed[scope] = (step, rank - seen)
                break
            seen += counts[step]
    return needed


def _in_hours(
    needed: dict[Scope, tuple[int, int]],
    department: ColumnElement[Any],
    category: ColumnElement[Any],
    value: ColumnElement[Any],
) -> list[ColumnElement[bool]]:
    """Where a value lies in the hour some scope of its row needs."""
    by_level: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (level, key), (step, _) in needed.items():
        by_level[level].append((key, step))
    bucket = value // BUCKET_SECONDS
    wanted: list[ColumnElement[bool]] = [
        tuple_(column, bucket).in_(by_level[level])
        for level, column in (("department", department), ("category", category))
        if by_level[level]
    ]
    if by_level["total"]:
        wanted.append(bucket == by_level["total"][0][1])
    return wanted


def p90_by_scope(
    session: Session,
    cohort: ColumnElement[bool],
    department: ColumnElement[Any],
    category: ColumnElement[Any],
) -> P90s:
    """p90 (to accept, to answer) in seconds by level ("department", "category", "total")
    and scope key; a scope with no value of one step has None there."""
    steps = (
        case((T.accepted_at.is_not(None), T.accept_work_seconds)),
        case((T.resolved_at.is_not(None), T.answer_work_seconds)),
    )
    needed = [_needed(session, cohort, department, category, v) for v in steps]
    wanted = [w for j, v in enumerate(steps) for w in _in_hours(needed[j], department, category, v)]
    values: dict[tuple[int, Scope], list[int]] = defaultdict(list)
    if wanted:
        columns = [c for v in steps for c in (v // BUCKET_SECONDS, v)]
        for dept, cat, *found in session.execute(
            select(department, category, *columns).where(cohort, or_(*wanted))
        ):
            for j in (0, 1):
                step, v = found[2 * j], found[2 * j + 1]
                if v is None:
                    continue
                for scope in _scopes(dept, cat):
                    if needed[j].get(scope, (None,))[0] == step:
                        values[j, scope].append(int(v))
    out: P90s = {level: {} for level in LEVELS}
    for j in (0, 1):
        for (level, key), (_, rank) in needed[j].items():
            pair = out[level].get(key, (None, None))
            p90 = sorted(values[j, (level, key)])[rank - 1]
            out[level][key] = (p90, pair[1]) if j == 0 else (pair[0], p90)
    return out
