"""SLA policy (data/sla.yml): acceptance and answer limits, warnings, extension, pause, escalation.

Normal tickets run in working time on the Chinese calendar (hotline.domain.calendar);
urgent tickets,
and categories configured with hour limits, run in calendar time, nights and holidays
included, and are never provisional. The clocks start at dispatch. A warning (黄灯) is due
when `warning_fraction` of a limit has elapsed, measured in the limit's own kind of time, and
the ticket is overdue (红灯) at the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.domain.calendar import WorkingCalendar, load_calendar
from hotline.domain.catalogue import REQUEST_TYPES, RequestType
from hotline.domain.yamlconf import ConfigError, read_yaml, validate

Priority = Literal["urgent", "normal"]
Light = Literal["green", "yellow", "red"]


@dataclass(frozen=True)
class Deadline:
    """A due instant with its warning point; stored on the ticket and moved by clock rules."""

    at: datetime  # due instant (aware, in the calendar's zone)
    warn_at: datetime  # the 75 % point
    provisional: bool = False  # computed without holiday data for some year it spans
    calendar_time: bool = False  # the limit runs through nights and holidays

    def light(self, now: datetime) -> Light:
        """The traffic light staff see: green, yellow from the warning point, red at the limit."""
        if now >= self.at:
            return "red"
        return "yellow" if now >= self.warn_at else "green"


# ------------------------------------------------------------------ sla.yml


class _Strict(BaseModel):
    """Unknown keys are typos in hand-edited files, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UrgentLimits(_Strict):
    """Urgent tickets run in calendar time because danger does not wait for Monday."""

    accept_minutes: int = Field(30, gt=0)
    answer_hours: float = Field(24, gt=0)


class CategoryOverride(_Strict):
    """A category whose limits differ from its request type's (utilities: 24 hours)."""

    answer_hours: float | None = Field(None, gt=0)
    answer_working_days: float | None = Field(None, gt=0)
    accept_working_days: float | None = Field(None, gt=0)
    accept_hours: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_answer_limit(self) -> CategoryOverride:
        """Two limits of one kind, none at all, or an acceptance allowed longer than the
        answer are certainly mistakes."""
        if self.answer_hours is not None and self.answer_working_days is not None:
            raise ValueError("give answer_hours or answer_working_days, not both")
        if self.accept_hours is not None and self.accept_working_days is not None:
            raise ValueError("give accept_hours or accept_working_days, not both")
        limits = (
            self.answer_hours,
            self.answer_working_days,
            self.accept_working_days,
            self.accept_hours,
        )
        if all(v is None for v in limits):
            raise ValueError("an override must set at least one limit")
        if self.answer_hours is not None and self.accept_working_days is not None:
            raise ValueError(
                "a calendar-time answer limit (answer_hours) needs a calendar-time acceptance "
                "limit (accept_hours), not accept_working_days"
            )
        if (
            self.accept_hours is not None
            and self.answer_hours is not None
            and self.accept_hours > self.answer_hours
        ):
            raise ValueError("accept_hours must not exceed answer_hours")
        return self


class ExtensionRules(_Strict):
    """延期: how often, and by how much, a department may move its deadline."""

    max_per_ticket: int = Field(1, ge=0)
    max_working_days: int = Field(10, gt=0)


class FollowUp(_Strict):
    """回访 timing in calendar days; the scheduler reads these, the calendar is not involved."""

    survey_after_days: int = Field(1, ge=0)
    auto_close_after_days: int = Field(3, gt=0)


class AssistLimits(_Strict):
    """协办: how long an assisting department has for its opinion (协办意见), from the time
    it was added; the lead's answer limit is never passed."""

    opinion_working_days: float = Field(3, gt=0)
    urgent_opinion_hours: float = Field(12, gt=0)


class SlaSpec(_Strict):
    """data/sla.yml as written."""

    accept_working_days: float = Field(1, gt=0)
    answer_working_days: dict[RequestType, float]
    urgent: UrgentLimits = UrgentLimits()
    warning_fraction: float = Field(0.75, gt=0, lt=1)
    category_overrides: dict[str, CategoryOverride] = {}
    extension: ExtensionRules = ExtensionRules()
    escalate_after_working_days: list[float] = Field(default_factory=lambda: [1.0, 5.0])
    follow_up: FollowUp = FollowUp()
    assist: AssistLimits = AssistLimits()

    @field_validator("answer_working_days")
    @classmethod
    def _every_type(cls, value: dict[RequestType, float]) -> dict[RequestType, float]:
        """A missing type would make tickets of that type crash at dispatch, so fail at start."""
        missing = [t for t in REQUEST_TYPES if t not in value]
        if missing:
            raise ValueError(f"missing request types: {'、'.join(missing)}")
        if any(v <= 0 for v in value.values()):
            raise ValueError("limits must be positive")
        return value

    @field_validator("escalate_after_working_days")
    @classmethod
    def _increasing(cls, value: list[float]) -> list[float]:
        """Escalation levels are numbered in order, so their delays must grow."""
        if any(v <= 0 for v in value) or any(b <= a for a, b in pairwise(value)):
            raise ValueError("must be positive and strictly increasing")
        return value


