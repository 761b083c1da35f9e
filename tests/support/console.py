"""A console session over a test service, with the NLU model replaced by a stand-in."""

from __future__ import annotations

import io
from typing import Any, Protocol, cast

from sqlalchemy import Engine

from bot.console import ConsoleSession
from hotline.bootstrap import App
from hotline.config import Settings
from hotline.services.container import Services


class Classifier(Protocol):
    def classify(self, text: str) -> dict[str, Any]: ...

    def close(self) -> None: ...


def console_session(
    service: Services, classifier: Classifier
) -> tuple[ConsoleSession, io.StringIO]:
    """A session writing to a buffer; the engine and settings are not used by the console."""
    app = App(
        settings=cast(Settings, None),
        engine=cast(Engine, None),
        catalogue=service.catalogue,
        sla=service.sla,
        service=service,
    )
    out = io.StringIO()
    session = ConsoleSession(app, out)
    session.classifier = classifier  # type: ignore[assignment]
    return session, out
