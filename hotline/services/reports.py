"""Supervisor KPIs (三率 and the overdue picture), computed with SQL aggregates.

KPI definitions
===============

Period = [start, end) in local time (Asia/Shanghai, from the service's tz). A week is
Monday–Sunday: `week` ending on `end` starts on that week's Monday; without `end` it ends
yesterday, so on a Monday it is last week. Cohort = tickets DISPATCHED in the period
(dispatched_at in period) and not withdrawn or merged, unless stated: a withdrawn or merged
ticket can never be accepted or answered, so it is in no denominator (counted apart as
"撤销或合并").

- 派单量 dispatched: tickets in the cohort. 受理量: tickets created in the period (all,
  including unroutable).
- 响应率 response rate = tickets of the cohort whose first 'accept' event of the current
  round came at or before the acceptance limit then in force / cohort tickets; per
  department, a ticket counts for the department that accepted it (the event's department),
  or, not accepted yet, for the department holding it.
- 按时办结率 on-time answer rate = answers ('resolve' events) of rounds that started in the
  period, given at or before the answer limit then in force / answers of those rounds; each
  round of a reopened ticket counts (an answer later reopened still was given, on time or
  not), and per department an answer counts for the department that gave it.
- 解决率 resolution rate = tickets whose LATEST rating is satisfied or basically_satisfied /
  tickets rated (ratings of cohort tickets).
- 满意率 satisfaction rate = (satisfied + basically_satisfied) / all ratings (all rounds) of
  cohort tickets, with the number rated shown beside it; None (shown as "—") when nothing was
  rated; never computed over unrated tickets.
- 派单准确率 first-dispatch accuracy = cohort tickets never returned (return_count = 0) /
  dispatched; bounce distribution (0, 1, 2, 3+ returns) of cohort tickets. 退单次数 = 'return'
  events of rounds that started in the period, per department counted against the
  department that returned the ticket (not the one holding it now).
- 重办率 reopen rate = cohort tickets with reopen_count > 0 / dispatched; 延期率 extension rate =
  cohort tickets with extension_count > 0 / dispatched.
- average and p90 time to accept and to answer in working hours (from accept_work_seconds /
  answer_work_seconds, shown in hours with 1 decimal).
- current overdue by age band (at the report's `now` = end of period or the clock's now,
  whichever is earlier), two stages: 办结超期 = open tickets (dispatched/accepted/returned)
  with answer_due_at < now; 签收超期 = tickets not accepted (dispatched/returned) with
  accept_due_at < now; bands 0–1 天, 1–3 天, 3–7 天, 7 天以上 (calendar days past that
  stage's limit). 当前超期 = tickets late at either stage, each counted once; the overdue
  list names the stage(s) and counts the days from the first limit missed.
- volume by request type (诉求类型) and by channel.
- problems and callers apart: 受理量 counts tickets (problems); 来电人次 adds the callers
  linked in the period to an open ticket of the same problem (ticket_reporters.linked_at).
- 督办逾期: a supervisor's 督办 deadline the sweep found missed in the period (its "chase"
  event with note directive_overdue), per the ticket's department.
- hot topics: categories and places (place_key) with the sharpest rise against the previous
  period of the same length (count now, count before, rise = now − before; rank by rise then
  ratio; top 5; ignore counts < 3).

Every KPI per department, per category and in total (rates as fractions 0..1 with numerator
and denominator available; rendered as percentages with one decimal).

Precise readings of the definitions above
-----------------------------------------
- A reopened ticket (重办) starts a new round: dispatched_at, accept_due_at and answer_due_at
  are reset, so its current round joins the cohort of the period it was re-dispatched in.
  Every event records its round, when that round started and (accept, resolve) the limit
  then in force, so 按时办结率 and 退单次数 count every round in the period its round started;
  响应率 and the time-to-x figures count the current round only (its "first accept" is the
  first 'accept' event at or after its current dispatched_at). Events written before
  migration 0008 carry no round: only the current round's answer counts for them. Events up
  to the moment the report is computed count (figures are "as of now"); a late accept or
  answer that happens after the period still counts as late.
- Attribution: acceptance to the acceptor, answers to the answerer, returns to the returner
  (the department recorded on the event); everything else to the ticket's current
  department and category.
- Time to accept / answer averages and p90 cover cohort tickets accepted / answered in their
  current round (accepted_at / resolved_at set); p90 is the nearest-rank value: the
  ceil(0.9·n)-th smallest.
- Volume by request type and by channel counts tickets created in the period (受理量).
- Hot topics count tickets created in the period against those created in the period of the
  same length just before it; a topic needs at least 3 tickets now and a positive rise; ties on
  the rise go to the higher ratio now/before (a topic with none before ranks first).
- Overdue ages: 0–1 天 means less than one day (24 h) past due, 1–3 天 from one day to less
  than three, 3–7 天 from three to less than seven, 7 天以上 seven days or more.
- Department totals are the sum of their categories (group rows from SQL, added up), except
  p90, which is computed by SQL per department, per category and in total.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Executable,
    and_,
    case,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from hotline.domain.tickets import OPEN_FOR_ANSWER
from hotline.services.centre_reports import CentreFigures, centre_figures
from hotline.services.container import Services
from hotline.services.report_p90 import TOTAL, p90_by_scope
from hotline.storage.db import transaction
from hotline.storage.models import Rating, Ticket, TicketEvent, TicketReporter

PeriodKind = Literal["today", "week", "month"]
PERIOD_LABELS: dict[str, str] = {"today": "日报", "week": "周报", "month": "月报"}
NOT_ACCEPTED = ("dispatched", "returned")  # still waiting for a department to sign for it
EXCLUDED = ("withdrawn", "merged")  # can never be accepted or answered: out of every rate
GOOD_SCORES = ("satisfied", "basically_satisfied")
OVERDUE_BANDS = ("0–1 天", "1–3 天", "3–7 天", "7 天以上")
BOUNCE_LABELS = ("0", "1", "2", "3+")
UNASSIGNED = "_none"  # key for tickets with no department / no category
OVERDUE_LIST_LIMIT = 5000
HOT_TOP = 5
HOT_MIN_COUNT = 3

T = Ticket.__table__.c
E = TicketEvent.__table__.c
R = Rating.__table__.c


# ------------------------------------------------------------------ results


def round_half_up(value: Fraction, digits: int = 1) -> float:
    """Round exactly, halves away from zero (四舍五入), for display."""
    scale = 10**digits
    scaled = abs(value) * scale
    rounded = float(Fraction(math.floor(scaled + Fraction(1, 2)), scale))
    return rounded if value >= 0 else -rounded


def days_rounded(seconds: int) -> float:
    """Seconds in days to one decimal, 四舍五入 as round_half_up, in integers: the overdue
    list makes thousands of these per report."""
    tenths = (2 * abs(seconds) + 8640) // 17280
    return tenths / 10 if seconds >= 0 else -(tenths / 10)


@dataclass(frozen=True)
class Rate:
    """A ratio with its parts; `value` is None when the denominator is zero."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> str:
        """One decimal, rounded half up, e.g. "87.5%"; "—" when there is nothing to divide."""
        if not self.denominator:
            return "—"
        return f"{round_half_up(Fraction(100 * self.numerator, self.denominator)):.1f}%"

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)


