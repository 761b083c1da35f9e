"""A local Telegram Bot API double, so tests run the real python-telegram-bot client offline.

The double is an HTTP server on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a background
thread, so sync and async tests can share it) that speaks the Bot API URL shape
``POST {base_url}{token}/{method}`` and serves files at ``{base_file_url}{token}/{file_path}``.

Point python-telegram-bot at it with::

    with TelegramDouble() as double:
        app = double.application_builder().build()      # or:
        app = (Application.builder().token(double.token)
               .base_url(double.base_url).base_file_url(double.base_file_url).build())

Tests inject what users do (``user_says``, ``press``, ``user_sends_photo`` ...), read what the
bot did (``sent``, ``edits``, ``answers``, ``failures``), wait without sleeping blindly
(``wait_for_sent`` / ``wait_for_sent_sync``) and script faults (``fail_next``, ``fail_for``,
``delay_next``, ``lose_response_next``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from telegram.ext import Application, ApplicationBuilder

JSON = dict[str, Any]
Predicate = Callable[[JSON], bool]

DEFAULT_TOKEN = "123456789:AAH-double-token-for-tests"
MAX_TEXT = 4096
MAX_CAPTION = 1024

SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendVenue",
        "copyMessage",
        "forwardMessage",
    }
)
EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
# Methods whose files are uploaded under the method's own field name.
MEDIA_FIELDS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
}
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "cache_time",
        "message_thread_id",
        "duration",
        "width",
        "height",
    }
)
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "disable_web_page_preview",
        "protect_content",
        "allow_sending_without_reply",
        "show_alert",
        "drop_pending_updates",
        "has_spoiler",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "scope",
        "media",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
STATUS_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
UPDATE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
)


class ApiError(Exception):
    """A Bot API error answer (``ok: false``) raised inside a method implementation."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Fault:
    """One scripted misbehaviour, matched by method name ("*" matches every method)."""

    method: str
    status: int = 429
    retry_after: int | None = None
    description: str | None = None
    times: int | None = 1
    until: float | None = None
    drop: bool = False
    delay: float = 0.0
    lose_response: bool = False

    def matches(self, method: str, now: float) -> bool:
        """Tell whether this fault still applies to a call of ``method``."""
        if self.method not in ("*", method):
            return False
        if self.until is not None and now >= self.until:
            return False
        return self.times is None or self.times > 0

    def body(self) -> JSON:
        """Render the Bot API error body Telegram would send for this status."""
        if self.status == 429:
            retry = self.retry_after if self.retry_after is not None else 1
            description = self.description or f"Too Many Requests: retry after {retry}"
            return {
                "ok": False,
                "error_code": 429,
                "description": description,
                "parameters": {"retry_after": retry},
            }
        out: JSON = {
            "ok": False,
            "error_code": self.status,
            "description": self.description or STATUS_DESCRIPTIONS.get(self.status, "Error"),
        }
        if self.retry_after is not None:
            out["parameters"] = {"retry_after": self.retry_after}
        return out


