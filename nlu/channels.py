"""Rasa's REST channel behind a bearer token (Rasa's own channels authenticate nobody).

credentials.yml names it; it keeps the name ``rest``, so the chat endpoint stays at
``/webhooks/rest/webhook``. Every POST must carry ``Authorization: Bearer <token>``, the token
being ``HOTLINE_CHAT_TOKEN`` from the environment (``hotline up`` passes var/secrets.env's);
without one the server refuses to start rather than run an open door.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "HOTLINE_CHAT_TOKEN"


class TokenRestInput(RestInput):
    """``rest`` with a required ``Authorization: Bearer`` token on the webhook."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError(f"{TOKEN_ENV} is not set: the chat endpoint would be open to anyone")
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls((credentials or {}).get("token") or os.environ.get(TOKEN_ENV, ""))

    def authorized(self, request: Request) -> bool:
        """Constant-time check of the bearer token."""
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and not self.authorized(request):
                return response.json({"error": "unauthorized"}, status=401)
            return None

        return webhook
