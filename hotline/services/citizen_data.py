"""One citizen's data on request (个人信息保护法 access and erasure), each request audited.

A citizen is named as CHANNEL:USER_ID, the same key the conversation and tickets use.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.domain.tickets import DomainError
from hotline.files import private_file
from hotline.services.retention import (
    ANONYMISED,
    anonymise_ticket,
    delete_files,
    tracker_events,
)
from hotline.storage.audit import audit
from hotline.storage.db import transaction
from hotline.storage.models import Attachment, Citizen, Rating, Ticket, TicketReporter
from hotline.storage.reporters import anonymise_reporters


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _find(session: Session, key: str, *, lock: bool = False) -> Citizen:
    channel, sep, user = key.partition(":")
    if not sep or not channel or not user:
        raise DomainError("市民应写作 渠道:用户号，例如 telegram:1001。", code="bad_citizen")
    query = select(Citizen).where(Citizen.channel == channel, Citizen.channel_user_id == user)
    citizen = session.scalar(query.with_for_update() if lock else query)
    if citizen is None:
        raise DomainError(f"没有找到市民 {key[:60]}。", code="not_found")
    return citizen


def _tracker(db: Path, sender: str) -> list[dict[str, Any]]:
    import sqlite3

    if not db.is_file():
        return []
    conn = sqlite3.connect(db)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'"
        ).fetchone():
            return []
        rows = conn.execute(
            "SELECT timestamp, type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    finally:
        conn.close()
    out = []
    for timestamp, kind, data in rows:
        try:
            text = json.loads(data).get("text") if data else None
        except ValueError:
            text = None
        if kind in ("user", "bot") and text:
            out.append({"timestamp": timestamp, "type": kind, "text": text})
    return out


class CitizenData:
    """Export everything kept about one citizen, or erase it (tickets anonymised, not lost)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, var_dir: Path, tracker_db: Path
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.var_dir = var_dir
        self.tracker_db = tracker_db

    def export(self, key: str, out: Path, *, by: str = "cli") -> dict[str, int]:
        """Write the citizen's data as JSON (0600) and audit the export; returns counts."""
        with transaction(self.sessions) as session:
            citizen = _find(session, key)
            tickets = session.scalars(
                select(Ticket).where(Ticket.citizen_id == citizen.id).order_by(Ticket.id)
            ).all()
            ids = [t.id for t in tickets]
            ratings = session.scalars(select(Rating).where(Rating.ticket_id.in_(ids))).all()
            files = session.scalars(
                select(Attachment).where(
                    (Attachment.citizen_id == citizen.id) | Attachment.ticket_id.in_(ids)
                )
            ).all()
            record: dict[str, Any] = {
                "citizen": {
                    "key": key,
                    "phone": citizen.phone,
                    "display_name": citizen.display_name,
                    "first_contact": _iso(citizen.created_at),
                },
                "tickets": [
                    {
                        "number": t.number,
                        "status": t.status,
                        "created_at": _iso(t.created_at),
                        "closed_at": _iso(t.closed_at),
                        "type": t.request_type,
                        "category": t.category_code,
                        "department": t.department_code,
                        "description": t.description,
                        "address": t.address,
                        "contact_phone": t.contact_phone,
                        "details": t.details,
                        "answer": t.answer,
                        "history": [
                            {"at": _iso(e.at), "action": e.action, "note": e.note} for e in t.events
                        ],
                        "ratings": [
                            {"round": r.round, "score": r.score, "comment": r.comment}
                            for r in ratings
                            if r.ticket_id == t.id
                        ],
                    }
                    for t in tickets
                ],
                "attachments": [
                    {"kind": a.kind, "file_name": a.file_name, "created_at": _iso(a.created_at)}
                    for a in files
                ],
                "linked_reports": [  # reports linked to another citizen's ticket (重复件)
                    {
                        "number": number,
                        "linked_at": _iso(r.linked_at),
                        "description": r.description,
                        "address": r.address,
                        "contact_phone": r.contact_phone,
                        "rating": r.rating,
                    }
                    for r, number in session.execute(
                        select(TicketReporter, Ticket.number)
                        .join(Ticket, Ticket.id == TicketReporter.ticket_id)
                        .where(TicketReporter.citizen_id == citizen.id)
                        .order_by(TicketReporter.id)
                    )
                ],
                "conversation": _tracker(self.tracker_db, key),
            }
            counts = {
                "tickets": len(tickets),
                "attachments": len(files),
                "conversation": len(record["conversation"]),
            }
            audit(
                session,
                at=self.clock.now(),
                actor=by,
                action="citizen_export",
                subject=f"citizen#{citizen.id}",
                data=counts,
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        private_file(out)
        return counts

    def erase(self, key: str, *, by: str = "cli") -> dict[str, int]:
        """Anonymise every ticket, forget the person and their conversation; audited."""
        now = self.clock.now()
        files = []
        with transaction(self.sessions) as session:
            citizen = _find(session, key, lock=True)
            tickets = session.scalars(
                select(Ticket).where(Ticket.citizen_id == citizen.id).with_for_update()
            ).all()
            for ticket in tickets:
                files += anonymise_ticket(session, ticket, now)
            for row in session.scalars(
                select(Attachment).where(Attachment.citizen_id == citizen.id)
            ):
                if row.local_path:
                    files.append(Path(row.local_path))
                row.local_path = row.file_ref = row.file_name = None
                row.latitude = row.longitude = None
            anonymise_reporters(session, ANONYMISED, citizen_id=citizen.id)  # linked reports
            citizen.phone = citizen.display_name = None
            citizen.channel_user_id = f"erased-{citizen.id}"
            events = tracker_events(self.tracker_db, sender=key, delete=True)
            counts = {"tickets": len(tickets), "files": len(files), "conversation": events}
            audit(
                session,
                at=now,
                actor=by,
                action="citizen_erase",
                subject=f"citizen#{citizen.id}",
                data=counts,
            )
        delete_files(files)
        return counts
