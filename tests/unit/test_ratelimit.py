"""The per-citizen flood guard: one notice per flood, and the budget comes back."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.ratelimit import FloodGuard, Verdict
from hotline.domain.clock import ManualClock

START = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_flood_gets_one_notice_then_silence_then_service_again() -> None:
    clock = ManualClock(START)
    guard = FloodGuard(clock, limit=3, window=timedelta(seconds=30))
    verdicts = [guard.check("telegram:1") for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.NOTICE, Verdict.DROP, Verdict.DROP]
    assert guard.check("telegram:2") is Verdict.PASS  # others are not affected
    clock.set(START + timedelta(seconds=31))
    assert guard.check("telegram:1") is Verdict.PASS
    guard.forget_idle()
    clock.set(START + timedelta(minutes=5))
    guard.forget_idle()
    assert guard._seen == {}


def test_steady_typing_is_never_limited() -> None:
    clock = ManualClock(START)
    guard = FloodGuard(clock, limit=12, window=timedelta(seconds=30))
    for i in range(200):
        clock.set(START + timedelta(seconds=3 * i))
        assert guard.check("console:local") is Verdict.PASS


def test_citizens_gone_quiet_are_forgotten_without_being_asked() -> None:
    clock = ManualClock(START)
    guard = FloodGuard(clock, limit=12, window=timedelta(seconds=30))
    for i in range(999):
        guard.check(f"telegram:{i}")
    clock.set(START + timedelta(minutes=1))
    guard.check("telegram:new")  # the 1000th message sweeps the idle ones
    assert set(guard._seen) == {"telegram:new"}
