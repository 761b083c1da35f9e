"""A per-citizen message budget: a flood gets one polite notice, not a dialogue turn per line."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from enum import StrEnum

from hotline.domain.clock import Clock

FLOOD_NOTICE = "您发送得太快了，请稍等半分钟再继续，我们会逐条处理您的诉求。"


class Verdict(StrEnum):
    PASS = "pass"  # handle the message
    NOTICE = "notice"  # over budget: tell the citizen once
    DROP = "drop"  # over budget, already told


class FloodGuard:
    """Sliding window per citizen: at most `limit` messages in `window`; in memory, per process
    (a restart forgives everyone, which is what a citizen would expect anyway)."""

    def __init__(
        self, clock: Clock, limit: int = 12, window: timedelta = timedelta(seconds=30)
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._told: dict[str, float] = {}
        self._checks = 0

    def check(self, citizen: str) -> Verdict:
        """Count one message from `citizen` and say whether to handle it."""
        self._checks += 1
        if self._checks % 1000 == 0:  # every citizen ever seen would otherwise stay in memory
            self.forget_idle()
        now = self.clock.now().timestamp()
        horizon = now - self.window.total_seconds()
        seen = self._seen.setdefault(citizen, deque())
        while seen and seen[0] <= horizon:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._told.pop(citizen, None)
            return Verdict.PASS
        if citizen in self._told and self._told[citizen] > horizon:
            return Verdict.DROP
        self._told[citizen] = now
        return Verdict.NOTICE

    def forget_idle(self) -> None:
        """Drop citizens with nothing in the window (keeps memory flat on a busy day)."""
        horizon = self.clock.now().timestamp() - self.window.total_seconds()
        for key in [k for k, v in self._seen.items() if not v or v[-1] <= horizon]:
            del self._seen[key]
            self._told.pop(key, None)
