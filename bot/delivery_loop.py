"""The delivery loop: drains the outbox to Telegram for as long as the application runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hotline.services.delivery import Deliverer, DeliveryResult

log = logging.getLogger(__name__)

ERROR_PAUSE = 5.0


class DeliveryLoop:
    """Runs Deliverer.run_once() repeatedly in an asyncio task; stops between passes."""

    def __init__(self, deliverer: Deliverer, *, idle: float = 1.0) -> None:
        self.deliverer = deliverer
        self.idle = idle
        self.passes = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Tell whether the loop's task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop on the running event loop (idempotent)."""
        if self.running:
            return
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-delivery")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the current pass finish (so no send is cut off mid-flight), then end the task."""
        task = self._task
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            log.warning("delivery loop did not stop within %.0fs; cancelling", timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            pause = await self._pass()
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)

    async def _pass(self) -> float:
        """Run one pass and return how long to rest before the next one."""
        try:
            result: DeliveryResult = await self.deliverer.run_once()
        except Exception:  # the loop must outlive a database hiccup
            log.exception("delivery pass failed")
            return ERROR_PAUSE
        finally:
            self.passes += 1
        if result.pause:
            log.info("telegram flood limit: resting %.1fs", result.pause)
            return result.pause
        if result.sent:
            return 0.0  # there may be more due right away
        return self.idle
