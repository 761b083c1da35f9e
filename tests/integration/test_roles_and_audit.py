"""The staff and supervisor loop: who may do what, what each party is told, and an audit trail
that rebuilds a ticket by itself — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor, DomainError, NotAllowed
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.reports import Rate, report_for
from hotline.services.snapshots import EventView, TicketView
from hotline.storage.models import OutboxMessage, Ticket

TZ = ZoneInfo("Asia/Shanghai")
CITIZEN = Actor(role="citizen", id="telegram:1001")
OTHER_CITIZEN = Actor(role="citizen", id="telegram:1002")
HOUSING = Actor(role="staff", id="operator:李四", department="housing", name="李四")
URBAN = Actor(role="staff", id="operator:张三", department="urban_management", name="张三")
DISPATCHER = Actor(role="dispatcher", id="operator:赵六", name="赵六")
SUPERVISOR = Actor(role="supervisor", id="operator:钱七", name="钱七")
ADMIN = Actor(role="admin", id="operator:root", name="root")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def open_(service: Services, user: str = "1001", **kw: Any) -> str:
    fields: dict[str, Any] = {
        "channel": "telegram",
        "channel_user_id": user,
        "description": "小区物业不清运垃圾",
        "category": "property_management",
        "address": "幸福家园3号楼",
        "details": {"property_company": "幸福物业公司"},
    }
    fields.update(kw)
    return service.tickets.open_ticket(NewTicket(**fields)).number


def messages(service: Services, number: str, kind: str | None = None) -> list[OutboxMessage]:
    with service.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        query = select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        rows = s.scalars(query.order_by(OutboxMessage.id)).all()
        s.expunge_all()
        return list(rows)


# ------------------------------------------------------------------ authorization


def test_only_the_departments_staff_do_its_work(service: Services) -> None:
    number = open_(service)
    for actor in (DISPATCHER, SUPERVISOR, ADMIN, URBAN):
        with pytest.raises(NotAllowed):
            service.tickets.accept(number, actor)
    service.tickets.accept(number, HOUSING)
    for actor in (DISPATCHER, SUPERVISOR):
        with pytest.raises(NotAllowed):
            service.tickets.resolve(number, actor, "已督促物业清运垃圾")
        with pytest.raises(NotAllowed):
            service.tickets.request_extension(number, actor, 2, "需要协调物业")
        with pytest.raises(NotAllowed):
            service.tickets.return_ticket(number, actor, "不属于住建")
    for actor in (HOUSING, SUPERVISOR):
        with pytest.raises(NotAllowed):
            service.tickets.merge(number, open_(service, "9"), actor)
    with pytest.raises(NotAllowed):
        service.tickets.escalate(number, DISPATCHER, "请尽快清运垃圾")
    service.tickets.escalate(number, SUPERVISOR, "请今天内清运完毕")
    pushed = messages(service, number, "ticket_escalated")[0]
    assert (
        pushed.audience == "department" and "督办人员钱七督办意见：请今天内清运完毕" in pushed.text
    )
    view = service.views.get_ticket(number, SUPERVISOR)  # supervisors read
    assert [e.actor for e in view.events if e.action == "accept"] == ["staff:operator:李四@housing"]


def test_answers_and_reasons_need_content(service: Services) -> None:
    number = open_(service)
    with pytest.raises(DomainError, match="退单理由"):
        service.tickets.return_ticket(number, HOUSING, "x")
    service.tickets.accept(number, HOUSING)
    for bare in ("好", "收到", "已处理", "好好好好好"):
        with pytest.raises(DomainError, match="过于简单"):
            service.tickets.resolve(number, HOUSING, bare)
    service.tickets.request_extension(number, HOUSING, 2, "等待物业答复")
    with pytest.raises(DomainError, match="驳回延期必须写明理由"):
        service.tickets.decide_extension(number, DISPATCHER, approve=False)
    with pytest.raises(DomainError, match="驳回理由"):
        service.tickets.decide_extension(number, DISPATCHER, approve=False, note="不同意")
    service.tickets.decide_extension(number, DISPATCHER, approve=False, note="垃圾清运应当天完成")
    view = service.tickets.resolve(number, HOUSING, "已督促物业当天清运")
    assert view.status == "resolved"


# ------------------------------------------------------------------ messages


def test_cards_carry_details_note_and_return_history(service: Services) -> None:
    number = open_(service)
    first = messages(service, number, "ticket_dispatched")[0].text
    assert "物业或开发商：幸福物业公司" in first and "派单员备注" not in first
    service.tickets.return_ticket(number, HOUSING, "属于城管的垃圾清运")
    returned = messages(service, number, "ticket_returned")[0].text
    assert "退单记录：" in returned and "住房和城乡建设局：属于城管的垃圾清运" in returned
    service.tickets.dispatch(number, "urban_management", DISPATCHER, note="请城管督促清运")
    card = messages(service, number, "ticket_dispatched")[-1].text
    assert card.startswith("【重新派单】")
    assert "派单员备注：请城管督促清运" in card
    assert "1. 住房和城乡建设局：属于城管的垃圾清运" in card
    assert "物业或开发商：幸福物业公司" in card
    assert "优先级：一般" in card


def test_straight_back_to_the_returner_needs_a_reason(service: Services) -> None:
    number = open_(service)
    service.tickets.return_ticket(number, HOUSING, "不属于住建职责")
    with pytest.raises(DomainError, match="刚被住房和城乡建设局退回"):
        service.tickets.dispatch(number, "housing", DISPATCHER)
    with pytest.raises(DomainError, match="必须写明依据"):
        service.tickets.dispatch(number, "housing", DISPATCHER, force=True)
    with pytest.raises(DomainError, match="部门代码"):
        service.tickets.dispatch(number, "nowhere", DISPATCHER)
    view = service.tickets.dispatch(number, "housing", DISPATCHER, "物业服务属住建监管", force=True)
    assert view.status == "dispatched" and view.department == "housing"


def test_a_dispatchers_reopen_says_who_and_why(service: Services) -> None:
    number = open_(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已督促物业当天清运")
    with pytest.raises(NotAllowed):
        service.tickets.reopen(number, SUPERVISOR, "答复与事实不符")
    service.tickets.reopen(number, DISPATCHER, "回访核实垃圾仍未清运")
    card = messages(service, number, "ticket_reopened")
    dept = next(m.text for m in card if m.audience == "department")
    citizen = next(m.text for m in card if m.audience == "citizen")
    assert "派单员赵六复核后要求重办：回访核实垃圾仍未清运" in dept and "不满意" not in dept
    assert "不满意" not in citizen and "复核" in citizen
    # The citizen's own unsatisfied rating still says so.
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已再次督促物业清运")
    service.tickets.rate(number, CITIZEN, "unsatisfied", "还是没清")
    texts = [m.text for m in messages(service, number, "ticket_reopened")]
    assert "市民回访不满意：还是没清" in texts[-2] and "不满意" in texts[-1]


def test_a_merge_stands_the_department_down_and_passes_the_answer_on(
    service: Services,
) -> None:
    lead = open_(service)
    dup = open_(service, "1002", description="幸福家园垃圾没人清")
    service.tickets.accept(dup, HOUSING)
    view = service.tickets.merge(dup, lead, DISPATCHER, "同一小区同一问题")
    assert view.merged_into == lead
    stand_down = messages(service, dup, "ticket_merged")
    dept = next(m.text for m in stand_down if m.audience == "department")
    assert "请停止办理工单" in dept and lead in dept and "派单员赵六" in dept
    assert "同一小区同一问题" in dept
    service.tickets.accept(lead, HOUSING)
    service.tickets.resolve(lead, HOUSING, "已督促物业当天清运完毕")
    passed = messages(service, dup, "survey")
    assert len(passed) == 1 and passed[0].audience == "citizen"
    assert lead in passed[0].text and "已督促物业当天清运完毕" in passed[0].text
    assert "是否满意" in passed[0].text  # kind "survey": the channel adds the buttons
    assert service.views.get_ticket(dup, OTHER_CITIZEN).merged_into == lead
    view = service.tickets.rate(dup, OTHER_CITIZEN, "unsatisfied", "垃圾还在")
    assert view.status == "merged"
    review = messages(service, dup, "merged_unsatisfied")
    assert review[0].audience == "dispatcher" and "垃圾还在" in review[0].text
    with pytest.raises(DomainError, match="已评价过"):
        service.tickets.rate(dup, OTHER_CITIZEN, "satisfied")


# ------------------------------------------------------------------ reports


def test_withdrawn_and_merged_are_in_no_denominator(service: Services, clock: ManualClock) -> None:
    clock.set(at(23, 10))
    kept = open_(service)
    gone = open_(service, "1002")
    dup = open_(service, "1003")
    service.tickets.withdraw(gone, OTHER_CITIZEN)
    service.tickets.merge(dup, kept, DISPATCHER)
    clock.set(at(23, 10, 30))
    service.tickets.accept(kept, HOUSING)
    report = report_for(service, "week", date(2026, 11, 29))
    t = report.total
    assert (t.dispatched, t.excluded, t.response) == (1, 2, Rate(1, 1))
    assert report.departments["housing"].response == Rate(1, 1)


def test_acceptance_is_credited_to_the_acceptor(service: Services, clock: ManualClock) -> None:
    clock.set(at(23, 10))
    number = open_(service)
    service.tickets.accept(number, HOUSING)  # on time, by housing
    clock.set(at(23, 11))
    service.tickets.return_ticket(number, HOUSING, "经核实属城管职责")
    service.tickets.dispatch(number, "urban_management", DISPATCHER)
    report = report_for(service, "week", date(2026, 11, 29))
    assert report.departments["housing"].response == Rate(1, 1)
    assert report.departments["housing"].returns_total == 1
    urban = report.departments["urban_management"]
    assert (urban.response, urban.returns_total, urban.dispatched) == (Rate(0, 0), 0, 1)


def test_a_week_is_monday_to_sunday() -> None:
    from hotline.services.reports import make_period

    wednesday = datetime(2026, 11, 25, 9, tzinfo=TZ)
    week = make_period("week", None, now=wednesday, tz=TZ)  # this week so far: Mon–Tue
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 24))
    week = make_period("week", date(2026, 11, 26), now=wednesday, tz=TZ)
    assert week.first_day == date(2026, 11, 23)
    monday = make_period("week", None, now=datetime(2026, 11, 30, 9, tzinfo=TZ), tz=TZ)
    assert (monday.first_day, monday.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    sunday_end = make_period("week", date(2026, 11, 22), now=wednesday, tz=TZ)
    assert sunday_end.first_day.weekday() == 0 and sunday_end.days == 7


# ------------------------------------------------------------------ audit replay


def replay(events: tuple[EventView, ...]) -> dict[str, Any]:
    """Rebuild a ticket's state from its events alone (no ticket row is read)."""
    state: dict[str, Any] = {
        "status": None,
        "department": None,
        "accept_due_at": None,
        "answer_due_at": None,
        "return_count": 0,
        "reopen_count": 0,
        "extension_count": 0,
        "merged_into": None,
        "answer": None,
    }
    for e in events:
        if e.to_status is not None:
            state["status"] = e.to_status
        if e.action == "dispatch":
            state["department"] = e.data["department"]
            assert e.department == e.data["department"]
        elif e.action == "set_deadline":
            for key in ("accept_due_at", "answer_due_at"):
                if key in e.data:
                    old = state[key]
                    assert e.data[f"old_{key}"] == (old.isoformat() if old else None)
                    state[key] = datetime.fromisoformat(e.data[key])
        elif e.action == "return":
            state["return_count"] += 1
        elif e.action == "reopen":
            state["reopen_count"] += 1  # the last answer stays on record until the next
        elif e.action == "approve_extension":
            state["extension_count"] += 1
        elif e.action == "resolve":
            state["answer"] = e.note
        elif e.action == "merge":
            state["merged_into"] = e.data["into"]
        assert e.actor  # every event names who did it
    return state


