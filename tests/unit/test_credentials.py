"""The stack's credentials: created once, owner-only, read by the settings, never loosened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hotline.config import Settings
from hotline.credentials import STACK_KEYS, ensure_secrets, is_loopback
from hotline.domain.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_secrets_are_created_once_owner_only_and_kept(tmp_path: Path) -> None:
    first = ensure_secrets(tmp_path)
    path = tmp_path / "secrets.env"
    assert set(first) == set(STACK_KEYS) and all(len(v) >= 40 for v in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secrets(tmp_path) == first  # a second setup run changes nothing
    assert len(set(first.values())) == 3  # one key per door


def test_settings_read_the_file_and_the_environment_wins(tmp_path: Path) -> None:
    made = ensure_secrets(tmp_path)
    env = {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_CHAT_TOKEN": "from-the-environment"}
    settings = Settings.from_env(env, root=ROOT)
    assert settings.rasa_token == made["HOTLINE_RASA_TOKEN"]
    assert settings.action_token == made["HOTLINE_ACTION_TOKEN"]
    assert settings.chat_token == "from-the-environment"


def test_a_secrets_file_others_can_read_is_refused(tmp_path: Path) -> None:
    ensure_secrets(tmp_path)
    os.chmod(tmp_path / "secrets.env", 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        Settings.from_env({"HOTLINE_VAR_DIR": str(tmp_path)}, root=ROOT)


def test_listening_beyond_loopback_needs_every_token(tmp_path: Path) -> None:
    exposed = {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_LISTEN": "0.0.0.0"}
    with pytest.raises(ConfigError, match="HOTLINE_LISTEN"):
        Settings.from_env(exposed, root=ROOT)
    ensure_secrets(tmp_path)
    assert Settings.from_env(exposed, root=ROOT).listen_host == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.5", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("hotline.example", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
