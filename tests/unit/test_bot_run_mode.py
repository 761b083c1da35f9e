"""Polling by default, a webhook when configured: the settings and the run plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import plan_run
from hotline.config import Settings
from hotline.domain.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = {
    "HOTLINE_TELEGRAM_WEBHOOK_URL": "https://hotline.example.gov.cn/telegram/hook",
    "HOTLINE_TELEGRAM_WEBHOOK_PORT": "8088",
    "HOTLINE_TELEGRAM_WEBHOOK_SECRET": "s3cret_token-1",
}


def settings(**env: str) -> Settings:
    return Settings.from_env(env, root=ROOT)


def test_polling_is_the_default() -> None:
    plan = plan_run(settings())
    assert plan.mode == "polling"
    assert plan.kwargs["drop_pending_updates"] is False
    assert "webhook_url" not in plan.kwargs


def test_webhook_settings_choose_run_webhook() -> None:
    plan = plan_run(settings(**WEBHOOK))
    assert plan.mode == "webhook"
    assert plan.kwargs == {
        "drop_pending_updates": False,
        "allowed_updates": plan.kwargs["allowed_updates"],
        "listen": "127.0.0.1",
        "port": 8088,
        "url_path": "telegram/hook",
        "webhook_url": "https://hotline.example.gov.cn/telegram/hook",
        "secret_token": "s3cret_token-1",
    }
    assert "message" in plan.kwargs["allowed_updates"]
    listen_all = settings(**WEBHOOK, HOTLINE_TELEGRAM_WEBHOOK_LISTEN="0.0.0.0")
    assert plan_run(listen_all).kwargs["listen"] == "0.0.0.0"


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("HOTLINE_TELEGRAM_WEBHOOK_URL", "http://hotline.example/hook", "https://"),
        ("HOTLINE_TELEGRAM_WEBHOOK_SECRET", "has spaces!", "SECRET"),
        ("HOTLINE_TELEGRAM_WEBHOOK_PORT", "70000", "PORT"),
        ("HOTLINE_TELEGRAM_WEBHOOK_PORT", "eighty", "PORT"),
    ],
)
def test_bad_webhook_settings_are_refused_at_start(key: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        settings(**{**WEBHOOK, key: value})
    assert named in str(refused.value)
