"""`hotline serve`: the whole hotline as one supervised service, without a console.

It runs what `make run` runs, each in its own process group: the Rasa workers and the action
server (hotline.adapters.stack), the scheduler (`hotline scheduler`), the Telegram bot
(`hotline bot`) when a token is set, and the web app (`hotline web`) unless turned off
(--no-web). SIGTERM or SIGINT stops every child together and exits within 10 s; a child that dies
on its own stops the rest and the service exits 1, so systemd (deploy/hotline.service)
restarts the whole. `/healthz` (alive) and `/readyz` (model loaded, database reachable,
scheduler running) answer on 127.0.0.1:HOTLINE_HEALTH_PORT. Every line of every child and
of the supervisor reaches stderr as one JSON object (also kept in var/log/NAME.log).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, Any

from sqlalchemy import text

from hotline.adapters.rasa_client import answers, rasa_ready
from hotline.adapters.stack import Stack, StackConfig, StackError, spawn, stop_all
from hotline.bootstrap import App
from hotline.domain.privacy import redact

log = logging.getLogger("hotline.serve")

STOP_SECONDS = 8.0  # children get this long after SIGTERM; the service exits within 10 s


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, process, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "process": getattr(record, "child", "serve"),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        return json.dumps(line, ensure_ascii=False)


class LogRelay:
    """Reads a child's output lines: each to stderr as JSON and to var/log/NAME.log."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.threads: list[threading.Thread] = []

    def __call__(self, name: str, stream: IO[bytes]) -> None:
        thread = threading.Thread(target=self._pump, args=(name, stream), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        child = logging.getLogger(f"hotline.serve.{name}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as file:
            for raw in iter(stream.readline, b""):
                file.write(raw)
                file.flush()
                message = raw.decode("utf-8", "replace").rstrip()
                if message:
                    child.info(message, extra={"child": name})


class Service:
    """The hotline's processes under one supervisor, with its health listener."""

    def __init__(
        self,
        app: App,
        config: StackConfig,
        *,
        bot: bool,
        web: bool,
        dialogue: bool = True,
        relay: Callable[[str, IO[bytes]], None] | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.relay = relay
        self.stack = Stack(config, relay=relay) if dialogue else None
        self.children: dict[str, Any] = {}
        self.wanted = ["scheduler"] + (["bot"] if bot else []) + (["web"] if web else [])
        self.health: ThreadingHTTPServer | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        """Start every child (not waiting for them: /readyz says when they are ready)."""
        self.config.check()
        if self.stack is not None:
            self.stack.start_actions()
            self.stack.start_rasa()
        for name in self.wanted:
            self.children[name] = spawn(
                name,
                [sys.executable, "-m", "hotline.entrypoints.cli", name],
                cwd=self.config.root,
                env=self.stack._env() if self.stack else _child_env(self.config),
                log_dir=self.config.log_dir,
                relay=self.relay,
            )
        log.info("started: %s", ", ".join(self.processes()))

    def processes(self) -> dict[str, Any]:
        """Every child by name."""
        found: dict[str, Any] = dict(self.children)
        if self.stack is not None:
            found["actions"] = self.stack.actions
            for i, worker in enumerate(self.stack.rasa):
                found["rasa" if i == 0 else f"rasa-{i}"] = worker
        return found

    def dead(self) -> list[str]:
        """Children that exited although nobody asked them to."""
        return [n for n, p in self.processes().items() if p is not None and p.poll() is not None]

    def readiness(self) -> dict[str, bool]:
        """What /readyz checks: the model loaded on every worker, the action server, the
        database, the scheduler (and the bot and the web app when they run)."""
        checks: dict[str, bool] = {}
        if self.stack is not None:
            for i, url in enumerate(self.config.rasa_urls):
                checks["rasa" if i == 0 else f"rasa-{i}"] = rasa_ready(
                    url, self.config.rasa_token, timeout=1.0
                )
            checks["actions"] = answers(
                f"http://{self.config.host}:{self.config.action_port}/health", 1.0
            )
        try:
            with self.app.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
        for name in self.wanted:  # not spawned yet: not ready (/readyz listens from the start)
            process = self.children.get(name)
            checks[name] = process is not None and process.poll() is None
        if "scheduler" in checks:
            checks["scheduler"] = checks["scheduler"] and self._jobs_scheduled()
        if "web" in checks:  # alive is not enough: the workbench must answer its sign-in page
            settings = self.app.settings
            checks["web"] = checks["web"] and answers(
                f"http://{settings.web_host}:{settings.web_port}/login", 1.0
            )
        return checks

    def _jobs_scheduled(self) -> bool:
        """The scheduler has started: its SLA sweep is in the job store."""
        try:
            with self.app.engine.connect() as connection:
                found = connection.execute(
                    text("SELECT 1 FROM apscheduler_jobs WHERE id = 'sla_sweep'")
                ).first()
        except Exception:
            return False
        return found is not None

    def serve_health(self, host: str, port: int) -> None:
        """Answer /healthz and /readyz on host:port in a background thread."""
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body: dict[str, Any]
                if self.path == "/healthz":
                    status, body = 200, {"status": "alive"}
                elif self.path == "/readyz":
                    checks = service.readiness()
                    ready = all(checks.values()) and not service.stopping.is_set()
                    status = 200 if ready else 503
                    body = {"status": "ready" if ready else "not ready", "checks": checks}
                else:
                    status, body = 404, {"error": "not found"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # probes every few seconds would drown the log

        self.health = ThreadingHTTPServer((host, port), Handler)
        self.health.daemon_threads = True
        threading.Thread(target=self.health.serve_forever, daemon=True).start()
        log.info("health on http://%s:%d/healthz and /readyz", host, self.health.server_port)

    def wait_ready(self, seconds: float) -> bool:
        """Wait until /readyz would say ready; False when a child died or time ran out."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.dead():
                return False
            if all(self.readiness().values()):
                return True
            time.sleep(0.5)
        return False

    def stop_dialogue(self) -> None:
        """Stop the Rasa workers and the action server only (they failed to come up)."""
        if self.stack is not None:
            stop_all([*self.stack.rasa, self.stack.actions], STOP_SECONDS)
            self.stack = None

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop every child together; close the health listener."""
        self.stopping.set()
        log.info("stopping")
        stack = self.stack
        stop_all(
            [
                *(stack.rasa if stack else []),
                stack.actions if stack else None,
                *list(self.children.values()),
            ],
            timeout,
        )
        if self.health is not None:
            self.health.shutdown()
            self.health.server_close()
        log.info("stopped")

    def run(self) -> int:
        """Until SIGTERM/SIGINT (0) or a child's death (1)."""
        reason: list[str] = []

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            reason.append(signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        code = 0
        try:
            try:
                self.start()
            except StackError as exc:
                log.error("%s", exc)
                return 1
            announced = False
            while not self.stopping.wait(1.0):
                dead = self.dead()
                if dead:
                    log.error("exited on its own: %s; stopping the service", ", ".join(dead))
                    code = 1
                    break
                if not announced and all(self.readiness().values()):
                    log.info("ready")
                    announced = True
        finally:
            if reason:
                log.info("signal %s", reason[0])
            self.stop()
        return code


def _child_env(config: StackConfig) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(config.root), "PYTHONUNBUFFERED": "1", **config.env}


def configure_json_logging() -> None:
    """The supervisor's and its children's lines to stderr, one JSON object each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run_service(health_port: int | None = None, *, dialogue: bool = True, web: bool = False) -> int:
    """`hotline serve`: migrate, make the stack's secrets if missing, run until stopped."""
    from hotline.bootstrap import build_app
    from hotline.config import Settings
    from hotline.credentials import ensure_secrets
    from hotline.files import secure_var
    from hotline.storage.migrate import upgrade

    configure_json_logging()
    ensure_secrets(Settings.from_env().var_dir)
    app = build_app()
    secure_var(app.settings.var_dir)
    upgrade(app.engine)
    app.service.tickets.sync_catalogue()
    config = StackConfig.from_settings(app.settings)
    service = Service(
        app,
        config,
        bot=bool(app.settings.telegram_bot_token),
        web=web,
        dialogue=dialogue,
        relay=LogRelay(config.log_dir),
    )
    port = app.settings.health_port if health_port is None else health_port
    if port:
        service.serve_health(config.host, port)
    return service.run()
