"""The Chinese working-time calendar: public holidays, make-up working days (调休), office hours.

Working time is counted only inside office hours on working days. The unit "one working day"
is one full day of office hours (7 h by default: 09:00–12:00 and 13:30–17:30), so one working
day from Tuesday 10:00 is Wednesday 10:00, from Friday 16:00 it is Monday 16:00, and a start
outside office hours begins counting at the next opening (Saturday 20:00 + 1 working day is
Monday 17:30). A result that lands exactly on a closing time stays there (it is not pushed to
the next opening), and adding zero time returns the start unchanged.

Which days are working days: an operator's entry in data/calendar.yml first, then the
`chinese_calendar` package (the years the State Council has published), and for a year that
neither knows, Monday–Friday only; such results are marked `provisional` so that the ticket
can be recomputed once the year's schedule is added.

Office hours are wall-clock periods in the calendar's time zone (Asia/Shanghai by default).
Everything here is pure: no database, no wall clock; instants go in and out as aware datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
from pydantic import BaseModel, ConfigDict

from hotline.domain.yamlconf import YamlDocument, read_yaml, validate

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
# Far beyond any SLA; a bound so that a calendar with no working time cannot loop forever.
_MAX_SCAN_DAYS = 3660

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class YearOverride:
    """An operator's holidays and make-up working days for one year, as in calendar.yml."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class WorkingResult:
    """An instant on the calendar, flagged when a year without holiday data was involved."""

    at: datetime
    provisional: bool


@cache
def _package_knows(year: int) -> bool:
    """Ask the package once per year, because it raises for years it was not shipped with."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def package_years() -> frozenset[int]:
    """The years chinese_calendar covers, so coverage can be reported without probing dates."""
    return frozenset(y for y in range(1990, 2101) if _package_knows(y))


class WorkingCalendar:
    """Answers "is this working time" and adds or measures working time between instants."""

    def __init__(
        self,
        *,
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        tz: ZoneInfo | None = None,
        overrides: Mapping[int, YearOverride] | None = None,
    ) -> None:
        periods = tuple(office_hours)
        if not periods:
            raise ValueError("office hours must not be empty")
        previous: time | None = None
        for opens, closes in periods:
            if opens >= closes or (previous is not None and opens < previous):
                raise ValueError("office hours must be ordered, non-overlapping periods")
            previous = closes
        self.office_hours: tuple[tuple[time, time], ...] = periods
        self.tz: ZoneInfo = tz if tz is not None else ZoneInfo(DEFAULT_TIMEZONE)
        self.overrides: dict[int, YearOverride] = dict(overrides or {})
        self.day_length: timedelta = sum(
            (_wall(closes) - _wall(opens) for opens, closes in periods), timedelta()
        )
        self._working_days: dict[date, bool] = {}
        self._periods: dict[date, tuple[Period, ...]] = {}

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """Build the calendar from data/calendar.yml; any error names the file and line."""
        return load_calendar(path)

    # ------------------------------------------------------------------ days

    @property
    def known_years(self) -> frozenset[int]:
        """Years with holiday data, so admins can see what still has to be configured."""
        return package_years() | frozenset(self.overrides)

    def is_known(self, day: date) -> bool:
        """Whether holiday data exists for the day's year (calendar.yml or the package)."""
        return day.year in self.overrides or _package_knows(day.year)

    def is_working_day(self, day: date) -> bool:
        """calendar.yml first, then the package, then Monday–Friday for an unknown year."""
        cached = self._working_days.get(day)
        if cached is None:
            cached = self._decide(day)
            self._working_days[day] = cached
        return cached

    def _decide(self, day: date) -> bool:
        """One uncached decision; kept apart so that the cache stays a plain dict lookup."""
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
        if _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def missing_coverage(self, today: date, days: int = 60) -> list[int]:
        """Years touched by the next `days` days that lack holiday data (the loud warning)."""
        last = today + timedelta(days=days)
        return [y for y in range(today.year, last.year + 1) if not self.is_known(date(y, 1, 1))]

    # ----------------------------------------------------------------- time

    def _local(self, value: datetime) -> datetime:
        """Naive datetimes are ambiguous across zones, so they are refused outright."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the working calendar needs timezone-aware datetimes")
        return value.astimezone(self.tz)

    def _day_periods(self, day: date) -> tuple[Period, ...]:
        """Office periods of one day as instants, cached because deadlines revisit days."""
        periods = self._periods.get(day)
        if periods is None:
            periods = ()
            if self.is_working_day(day):
                periods = tuple(
                    (
                        datetime.combine(day, opens, tzinfo=self.tz),
                        datetime.combine(day, closes, tzinfo=self.tz),
                    )
                    for opens, closes in self.office_hours
                )
            self._periods[day] = periods
        return periods

    def is_working_time(self, value: datetime) -> bool:
        """Whether staff are at their desks at this instant (closing time itself is not)."""
        local = self._local(value)
        return any(start <= local < end for start, end in self._day_periods(local.date()))

    def add_working_time(self, start: datetime, duration: timedelta) -> WorkingResult:
        """The instant `duration` of working time after `start`, in the calendar's zone."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        cursor = self._local(start)
        if not duration:
            return WorkingResult(cursor, provisional=False)
        remaining = duration
        provisional = False
        day = cursor.date()
        whole_days = False  # after the first day, whole days are skipped without datetimes
        year = 0
        for _ in range(_MAX_SCAN_DAYS):
            if day.year != year:
                year = day.year
                provisional = provisional or not self.is_known(day)
            if whole_days and remaining > self.day_length:
                if self.is_working_day(day):
                    remaining -= self.day_length
            else:
                for opens, closes in self._day_periods(day):
                    begin = max(opens, cursor)
                    if begin >= closes:
                        continue
                    available = closes - begin
                    if remaining <= available:
                        return WorkingResult(begin + remaining, provisional)
                    remaining -= available
            day += timedelta(days=1)
            whole_days = True
        raise ValueError(f"no working time found within {_MAX_SCAN_DAYS} days")

    def add_working_days(self, start: datetime, days: float) -> WorkingResult:
        """`days` full days of office hours after `start` (fractions allowed for warnings)."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.add_working_time(start, self.day_length * days)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when end is not after start."""
        a, b = self._local(start), self._local(end)
        total = timedelta(0)
        if b <= a:
            return total
        first, last = a.date(), b.date()
        for day in {first, last}:
            for opens, closes in self._day_periods(day):
                lo, hi = max(opens, a), min(closes, b)
                if hi > lo:
                    total += hi - lo
        day = first + timedelta(days=1)
        while day < last:  # days in between are whole: no datetimes needed
            if self.is_working_day(day):
                total += self.day_length
            day += timedelta(days=1)
        return total

    def calendar_add(self, start: datetime, duration: timedelta) -> datetime:
        """Elapsed-time addition in UTC, so that a DST zone still gets exactly 24 real hours."""
        utc = self._local(start).astimezone(UTC)
        return (utc + duration).astimezone(self.tz)