@dataclass(frozen=True)
class WorkTime:
    """Working-time figures of one step (accept or answer): count, sum, p90, in seconds."""

    count: int = 0
    total_seconds: int = 0
    p90_seconds: int | None = None

    @property
    def average_seconds(self) -> Fraction | None:
        return Fraction(self.total_seconds, self.count) if self.count else None

    @property
    def average_hours(self) -> float | None:
        avg = self.average_seconds
        return round_half_up(avg / 3600) if avg is not None else None

    @property
    def p90_hours(self) -> float | None:
        if self.p90_seconds is None:
            return None
        return round_half_up(Fraction(self.p90_seconds, 3600))


@dataclass(frozen=True)
class Kpis:
    """Every KPI of one scope (the whole hotline, one department or one category)."""

    received: int = 0  # 受理量
    dispatched: int = 0  # 派单量
    response: Rate = Rate(0, 0)  # 响应率
    on_time_answer: Rate = Rate(0, 0)  # 按时办结率
    resolution: Rate = Rate(0, 0)  # 解决率 (tickets, latest rating)
    satisfaction: Rate = Rate(0, 0)  # 满意率 (all ratings); denominator = number rated
    first_dispatch_accuracy: Rate = Rate(0, 0)  # 派单准确率
    returns_total: int = 0
    bounces: tuple[int, int, int, int] = (0, 0, 0, 0)  # tickets with 0, 1, 2, 3+ returns
    reopen: Rate = Rate(0, 0)  # 重办率
    extension: Rate = Rate(0, 0)  # 延期率
    accept_time: WorkTime = WorkTime()
    answer_time: WorkTime = WorkTime()
    overdue_bands: tuple[int, int, int, int] = (0, 0, 0, 0)  # 办结超期 (answer) by age
    by_request_type: Mapping[str, int] = field(default_factory=dict)
    by_channel: Mapping[str, int] = field(default_factory=dict)
    accept_overdue_bands: tuple[int, int, int, int] = (0, 0, 0, 0)  # 签收超期 by age
    overdue_tickets: int = 0  # tickets overdue at either stage, each counted once
    excluded: int = 0  # tickets of the cohort withdrawn or merged: in no denominator

    @property
    def overdue(self) -> int:
        """Tickets overdue now, to accept or to answer (a ticket late on both counts once)."""
        return self.overdue_tickets

    @property
    def answer_overdue(self) -> int:
        return sum(self.overdue_bands)

    @property
    def accept_overdue(self) -> int:
        return sum(self.accept_overdue_bands)

    @property
    def ratings_count(self) -> int:
        """How many ratings the satisfaction rate is computed over (shown beside it)."""
        return self.satisfaction.denominator


