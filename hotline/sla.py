"""SLA policy (data/sla.yml): acceptance and answer limits, warnings, extensions, escalation.

Deadlines for normal tickets run in working time on the Chinese calendar (hotline.calendar);
urgent tickets, and categories configured with hour limits, run in calendar time, nights and
holidays included. A reopened ticket simply gets a fresh answer deadline from the reopen time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.calendar import WorkingCalendar, YearOverride
from hotline.yamlconf import ConfigError, read_yaml, validate

Priority = Literal["urgent", "normal"]
RequestType = Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]


@dataclass(frozen=True)
class Deadline:
    """A due instant, its 75 % warning point, and how it was computed."""

    at: datetime
    warn_at: datetime
    provisional: bool = False
    calendar_time: bool = False


# ------------------------------------------------------------------ file models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UrgentLimits(_Strict):
    accept_minutes: int = Field(30, gt=0)
    answer_hours: int = Field(24, gt=0)


class CategoryOverride(_Strict):
    answer_hours: int | None = Field(None, gt=0)
    answer_working_days: float | None = Field(None, gt=0)
    accept_working_days: float | None = Field(None, gt=0)


class ExtensionRules(_Strict):
    max_per_ticket: int = Field(1, ge=0)
    max_working_days: int = Field(10, gt=0)


class FollowUp(_Strict):
    survey_after_days: int = Field(1, ge=0)
    auto_close_after_days: int = Field(3, gt=0)


class SlaFile(_Strict):
    accept_working_days: float = Field(1, gt=0)
    answer_working_days: dict[RequestType, float]
    urgent: UrgentLimits = UrgentLimits()
    warning_fraction: float = Field(0.75, gt=0, lt=1)
    category_overrides: dict[str, CategoryOverride] = {}
    extension: ExtensionRules = ExtensionRules()
    escalate_after_working_days: list[float] = Field(default_factory=lambda: [1.0, 5.0])
    follow_up: FollowUp = FollowUp()

    @field_validator("answer_working_days")
    @classmethod
    def _all_types(cls, value: dict[str, float]) -> dict[str, float]:
        missing = {"咨询", "求助", "投诉", "举报", "建议", "表扬"} - set(value)
        if missing:
            raise ValueError(f"missing request types: {', '.join(sorted(missing))}")
        if any(v <= 0 for v in value.values()):
            raise ValueError("limits must be positive")
        return value


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


def _dates(entries: list[str | date]) -> frozenset[date]:
    """Expand 'YYYY-MM-DD' and 'YYYY-MM-DD..YYYY-MM-DD' entries into dates."""
    out: set[date] = set()
    for entry in entries:
        if isinstance(entry, date):
            out.add(entry)
            continue
        match = _RANGE.match(entry.strip())
        if match:
            first, last = (date.fromisoformat(g) for g in match.groups())
            if last < first:
                raise ValueError(f"range {entry!r} ends before it starts")
            out.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        else:
            out.add(date.fromisoformat(entry.strip()))
    return frozenset(out)


class YearEntry(_Strict):
    holidays: list[str | date] = []
    workdays: list[str | date] = []

    @field_validator("holidays", "workdays")
    @classmethod
    def _parse(cls, value: list[str | date]) -> list[str | date]:
        _dates(value)  # raises ValueError with the bad entry
        return value


class CalendarFile(_Strict):
    timezone: str = "Asia/Shanghai"
    office_hours: list[tuple[str, str]] = [("09:00", "12:00"), ("13:30", "17:30")]
    years: dict[int, YearEntry | None] = {}


# ---------------------------------------------------------------------- policy


def load_calendar(path: Path) -> WorkingCalendar:
    """Build the working calendar from data/calendar.yml; errors name file and line."""
    doc = read_yaml(path)
    spec = validate(doc, CalendarFile)
    try:
        tz = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise doc.error(("timezone",), f"unknown time zone {spec.timezone!r}") from exc
    hours: list[tuple[time, time]] = []
    for i, (opens, closes) in enumerate(spec.office_hours):
        try:
            hours.append((time.fromisoformat(opens), time.fromisoformat(closes)))
        except ValueError as exc:
            raise doc.error(("office_hours", i), "expected times like '09:00'") from exc
    overrides: dict[int, YearOverride] = {}
    for year, entry in spec.years.items():
        if entry is None:
            continue  # a year listed without data is still unknown
        holidays, workdays = _dates(entry.holidays), _dates(entry.workdays)
        for day in holidays | workdays:
            if day.year != year:
                raise doc.error(("years", year), f"{day} is not in {year}")
        overrides[year] = YearOverride(holidays=holidays, workdays=workdays)
    try:
        return WorkingCalendar(tz=tz, office_hours=tuple(hours), overrides=overrides)
    except ValueError as exc:
        raise doc.error(("office_hours",), str(exc)) from exc


class SlaPolicy:
    """Computes every deadline the hotline runs on; built once from the two YAML files."""

    def __init__(self, spec: SlaFile, calendar: WorkingCalendar) -> None:
        self.spec = spec
        self.calendar = calendar

    @classmethod
    def load(
        cls, sla_path: Path, calendar_path: Path, *, known_categories: set[str] | None = None
    ) -> SlaPolicy:
        doc = read_yaml(sla_path)
        spec = validate(doc, SlaFile)
        if known_categories is not None:
            for name in spec.category_overrides:
                if name not in known_categories:
                    raise doc.error(("category_overrides", name), f"unknown category {name!r}")
        return cls(spec, load_calendar(calendar_path))

    # --------------------------------------------------------------- settings

    @property
    def max_extensions(self) -> int:
        return self.spec.extension.max_per_ticket

    @property
    def max_extension_days(self) -> int:
        return self.spec.extension.max_working_days

    @property
    def survey_after_days(self) -> int:
        return self.spec.follow_up.survey_after_days

    @property
    def auto_close_days(self) -> int:
        return self.spec.follow_up.auto_close_after_days

    def is_calendar_time(self, category: str | None, priority: Priority) -> bool:
        """Whether the answer limit of such a ticket runs in calendar time."""
        if priority == "urgent":
            return True
        override = self.spec.category_overrides.get(category or "")
        return override is not None and override.answer_hours is not None

    # -------------------------------------------------------------- deadlines

    def _calendar(self, start: datetime, limit: timedelta) -> Deadline:
        start = start.astimezone(self.calendar.tz)
        return Deadline(
            at=start + limit,
            warn_at=start + limit * self.spec.warning_fraction,
            provisional=False,
            calendar_time=True,
        )

    def _working(self, start: datetime, days: float) -> Deadline:
        due = self.calendar.add_working_days(start, days)
        warn = self.calendar.add_working_days(start, days * self.spec.warning_fraction)
        return Deadline(at=due.at, warn_at=warn.at, provisional=due.provisional)

    def accept_deadline(
        self, dispatched_at: datetime, *, priority: Priority, category: str | None
    ) -> Deadline:
        """签收 limit: counted from dispatch (not acceptance), 30 minutes when urgent."""
        if priority == "urgent":
            return self._calendar(dispatched_at, timedelta(minutes=self.spec.urgent.accept_minutes))
        override = self.spec.category_overrides.get(category or "")
        days = (override.accept_working_days if override else None) or self.spec.accept_working_days
        return self._working(dispatched_at, days)

    def answer_deadline(
        self,
        start: datetime,
        *,
        request_type: RequestType,
        priority: Priority,
        category: str | None,
    ) -> Deadline:
        """办结 limit by request type, category override or urgency."""
        if priority == "urgent":
            return self._calendar(start, timedelta(hours=self.spec.urgent.answer_hours))
        override = self.spec.category_overrides.get(category or "")
        if override is not None and override.answer_hours is not None:
            return self._calendar(start, timedelta(hours=override.answer_hours))
        if override is not None and override.answer_working_days is not None:
            return self._working(start, override.answer_working_days)
        return self._working(start, self.spec.answer_working_days[request_type])

    def extend(self, due: Deadline, working_days: int) -> Deadline:
        """An approved extension (延期) moves the deadline by working days, never past the cap."""
        if not 1 <= working_days <= self.max_extension_days:
            raise ValueError(f"an extension is 1 to {self.max_extension_days} working days")
        moved = self.calendar.add_working_days(due.at, working_days)
        warn = self.calendar.add_working_days(due.at, working_days * self.spec.warning_fraction)
        return Deadline(
            at=moved.at,
            warn_at=warn.at,
            provisional=due.provisional or moved.provisional,
            calendar_time=False,
        )

    def pause(self, due: Deadline, paused_from: datetime, resumed_at: datetime) -> Deadline:
        """Time spent waiting on the citizen does not count: shift the deadline by it."""
        if due.calendar_time:
            waited = max(resumed_at - paused_from, timedelta(0))
            return replace(due, at=due.at + waited, warn_at=due.warn_at + waited)
        waited = self.calendar.working_time_between(paused_from, resumed_at)
        moved = self.calendar.add_working_time(due.at, waited)
        warn = self.calendar.add_working_time(due.warn_at, waited)
        return replace(
            due, at=moved.at, warn_at=warn.at, provisional=due.provisional or moved.provisional
        )

    def escalation_times(self, due: Deadline) -> list[datetime]:
        """When a still-overdue ticket goes to the supervisors (督办): 1 and 5 working days late."""
        return [
            self.calendar.add_working_days(due.at, days).at
            for days in self.spec.escalate_after_working_days
        ]

    def coverage_warning(self, today: date, days: int = 60) -> str | None:
        """A sentence for admins when holiday data is missing ahead, else None."""
        missing = self.calendar.missing_coverage(today, days)
        if not missing:
            return None
        return f"未来{days}天内 {'、'.join(map(str, missing))} 年的节假日安排尚未配置"


__all__ = ["ConfigError", "Deadline", "Priority", "RequestType", "SlaPolicy", "load_calendar"]
