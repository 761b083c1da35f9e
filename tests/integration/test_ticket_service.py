"""The ticket service end to end on a real database (SQLite always, PostgreSQL when present)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor, DomainError, IllegalTransition, NotAllowed, TicketNotFound
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.views import TicketFilter
from hotline.storage.models import ExtensionRequest, OutboxMessage, Rating, Ticket, TicketEvent

CITIZEN = Actor(role="citizen", id="telegram:1001")
HOUSING = Actor(role="staff", id="telegram:2001", department="housing")
TRANSPORT = Actor(role="staff", id="telegram:2002", department="transport")
DISPATCHER = Actor(role="dispatcher", id="telegram:3001")


def report(service: Services, **kw: object) -> str:
    fields: dict[str, object] = {
        "channel": "telegram",
        "channel_user_id": "1001",
        "description": "小区里的路面塌了一个坑",
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


def actions(service: Services, number: str) -> list[str]:
    return [e.action for e in service.views.get_ticket(number).events]


def test_open_routes_by_catalogue_and_sets_deadlines(service: Services) -> None:
    view = service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id="1001",
            description="老板拖欠我三个月工资",
            category="wage_arrears",
        )
    )
    assert view.number == "20261123-0001"
    assert view.status == "dispatched"
    assert view.department == "human_resources"
    assert view.request_type == "求助"
    assert view.accept_due_at is not None and view.answer_due_at is not None
    assert view.accept_due_at < view.answer_due_at
    assert actions(service, view.number) == ["open", "dispatch", "set_deadline"]
    assert outbox(service, view.number) == [("department", "human_resources", "ticket_dispatched")]


def test_unroutable_ticket_waits_for_a_dispatcher(service: Services) -> None:
    number = report(service, category=None, description="我也不知道该找谁，反正很烦")
    view = service.views.get_ticket(number)
    assert view.status == "received" and view.department is None and view.needs_human
    assert outbox(service, number) == [("dispatcher", "*", "ticket_unroutable")]
    view = service.tickets.dispatch(number, "housing", DISPATCHER, note="物业问题")
    assert view.status == "dispatched" and not view.needs_human


def test_full_happy_path_ends_closed_after_a_satisfied_rating(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    clock.advance(timedelta(hours=1))
    assert service.tickets.accept(number, HOUSING).status == "accepted"
    clock.advance(timedelta(days=1))
    view = service.tickets.resolve(number, HOUSING, "已安排施工队修复路面，并设置了警示标志。")
    assert view.status == "resolved" and view.answer
    assert service.tickets.rate(number, CITIZEN, "satisfied", "很快").status == "closed"
    assert actions(service, number) == [
        "open",
        "dispatch",
        "set_deadline",
        "accept",
        "resolve",
        "rate",
        "close",
    ]
    kinds = [k for _, _, k in outbox(service, number)]
    assert kinds == ["ticket_dispatched", "ticket_accepted", "ticket_answered"]


def test_return_and_redispatch_keeps_the_acceptance_clock(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    first_due = service.views.get_ticket(number).accept_due_at
    clock.advance(timedelta(hours=2))
    view = service.tickets.return_ticket(number, HOUSING, "这是市政道路，不归住建管")
    assert view.status == "returned" and view.return_count == 1
    assert ("dispatcher", "*", "ticket_returned") in outbox(service, number)
    view = service.tickets.dispatch(number, "transport", DISPATCHER)
    assert view.department == "transport"
    assert view.accept_due_at == first_due  # the clock keeps running while returned
    with pytest.raises(NotAllowed):
        service.tickets.accept(number, HOUSING)  # no longer theirs
    assert service.tickets.accept(number, TRANSPORT).status == "accepted"


def test_extension_moves_the_deadline_once(service: Services, sla: object) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    before = service.views.get_ticket(number).answer_due_at
    service.tickets.request_extension(number, HOUSING, 5, "需要协调施工单位")
    with pytest.raises(DomainError):
        service.tickets.request_extension(number, HOUSING, 5, "再来一次")  # one pending at a time
    view = service.tickets.decide_extension(number, DISPATCHER, approve=True, note="同意")
    assert view.extension_count == 1
    assert view.answer_due_at is not None and before is not None and view.answer_due_at > before
    with pytest.raises(DomainError) as err:
        service.tickets.request_extension(number, HOUSING, 2, "还需要时间")
    assert err.value.code == "extension_limit"
    kinds = [k for _, _, k in outbox(service, number)]
    assert "extension_requested" in kinds and "ticket_extended" in kinds


def test_denied_extension_leaves_the_deadline(service: Services) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    before = service.views.get_ticket(number).answer_due_at
    service.tickets.request_extension(number, HOUSING, 3, "人手不足")
    view = service.tickets.decide_extension(number, DISPATCHER, approve=False, note="请按时办理")
    assert view.answer_due_at == before and view.extension_count == 0
    with pytest.raises(IllegalTransition):
        service.tickets.decide_extension(number, DISPATCHER, approve=True)


def test_extension_beyond_the_limit_is_refused(service: Services) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    with pytest.raises(DomainError) as err:
        service.tickets.request_extension(number, HOUSING, 30, "太复杂")
    assert "工作日" in err.value.message


def test_unsatisfied_rating_reopens_with_a_fresh_limit(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    clock.advance(timedelta(days=3))
    service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    old_due = service.views.get_ticket(number).answer_due_at
    clock.advance(timedelta(days=1))
    view = service.tickets.rate(number, CITIZEN, "unsatisfied", "坑还在")
    assert view.status == "dispatched" and view.reopen_count == 1
    assert view.answer_due_at is not None and old_due is not None and view.answer_due_at > old_due
    assert ("department", "housing", "ticket_reopened") in outbox(service, number)
    assert ("citizen", outbox(service, number)[-1][1], "ticket_reopened") in outbox(service, number)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已彻底修复")
    assert service.tickets.rate(number, CITIZEN, "basically_satisfied").status == "closed"
    with service.sessions() as s:
        assert s.scalar(select(func.count(Rating.id))) == 2


def test_withdraw_and_merge(service: Services) -> None:
    a = report(service)
    b = report(service, description="同一个坑，我邻居也报了")
    assert service.tickets.withdraw(a, CITIZEN, "已经修好了").status == "withdrawn"
    with pytest.raises(IllegalTransition):
        service.tickets.accept(a, HOUSING)
    c = report(service, channel_user_id="1002")
    assert service.tickets.merge(c, b, DISPATCHER).status == "merged"
    with pytest.raises(IllegalTransition):
        service.tickets.merge(b, a, DISPATCHER)  # cannot merge into a withdrawn ticket


def test_citizens_see_only_their_own_tickets(service: Services) -> None:
    number = report(service)
    assert service.views.get_ticket(number, CITIZEN).number == number
    stranger = Actor(role="citizen", id="telegram:9999")
    with pytest.raises(TicketNotFound):
        service.views.get_ticket(number, stranger)
    with pytest.raises(TicketNotFound):
        service.tickets.withdraw(number, stranger)
    with pytest.raises(NotAllowed):
        service.views.get_ticket(number, TRANSPORT)


def test_illegal_action_changes_nothing(service: Services) -> None:
    number = report(service)
    with service.sessions() as s:
        events_before = s.scalar(select(func.count(TicketEvent.id)))
        outbox_before = s.scalar(select(func.count(OutboxMessage.id)))
    with pytest.raises(IllegalTransition):
        service.tickets.resolve(number, HOUSING, "还没签收就办结")
    with pytest.raises(IllegalTransition):
        service.tickets.rate(number, CITIZEN, "satisfied")
    with service.sessions() as s:
        assert s.scalar(select(func.count(TicketEvent.id))) == events_before
        assert s.scalar(select(func.count(OutboxMessage.id))) == outbox_before
    assert service.views.get_ticket(number).status == "dispatched"


def test_outbox_row_and_state_change_commit_together(
    service: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)

    def explode(*_a: object, **_k: object) -> str:
        raise RuntimeError("renderer crashed after the status changed")

    monkeypatch.setattr("hotline.services.messages.citizen_answer", explode)
    with pytest.raises(RuntimeError):
        service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    view = service.views.get_ticket(number)
    assert view.status == "accepted" and view.answer is None
    assert "ticket_answered" not in [k for _, _, k in outbox(service, number)]
    assert "resolve" not in actions(service, number)


def test_open_is_idempotent_per_conversation_turn(service: Services) -> None:
    a = report(service, idempotency_key="rest:1001:turn-7")
    b = report(service, idempotency_key="rest:1001:turn-7")
    assert a == b
    assert service.views.count_tickets() == 1
    assert len(outbox(service, a)) == 1


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01\x02"])
def test_empty_descriptions_are_refused(service: Services, bad: str) -> None:
    with pytest.raises(DomainError) as err:
        report(service, description=bad)
    assert err.value.code == "empty"
    assert service.views.count_tickets() == 0


def test_huge_and_hostile_text_is_handled(service: Services) -> None:
    with pytest.raises(DomainError) as err:
        report(service, description="坑" * 100_000)
    assert err.value.code == "too_long"
    injection = "'; DROP TABLE tickets; -- <b>x</b> \u202e 😀"
    number = report(service, description=injection)
    assert service.views.get_ticket(number).description == injection
    assert service.views.count_tickets() == 1


def test_urgent_ticket_alerts_supervisors(service: Services) -> None:
    number = report(
        service, description="楼道里一股很浓的煤气味", category="gas_service", priority="urgent"
    )
    view = service.views.get_ticket(number)
    assert view.priority == "urgent" and view.department == "utilities"
    assert view.accept_due_at is not None
    assert view.accept_due_at - view.created_at <= timedelta(minutes=30)
    assert ("supervisor", "*", "urgent_ticket") in outbox(service, number)


def test_information_request_pauses_the_clock(service: Services, clock: ManualClock) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    due = service.views.get_ticket(number).answer_due_at
    service.tickets.request_information(number, HOUSING, "请提供塌陷处的照片")
    clock.advance(timedelta(days=2))  # Monday -> Wednesday: two working days waiting
    service.tickets.add_information(number, CITIZEN, "照片已发，位置在3号楼东侧")
    new_due = service.views.get_ticket(number).answer_due_at
    assert due is not None and new_due is not None
    assert new_due - due >= timedelta(days=2)
    with service.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.paused_since is None


def test_unknown_numbers_and_garbage_numbers(service: Services) -> None:
    with pytest.raises(TicketNotFound):
        service.views.get_ticket("20261123-9999")
    with pytest.raises(TicketNotFound) as err:
        service.tickets.accept("'; select 1; --", HOUSING)
    assert err.value.code == "bad_number"


def test_staff_invite_binds_once(service: Services) -> None:
    code = service.staff.invite(role="staff", department="housing")
    binding = service.staff.bind(code, channel="telegram", chat_id="-100", user_id=None)
    assert binding.department_code == "housing" and binding.role == "staff"
    with pytest.raises(DomainError):
        service.staff.bind(code, channel="telegram", chat_id="-200", user_id=None)


def test_extension_requests_are_recorded(service: Services) -> None:
    number = report(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.request_extension(number, HOUSING, 2, "等待配件")
    with service.sessions() as s:
        row = s.scalars(select(ExtensionRequest)).one()
        assert row.status == "pending" and row.working_days == 2


def test_revealing_a_phone_is_audited_and_limited_to_the_department(
    service: Services,
) -> None:
    number = report(service)
    assert service.tickets.reveal_phone(number, HOUSING) == "13812345678"
    with pytest.raises(NotAllowed):
        service.tickets.reveal_phone(number, TRANSPORT)
    events = service.views.get_ticket(number).events
    assert [e.actor for e in events if e.action == "reveal_phone"] == [HOUSING.audit_name]
    assert all("13812345678" not in (e.note or "") for e in events)


def test_overdue_filter_lists_the_most_overdue_first(service: Services, clock: ManualClock) -> None:
    early = report(service, category="water_supply")  # 24 h limit
    late = report(service)  # 10 working days
    report(service, category="water_supply", channel_user_id="1003")
    service.tickets.withdraw(
        service.views.list_tickets()[0].number, Actor(role="citizen", id="telegram:1003")
    )
    clock.advance(timedelta(days=30))
    overdue = service.views.list_tickets(TicketFilter(overdue_at=clock.now()))
    assert [v.number for v in overdue] == [early, late]


def test_undecodable_text_is_kept_not_crashed_on(service: Services) -> None:
    number = report(service, description="路灯坏了\ud800\ud800", contact_phone="\udc80")
    view = service.views.get_ticket(number)
    assert view.description == "路灯坏了\ufffd\ufffd"
    assert view.contact_phone == "\ufffd"


def test_a_reopened_ticket_starts_a_new_round_of_timings(
    service: Services, clock: ManualClock
) -> None:
    number = report(service)
    clock.advance(timedelta(hours=2))
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    service.tickets.rate(number, CITIZEN, "unsatisfied", "没修好")
    with service.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.accept_work_seconds is None and ticket.answer_work_seconds is None
