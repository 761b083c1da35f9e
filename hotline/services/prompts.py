"""Pending staff prompts (退单/延期/办结 text), kept in the database so a restart loses none.

A prompt is answered by a Telegram reply to the prompt message while it lives (a day), or by
plain text from the same person in the same chat within a short window (minutes). Anything
else never becomes an official answer: the first stray text after the window cancels the
prompt and the person is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.storage.db import transaction
from hotline.storage.models import StaffPrompt

PROMPT_LIFETIME = timedelta(hours=24)
DEFAULT_REPLY_WINDOW = timedelta(minutes=5)

Verdict = Literal["answer", "cancel", "ignore"]


@dataclass(frozen=True)
class Prompt:
    """What a pending prompt needs to finish the action and update its card."""

    id: int
    action: str
    number: str
    chat_id: str
    user_id: str
    prompt_message_id: int | None
    card_message_id: int | None
    card_text: str
    files: bool
    created_at: datetime


def _view(row: StaffPrompt) -> Prompt:
    return Prompt(
        id=row.id,
        action=row.action,
        number=row.number,
        chat_id=row.chat_id,
        user_id=row.user_id,
        prompt_message_id=row.prompt_message_id,
        card_message_id=row.card_message_id,
        card_text=row.card_text,
        files=row.files,
        created_at=row.created_at,
    )


class PromptStore:
    """Open, find, judge and close pending prompts (one per person and chat)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        window: timedelta = DEFAULT_REPLY_WINDOW,
        lifetime: timedelta = PROMPT_LIFETIME,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.window = window
        self.lifetime = lifetime

    def open(
        self,
        *,
        channel: str,
        chat_id: str,
        user_id: str,
        action: str,
        number: str,
        card_message_id: int | None,
        card_text: str,
        files: bool,
    ) -> int:
        """Replace this person's pending prompt in this chat with a new one; returns its id."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            session.execute(
                delete(StaffPrompt).where(
                    StaffPrompt.channel == channel,
                    StaffPrompt.chat_id == chat_id,
                    StaffPrompt.user_id == user_id,
                )
            )
            row = StaffPrompt(
                channel=channel,
                chat_id=chat_id,
                user_id=user_id,
                action=action,
                number=number,
                card_message_id=card_message_id,
                card_text=card_text,
                files=files,
                created_at=now,
                expires_at=now + self.lifetime,
            )
            session.add(row)
            session.flush()
            return row.id

    def sent(self, prompt_id: int, message_id: int) -> None:
        """Remember the prompt message, so a reply to it is recognised."""
        with transaction(self.sessions) as session:
            row = session.get(StaffPrompt, prompt_id)
            if row is not None:
                row.prompt_message_id = message_id

    def find(self, channel: str, chat_id: str, user_id: str) -> Prompt | None:
        """This person's live prompt in this chat, if any."""
        with transaction(self.sessions) as session:
            row = session.scalar(
                select(StaffPrompt).where(
                    StaffPrompt.channel == channel,
                    StaffPrompt.chat_id == chat_id,
                    StaffPrompt.user_id == user_id,
                    StaffPrompt.expires_at > self.clock.now(),
                )
            )
            return _view(row) if row is not None else None

    def judge(self, prompt: Prompt, reply_to: int | None) -> Verdict:
        """A reply to the prompt answers it; plain text only within the window.

        A reply to some other message is not for the prompt (ignore); plain text after the
        window cancels the prompt, so it can never turn into an answer later.
        """
        if reply_to is not None:
            return "answer" if reply_to == prompt.prompt_message_id else "ignore"
        if self.clock.now() - prompt.created_at <= self.window:
            return "answer"
        return "cancel"

    def close(self, prompt_id: int) -> None:
        """Forget a prompt (answered, cancelled or refused)."""
        with transaction(self.sessions) as session:
            session.execute(delete(StaffPrompt).where(StaffPrompt.id == prompt_id))

    def purge_expired(self) -> int:
        """Drop prompts past their lifetime; returns how many."""
        with transaction(self.sessions) as session:
            result = session.execute(
                delete(StaffPrompt).where(StaffPrompt.expires_at <= self.clock.now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