@dataclass(frozen=True)
class Period:
    """[start, end) in local time; `now` is where "current" figures (overdue) are taken."""

    kind: PeriodKind
    first_day: date
    last_day: date  # inclusive
    start: datetime
    end: datetime
    now: datetime
    previous_start: datetime

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        if self.first_day == self.last_day:
            return f"{self.first_day:%Y-%m-%d}"
        return f"{self.first_day:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class HotTopic:
    code: str
    name: str
    now: int
    before: int

    @property
    def rise(self) -> int:
        return self.now - self.before

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.now, self.before) if self.before else None


@dataclass(frozen=True)
class DayVolume:
    day: date
    received: int
    dispatched: int


@dataclass(frozen=True)
class OverdueTicket:
    number: str
    department: str
    department_name: str
    category: str
    category_name: str
    status: str
    priority: str
    answer_due_at: datetime  # local time
    days_overdue: float  # since the earliest limit it has missed
    accept_due_at: datetime | None = None  # local time
    stage: str = "办结"  # which limits are missed: 签收, 办结 or 签收、办结


@dataclass(frozen=True)
class Report:
    """One period's figures: total, per department, per category, and the supporting lists."""

    period: Period
    computed_at: datetime
    total: Kpis
    departments: Mapping[str, Kpis]
    categories: Mapping[str, Kpis]
    department_names: Mapping[str, str]
    category_names: Mapping[str, str]
    hot_categories: tuple[HotTopic, ...]
    hot_places: tuple[HotTopic, ...]
    daily: tuple[DayVolume, ...]
    overdue_list: tuple[OverdueTicket, ...]
    overdue_list_truncated: bool = False
    centre: CentreFigures | None = None  # 审核 and 协办 (hotline.services.centre_reports)
    # One ticket per problem: callers linked to an open ticket of the same problem in the
    # period (来电人次 = 受理量 + these); 督办 deadlines missed in the period, per department.
    linked_callers: int = 0
    directive_overdue: Mapping[str, int] = field(default_factory=dict)

    def top_overdue_departments(self, n: int = 3) -> list[tuple[str, int]]:
        ranked = sorted(
            ((code, k.overdue) for code, k in self.departments.items() if k.overdue),
            key=lambda item: (-item[1], item[0]),
        )
        return ranked[:n]


# ------------------------------------------------------------------ periods


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def make_period(kind: str, end: date | None, *, now: datetime, tz: ZoneInfo) -> Period:
    """The period of a report: `today` is one day; `week` the Monday–Sunday week of `end`
    up to `end` (the whole week when `end` is a Sunday); `month` the calendar month of `end`
    up to `end` (a whole month when `end` is its last day). `end` defaults to today for
    `today` and to yesterday otherwise, so on a Monday `week` is last week, Monday to
    Sunday, and `month` on the 1st is last month."""
    if kind not in PERIOD_LABELS:
        raise ValueError(f"unknown period {kind!r}: expected today, week or month")
    today = now.astimezone(tz).date()
    last = end or (today if kind == "today" else today - timedelta(days=1))
    if kind == "today":
        first = last
    elif kind == "week":
        first = last - timedelta(days=last.weekday())  # that week's Monday
    else:
        first = last.replace(day=1)
    days = (last - first).days + 1
    start, stop = _midnight(first, tz), _midnight(last + timedelta(days=1), tz)
    return Period(
        kind=cast(PeriodKind, kind),
        first_day=first,
        last_day=last,
        start=start,
        end=stop,
        now=min(stop, now),
        previous_start=_midnight(first - timedelta(days=days), tz),
    )


