"""What crosses the conversation's edge: the turn the NLU read in, the replies and state out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

State = dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """What the citizen just said, as the NLU read it."""

    text: str
    intent: str = ""
    ranking: tuple[tuple[str, float], ...] = ()
    entities: Mapping[str, str] = field(default_factory=dict)
    urgent: bool = False
    request_type: str | None = None
    message_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    transcript: str = ""  # the conversation so far, for a dispatcher taking over
    reply_to_ticket: str | None = None  # the ticket of the message the citizen replied to


@dataclass
class Reply:
    """One message to the citizen, with optional buttons (title, payload). A fixed line names
    its domain.yml `response` (the text and buttons are that response's, plus any buttons
    built from data); a line built from data has none."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    response: str | None = None


@dataclass
class Outcome:
    replies: list[Reply]
    state: State


class Parser(Protocol):
    """Classifies one more piece of text (a second problem in the same message)."""

    async def parse(self, text: str) -> dict[str, Any] | None: ...


def draft_key(sender: str, message_id: str) -> str:
    raw = f"{sender}|{message_id}"
    return "conv:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:48]
