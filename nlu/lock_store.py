"""Rasa's Redis lock store, with a waiting turn's ticket kept alive while it waits.

Rasa's ticket lock gives every turn a ticket that expires a fixed lifetime after it was issued
(``TICKET_LOCK_LIFETIME``), whether the turn is being processed or still waiting. A replica
killed mid-turn leaves its ticket behind; the citizen's retry on another replica queues
behind it. When the retry came within a second of the dead turn, both tickets expire within
one poll of each other: the waiter wakes to find its own ticket gone too, and
``TicketLock.is_locked`` then says "locked" forever (no ticket is being served, and it is not
the one). The turn hung until the client gave up (``tests/integration/test_replicas.py``
failed in about a third of its runs).

Here a waiting turn renews its own ticket at every poll, so only a ticket whose owner died
runs out; once served, the ticket lives its ordinary lifetime, as in Rasa.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class HotlineRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose waiters keep their tickets alive (endpoints.yml ``type``)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            self.renew_ticket(lock, ticket)
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def renew_ticket(self, lock: TicketLock, ticket: int) -> None:
        """Push a waiting ticket's expiry a full lifetime ahead of now (the lock just read)."""
        for held in lock.tickets:
            if held.number == ticket:
                held.expires = time.time() + LOCK_LIFETIME
                self.save_lock(lock)
                return
