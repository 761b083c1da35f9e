"""Telegram webhook mode: the secret token is mandatory, generated and kept when not given,
and an update posted without it is refused before any handler."""

from __future__ import annotations

import asyncio
import contextlib
import stat
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import plan_run, with_webhook_secret
from bot.context import HotlineApplication
from hotline.adapters.stack import free_ports
from hotline.config import Settings
from hotline.services.container import Services
from tests.integration.test_bot_staff import CITIZEN, STAFF, make_bot, to
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(CITIZEN, "王五")
        running_double.user(STAFF, "张三")
        yield running_double


@contextlib.asynccontextmanager
async def serving_webhook(
    application: HotlineApplication, settings: Settings, port: int
) -> AsyncIterator[None]:
    """What run_webhook does, on a local port: set the webhook, serve, process updates."""
    plan = plan_run(settings)
    kwargs = plan.kwargs
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen=kwargs["listen"],
        port=port,
        url_path=kwargs["url_path"],
        webhook_url=kwargs["webhook_url"],
        secret_token=kwargs["secret_token"],
        allowed_updates=kwargs["allowed_updates"],
        drop_pending_updates=kwargs["drop_pending_updates"],
    )
    await application.start()
    try:
        yield
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def forged_start(update_id: int, user: int = CITIZEN) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "王五"},
            "from": {"id": user, "is_bot": False, "first_name": "王五"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_webhook_secret_is_generated_kept_and_required(
    service: Services, settings: Settings, double: TelegramDouble, tmp_path: Path
) -> None:
    """No secret configured: one is made and stored 0600, Telegram is told it, and an update
    posted without it or with a wrong one is refused and never reaches a handler."""
    configured = replace(
        settings,
        var_dir=tmp_path,
        telegram_webhook_url="https://hotline.example.gov.cn/telegram/hook",
        telegram_webhook_secret=None,
    )
    with pytest.raises(ValueError, match="secret"):
        plan_run(configured)  # never a webhook without a secret
    secured = with_webhook_secret(configured)
    secret = secured.telegram_webhook_secret
    assert secret and len(secret) >= 32
    stored = tmp_path / "secrets.env"
    assert f"HOTLINE_TELEGRAM_WEBHOOK_SECRET={secret}" in stored.read_text()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert with_webhook_secret(configured).telegram_webhook_secret == secret  # kept

    port, _ = free_ports(1)
    application = make_bot(service, secured, double)
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with serving_webhook(application, secured, port), httpx.AsyncClient() as client:
        assert double.webhook["secret_token"] == secret
        missing = await client.post(url, json=forged_start(1))
        wrong = await client.post(
            url,
            json=forged_start(2),
            headers={"X-Telegram-Bot-Api-Secret-Token": "guessed-" + secret[:8]},
        )
        assert (missing.status_code, wrong.status_code) == (403, 403)
        await asyncio.sleep(0.3)
        assert double.sent(CITIZEN) == []  # the forged updates did nothing
        right = await client.post(
            url, json=forged_start(3), headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )
        assert right.status_code == 200
        await double.wait_for_sent(to(CITIZEN, "您好"))