def state_of(view: TicketView) -> dict[str, Any]:
    return {
        "status": view.status,
        "department": view.department,
        "accept_due_at": view.accept_due_at,
        "answer_due_at": view.answer_due_at,
        "return_count": view.return_count,
        "reopen_count": view.reopen_count,
        "extension_count": view.extension_count,
        "merged_into": view.merged_into,
        "answer": view.answer,
    }


def test_history_rebuilds_from_events_alone(service: Services, clock: ManualClock) -> None:
    clock.set(at(23, 10))
    number = open_(service)
    other = open_(service, "1002")
    clock.set(at(23, 10, 20))
    service.tickets.return_ticket(number, HOUSING, "属于城管职责")
    service.tickets.dispatch(number, "urban_management", DISPATCHER, note="垃圾清运属城管")
    service.tickets.accept(number, URBAN)
    service.tickets.request_extension(number, URBAN, 3, "需协调清运车辆")
    clock.set(at(23, 14))
    service.tickets.decide_extension(number, DISPATCHER, approve=True)
    clock.set(at(24, 9, 30))
    service.tickets.resolve(number, URBAN, "已协调清运车辆清运完毕")
    clock.set(at(24, 15))
    service.tickets.reopen(number, DISPATCHER, "回访核实仍有垃圾堆放")
    clock.set(at(25, 10))
    service.tickets.merge(other, number, DISPATCHER, "同一堆垃圾")
    for n in (number, other):
        view = service.views.get_ticket(n)
        assert replay(view.events) == state_of(view), n
    view = service.views.get_ticket(number)
    ask = next(e for e in view.events if e.action == "request_extension")
    assert (ask.data["working_days"], ask.department) == (3, "urban_management")
    returned = next(e for e in view.events if e.action == "return")
    assert returned.department == "housing" and returned.actor.endswith("@housing")
    accepted = next(e for e in view.events if e.action == "accept")
    assert accepted.due_at is not None and accepted.round == 0
    reopened_deadline = view.events[-1]
    assert reopened_deadline.action == "set_deadline" and reopened_deadline.round == 1


def test_every_writer_records_department_and_round(service: Services, clock: ManualClock) -> None:
    from hotline.services.jobs import run_sweep

    clock.set(at(23, 10))
    number = open_(service)
    clock.set(at(26, 10))  # three working days later: acceptance long overdue
    run_sweep(service)
    view = service.views.get_ticket(number)
    swept = [e for e in view.events if e.actor == "system:hotline" and e.action == "chase"]
    assert swept and all(e.department == "housing" and e.round == 0 for e in swept)
    assert all(e.round_started_at == at(23, 10) for e in swept)
