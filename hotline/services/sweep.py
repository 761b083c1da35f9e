"""The SLA sweep: warn (黄灯), chase (催办), escalate (督办), survey (回访), auto-close; once.

Each open ticket carries `next_alert_at`, the next instant at which something may be due for
it. The sweep selects only tickets whose instant has come (an indexed range scan), emits the
alerts that are due, and moves `next_alert_at` to the following threshold. Every alert is an
outbox row with a dedupe key naming the ticket, the alert and the deadline it refers to, so
a restart, two overlapping sweeps or two scheduler processes can never send it twice, and an
alert missed while the scheduler was down is sent once when it comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.catalogue import Catalogue
from hotline.domain.sla import Deadline, SlaPolicy
from hotline.domain.tickets import OPEN_FOR_ANSWER, SYSTEM, Action, Status, next_status
from hotline.services import messages
from hotline.storage.journal import record_event
from hotline.storage.models import Ticket
from hotline.storage.outbox import Audience, OutboxEntry, address_for, enqueue_unique

SURVEY_HOUR = time(10, 0)


@dataclass(frozen=True)
class Alert:
    """One thing the sweep must say (or do) about a ticket at a given instant."""

    kind: str  # accept_warning | accept_overdue | answer_warning | answer_overdue
    #            escalate_1.. | directive_overdue | survey | auto_close
    at: datetime
    key: str  # dedupe key: the alert, the ticket and the deadline it refers to


def _survey_at(ticket: Ticket, sla: SlaPolicy, tz: ZoneInfo) -> datetime:
    """The day after resolution, mid-morning local time: citizens are not surveyed at night."""
    assert ticket.resolved_at is not None
    day = ticket.resolved_at.astimezone(tz).date() + timedelta(days=sla.survey_after_days)
    return datetime.combine(day, SURVEY_HOUR, tzinfo=tz)


def plan_alerts(
    ticket: Ticket, sla: SlaPolicy, tz: ZoneInfo, *, escalations: bool = True
) -> list[Alert]:
    """Every alert this ticket will need in its current state, in time order (without the
    escalations when `escalations` is False: they never come before the answer limit)."""
    plan: list[Alert] = []
    status = ticket.status
    tid = ticket.id
    if status == Status.DISPATCHED.value and ticket.accept_due_at is not None:
        stamp = ticket.accept_due_at.isoformat()
        if ticket.accept_warn_at is not None:
            plan.append(
                Alert("accept_warning", ticket.accept_warn_at, f"accept_warning:{tid}:{stamp}")
            )
        plan.append(Alert("accept_overdue", ticket.accept_due_at, f"accept_overdue:{tid}:{stamp}"))
    if (
        status in OPEN_FOR_ANSWER
        and ticket.answer_due_at is not None
        and ticket.paused_since is None
    ):
        stamp = ticket.answer_due_at.isoformat()
        if ticket.answer_warn_at is not None:
            plan.append(
                Alert("answer_warning", ticket.answer_warn_at, f"answer_warning:{tid}:{stamp}")
            )
        plan.append(Alert("answer_overdue", ticket.answer_due_at, f"answer_overdue:{tid}:{stamp}"))
        due = Deadline(
            at=ticket.answer_due_at,
            warn_at=ticket.answer_warn_at or ticket.answer_due_at,
            provisional=ticket.due_provisional,
        )
        for level, when in enumerate(sla.escalation_times(due) if escalations else (), start=1):
            plan.append(Alert(f"escalate_{level}", when, f"escalate_{level}:{tid}:{stamp}"))
    if status in OPEN_FOR_ANSWER and ticket.directive_due_at is not None:
        stamp = ticket.directive_due_at.isoformat()  # a supervisor's 督办 deadline
        plan.append(
            Alert("directive_overdue", ticket.directive_due_at, f"directive_overdue:{tid}:{stamp}")
        )
    if status == Status.RESOLVED.value and ticket.resolved_at is not None:
        round_ = f"{tid}:{ticket.reopen_count}"
        if ticket.surveyed_at is None:
            plan.append(Alert("survey", _survey_at(ticket, sla, tz), f"survey:{round_}"))
        else:  # the citizen gets the full rating window, counted from the survey actually sent
            plan.append(
                Alert(
                    "auto_close",
                    ticket.surveyed_at + timedelta(days=sla.auto_close_days),
                    f"auto_close:{round_}",
                )
            )
    return sorted(plan, key=lambda a: a.at)


def next_alert_at(ticket: Ticket, sla: SlaPolicy, tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first planned alert strictly after `after` (None: nothing left to watch)."""
    upcoming = [a.at for a in plan_alerts(ticket, sla, tz) if a.at > after]
    return min(upcoming) if upcoming else None


