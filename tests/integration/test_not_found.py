"""One answer for "no such ticket" and "not yours": a citizen probing numbers learns nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotline.config import Settings
from hotline.domain.tickets import Actor, DomainError
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from tests.integration.test_bot_staff import CITIZEN, make_bot, running, to
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)
OTHER = 1002


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(CITIZEN, "王五")
        yield running_double


def test_someone_elses_ticket_reads_exactly_like_no_ticket(service: Services) -> None:
    """A citizen probing numbers cannot tell a stranger's ticket from a number never used."""
    theirs = service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=str(OTHER),
            description="路灯不亮",
            category="street_light",
        )
    ).number
    never = theirs[:-4] + "9999"
    me = Actor(role="citizen", id=f"telegram:{CITIZEN}")

    def refusal(call: Any, number: str) -> str:
        with pytest.raises(DomainError) as refused:
            call(number)
        return refused.value.message.replace(number, "N")

    for call in (
        lambda n: service.views.get_ticket(n, me),
        lambda n: service.tickets.withdraw(n, me, "不需要了"),
        lambda n: service.tickets.rate(n, me, "satisfied"),
    ):
        assert refusal(call, theirs) == refusal(call, never)


async def test_ticket_command_gives_one_reply_for_missing_and_foreign(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    theirs = service.tickets.open_ticket(
        NewTicket(channel="telegram", channel_user_id=str(OTHER), description="路灯不亮")
    ).number
    never = theirs[:-4] + "9999"
    async with running(make_bot(service, settings, double)):
        double.user_says(CITIZEN, f"/ticket {theirs}")
        first = await double.wait_for_sent(to(CITIZEN, theirs))
        double.user_says(CITIZEN, f"/ticket {never}")
        second = await double.wait_for_sent(to(CITIZEN, never))
    assert first["text"].replace(theirs, "N") == second["text"].replace(never, "N")
