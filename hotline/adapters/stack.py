"""Start and stop the conversation stack: the Rasa server (.venv-rasa) and the action server.

`hotline up`, the integration tests and the benchmarks all start it the same way, as child
processes on 127.0.0.1 with their logs under var/log/. Every call to them is authenticated:
Rasa's HTTP API by `rasa_token`, its REST chat channel by `chat_token`, the action server by
`action_token` (see hotline.credentials); a scratch stack makes fresh ones.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from hotline.adapters.rasa_client import answers, rasa_ready
from hotline.credentials import (
    ACTION_HEADER,
    ACTION_TOKEN,
    CHAT_TOKEN,
    RASA_TOKEN,
    is_loopback,
    new_token,
)
from hotline.paths import MODEL_FILE, RASA_PYTHON, ROOT, find_model

if TYPE_CHECKING:
    from hotline.config import Settings


# Passwords of the shared stores reach Rasa through its environment, never endpoints.yml.
TRACKER_PASSWORD = "HOTLINE_TRACKER_STORE_PASSWORD"
LOCK_PASSWORD = "HOTLINE_LOCK_STORE_PASSWORD"


# A worker parses one message at a time and the workers, the action server and the bot share
# the cores: one BLAS / OpenMP / TensorFlow thread each. Left to itself OpenBLAS spun a second
# thread on every parse (CPU twice the wall time on a 1,000-character letter, 1.6 times on
# short messages) that only took CPU from the other processes.
RASA_THREADS = {
    name: "1"
    for name in (
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
    )
}


class StackError(Exception):
    """A server of the stack did not come up; the message says which and where its log is."""


@dataclass
class StackConfig:
    """Where things are and which ports to use; defaults are the README's. `hotline up` builds
    it from the settings (:meth:`from_settings`), tests and benchmarks use :meth:`scratch`."""

    root: Path = ROOT
    model: Path = MODEL_FILE
    rasa_port: int = 5005
    rasa_workers: int = 1  # worker i listens on rasa_port + i; see rasa_url_for
    action_port: int = 5055
    log_dir: Path = ROOT / "var" / "log"
    tracker_db: Path = ROOT / "var" / "rasa-tracker.db"
    workdir: Path = ROOT / "var" / "rasa"
    env: dict[str, str] = field(default_factory=dict)
    rasa_python: Path = RASA_PYTHON
    app_python: Path = ROOT / ".venv" / "bin" / "python"
    listen: str = "127.0.0.1"  # the address both servers bind
    rasa_token: str = field(default_factory=new_token, repr=False)
    chat_token: str = field(default_factory=new_token, repr=False)
    action_token: str = field(default_factory=new_token, repr=False)
    # Several replicas (issue 20): the tracker store in PostgreSQL and Rasa's RedisLockStore.
    tracker_store_url: str | None = field(default=None, repr=False)
    lock_store_url: str | None = None
    lock_lifetime: int = 20  # seconds; see Settings.lock_lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> StackConfig:
        """The operator's stack (`hotline up`): ports, paths, model and tokens as configured."""
        return cls(
            model=find_model(settings.nlu_model) or settings.nlu_model or MODEL_FILE,
            rasa_port=urlsplit(settings.rasa_url).port or 5005,
            rasa_workers=settings.rasa_workers,
            action_port=settings.action_server_port,
            log_dir=settings.var_dir / "log",
            tracker_db=settings.var_dir / "rasa-tracker.db",
            workdir=settings.var_dir / "rasa",
            rasa_python=settings.rasa_python,
            listen=settings.listen_host,
            rasa_token=settings.rasa_token or "",
            chat_token=settings.chat_token or "",
            action_token=settings.action_token or "",
            tracker_store_url=settings.tracker_store_url,
            lock_store_url=settings.lock_store_url,
            lock_lifetime=settings.lock_lifetime,
            # Rasa cannot read .env: it keeps its CRF fit under the same var/ (nlu/serve.py).
            env={"HOTLINE_VAR_DIR": str(settings.var_dir)},
        )

    @classmethod
    def scratch(
        cls,
        folder: Path,
        database_url: str,
        *,
        model: Path | None = None,
        rasa_workers: int = 1,
        settings: Settings | None = None,
    ) -> StackConfig:
        """A stack of its own for tests and benchmarks: free ports, everything under `folder`,
        fresh tokens; the model and the Rasa interpreter as configured (`settings`, else the
        environment's)."""
        if settings is None:
            from hotline.config import Settings

            settings = Settings.from_env()
        rasa_port, action_port = free_ports(rasa_workers)
        return cls(
            model=model or find_model(settings.nlu_model) or settings.nlu_model or MODEL_FILE,
            rasa_python=settings.rasa_python,
            rasa_port=rasa_port,
            rasa_workers=rasa_workers,
            action_port=action_port,
            log_dir=folder / "log",
            tracker_db=folder / "tracker.db",
            workdir=folder / "rasa",
            env={"HOTLINE_DATABASE_URL": database_url, "HOTLINE_VAR_DIR": str(folder)},
        )

    @property
    def host(self) -> str:
        """Where clients on this machine reach the servers."""
        return "127.0.0.1" if self.listen in ("0.0.0.0", "::") else self.listen

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://{self.host}:{self.rasa_port + i}" for i in range(self.rasa_workers)]

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    def check(self) -> None:
        """Refuse to open a port beyond loopback without every secret."""
        if is_loopback(self.listen):
            return
        if not (self.rasa_token and self.chat_token and self.action_token):
            raise StackError(f"拒绝在 {self.listen} 上监听：缺少访问令牌（见 var/secrets.env）")


