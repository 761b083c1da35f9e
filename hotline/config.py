"""Settings from the environment (and an optional .env), checked once at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.credentials import (
    ACTION_TOKEN,
    CHAT_TOKEN,
    RASA_TOKEN,
    is_loopback,
    loose_mode,
    read_secrets,
    secrets_path,
)
from hotline.domain.yamlconf import ConfigError
from hotline.paths import RASA_PYTHON, ROOT

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; comments and blank lines are ignored, quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(f"{path}:{lineno}: expected KEY=VALUE")
        key, value = line.split("=", 1)
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set; names match the environment variables in the README."""

    database_url: str
    data_dir: Path
    var_dir: Path
    timezone: str = "Asia/Shanghai"
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_workers: int = 1
    action_server_port: int = 5055
    # Webhook mode (polling when the URL is unset): Telegram POSTs updates to the URL, which
    # a reverse proxy forwards to listen:port; the secret token authenticates Telegram.
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = None
    # A staff member's plain text answers a 退单/延期/办结 prompt only this long after it.
    staff_reply_minutes: int = 5
    # The stack's servers bind this address; the tokens authenticate every call to them
    # (var/secrets.env, see hotline.credentials). None only before the setup created them.
    listen_host: str = "127.0.0.1"
    rasa_token: str | None = None
    chat_token: str | None = None
    action_token: str | None = None
    # The Rasa environment's interpreter and the trained model (None: models/hotline.tar.gz,
    # else the newest archive there; see hotline.paths.find_model). The stack and the
    # classifier both take them from here.
    rasa_python: Path = RASA_PYTHON
    nlu_model: Path | None = None
    # Link template for ticket numbers in the report workbook (`hotline report --out`).
    ticket_url: str | None = None
    # `hotline serve`: /healthz and /readyz on listen_host:health_port (0: no listener).
    health_port: int = 5080
    # Rasa's scale-out (issue 20): its tracker store in this database instead of the SQLite
    # file under var/ (postgresql://user@host:port/db), and Rasa's RedisLockStore at this URL
    # (redis://host:port/db) so any Rasa replica may take any turn of any citizen.
    tracker_store_url: str | None = None
    lock_store_url: str | None = None
    # Seconds a turn holds its conversation's lock in the shared lock store. A replica killed
    # mid-turn leaves its lock behind; the citizen's retried turn on another replica waits
    # this long, so it must stay under the balancer's timeout (Rasa's own default is 60 s).
    lock_lifetime: int = 20
    # The web workbench and Open311 API (`hotline web`, and inside `hotline up`).
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def rasa_urls(self) -> list[str]:
        """One URL per Rasa worker: HOTLINE_RASA_URL's port, then the next ones."""
        parts = urlsplit(self.rasa_url)
        port = parts.port or 5005
        host = parts.hostname or "127.0.0.1"
        return [f"{parts.scheme}://{host}:{port + i}" for i in range(self.rasa_workers)]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, root: Path = ROOT) -> Settings:
        """Merge .env (if any) under real environment variables and validate the result."""
        env = dict(_read_dotenv(root / ".env"))
        env.update(os.environ if environ is None else environ)
        var_dir = Path(env.get("HOTLINE_VAR_DIR", str(root / "var")))
        secrets_file = secrets_path(var_dir)
        if loose_mode(secrets_file):
            raise ConfigError(f"{secrets_file}: readable by others; run chmod 600 {secrets_file}")
        env = {**read_secrets(secrets_file), **env}  # .env and the environment win
        settings = cls(
            database_url=env.get("HOTLINE_DATABASE_URL") or f"sqlite:///{var_dir / 'hotline.db'}",
            data_dir=Path(env.get("HOTLINE_DATA_DIR", str(root / "data"))),
            var_dir=var_dir,
            timezone=env.get("HOTLINE_TIMEZONE", "Asia/Shanghai"),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
            rasa_url=env.get("HOTLINE_RASA_URL", "http://127.0.0.1:5005"),
            rasa_workers=_int(env, "HOTLINE_RASA_WORKERS", 1),
            action_server_port=_int(env, "HOTLINE_ACTION_SERVER_PORT", 5055),
            telegram_webhook_url=env.get("HOTLINE_TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_listen=env.get("HOTLINE_TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            telegram_webhook_port=_int(env, "HOTLINE_TELEGRAM_WEBHOOK_PORT", 8443),
            telegram_webhook_secret=env.get("HOTLINE_TELEGRAM_WEBHOOK_SECRET") or None,
            staff_reply_minutes=_int(env, "HOTLINE_STAFF_REPLY_MINUTES", 5),
            listen_host=env.get("HOTLINE_LISTEN") or "127.0.0.1",
            rasa_token=env.get(RASA_TOKEN) or None,
            chat_token=env.get(CHAT_TOKEN) or None,
            action_token=env.get(ACTION_TOKEN) or None,
            rasa_python=_path(env, "HOTLINE_RASA_PYTHON", root) or RASA_PYTHON,
            nlu_model=_path(env, "HOTLINE_NLU_MODEL", root),
            ticket_url=env.get("HOTLINE_TICKET_URL") or None,
            health_port=_int(env, "HOTLINE_HEALTH_PORT", 5080),
            tracker_store_url=env.get("HOTLINE_TRACKER_STORE_URL") or None,
            lock_store_url=env.get("HOTLINE_LOCK_STORE_URL") or None,
            lock_lifetime=_int(env, "HOTLINE_LOCK_LIFETIME", 20),
            web_host=env.get("HOTLINE_WEB_HOST") or "127.0.0.1",
            web_port=_int(env, "HOTLINE_WEB_PORT", 8000),
        )
        try:
            settings.tz  # noqa: B018 - validate the zone name early
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"HOTLINE_TIMEZONE: unknown time zone {settings.timezone!r}") from exc
        if not settings.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                "HOTLINE_DATABASE_URL: only sqlite:/// and postgresql:// are supported"
            )
        _check_webhook(settings)
        if not 0 <= settings.staff_reply_minutes <= 60:
            raise ConfigError("HOTLINE_STAFF_REPLY_MINUTES: expected 0 to 60 minutes")
        _check_listen(settings)
        if not 1 <= settings.rasa_workers <= 16:
            raise ConfigError("HOTLINE_RASA_WORKERS: expected 1 to 16 Rasa workers")
        _check_ticket_url(settings.ticket_url)
        _check_scale_out(settings)
        if not 0 < settings.web_port < 65536:
            raise ConfigError(f"HOTLINE_WEB_PORT: {settings.web_port} is not a port")
        if not (settings.data_dir / "catalogue.yml").is_file():
            raise ConfigError(f"HOTLINE_DATA_DIR: {settings.data_dir} has no catalogue.yml")
        return settings


