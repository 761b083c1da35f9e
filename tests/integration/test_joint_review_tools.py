"""主办/协办, centre review (审核) and the staff tools on a real database (both backends)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.domain.clock import ManualClock
from hotline.domain.review import ReviewRules, ReviewScope
from hotline.domain.tickets import Actor, DomainError, IllegalTransition, NotAllowed
from hotline.services.container import Services
from hotline.services.jobs import run_sweep
from hotline.services.registration import NewTicket
from hotline.services.report_outputs import summary_text
from hotline.services.reports import report_for
from hotline.services.staff_tools import Search
from hotline.storage.models import AuditRecord, OutboxMessage, Ticket
from tests.conftest import TZ

CITIZEN = Actor(role="citizen", id="telegram:1001")
HOUSING = Actor(role="staff", id="telegram:2001", department="housing", name="张三")
TRANSPORT = Actor(role="staff", id="telegram:2002", department="transport", name="李四")
URBAN = Actor(role="staff", id="telegram:2003", department="urban_management", name="王五")
DISPATCHER = Actor(role="dispatcher", id="telegram:3001", name="赵派单")
SUPERVISOR = Actor(role="supervisor", id="telegram:4001", name="钱督办")


def report(service: Services, **kw: object) -> str:
    fields: dict[str, object] = {
        "channel": "telegram",
        "channel_user_id": "1001",
        "description": "小区里的路面塌了一个坑，旁边路灯也不亮",
        "category": "compound_facility",
        "address": "幸福家园3号楼",
        "contact_phone": "13812345678",
    }
    fields.update(kw)
    return service.tickets.open_ticket(NewTicket(**fields)).number  # type: ignore[arg-type]


def outbox(service: Services, number: str) -> list[tuple[str, str, str]]:
    with service.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        rows = s.scalars(
            select(OutboxMessage).where(OutboxMessage.ticket_id == t.id).order_by(OutboxMessage.id)
        ).all()
        return [(r.audience, r.address, r.kind) for r in rows]


def texts(service: Services, number: str, kind: str) -> list[str]:
    with service.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        return list(
            s.scalars(
                select(OutboxMessage.text).where(
                    OutboxMessage.ticket_id == t.id, OutboxMessage.kind == kind
                )
            )
        )


def reviewed(service: Services, clock: ManualClock, **scopes: ReviewScope) -> Services:
    """The same database with data/review.yml as given."""
    return Services(
        service.sessions,
        service.catalogue,
        service.sla,
        clock,
        TZ,
        review=ReviewRules(**scopes),
    )


# ------------------------------------------------------------------- 主办/协办


def test_assisting_departments_get_their_card_and_give_an_opinion_to_the_lead(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.add_assisting(
        number, ["transport", "urban_management"], DISPATCHER, "路灯属城管，道路属交通"
    )
    rows = outbox(service, number)
    assert ("department", "transport", "assist_dispatched") in rows
    assert ("department", "urban_management", "assist_dispatched") in rows
    assert ("department", "housing", "assist_added") in rows
    card = texts(service, number, "assist_dispatched")[0]
    assert "协办工单（主办：住房和城乡建设局）" in card and "协办意见时限：" in card

    with pytest.raises(DomainError) as again:  # nothing sent twice
        service.tickets.add_assisting(number, ["transport"], DISPATCHER)
    assert again.value.code == "assist_exists"
    with pytest.raises(DomainError):
        service.tickets.add_assisting(number, ["housing"], DISPATCHER)  # the lead itself
    with pytest.raises(NotAllowed):
        service.tickets.add_assisting(number, ["environment"], HOUSING)  # only dispatchers

    # the assisting department gives its opinion; it goes to the lead, never the citizen
    clock.advance(timedelta(hours=2))
    service.tickets.give_opinion(number, TRANSPORT, "道路部分已安排养护队今晚修补。")
    assert ("department", "housing", "assist_opinion") in outbox(service, number)
    assert not any(a == "citizen" and k == "assist_opinion" for a, _, k in outbox(service, number))
    with pytest.raises(DomainError) as twice:
        service.tickets.give_opinion(number, TRANSPORT, "再补充一句")
    assert twice.value.code == "opinion_given"

    # assisting staff may do nothing else; strangers may not even give opinions
    with pytest.raises(NotAllowed):
        service.tickets.resolve(number, TRANSPORT, "我们来答复市民吧")
    with pytest.raises(NotAllowed):
        service.tickets.return_ticket(number, TRANSPORT, "不归我们管")
    with pytest.raises(NotAllowed):
        service.tickets.give_opinion(number, HOUSING, "主办不写协办意见")
    with pytest.raises(NotAllowed):
        stranger = Actor(role="staff", id="x", department="environment")
        service.tickets.give_opinion(number, stranger, "路过看看")

    listed = {a.department: a for a in service.tickets.assisting(number)}
    assert listed["transport"].status == "given" and listed["transport"].on_time is True
    assert listed["urban_management"].status == "pending"
    view = service.tickets.resolve(number, HOUSING, "已会同交通、城管部门修复路面和路灯。")
    assert view.status == "resolved" and view.department == "housing"  # SLA follows the lead


def test_the_opinion_limit_comes_from_sla_yml_and_never_passes_the_lead(
    service: Services, clock: ManualClock
) -> None:
    urgent = report(service, category="water_supply", description="整栋楼停水一天了")
    service.tickets.add_assisting(urgent, ["housing"], DISPATCHER)
    (assist,) = service.tickets.assisting(urgent)
    lead = service.views.get_ticket(urgent)
    assert lead.answer_due_at is not None
    assert assist.due_at <= lead.answer_due_at  # 24 h lead: 3 working days are cut to it
    normal = report(service)
    service.tickets.add_assisting(normal, ["transport"], DISPATCHER)
    (assist,) = service.tickets.assisting(normal)
    # Monday 10:00 + 3 working days of 7 h -> Thursday 10:00
    assert assist.due_at.astimezone(TZ).strftime("%a %H:%M") == "Thu 10:00"


# ------------------------------------------------------------------------ 审核


def test_a_reviewed_answer_reaches_the_citizen_only_when_approved(
    service: Services, clock: ManualClock
) -> None:
    svc = reviewed(service, clock, answers=ReviewScope(departments=("housing",)))
    number = report(svc)
    svc.tickets.accept(number, HOUSING)
    due = svc.views.get_ticket(number).answer_due_at
    view = svc.tickets.resolve(number, HOUSING, "已修复路面。")
    assert view.status == "accepted"  # held: nothing changed for the citizen
    assert ("dispatcher", "*", "review_requested") in outbox(svc, number)
    assert not texts(svc, number, "ticket_answered")
    with pytest.raises(DomainError) as pending:
        svc.tickets.resolve(number, HOUSING, "再答复一次试试")
    assert pending.value.code == "review_pending"
    assert [r.number for r in svc.tickets.pending_reviews()] == [number]

    # rejected: back to the department with the reason, the same deadline still running
    with pytest.raises(DomainError):
        svc.tickets.decide_review(number, DISPATCHER, approve=False)  # a reason is required
    with pytest.raises(NotAllowed):
        svc.tickets.decide_review(number, HOUSING, approve=True)  # not the department's call
    clock.advance(timedelta(hours=1))
    view = svc.tickets.decide_review(
        number, DISPATCHER, approve=False, note="答复未说明修复时间，请补充"
    )
    assert view.status == "accepted" and view.answer_due_at == due
    (rejection,) = texts(svc, number, "review_rejected")
    assert "答复未说明修复时间" in rejection and "办结时限不变" in rejection

    # resubmitted and approved: the citizen hears the department's words, credited to it
    svc.tickets.resolve(number, HOUSING, "已于今天下午修复路面，明天复查。")
    clock.advance(timedelta(minutes=30))
    view = svc.tickets.decide_review(number, DISPATCHER, approve=True)
    assert view.status == "resolved" and view.answer == "已于今天下午修复路面，明天复查。"
    (answer,) = texts(svc, number, "ticket_answered")
    assert "明天复查" in answer
    events = svc.views.get_ticket(number).events
    resolve = next(e for e in events if e.action == "resolve")
    assert resolve.actor.startswith("staff:telegram:2001@housing")
    assert [e.action for e in events if "review" in e.action] == [
        "submit_review",
        "reject_review",
        "submit_review",
        "approve_review",
    ]
    with pytest.raises(IllegalTransition):
        svc.tickets.decide_review(number, DISPATCHER, approve=True)


def test_a_reviewed_return_waits_and_unreviewed_work_takes_effect_at_once(
    service: Services, clock: ManualClock
) -> None:
    svc = reviewed(service, clock, returns=ReviewScope(categories=("compound_facility",)))
    number = report(svc)
    assert svc.tickets.return_ticket(number, HOUSING, "属于物业管理范围").status == "dispatched"
    assert not texts(svc, number, "ticket_returned")
    view = svc.tickets.decide_review(number, DISPATCHER, approve=True)
    assert view.status == "returned"
    assert ("dispatcher", "*", "ticket_returned") in outbox(svc, number)
    # another category is not reviewed: its return is immediate
    other = report(svc, category="construction_noise", description="工地夜里施工太吵")
    assert svc.tickets.return_ticket(other, HOUSING, "不是我们的工地").status == "returned"


# ------------------------------------------------------------------ staff tools


def test_internal_notes_are_for_staff_and_never_reach_the_citizen(service: Services) -> None:
    number = report(service)
    service.tickets.add_note(number, HOUSING, "市民情绪激动，回电时请先致歉")
    service.tickets.add_assisting(number, ["transport"], DISPATCHER)
    service.tickets.add_note(number, TRANSPORT, "道路养护计划下周二")
    service.tickets.add_note(number, SUPERVISOR, "重点关注")
    notes = service.tickets.notes(number, DISPATCHER)
    assert [n.text for n in notes] == [
        "市民情绪激动，回电时请先致歉",
        "道路养护计划下周二",
        "重点关注",
    ]
    with pytest.raises(NotAllowed):
        service.tickets.notes(number, URBAN)
    citizen_view = service.views.get_ticket(number, CITIZEN)
    assert all("致歉" not in (e.note or "") for e in citizen_view.events)
    assert not [a for a, _, k in outbox(service, number) if a == "citizen" and "note" in k]


def test_assign_to_a_named_member_and_my_todo_list(service: Services) -> None:
    service.operators.add_operator("王住建", role="staff", department="housing", created_by="admin")
    service.operators.add_operator(
        "周交通", role="staff", department="transport", created_by="admin"
    )
    first, second = report(service), report(service, description="楼道灯坏了很久")
    me = service.operators.operator_actor("王住建")
    service.tickets.assign(first, HOUSING, "王住建")
    assert service.tickets.owner_of(first) == "王住建"
    assert [v.number for v in service.tickets.my_tickets(me)] == [first]
    with pytest.raises(DomainError) as unknown:
        service.tickets.assign(second, HOUSING, "周交通")  # not a member of housing
    assert unknown.value.code == "unknown_member"
    with pytest.raises(NotAllowed):
        service.tickets.assign(second, DISPATCHER, "王住建")
    service.tickets.return_ticket(first, HOUSING, "属于物业管理")
    assert service.tickets.my_tickets(me) == []  # gone once the department no longer holds it


def test_search_by_number_phone_place_text_and_date(service: Services, clock: ManualClock) -> None:
    a = report(service)
    clock.advance(timedelta(days=1))
    b = report(
        service, address="阳光小区5栋", description="电梯经常停运", contact_phone="13900001111"
    )
    c = report(service, category="road_damage", address="人民路", description="路面坑洼")
    assert [v.number for v in service.tickets.search(DISPATCHER, Search(number=a))] == [a]
    assert [v.number for v in service.tickets.search(HOUSING, Search(place="阳光"))] == [b]
    assert [v.number for v in service.tickets.search(HOUSING, Search(text="电梯"))] == [b]
    day = clock.now().astimezone(TZ).date()
    assert {v.number for v in service.tickets.search(DISPATCHER, Search(since=day))} == {b, c}
    assert [
        v.number for v in service.tickets.search(DISPATCHER, Search(until=date(2026, 11, 23)))
    ] == [a]
    # staff see only their department's (and what they assist)
    assert [v.number for v in service.tickets.search(TRANSPORT, Search(place="人民路"))] == [c]
    assert service.tickets.search(HOUSING, Search(place="人民路")) == []
    found = service.tickets.search(DISPATCHER, Search(phone="139 0000 1111"))
    assert [v.number for v in found] == [b] and found[0].contact_phone is None
    with service.sessions() as s:
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "search_phone")).one()
        assert record.subject == "***1111" and "13900001111" not in str(record.data)
    for bad in (Search(), Search(phone="123"), Search(number="42")):
        with pytest.raises(DomainError):
            service.tickets.search(DISPATCHER, bad)
    with pytest.raises(NotAllowed):
        service.tickets.search(SUPERVISOR, Search(phone="13900001111"))
    assert service.tickets.search(DISPATCHER, Search(text="100%")) == []  # wildcards literal


def test_reports_show_review_turnaround_rejections_and_assist_timeliness(
    service: Services, clock: ManualClock
) -> None:
    svc = reviewed(service, clock, answers=ReviewScope(all=True))
    first, second = report(svc), report(svc, description="楼道灯坏了很久")
    for number in (first, second):
        svc.tickets.accept(number, HOUSING)
    svc.tickets.add_assisting(second, ["transport", "urban_management"], DISPATCHER)
    svc.tickets.resolve(first, HOUSING, "路面已修复完毕。")
    clock.advance(timedelta(hours=2))
    svc.tickets.decide_review(first, DISPATCHER, approve=False, note="请写明修复时间")
    svc.tickets.resolve(first, HOUSING, "路面已于今天修复完毕。")
    clock.advance(timedelta(hours=1))
    svc.tickets.decide_review(first, DISPATCHER, approve=True)
    svc.tickets.resolve(second, HOUSING, "楼道灯已更换。")  # still waiting at report time
    clock.advance(timedelta(days=4))  # Friday: both opinions are past their Thursday limit
    svc.tickets.give_opinion(second, TRANSPORT, "道路部分已配合修补。")
    clock.advance(timedelta(days=3))
    text = summary_text(report_for(svc, "week", date(2026, 11, 29)))
    assert "中心审核 2 件，驳回率 50.0%（1/2），平均审核用时 1.5 小时，待审核 1 件" in text
    assert "协办意见到期 2 件，按时提交率 0.0%（0/2）" in text
    assert "交通运输局：到期 1 件，按时 0，超时提交 1，未提交 0" in text
    assert "城市管理局：到期 1 件，按时 0，超时提交 0，未提交 1" in text


def test_the_sweep_reminds_assisting_departments_once_before_and_once_after_the_limit(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    service.tickets.add_assisting(number, ["transport", "urban_management"], DISPATCHER)
    service.tickets.give_opinion(number, URBAN, "路灯部分已修复。")
    run_sweep(service)
    assert not [k for _, _, k in outbox(service, number) if k.startswith("assist_w")]
    clock.advance(timedelta(days=2, hours=5))  # past 75 % of three working days
    run_sweep(service)
    run_sweep(service)
    clock.advance(timedelta(days=1))  # Thursday 15:00: past the limit
    run_sweep(service)
    run_sweep(service)
    rows = [r for r in outbox(service, number) if r[2] in ("assist_warning", "assist_overdue")]
    assert rows == [
        ("department", "transport", "assist_warning"),
        ("department", "transport", "assist_overdue"),
    ]


def test_held_work_of_a_withdrawn_ticket_is_no_longer_waiting(
    service: Services, clock: ManualClock
) -> None:
    svc = reviewed(service, clock, answers=ReviewScope(all=True))
    number = report(svc)
    svc.tickets.accept(number, HOUSING)
    svc.tickets.resolve(number, HOUSING, "路面已修复完毕。")
    svc.tickets.withdraw(number, CITIZEN, "已经自己解决了")
    assert svc.tickets.pending_reviews() == []
    with pytest.raises(IllegalTransition):
        svc.tickets.decide_review(number, DISPATCHER, approve=True)
    assert not texts(svc, number, "ticket_answered")
    clock.advance(timedelta(days=7))
    assert "中心审核" not in summary_text(report_for(svc, "week", date(2026, 11, 29)))
