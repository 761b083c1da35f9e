"""The shared secrets of the stack: created once under var/ (mode 0600), never committed.

    var/secrets.env
        HOTLINE_RASA_TOKEN     Rasa's HTTP API (`--auth-token`; clients send ?token=…)
        HOTLINE_CHAT_TOKEN     Rasa's REST chat channel (`Authorization: Bearer …`)
        HOTLINE_ACTION_TOKEN   the action server (`X-Hotline-Action-Token: …`, sent by Rasa)

`scripts/setup.sh` and `hotline up` call :func:`ensure_secrets`; settings read the file under
`.env` and real environment variables (hotline.config), so an operator can override any of
them. ``python -m hotline.credentials`` creates what is missing and prints the file's path.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from pathlib import Path

from hotline.paths import ROOT

SECRETS_FILE = "secrets.env"
RASA_TOKEN = "HOTLINE_RASA_TOKEN"
CHAT_TOKEN = "HOTLINE_CHAT_TOKEN"
ACTION_TOKEN = "HOTLINE_ACTION_TOKEN"
WEBHOOK_SECRET = "HOTLINE_TELEGRAM_WEBHOOK_SECRET"
STACK_KEYS = (RASA_TOKEN, CHAT_TOKEN, ACTION_TOKEN)
ACTION_HEADER = "X-Hotline-Action-Token"  # what Rasa sends the action server (endpoints.yml)


def new_token() -> str:
    """256 random bits, URL-safe (also a valid Telegram webhook secret: [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(32)


def secrets_path(var_dir: Path) -> Path:
    return var_dir / SECRETS_FILE


def read_secrets(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of the secrets file; nothing when it does not exist."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def loose_mode(path: Path) -> bool:
    """True when someone besides the owner may read or write the file."""
    return path.is_file() and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def ensure_secrets(var_dir: Path, keys: tuple[str, ...] = STACK_KEYS) -> dict[str, str]:
    """Create the missing secrets (and the file, 0600); keep existing ones; return them all."""
    path = secrets_path(var_dir)
    current = read_secrets(path)
    missing = [key for key in keys if not current.get(key)]
    if missing:
        current.update({key: new_token() for key in missing})
        var_dir.mkdir(parents=True, exist_ok=True)
        body = "# Created by the setup; never commit. Mode 0600.\n" + "".join(
            f"{key}={value}\n" for key, value in current.items()
        )
        scratch = path.with_name(path.name + ".tmp")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        os.chmod(scratch, 0o600)
        os.replace(scratch, path)
    if path.is_file() and loose_mode(path):
        os.chmod(path, 0o600)
    return current


def chat_headers(token: str | None) -> dict[str, str]:
    """What a client of the REST chat channel sends (nlu/channels.py checks it)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; anything else (0.0.0.0 too) is reachable from outside."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main() -> None:
    """Create var/secrets.env if needed (setup.sh) and print where it is."""
    # Bootstrap, before Settings can be read (they refuse a loosely-moded secrets file).
    var_dir = Path(os.environ.get("HOTLINE_VAR_DIR") or ROOT / "var")
    ensure_secrets(var_dir)
    print(secrets_path(var_dir))


if __name__ == "__main__":
    main()
