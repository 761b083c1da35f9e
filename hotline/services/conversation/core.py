"""The citizen conversation: one turn in, replies and the new state out.

Rasa reads the text (intent ranking, entities, urgency, request type); this package decides
what the turn means given what came before. The citizen's draft is a core object with its own
states (collecting → confirming → filed / cancelled; parked when left and offered back), kept
in the conversation state with the topic last answered and any question the assistant asked,
so no message, however unexpected, can drop it: every turn either moves the draft on, changes
it, or says what was understood and asks again.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from hotline.domain.catalogue import Catalogue
from hotline.domain.knowledge import KnowledgeBase
from hotline.domain.privacy import PRIVACY_NOTICE
from hotline.services.container import Services
from hotline.services.conversation.context import TurnContext
from hotline.services.conversation.exchange import Outcome, Parser, Reply, State, Turn
from hotline.services.conversation.responses import Responses, domain_responses
from hotline.services.conversation.turn import _Turn
from hotline.storage.outbox import PULL_CHANNELS

log = logging.getLogger(__name__)


class Conversation:
    """Decides each citizen turn; adapters (the Rasa action, tests) pass a Turn and the state."""

    def __init__(
        self,
        service: Services,
        knowledge: KnowledgeBase,
        parser: Parser,
        responses: Responses | None = None,
    ) -> None:
        self.service = service
        self.catalogue: Catalogue = service.catalogue
        self.knowledge = knowledge
        self.parser = parser
        self.responses = responses or domain_responses()  # the fixed lines, from domain.yml

    # ---------------------------------------------------------------- entry point

    async def respond(self, sender: str, state: State | None, turn: Turn) -> Outcome:
        """One turn: deliver what waits for the citizen, then handle what they said."""
        state = dict(state or {})
        seen = list(state.get("seen") or [])
        if turn.message_id and turn.message_id in seen:
            replay = [
                Reply(
                    str(r["text"]),
                    [(str(b[0]), str(b[1])) for b in r.get("buttons") or []],
                    response=r.get("response") if r.get("response") in self.responses else None,
                )
                for r in state.get("last") or []
            ]
            return Outcome(replay or [self.responses.reply("utter_received")], state)
        channel, user = _split_sender(sender)
        replies: list[Reply] = []
        if channel in PULL_CHANNELS:
            try:
                replies += [
                    Reply(text)
                    for text in self.service.tickets.pull_citizen_messages(channel, user)
                ]
            except OperationalError:
                log.warning("pending messages not pulled")
        ctx = TurnContext(self, sender, channel, user, state, turn, replies)
        turn_ = _Turn(ctx)
        try:
            await turn_.run()
        except OperationalError:
            log.exception("turn failed")
            ctx.utter("utter_busy")
        if not ctx.state.get("privacy_noted"):  # first contact: what is kept and why (PIPL)
            last_asks = len(ctx.replies) >= 2 or (ctx.replies and ctx.replies[-1].buttons)
            at = len(ctx.replies) - 1 if last_asks else len(ctx.replies)
            ctx.replies.insert(at, Reply(PRIVACY_NOTICE))  # the question to answer stays last
            ctx.state["privacy_noted"] = True
        if turn.message_id:
            seen = [*seen, turn.message_id][-5:]
        ctx.state["seen"] = seen
        ctx.state["last"] = [
            {"text": r.text, "buttons": [list(b) for b in r.buttons], "response": r.response}
            for r in ctx.replies
        ]
        return Outcome(ctx.replies, ctx.state)


def _split_sender(sender: str) -> tuple[str, str]:
    channel, sep, user = sender.partition(":")
    if not sep or not channel or not user:
        return "rest", sender[:80]
    return channel[:20], user[:80]
