"""The dispatcher of one citizen turn: what takes precedence, then the question asked or the
draft, then a new message; each handled by its room."""

from __future__ import annotations

import re
from datetime import timedelta

from hotline.domain.places import is_place_like
from hotline.domain.texts import clean_text
from hotline.domain.tickets import TICKET_NUMBER, DomainError
from hotline.services.conversation.answers import DraftAnswers
from hotline.services.conversation.confirmation import Confirmation
from hotline.services.conversation.consultations import Consultations
from hotline.services.conversation.context import Room, TurnContext, since
from hotline.services.conversation.drafts import Intake
from hotline.services.conversation.emergencies import Emergencies
from hotline.services.conversation.filed import FiledTickets
from hotline.services.conversation.new_messages import NewMessages
from hotline.services.conversation.questions import AssistantQuestions
from hotline.services.conversation.responses import SMALL_TALK
from hotline.services.conversation.words import _CHASE, _STATUS


class _Turn(Room):
    """Routes one turn to the rooms that decide it; they share its context."""

    def __init__(self, ctx: TurnContext) -> None:
        super().__init__(ctx)
        kinds: tuple[type[Room], ...] = (
            Intake,
            DraftAnswers,
            Confirmation,
            FiledTickets,
            AssistantQuestions,
            Consultations,
            Emergencies,
            NewMessages,
        )
        ctx.rooms = {kind: kind(ctx) for kind in kinds}

    async def run(self) -> None:
        if not self.text:
            self.utter("utter_ask_problem")
            self.room(Intake).reprompt()
            return
        try:
            self.text = clean_text(self.text, field_name="您发的内容", limit=4000) or ""
        except DomainError as exc:
            self.say(exc.message + "（您的诉求还没有提交，内容没有丢失。）")
            self.room(Intake).reprompt()
            return
        if (
            not re.search(r"[\w\u4e00-\u9fff👌👍]", self.text)
            and not self.text.startswith("/")
            and self.turn.latitude is None
        ):
            self.utter("utter_emoji_only")
            self.room(Intake).reprompt()
            return
        self.room(Intake).park_stale_draft()
        if await self.global_turn():
            return
        if await self.context_turn():
            return
        await self.room(NewMessages).new_message()
        self.room(Intake).offer_parked()

    async def global_turn(self) -> bool:
        """What takes precedence over any step: a human, an emergency, a status question."""
        intent = self.turn.intent
        if intent == "request_human" or re.search(r"转人工|人工客服|找人工|真人", self.short):
            self.room(FiledTickets).hand_to_human()
            return True
        if self.room(Emergencies).urgent_follow_up():
            return True
        if self.draft is not None and _CHASE.search(self.short):
            # about a ticket already filed; the draft waits
            self.room(FiledTickets).handle_ticket_purpose("chase")
            self.room(Intake).reprompt()
            return True
        # A danger read as small talk ("我个仔喺游乐场唔见咗") is still a danger: the NLU
        # already keeps alarm words in small talk from making it urgent.
        if self.turn.urgent and intent not in ("inform", "rate_service"):
            self.room(Emergencies).open_urgent()
            return True
        awaiting = self.state.get("awaiting") or {}
        picking = awaiting.get("kind") == "which_ticket" and len(self.short) <= 16
        if (
            (
                (intent == "check_status" and not self._answers_the_place_question())
                or _STATUS.search(self.short)
            )
            and not _CHASE.search(self.short)
            and not picking  # a number answering "which ticket?" is not a status question
        ):
            self.room(FiledTickets).show_status()
            self.room(Intake).reprompt()
            return True
        if intent in ("bot_challenge", "insult") and self.draft is not None:
            self.utter(SMALL_TALK[intent])
            self.room(Intake).reprompt()
            return True
        return False

    def _answers_the_place_question(self) -> bool:
        """An address answered to the place question ("锦绣名邸3-2-501") that the model read as
        a ticket number: the answer, unless it holds a real ticket number."""
        draft = self.draft
        return (
            draft is not None
            and draft.get("asking") == "address"
            and is_place_like(self.text)
            and not TICKET_NUMBER.search(self.text)
        )

    async def context_turn(self) -> bool:
        """What the message means given the question the assistant asked last."""
        awaiting = self.state.get("awaiting")
        if isinstance(awaiting, dict) and await self.room(AssistantQuestions).answer_awaiting(
            awaiting
        ):
            return True
        draft = self.draft
        if draft is not None:
            if draft.get("status") == "confirming":
                await self.room(Confirmation).at_confirmation(draft)
                return True
            await self.room(DraftAnswers).while_collecting(draft)
            return True
        topic = self.state.get("topic")
        if isinstance(topic, dict) and since(topic.get("at"), self.now) < timedelta(minutes=30):
            return self.room(Consultations).after_answer(topic)
        return False
