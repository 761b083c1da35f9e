"""The custom PTB context: handlers reach the hotline's services through it, never globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.ratelimit import FloodGuard
from hotline.config import Settings
from hotline.services.attachments import AttachmentService
from hotline.services.container import Services
from hotline.services.prompts import PromptStore


@dataclass
class Hotline:
    """What handlers need from the rest of the product, wired once in build_application."""

    service: Services
    settings: Settings
    rasa_urls: list[str]  # one per Rasa worker; a citizen always talks to the same one
    http: httpx.AsyncClient
    attachments: AttachmentService
    flood: FloodGuard
    prompts: PromptStore
    delivery_idle: float = 1.0
    rasa_timeout: float = 10.0
    extras: dict[str, Any] = field(default_factory=dict)


class BotData:
    """Application-wide data: the Hotline wiring (PTB instantiates this class with no arguments)."""

    def __init__(self) -> None:
        self.hotline: Hotline | None = None


ChatData = dict[str, Any]
UserData = dict[str, Any]


class HotlineContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """A callback context that carries the hotline's services."""

    @property
    def hotline(self) -> Hotline:
        """Return the wiring, failing loudly if the application was built without it."""
        wiring = self.bot_data.hotline
        if wiring is None:
            raise RuntimeError("the application was built without build_application()")
        return wiring

    @property
    def service(self) -> Services:
        """Return the hotline service every handler calls."""
        return self.hotline.service

    @property
    def attachments(self) -> AttachmentService:
        """Return the attachment service (citizens' photos, files and locations)."""
        return self.hotline.attachments


HotlineApplication = Application[
    ExtBot[None], HotlineContext, UserData, ChatData, BotData, JobQueue[HotlineContext]
]
