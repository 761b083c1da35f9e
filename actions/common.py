"""Small helpers every action shares: who is talking, what they just said, what to reset."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from hotline.tickets import Actor

DRAFT_SLOTS = (
    "category",
    "department",
    "description",
    "request_type",
    "urgent",
    "confidence",
    "choices",
    "extra_problems",
    "address",
    "latitude",
    "longitude",
    "phone",
    "detail",
    "draft_key",
)
BUSY = "系统繁忙，请稍后再试。您刚才的内容已记下，稍后再发一次即可。"
_TICKET_NUMBER = re.compile(r"(?<!\d)(\d{8}-\d{4,6})(?!\d)")


def citizen(tracker: Tracker) -> tuple[str, str]:
    """(channel, user id) from Rasa's sender id: "telegram:42" → ("telegram", "42")."""
    sender = str(tracker.sender_id or "anonymous")
    channel, sep, user = sender.partition(":")
    if not sep or not channel or not user:
        return "rest", sender[:80]
    return channel[:20], user[:80]


def citizen_actor(tracker: Tracker) -> Actor:
    channel, user = citizen(tracker)
    return Actor(role="citizen", id=f"{channel}:{user}")


def latest_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    return str(text)


def latest_intent(tracker: Tracker) -> str:
    intent = tracker.latest_message.get("intent") or {}
    return str(intent.get("name") or "")


def entity(tracker: Tracker, name: str) -> str | None:
    """The first value of an entity in the latest message, as text."""
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") == name and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def ticket_number(tracker: Tracker) -> str | None:
    """A ticket number the citizen mentioned (entity first, then the text itself)."""
    found = entity(tracker, "ticket_number")
    if found:
        return found
    match = _TICKET_NUMBER.search(latest_text(tracker))
    return match.group(1) if match else None


def turn_key(tracker: Tracker, index: int = 0) -> str:
    """An idempotency key for "this user message": a replayed turn opens no second ticket."""
    message_id = ""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            message_id = str(event.get("message_id") or event.get("timestamp") or "")
            break
    raw = f"{tracker.sender_id}|{message_id}|{index}"
    return "rasa:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:48]


def ticket_key(tracker: Tracker, index: int) -> str:
    """The key of the `index`-th ticket of the draft: fixed when the draft began, so a
    confirmation sent again after a failure (the action server died after the commit) opens
    the same ticket instead of a second one."""
    draft = tracker.get_slot("draft_key")
    return f"{str(draft)[:100]}:{index}" if draft else turn_key(tracker, index)


def transcript(tracker: Tracker, limit: int = 20) -> str:
    """The last turns as "市民：…/助手：…" lines, for a dispatcher taking over."""
    lines: list[str] = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append("市民：" + str(event["text"])[:500])
        elif event.get("event") == "bot" and event.get("text"):
            lines.append("助手：" + str(event["text"])[:500])
    return "\n".join(lines[-limit:])


def reset_draft(stage: str = "idle") -> list[dict[str, Any]]:
    """Forget the report being drafted."""
    events: list[dict[str, Any]] = [SlotSet(name, None) for name in DRAFT_SLOTS]
    events.append(SlotSet("requested_slot", None))
    events.append(SlotSet("stage", stage))
    return events
