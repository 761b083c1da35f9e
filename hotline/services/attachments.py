"""Photos, files and locations citizens send: which ticket they belong to, and who may look.

Which ticket an attachment belongs to:

- the citizen's most recent *open* ticket created within the last `window` (30 minutes by
  default): the report they are making right now, or just made;
- otherwise it waits on the citizen (``ticket_id`` empty) and belongs to the first ticket the
  same citizen opens within `pending_for` (24 hours) after sending it. That rule depends only
  on timestamps, so `adopt_pending` can write the link at any later moment with the same
  result; it runs whenever a ticket's attachments are read (the staff card, 查看附件) and
  before a new attachment is placed, so whoever opens the ticket needs no hook. A waiting
  attachment no ticket claims within `pending_for` stays unattached.

Attaching to a ticket is audited (an ``attach`` event); an attachment that reaches a ticket
already with its department also tells the department through the outbox. Looking at the
files (staff, dispatchers, supervisors) is audited too (``view_attachments``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.domain.tickets import (
    CENTRE_ROLES,
    OPEN_STATUSES,
    SYSTEM,
    Actor,
    DomainError,
    NotAllowed,
    Status,
    TicketNotFound,
    not_found,
)
from hotline.services import messages
from hotline.storage.db import transaction
from hotline.storage.journal import record_event
from hotline.storage.models import Attachment, Citizen, Ticket
from hotline.storage.outbox import OutboxEntry, enqueue
from hotline.storage.rows import upsert_insert

Kind = Literal["photo", "document", "location"]
KIND_LABELS: dict[str, str] = {"photo": "照片", "document": "文件", "location": "位置"}
KIND_UNITS: dict[str, str] = {"photo": "张", "document": "个", "location": "处"}
MAX_PER_TICKET = 20
DEFAULT_WINDOW = timedelta(minutes=30)
DEFAULT_PENDING_FOR = timedelta(hours=24)
WITH_DEPARTMENT = frozenset({Status.DISPATCHED.value, Status.ACCEPTED.value})
_NUMBER = re.compile(r"^\d{8}-\d{4,}$")


@dataclass(frozen=True)
class AttachmentView:
    """A detached attachment for adapters."""

    id: int
    number: str | None
    kind: str
    file_ref: str | None
    file_name: str | None
    latitude: float | None
    longitude: float | None
    local_path: str | None
    created_at: datetime

    @property
    def label(self) -> str:
        """What it is, in the words staff read."""
        if self.kind == "location" and self.latitude is not None and self.longitude is not None:
            return f"位置 {self.latitude:.5f},{self.longitude:.5f}"
        if self.kind == "document" and self.file_name:
            return f"文件《{self.file_name}》"
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Received:
    """Where a new attachment went: a ticket number, or None while it waits."""

    attachment_id: int
    kind: str
    number: str | None


def describe(views: list[AttachmentView]) -> str:
    """One line for a staff card: counts of photos and files, locations spelled out."""
    if not views:
        return ""
    parts: list[str] = []
    for kind in ("photo", "document"):
        count = sum(1 for v in views if v.kind == kind)
        if count:
            parts.append(f"{KIND_LABELS[kind]} {count} {KIND_UNITS[kind]}")
    parts.extend(v.label for v in views if v.kind == "location")
    return f"附件（{len(views)}）：" + "、".join(parts)


def _view(attachment: Attachment, number: str | None) -> AttachmentView:
    return AttachmentView(
        id=attachment.id,
        number=number,
        kind=attachment.kind,
        file_ref=attachment.file_ref,
        file_name=attachment.file_name,
        latitude=attachment.latitude,
        longitude=attachment.longitude,
        local_path=attachment.local_path,
        created_at=attachment.created_at,
    )


class AttachmentService:
    """Places citizens' attachments on tickets and hands them to staff who may see them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        tz: ZoneInfo,
        *,
        window: timedelta = DEFAULT_WINDOW,
        pending_for: timedelta = DEFAULT_PENDING_FOR,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tz = tz
        self.window = window
        self.pending_for = pending_for

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    # ----------------------------------------------------------------- helpers

    def _citizen_id(self, session: Session, channel: str, user_id: str) -> int:
        """The citizen's id, created on first contact (a photo may come before any ticket)."""
        session.execute(
            upsert_insert(session.get_bind().dialect.name, Citizen)
            .values(channel=channel, channel_user_id=user_id, created_at=self.clock.now())
            .on_conflict_do_nothing(index_elements=["channel", "channel_user_id"])
        )
        found = session.scalar(
            select(Citizen.id).where(Citizen.channel == channel, Citizen.channel_user_id == user_id)
        )
        assert found is not None
        return int(found)

    def _load(self, session: Session, number: str) -> Ticket:
        number = (number or "").strip()
        if not _NUMBER.match(number):
            raise TicketNotFound(
                f"工单编号“{number[:30]}”格式不对，应类似 20261123-0042。", code="bad_number"
            )
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise not_found(number)
        return ticket

    def _attach(self, session: Session, ticket: Ticket, attachment: Attachment) -> None:
        """Link an attachment to a ticket and audit it (its sender is the ticket's citizen)."""
        attachment.ticket_id = ticket.id
        record_event(
            session,
            ticket,
            at=self.clock.now(),
            actor=SYSTEM.audit_name,
            action="attach",
            from_status=ticket.status,
            to_status=ticket.status,
            note=KIND_LABELS.get(attachment.kind, attachment.kind),
            data={"attachment_id": attachment.id, "kind": attachment.kind},
        )

    def adopt_pending(self, session: Session, citizen_id: int) -> int:
        """Give each waiting attachment to the first ticket its citizen opened after it."""
        pending = session.scalars(
            select(Attachment)
            .where(Attachment.citizen_id == citizen_id, Attachment.ticket_id.is_(None))
            .order_by(Attachment.created_at, Attachment.id)
        ).all()
        if not pending:
            return 0
        tickets = session.scalars(
            select(Ticket)
            .where(Ticket.citizen_id == citizen_id, Ticket.created_at >= pending[0].created_at)
            .order_by(Ticket.created_at, Ticket.id)
        ).all()
        adopted = 0
        for attachment in pending:
            target = next(
                (
                    t
                    for t in tickets
                    if attachment.created_at
                    <= t.created_at
                    <= attachment.created_at + self.pending_for
                ),
                None,
            )
            if target is not None:
                self._attach(session, target, attachment)
                adopted += 1
        session.flush()
        return adopted

    def _current_ticket(self, session: Session, citizen_id: int) -> Ticket | None:
        """The citizen's most recent open ticket created within the window, if any."""
        return session.scalar(
            select(Ticket)
            .where(
                Ticket.citizen_id == citizen_id,
                Ticket.status.in_(OPEN_STATUSES),
                Ticket.created_at >= self.clock.now() - self.window,
            )
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(1)
        )

    @staticmethod
    def _authorize_view(actor: Actor, ticket: Ticket) -> None:
        """Staff of the ticket's department, the centre's roles, and the ticket's own citizen."""
        if actor.role in CENTRE_ROLES or actor.role == "system":
            return
        if actor.role == "staff":
            if actor.department is not None and actor.department == ticket.department_code:
                return
            raise NotAllowed("该工单不属于您所在的部门，无法查看附件。", code="wrong_department")
        citizen_key = f"{ticket.citizen.channel}:{ticket.citizen.channel_user_id}"
        if actor.role == "citizen" and actor.id == citizen_key:
            return
        raise not_found(ticket.number)

    def _of_ticket(self, session: Session, ticket: Ticket) -> list[AttachmentView]:
        self.adopt_pending(session, ticket.citizen_id)
        rows = session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
        ).all()
        return [_view(a, ticket.number) for a in rows]

    # -------------------------------------------------------------- use cases

    def receive(
        self,
        channel: str,
        user_id: str,
        *,
        kind: Kind,
        file_ref: str | None = None,
        file_name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> Received:
        """Store what a citizen sent and place it on their current ticket, or keep it waiting."""
        if kind == "location":
            if latitude is None or longitude is None:
                raise DomainError("位置信息不完整，请重新发送。", code="bad_location")
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise DomainError("位置坐标无效，请重新发送。", code="bad_location")
        elif not file_ref:
            raise DomainError("文件无效，请重新发送。", code="bad_file")
        with self._unit() as session:
            citizen_id = self._citizen_id(session, channel, user_id)
            self.adopt_pending(session, citizen_id)
            ticket = self._current_ticket(session, citizen_id)
            held = select(func.count(Attachment.id))
            held = (
                held.where(Attachment.ticket_id == ticket.id)
                if ticket is not None
                else held.where(
                    Attachment.citizen_id == citizen_id,
                    Attachment.ticket_id.is_(None),
                    Attachment.created_at >= self.clock.now() - self.pending_for,
                )
            )
            if (session.scalar(held) or 0) >= MAX_PER_TICKET:
                raise DomainError(
                    f"每张工单最多收{MAX_PER_TICKET}个附件，已达上限。", code="too_many_attachments"
                )
            attachment = Attachment(
                citizen_id=citizen_id,
                kind=kind,
                file_ref=(file_ref or None) and file_ref[:200],
                file_name=(file_name or None) and file_name[:200],
                latitude=latitude,
                longitude=longitude,
                created_at=self.clock.now(),
            )
            session.add(attachment)
            session.flush()
            if ticket is None:
                return Received(attachment.id, kind, None)
            self._attach(session, ticket, attachment)
            if ticket.department_code and ticket.status in WITH_DEPARTMENT:
                label = _view(attachment, ticket.number).label
                enqueue(
                    session,
                    OutboxEntry(
                        audience="department",
                        address=ticket.department_code,
                        kind="attachment_added",
                        text=messages.department_attachment_added(ticket, label),
                        ticket=ticket,
                        payload={"number": ticket.number, "attachment_id": attachment.id},
                    ),
                    now=self.clock.now(),
                )
            return Received(attachment.id, kind, ticket.number)

    def for_card(self, number: str) -> list[AttachmentView]:
        """A ticket's attachments for the card the outbox carries (the system reads them)."""
        with self._unit() as session:
            return self._of_ticket(session, self._load(session, number))

    def open_for_viewing(self, number: str, actor: Actor) -> list[AttachmentView]:
        """A ticket's attachments for someone who asked to see them; the look is audited."""
        with self._unit() as session:
            ticket = self._load(session, number)
            self._authorize_view(actor, ticket)
            views = self._of_ticket(session, ticket)
            record_event(
                session,
                ticket,
                at=self.clock.now(),
                actor=actor.audit_name,
                action="view_attachments",
                from_status=ticket.status,
                to_status=ticket.status,
                data={"attachments": [v.id for v in views]},
            )
            return views

    def record_download(self, attachment_id: int, local_path: str) -> None:
        """Remember where a file was saved, so the next look needs no download."""
        with self._unit() as session:
            attachment = session.get(Attachment, attachment_id)
            if attachment is not None:
                attachment.local_path = local_path

    def pending_for_citizen(self, channel: str, user_id: str) -> list[AttachmentView]:
        """Attachments still waiting for the citizen's next ticket."""
        with self._unit() as session:
            citizen = session.scalar(
                select(Citizen.id).where(
                    Citizen.channel == channel, Citizen.channel_user_id == user_id
                )
            )
            if citizen is None:
                return []
            self.adopt_pending(session, citizen)
            rows = session.scalars(
                select(Attachment)
                .where(Attachment.citizen_id == citizen, Attachment.ticket_id.is_(None))
                .order_by(Attachment.id)
            ).all()
            return [_view(a, None) for a in rows]