# ---------------------------------------------------------------- SQL parts


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _key(value: str | None) -> str:
    return value if value is not None else UNASSIGNED


def _int(value: Any) -> int:
    return int(value or 0)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _cohort(period: Period) -> ColumnElement[bool]:
    """The tickets whose current round was dispatched in the period and that can still be
    worked: withdrawn and merged tickets are in no denominator."""
    return and_(_in(T.dispatched_at, period.start, period.end), T.status.not_in(EXCLUDED))


def _round_start() -> ColumnElement[Any]:
    """When the round an event belongs to started (events before 0008: the current one)."""
    return func.coalesce(E.round_started_at, T.dispatched_at)


def _first_accepts(lateral: bool) -> tuple[Any, ColumnElement[bool]]:
    """Each ticket's first accept of its current round and how to join it: a LATERAL
    subquery on PostgreSQL (a join on a correlated id makes it hash all events); on SQLite,
    which has no LATERAL, the event whose id a correlated MIN seeks."""
    if lateral:
        found = (
            select(E.department_code, E.at, E.due_at)
            .where(E.ticket_id == T.id, E.action == "accept", E.at >= T.dispatched_at)
            .order_by(E.id)
            .limit(1)
            .lateral("accept_event")
        )
        return found, true()
    first = (
        select(func.min(E.id))
        .where(E.ticket_id == T.id, E.action == "accept", E.at >= T.dispatched_at)
        .correlate(Ticket.__table__)
        .scalar_subquery()
    )
    event = TicketEvent.__table__.alias("accept_event")
    return event, event.c.id == first


def _cohort_query(period: Period, *, lateral: bool = False) -> Executable:
    """Per (department, category, acceptor): sums over the cohort and 响应率, one scan of the
    period's tickets. 响应率 counts per acceptor: each cohort ticket's current round belongs
    to the department that accepted it first in that round, or, not accepted yet, to the
    department holding it; on time when that first accept came at or before the acceptance
    limit. The first accept is found per ticket by a seek in its events."""
    cohort = _cohort(period)
    accept, joined = _first_accepts(lateral)
    acceptor = func.coalesce(accept.c.department_code, T.department_code, UNASSIGNED)

    good = R.score.in_(GOOD_SCORES)
    rated = (
        select(
            R.ticket_id.label("ticket_id"),
            func.count().label("ratings"),
            func.sum(_flag(good)).label("good"),
            _flag(func.max(case((good, R.round), else_=-1)) == func.max(R.round)).label(
                "latest_good"
            ),
        )
        .select_from(Ticket.__table__.join(Rating.__table__, R.ticket_id == T.id))
        .where(cohort)
        .group_by(R.ticket_id)
        .subquery("rated")
    )
    accept_ws = case((T.accepted_at.is_not(None), T.accept_work_seconds))
    answer_ws = case((T.resolved_at.is_not(None), T.answer_work_seconds))
    # Grouping on expressions, not bare columns, keeps SQLite from walking the whole table in
    # department order (ix_tickets_department_status) instead of the period's range.
    department = func.coalesce(T.department_code, UNASSIGNED)
    category = func.coalesce(T.category_code, UNASSIGNED)
    return (
        select(
            department.label("department_code"),
            category.label("category_code"),
            func.count().label("dispatched"),
            func.sum(_flag(rated.c.ratings > 0)).label("rated_tickets"),
            func.sum(func.coalesce(rated.c.latest_good, 0)).label("resolved"),
            func.sum(func.coalesce(rated.c.ratings, 0)).label("ratings"),
            func.sum(func.coalesce(rated.c.good, 0)).label("good_ratings"),
            func.sum(_flag(T.return_count == 0)).label("bounce0"),
            func.sum(_flag(T.return_count == 1)).label("bounce1"),
            func.sum(_flag(T.return_count == 2)).label("bounce2"),
            func.sum(_flag(T.return_count >= 3)).label("bounce3"),
            func.sum(_flag(T.reopen_count > 0)).label("reopened"),
            func.sum(_flag(T.extension_count > 0)).label("extended"),
            func.count(accept_ws).label("accept_n"),
            func.sum(accept_ws).label("accept_sum"),
            func.count(answer_ws).label("answer_n"),
            func.sum(answer_ws).label("answer_sum"),
            acceptor.label("acceptor"),
            func.sum(_flag(accept.c.at <= func.coalesce(accept.c.due_at, T.accept_due_at))).label(
                "responded"
            ),
        )
        .select_from(
            Ticket.__table__.outerjoin(rated, rated.c.ticket_id == T.id).outerjoin(accept, joined)
        )
        .where(cohort)
        .group_by(department, category, acceptor)
    )


