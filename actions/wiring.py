"""What the actions talk to: the hotline service, the knowledge base and the NLU parser.

rasa_sdk instantiates actions without arguments, so the adapters are built once per process
from the environment on first use; tests install their own with :func:`install`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from hotline.bootstrap import build_app
from hotline.domain.knowledge import KnowledgeBase, load_knowledge
from hotline.services.container import Services
from hotline.services.conversation import Parser

log = logging.getLogger(__name__)


class RasaParser:
    """Rasa's own model through its HTTP API (`rasa run --enable-api`), on 127.0.0.1; the API
    answers only with its token (Rasa reads it from the `token` query parameter)."""

    def __init__(self, base_url: str, timeout: float = 3.0, token: str | None = None) -> None:
        self.url = base_url.rstrip("/") + "/model/parse"
        self.timeout = timeout
        self.params = {"token": token} if token else {}

    async def parse(self, text: str) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, json={"text": text}, params=self.params)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("second-problem parse failed: %s", type(exc).__name__)
            return None
        return body if isinstance(body, dict) else None


@dataclass
class Wiring:
    service: Services
    knowledge: KnowledgeBase
    parser: Parser


_current: Wiring | None = None


def install(wiring: Wiring | None) -> None:
    """Use these adapters from now on (tests; None rebuilds from the environment)."""
    global _current  # noqa: PLW0603 - rasa_sdk gives actions no other way in
    _current = wiring


def wiring() -> Wiring:
    """The process's adapters, built from the environment the first time they are needed."""
    global _current  # noqa: PLW0603
    if _current is None:
        app = build_app()
        app.service.tickets.sync_catalogue()  # routing needs the catalogue's rows; idempotent
        knowledge = load_knowledge(app.settings.data_dir / "knowledge.yml", app.catalogue)
        parser = RasaParser(app.settings.rasa_url, token=app.settings.rasa_token)
        _current = Wiring(app.service, knowledge, parser)
    return _current