def write_endpoints(config: StackConfig) -> Path:
    """endpoints.yml for this stack: its action server and a SQL tracker store (conversations
    survive restarts of Rasa and of the action server); with several replicas the tracker
    store in PostgreSQL and Rasa's Redis lock store, so any replica may take any turn."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    path = config.workdir / "endpoints.yml"
    text = (
        "action_endpoint:\n"
        f'  url: "{config.action_url}"\n'
        # The secret stays in the environment, not in this file; Rasa expands ${…} in plain
        # (unquoted) scalars only.
        "  headers:\n"
        f"    {ACTION_HEADER}: ${{{ACTION_TOKEN}}}\n"
        "tracker_store:\n"
        "  type: nlu.tracker_store.HotlineTrackerStore\n"
    )
    if config.tracker_store_url:
        parts = urlsplit(config.tracker_store_url)
        text += (
            "  dialect: postgresql\n"
            f'  url: "{parts.hostname}"\n'
            f"  port: {parts.port or 5432}\n"
            f'  db: "{parts.path.lstrip("/") or "postgres"}"\n'
            f'  username: "{parts.username or "postgres"}"\n'
        )
        if parts.password:
            text += f"  password: ${{{TRACKER_PASSWORD}}}\n"
    else:
        text += f'  dialect: sqlite\n  db: "{config.tracker_db}"\n'
    if config.lock_store_url:
        parts = urlsplit(config.lock_store_url)
        text += (
            "lock_store:\n"
            "  type: nlu.lock_store.HotlineRedisLockStore\n"
            f'  url: "{parts.hostname}"\n'
            f"  port: {parts.port or 6379}\n"
            f"  db: {parts.path.lstrip('/') or 0}\n"
            '  key_prefix: "hotline"\n'
        )
        if parts.password:
            text += f"  password: ${{{LOCK_PASSWORD}}}\n"
    path.write_text(text, encoding="utf-8")
    return path


class Stack:
    """The two servers as child processes; `start` waits until both answer."""

    def __init__(self, config: StackConfig | None = None, *, relay: Relay | None = None) -> None:
        self.config = config or StackConfig()
        # None: each child writes var/log/NAME.log; a relay gets its output lines instead
        # (`hotline serve` turns them into its structured stderr log and the same files).
        self.relay = relay
        self.rasa: list[subprocess.Popen[bytes]] = []
        self.actions: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)  # the children inherit the environment (not read here)
        env.update(
            {
                "PYTHONPATH": str(self.config.root),
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "HOTLINE_RASA_URL": self.config.rasa_url,
                "PYTHONUNBUFFERED": "1",
                # Rasa's lock store reads the lifetime of a turn's lock from here.
                "TICKET_LOCK_LIFETIME": str(self.config.lock_lifetime),
                RASA_TOKEN: self.config.rasa_token,
                CHAT_TOKEN: self.config.chat_token,
                ACTION_TOKEN: self.config.action_token,
            }
        )
        for name, url in (
            (TRACKER_PASSWORD, self.config.tracker_store_url),
            (LOCK_PASSWORD, self.config.lock_store_url),
        ):
            password = urlsplit(url).password if url else None
            if password:
                env[name] = password
        env.update(self.config.env)
        return env

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        return spawn(
            name,
            argv,
            cwd=self.config.root,
            env={**self._env(), **(env or {})},
            log_dir=self.config.log_dir,
            relay=self.relay,
        )

    def start_actions(self) -> None:
        self.actions = self._spawn(
            "actions",
            [
                str(self.config.app_python),
                "-m",
                "actions.server",  # rasa_sdk behind the shared secret
                "--port",
                str(self.config.action_port),
                "--host",
                self.config.listen,
            ],
        )

    def start_rasa(self) -> None:
        if not self.config.model.is_file():
            raise StackError(f"没有找到对话模型 {self.config.model}，请先运行 scripts/train_nlu.sh")
        self.config.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        endpoints = write_endpoints(self.config)
        self.rasa = [
            self._spawn(
                "rasa" if i == 0 else f"rasa-{i}",
                [
                    str(self.config.rasa_python),
                    "-m",
                    "nlu.serve",  # `rasa` with compiled response validation (see nlu/serve.py)
                    "run",
                    "--model",
                    str(self.config.model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(self.config.root / "credentials.yml"),
                    "--enable-api",
                    "--interface",
                    self.config.listen,
                    "--port",
                    str(self.config.rasa_port + i),
                ],
                RASA_THREADS,
            )
            for i in range(self.config.rasa_workers)
        ]

    def start(self, timeout: float = 180.0) -> None:
        """Start both servers and wait until they answer (Rasa loads its model first)."""
        self.config.check()
        try:
            self.start_actions()
            self.start_rasa()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()  # a failed start leaves no server behind holding ports and memory
            raise

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        action_health = f"http://127.0.0.1:{self.config.action_port}/health"
        pending: dict[str, tuple[Callable[[], bool], subprocess.Popen[bytes] | None]] = {
            "actions": (lambda: answers(action_health), self.actions)
        }
        for i, url in enumerate(self.config.rasa_urls):
            worker = self.rasa[i] if i < len(self.rasa) else None
            probe = functools.partial(rasa_ready, url, self.config.rasa_token)
            pending["rasa" if i == 0 else f"rasa-{i}"] = (probe, worker)
        while pending:
            for name, (ready, process) in list(pending.items()):
                if process is not None and process.poll() is not None:
                    log = self.config.log_dir / f"{name}.log"
                    raise StackError(f"{name} 进程已退出（代码 {process.returncode}），见 {log}")
                if ready():
                    del pending[name]
            if pending and time.monotonic() > deadline:
                names = "、".join(pending)
                raise StackError(f"{names} 在 {timeout:.0f} 秒内没有就绪，见 {self.config.log_dir}")
            if pending:
                time.sleep(0.5)

    @staticmethod
    def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def kill_actions(self) -> None:
        """Fault drills: the action server dies without warning."""
        self._stop(self.actions, signal.SIGKILL)

    def kill_rasa(self) -> None:
        for worker in self.rasa:
            self._stop(worker, signal.SIGKILL)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every server's process group at once; SIGKILL what is left at `timeout`."""
        stop_all([*self.rasa, self.actions], timeout)


