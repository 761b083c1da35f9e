"""schedule() plans without escalations: the first alert must be the full plan's first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import Status
from hotline.services.sweep import plan_alerts, schedule
from hotline.storage.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(TZ)
    ),
    status=st.sampled_from([s.value for s in Status]),
    request_type=st.sampled_from(["咨询", "求助", "投诉"]),
    urgent=st.booleans(),
    directive_hours=st.one_of(st.none(), st.integers(-48, 400)),
)
def test_the_first_alert_is_the_full_plans_first(
    sla: SlaPolicy,
    start: datetime,
    status: str,
    request_type: str,
    urgent: bool,
    directive_hours: int | None,
) -> None:
    accept, answer = sla.deadlines(
        start,
        request_type=request_type,  # type: ignore[arg-type]
        priority="urgent" if urgent else "normal",
        category=None,
    )
    ticket = Ticket(
        id=7,
        status=status,
        reopen_count=0,
        accept_due_at=accept.at,
        accept_warn_at=accept.warn_at,
        answer_due_at=answer.at,
        answer_warn_at=answer.warn_at,
        due_provisional=answer.provisional,
        directive_due_at=None
        if directive_hours is None
        else start + timedelta(hours=directive_hours),
        resolved_at=start if status == Status.RESOLVED.value else None,
    )
    full = plan_alerts(ticket, sla, TZ)
    now = start - timedelta(days=1)
    schedule(ticket, sla, TZ, now)
    assert ticket.next_alert_at == (max(full[0].at, now) if full else None)
