"""A stand-in for Rasa's REST channel: scripted replies, recorded requests, faults on demand."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Reply = list[dict[str, Any]]
Responder = Callable[[str, str], Reply]


def echo(sender: str, message: str) -> Reply:
    """Default script: acknowledge the message the way a dialogue turn would."""
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class RasaDouble:
    """POST /webhooks/rest/webhook on 127.0.0.1, in a daemon thread."""

    def __init__(self, responder: Responder = echo) -> None:
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.hang_seconds = 0.0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to use as settings.rasa_url."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, status: int = 500) -> None:
        """Answer every request with `status` until `recover()`."""
        self.status = status

    def hang(self, seconds: float) -> None:
        """Delay every answer by `seconds` (longer than the bot's timeout = Rasa hanging)."""
        self.hang_seconds = seconds

    def recover(self) -> None:
        """Answer normally again."""
        self.status, self.hang_seconds = 200, 0.0

    def messages(self) -> list[str]:
        """The message texts Rasa received, oldest first (failed ones included)."""
        with self._lock:
            return [str(r.get("message")) for r in self.requests]

    def start(self) -> Self:
        """Serve on a free port."""
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    body = {}
                with double._lock:
                    double.requests.append(body)
                if double.hang_seconds:
                    double._release.wait(double.hang_seconds)
                if self.path != "/webhooks/rest/webhook":
                    self._answer(404, {"error": "not found"})
                elif double.status != 200:
                    self._answer(double.status, {"error": "scripted failure"})
                else:
                    sender, message = str(body.get("sender")), str(body.get("message"))
                    self._answer(200, double.responder(sender, message))

            def _answer(self, status: int, payload: object) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests and stop serving."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