def _check_webhook(settings: Settings) -> None:
    """Telegram only calls HTTPS webhooks, and only with a secret of [A-Za-z0-9_-]{1,256}."""
    url = settings.telegram_webhook_url
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(f"HOTLINE_TELEGRAM_WEBHOOK_URL: must be an https:// URL, got {url!r}")
    secret = settings.telegram_webhook_secret
    if secret is not None and not _SECRET.match(secret):
        raise ConfigError(
            "HOTLINE_TELEGRAM_WEBHOOK_SECRET: 1–256 characters of A–Z, a–z, 0–9, _ and -"
        )
    if not 0 < settings.telegram_webhook_port < 65536:
        raise ConfigError(
            f"HOTLINE_TELEGRAM_WEBHOOK_PORT: {settings.telegram_webhook_port} is not a port"
        )


def _check_listen(settings: Settings) -> None:
    """A server reachable from other machines must never run without its secrets."""
    if is_loopback(settings.listen_host):
        return
    missing = [
        name
        for name, value in (
            (RASA_TOKEN, settings.rasa_token),
            (CHAT_TOKEN, settings.chat_token),
            (ACTION_TOKEN, settings.action_token),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"HOTLINE_LISTEN={settings.listen_host} is not a loopback address, but "
            f"{', '.join(missing)} is not set (run scripts/setup.sh or set it)"
        )


def _check_scale_out(settings: Settings) -> None:
    """The health port and the shared stores of several Rasa replicas, checked at start-up."""
    if not 0 <= settings.health_port < 65536:
        raise ConfigError(f"HOTLINE_HEALTH_PORT: {settings.health_port} is not a port")
    tracker = settings.tracker_store_url
    if tracker is not None and not (
        tracker.startswith("postgresql") and urlsplit(tracker).hostname
    ):
        raise ConfigError(
            f"HOTLINE_TRACKER_STORE_URL: expected postgresql://user@host:port/db, got {tracker!r}"
        )
    lock = settings.lock_store_url
    if lock is not None and not (urlsplit(lock).scheme == "redis" and urlsplit(lock).hostname):
        raise ConfigError(f"HOTLINE_LOCK_STORE_URL: expected redis://host:port/db, got {lock!r}")
    if not 5 <= settings.lock_lifetime <= 300:
        raise ConfigError(
            f"HOTLINE_LOCK_LIFETIME: expected 5–300 seconds, got {settings.lock_lifetime}"
        )


def _check_ticket_url(template: str | None) -> None:
    """The report fills in {number}; any other placeholder would fail only when it writes."""
    if template is None:
        return
    try:
        template.format(number="20261130-0001")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"HOTLINE_TICKET_URL: expected a link with {{number}}, got {template!r}"
        ) from exc


def _path(env: dict[str, str], key: str, root: Path) -> Path | None:
    """A path setting; a relative one is relative to the checkout, where the children run."""
    raw = env.get(key)
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else root / path


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key}: expected a whole number, got {raw!r}") from exc