def _excluded_query(period: Period) -> Executable:
    """Tickets dispatched in the period and since withdrawn or merged (shown, never rated)."""
    return (
        select(T.department_code, T.category_code, func.count())
        .where(_in(T.dispatched_at, period.start, period.end), T.status.in_(EXCLUDED))
        .group_by(T.department_code, T.category_code)
    )


def _answers_query(period: Period) -> Executable:
    """按时办结率 per round and per answerer: every answer ('resolve' event) of a round that
    started in the period, reopened rounds included, on time against the limit then in
    force, counted for the department that gave it."""
    start = _round_start()
    department = func.coalesce(E.department_code, T.department_code, UNASSIGNED)
    category = func.coalesce(T.category_code, UNASSIGNED)
    return (
        select(
            department.label("department_code"),
            category.label("category_code"),
            func.count().label("answered"),
            func.sum(_flag(E.at <= func.coalesce(E.due_at, T.answer_due_at))).label(
                "answered_on_time"
            ),
        )
        .select_from(Ticket.__table__.join(TicketEvent.__table__, E.ticket_id == T.id))
        .where(
            # dispatched_at only moves forward (a reopen sets it), so a ticket with a round
            # started in the period was (re)dispatched since its start: the index narrows it
            T.dispatched_at >= period.start,
            E.action == "resolve",
            _in(start, period.start, period.end),
            # events before 0008 carry no round: only the current round's answer counts
            (E.round_started_at.is_not(None)) | (E.at >= T.dispatched_at),
            T.status.not_in(EXCLUDED),
        )
        .group_by(department, category)
    )


def _returns_query(period: Period) -> Executable:
    """退单次数 per returner: 'return' events of rounds that started in the period, counted
    for the department that sent the ticket back (not the one holding it now)."""
    start = _round_start()
    legacy = E.data["department"].as_string()
    department = func.coalesce(E.department_code, legacy, UNASSIGNED)
    category = func.coalesce(T.category_code, UNASSIGNED)
    return (
        select(department.label("department_code"), category.label("category_code"), func.count())
        .select_from(Ticket.__table__.join(TicketEvent.__table__, E.ticket_id == T.id))
        .where(
            T.dispatched_at >= period.start,  # as in _answers_query
            E.action == "return",
            _in(start, period.start, period.end),
        )
        .group_by(department, category)
    )


def _intake_query(period: Period) -> Executable:
    """受理量 by department, category, request type and channel (tickets created in period)."""
    return (
        select(T.department_code, T.category_code, T.request_type, T.channel, func.count())
        .where(_in(T.created_at, period.start, period.end))
        .group_by(T.department_code, T.category_code, T.request_type, T.channel)
    )


def _overdue_band(period: Period, due: Any) -> ColumnElement[int]:
    now = period.now
    return case(
        (due > now - timedelta(days=1), 0),
        (due > now - timedelta(days=3), 1),
        (due > now - timedelta(days=7), 2),
        else_=3,
    )


def _answer_late(period: Period) -> ColumnElement[bool]:
    return and_(T.status.in_(OPEN_FOR_ANSWER), T.answer_due_at < period.now)


def _accept_late(period: Period) -> ColumnElement[bool]:
    return and_(T.status.in_(NOT_ACCEPTED), T.accept_due_at < period.now)


def _overdue_query(period: Period) -> Executable:
    """Open tickets late to answer (办结超期) or still not accepted past their acceptance
    limit (签收超期), by age band of each; -1 where that stage is not late."""
    answer_band = case((_answer_late(period), _overdue_band(period, T.answer_due_at)), else_=-1)
    accept_band = case((_accept_late(period), _overdue_band(period, T.accept_due_at)), else_=-1)
    return (
        select(
            T.department_code,
            T.category_code,
            answer_band.label("band"),
            accept_band.label("accept_band"),
            func.count(),
        )
        .where(_answer_late(period) | _accept_late(period))
        .group_by(T.department_code, T.category_code, answer_band, accept_band)
    )


