"""Staff access and staff replies through the real bot: per-person binds, throttling,
prompts that survive a restart and never turn a stray message into a citizen's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.staff import StaffAccess, hash_code
from hotline.storage.models import AuditRecord, StaffInvite, TicketEvent
from tests.integration.test_bot_staff import (
    CITIZEN,
    HOUSING_CHAT,
    STAFF,
    bind,
    buttons,
    make_bot,
    reply_in_group,
    report,
    running,
    to,
)
from tests.support.telegram_double import JSON, TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

NEWCOMER = 2999


@pytest.fixture
def double() -> TelegramDouble:  # type: ignore[misc]
    with TelegramDouble() as running_double:
        running_double.user(STAFF, "张三")
        running_double.user(NEWCOMER, "新来的")
        yield running_double


async def accepted_card(double: TelegramDouble, number: str) -> JSON:
    """Wait for the card and 签收 it with its button."""
    card = await double.wait_for_sent(to(HOUSING_CHAT, number))
    double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
    await double.wait_for_call("editMessageText", lambda c: "已签收" in c["text"])
    return card


def audit_actions(service: Services) -> list[str]:
    with service.sessions() as session:
        return list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


async def test_a_member_acts_only_after_their_own_bind(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """The group is bound by 张三; a newcomer sees cards but cannot act until they /bind."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", NEWCOMER)
        await double.wait_for_call("answerCallbackQuery", lambda c: "尚未绑定" in c["text"])
        assert service.views.get_ticket(number).status == "dispatched"
        code = service.staff.invite(role="staff", department="housing")
        double.group_message(HOUSING_CHAT, NEWCOMER, f"/bind {code}")
        await double.wait_for_sent(to(HOUSING_CHAT, "新来的已在本群登记"))
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", NEWCOMER)
        await double.wait_for_call("editMessageText", lambda c: "已签收" in c["text"])
    assert service.views.get_ticket(number).status == "accepted"
    assert audit_actions(service).count("staff_bind") == 3  # group + 张三, then the newcomer


async def test_revoke_and_expire_take_effect_at_once(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, HOUSING_CHAT)
    access = StaffAccess(service.sessions, service.clock)
    mine = next(r for r in access.bindings() if r.user_id == str(STAFF))
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        access.revoke(mine.id, by="cli")
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
        await double.wait_for_call("answerCallbackQuery", lambda c: "尚未绑定" in c["text"])
        assert service.views.get_ticket(number).status == "dispatched"
        again = access.grant(
            channel="telegram",
            chat_id=str(HOUSING_CHAT),
            user_id=str(STAFF),
            role="staff",
            department="housing",
            by="cli",
        )
        access.expire(again.id, at=clock.now() + timedelta(hours=1), by="cli")
        clock.advance(timedelta(hours=2))
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
        await double.wait_for_call(
            "answerCallbackQuery",
            lambda _c: (
                len([c for c in double.calls("answerCallbackQuery") if "尚未绑定" in c["text"]])
                == 2
            ),
        )
    assert service.views.get_ticket(number).status == "dispatched"
    assert {"staff_revoke", "staff_grant", "staff_expire"} <= set(audit_actions(service))
    assert [r.id for r in access.bindings() if r.user_id == str(STAFF)] == []


