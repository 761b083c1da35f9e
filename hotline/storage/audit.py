"""The audit log for acts that concern no single ticket (staff access, citizen data, purges)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.storage.models import AuditRecord


def audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add an audit record to the caller's transaction (never message text or phone numbers)."""
    session.add(
        AuditRecord(at=at, actor=actor[:120], action=action, subject=subject, data=data or {})
    )


def count_since(session: Session, *, action: str, actor: str, since: datetime) -> int:
    """How often `actor` did `action` since an instant (throttling reads this)."""
    query = select(func.count(AuditRecord.id)).where(
        AuditRecord.action == action, AuditRecord.actor == actor, AuditRecord.at >= since
    )
    return session.scalar(query) or 0