def _wall(value: time) -> datetime:
    """A time of day on a fixed date, so periods can be subtracted."""
    return datetime.combine(date(2000, 1, 1), value)


# ----------------------------------------------------------------- calendar.yml


class _Strict(BaseModel):
    """Unknown keys are typos in hand-edited files, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class YearSpec(_Strict):
    """One year's entries: dates (2027-01-01) or ranges ("2027-02-05..2027-02-13")."""

    holidays: list[date | str] = []
    workdays: list[date | str] = []


class CalendarSpec(_Strict):
    """data/calendar.yml as written; times may arrive as ints when left unquoted (YAML 1.1)."""

    timezone: str = DEFAULT_TIMEZONE
    office_hours: list[tuple[str | int, str | int]] = [("09:00", "12:00"), ("13:30", "17:30")]
    years: dict[int, YearSpec | None] = {}


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def expand_dates(entry: date | str) -> list[date]:
    """Turn one calendar.yml entry (a date or an inclusive range) into its days."""
    if isinstance(entry, date):
        return [entry]
    text = entry.strip()
    match = _RANGE.match(text)
    if match is None:
        return [date.fromisoformat(text)]
    first, last = (date.fromisoformat(g) for g in match.groups())
    if last < first:
        raise ValueError(f"range {entry!r} ends before it starts")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _parse_time(value: str | int) -> time:
    """Accept "9:00" or "09:00"; an int means YAML read an unquoted 13:30 as base 60."""
    if isinstance(value, int):
        raise ValueError("write times in quotes, like '13:30' (YAML reads 13:30 as a number)")
    match = _TIME.match(value.strip())
    if match is None:
        raise ValueError(f"expected a time like '09:00', got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _year_dates(
    doc: YamlDocument, year: int, field: str, entries: Iterable[date | str]
) -> frozenset[date]:
    """Expand a year's list, pointing errors at the offending item's line."""
    out: set[date] = set()
    for i, entry in enumerate(entries):
        loc = ("years", year, field, i)
        try:
            days = expand_dates(entry)
        except ValueError as exc:
            raise doc.error(loc, f"expected YYYY-MM-DD or a range A..B: {exc}") from exc
        if any(d.year != year for d in days):
            raise doc.error(loc, f"{entry} is not in {year}")
        out.update(days)
    return frozenset(out)


def load_calendar(path: Path) -> WorkingCalendar:
    """Build the working calendar from data/calendar.yml; errors name the file and line."""
    doc = read_yaml(path)
    spec = validate(doc, CalendarSpec)
    try:
        tz = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise doc.error(("timezone",), f"unknown time zone {spec.timezone!r}") from exc
    hours: list[tuple[time, time]] = []
    for i, pair in enumerate(spec.office_hours):
        try:
            hours.append((_parse_time(pair[0]), _parse_time(pair[1])))
        except ValueError as exc:
            raise doc.error(("office_hours", i), str(exc)) from exc
    overrides: dict[int, YearOverride] = {}
    for year, entry in spec.years.items():
        if entry is None:
            continue  # a year listed without data (awaiting publication) is still unknown
        holidays = _year_dates(doc, year, "holidays", entry.holidays)
        workdays = _year_dates(doc, year, "workdays", entry.workdays)
        both = holidays & workdays
        if both:
            raise doc.error(
                ("years", year), f"{min(both)} is listed both as holiday and as workday"
            )
        overrides[year] = YearOverride(holidays=holidays, workdays=workdays)
    try:
        return WorkingCalendar(office_hours=hours, tz=tz, overrides=overrides)
    except ValueError as exc:
        raise doc.error(("office_hours",), str(exc)) from exc


__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "CalendarSpec",
    "WorkingCalendar",
    "WorkingResult",
    "YearOverride",
    "load_calendar",
]
