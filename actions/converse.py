"""The one action every citizen message runs: read Rasa's parse, let the core decide, reply.

The conversation's state (the draft, the topic just answered, the question asked) travels in
the `conversation` slot, so it lives in Rasa's SQL tracker store beside the turns themselves
and survives restarts of either server.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import transcript
from actions.wiring import wiring
from hotline.domain.tickets import TICKET_NUMBER
from hotline.services.conversation import Conversation, Turn

log = logging.getLogger(__name__)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def turn_from(tracker: Tracker) -> Turn:
    """The latest user message as the core reads it."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    entities: dict[str, str] = {}
    for item in message.get("entities") or []:
        name = str(item.get("entity") or "")
        if name and name not in entities and item.get("value") not in (None, ""):
            entities[name] = str(item["value"])
    ranking = tuple(
        (str(item.get("name") or ""), float(item.get("confidence") or 0.0))
        for item in message.get("intent_ranking") or []
    )
    message_id = ""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            message_id = str(event.get("message_id") or event.get("timestamp") or "")
            break
    return Turn(
        text=str(message.get("text") or ""),
        intent=str(intent.get("name") or ""),
        ranking=ranking,
        entities=entities,
        urgent=bool(message.get("urgent")),
        request_type=message.get("type"),
        message_id=message_id,
        latitude=_float(entities.get("latitude")),
        longitude=_float(entities.get("longitude")),
        transcript=transcript(tracker),
        reply_to_ticket=_reply_to_ticket(message.get("metadata")),
    )


def _reply_to_ticket(metadata: Any) -> str | None:
    """The channel says the citizen replied to a message about this ticket."""
    if not isinstance(metadata, dict):
        return None
    value = str(metadata.get("reply_to_ticket") or "")
    return value if TICKET_NUMBER.fullmatch(value) else None


class ActionConverse(Action):
    def name(self) -> str:
        return "action_converse"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Hand the turn to the core conversation and say what it answers."""
        w = wiring()
        state = tracker.get_slot("conversation")
        outcome = await Conversation(w.service, w.knowledge, w.parser).respond(
            str(tracker.sender_id or "anonymous"),
            state if isinstance(state, dict) else None,
            turn_from(tracker),
        )
        for reply in outcome.replies:
            buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
            dispatcher.utter_message(text=reply.text, buttons=buttons or None)
        return [SlotSet("conversation", outcome.state)]
