"""Fault drill: `hotline bot` killed with SIGKILL around an outbox delivery, then restarted.

The bot runs as its own process against the Bot API double, on the same database the test
writes tickets into. Killed while a card is still pending (Telegram refused it), the restarted
bot sends it exactly once; killed after the card was accepted, the restart does not send it
again.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import SystemClock
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_session_factory
from hotline.storage.models import OutboxMessage
from tests.conftest import TZ
from tests.support.telegram_double import TelegramDouble

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = 1001
HOUSING_CHAT = -100111
WAIT = 30.0


@pytest.fixture
def live(engine: Engine, catalogue: Catalogue, sla: SlaPolicy) -> Services:
    """The service on the real clock: the bot process's clock decides what is due."""
    service = Services(make_session_factory(engine), catalogue, sla, SystemClock(), TZ)
    service.tickets.sync_catalogue()
    code = service.staff.invite(role="staff", department="housing")
    service.staff.bind(code, channel="telegram", chat_id=str(HOUSING_CHAT), user_id=None)
    return service


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running:
        yield running


class BotProcess:
    """`python -m hotline.entrypoints.cli bot` against the double; started and killed on demand."""

    def __init__(self, engine: Engine, double: TelegramDouble, var_dir: Path) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": double.token,
            "TELEGRAM_API_BASE_URL": double.base_url,
            "HOTLINE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "HOTLINE_VAR_DIR": str(var_dir),
            "HOTLINE_RASA_URL": "http://127.0.0.1:9",
        }
        self.env.pop("HOTLINE_TELEGRAM_WEBHOOK_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = var_dir / "bot.log"
        var_dir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hotline.entrypoints.cli", "bot"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no post_stop, no flush, nothing the bot could tidy up."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=WAIT)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture
def bot(engine: Engine, double: TelegramDouble, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(engine, double, tmp_path / "var")
    try:
        yield process
    finally:
        process.stop()


def open_ticket(service: Services, text: str) -> str:
    return service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=str(CITIZEN),
            description=text,
            category="compound_facility",
        )
    ).number


def cards(double: TelegramDouble, number: str) -> int:
    return len([s for s in double.sent(HOUSING_CHAT) if number in (s["text"] or "")])


def pending(service: Services) -> int:
    with service.sessions() as session:
        query = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending")
        return session.scalar(query) or 0


def test_killed_before_telegram_took_the_card_sends_it_once_on_restart(
    live: Services, double: TelegramDouble, bot: BotProcess
) -> None:
    double.fail_for("sendMessage", WAIT, status=502)  # the row stays pending
    bot.start()
    number = open_ticket(live, "楼道灯不亮")
    double.wait_until_sync(lambda: bool(double.failures("sendMessage")) or not bot.alive(), WAIT)
    assert bot.alive(), bot.log.read_text(errors="replace")
    bot.kill()
    assert cards(double, number) == 0 and pending(live) == 1

    double.clear_faults()
    bot.start()
    double.wait_for_sent_sync(lambda s: number in (s["text"] or ""), timeout=WAIT)
    marker = open_ticket(live, "路面塌陷")  # delivered after the first in outbox order
    double.wait_for_sent_sync(lambda s: marker in (s["text"] or ""), timeout=WAIT)
    double.wait_until_sync(lambda: pending(live) == 0, WAIT)
    assert cards(double, number) == 1 and cards(double, marker) == 1


def test_killed_after_the_card_was_sent_does_not_send_it_again(
    live: Services, double: TelegramDouble, bot: BotProcess
) -> None:
    bot.start()
    number = open_ticket(live, "楼道灯不亮")
    double.wait_for_sent_sync(lambda s: number in (s["text"] or ""), timeout=WAIT)
    double.wait_until_sync(lambda: pending(live) == 0, WAIT)  # ledger and row committed
    bot.kill()

    bot.start()
    marker = open_ticket(live, "路面塌陷")
    double.wait_for_sent_sync(lambda s: marker in (s["text"] or ""), timeout=WAIT)
    assert cards(double, number) == 1 and cards(double, marker) == 1


def test_the_bot_process_logs_to_var_log_privately_without_citizen_text(
    live: Services, double: TelegramDouble, bot: BotProcess, tmp_path: Path
) -> None:
    """`hotline bot` writes its log lines to var/log/bot.log (0600): ids, never words or phones."""
    bot.start()
    number = live.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=str(CITIZEN),
            description="楼道灯不亮，联系电话13912345678",
            category="compound_facility",
            contact_phone="13812345678",
        )
    ).number
    double.wait_for_sent_sync(lambda s: number in (s["text"] or ""), timeout=WAIT)
    double.user_says(CITIZEN, "我想问问13912345678的工单")  # Rasa is down: logged, not quoted
    double.wait_for_sent_sync(lambda s: s["chat_id"] == CITIZEN, timeout=WAIT)
    bot.stop()
    log = tmp_path / "var" / "log" / "bot.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    written = log.read_text(encoding="utf-8") + bot.log.read_text(errors="replace")
    assert "outbox delivery loop started" in written
    for secret in ("13912345678", "13812345678", "楼道灯不亮", "我想问问", double.token):
        assert secret not in written, secret
