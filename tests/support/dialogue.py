"""Drive action_converse the way the Rasa server would: a tracker per turn, the conversation
slot carried over from the events the action returns, replies collected by a dispatcher."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.converse import ActionConverse
from actions.wiring import Wiring, install
from hotline.domain.knowledge import load_knowledge
from hotline.services.container import Services
from hotline.services.conversation import Parser

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
_ids = itertools.count(1)


class ScriptedParser:
    """Stands in for Rasa's /model/parse with fixed answers (None: the server is down)."""

    def __init__(self, answers: dict[str, dict[str, Any]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []

    async def parse(self, text: str) -> dict[str, Any] | None:
        self.calls.append(text)
        return self.answers.get(text)


def wire(service: Services, parser: Parser | None = None) -> Wiring:
    """Install the test's service (and a parser) for the actions; returns the wiring."""
    knowledge = load_knowledge(ROOT / "data" / "knowledge.yml", service.catalogue)
    wiring = Wiring(service, knowledge, parser or ScriptedParser())
    install(wiring)
    return wiring


def parse(
    text: str,
    intent: str,
    confidence: float = 0.9,
    *,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    urgent: bool = False,
    request_type: str | None = None,
) -> dict[str, Any]:
    """A parse result shaped like the hotline model's (intent ranking, urgent, type)."""
    ranked = ranking or [(intent, confidence)]
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranked],
        "entities": entities or [],
        "urgent": urgent,
        "type": request_type,
    }


class Conversation:
    """One citizen's conversation with action_converse; its slot persists between turns."""

    def __init__(self, sender: str = "telegram:42") -> None:
        self.sender = sender
        self.slots: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.latest: dict[str, Any] = parse("", "")
        self.replies: list[dict[str, Any]] = []

    def say(self, message: dict[str, Any]) -> None:
        """A user turn, as Rasa would record it."""
        self.latest = message
        self.events.append(
            {
                "event": "user",
                "text": message["text"],
                "parse_data": message,
                "message_id": f"m{next(_ids)}",  # Rasa's REST channel: a new one every POST
                "metadata": message.get("metadata") or {},
            }
        )

    def tracker(self) -> Tracker:
        return Tracker(
            self.sender,
            dict(self.slots),
            self.latest,
            list(self.events),
            False,
            None,
            {},
            "action_listen",
        )

    async def run(self, action: Action | None = None) -> list[dict[str, Any]]:
        """Run the action for the latest turn; apply its events; return what it said."""
        dispatcher = CollectingDispatcher()
        events = list(await (action or ActionConverse()).run(dispatcher, self.tracker(), DOMAIN))
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.events.extend(events)
        for message in dispatcher.messages:
            self.events.append({"event": "bot", "text": message.get("text")})
        messages: list[dict[str, Any]] = dispatcher.messages
        self.replies = messages
        return messages

    async def send(self, message: dict[str, Any]) -> str:
        """Say something and return everything the assistant answered, joined."""
        self.say(message)
        await self.run()
        return self.text

    @property
    def text(self) -> str:
        """Everything the assistant said in the last turn, joined."""
        return "\n".join(str(m.get("text") or "") for m in self.replies)

    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.replies for b in m.get("buttons") or []]

    @property
    def draft(self) -> dict[str, Any] | None:
        state = self.slots.get("conversation") or {}
        draft = state.get("draft")
        return draft if isinstance(draft, dict) else None
