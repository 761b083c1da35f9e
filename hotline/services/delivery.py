"""Delivering the outbox: who receives a message, in what order, and exactly once per chat.

A channel adapter (Telegram, the console) implements `Transport`; this module decides the
recipients and keeps the ledger. A message is marked sent only after every recipient chat
accepted it; each accepted copy is recorded at once (outbox_deliveries), so a restart never
sends a copy twice. Messages to one chat go out in outbox order: once a chat's message has
to wait (flood limit, network trouble), later messages to that chat wait too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.storage.db import transaction
from hotline.storage.models import Citizen, OutboxDelivery, OutboxMessage, StaffBinding
from hotline.storage.outbox import (
    PendingMessage,
    claim,
    due_messages,
    mark_failed,
    mark_sent,
    release,
    renew,
)

log = logging.getLogger(__name__)

# PendingMessage is handed on: transports type with it and never import storage themselves.
__all__ = [
    "MAX_BACKOFF",
    "UNBOUND_RETRY",
    "Deliverer",
    "DeliveryResult",
    "PendingMessage",
    "RetryLater",
    "Transport",
    "Undeliverable",
    "pending_count",
    "recipients",
]

UNBOUND_RETRY = timedelta(minutes=10)
MAX_BACKOFF = timedelta(minutes=5)
# A pass claims its batch for this long, and renews a message's claim just before sending it
# (so the lease need only outlast one message's sends): another bot process skips it
# meanwhile, a process that dies mid-pass leaves it to the others (or to itself, restarted)
# after this, and one whose claim ran out finds it taken and skips it.
CLAIM_LEASE = timedelta(seconds=15)


class RetryLater(Exception):
    """The channel cannot take the message now (flood limit, network, 5xx)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Undeliverable(Exception):
    """This chat will never take the message (blocked the bot, chat gone)."""


class Transport(Protocol):
    """A channel that can carry outbox messages to chats."""

    channel: str

    async def send(self, chat_id: str, message: PendingMessage) -> str | None:
        """Deliver one copy; return the channel's message id; raise RetryLater/Undeliverable."""
        ...


