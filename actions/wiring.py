"""What the actions talk to: the hotline service, the knowledge base and the NLU parser.

rasa_sdk instantiates actions without arguments, so the adapters are built once per process
from the environment on first use; tests install their own with :func:`install`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hotline.adapters.meaning import with_meaning
from hotline.adapters.rasa_client import RasaParser
from hotline.bootstrap import build_app
from hotline.domain.knowledge import KnowledgeBase, load_knowledge
from hotline.services.container import Services
from hotline.services.conversation import Parser


@dataclass
class Wiring:
    service: Services
    knowledge: KnowledgeBase
    parser: Parser


_current: Wiring | None = None
_building = threading.Lock()  # the server's warm-up and a first request may race


def install(wiring: Wiring | None) -> None:
    """Use these adapters from now on (tests; None rebuilds from the environment)."""
    global _current  # noqa: PLW0603 - rasa_sdk gives actions no other way in
    _current = wiring


def wiring() -> Wiring:
    """The process's adapters, built from the environment the first time they are needed."""
    global _current  # noqa: PLW0603
    if _current is not None:
        return _current
    with _building:
        if _current is not None:
            return _current
        app = build_app()
        app.service.tickets.sync_catalogue()  # routing needs the catalogue's rows; idempotent
        knowledge = with_meaning(
            load_knowledge(app.settings.data_dir / "knowledge.yml", app.catalogue),
            app.settings.var_dir,
        )
        parser = RasaParser(app.settings.rasa_url, token=app.settings.rasa_token)
        _current = Wiring(app.service, knowledge, parser)
    return _current
