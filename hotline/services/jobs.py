"""Periodic work the scheduler triggers: the SLA sweep, morning digests, calendar coverage."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hotline.domain.tickets import OPEN_FOR_ANSWER
from hotline.services import messages
from hotline.services.container import Services
from hotline.services.sweep import SweepResult, sweep
from hotline.storage.db import transaction
from hotline.storage.models import Ticket
from hotline.storage.outbox import Audience, OutboxEntry, enqueue

log = logging.getLogger(__name__)


def run_sweep(service: Services, *, batch: int = 500, max_batches: int = 200) -> SweepResult:
    """Sweep in batches (one transaction each) until nothing is due; returns the totals."""
    total = SweepResult()
    now = service.clock.now()
    for _ in range(max_batches):
        with transaction(service.sessions) as session:
            result = sweep(
                session,
                sla=service.sla,
                catalogue=service.catalogue,
                tz=service.tz,
                now=now,
                batch=batch,
            )
        total.examined += result.examined
        total.sent += result.sent
        total.closed += result.closed
        total.skipped_superseded += result.skipped_superseded
        if result.examined < batch:
            break
    total.sent += service.tickets.remind_assisting()  # 协办意见: due soon, or late
    if total.examined:
        log.info(
            "sweep at %s: examined %d, sent %d, closed %d",
            now.isoformat(),
            total.examined,
            total.sent,
            total.closed,
        )
    return total


@dataclass(frozen=True)
class DigestLine:
    department: str
    due_today: int
    overdue: int


def morning_digest(service: Services) -> list[DigestLine]:
    """On working days, tell each department what is due today and what is overdue (once a day)."""
    now = service.clock.now()
    local = now.astimezone(service.tz)
    if not service.sla.calendar.is_working_day(local.date()):
        return []
    end_of_day = datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), tzinfo=service.tz
    )
    lines: list[DigestLine] = []
    with transaction(service.sessions) as session:
        open_tickets = (
            select(Ticket.department_code, func.count(Ticket.id))
            .where(Ticket.status.in_(OPEN_FOR_ANSWER), Ticket.department_code.is_not(None))
            .group_by(Ticket.department_code)
        )
        due_today = {
            dept: count
            for dept, count in session.execute(
                open_tickets.where(Ticket.answer_due_at >= now, Ticket.answer_due_at < end_of_day)
            )
        }
        overdue = {
            dept: count
            for dept, count in session.execute(open_tickets.where(Ticket.answer_due_at < now))
        }
        for dept in sorted(d for d in set(due_today) | set(overdue) if d is not None):
            line = DigestLine(dept, int(due_today.get(dept, 0)), int(overdue.get(dept, 0)))
            lines.append(line)
            enqueue(
                session,
                OutboxEntry(
                    audience="department",
                    address=dept,
                    kind="morning_digest",
                    text=messages.department_morning_digest(
                        local.date(),
                        service.catalogue.department_name(dept),
                        line.due_today,
                        line.overdue,
                    ),
                    payload={"due_today": line.due_today, "overdue": line.overdue},
                    dedupe_key=f"digest:{dept}:{local:%Y%m%d}",
                ),
                now=now,
            )
    return lines


def calendar_check(service: Services, horizon_days: int = 60) -> list[int]:
    """Warn admins and supervisors, loudly and daily, when holiday data is missing ahead."""
    now = service.clock.now()
    today = now.astimezone(service.tz).date()
    missing = service.sla.calendar.missing_coverage(today, horizon_days)
    if missing:
        text = messages.staff_calendar_missing(missing, horizon_days)
        log.warning(
            "holiday calendar missing for %s within %d days",
            messages.years_text(missing),
            horizon_days,
        )
        with transaction(service.sessions) as session:
            audiences: tuple[Audience, ...] = ("admin", "supervisor")
            for audience in audiences:
                enqueue(
                    session,
                    OutboxEntry(
                        audience=audience,
                        address="*",
                        kind="calendar_missing",
                        text=text,
                        payload={"years": missing},
                        dedupe_key=f"calendar_missing:{audience}:{today:%Y%m%d}",
                    ),
                    now=now,
                )
    return missing
