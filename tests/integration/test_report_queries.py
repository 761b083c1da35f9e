"""The dashboard's cheaper queries give the figures the earlier ones gave: p90 from an hour
histogram equals the window-function ranking, and the hot topics from one scan equal the
two ranked GROUP BYs, on both databases."""

from __future__ import annotations

import random
from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine, case, func, insert, select

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.report_p90 import p90_by_scope
from hotline.services.reports import (
    HOT_MIN_COUNT,
    HOT_TOP,
    UNASSIGNED,
    _cohort,
    _flag,
    _in,
    build_report,
    days_rounded,
    make_period,
    round_half_up,
)
from hotline.storage.db import make_session_factory
from hotline.storage.models import Citizen, Ticket
from tests.conftest import TZ

T = Ticket.__table__.c
ROUTES = [
    ("water_supply", "utilities"),
    ("burst_main", "utilities"),
    ("street_light", "urban_management"),
    (None, None),
    ("street_light", None),
]
PLACES = ["幸福路", "人民路", "翠湖苑", "东风村", "工业园", None]
STATES = ["dispatched", "accepted", "resolved", "closed", "returned", "withdrawn", "merged"]


def seed(engine: Engine, clock: ManualClock, count: int) -> None:
    """Tickets over the last three weeks with working times spread over many hours, some
    equal, some in one hour, some missing."""
    rng = random.Random(7)
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(
            insert(Citizen), [{"channel": "rest", "channel_user_id": "u", "created_at": now}]
        )
        citizen = conn.scalar(select(Citizen.id))
        rows: list[dict[str, object]] = []
        for i in range(count):
            category, department = rng.choice(ROUTES)
            created = now - timedelta(minutes=rng.randrange(0, 21 * 24 * 60))
            accepted = rng.random() < 0.8
            resolved = accepted and rng.random() < 0.6
            rows.append(
                {
                    "number": f"{created:%Y%m%d}-{i:06d}",
                    "citizen_id": citizen,
                    "channel": rng.choice(["rest", "telegram"]),
                    "request_type": "投诉",
                    "category_code": category,
                    "department_code": department,
                    "priority": "normal",
                    "status": rng.choice(STATES),
                    "description": "测试",
                    "place_key": rng.choice(PLACES),
                    "details": {},
                    "needs_human": False,
                    "created_at": created,
                    "dispatched_at": created,
                    "accepted_at": created + timedelta(hours=1) if accepted else None,
                    "resolved_at": created + timedelta(days=1) if resolved else None,
                    "accept_work_seconds": rng.choice([None, 0, 3599, 3600, 7200])
                    if rng.random() < 0.3
                    else rng.randrange(0, 40_000),
                    "answer_work_seconds": rng.randrange(0, 400_000),
                    "due_provisional": False,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "version": 1,
                }
            )
        conn.execute(insert(Ticket), rows)


def ranked_p90(session: Any, cohort: Any) -> dict[str, dict[str, tuple[int | None, int | None]]]:
    """The earlier way: rank every value with window functions per scope."""
    department = func.coalesce(T.department_code, UNASSIGNED)
    category = func.coalesce(T.category_code, UNASSIGNED)
    values = {
        "a": case((T.accepted_at.is_not(None), T.accept_work_seconds)),
        "b": case((T.resolved_at.is_not(None), T.answer_work_seconds)),
    }
    levels: dict[str, Any] = {"department": department, "category": category, "total": None}
    columns: list[Any] = [department.label("dept"), category.label("cat")]
    for v, value in values.items():
        columns.append(value.label(v))
        nulls_last = case((value.is_(None), 1), else_=0)
        for level, part in levels.items():
            partition = [part] if part is not None else None
            rank = func.row_number().over(partition_by=partition, order_by=(nulls_last, value))
            columns.append(rank.label(f"r_{v}_{level}"))
            columns.append(func.count(value).over(partition_by=partition).label(f"n_{v}_{level}"))
    ranked = select(*columns).where(cohort).subquery("ranked")
    out: dict[str, dict[str, tuple[int | None, int | None]]] = {lv: {} for lv in levels}
    for row in session.execute(select(ranked)).mappings():
        keys = {"department": row["dept"], "category": row["cat"], "total": "_total"}
        for level in levels:
            for j, v in enumerate(values):
                if row[v] is None or row[f"r_{v}_{level}"] != (9 * row[f"n_{v}_{level}"] + 9) // 10:
                    continue
                pair = list(out[level].get(keys[level], (None, None)))
                pair[j] = int(row[v])
                out[level][keys[level]] = (pair[0], pair[1])
    return out


def ranked_hot(session: Any, column: Any, period: Any) -> list[tuple[str, int, int]]:
    """The earlier way: one ranked GROUP BY per kind of topic."""
    now_count = func.sum(_flag(T.created_at >= period.start))
    before_count = func.sum(_flag(T.created_at < period.start))
    rise = now_count - before_count
    query = (
        select(column, now_count, before_count)
        .where(_in(T.created_at, period.previous_start, period.end), column.is_not(None))
        .group_by(column)
        .having(now_count >= HOT_MIN_COUNT, rise > 0)
        .order_by(
            rise.desc(),
            case((before_count == 0, 0), else_=1),
            (now_count * 1.0 / func.nullif(before_count, 0)).desc(),
            column,
        )
        .limit(HOT_TOP)
    )
    return [(c, int(n), int(b)) for c, n, b in session.execute(query)]


def test_p90_and_hot_topics_equal_the_ranked_queries(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> None:
    Services(make_session_factory(engine), catalogue, sla, clock, TZ).tickets.sync_catalogue()
    seed(engine, clock, 700)
    with make_session_factory(engine)() as session:
        for kind in ("today", "week", "month"):
            period = make_period(kind, None, now=clock.now(), tz=TZ)
            cohort = _cohort(period)
            department = func.coalesce(T.department_code, UNASSIGNED)
            category = func.coalesce(T.category_code, UNASSIGNED)
            expected = ranked_p90(session, cohort)
            assert p90_by_scope(session, cohort, department, category) == expected
            report = build_report(session, period, tz=TZ)
            hot = [(h.code, h.now, h.before) for h in report.hot_categories]
            assert hot == ranked_hot(session, T.category_code, period)
            places = [(h.code, h.now, h.before) for h in report.hot_places]
            assert places == ranked_hot(session, T.place_key, period)
        assert expected["total"]["_total"][0] is not None and len(expected["category"]) >= 3


def test_days_overdue_round_as_the_fractions_did() -> None:
    rng = random.Random(3)
    samples = [0, 1, 4319, 4320, 4321, 8640, 12960, 86400, -4320, -4321, -12960]
    samples += [rng.randrange(-(10**7), 10**7) for _ in range(20_000)]
    for seconds in samples:
        expected = round_half_up(Fraction(seconds, 86400))
        assert str(days_rounded(seconds)) == str(expected), seconds
