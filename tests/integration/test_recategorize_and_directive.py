"""Category correction by dispatchers and manual 督办 with a deadline, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor, DomainError, NotAllowed, Status
from hotline.services.container import Services
from hotline.services.corrections import find_corrections
from hotline.services.registration import NewTicket
from hotline.services.sweep import sweep
from hotline.storage.models import OutboxMessage, Ticket
from tests.conftest import TZ

DISPATCHER = Actor(role="dispatcher", id="operator:赵六", name="赵六")
SUPERVISOR = Actor(role="supervisor", id="operator:钱督办", name="钱督办")
URBAN = Actor(role="staff", id="telegram:2001", department="urban_management")
TRANSPORT = Actor(role="staff", id="telegram:2002", department="transport")


def open_(service: Services, text: str, category: str | None, **kw: object) -> str:
    request = NewTicket("telegram", "1001", text, category=category, **kw)  # type: ignore[arg-type]
    return service.tickets.open_ticket(request).number


def messages_of(service: Services, number: str) -> list[tuple[str, str, str]]:
    with service.sessions() as s:
        ticket_id = s.scalar(select(Ticket.id).where(Ticket.number == number))
        rows = s.execute(
            select(OutboxMessage.audience, OutboxMessage.address, OutboxMessage.kind)
            .where(OutboxMessage.ticket_id == ticket_id)
            .order_by(OutboxMessage.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_correction_to_another_departments_category_moves_the_ticket(
    service: Services,
) -> None:
    number = open_(service, "幸福路上有个大坑，电动车摔了", "street_light", address="幸福路")
    service.tickets.accept(number, URBAN)
    view = service.tickets.correct_category(number, "road_damage", DISPATCHER, "是道路坑洼不是路灯")
    assert (view.category, view.department, view.status) == (
        "road_damage",
        "transport",
        Status.DISPATCHED.value,
    )
    sent = messages_of(service, number)
    assert ("department", "urban_management", "ticket_recategorized_away") in sent
    assert sent[-1] == ("department", "transport", "ticket_dispatched")
    event = service.views.get_ticket(number).events[-1]
    assert event.action == "recategorize" and event.actor == DISPATCHER.audit_name
    assert event.data["previous_category"] == "street_light"
    assert event.data["previous_department"] == "urban_management"
    service.tickets.accept(number, TRANSPORT)  # the new department signs for it
    with pytest.raises(NotAllowed):
        service.tickets.resolve(number, URBAN, "已经处理完毕，坑已经填平了。")
    # kept as a routing label for the NLU
    found = [c for c in find_corrections(service) if c.number == number]
    assert [(c.category, c.category_source, c.reason) for c in found] == [
        ("road_damage", "dispatcher", "recategorized")
    ]


def test_a_correction_within_the_department_keeps_it(service: Services) -> None:
    number = open_(service, "小区门口垃圾桶满了", "street_light")
    view = service.tickets.correct_category(number, "street_garbage", DISPATCHER, "是垃圾不是路灯")
    assert view.department == "urban_management" and view.status == Status.DISPATCHED.value
    assert messages_of(service, number)[-1][2] == "ticket_recategorized"


def test_an_unroutable_ticket_is_routed_by_its_corrected_category(service: Services) -> None:
    number = open_(service, "我想问问这个事情归谁管", None)
    view = service.tickets.correct_category(number, "wage_arrears", DISPATCHER, "实为拖欠工资")
    assert view.department == "human_resources" and view.status == Status.DISPATCHED.value
    assert view.answer_due_at is not None


def test_corrections_need_a_dispatcher_a_reason_and_a_real_category(service: Services) -> None:
    number = open_(service, "路灯不亮", "street_light")
    with pytest.raises(NotAllowed):
        service.tickets.correct_category(number, "road_damage", URBAN, "我们觉得不是路灯")
    with pytest.raises(DomainError, match="类别代码"):
        service.tickets.correct_category(number, "no_such", DISPATCHER, "理由写得足够长")
    with pytest.raises(DomainError):
        service.tickets.correct_category(number, "road_damage", DISPATCHER, "")
    with pytest.raises(DomainError, match="已经是"):
        service.tickets.correct_category(number, "street_light", DISPATCHER, "理由写得足够长")


def _sweep(service: Services) -> None:
    with service.sessions() as s, s.begin():
        sweep(s, sla=service.sla, catalogue=service.catalogue, tz=TZ, now=service.clock.now())


def test_a_directive_deadline_is_watched_like_any_limit(
    service: Services, clock: ManualClock
) -> None:
    number = open_(service, "路灯不亮三天了", "street_light")
    due = clock.now() + timedelta(hours=4)
    service.tickets.escalate(number, SUPERVISOR, "请今天下班前修复并答复市民", due=due)
    card = [m for m in messages_of(service, number) if m[2] == "ticket_escalated"]
    assert card == [("department", "urban_management", "ticket_escalated")]
    with service.sessions() as s:
        text = s.scalar(select(OutboxMessage.text).where(OutboxMessage.kind == "ticket_escalated"))
    assert text is not None and "督办时限" in text and "请今天下班前修复" in text
    event = service.views.get_ticket(number).events[-1]
    assert event.action == "escalate" and event.due_at is not None
    clock.advance(timedelta(hours=3))
    _sweep(service)
    assert not [m for m in messages_of(service, number) if m[2] == "directive_overdue"]
    clock.advance(timedelta(hours=2))
    _sweep(service)
    _sweep(service)
    overdue = [m for m in messages_of(service, number) if m[2] == "directive_overdue"]
    assert overdue == [("supervisor", "*", "directive_overdue")]


def test_an_answer_before_the_directive_deadline_ends_it(
    service: Services, clock: ManualClock
) -> None:
    number = open_(service, "路灯不亮三天了", "street_light")
    service.tickets.escalate(
        number, SUPERVISOR, "请尽快修复路灯", due=clock.now() + timedelta(hours=2)
    )
    service.tickets.accept(number, URBAN)
    service.tickets.resolve(number, URBAN, "路灯已更换灯泡，今晚恢复照明。")
    clock.advance(timedelta(hours=3))
    _sweep(service)
    assert not [m for m in messages_of(service, number) if m[2] == "directive_overdue"]
    with pytest.raises(DomainError, match="晚于现在"):
        other = open_(service, "另一处路灯不亮", "street_light")
        service.tickets.escalate(other, SUPERVISOR, "请尽快修复路灯", due=clock.now())