@dataclass
class DeliveryResult:
    """What a delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting_for_binding: int = 0
    pause: float | None = None  # seconds the whole channel should rest (flood limit)
    errors: list[str] = field(default_factory=list)


def recipients(
    session: Session, message: PendingMessage, channel: str, now: datetime | None = None
) -> list[str]:
    """Chat ids on `channel` that should receive this message (may be empty)."""
    if message.audience == "citizen":
        citizen = session.get(Citizen, int(message.address)) if message.address.isdigit() else None
        if citizen is None or citizen.channel != channel:
            return []
        return [citizen.channel_user_id]
    query = select(StaffBinding.chat_id).where(
        StaffBinding.channel == channel, StaffBinding.active.is_(True)
    )
    if now is not None:  # an expired binding receives nothing, even before a sweep notices
        query = query.where(or_(StaffBinding.expires_at.is_(None), StaffBinding.expires_at > now))
    if message.audience == "department":
        query = query.where(
            StaffBinding.role == "staff", StaffBinding.department_code == message.address
        )
    else:
        query = query.where(StaffBinding.role == message.audience)
    return sorted(set(session.scalars(query)))


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)


class Deliverer:
    """Runs delivery passes for one channel over the shared outbox."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        transport: Transport,
        *,
        staff_chat: str | None = None,
    ) -> None:
        """`staff_chat` sends every staff audience to one chat (the console has no bindings)."""
        self.sessions = sessions
        self.clock = clock
        self.transport = transport
        self.channel = transport.channel
        self.staff_chat = staff_chat
        self._held: dict[int, datetime] = {}  # claimed message id -> end of our lease

    def _already_delivered(self, session: Session, message_id: int) -> set[str]:
        return set(
            session.scalars(
                select(OutboxDelivery.chat_id).where(
                    OutboxDelivery.message_id == message_id, OutboxDelivery.channel == self.channel
                )
            )
        )

    def _record(
        self,
        message_id: int,
        chat_id: str,
        status: str,
        provider_id: str | None,
        error: str | None = None,
    ) -> None:
        with transaction(self.sessions) as session:
            session.add(
                OutboxDelivery(
                    message_id=message_id,
                    channel=self.channel,
                    chat_id=chat_id,
                    status=status,
                    provider_message_id=provider_id,
                    error=error,
                    at=self.clock.now(),
                )
            )

    def _claim(self, limit: int) -> list[tuple[PendingMessage, list[str], set[str]]]:
        """Claim due messages (no other process sends them meanwhile) and plan each:
        (message, recipient chats, chats that already have it)."""
        with transaction(self.sessions) as session:
            now = self.clock.now()
            batch = due_messages(session, now, limit, channel=self.channel)
            mine = set(claim(session, [m.id for m in batch], now, CLAIM_LEASE))
            self._held = {message_id: now + CLAIM_LEASE for message_id in mine}
            plans = []
            for message in batch:
                if message.id not in mine:
                    continue
                if self.staff_chat is not None and message.audience != "citizen":
                    targets = [self.staff_chat]
                else:
                    targets = recipients(session, message, self.channel, self.clock.now())
                plans.append((message, targets, self._already_delivered(session, message.id)))
        return plans

    def _renew(self, message_id: int) -> bool:
        """Extend this pass's claim on a message just before sending it."""
        with transaction(self.sessions) as session:
            until = renew(
                session, message_id, self._held[message_id], self.clock.now(), CLAIM_LEASE
            )
        if until is None:
            return False
        self._held[message_id] = until
        return True

    async def run_once(self, limit: int = 100) -> DeliveryResult:
        """One pass over due messages, oldest first."""
        result = DeliveryResult()
        plans = self._claim(limit)
        blocked: set[str] = set()
        for message, targets, done in plans:
            if not targets:
                result.waiting_for_binding += 1
                with transaction(self.sessions) as session:
                    mark_failed(
                        session,
                        message.id,
                        self.clock.now(),
                        f"no {message.audience} chat bound for {message.address}",
                        UNBOUND_RETRY,
                        count_attempt=False,
                    )
                continue
            outstanding = [chat for chat in targets if chat not in done]
            if outstanding and not self._renew(message.id):
                continue  # our claim ran out and another process has the message now
            waiting = False
            failed = False
            for chat in outstanding:
                if chat in blocked or result.pause is not None:
                    waiting = True
                    continue
                try:
                    provider_id = await self.transport.send(chat, message)
                except RetryLater as exc:
                    blocked.add(chat)
                    waiting = True
                    result.retried += 1
                    result.errors.append(exc.reason)
                    delay = (
                        timedelta(seconds=exc.retry_after)
                        if exc.retry_after
                        else _backoff(message.attempts)
                    )
                    if exc.retry_after:
                        result.pause = exc.retry_after
                    with transaction(self.sessions) as session:
                        mark_failed(session, message.id, self.clock.now(), exc.reason, delay)
                    failed = True
                    continue
                except Undeliverable as exc:
                    result.failed += 1
                    log.warning("message %d to %s undeliverable: %s", message.id, chat, exc)
                    self._record(message.id, chat, "failed", None, str(exc)[:500])
                    continue
                self._record(message.id, chat, "sent", provider_id)
                result.sent += 1
            if not waiting:
                with transaction(self.sessions) as session:
                    mark_sent(session, message.id, self.clock.now())
            elif not failed:
                with transaction(self.sessions) as session:
                    release(session, message.id, self.clock.now())
        return result


def pending_count(sessions: sessionmaker[Session]) -> int:
    """Messages not yet fully delivered (for health checks and tests)."""
    with transaction(sessions) as session:
        return len(
            session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all()
        )
