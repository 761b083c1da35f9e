"""The running stack has no open door: every port on loopback, every call authenticated.

Starts the real stack (`rasa run` with the trained model, the action server) as `hotline up`
does, then tries what an attacker on the machine (or any machine, were a port exposed) would:
the action server without its secret, Rasa's HTTP API and chat channel without their tokens.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.adapters import classifier
from hotline.adapters.stack import Stack, StackConfig, StackError
from hotline.config import Settings
from hotline.credentials import ACTION_HEADER, chat_headers
from hotline.domain.yamlconf import ConfigError
from hotline.storage.db import make_engine
from hotline.storage.migrate import upgrade
from tests.support.rasa_env import NEEDS_MODEL, run_in_rasa

ROOT = Path(__file__).resolve().parents[2]
pytestmark = NEEDS_MODEL


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = classifier.model_path()
    assert model is not None
    tmp = tmp_path_factory.mktemp("secure-stack")
    url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(url))
    running = Stack(StackConfig.scratch(tmp, url, model=Path(model)))
    running.start(timeout=300)
    try:
        yield running
    finally:
        running.stop()


def action_call(sender: str) -> dict[str, Any]:
    """What Rasa posts to run the one action for a citizen: enough to read their tickets."""
    return {
        "next_action": "action_converse",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "我的工单", "intent": {"name": "check_status"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def listening_sockets(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by one of `pids`."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except (FileNotFoundError, PermissionError):
            continue
    found: list[tuple[str, int]] = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:
                continue
            address, port = local.split(":")
            found.append((_address(address, width), int(port, 16)))
    return found


def _address(hexed: str, width: int) -> str:
    raw = bytes.fromhex(hexed)
    if width == 8:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
    joined = b"".join(words)
    if joined[:12] == b"\0" * 10 + b"\xff\xff":
        return ".".join(str(b) for b in joined[12:])
    return ":".join(joined[i : i + 2].hex() for i in range(0, 16, 2))


def stack_pids(stack: Stack) -> set[int]:
    """Every process of the stack: each server started its own process group."""
    groups = {p.pid for p in [*stack.rasa, stack.actions] if p is not None}
    pids: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) in groups:
                pids.add(int(entry))
    return pids


def test_no_port_of_the_stack_is_open_beyond_loopback(stack: Stack) -> None:
    sockets = listening_sockets(stack_pids(stack))
    ports = {port for _, port in sockets}
    assert {stack.config.rasa_port, stack.config.action_port} <= ports, sockets
    assert all(address.startswith("127.") or address == "::1" for address, _ in sockets), sockets


def test_the_action_server_refuses_calls_without_its_secret(stack: Stack) -> None:
    url = stack.config.action_url
    secret = stack.config.action_token
    body = action_call("telegram:424242")
    assert httpx.post(url, json=body).status_code == 401
    wrong = httpx.post(url, json=body, headers={ACTION_HEADER: secret[:-1] + "x"})
    assert wrong.status_code == 401
    listing = url.replace("/webhook", "/actions")
    assert httpx.get(listing).status_code == 401
    accepted = httpx.post(url, json=body, headers={ACTION_HEADER: secret}, timeout=30)
    assert accepted.status_code == 200
    assert "工单" in str(accepted.json()["responses"])  # the citizen's answer: none yet


def test_rasa_api_refuses_calls_without_its_token(stack: Stack) -> None:
    base = stack.config.rasa_url
    token = {"token": stack.config.rasa_token}
    assert httpx.get(f"{base}/conversations/telegram:1/tracker").status_code == 401
    assert httpx.post(f"{base}/model/parse", json={"text": "路灯坏了"}).status_code == 401
    wrong = httpx.post(f"{base}/model/parse", json={"text": "a"}, params={"token": "guess"})
    assert wrong.status_code == 401
    assert httpx.put(f"{base}/model", json={"model_file": "/tmp/x.tar.gz"}).status_code == 401
    parsed = httpx.post(f"{base}/model/parse", json={"text": "路灯坏了"}, params=token)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"]
    tracker = httpx.get(f"{base}/conversations/telegram:1/tracker", params=token)
    assert tracker.status_code == 200


def test_the_chat_endpoint_needs_the_chat_token(stack: Stack) -> None:
    url = f"{stack.config.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "telegram:424242", "message": "我的工单"}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers=chat_headers("guess")).status_code == 401
    api_token = httpx.post(url, json=body, headers=chat_headers(stack.config.rasa_token))
    assert api_token.status_code == 401  # each door has its own key
    answered = httpx.post(url, json=body, headers=chat_headers(stack.config.chat_token), timeout=60)
    assert answered.status_code == 200 and answered.json()


def test_no_secret_reaches_the_logs_or_the_process_list(stack: Stack) -> None:
    secrets = (stack.config.rasa_token, stack.config.chat_token, stack.config.action_token)
    for log in stack.config.log_dir.iterdir():
        text = log.read_text(encoding="utf-8", errors="replace")
        assert not any(secret in text for secret in secrets), log.name
    written = (stack.config.workdir / "endpoints.yml").read_text(encoding="utf-8")
    assert not any(secret in written for secret in secrets)
    for pid in stack_pids(stack):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        assert not any(secret in cmdline for secret in secrets)


def test_a_bind_beyond_loopback_without_secrets_is_a_start_up_error(tmp_path: Path) -> None:
    exposed = StackConfig.scratch(tmp_path, "sqlite:///x.db")
    exposed.listen, exposed.action_token = "0.0.0.0", ""
    with pytest.raises(StackError, match=r"0\.0\.0\.0"):
        Stack(exposed).start(timeout=5)
    with pytest.raises(ConfigError, match="HOTLINE_LISTEN"):
        Settings.from_env(
            {"HOTLINE_LISTEN": "0.0.0.0", "HOTLINE_VAR_DIR": str(tmp_path)}, root=ROOT
        )


def test_the_servers_refuse_to_start_without_their_secrets(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOTLINE_VAR_DIR": str(tmp_path)}
    actions = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "actions.server", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert actions.returncode != 0 and "HOTLINE_ACTION_TOKEN" in actions.stderr


def test_rasa_refuses_an_api_without_a_token() -> None:
    probe = (
        "from nlu.serve import secure_argv\n"
        "for argv, env in [\n"
        "    (['rasa', 'run', '--enable-api'], {}),\n"
        "    (['rasa', 'run', '--interface', '0.0.0.0'], {}),\n"
        "]:\n"
        "    try:\n"
        "        secure_argv(argv, env)\n"
        "        print('started')\n"
        "    except SystemExit as exc:\n"
        "        print('refused:', exc)\n"
        "print(secure_argv(['rasa', 'run', '--enable-api'], {'HOTLINE_RASA_TOKEN': 't'}))\n"
        "from rasa.__main__ import create_argument_parser\n"
        "argv = secure_argv(['rasa', 'run', '--enable-api'], {'HOTLINE_RASA_TOKEN': '-x_Y'})\n"
        "print(create_argument_parser().parse_args(argv[1:]).auth_token)\n"
    )
    lines = run_in_rasa(probe, timeout=120).stdout.splitlines()
    assert lines[0].startswith("refused:") and "HOTLINE_RASA_TOKEN" in lines[0]
    assert lines[1].startswith("refused:") and "0.0.0.0" in lines[1]
    assert "'--interface', '127.0.0.1', '--auth-token=t'" in lines[2]
    assert lines[3] == "-x_Y"  # a token that starts with "-" still reaches Rasa whole
