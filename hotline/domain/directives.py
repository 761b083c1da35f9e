"""A supervisor's 督办 deadline as people write it: a local date-time or a span from now."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.domain.tickets import DomainError


def parse_deadline(value: str, now: datetime, tz: ZoneInfo) -> datetime:
    """ "2026-11-25T17:00" (local time), "2d" or "12h" from now; anything else is refused
    with a Chinese sentence saying what is expected."""
    text = value.strip()
    if text[:-1].isdigit() and text[-1:] in ("d", "h", "天", "时"):
        n = int(text[:-1])
        return now + (timedelta(days=n) if text[-1] in ("d", "天") else timedelta(hours=n))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(
            f"督办时限应为 YYYY-MM-DDTHH:MM 或 2d / 12h，而不是“{text[:40]}”。", code="bad_due"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
