"""The one HTTP client of Rasa: its REST chat channel, its parse API and its readiness.

* the chat channel (``/webhooks/rest/webhook``, ``Authorization: Bearer <chat token>``):
  :func:`chat` for the Telegram bot (async, on the bot's shared connection pool) and
  :class:`RasaChat` for the terminal console (blocking);
* the HTTP API (``rasa run --enable-api``; Rasa reads its token from ``?token=…``):
  :class:`RasaParser` (``/model/parse``, for the action server) and :func:`rasa_ready`
  (``/status``, for the stack's start-up);
* :func:`rasa_url_for`: the worker a sender always talks to.

Whatever goes wrong on the chat channel (down, timed out, 5xx, garbage) is one
:class:`RasaUnavailable`; callers keep the message and say 系统繁忙.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

import httpx

from hotline.credentials import chat_headers

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
PARSE_PATH = "/model/parse"
STATUS_PATH = "/status"


class RasaUnavailable(Exception):
    """Rasa did not answer usefully (down, timed out, 5xx, garbage)."""


def rasa_url_for(sender: str, urls: list[str]) -> str:
    """The Rasa worker a sender always talks to: one conversation never runs on two workers
    at once, so the per-process lock store is enough and no Redis is needed."""
    return urls[zlib.crc32(sender.encode("utf-8")) % len(urls)]


def webhook_url(base_url: str) -> str:
    return base_url.rstrip("/") + WEBHOOK_PATH


def _replies(response: httpx.Response) -> list[dict[str, Any]]:
    """The REST channel's answer: a list of reply objects (text, buttons, image …)."""
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, list):
        raise RasaUnavailable("unexpected reply shape")
    return [item for item in body if isinstance(item, dict)]


async def chat(
    http: httpx.AsyncClient,
    base_url: str,
    sender: str,
    text: str,
    *,
    metadata: dict[str, Any] | None = None,
    token: str | None = None,
    timeout: float | None = None,
) -> list[dict[str, Any]]:
    """Send one message to the REST channel on `http` and return Rasa's replies."""
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    try:
        response = await http.post(
            webhook_url(base_url), json=body, timeout=timeout, headers=chat_headers(token)
        )
        return _replies(response)
    except (httpx.HTTPError, ValueError) as exc:
        raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc


class RasaChat:
    """One sender's blocking side of the REST channel (the terminal console)."""

    def __init__(
        self, base_url: str, sender: str, timeout: float = 30.0, token: str | None = None
    ) -> None:
        self.url = webhook_url(base_url)
        self.sender = sender
        self.client = httpx.Client(timeout=timeout, headers=chat_headers(token))

    def send(self, text: str) -> list[dict[str, Any]]:
        try:
            response = self.client.post(self.url, json={"sender": self.sender, "message": text})
            return _replies(response)
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self.client.close()


class RasaParser:
    """Rasa's own model through its HTTP API (`rasa run --enable-api`), on 127.0.0.1; the API
    answers only with its token (Rasa reads it from the `token` query parameter)."""

    def __init__(self, base_url: str, timeout: float = 3.0, token: str | None = None) -> None:
        self.url = base_url.rstrip("/") + PARSE_PATH
        self.timeout = timeout
        self.params = {"token": token} if token else {}

    async def parse(self, text: str) -> dict[str, Any] | None:
        """Rasa's parse of `text`, or None (logged) when it cannot be had."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, json={"text": text}, params=self.params)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("second-problem parse failed: %s", type(exc).__name__)
            return None
        return body if isinstance(body, dict) else None


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when a GET of `url` answers 200 (a readiness probe; never raises on HTTP errors)."""
    # httpx logs each request URL at INFO, and /status carries Rasa's token as ?token=…
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def rasa_ready(base_url: str, token: str | None, timeout: float = 2.0) -> bool:
    """True when the Rasa worker at `base_url` has loaded its model and answers its API."""
    return answers(f"{base_url.rstrip('/')}{STATUS_PATH}?token={token}", timeout)
