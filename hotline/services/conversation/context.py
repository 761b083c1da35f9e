"""What every room of a turn shares: the state, the parse, the time, the service, the replies.

A turn is decided by a few small rooms (the draft's intake, its answers and confirmation, the
citizen's filed tickets, consultations, emergencies, the assistant's own questions, new
messages). They do not inherit from each other: each holds the one `TurnContext` of the turn
and reaches the others through it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol, TypeVar, cast

from hotline.domain.catalogue import REQUEST_TYPES, Catalogue, RequestType
from hotline.domain.intake import Routing, route_parse
from hotline.domain.knowledge import KnowledgeBase
from hotline.domain.tickets import TICKET_NUMBER, Actor
from hotline.services.container import Services
from hotline.services.conversation.exchange import Parser, Reply, State, Turn
from hotline.services.conversation.responses import Responses
from hotline.services.conversation.words import compact
from hotline.services.snapshots import TicketView
from hotline.services.views import TicketFilter


def now_iso(now: datetime) -> str:
    return now.isoformat()


def since(state_time: str | None, now: datetime) -> timedelta:
    if not state_time:
        return timedelta(0)
    try:
        return now - datetime.fromisoformat(state_time)
    except ValueError:
        return timedelta(0)


def known_request_type(value: Any, *, urgent: bool = False) -> RequestType | None:
    """The NLU's request type when it is one the hotline knows (an emergency is never 咨询)."""
    if value not in REQUEST_TYPES or (urgent and value in ("咨询", "建议", "表扬")):
        return None
    if value in ("咨询", "表扬"):
        return None  # a report is never filed as a consultation or praise
    return cast(RequestType, value)


class ConversationParts(Protocol):
    """What a turn needs of its conversation (core.Conversation provides it)."""

    service: Services
    catalogue: Catalogue
    knowledge: KnowledgeBase
    parser: Parser
    responses: Responses


R = TypeVar("R", bound="Room")


class TurnContext:
    """One citizen turn: reads and moves the state, collects the replies. The rooms deciding
    the turn are set on it by the dispatcher (`_Turn`)."""

    rooms: dict[type[Room], Room]

    def __init__(
        self,
        conv: ConversationParts,
        sender: str,
        channel: str,
        user: str,
        state: State,
        turn: Turn,
        replies: list[Reply],
    ) -> None:
        self.c = conv
        self.service: Services = conv.service
        self.catalogue: Catalogue = conv.catalogue
        self.sender = sender
        self.channel = channel
        self.user = user
        self.state = state
        self.turn = turn
        self.replies = replies
        self.text = turn.text.strip()
        self.short = compact(self.text)
        self.now = self.service.clock.now()
        self.actor = Actor(role="citizen", id=f"{channel}:{user}")

    def say(self, text: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        """A line built from data."""
        self.replies.append(Reply(text, list(buttons)))

    def utter(self, response: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        """A fixed line: the domain.yml response, then any `buttons` built from data."""
        self.replies.append(self.c.responses.reply(response, buttons))

    @property
    def draft(self) -> dict[str, Any] | None:
        draft = self.state.get("draft")
        return draft if isinstance(draft, dict) else None

    def set_draft(self, draft: dict[str, Any] | None) -> None:
        if draft is not None:
            draft["updated"] = now_iso(self.now)
        self.state["draft"] = draft

    @cached_property
    def routing(self) -> Routing:
        """Where the message would go, summed per department; computed once per turn."""
        items = [{"name": n, "confidence": c} for n, c in self.turn.ranking]
        return route_parse(items, self.catalogue, self.turn.entities.get("address"))

    @cached_property
    def _tickets(self) -> list[TicketView]:
        """The citizen's latest tickets as the turn began: one query however often asked."""
        return self.service.views.list_tickets(TicketFilter(citizen=self.actor.id, limit=20))

    def my_tickets(self, states: Collection[str] | None = None) -> list[TicketView]:
        return [v for v in self._tickets if states is None or v.status in states]

    def ticket_number(self) -> str | None:
        found = self.turn.entities.get("ticket_number")
        if found:
            return found
        match = TICKET_NUMBER.search(self.text)
        return match.group(1) if match else self.turn.reply_to_ticket


class Room:
    """One concern of a turn. It reads the turn through its context (`self.text`, `self.state`,
    `self.say` …) and hands over to the other rooms (`self.room(Intake).ask_next(…)`)."""

    def __init__(self, ctx: TurnContext) -> None:
        self.ctx = ctx

    # ---------------------------------------------------------------- the turn's context

    @property
    def c(self) -> ConversationParts:
        return self.ctx.c

    @property
    def service(self) -> Services:
        return self.ctx.service

    @property
    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    @property
    def sender(self) -> str:
        return self.ctx.sender

    @property
    def channel(self) -> str:
        return self.ctx.channel

    @property
    def user(self) -> str:
        return self.ctx.user

    @property
    def state(self) -> State:
        return self.ctx.state

    @property
    def turn(self) -> Turn:
        return self.ctx.turn

    @property
    def text(self) -> str:
        return self.ctx.text

    @text.setter
    def text(self, value: str) -> None:
        self.ctx.text = value

    @property
    def short(self) -> str:
        return self.ctx.short

    @property
    def now(self) -> datetime:
        return self.ctx.now

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    @property
    def draft(self) -> dict[str, Any] | None:
        return self.ctx.draft

    @property
    def routing(self) -> Routing:
        return self.ctx.routing

    def say(self, text: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        self.ctx.say(text, buttons)

    def utter(self, response: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        self.ctx.utter(response, buttons)

    def set_draft(self, draft: dict[str, Any] | None) -> None:
        self.ctx.set_draft(draft)

    def my_tickets(self, states: Collection[str] | None = None) -> list[TicketView]:
        return self.ctx.my_tickets(states)

    def ticket_number(self) -> str | None:
        return self.ctx.ticket_number()

    # ---------------------------------------------------------------- the other rooms

    def room(self, kind: type[R]) -> R:
        """The room of this turn that decides `kind`'s part (rooms import the ones they use)."""
        return cast(R, self.ctx.rooms[kind])