def _day_index(column: Any, period: Period, tz: ZoneInfo) -> ColumnElement[int]:
    """Which local day of the period an instant falls on (DST-safe, no date functions)."""
    whens = [
        (column < _midnight(period.first_day + timedelta(days=i + 1), tz), i)
        for i in range(period.days - 1)
    ]
    return case(*whens, else_=period.days - 1) if whens else literal(0)


def _daily_query(column: Any, period: Period, tz: ZoneInfo) -> Executable:
    day = _day_index(column, period, tz)
    return (
        select(day.label("day"), func.count())
        .where(_in(column, period.start, period.end))
        .group_by(day)
    )


def _hot_query(period: Period) -> Executable:
    """Tickets created per (category, place) in the period and in the one before it: both
    hot lists from one scan of the two periods."""
    return (
        select(
            T.category_code,
            T.place_key,
            func.sum(_flag(T.created_at >= period.start)),
            func.sum(_flag(T.created_at < period.start)),
        )
        .where(_in(T.created_at, period.previous_start, period.end))
        .group_by(T.category_code, T.place_key)
    )


def _hot_topics(counts: Mapping[str, list[int]], names: Mapping[str, str]) -> tuple[HotTopic, ...]:
    """The top topics by rise, then by ratio now/before (none before first), then code."""
    ranked = sorted(
        (
            (code, now, before)
            for code, (now, before) in counts.items()
            if now >= HOT_MIN_COUNT and now > before
        ),
        key=lambda t: (t[2] - t[1], t[2] != 0, -t[1] / t[2] if t[2] else 0.0, t[0]),
    )
    return tuple(HotTopic(c, names.get(c, c), now, before) for c, now, before in ranked[:HOT_TOP])


def _overdue_list_query(period: Period) -> Executable:
    first_missed = case(
        (
            and_(_accept_late(period), T.accept_due_at < T.answer_due_at),
            T.accept_due_at,
        ),
        (_answer_late(period), T.answer_due_at),
        else_=T.accept_due_at,
    )
    return (
        select(
            T.number,
            T.department_code,
            T.category_code,
            T.status,
            T.priority,
            T.answer_due_at,
            T.accept_due_at,
            _answer_late(period).label("answer_late"),
            _accept_late(period).label("accept_late"),
            first_missed.label("first_missed"),
        )
        .where(_answer_late(period) | _accept_late(period))
        .order_by(first_missed, T.number)
        .limit(OVERDUE_LIST_LIMIT + 1)
    )


# ----------------------------------------------------------------- assembly


