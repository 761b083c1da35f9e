"""What the action reads from Rasa's tracker beyond the latest message."""

from __future__ import annotations

from rasa_sdk import Tracker


def transcript(tracker: Tracker, limit: int = 20) -> str:
    """The last turns as "市民：…/助手：…" lines, for a dispatcher taking over."""
    lines: list[str] = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append("市民：" + str(event["text"])[:500])
        elif event.get("event") == "bot" and event.get("text"):
            lines.append("助手：" + str(event["text"])[:500])
    return "\n".join(lines[-limit:])
