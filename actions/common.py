"""What the action reads from Rasa's tracker beyond the latest message."""

from __future__ import annotations

from rasa_sdk import Tracker

from hotline.domain.texts import fit_transcript


def transcript(tracker: Tracker, limit: int = 40) -> str:
    """The last turns as "市民：…/助手：…" lines, for a dispatcher taking over; the latest
    turns are kept within the ticket's text limit."""
    lines: list[str] = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append("市民：" + str(event["text"])[:500])
        elif event.get("event") == "bot" and event.get("text"):
            lines.append("助手：" + str(event["text"])[:500])
    return fit_transcript("\n".join(lines[-limit:])) or ""