def schedule(ticket: Ticket, sla: SlaPolicy, tz: ZoneInfo, now: datetime) -> None:
    """Point `next_alert_at` at the earliest alert not yet handled (past ones included).

    Escalations are left out of the plan: each is working days after the answer limit,
    and working time added to an instant never lands before it, so the answer_overdue
    alert at that limit always comes first (two calendar walks saved per ticket)."""
    plan = plan_alerts(ticket, sla, tz, escalations=False)
    ticket.next_alert_at = plan[0].at if plan else None
    if plan and ticket.next_alert_at is not None and ticket.next_alert_at < now:
        ticket.next_alert_at = now  # handled by the very next sweep


# ------------------------------------------------------------------------------ texts

_DEPARTMENT_TEXTS: dict[str, Callable[[Ticket, ZoneInfo], str]] = {
    "accept_warning": messages.department_accept_warning,
    "accept_overdue": messages.department_accept_overdue,
    "answer_warning": messages.department_answer_warning,
    "answer_overdue": messages.department_answer_overdue,
}


def _alert_text(alert: Alert, ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo) -> str:
    if alert.kind in _DEPARTMENT_TEXTS:
        return _DEPARTMENT_TEXTS[alert.kind](ticket, tz)
    if alert.kind.startswith("escalate_"):
        return messages.supervisor_overdue_escalation(ticket, catalogue, tz)
    if alert.kind == "survey":
        return messages.citizen_survey(ticket, catalogue)
    if alert.kind == "directive_overdue":
        return messages.supervisor_directive_overdue(ticket, catalogue, tz)
    raise ValueError(f"no text for alert {alert.kind}")


_AUDIENCE: dict[str, Audience] = {
    "accept_warning": "department",
    "accept_overdue": "department",
    "answer_warning": "department",
    "answer_overdue": "department",
    "survey": "citizen",
}


@dataclass
class SweepResult:
    """What one sweep did, for logs and tests."""

    examined: int = 0
    sent: int = 0
    skipped_superseded: int = 0
    closed: int = 0


def _auto_close(session: Session, ticket: Ticket, now: datetime) -> None:
    """Close a resolved ticket whose survey went unanswered, through the state machine."""
    current = Status(ticket.status)
    ticket.status = next_status(Action.CLOSE, current).value
    ticket.closed_at = now
    record_event(
        session,
        ticket,
        at=now,
        actor=SYSTEM.audit_name,
        action=Action.CLOSE.value,
        from_status=current.value,
        to_status=ticket.status,
        note="回访期满未评价，自动办结（计为未评价）",
        data={"auto": True},
    )


def _message(alert: Alert, ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo) -> OutboxEntry:
    audience: Audience = _AUDIENCE.get(alert.kind, "supervisor")
    return OutboxEntry(
        audience=audience,
        address=address_for(audience, ticket),
        kind=alert.kind,
        text=_alert_text(alert, ticket, catalogue, tz),
        ticket=ticket,
        payload={"number": ticket.number},
        dedupe_key=alert.key,
    )


def sweep(
    session: Session,
    *,
    sla: SlaPolicy,
    catalogue: Catalogue,
    tz: ZoneInfo,
    now: datetime,
    batch: int = 500,
) -> SweepResult:
    """Handle every ticket whose next alert has come; safe to run concurrently and repeatedly."""
    result = SweepResult()
    query = (
        select(Ticket)
        .where(Ticket.next_alert_at.is_not(None), Ticket.next_alert_at <= now)
        .order_by(Ticket.next_alert_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    pending: list[tuple[Ticket, Alert]] = []
    tickets = list(session.scalars(query))
    for ticket in tickets:
        result.examined += 1
        due = [a for a in plan_alerts(ticket, sla, tz) if a.at <= now]
        # A warning whose overdue alert is also due is stale: say the stronger thing only.
        kinds = {a.kind for a in due}
        for alert in due:
            stage = alert.kind.split("_")[0]
            if alert.kind.endswith("_warning") and f"{stage}_overdue" in kinds:
                result.skipped_superseded += 1
            elif alert.kind == "auto_close":
                _auto_close(session, ticket, now)
                result.closed += 1
            else:
                pending.append((ticket, alert))
                if alert.kind == "survey" and ticket.surveyed_at is None:
                    ticket.surveyed_at = now
    entries = [_message(alert, ticket, catalogue, tz) for ticket, alert in pending]
    added = enqueue_unique(session, entries, now=now)
    for ticket, alert in pending:
        if alert.key not in added:
            continue
        result.sent += 1
        if alert.kind.startswith("escalate_") or alert.kind.endswith("_overdue"):
            record_event(
                session,
                ticket,
                at=now,
                actor=SYSTEM.audit_name,
                action="escalate" if alert.kind.startswith("escalate_") else "chase",
                from_status=ticket.status,
                to_status=ticket.status,
                note=alert.kind,
                data={"key": alert.key},
            )
    for ticket in tickets:  # every examined ticket moves its watermark on, once
        ticket.next_alert_at = next_alert_at(ticket, sla, tz, now)
    return result
