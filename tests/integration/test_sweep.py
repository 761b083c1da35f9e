"""The SLA sweep with an injected clock: each reminder once, escalations on time, nothing missed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.jobs import calendar_check, morning_digest, run_sweep
from hotline.services.registration import NewTicket
from hotline.storage.models import OutboxMessage, Ticket, TicketEvent

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]
CITIZEN = Actor(role="citizen", id="telegram:1001")
HOUSING = Actor(role="staff", id="telegram:2001", department="housing")


def open_ticket(service: Services, **kw: object) -> str:
    fields: dict[str, object] = {
        "channel": "telegram",
        "channel_user_id": "1001",
        "description": "物业不管小区垃圾",
        "category": "property_management",  # 投诉: 15 working days to answer
    }
    fields.update(kw)
    return service.tickets.open_ticket(NewTicket(**fields)).number  # type: ignore[arg-type]


def kinds(service: Services, number: str | None = None) -> list[str]:
    with service.sessions() as s:
        q = select(OutboxMessage.kind).order_by(OutboxMessage.id)
        if number is not None:
            q = q.join(Ticket, Ticket.id == OutboxMessage.ticket_id).where(Ticket.number == number)
        return list(s.scalars(q))


def test_acceptance_warning_then_chase_each_once(service: Services, clock: ManualClock) -> None:
    number = open_ticket(service)
    view = service.views.get_ticket(number)
    assert view.accept_due_at is not None
    run_sweep(service)
    assert kinds(service, number) == ["ticket_dispatched"]  # nothing due yet
    clock.set(view.accept_due_at - timedelta(minutes=30))  # past 75 % of one working day
    run_sweep(service)
    run_sweep(service)
    assert kinds(service, number) == ["ticket_dispatched", "accept_warning"]
    clock.set(view.accept_due_at + timedelta(minutes=1))
    for _ in range(3):
        run_sweep(service)
    assert kinds(service, number) == ["ticket_dispatched", "accept_warning", "accept_overdue"]


def test_accepting_in_time_stops_the_acceptance_alerts(
    service: Services, clock: ManualClock
) -> None:
    number = open_ticket(service)
    service.tickets.accept(number, HOUSING)
    view = service.views.get_ticket(number)
    assert view.accept_due_at is not None
    clock.set(view.accept_due_at + timedelta(hours=1))
    run_sweep(service)
    assert "accept_overdue" not in kinds(service, number)


def test_overdue_answer_is_chased_and_escalated_twice(
    service: Services, clock: ManualClock
) -> None:
    number = open_ticket(service)
    service.tickets.accept(number, HOUSING)
    due = service.views.get_ticket(number).answer_due_at
    assert due is not None
    clock.set(due + timedelta(minutes=1))
    run_sweep(service)
    assert "answer_overdue" in kinds(service, number)
    assert "answer_warning" not in kinds(service, number)  # superseded when both are due
    clock.set(due + timedelta(days=3))  # > 1 working day later
    run_sweep(service)
    assert kinds(service, number).count("escalate_1") == 1
    clock.set(due + timedelta(days=10))  # > 5 working days later
    run_sweep(service)
    run_sweep(service)
    assert kinds(service, number).count("escalate_1") == 1
    assert kinds(service, number).count("escalate_2") == 1
    with service.sessions() as s:
        actions = list(
            s.scalars(select(TicketEvent.action).join(Ticket).where(Ticket.number == number))
        )
    assert actions.count("escalate") == 2 and actions.count("chase") == 1


def test_escalation_alerts_mask_the_citizens_numbers(service: Services, clock: ManualClock) -> None:
    """督办 quotes the request to supervisors: a phone number in it is masked, as on cards."""
    number = open_ticket(service, description="物业不管小区垃圾，我的电话13912345678")
    service.tickets.accept(number, HOUSING)
    due = service.views.get_ticket(number).answer_due_at
    assert due is not None
    clock.set(due + timedelta(days=10))
    run_sweep(service)
    with service.sessions() as s:
        alerts = s.execute(
            select(OutboxMessage.audience, OutboxMessage.text).where(
                OutboxMessage.kind.like("escalate_%")
            )
        ).all()
    assert len(alerts) == 2 and {audience for audience, _ in alerts} == {"supervisor"}
    for _, text in alerts:
        assert "13912345678" not in text and "*******5678" in text and number in text


def test_missed_reminders_are_sent_once_after_downtime(
    service: Services, clock: ManualClock
) -> None:
    numbers = [open_ticket(service, channel_user_id=str(i)) for i in range(5)]
    clock.advance(timedelta(days=4))  # scheduler was down over all thresholds
    result = run_sweep(service)
    assert result.examined == 5
    for n in numbers:
        assert kinds(service, n).count("accept_overdue") == 1
    assert run_sweep(service).sent == 0


def test_overlapping_sweeps_never_duplicate(service: Services, clock: ManualClock) -> None:
    for i in range(30):
        open_ticket(service, channel_user_id=str(i))
    clock.advance(timedelta(days=30))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: run_sweep(service, batch=7), range(4)))
    with service.sessions() as s:
        dupes = s.execute(
            select(OutboxMessage.dedupe_key, func.count())
            .where(OutboxMessage.dedupe_key.is_not(None))
            .group_by(OutboxMessage.dedupe_key)
            .having(func.count() > 1)
        ).all()
        overdue = s.scalar(select(func.count()).where(OutboxMessage.kind == "answer_overdue"))
    assert dupes == []
    assert overdue == 30


def test_survey_the_day_after_then_auto_close(service: Services, clock: ManualClock) -> None:
    number = open_ticket(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已督促物业清运")
    run_sweep(service)
    assert "survey" not in kinds(service, number)
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=TZ))  # the next day, mid-morning
    run_sweep(service)
    assert kinds(service, number).count("survey") == 1
    clock.set(datetime(2026, 11, 27, 9, 59, tzinfo=TZ))
    run_sweep(service)
    assert service.views.get_ticket(number).status == "resolved"
    clock.set(datetime(2026, 11, 27, 10, 1, tzinfo=TZ))  # 3 days after the survey
    run_sweep(service)
    view = service.views.get_ticket(number)
    assert view.status == "closed"
    assert view.events[-1].note is not None and "未评价" in view.events[-1].note


def test_a_late_survey_still_gets_the_full_rating_window(
    service: Services, clock: ManualClock
) -> None:
    number = open_ticket(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    clock.advance(timedelta(days=6))  # scheduler down past survey and close times
    run_sweep(service)
    assert service.views.get_ticket(number).status == "resolved"
    assert kinds(service, number).count("survey") == 1
    clock.advance(timedelta(days=3, minutes=1))
    run_sweep(service)
    assert service.views.get_ticket(number).status == "closed"


def test_rating_before_the_deadline_cancels_auto_close(
    service: Services, clock: ManualClock
) -> None:
    number = open_ticket(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    clock.advance(timedelta(days=1))
    run_sweep(service)
    service.tickets.rate(number, CITIZEN, "satisfied")
    clock.advance(timedelta(days=10))
    run_sweep(service)
    events = [e.note for e in service.views.get_ticket(number).events]
    assert not any(n and "自动办结" in n for n in events)


def test_morning_digest_once_per_department_per_day(service: Services, clock: ManualClock) -> None:
    open_ticket(service)
    open_ticket(service, category="wage_arrears", description="欠薪")
    clock.set(datetime(2026, 12, 31, 8, 30, tzinfo=TZ))  # a Thursday, both tickets overdue
    first = morning_digest(service)
    again = morning_digest(service)
    assert {line.department for line in first} == {"housing", "human_resources"}
    assert all(line.overdue == 1 for line in first)
    assert kinds(service).count("morning_digest") == 2
    assert len(again) == 2 and kinds(service).count("morning_digest") == 2


def test_missing_calendar_data_is_a_loud_daily_warning(service: Services) -> None:
    assert calendar_check(service) == [2027]  # 2026-11-23 + 60 days reaches 2027
    calendar_check(service)
    assert kinds(service).count("calendar_missing") == 2  # admins and supervisors, once a day


def test_provisional_deadlines_firm_up_when_the_year_is_published(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 12, 28, 10, 0, tzinfo=TZ))
    number = open_ticket(service)  # 投诉: 15 working days, well into 2027
    before = service.views.get_ticket(number)
    assert before.due_provisional
    assert service.tickets.recompute_provisional_deadlines() == 0  # nothing known yet
    calendar = tmp_path / "calendar.yml"
    calendar.write_text(
        "years:\n  2027:\n    holidays: ['2027-01-01', '2027-01-11..2027-01-15']\n",
        encoding="utf-8",
    )
    published = Services(
        service.sessions,
        service.catalogue,
        SlaPolicy.load(ROOT / "data/sla.yml", calendar),
        clock,
        TZ,
    )
    assert published.tickets.recompute_provisional_deadlines() == 1
    after = published.views.get_ticket(number)
    assert not after.due_provisional
    assert after.answer_due_at is not None and before.answer_due_at is not None
    assert after.answer_due_at > before.answer_due_at  # six more days off
    assert after.events[-1].action == "set_deadline"