@dataclass
class _Acc:
    """Sums of one scope while group rows are added up."""

    received: int = 0
    dispatched: int = 0
    response_base: int = 0
    responded: int = 0
    answered: int = 0
    answered_on_time: int = 0
    rated_tickets: int = 0
    resolved: int = 0
    ratings: int = 0
    good_ratings: int = 0
    returns_total: int = 0
    bounces: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    reopened: int = 0
    extended: int = 0
    accept_n: int = 0
    accept_sum: int = 0
    answer_n: int = 0
    answer_sum: int = 0
    overdue: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    accept_overdue: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    overdue_tickets: int = 0
    excluded: int = 0
    types: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)

    def freeze(self, p90: tuple[int | None, int | None]) -> Kpis:
        return Kpis(
            received=self.received,
            dispatched=self.dispatched,
            response=Rate(self.responded, self.response_base),
            on_time_answer=Rate(self.answered_on_time, self.answered),
            resolution=Rate(self.resolved, self.rated_tickets),
            satisfaction=Rate(self.good_ratings, self.ratings),
            first_dispatch_accuracy=Rate(self.bounces[0], self.dispatched),
            returns_total=self.returns_total,
            bounces=(self.bounces[0], self.bounces[1], self.bounces[2], self.bounces[3]),
            reopen=Rate(self.reopened, self.dispatched),
            extension=Rate(self.extended, self.dispatched),
            accept_time=WorkTime(self.accept_n, self.accept_sum, p90[0]),
            answer_time=WorkTime(self.answer_n, self.answer_sum, p90[1]),
            overdue_bands=(self.overdue[0], self.overdue[1], self.overdue[2], self.overdue[3]),
            by_request_type=dict(sorted(self.types.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_channel=dict(sorted(self.channels.items(), key=lambda kv: (-kv[1], kv[0]))),
            accept_overdue_bands=(
                self.accept_overdue[0],
                self.accept_overdue[1],
                self.accept_overdue[2],
                self.accept_overdue[3],
            ),
            overdue_tickets=self.overdue_tickets,
            excluded=self.excluded,
        )


_SUMMED = (
    "dispatched",
    "rated_tickets",
    "resolved",
    "ratings",
    "good_ratings",
    "reopened",
    "extended",
    "accept_n",
    "accept_sum",
    "answer_n",
    "answer_sum",
)


class _Scopes:
    """Accumulators for the total, each department and each category."""

    def __init__(self) -> None:
        self.total = _Acc()
        self.departments: dict[str, _Acc] = defaultdict(_Acc)
        self.categories: dict[str, _Acc] = defaultdict(_Acc)

    def of(self, department: str | None, category: str | None) -> Iterable[_Acc]:
        return (self.total, self.departments[_key(department)], self.categories[_key(category)])


def _add_cohort(scopes: _Scopes, rows: Iterable[Any]) -> None:
    """Add the cohort's sums to the holder's scopes and 响应率 to the acceptor's."""
    for row in rows:
        m = row._mapping
        for acc in scopes.of(m["department_code"], m["category_code"]):
            for name in _SUMMED:
                setattr(acc, name, getattr(acc, name) + _int(m[name]))
            for i in range(4):
                acc.bounces[i] += _int(m[f"bounce{i}"])
        for acc in scopes.of(m["acceptor"], m["category_code"]):
            acc.response_base += _int(m["dispatched"])
            acc.responded += _int(m["responded"])


def _add_named(scopes: _Scopes, rows: Iterable[Any], names: tuple[str, ...]) -> None:
    """Add the named sums of rows grouped by (department_code, category_code)."""
    for row in rows:
        m = row._mapping
        for acc in scopes.of(m["department_code"], m["category_code"]):
            for name in names:
                setattr(acc, name, getattr(acc, name) + _int(m[name]))


def _add_counts(scopes: _Scopes, rows: Iterable[Any], name: str) -> None:
    """Add (department, category, count) rows to one counter of each scope."""
    for department, category, count in rows:
        for acc in scopes.of(department, category):
            setattr(acc, name, getattr(acc, name) + _int(count))


def _add_intake(scopes: _Scopes, rows: Iterable[Any]) -> None:
    for department, category, request_type, channel, count in rows:
        for acc in scopes.of(department, category):
            acc.received += count
            acc.types[request_type] = acc.types.get(request_type, 0) + count
            acc.channels[channel] = acc.channels.get(channel, 0) + count


def _add_overdue(scopes: _Scopes, rows: Iterable[Any]) -> None:
    for department, category, band, accept_band, count in rows:
        for acc in scopes.of(department, category):
            acc.overdue_tickets += count
            if int(band) >= 0:
                acc.overdue[int(band)] += count
            if int(accept_band) >= 0:
                acc.accept_overdue[int(accept_band)] += count


def build_report(
    session: Session,
    period: Period,
    *,
    tz: ZoneInfo,
    department_names: Mapping[str, str] | None = None,
    category_names: Mapping[str, str] | None = None,
    computed_at: datetime | None = None,
) -> Report:
    """Compute every KPI of `period` with a handful of aggregate queries."""
    dept_names = dict(department_names or {})
    cat_names = dict(category_names or {})
    dept_names.setdefault(UNASSIGNED, "待人工派单")
    cat_names.setdefault(UNASSIGNED, "未分类")

    scopes = _Scopes()
    lateral = session.get_bind().dialect.name == "postgresql"
    if lateral:  # compiling these one-off scans (JIT) took PostgreSQL longer than running them
        session.execute(text("SET LOCAL jit = off"))
    _add_cohort(scopes, session.execute(_cohort_query(period, lateral=lateral)))
    _add_named(scopes, session.execute(_answers_query(period)), ("answered", "answered_on_time"))
    _add_counts(scopes, session.execute(_returns_query(period)), "returns_total")
    _add_counts(scopes, session.execute(_excluded_query(period)), "excluded")
    _add_intake(scopes, session.execute(_intake_query(period)))
    _add_overdue(scopes, session.execute(_overdue_query(period)))

    p90 = p90_by_scope(
        session,
        _cohort(period),
        func.coalesce(T.department_code, UNASSIGNED),
        func.coalesce(T.category_code, UNASSIGNED),
    )
    none: tuple[int | None, int | None] = (None, None)

    received = {i: n for i, n in session.execute(_daily_query(T.created_at, period, tz))}
    dispatched = {i: n for i, n in session.execute(_daily_query(T.dispatched_at, period, tz))}
    daily = tuple(
        DayVolume(
            period.first_day + timedelta(days=i),
            int(received.get(i, 0)),
            int(dispatched.get(i, 0)),
        )
        for i in range(period.days)
    )

    hot: dict[str, dict[str, list[int]]] = {"category": {}, "place": {}}
    for category, place, now, before in session.execute(_hot_query(period)):
        for kind, code in (("category", category), ("place", place)):
            if code is not None:
                pair = hot[kind].setdefault(code, [0, 0])
                pair[0] += int(now or 0)
                pair[1] += int(before or 0)

    overdue_rows = session.execute(_overdue_list_query(period)).all()

    def overdue_ticket(row: Any) -> OverdueTicket:
        stage = "、".join(
            name for name, late in (("签收", row.accept_late), ("办结", row.answer_late)) if late
        )
        missed: datetime = row.first_missed
        return OverdueTicket(
            number=row.number,
            department=_key(row.department_code),
            department_name=dept_names.get(_key(row.department_code), row.department_code or ""),
            category=_key(row.category_code),
            category_name=cat_names.get(_key(row.category_code), row.category_code or ""),
            status=row.status,
            priority=row.priority,
            answer_due_at=row.answer_due_at.astimezone(tz),
            days_overdue=days_rounded(int((period.now - missed).total_seconds())),
            accept_due_at=row.accept_due_at.astimezone(tz) if row.accept_due_at else None,
            stage=stage,
        )

    overdue_list = tuple(overdue_ticket(row) for row in overdue_rows[:OVERDUE_LIST_LIMIT])
    return Report(
        period=period,
        computed_at=computed_at or period.now,
        total=scopes.total.freeze(p90["total"].get(TOTAL, none)),
        departments={
            code: acc.freeze(p90["department"].get(code, none))
            for code, acc in sorted(scopes.departments.items())
        },
        categories={
            code: acc.freeze(p90["category"].get(code, none))
            for code, acc in sorted(scopes.categories.items())
        },
        department_names=dept_names,
        category_names=cat_names,
        hot_categories=_hot_topics(hot["category"], cat_names),
        hot_places=_hot_topics(hot["place"], {}),
        daily=daily,
        overdue_list=overdue_list,
        overdue_list_truncated=len(overdue_rows) > OVERDUE_LIST_LIMIT,
        linked_callers=int(session.scalar(_linked_callers_query(period)) or 0),
        directive_overdue={
            _key(code): int(n) for code, n in session.execute(_directive_overdue_query(period))
        },
    )


def _linked_callers_query(period: Period) -> Executable:
    """Callers linked to an already open ticket of their problem in the period."""
    linked = TicketReporter.__table__.c
    return select(func.count()).where(_in(linked.linked_at, period.start, period.end))


def _directive_overdue_query(period: Period) -> Executable:
    """督办 deadlines the sweep found missed in the period, per the ticket's department."""
    return (
        select(T.department_code, func.count())
        .select_from(TicketEvent.__table__.join(Ticket.__table__, E.ticket_id == T.id))
        .where(
            E.action == "chase", E.note == "directive_overdue", _in(E.at, period.start, period.end)
        )
        .group_by(T.department_code)
    )


def report_for(service: Services, kind: str, end: date | None = None) -> Report:
    """The report of a `today|week|month` period ending on `end`, for a running service."""
    now = service.clock.now()
    period = make_period(kind, end, now=now, tz=service.tz)
    catalogue = service.catalogue
    names = {c: d.name for c, d in catalogue.departments.items()}
    with transaction(service.sessions) as session:
        report = build_report(
            session,
            period,
            tz=service.tz,
            department_names=names,
            category_names={c: k.name for c, k in catalogue.categories.items()},
            computed_at=now,
        )
        centre = centre_figures(
            session, start=period.start, end=period.end, now=period.now, names=names
        )
        return replace(report, centre=centre)
