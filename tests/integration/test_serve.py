"""`hotline serve` as systemd runs it (deploy/hotline.service): ready on /readyz, stopped by
SIGTERM within 10 s, leaving no process and no listening port behind."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.rasa_env import NEEDS_MODEL

ROOT = Path(__file__).resolve().parents[2]


def unit(name: str) -> configparser.SectionProxy:
    """The [Service] section of a unit file under deploy/."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / name)
    return parser["Service"]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [int(sock.getsockname()[1]) for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_of(var_dir: Path) -> list[int]:
    """Processes whose environment names this service's var dir (its children inherit it)."""
    marker = f"HOTLINE_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], list[int], Path]:
    """ExecStart of deploy/hotline.service, run from this checkout on free ports."""
    service = unit("hotline.service")
    argv = shlex.split(service["ExecStart"].replace("/opt/hotline", str(ROOT))) + list(extra)
    assert argv[0] == str(ROOT / ".venv" / "bin" / "hotline")
    argv[0:1] = [sys.executable, "-m", "hotline.entrypoints.cli"]  # this interpreter's env
    rasa, action, health, web = free_ports(4)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HOTLINE_", "TELEGRAM_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.db'}",
            "HOTLINE_RASA_URL": f"http://127.0.0.1:{rasa}",
            "HOTLINE_ACTION_SERVER_PORT": str(action),
            "HOTLINE_HEALTH_PORT": str(health),
            "HOTLINE_WEB_PORT": str(web),
        }
    )
    err = tmp_path / "serve.err"
    process = subprocess.Popen(
        argv,
        cwd=service["WorkingDirectory"].replace("/opt/hotline", str(ROOT)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err.open("wb"),
    )
    return process, [rasa, action, health, web], err


def wait_ready(
    process: subprocess.Popen[bytes], port: int, seconds: float, err: Path
) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, err.read_text()[-3000:]
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3)
            if answer.status_code == 200:
                return dict(answer.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not ready in {seconds} s: {err.read_text()[-3000:]}")


def stop_and_check(process: subprocess.Popen[bytes], ports: list[int], tmp_path: Path) -> float:
    """SIGTERM as systemd sends it; the seconds until exit. Nothing may be left behind."""
    children = processes_of(tmp_path)
    assert len(children) >= 2  # the service and at least the scheduler
    sent = time.monotonic()
    process.send_signal(getattr(signal, unit("hotline.service")["KillSignal"]))
    code = process.wait(timeout=30)
    took = time.monotonic() - sent
    assert code == 0
    time.sleep(0.2)
    assert processes_of(tmp_path) == []
    assert [port for port in ports if listening(port)] == []
    return took


def test_serve_without_dialogue_is_ready_and_stops_cleanly(tmp_path: Path) -> None:
    process, ports, err = start(tmp_path, "--no-dialogue")
    try:
        checks = wait_ready(process, ports[2], 60, err)
        assert checks == {
            "status": "ready",
            "checks": {"database": True, "scheduler": True, "web": True},
        }
        assert httpx.get(f"http://127.0.0.1:{ports[2]}/healthz").json() == {"status": "alive"}
        assert stop_and_check(process, ports, tmp_path) <= 10
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)  # the relay's last lines
    lines = [json.loads(line) for line in err.read_text().splitlines() if line.strip()]
    assert {"ts", "level", "process", "logger", "msg"} <= set(lines[0])  # one JSON per line
    assert {line["process"] for line in lines} >= {"serve", "scheduler"}


def needs_model(test: Callable[..., None]) -> Callable[..., None]:
    for mark in NEEDS_MODEL:
        test = mark(test)
    return test


@needs_model
def test_serve_runs_the_stack_and_sigterm_leaves_nothing_behind(tmp_path: Path) -> None:
    process, ports, err = start(tmp_path)
    try:
        checks = wait_ready(process, ports[2], 240, err)
        assert checks["checks"] == {
            "rasa": True,
            "actions": True,
            "database": True,
            "scheduler": True,
            "web": True,
        }
        assert all(listening(port) for port in ports)
        assert stop_and_check(process, ports, tmp_path) <= 10
    finally:
        if process.poll() is None:
            process.kill()


def test_readiness_is_not_ready_before_the_children_are_spawned(tmp_path: Path) -> None:
    """/readyz listens before the children start: it must not say ready with none of them
    (a CI rehearsal saw 'ready' with only the database checked)."""
    from hotline.adapters.stack import StackConfig
    from hotline.bootstrap import build_app
    from hotline.config import Settings
    from hotline.entrypoints.serve import Service
    from hotline.storage.migrate import upgrade

    settings = Settings.from_env(
        {"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}, root=ROOT
    )
    app = build_app(settings)
    upgrade(app.engine)
    service = Service(app, StackConfig.from_settings(settings), bot=False, web=True, dialogue=False)
    checks = service.readiness()
    assert checks == {"database": True, "scheduler": False, "web": False}
    assert not all(checks.values())
