"""The Chinese working-time calendar: holidays, make-up working days (调休) and office hours.

Working time is counted only inside office hours on working days. A "working day" of time is
one full day of office hours (7 h by default), so one working day from Tuesday 10:00 is
Wednesday 10:00, and a start outside office hours begins counting at the next opening.

Holiday data comes from the `chinese_calendar` package, which only knows the years whose
schedule the State Council has published; `data/calendar.yml` adds or corrects years. For a
year nobody knows, Monday–Friday are taken as working days and results are `provisional`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)


@dataclass(frozen=True)
class YearOverride:
    """An operator's holidays and make-up working days for one year (from calendar.yml)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class WorkingResult:
    """An instant computed on the calendar, and whether unknown holiday data was involved."""

    at: datetime
    provisional: bool


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass
class WorkingCalendar:
    """Answers 'is this working time' and adds or measures working time between instants."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    overrides: dict[int, YearOverride] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.office_hours:
            raise ValueError("office hours must not be empty")
        previous = time(0, 0)
        for opens, closes in self.office_hours:
            if not previous <= opens < closes:
                raise ValueError("office hours must be ordered, non-overlapping periods")
            previous = closes
        self._day_cache: dict[date, bool] = {}
        self._year_cache: dict[int, bool] = {}

    # ---------------------------------------------------------------- days

    @property
    def day_length(self) -> timedelta:
        """The working time in one full working day (the unit of 'N working days')."""
        return sum(
            (
                datetime.combine(date.min, c) - datetime.combine(date.min, o)
                for o, c in self.office_hours
            ),
            timedelta(),
        )

    def is_known(self, day: date) -> bool:
        """Whether holiday data exists for the day's year (package or calendar.yml)."""
        year = day.year
        if year not in self._year_cache:
            self._year_cache[year] = year in self.overrides or _package_knows(year)
        return self._year_cache[year]

    def is_working_day(self, day: date) -> bool:
        """calendar.yml first, then the package, then Monday–Friday for unknown years."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        override = self.overrides.get(day.year)
        if override is not None and day in override.workdays:
            result = True
        elif override is not None and day in override.holidays:
            result = False
        elif _package_knows(day.year):
            result = bool(chinese_calendar.is_workday(day))
        else:
            result = day.weekday() < 5
        self._day_cache[day] = result
        return result

    def missing_coverage(self, today: date, days: int = 60) -> list[int]:
        """Years within the next `days` days that have no holiday data."""
        years = {(today + timedelta(days=n)).year for n in range(days + 1)}
        return sorted(y for y in years if not self.is_known(date(y, 1, 1)))

    # --------------------------------------------------------------- periods

    def _periods(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return
        for opens, closes in self.office_hours:
            yield (
                datetime.combine(day, opens, tzinfo=self.tz),
                datetime.combine(day, closes, tzinfo=self.tz),
            )

    def _local(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the working calendar needs timezone-aware datetimes")
        return value.astimezone(self.tz)

    def is_working_time(self, value: datetime) -> bool:
        local = self._local(value)
        return any(start <= local < end for start, end in self._periods(local.date()))

    def add_working_time(self, start: datetime, duration: timedelta) -> WorkingResult:
        """The instant `duration` of working time after `start` (in the calendar's zone)."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        cursor = self._local(start)
        remaining = duration
        provisional = False
        day = cursor.date()
        for _ in range(3660):  # ten years of days: far beyond any SLA
            provisional = provisional or not self.is_known(day)
            for opens, closes in self._periods(day):
                begin = max(opens, cursor)
                if begin >= closes:
                    continue
                available = closes - begin
                if remaining <= available:
                    return WorkingResult(begin + remaining, provisional)
                remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0, 0), tzinfo=self.tz)
        raise ValueError("no working time found within ten years")

    def add_working_days(self, start: datetime, days: float) -> WorkingResult:
        return self.add_working_time(start, self.day_length * days)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when end is not after start."""
        a, b = self._local(start), self._local(end)
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            for opens, closes in self._periods(day):
                lo, hi = max(opens, a), min(closes, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total
