"""A bound group that Telegram upgrades to a supergroup keeps receiving its tickets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.services.container import Services
from hotline.services.staff import migrate_chat
from hotline.storage.models import StaffBinding
from tests.integration.test_bot_staff import STAFF, bind, make_bot, report, running, to
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

OLD_GROUP = -4001
SUPERGROUP = -1004001


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(STAFF, "张三")
        yield running_double


def bound_chats(service: Services) -> list[tuple[str, bool]]:
    with service.sessions() as session:
        rows = session.execute(
            select(StaffBinding.chat_id, StaffBinding.active)
            .where(StaffBinding.user_id.is_(None))  # the group's own rows, not its members'
            .order_by(StaffBinding.id)
        )
        return [(r.chat_id, r.active) for r in rows]


async def test_service_message_moves_the_binding(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """migrate_to_chat_id moves the binding; cards and buttons work in the supergroup."""
    bind(service, OLD_GROUP)
    async with running(make_bot(service, settings, double)):
        double.migrate_group(OLD_GROUP, SUPERGROUP, STAFF)
        await double.wait_for_sent(to(SUPERGROUP, "本群已升级为超级群"))
        number = report(service)
        card = await double.wait_for_sent(to(SUPERGROUP, number))
        double.press(SUPERGROUP, card["message_id"], f"t:accept:{number}", STAFF)
        await double.wait_for_call("editMessageText", lambda c: "已签收" in c["text"])
    assert bound_chats(service) == [(str(SUPERGROUP), True)]
    assert service.views.get_ticket(number).status == "accepted"
    assert double.failures("sendMessage") == []
    # Both service messages were seen; the second one found nothing left to move.
    assert len([s for s in double.sent(SUPERGROUP) if "本群已升级" in s["text"]]) == 1


async def test_a_refused_send_moves_the_binding_and_delivers_once(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """The bot missed the service message: Telegram's 400 with migrate_to_chat_id does it."""
    bind(service, OLD_GROUP)
    double.migrate_group(OLD_GROUP, SUPERGROUP, STAFF, announce=False)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        await double.wait_for_sent(to(SUPERGROUP, number))
        second = report(service)
        await double.wait_for_sent(to(SUPERGROUP, second))
    assert len(double.failures("sendMessage")) == 1  # only the first card hit the old id
    assert [number in s["text"] for s in double.sent(SUPERGROUP)] == [True, False]
    assert bound_chats(service) == [(str(SUPERGROUP), True)]


def test_migrate_chat_is_idempotent_and_keeps_one_binding(service: Services) -> None:
    """A second call moves nothing; a binding the new chat already has is not doubled."""
    bind(service, OLD_GROUP)
    bind(service, SUPERGROUP)
    # the group's row and its one bound member's row
    assert migrate_chat(service.sessions, "telegram", str(OLD_GROUP), str(SUPERGROUP)) == 2
    assert migrate_chat(service.sessions, "telegram", str(OLD_GROUP), str(SUPERGROUP)) == 0
    assert bound_chats(service) == [(str(OLD_GROUP), False), (str(SUPERGROUP), True)]
    assert migrate_chat(service.sessions, "telegram", "-1", "-2") == 0