async def test_bind_is_throttled_audited_and_never_grants_admin(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """Five wrong codes, then even a right one waits; an admin invite is refused."""
    with service.sessions.begin() as session:  # an admin code left over from before 0007
        session.add(
            StaffInvite(
                code_hash=hash_code("OLD-ADMIN"),
                department_code=None,
                role="admin",
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(days=7),
            )
        )
    code = service.staff.invite(role="staff", department="housing")
    async with running(make_bot(service, settings, double)):
        double.group_message(HOUSING_CHAT, NEWCOMER, "/bind OLD-ADMIN")
        await double.wait_for_sent(to(HOUSING_CHAT, "管理员权限不能通过绑定码获得"))
        for attempt in range(4):
            double.group_message(HOUSING_CHAT, NEWCOMER, f"/bind WRONG{attempt}")
        await double.wait_for_sent(
            lambda _s: len([m for m in double.sent(HOUSING_CHAT) if "绑定码无效" in m["text"]]) == 4
        )
        double.group_message(HOUSING_CHAT, NEWCOMER, f"/bind {code}")
        await double.wait_for_sent(to(HOUSING_CHAT, "尝试次数过多"))
        clock.advance(timedelta(minutes=11))
        double.group_message(HOUSING_CHAT, NEWCOMER, f"/bind {code}")
        await double.wait_for_sent(to(HOUSING_CHAT, "绑定成功"))
    actions = audit_actions(service)
    assert actions.count("bind_failed") == 5 and actions.count("bind_throttled") == 1
    assert "staff_bind" in actions


async def test_stray_text_after_the_window_is_never_an_answer(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """A "收到" hours after 办结 was pressed cancels the prompt (staff told); no citizen sees it."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await accepted_card(double, number)
        double.press(HOUSING_CHAT, card["message_id"], f"t:resolve:{number}", STAFF)
        await double.wait_for_sent(to(HOUSING_CHAT, "请回复给市民的答复内容"))
        clock.advance(timedelta(hours=3))
        double.group_message(HOUSING_CHAT, STAFF, "收到")
        await double.wait_for_sent(to(HOUSING_CHAT, "已超时取消"))
        double.group_message(HOUSING_CHAT, STAFF, "好的")
        await double.wait_for_sent(to(HOUSING_CHAT, "已超时取消"))
    assert service.views.get_ticket(number).status == "accepted"
    assert not [s for s in double.sent(CITIZEN) if "收到" in s["text"] or "好的" in s["text"]]
    assert len([s for s in double.sent(HOUSING_CHAT) if "已超时取消" in s["text"]]) == 1


async def test_a_reply_to_another_message_is_not_the_answer(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await accepted_card(double, number)
        double.press(HOUSING_CHAT, card["message_id"], f"t:resolve:{number}", STAFF)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复给市民的答复内容"))
        double.group_message(
            HOUSING_CHAT,
            STAFF,
            "这个我来看看",
            reply_to_message=double.message(HOUSING_CHAT, card["message_id"]),
        )
        await reply_in_group(double, HOUSING_CHAT, prompt, "路面已修复。")
        await double.wait_for_sent(to(CITIZEN, "路面已修复"))
    assert not [s for s in double.sent(CITIZEN) if "这个我来看看" in s["text"]]


async def test_a_pending_prompt_survives_a_restart(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """Pressed before the bot restarted, answered (by replying, an hour later) after it."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await accepted_card(double, number)
        double.press(HOUSING_CHAT, card["message_id"], f"t:return:{number}", STAFF)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复退单理由"))
    clock.advance(timedelta(hours=1))
    async with running(make_bot(service, settings, double)):
        await reply_in_group(double, HOUSING_CHAT, prompt, "不属于本部门职责")
        await double.wait_for_sent(to(HOUSING_CHAT, "已退单"))
        edit = await double.wait_for_call("editMessageText", lambda c: "已退单" in c["text"])
        assert edit["message_id"] == card["message_id"] and buttons(edit) == []
    assert service.views.get_ticket(number).status == "returned"


async def test_numbers_are_masked_on_cards_and_revealed_with_an_audit(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, HOUSING_CHAT)
    from hotline.services.registration import NewTicket

    number = service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=str(CITIZEN),
            description="楼道灯坏了，联系我13912345678，身份证110101199003071234",
            category="compound_facility",
            contact_phone="13812345678",
        )
    ).number
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        assert "13912345678" not in card["text"] and "*******5678" in card["text"]
        assert "110101199003071234" not in card["text"] and "1234" in card["text"]
        double.group_message(HOUSING_CHAT, STAFF, f"/ticket {number}")
        shown = await double.wait_for_sent(to(HOUSING_CHAT, "诉求内容"))
        assert "13912345678" not in shown["text"]
        double.press(HOUSING_CHAT, card["message_id"], f"t:phone:{number}", STAFF)
        alert = await double.wait_for_call("answerCallbackQuery", lambda c: "联系电话" in c["text"])
        assert "13812345678" in alert["text"] and "13912345678" in alert["text"]
        assert "110101199003071234" in alert["text"] and alert["show_alert"] is True
    with service.sessions() as session:
        event = session.scalars(
            select(TicketEvent).where(TicketEvent.action == "reveal_phone")
        ).one()
    assert event.actor == "staff:telegram:2001@housing" and event.data["numbers"] == 2
