"""A throw-away Redis server on a local port (Debian's redis-server), started by the test
itself the way tests/support/postgres.py starts PostgreSQL: no disk persistence, its own
folder, stopped and removed afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_redis() -> str | None:
    """redis-server, if installed (scripts/setup.sh installs it)."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_redis() -> RedisServer:
    """redis-server on a free loopback port; waits until it accepts connections."""
    binary = find_redis()
    if binary is None:
        raise RuntimeError("redis-server not found (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="hotline-redis-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
        ],
        stdout=(folder / "log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = RedisServer(process, port, folder)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        if process.poll() is not None:
            break
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"redis-server did not start on port {port}")