Relay = Callable[[str, "IO[bytes]"], None]


def spawn(
    name: str,
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_dir: Path,
    relay: Relay | None = None,
) -> subprocess.Popen[bytes]:
    """A child in its own process group (stopped as a whole), output to log_dir/NAME.log or
    through `relay`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    if relay is None:
        with (log_dir / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    relay(name, process.stdout)
    return process


def stop_all(processes: list[subprocess.Popen[bytes] | None], timeout: float) -> None:
    """Stop child process groups together: SIGTERM now, SIGKILL whatever still runs at the
    deadline (a supervisor's stop must not wait 15 s per child)."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in running:
        # The group may outlive its leader (Sanic's worker processes): kill what is left.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def free_ports(consecutive: int) -> tuple[int, int]:
    """(first of `consecutive` free ports in a row, one more free port apart from them).

    All are held open while choosing, so the action server never gets a Rasa worker's port."""
    for _ in range(50):
        held: list[socket.socket] = []
        try:
            first = _hold(held, 0)
            for offset in range(1, consecutive):
                _hold(held, first + offset)
            return first, _hold(held, 0)
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise StackError("找不到空闲端口")


def _hold(held: list[socket.socket], port: int) -> int:
    sock = socket.socket()
    held.append(sock)
    sock.bind(("127.0.0.1", port))
    return int(sock.getsockname()[1])