SlaFile = SlaSpec  # the name the first version used


# ------------------------------------------------------------------ policy


class SlaPolicy:
    """Computes every deadline the hotline runs on; built once from the two YAML files."""

    def __init__(self, spec: SlaSpec, calendar: WorkingCalendar) -> None:
        self.spec = spec
        self.calendar = calendar

    @classmethod
    def load(
        cls, sla_path: Path, calendar_path: Path, *, known_categories: set[str] | None = None
    ) -> SlaPolicy:
        """Load both files; override keys are checked only when the catalogue is given."""
        doc = read_yaml(sla_path)
        spec = validate(doc, SlaSpec)
        if known_categories is not None:
            for name in spec.category_overrides:
                if name not in known_categories:
                    raise doc.error(("category_overrides", name), f"unknown category {name!r}")
        return cls(spec, load_calendar(calendar_path))

    # ---------------------------------------------------------- settings

    @property
    def max_extensions(self) -> int:
        """Extensions a ticket may get; the ticket service counts them."""
        return self.spec.extension.max_per_ticket

    @property
    def max_extension_days(self) -> int:
        """The longest single extension, in working days."""
        return self.spec.extension.max_working_days

    @property
    def escalate_after_working_days(self) -> list[float]:
        """Delays after the due time at which a still-overdue ticket goes to supervisors."""
        return list(self.spec.escalate_after_working_days)

    @property
    def survey_after_days(self) -> int:
        """Calendar days from resolution to the satisfaction survey."""
        return self.spec.follow_up.survey_after_days

    @property
    def auto_close_days(self) -> int:
        """Calendar days without a rating before the ticket closes as "not rated"."""
        return self.spec.follow_up.auto_close_after_days

    def is_calendar_time(self, category: str | None, priority: Priority) -> bool:
        """Whether the answer limit of such a ticket runs in calendar time."""
        if priority == "urgent":
            return True
        override = self.spec.category_overrides.get(category or "")
        return override is not None and override.answer_hours is not None

    def coverage_warning(self, today: date, days: int = 60) -> str | None:
        """The sentence admins get when holiday data is missing ahead, else None."""
        missing = self.calendar.missing_coverage(today, days)
        if not missing:
            return None
        return f"未来{days}天内 {'、'.join(map(str, missing))} 年的节假日安排尚未配置"

    # --------------------------------------------------------- deadlines

    def _in_calendar_time(self, start: datetime, limit: timedelta) -> Deadline:
        """Nights and holidays count, so plain elapsed time; never provisional."""
        return Deadline(
            at=self.calendar.calendar_add(start, limit),
            warn_at=self.calendar.calendar_add(start, limit * self.spec.warning_fraction),
            provisional=False,
            calendar_time=True,
        )

    def _in_working_time(self, start: datetime, days: float) -> Deadline:
        """Warning point first, then the rest from there: one pass over the calendar."""
        limit = self.calendar.day_length * days
        warn_part = limit * self.spec.warning_fraction
        warn = self.calendar.add_working_time(start, warn_part)
        due = self.calendar.add_working_time(warn.at, limit - warn_part)
        return Deadline(at=due.at, warn_at=warn.at, provisional=warn.provisional or due.provisional)

    def accept_deadline(
        self,
        dispatched_at: datetime,
        *,
        priority: Priority,
        category: str | None,
        answer: Deadline | None = None,
    ) -> Deadline:
        """签收 limit, counted from dispatch (not acceptance) and running while returned.

        Urgent tickets: `urgent.accept_minutes` in calendar time. A category with an hour
        limit for the answer accepts in calendar time too (`accept_hours`, by default one
        working day's length of office time, 7 h, as calendar time). Whatever the rules,
        the acceptance limit is never later than the answer limit (`answer`, when given):
        it is moved back to the answer limit, keeping the 75 % warning point inside it.
        """
        override = self.spec.category_overrides.get(category or "")
        if priority == "urgent":
            limit = timedelta(minutes=self.spec.urgent.accept_minutes)
            due = self._in_calendar_time(dispatched_at, limit)
        elif override is not None and override.accept_hours is not None:
            due = self._in_calendar_time(dispatched_at, timedelta(hours=override.accept_hours))
        elif override is not None and override.answer_hours is not None:
            hours = self.calendar.day_length * self.spec.accept_working_days
            due = self._in_calendar_time(
                dispatched_at, min(hours, timedelta(hours=override.answer_hours))
            )
        else:
            days = self.spec.accept_working_days
            if override is not None and override.accept_working_days is not None:
                days = override.accept_working_days
            due = self._in_working_time(dispatched_at, days)
        if answer is not None and due.at > answer.at:
            span = answer.at - dispatched_at
            due = replace(
                due,
                at=answer.at,
                warn_at=dispatched_at + span * self.spec.warning_fraction,
                provisional=answer.provisional,
            )
        return due

    def deadlines(
        self,
        start: datetime,
        *,
        request_type: RequestType,
        priority: Priority,
        category: str | None,
    ) -> tuple[Deadline, Deadline]:
        """Both limits of a (re)dispatch from `start`: (签收, 办结), acceptance never later."""
        answer = self.answer_deadline(
            start, request_type=request_type, priority=priority, category=category
        )
        accept = self.accept_deadline(start, priority=priority, category=category, answer=answer)
        return accept, answer

    def answer_deadline(
        self,
        start: datetime,
        *,
        request_type: RequestType,
        priority: Priority,
        category: str | None,
    ) -> Deadline:
        """办结 limit from `start` (dispatch; a reopened ticket passes its reopen time).

        Urgent tickets get the urgent hours, or the category's hours when those are stricter;
        otherwise a category override beats the request type's working days.
        """
        override = self.spec.category_overrides.get(category or "")
        hours = override.answer_hours if override is not None else None
        if priority == "urgent":
            urgent = self.spec.urgent.answer_hours
            limit = min(urgent, hours) if hours is not None else urgent
            return self._in_calendar_time(start, timedelta(hours=limit))
        if hours is not None:
            return self._in_calendar_time(start, timedelta(hours=hours))
        if override is not None and override.answer_working_days is not None:
            return self._in_working_time(start, override.answer_working_days)
        return self._in_working_time(start, self.spec.answer_working_days[request_type])

    def extend(self, due: Deadline, working_days: int) -> Deadline:
        """An approved extension (延期) adds working days to the due time, within the cap.

        The warning point becomes `warning_fraction` of the way through the extra time, and
        the result runs in working time even if the original limit was in calendar time.
        How many extensions a ticket has had is the ticket service's to count.
        """
        if not 1 <= working_days <= self.max_extension_days:
            raise ValueError(f"an extension is 1 to {self.max_extension_days} working days")
        extended = self._in_working_time(due.at, working_days)
        return replace(extended, provisional=due.provisional or extended.provisional)

    def pause(self, due: Deadline, paused_from: datetime, resumed_at: datetime) -> Deadline:
        """Waiting on the citizen does not count: shift both points by the time spent waiting.

        Working-time limits move by the working time inside the pause, calendar-time limits
        by the elapsed time. A pause that ends before it starts changes nothing.
        """
        if due.calendar_time:
            waited = max(resumed_at - paused_from, timedelta(0))
            return replace(
                due,
                at=self.calendar.calendar_add(due.at, waited),
                warn_at=self.calendar.calendar_add(due.warn_at, waited),
            )
        waited = self.calendar.working_time_between(paused_from, resumed_at)
        moved = self.calendar.add_working_time(due.at, waited)
        warn = self.calendar.add_working_time(due.warn_at, waited)
        return replace(
            due,
            at=moved.at,
            warn_at=warn.at,
            provisional=due.provisional or moved.provisional or warn.provisional,
        )

    def assist_deadline(
        self, start: datetime, *, priority: Priority, lead_answer: Deadline | None
    ) -> Deadline:
        """协办意见 limit from `start` (the assisting department was added); never later than
        the lead department's answer limit, which the opinion must come before."""
        limits = self.spec.assist
        if priority == "urgent":
            due = self._in_calendar_time(start, timedelta(hours=limits.urgent_opinion_hours))
        else:
            due = self._in_working_time(start, limits.opinion_working_days)
        if lead_answer is not None and due.at > lead_answer.at:
            return replace(due, at=lead_answer.at, warn_at=min(due.warn_at, lead_answer.at))
        return due

    def escalation_times(self, due: Deadline) -> list[datetime]:
        """When a still-overdue ticket goes to the supervisors (督办), one instant per level.

        Counted in working days after the due time for every ticket, urgent ones included:
        an urgent ticket due on Saturday night escalates at Monday's closing time.
        """
        return [
            self.calendar.add_working_days(due.at, days).at
            for days in self.spec.escalate_after_working_days
        ]


__all__ = [
    "ConfigError",
    "Deadline",
    "Light",
    "Priority",
    "RequestType",
    "SlaPolicy",
    "SlaSpec",
    "load_calendar",
]
