"""Outbox delivery: every recipient chat gets each message once, in order, and nothing is lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.delivery import Deliverer, RetryLater, Undeliverable, pending_count
from hotline.services.registration import NewTicket
from hotline.storage.models import OutboxDelivery
from hotline.storage.outbox import PendingMessage

HOUSING = Actor(role="staff", id="telegram:2001", department="housing")


class FakeTransport:
    """Records what it was asked to send; faults are scripted per chat."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.faults: dict[str, list[Exception]] = {}

    async def send(self, chat_id: str, message: PendingMessage) -> str | None:
        queue = self.faults.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((chat_id, message.kind))
        return str(len(self.sent))


def bind(
    service: Services, chat: str, role: str = "staff", department: str | None = "housing"
) -> None:
    code = service.staff.invite(role=role, department=department)
    service.staff.bind(code, channel="telegram", chat_id=chat, user_id=None)


def report(service: Services, user: str = "1001", channel: str = "telegram") -> str:
    return service.tickets.open_ticket(
        NewTicket(
            channel=channel,
            channel_user_id=user,
            description="小区路面塌陷",
            category="compound_facility",
        )
    ).number


async def test_every_bound_chat_gets_the_card_once(service: Services, clock: ManualClock) -> None:
    bind(service, "-100")
    bind(service, "-200")
    report(service)
    transport = FakeTransport()
    deliverer = Deliverer(service.sessions, clock, transport)
    result = await deliverer.run_once()
    assert sorted(transport.sent) == [("-100", "ticket_dispatched"), ("-200", "ticket_dispatched")]
    assert result.sent == 2 and pending_count(service.sessions) == 0
    await deliverer.run_once()
    assert len(transport.sent) == 2


async def test_unbound_department_keeps_the_message(service: Services, clock: ManualClock) -> None:
    report(service)
    transport = FakeTransport()
    deliverer = Deliverer(service.sessions, clock, transport)
    result = await deliverer.run_once()
    assert result.waiting_for_binding == 1 and transport.sent == []
    assert pending_count(service.sessions) == 1
    bind(service, "-100")
    clock.advance(timedelta(minutes=11))
    await deliverer.run_once()
    assert transport.sent == [("-100", "ticket_dispatched")]


async def test_flood_limit_keeps_per_chat_order(service: Services, clock: ManualClock) -> None:
    bind(service, "-100")
    first = report(service)
    service.tickets.accept(first, HOUSING)  # a citizen message, then
    report(service, user="1002")  # a second card to the same department chat
    transport = FakeTransport()
    transport.faults["-100"] = [RetryLater("429", retry_after=3)]
    deliverer = Deliverer(service.sessions, clock, transport)
    result = await deliverer.run_once()
    assert result.pause == 3
    assert transport.sent == []  # the second card must not overtake the first
    clock.advance(timedelta(seconds=4))
    await deliverer.run_once()
    cards = [kind for chat, kind in transport.sent if chat == "-100"]
    assert cards == ["ticket_dispatched", "ticket_dispatched"]
    assert ("1001", "ticket_accepted") in transport.sent


async def test_restart_between_copies_sends_only_what_is_missing(
    service: Services, clock: ManualClock
) -> None:
    bind(service, "-100")
    bind(service, "-200")
    report(service)
    transport = FakeTransport()
    transport.faults["-200"] = [RetryLater("network down")]
    await Deliverer(service.sessions, clock, transport).run_once()
    assert transport.sent == [("-100", "ticket_dispatched")]
    # the bot restarts: a new deliverer over the same database
    clock.advance(timedelta(minutes=1))
    restarted = FakeTransport()
    await Deliverer(service.sessions, clock, restarted).run_once()
    assert restarted.sent == [("-200", "ticket_dispatched")]
    with service.sessions() as s:
        assert s.scalar(select(func.count(OutboxDelivery.id))) == 2


async def test_a_blocked_chat_does_not_hold_the_rest(service: Services, clock: ManualClock) -> None:
    bind(service, "-100")
    bind(service, "-200")
    report(service)
    transport = FakeTransport()
    transport.faults["-200"] = [Undeliverable("bot was kicked from the group")]
    result = await Deliverer(service.sessions, clock, transport).run_once()
    assert result.failed == 1 and transport.sent == [("-100", "ticket_dispatched")]
    assert pending_count(service.sessions) == 0


async def test_citizens_of_other_channels_are_left_to_them(
    service: Services, clock: ManualClock
) -> None:
    bind(service, "-100")
    number = report(service, user="console-user", channel="console")
    service.tickets.accept(number, HOUSING)
    transport = FakeTransport()
    for _ in range(3):
        await Deliverer(service.sessions, clock, transport).run_once(limit=1)
    assert transport.sent == [("-100", "ticket_dispatched")]
    assert pending_count(service.sessions) == 1  # the console citizen's message waits


async def test_two_bot_processes_send_each_copy_once(service: Services, clock: ManualClock) -> None:
    """Issue 20: several bot processes deliver from one outbox; each claims its batch, so
    every chat still gets every message exactly once."""
    import asyncio

    bind(service, "-100")
    for user in range(8):
        report(service, user=str(1000 + user))

    class SlowTransport(FakeTransport):
        async def send(self, chat_id: str, message: PendingMessage) -> str | None:
            await asyncio.sleep(0)  # let the other process run between copies
            return await super().send(chat_id, message)

    first, second = SlowTransport(), SlowTransport()
    await asyncio.gather(
        Deliverer(service.sessions, clock, first).run_once(limit=5),
        Deliverer(service.sessions, clock, second).run_once(limit=5),
    )
    await asyncio.gather(
        Deliverer(service.sessions, clock, first).run_once(),
        Deliverer(service.sessions, clock, second).run_once(),
    )
    assert len(first.sent) + len(second.sent) == 8  # one card per ticket, none twice
    assert first.sent and second.sent  # both took a share
    assert pending_count(service.sessions) == 0


async def test_a_dead_process_claim_is_taken_over_after_the_lease(
    service: Services, clock: ManualClock
) -> None:
    """A bot process that claimed messages and died leaves them to the others a minute later."""
    from hotline.services.delivery import CLAIM_LEASE
    from hotline.storage.db import transaction
    from hotline.storage.outbox import claim, due_messages

    bind(service, "-100")
    report(service)
    with transaction(service.sessions) as session:
        ids = [m.id for m in due_messages(session, clock.now())]
        assert claim(session, ids, clock.now(), CLAIM_LEASE) == ids  # then the process dies
    transport = FakeTransport()
    await Deliverer(service.sessions, clock, transport).run_once()
    assert transport.sent == []
    clock.advance(CLAIM_LEASE)
    await Deliverer(service.sessions, clock, transport).run_once()
    assert transport.sent == [("-100", "ticket_dispatched")]


async def test_a_process_whose_claim_ran_out_does_not_send_what_another_took(
    service: Services, clock: ManualClock
) -> None:
    """A stalled bot process comes back after its lease: the message went with another
    process meanwhile, and the stalled one leaves it alone."""
    from hotline.services.delivery import CLAIM_LEASE

    bind(service, "-100")
    report(service)
    stalled_transport, other_transport = FakeTransport(), FakeTransport()
    stalled = Deliverer(service.sessions, clock, stalled_transport)
    (message, _, _), *_ = stalled._claim(100)  # claimed, then the process stalls
    clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    await Deliverer(service.sessions, clock, other_transport).run_once()
    assert other_transport.sent == [("-100", "ticket_dispatched")]
    assert stalled._renew(message.id) is False  # it would skip the message now
    assert stalled_transport.sent == []