@dataclass
class StoredFile:
    """A file the double can hand out through getFile and the file endpoint."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> JSON:
        """Render the Bot API ``File`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class _Request:
    """A parsed incoming request: parameters plus uploaded files by form field name."""

    params: JSON
    uploads: dict[str, tuple[str | None, str | None, bytes]] = field(default_factory=dict)


class TelegramDouble:
    """A scripted, thread-safe Bot API server on 127.0.0.1 for integration tests."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "hotline12345_test_bot",
        bot_first_name: str = "12345 热线",
        strict: bool = True,
    ) -> None:
        self.token = token
        self.strict = strict
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Forget all chats, updates, records and faults (the server keeps running)."""
        with self._lock:
            self._update_ids = itertools.count(1)
            self._updates: list[JSON] = []
            self._allowed_updates: list[str] | None = None
            self._message_ids: dict[int | str, itertools.count[int]] = {}
            self._messages: dict[tuple[int | str, int], JSON] = {}
            self._chats: dict[int | str, JSON] = {}
            self._users: dict[int, JSON] = {}
            self._files: dict[str, StoredFile] = {}
            self._file_seq = itertools.count(1)
            self._queries: dict[str, JSON] = {}
            self._query_seq = itertools.count(1)
            self._calls: list[JSON] = []
            self._failures: list[JSON] = []
            self._faults: list[Fault] = []
            self._migrated: dict[int | str, int] = {}
            self.commands: list[JSON] = []
            self.webhook_deleted = 0
            self.webhook: JSON = {}  # what setWebhook last asked for (url, secret_token, …)
            self._changed.notify_all()

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        handler = type("BoundHandler", (_Handler,), {"double": self})
        server = _Server(("127.0.0.1", 0), handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="telegram-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release long polls, close open connections and stop the server thread."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        with self._lock:
            self._changed.notify_all()
            connections = list(self._connections)
        server.shutdown()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on (only once started)."""
        if self._server is None:
            raise RuntimeError("TelegramDouble is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` without any Bot API path."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` (and ``TELEGRAM_API_BASE_URL``) should be set to."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """What PTB's ``base_file_url`` should be set to."""
        return f"{self.root_url}/file/bot"

    @property
    def api_url(self) -> str:
        """Prefix for raw calls: ``{api_url}/sendMessage``."""
        return f"{self.base_url}{self.token}"

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """Return a PTB ``ApplicationBuilder`` already pointed at this double."""
        from telegram.ext import Application

        return (
            Application.builder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    # ------------------------------------------------------------------ fault scripting

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 3,
        times: int = 1,
        *,
        description: str | None = None,
        drop: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (or a dropped socket)."""
        with self._lock:
            self._faults.append(
                Fault(
                    method,
                    status,
                    retry_after if status == 429 else None,
                    description,
                    times=times,
                    drop=drop,
                )
            )

    def fail_for(
        self,
        method: str,
        seconds: float,
        status: int = 502,
        retry_after: int | None = None,
        *,
        description: str | None = None,
        drop: bool = False,
    ) -> None:
        """Answer every call of ``method`` with an error for the next ``seconds``."""
        with self._lock:
            self._faults.append(
                Fault(
                    method,
                    status,
                    retry_after,
                    description,
                    times=None,
                    until=time.monotonic() + seconds,
                    drop=drop,
                )
            )

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` calls normally, but only after ``seconds`` (timeouts)."""
        with self._lock:
            self._faults.append(Fault(method, 200, times=times, delay=seconds))

    def lose_response_next(self, method: str, times: int = 1) -> None:
        """Carry out the next calls (recorded as done) but drop the connection before answering.

        This is the "Telegram delivered it but we never heard back" case that makes naive
        retry loops send twice.
        """
        with self._lock:
            self._faults.append(Fault(method, 200, times=times, lose_response=True))

    def clear_faults(self) -> None:
        """Remove every scripted fault that has not fired yet."""
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ injecting updates

    def user(self, user_id: int, first_name: str | None = None, **extra: Any) -> JSON:
        """Return (and remember) the ``User`` object for a citizen or staff member."""
        with self._lock:
            known = self._users.get(user_id)
            if known is None or first_name is not None or extra:
                known = {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": first_name or (known or {}).get("first_name") or f"用户{user_id}",
                    "language_code": "zh-hans",
                    **extra,
                }
                self._users[user_id] = known
            return dict(known)

    def inject(self, update: JSON) -> int:
        """Queue a raw update body (``update_id`` is added) and wake long polls."""
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
            return update_id

    def user_says(
        self, user_id: int, text: str, first_name: str | None = None, **message: Any
    ) -> int:
        """Inject a private text message from ``user_id``; return its update_id."""
        body: JSON = {"text": text, **message}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            body.setdefault(
                "entities", [{"type": "bot_command", "offset": 0, "length": len(command)}]
            )
        return self._user_message(user_id, user_id, body, first_name)

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        title: str = "部门工作群",
        first_name: str | None = None,
        **message: Any,
    ) -> int:
        """Inject a text message posted by ``user_id`` in group ``chat_id``."""
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        self._remember_chat({"id": chat_id, "type": chat_type, "title": title})
        body: JSON = {"text": text, **message}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            body.setdefault(
                "entities", [{"type": "bot_command", "offset": 0, "length": len(command)}]
            )
        return self._user_message(chat_id, user_id, body, first_name)

    def user_shares_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> int:
        """Inject a shared location (``chat_id`` defaults to the private chat)."""
        body = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._user_message(chat_id or user_id, user_id, body)

    def user_sends_photo(
        self,
        user_id: int,
        data: bytes = b"\x89PNG\r\n\x1a\n fake photo",
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> int:
        """Inject a photo whose file_id really downloads through getFile and the file URL."""
        sizes = self._photo_sizes(data)
        body: JSON = {"photo": sizes}
        if caption is not None:
            body["caption"] = caption
        return self._user_message(chat_id or user_id, user_id, body)

    def user_sends_sticker(self, user_id: int, emoji: str = "👍") -> int:
        """Inject a sticker (something the bot cannot turn into a report)."""
        stored = self.add_file(b"RIFF....WEBP", kind="stickers", suffix=".webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return self._user_message(user_id, user_id, {"sticker": sticker})

    def user_sends_voice(self, user_id: int, duration: int = 3, data: bytes = b"OggS voice") -> int:
        """Inject a voice note."""
        stored = self.add_file(data, kind="voice", suffix=".oga", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(user_id, user_id, {"voice": voice})

    def user_shares_contact(
        self, user_id: int, phone_number: str, first_name: str | None = None
    ) -> int:
        """Inject the user's own contact card (as the "share my phone" button sends it)."""
        user = self.user(user_id)
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or user["first_name"],
            "user_id": user_id,
        }
        return self._user_message(user_id, user_id, {"contact": contact})

    def migrate_group(
        self, old_chat_id: int, new_chat_id: int, user_id: int, *, announce: bool = True
    ) -> None:
        """Upgrade a group to a supergroup: sends to the old id fail with migrate_to_chat_id.

        With ``announce`` the two service messages Telegram posts are queued as updates
        (``migrate_to_chat_id`` in the old group, ``migrate_from_chat_id`` in the new one).
        """
        with self._lock:
            old_chat = self._chat(old_chat_id)
            title = old_chat.get("title") or f"群{old_chat_id}"
            self._remember_chat({"id": new_chat_id, "type": "supergroup", "title": title})
            self._migrated[old_chat_id] = new_chat_id
        if announce:
            self._user_message(old_chat_id, user_id, {"migrate_to_chat_id": new_chat_id})
            self._user_message(new_chat_id, user_id, {"migrate_from_chat_id": old_chat_id})

    def user_edits(self, chat_id: int, message_id: int, text: str) -> int:
        """Inject an ``edited_message`` for a message the user sent earlier."""
        with self._lock:
            original = self._messages.get((chat_id, message_id))
            if original is None or original.get("from", {}).get("is_bot"):
                raise LookupError(f"no user message {message_id} in chat {chat_id}")
            edited = {**original, "text": text, "edit_date": int(time.time())}
            self._messages[(chat_id, message_id)] = edited
            return self.inject({"edited_message": edited})

    def press(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int | None = None,
        *,
        forge: bool = False,
    ) -> int:
        """Inject a press on an inline button of a message the bot sent; return the update_id.

        The button must exist on the message's current keyboard unless ``forge=True`` (a
        modified client sending arbitrary callback data).
        """
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise LookupError(f"bot sent no message {message_id} to chat {chat_id}")
            if not forge and callback_data not in _callback_datas(message.get("reply_markup")):
                raise LookupError(
                    f"message {message_id} in chat {chat_id} has no button with "
                    f"callback_data={callback_data!r}; pass forge=True to send it anyway"
                )
            if user_id is None and int(chat_id) < 0:
                raise ValueError("pressing a button in a group needs the user_id of the presser")
            presser = self.user(user_id if user_id is not None else int(chat_id))
            query_id = f"cq{next(self._query_seq)}"
            query = {
                "id": query_id,
                "from": presser,
                "message": message,
                "chat_instance": f"ci{chat_id}",
                "data": callback_data,
            }
            self._queries[query_id] = {
                "chat_id": chat_id,
                "message_id": message_id,
                "user_id": presser["id"],
                "data": callback_data,
                "answered": False,
            }
            return self.inject({"callback_query": query})

    def add_file(
        self,
        data: bytes,
        *,
        kind: str = "documents",
        suffix: str = ".bin",
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Register bytes under a fresh file_id so getFile and download work for it."""
        with self._lock:
            n = next(self._file_seq)
            stored = StoredFile(
                file_id=f"BQACAgUAAx{n:06d}{kind[:3]}",
                file_unique_id=f"AgAD{n:06d}",
                data=data,
                file_path=f"{kind}/file_{n}{suffix}",
                file_name=file_name,
                mime_type=mime_type,
            )
            self._files[stored.file_id] = stored
            return stored

    def file_bytes(self, file_id: str) -> bytes:
        """Return the bytes stored under ``file_id`` (e.g. a photo the bot uploaded)."""
        with self._lock:
            return self._files[file_id].data

    # ------------------------------------------------------------------ reading what happened

    def calls(self, method: str | None = None) -> list[JSON]:
        """Every successful call (optionally of one method), oldest first."""
        with self._lock:
            return [dict(c) for c in self._calls if method is None or c["method"] == method]

    def sent(self, chat_id: int | str | None = None) -> list[JSON]:
        """Messages the bot sent and Telegram accepted (send* methods), oldest first.

        Each record has ``method, chat_id, text, plain, caption, reply_markup, parse_mode,
        message_id, params``: ``text`` is what the bot sent (markup included; for media the
        caption), ``plain`` what the user sees once Telegram parsed the markup.
        """
        with self._lock:
            return [
                dict(c)
                for c in self._calls
                if c["method"] in SEND_METHODS and (chat_id is None or c["chat_id"] == chat_id)
            ]

    def edits(self, chat_id: int | str | None = None) -> list[JSON]:
        """Accepted editMessageText / editMessageReplyMarkup / editMessageCaption calls."""
        with self._lock:
            return [
                dict(c)
                for c in self._calls
                if c["method"] in EDIT_METHODS and (chat_id is None or c["chat_id"] == chat_id)
            ]

    def answers(self) -> list[JSON]:
        """Accepted answerCallbackQuery calls, with the pressed button's data and message."""
        return self.calls("answerCallbackQuery")

    def failures(self, method: str | None = None) -> list[JSON]:
        """Calls answered with an error or a dropped connection (never counted as sent)."""
        with self._lock:
            return [dict(c) for c in self._failures if method is None or c["method"] == method]

    def message(self, chat_id: int | str, message_id: int) -> JSON:
        """Current state of a message (after edits), as a Bot API ``Message`` dict."""
        with self._lock:
            return copy.deepcopy(self._messages[(chat_id, message_id)])

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return [dict(u) for u in self._updates]

    def wait_for_sent_sync(
        self,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
        *,
        chat_id: int | str | None = None,
    ) -> JSON:
        """Block until a sent message matches, so sync tests need not sleep blindly."""
        return self._wait_sync(lambda: self._find(self.sent(chat_id), predicate), timeout, chat_id)

    async def wait_for_sent(
        self,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
        *,
        chat_id: int | str | None = None,
    ) -> JSON:
        """Wait (without blocking the loop) until a sent message matches; return it."""
        return await self._wait_async(
            lambda: self._find(self.sent(chat_id), predicate), timeout, chat_id
        )

    def wait_for_call_sync(
        self, method: str, predicate: Predicate | None = None, timeout: float = 5.0
    ) -> JSON:
        """Block until a successful call of ``method`` matches; return its record."""
        return self._wait_sync(lambda: self._find(self.calls(method), predicate), timeout, None)

    async def wait_for_call(
        self, method: str, predicate: Predicate | None = None, timeout: float = 5.0
    ) -> JSON:
        """Wait until a successful call of ``method`` (an edit, an answer ...) matches."""
        return await self._wait_async(
            lambda: self._find(self.calls(method), predicate), timeout, None
        )

    async def wait_for_failure(
        self, method: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[JSON]:
        """Wait until at least ``count`` failed calls (of ``method``) have been recorded."""

        def probe() -> JSON | None:
            found = self.failures(method)
            return {"failures": found} if len(found) >= count else None

        return list((await self._wait_async(probe, timeout, None))["failures"])

    def wait_until_sync(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until ``condition()`` holds, re-checking on every call and every 50 ms.

        For conditions outside the double (a database row, another process's state).
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._nothing_matched(timeout, None))
                self._changed.wait(min(remaining, 0.05))

    @staticmethod
    def _find(records: list[JSON], predicate: Predicate | None) -> JSON | None:
        """Return the first record the predicate accepts."""
        for record in records:
            if predicate is None or predicate(record):
                return record
        return None

    def _wait_sync(
        self, probe: Callable[[], JSON | None], timeout: float, chat_id: int | str | None
    ) -> JSON:
        """Wait on the change condition until ``probe`` finds something."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := probe()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._nothing_matched(timeout, chat_id))
                self._changed.wait(remaining)
        return found

    async def _wait_async(
        self, probe: Callable[[], JSON | None], timeout: float, chat_id: int | str | None
    ) -> JSON:
        """Poll ``probe`` every 10 ms without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while (found := probe()) is None:
            if time.monotonic() >= deadline:
                raise AssertionError(self._nothing_matched(timeout, chat_id))
            await asyncio.sleep(0.01)
        return found

    def _nothing_matched(self, timeout: float, chat_id: int | str | None) -> str:
        """Explain a timed-out wait with what the bot did send."""
        seen = [(s["method"], s["chat_id"], s["text"]) for s in self.sent(chat_id)]
        failed = [(f["method"], f["status"]) for f in self.failures()]
        return f"nothing matched within {timeout}s; sent={seen!r}; failures={failed!r}"

    # ------------------------------------------------------------------ request handling

    def handle(self, token: str, method: str, request: _Request) -> tuple[int, JSON, Fault | None]:
        """Run one Bot API call and return (status, body, fault that shaped the answer)."""
        params = request.params
        if token != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 401, body, None
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.status != 200:
            body = fault.body()
            self._record_failure(method, params, fault.status, body, dropped=fault.drop)
            return fault.status, body, fault
        try:
            result = self._dispatch(method, request)
        except ApiError as err:
            body = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            self._record_failure(method, params, err.status, body)
            return err.status, body, fault
        if fault is not None and fault.lose_response:
            self._record_failure(method, params, 200, {"ok": True}, dropped=True)
        return 200, {"ok": True, "result": result}, fault

    def download(self, token: str, file_path: str) -> bytes | None:
        """Return the bytes behind a file_path handed out by getFile, or None."""
        if token != self.token:
            return None
        with self._lock:
            for stored in self._files.values():
                if stored.file_path == file_path:
                    return stored.data
        return None

    def _take_fault(self, method: str) -> Fault | None:
        """Consume the first scripted fault that matches ``method``."""
        now = time.monotonic()
        with self._lock:
            self._faults = [f for f in self._faults if f.until is None or now < f.until]
            for fault in self._faults:
                if fault.matches(method, now):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _record_failure(
        self, method: str, params: JSON, status: int, body: JSON, *, dropped: bool = False
    ) -> None:
        """Keep failed calls apart from accepted ones."""
        with self._lock:
            self._failures.append(
                {
                    "method": method,
                    "chat_id": params.get("chat_id"),
                    "text": params.get("text"),
                    "params": params,
                    "status": status,
                    "description": body.get("description"),
                    "dropped": dropped,
                    "at": time.time(),
                }
            )
            self._changed.notify_all()

    def _record(self, method: str, params: JSON, **fields: Any) -> JSON:
        """Record an accepted call and wake waiters."""
        record: JSON = {
            "method": method,
            "chat_id": params.get("chat_id"),
            "text": params.get("text"),
            "caption": params.get("caption"),
            "reply_markup": params.get("reply_markup"),
            "parse_mode": params.get("parse_mode"),
            "message_id": params.get("message_id"),
            "plain": params.get("text"),
            "params": params,
            "at": time.time(),
            **fields,
        }
        with self._lock:
            self._calls.append(record)
            self._changed.notify_all()
        return record

    def _dispatch(self, method: str, request: _Request) -> Any:
        """Route a method name to its implementation (unknown ones answer ``True``)."""
        impl = getattr(self, f"_api_{method}", None)
        if impl is None:
            self._record(method, request.params)
            return True
        return impl(request)

    # ------------------------------------------------------------------ Bot API methods

    def _api_getMe(self, request: _Request) -> JSON:  # noqa: N802
        """Describe the bot."""
        self._record("getMe", request.params)
        return dict(self.bot_user)

    def _api_deleteWebhook(self, request: _Request) -> bool:  # noqa: N802
        """Switch to polling; optionally drop pending updates."""
        with self._lock:
            self.webhook_deleted += 1
            if request.params.get("drop_pending_updates"):
                self._updates.clear()
        self._record("deleteWebhook", request.params)
        return True

    def _api_setWebhook(self, request: _Request) -> bool:  # noqa: N802
        """Remember the webhook; the double never calls it (tests post updates themselves)."""
        with self._lock:
            self.webhook = dict(request.params)
        self._record("setWebhook", request.params)
        return True

    def _api_getWebhookInfo(self, request: _Request) -> JSON:  # noqa: N802
        """Report that no webhook is set."""
        self._record("getWebhookInfo", request.params)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setMyCommands(self, request: _Request) -> bool:  # noqa: N802
        """Remember the command menu."""
        with self._lock:
            self.commands = list(request.params.get("commands") or [])
        self._record("setMyCommands", request.params)
        return True

    def _api_getMyCommands(self, request: _Request) -> list[JSON]:  # noqa: N802
        """Return the command menu set earlier."""
        self._record("getMyCommands", request.params)
        with self._lock:
            return list(self.commands)

    def _api_sendChatAction(self, request: _Request) -> bool:  # noqa: N802
        """Accept a typing indicator."""
        self._record("sendChatAction", request.params, action=request.params.get("action"))
        return True

    def _api_getUpdates(self, request: _Request) -> list[JSON]:  # noqa: N802
        """Long-poll: confirm by offset, wait up to ``timeout`` s, honour limit/allowed_updates."""
        params = request.params
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._changed:
            if params.get("allowed_updates") is not None:
                self._allowed_updates = list(params["allowed_updates"]) or None
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                self._drop_unwanted()
                ready = self._updates
                if offset < 0:
                    ready = ready[offset:]
                if ready or self._stopping.is_set():
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            batch = [copy.deepcopy(u) for u in ready[:limit]]
        self._record("getUpdates", params, count=len(batch))
        return batch

    def _drop_unwanted(self) -> None:
        """Forget updates of kinds excluded by the last ``allowed_updates``."""
        allowed = self._allowed_updates
        if allowed:
            self._updates = [u for u in self._updates if any(kind in u for kind in allowed)]

    def _api_sendMessage(self, request: _Request) -> JSON:  # noqa: N802
        """Deliver a text message (validating length and parse mode like Telegram)."""
        params = request.params
        chat_id = _require(params, "chat_id")
        content = self._text(params, "message is too long")
        message = self._bot_message(chat_id, content, params)
        self._record("sendMessage", params, message_id=message["message_id"], plain=content["text"])
        return message

    def _api_sendPhoto(self, request: _Request) -> JSON:  # noqa: N802
        """Deliver a photo: an upload is stored, a file_id is echoed back."""
        params = request.params
        chat_id = _require(params, "chat_id")
        stored = self._media_input(request, "photo", kind="photos", suffix=".jpg")
        sizes = self._photo_sizes(stored.data, stored)
        extra = self._caption(params)
        message = self._bot_message(chat_id, {"photo": sizes, **extra}, params)
        self._record(
            "sendPhoto",
            params,
            message_id=message["message_id"],
            text=params.get("caption"),
            plain=extra.get("caption"),
            file_id=sizes[-1]["file_id"],
        )
        return message

    def _api_sendDocument(self, request: _Request) -> JSON:  # noqa: N802
        """Deliver a document with its file name and MIME type."""
        params = request.params
        chat_id = _require(params, "chat_id")
        stored = self._media_input(request, "document", kind="documents", suffix="")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name or "document",
            "mime_type": stored.mime_type or "application/octet-stream",
            "file_size": len(stored.data),
        }
        extra = self._caption(params)
        message = self._bot_message(chat_id, {"document": document, **extra}, params)
        self._record(
            "sendDocument",
            params,
            message_id=message["message_id"],
            text=params.get("caption"),
            plain=extra.get("caption"),
            file_id=stored.file_id,
            file_name=document["file_name"],
        )
        return message

    def _api_sendLocation(self, request: _Request) -> JSON:  # noqa: N802
        """Deliver a map pin."""
        params = request.params
        chat_id = _require(params, "chat_id")
        location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        message = self._bot_message(chat_id, {"location": location}, params)
        self._record("sendLocation", params, message_id=message["message_id"])
        return message

    def _api_getFile(self, request: _Request) -> JSON:  # noqa: N802
        """Hand out the file_path for a known file_id."""
        file_id = request.params.get("file_id")
        with self._lock:
            stored = self._files.get(str(file_id))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        self._record("getFile", request.params, file_id=file_id)
        return stored.as_file()

    def _api_editMessageText(self, request: _Request) -> JSON | bool:  # noqa: N802
        """Replace a message's text; without reply_markup the inline keyboard goes away."""
        params = request.params
        return self._edit("editMessageText", params, self._text(params, "MESSAGE_TOO_LONG"))

    def _api_editMessageCaption(self, request: _Request) -> JSON | bool:  # noqa: N802
        """Replace a media message's caption."""
        params = request.params
        changes = self._caption(params) or {"caption": None, "caption_entities": []}
        return self._edit("editMessageCaption", params, changes)

    def _api_editMessageReplyMarkup(self, request: _Request) -> JSON | bool:  # noqa: N802
        """Replace (or remove) a message's inline keyboard only."""
        return self._edit("editMessageReplyMarkup", request.params, {})

    def _api_deleteMessage(self, request: _Request) -> bool:  # noqa: N802
        """Delete a message the bot can see."""
        params = request.params
        key = (_require(params, "chat_id"), int(_require(params, "message_id")))
        with self._lock:
            if self._messages.pop(key, None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
        self._record("deleteMessage", params)
        return True

    def _api_answerCallbackQuery(self, request: _Request) -> bool:  # noqa: N802
        """Stop the button's spinner; a second answer or an unknown id is refused."""
        params = request.params
        query_id = str(params.get("callback_query_id"))
        with self._lock:
            query = self._queries.get(query_id)
            if query is None or query["answered"]:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or "
                    "query ID is invalid",
                )
            query["answered"] = True
        self._record(
            "answerCallbackQuery",
            params,
            callback_query_id=query_id,
            chat_id=query["chat_id"],
            message_id=query["message_id"],
            user_id=query["user_id"],
            data=query["data"],
            show_alert=bool(params.get("show_alert")),
        )
        return True

    # ------------------------------------------------------------------ message plumbing

    def _edit(self, method: str, params: JSON, changes: JSON) -> JSON | bool:
        """Apply an edit to a stored bot message, refusing no-op edits like Telegram."""
        if params.get("inline_message_id"):
            self._record(method, params)
            return True
        chat_id = _require(params, "chat_id")
        message_id = int(_require(params, "message_id"))
        markup = params.get("reply_markup")
        with self._lock:
            current = self._messages.get((chat_id, message_id))
            if current is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if not current.get("from", {}).get("is_bot"):
                raise ApiError(400, "Bad Request: message can't be edited")
            updated = _without_empty({**current, **changes, "edit_date": int(time.time())})
            if _is_inline(markup):
                updated["reply_markup"] = markup
            else:
                updated.pop("reply_markup", None)
            unchanged = all(updated.get(k) == current.get(k) for k in (*changes, "reply_markup"))
            if unchanged:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            self._messages[(chat_id, message_id)] = updated
        self._record(
            method,
            params,
            chat_id=chat_id,
            message_id=message_id,
            text=params.get("text", params.get("caption")),
            plain=changes.get("text", changes.get("caption")),
        )
        return copy.deepcopy(updated)

    def _bot_message(self, chat_id: int | str, content: JSON, params: JSON) -> JSON:
        """Store and return a Message the bot sent to ``chat_id``."""
        with self._lock:
            moved_to = self._migrated.get(chat_id)
            if moved_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": moved_to},
                )
            message: JSON = {
                "message_id": self._next_message_id(chat_id),
                "from": dict(self.bot_user),
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                **_without_empty(content),
            }
            markup = params.get("reply_markup")
            if _is_inline(markup):
                message["reply_markup"] = markup
            reply_to = _reply_to_id(params)
            if reply_to is not None:
                original = self._messages.get((chat_id, reply_to))
                if original is not None:
                    message["reply_to_message"] = {
                        k: v for k, v in original.items() if k != "reply_to_message"
                    }
            self._messages[(chat_id, message["message_id"])] = message
            return copy.deepcopy(message)

    def _user_message(
        self, chat_id: int, user_id: int, content: JSON, first_name: str | None = None
    ) -> int:
        """Store a user's message and queue it as a ``message`` update."""
        with self._lock:
            sender = self.user(user_id, first_name)
            if chat_id == user_id:
                self._remember_chat(
                    {"id": user_id, "type": "private", "first_name": sender["first_name"]}
                )
            message = {
                "message_id": self._next_message_id(chat_id),
                "from": sender,
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                **content,
            }
            self._messages[(chat_id, message["message_id"])] = message
            return self.inject({"message": message})

    def _remember_chat(self, chat: JSON) -> None:
        """Keep the Chat object so later messages carry the same title/name."""
        with self._lock:
            self._chats[chat["id"]] = chat

    def _chat(self, chat_id: int | str) -> JSON:
        """Return the Chat object for ``chat_id``, inventing a plausible one if unseen."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                if isinstance(chat_id, str):
                    chat = {"id": -1000000000001, "type": "channel", "username": chat_id[1:]}
                elif chat_id > 0:
                    chat = {"id": chat_id, "type": "private", "first_name": f"用户{chat_id}"}
                elif str(chat_id).startswith("-100"):
                    chat = {"id": chat_id, "type": "supergroup", "title": f"群{chat_id}"}
                else:
                    chat = {"id": chat_id, "type": "group", "title": f"群{chat_id}"}
                self._chats[chat_id] = chat
            return dict(chat)

    def _next_message_id(self, chat_id: int | str) -> int:
        """Message ids increase per chat, shared by the bot and the users."""
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def _media_input(self, request: _Request, name: str, *, kind: str, suffix: str) -> StoredFile:
        """Resolve an uploaded file, an attach:// reference, a file_id or a URL."""
        value = request.params.get(name)
        upload = request.uploads.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = request.uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            filename, content_type, data = upload
            file_suffix = suffix or (
                "." + filename.rsplit(".", 1)[1] if filename and "." in filename else ""
            )
            stored = self.add_file(
                data, kind=kind, suffix=file_suffix, file_name=filename, mime_type=content_type
            )
            request.params[name] = {"uploaded": stored.file_id, "file_name": filename}
            return stored
        if isinstance(value, str) and value:
            with self._lock:
                known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                return self.add_file(b"", kind=kind, suffix=suffix, file_name=value)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _photo_sizes(self, data: bytes, stored: StoredFile | None = None) -> list[JSON]:
        """Two PhotoSize entries (thumbnail and full) that both download to ``data``."""
        full = stored or self.add_file(data, kind="photos", suffix=".jpg", mime_type="image/jpeg")
        thumb = self.add_file(data, kind="photos", suffix=".jpg", mime_type="image/jpeg")
        return [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "width": 90,
                "height": 67,
                "file_size": len(data),
            },
            {
                "file_id": full.file_id,
                "file_unique_id": full.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(data),
            },
        ]

    def _text(self, params: JSON, too_long: str) -> JSON:
        """Render a message text like Telegram: markup becomes plain text plus entities."""
        text = params.get("text")
        if not isinstance(text, str):
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._render(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if self.strict and len(plain) > MAX_TEXT:
            raise ApiError(400, f"Bad Request: {too_long}")
        return {"text": plain, "entities": entities}

    def _caption(self, params: JSON) -> JSON:
        """Render the caption part of a media message (empty when there is none)."""
        caption = params.get("caption")
        if caption is None:
            return {}
        explicit = params.get("caption_entities")
        plain, entities = self._render(str(caption), params.get("parse_mode"), explicit)
        if self.strict and len(plain) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": plain, "caption_entities": entities}

    def _render(self, text: str, parse_mode: str | None, explicit: Any) -> tuple[str, list[JSON]]:
        """Parse markup (refusing bad markup when strict) or keep explicit entities."""
        if not parse_mode:
            return text, list(explicit or [])
        try:
            return render_entities(text, parse_mode)
        except ApiError:
            if self.strict:
                raise
            return text, []


# ---------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    """A threading server that keeps quiet about clients hanging up."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore broken pipes from clients that gave up (cancelled long polls)."""


class _Handler(BaseHTTPRequestHandler):
    """Translate HTTP requests into TelegramDouble calls."""

    double: TelegramDouble
    protocol_version = "HTTP/1.1"
    server_version = "TelegramDouble/1.0"
    timeout = 30
    api_path = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
    file_path = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")

    def setup(self) -> None:
        """Track the connection so stop() can close idle keep-alive sockets."""
        super().setup()
        with self.double._lock:
            self.double._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection once it is closed."""
        with self.double._lock:
            self.double._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        """Serve file downloads, and API calls made with a query string."""
        # PTB percent-encodes the file URL, including the ':' of the token.
        path = unquote(urlsplit(self.path).path)
        match = self.file_path.match(path)
        if match:
            data = self.double.download(match["token"], match["path"])
            if data is None:
                self._reply_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._reply(200, data, "application/octet-stream")
            return
        self._api(self._read_body())

    def do_POST(self) -> None:
        """Serve Bot API calls."""
        self._api(self._read_body())

    def _api(self, body: bytes) -> None:
        """Parse, dispatch and answer one Bot API call."""
        split = urlsplit(self.path)
        match = self.api_path.match(unquote(split.path))
        if match is None:
            self._reply_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            request = parse_request(self.headers.get("Content-Type", ""), body, split.query)
        except ValueError as err:
            self._reply_json(400, {"ok": False, "error_code": 400, "description": str(err)})
            return
        status, payload, fault = self.double.handle(match["token"], match["method"], request)
        if fault is not None and (fault.drop or fault.lose_response):
            self._drop()
            return
        self._reply_json(status, payload)

    def _read_body(self) -> bytes:
        """Read a Content-Length or chunked request body."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply_json(self, status: int, payload: JSON) -> None:
        """Send a JSON answer."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._reply(status, body, "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        """Send an answer with an explicit length so keep-alive works."""
        try:
            self.send_response(status, _phrase(status))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Hang up without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _phrase(status: int) -> str:
    """The reason phrase for a status code, empty for unknown codes."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def parse_request(content_type: str, body: bytes, query: str = "") -> _Request:
    """Decode form-encoded, JSON or multipart parameters into typed values."""
    raw: JSON = dict(parse_qsl(query, keep_blank_values=True))
    uploads: dict[str, tuple[str | None, str | None, bytes]] = {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body or b"{}")
        except json.JSONDecodeError as err:
            raise ValueError("Bad Request: can't parse JSON body") from err
        if not isinstance(decoded, dict):
            raise ValueError("Bad Request: JSON body must be an object")
        raw.update(decoded)
        return _Request(params=raw)
    if media_type == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                uploads[name] = (filename, part.get_content_type(), data)
            else:
                raw[name] = data.decode("utf-8", "replace")
    elif body:
        raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return _Request(params={k: _coerce(k, v) for k, v in raw.items()}, uploads=uploads)


def _coerce(key: str, value: Any) -> Any:
    """Turn PTB's form strings (JSON-dumped non-strings) back into Python values."""
    if not isinstance(value, str):
        return value
    if key in INT_FIELDS or (key.endswith("_id") and key not in ("file_id", "callback_query_id")):
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if key in BOOL_FIELDS:
        return value.lower() == "true"
    if key in FLOAT_FIELDS:
        with contextlib.suppress(ValueError):
            return float(value)
        return value
    if key in JSON_FIELDS:
        with contextlib.suppress(json.JSONDecodeError):
            return json.loads(value)
    return value


def _require(params: JSON, name: str) -> Any:
    """Return a mandatory parameter or answer 400 like Telegram."""
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {name} is empty")
    return value


def _is_inline(markup: Any) -> bool:
    """Only inline keyboards are echoed back in Message.reply_markup."""
    return isinstance(markup, dict) and "inline_keyboard" in markup


def _callback_datas(markup: Any) -> set[str]:
    """All callback_data values on an inline keyboard."""
    if not _is_inline(markup):
        return set()
    return {
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    }


def _without_empty(message: JSON) -> JSON:
    """Drop empty entity lists and absent captions, as Telegram omits them."""
    return {
        k: v
        for k, v in message.items()
        if not (k in ("entities", "caption_entities") and not v)
        and not (k == "caption" and v is None)
    }


def _reply_to_id(params: JSON) -> int | None:
    """Extract the replied-to message id from reply_parameters or the legacy field."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and "message_id" in reply:
        return int(reply["message_id"])
    legacy = params.get("reply_to_message_id")
    return int(legacy) if legacy is not None else None


# ---------------------------------------------------------------------- formatting (parse_mode)

HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
HTML_ATTR = re.compile(r"([a-zA-Z][\w-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
HTML_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
MDV2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def _units(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class _Plain:
    """Accumulates rendered text and the entities found in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        """Append visible text."""
        self.parts.append(text)
        self.size += _units(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        """Record an entity from ``start`` to the current end (empty ones are dropped)."""
        if self.size > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.size - start, **extra}
            )

    def result(self) -> tuple[str, list[JSON]]:
        """The plain text and its entities, ordered like Telegram orders them."""
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ordered


def render_entities(text: str, parse_mode: str) -> tuple[str, list[JSON]]:
    """Parse ``text`` in ``parse_mode`` into (plain text, entities) or raise the 400 Telegram
    answers for markup it cannot parse (a close approximation of Telegram's parsers)."""
    mode = parse_mode.lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return _render_markdown(text)
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")


def check_entities(text: str, parse_mode: str | None) -> None:
    """Raise ApiError if Telegram would refuse ``text`` in ``parse_mode``."""
    if parse_mode:
        render_entities(text, parse_mode)


def _entity_error(detail: str) -> ApiError:
    """Build the 400 Telegram answers for unparsable entities."""
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports parse errors at UTF-8 byte offsets."""
    return len(text[:index].encode())


def _render_html(text: str) -> tuple[str, list[JSON]]:
    """Supported, balanced tags; every '<' starts a tag; only the four named entities."""
    out = _Plain()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = HTML_TAG.match(text, i)
            name = match[2].lower() if match else ""
            if match is None or name not in HTML_TYPES:
                raise _entity_error(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            if match[1]:
                if not stack or stack[-1][0] != name:
                    expected = stack[-1][0] if stack else ""
                    raise _entity_error(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'expected "</{expected}>", found "</{name}>"'
                    )
                _close_html(out, stack)
            else:
                attrs = {
                    m[1].lower(): m[2] or m[3] or m[4] or "" for m in HTML_ATTR.finditer(match[3])
                }
                stack.append((name, out.size, attrs))
            i = match.end()
            continue
        if char == "&" and (entity := HTML_ENTITY.match(text, i)):
            ref = entity[1]
            if ref.startswith("#x"):
                out.add(chr(int(ref[2:], 16)))
            elif ref.startswith("#"):
                out.add(chr(int(ref[1:])))
            elif ref in HTML_NAMED:
                out.add(HTML_NAMED[ref])
            else:
                raise _entity_error(
                    f'Unsupported HTML entity "&{ref};" at byte offset {_byte_offset(text, i)}'
                )
            i = entity.end()
            continue
        out.add(char)
        i += 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(out: _Plain, stack: list[tuple[str, int, dict[str, str]]]) -> None:
    """Turn the innermost open tag into an entity."""
    name, start, attrs = stack.pop()
    kind = HTML_TYPES[name]
    if name == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "").removeprefix("language-")
        if language:
            stack[-1][2]["language"] = language
        return
    if kind == "text_link":
        out.entity(kind, start, url=attrs.get("href", ""))
    elif kind == "custom_emoji":
        out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
    elif kind == "pre" and attrs.get("language"):
        out.entity(kind, start, language=attrs["language"])
    elif kind == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
    else:
        out.entity(kind, start)


def _render_markdown_v2(text: str) -> tuple[str, list[JSON]]:  # noqa: PLR0912, PLR0915
    """Reserved characters escaped, markers balanced, links well formed (one-pass scanner)."""
    out = _Plain()
    stack: list[tuple[str, int, str]] = []
    quote_start: int | None = None
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        top = stack[-1][0] if stack else None
        if char == "\\" and i + 1 < n:
            out.add(text[i + 1])
            i += 2
            continue
        if top in ("`", "```"):
            if text.startswith(top, i):
                _, start, language = stack.pop()
                if top == "`":
                    out.entity("code", start)
                else:
                    out.entity("pre", start, **({"language": language} if language else {}))
                i += len(top)
            else:
                out.add(char)
                i += 1
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            i += len(fence)
            language = ""
            if fence == "```" and (newline := text.find("\n", i)) >= 0:
                head = text[i:newline]
                if head and " " not in head and "`" not in head:
                    language, i = head, newline + 1
            stack.append((fence, out.size, language))
            continue
        marker: str | None = next((m for m in ("__", "||") if text.startswith(m, i)), None)
        if marker is None and char in "*_~":
            marker = char
        if marker is not None:
            if top == marker:
                out.entity(MDV2_MARKERS[marker], stack.pop()[1])
            elif any(m == marker for m, *_ in stack):
                raise _entity_error(
                    f"Can't find end of {MDV2_MARKERS[marker].capitalize()} entity at byte "
                    f"offset {_byte_offset(text, i)}"
                )
            else:
                stack.append((marker, out.size, ""))
            i += len(marker)
            continue
        if char == "[" or (char == "!" and text.startswith("[", i + 1)):
            stack.append(("[" if char == "[" else "![", out.size, ""))
            i += 1 if char == "[" else 2
            continue
        if char == "]" and top in ("[", "!["):
            if not text.startswith("(", i + 1):
                raise _entity_error(
                    f"Can't find end of the URL at byte offset {_byte_offset(text, i)}"
                )
            end, url = i + 2, []
            while end < n and text[end] != ")":
                if text[end] == "\\" and end + 1 < n:
                    end += 1
                url.append(text[end])
                end += 1
            if end >= n:
                raise _entity_error(f"Can't find end of a URL at byte offset {i}")
            target = "".join(url)
            start = stack.pop()[1]
            if top == "![" or target.startswith("tg://emoji?id="):
                out.entity("custom_emoji", start, custom_emoji_id=target.split("=", 1)[-1])
            else:
                out.entity("text_link", start, url=target)
            i = end + 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.size
            i += 1
            continue
        if char in MDV2_RESERVED:
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        if char == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        out.add(char)
        i += 1
    if stack:
        raise _entity_error(f"Can't find end of {stack[-1][0]} entity")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def _render_markdown(text: str) -> tuple[str, list[JSON]]:
    """Legacy Markdown: '*', '_', '`', '```' and '[text](url)' entities must be closed."""
    out = _Plain()
    kinds = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char in "*_`":
            marker = "```" if text.startswith("```", i) else char
            end = text.find(marker, i + len(marker))
            if end < 0:
                raise _entity_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = out.size
            out.add(text[i + len(marker) : end])
            out.entity(kinds[marker], start)
            i = end + len(marker)
            continue
        if char == "[":
            close = text.find("]", i)
            if close < 0:
                raise _entity_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = out.size
            out.add(text[i + 1 : close])
            if text.startswith("(", close + 1):
                end = text.find(")", close)
                if end < 0:
                    raise _entity_error("Can't find end of a URL")
                out.entity("text_link", start, url=text[close + 2 : end])
                i = end + 1
            else:
                i = close + 1
            continue
        out.add(char)
        i += 1
    return out.result()


# ---------------------------------------------------------------------- PTB helpers


@contextlib.asynccontextmanager
async def polling(
    application: Application[Any, Any, Any, Any, Any, Any], *, timeout: int = 1
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run a PTB Application with polling for the block, then shut it down cleanly."""
    updater = application.updater
    if updater is None:
        raise RuntimeError("the application was built without an Updater")
    async with application:  # initialize() ... shutdown()
        await application.start()
        await updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()


@contextlib.contextmanager
def telegram_double(**kwargs: Any) -> Iterator[TelegramDouble]:
    """Run a TelegramDouble for the block (handy inside pytest fixtures)."""
    double = TelegramDouble(**kwargs)
    with double:
        yield double
