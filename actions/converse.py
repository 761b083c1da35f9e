"""The one action every citizen message runs: read Rasa's parse, let the core decide, reply.

The conversation's state (the draft, the topic just answered, the question asked) travels in
the `conversation` slot, so it lives in Rasa's SQL tracker store beside the turns themselves
and survives restarts of either server.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import transcript
from actions.wiring import wiring
from hotline.domain.tickets import TICKET_NUMBER
from hotline.services.conversation import Conversation, Reply, Turn, domain_responses

log = logging.getLogger(__name__)
DELIVERY_ID = re.compile(r"[\w:.\-]{1,100}")  # a channel's message id (tg:123:45, a uuid)
# The fixed lines the core sends, checked at start-up: the action server does not start when
# domain.yml lacks one (the error names the file and the response).
RESPONSES = domain_responses()


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
    message_id, metadata = "", message.get("metadata")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata") or metadata
            message_id = _delivery_id(metadata) or str(
                event.get("message_id") or event.get("timestamp") or ""
            )
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
        reply_to_ticket=_reply_to_ticket(metadata),
    )


def _delivery_id(metadata: Any) -> str:
    """The channel's own id for this message: Rasa's REST channel gives every POST a new one,
    so a client's retry of the same message would otherwise run (and file) it twice."""
    if not isinstance(metadata, dict):
        return ""
    value = str(metadata.get("message_id") or "")
    return value if DELIVERY_ID.fullmatch(value) else ""


def _reply_to_ticket(metadata: Any) -> str | None:
    """The channel says the citizen replied to a message about this ticket."""
    if not isinstance(metadata, dict):
        return None
    value = str(metadata.get("reply_to_ticket") or "")
    return value if TICKET_NUMBER.fullmatch(value) else None


def utter(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """A fixed line by its domain.yml response (Rasa renders its text and buttons, then adds
    the buttons built from data); a line built from data as text."""
    if reply.response is None:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons or None)
        return
    extra = [
        {"title": title, "payload": payload} for title, payload in RESPONSES.extra_buttons(reply)
    ]
    # `text` repeats the response's own words (the core read them from the same domain.yml):
    # Rasa renders the response and keeps them, and a dispatcher that renders no responses
    # (rasa_sdk's CollectingDispatcher in the tests) still carries what the citizen reads.
    dispatcher.utter_message(response=reply.response, text=reply.text, buttons=extra or None)


class ActionConverse(Action):
    def name(self) -> str:
        return "action_converse"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Hand the turn to the core conversation and say what it answers."""
        w = wiring()
        state = tracker.get_slot("conversation")
        outcome = await Conversation(w.service, w.knowledge, w.parser, RESPONSES).respond(
            str(tracker.sender_id or "anonymous"),
            state if isinstance(state, dict) else None,
            turn_from(tracker),
        )
        for reply in outcome.replies:
            utter(dispatcher, reply)
        return [SlotSet("conversation", outcome.state)]
