"""Personal data kept only as long as data/retention.yml says, then anonymised or deleted.

Anonymising keeps what reports count (status, dates, department, category, type, priority,
place_key, ratings' scores) and drops what identifies or quotes a citizen (phone, address
detail, coordinates, description, extra fields, comments, message texts, files).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.domain.tickets import Status
from hotline.domain.yamlconf import load_validated
from hotline.storage.audit import audit
from hotline.storage.db import transaction
from hotline.storage.models import Attachment, OutboxMessage, Rating, Ticket, TicketEvent
from hotline.storage.reporters import anonymise_reporters

log = logging.getLogger(__name__)

ANONYMISED = "（已按个人信息保护要求匿名化）"
PURGED_TEXT = "（已按保存期限删除）"
FINAL_STATUSES = (Status.CLOSED.value, Status.WITHDRAWN.value, Status.MERGED.value)
# Events whose note quotes the citizen (their words, a transcript); staff notes stay.
CITIZEN_NOTES = (
    "open",
    "flag_for_human",
    "add_information",
    "amend",
    "chase",
    "rate",
    "reopen",
    "withdraw",
)


class RetentionPolicy(BaseModel):
    """Days each kind of personal data is kept (data/retention.yml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conversation_events: int = Field(ge=1, le=3650)
    transcripts: int = Field(ge=1, le=3650)
    attachments: int = Field(ge=1, le=3650)
    closed_ticket_personal: int = Field(ge=1, le=3650)
    report_files: int = Field(ge=1, le=3650)


def load_retention(path: Path) -> RetentionPolicy:
    """Read and validate data/retention.yml; errors name file and line."""
    return load_validated(path, RetentionPolicy)


@dataclass
class PurgeResult:
    """How many of each kind were (or, on a dry run, would be) purged."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)


def anonymise_ticket(session: Session, ticket: Ticket, now: datetime) -> list[Path]:
    """Strip a ticket's personal fields in place; returns attachment files to delete."""
    ticket.contact_phone = None
    ticket.address = None
    ticket.latitude = ticket.longitude = None
    ticket.description = ANONYMISED
    ticket.details = {}
    ticket.anonymised_at = now
    session.execute(
        update(TicketEvent)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.action.in_(CITIZEN_NOTES) | TicketEvent.actor.startswith("citizen:"),
        )
        .values(note=None)
    )
    session.execute(  # an amendment's data holds the old and new place or detail
        update(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "amend")
        .values(data={})
    )
    session.execute(update(Rating).where(Rating.ticket_id == ticket.id).values(comment=None))
    anonymise_reporters(session, ANONYMISED, ticket_id=ticket.id)  # callers linked to it
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.status != "pending")
        .values(text=ANONYMISED)
    )
    files: list[Path] = []
    for row in session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)):
        if row.local_path:
            files.append(Path(row.local_path))
        row.local_path = row.file_ref = row.file_name = None
        row.latitude = row.longitude = None
    return files


def delete_files(paths: list[Path]) -> int:
    """Remove files that exist; returns how many went."""
    gone = 0
    for path in paths:
        try:
            path.unlink()
            gone += 1
        except FileNotFoundError:
            continue
    return gone


def tracker_events(
    db: Path, *, before: datetime | None = None, sender: str | None = None, delete: bool = False
) -> int:
    """Count (or delete) Rasa tracker events older than `before` and/or of one sender."""
    if not db.is_file():
        return 0
    conn = sqlite3.connect(db)
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'"
        ).fetchone()
        if not exists:
            return 0
        where: list[str] = []
        params: list[Any] = []
        if before is not None:
            where.append("timestamp < ?")
            params.append(before.timestamp())
        if sender is not None:
            where.append("sender_id = ?")
            params.append(sender)
        clause = " AND ".join(where) or "1=1"
        if delete:
            with conn:
                return conn.execute(f"DELETE FROM events WHERE {clause}", params).rowcount
        row = conn.execute(f"SELECT count(*) FROM events WHERE {clause}", params).fetchone()
        return int(row[0])
    finally:
        conn.close()


def old_files(folder: Path, before: datetime) -> list[Path]:
    """Files under `folder` last written before an instant."""
    if not folder.is_dir():
        return []
    cutoff = before.timestamp()
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]


class RetentionPurge:
    """Applies the policy at the clock's now; the scheduler and the CLI run it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        policy: RetentionPolicy,
        var_dir: Path,
        *,
        tracker_db: Path | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.policy = policy
        self.var_dir = var_dir
        self.tracker_db = tracker_db or var_dir / "rasa-tracker.db"

    def _cutoff(self, days: int) -> datetime:
        return self.clock.now() - timedelta(days=days)

    def run(self, *, dry_run: bool = False) -> PurgeResult:
        """Purge every kind past its limit (or only count, on a dry run); audited."""
        now = self.clock.now()
        result = PurgeResult(dry_run=dry_run)
        p = self.policy
        result.counts["conversation_events"] = tracker_events(
            self.tracker_db, before=self._cutoff(p.conversation_events), delete=not dry_run
        )
        to_delete: list[Path] = []
        with transaction(self.sessions) as session:
            result.counts["transcripts"] = self._transcripts(session, dry_run)
            result.counts["attachments"], files = self._attachments(session, dry_run)
            to_delete += files
            tickets = session.scalars(
                select(Ticket)
                .where(
                    Ticket.status.in_(FINAL_STATUSES),
                    Ticket.closed_at < self._cutoff(p.closed_ticket_personal),
                    Ticket.anonymised_at.is_(None),
                )
                .with_for_update()
            ).all()
            result.counts["closed_ticket_personal"] = len(tickets)
            if not dry_run:
                for ticket in tickets:
                    to_delete += anonymise_ticket(session, ticket, now)
            reports = old_files(self.var_dir / "reports", self._cutoff(p.report_files))
            result.counts["report_files"] = len(reports)
            if not dry_run:
                to_delete += reports
                audit(
                    session,
                    at=now,
                    actor="system:retention",
                    action="retention_purge",
                    data=dict(result.counts),
                )
        if not dry_run:
            delete_files(to_delete)
            log.info("retention purge: %s", result.counts)
        return result

    def _transcripts(self, session: Session, dry_run: bool) -> int:
        cutoff = self._cutoff(self.policy.transcripts)
        events = session.scalars(
            select(TicketEvent).where(
                TicketEvent.action == "flag_for_human",
                TicketEvent.at < cutoff,
                TicketEvent.note.is_not(None),
            )
        ).all()
        if not dry_run:
            for event in events:
                event.note = None
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.kind == "human_requested",
                    OutboxMessage.created_at < cutoff,
                    OutboxMessage.status != "pending",
                    OutboxMessage.text != PURGED_TEXT,
                )
                .values(text=PURGED_TEXT)
            )
        return len(events)

    def _attachments(self, session: Session, dry_run: bool) -> tuple[int, list[Path]]:
        cutoff = self._cutoff(self.policy.attachments)
        rows = session.scalars(
            select(Attachment).where(
                Attachment.created_at < cutoff,
                (Attachment.local_path.is_not(None)) | (Attachment.file_ref.is_not(None)),
            )
        ).all()
        files = [Path(r.local_path) for r in rows if r.local_path]
        files += [f for f in old_files(self.var_dir / "attachments", cutoff) if f not in files]
        if not dry_run:
            for row in rows:
                row.local_path = row.file_ref = row.file_name = None
        return len(rows), ([] if dry_run else files)
