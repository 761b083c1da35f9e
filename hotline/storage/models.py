"""The hotline's tables: tickets and their audit trail, people, routing data and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hotline.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations stay portable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Department(Base):
    """A routing target of the dispatch catalogue (synced from data/catalogue.yml)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    short_name: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """A fine-grained request category; its code is also the NLU intent name."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    default_type: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Citizen(Base):
    """Someone who contacts the hotline, known by channel and that channel's user id."""

    __tablename__ = "citizens"
    __table_args__ = (
        UniqueConstraint("channel", "channel_user_id", name="uq_citizens_channel_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class Ticket(Base):
    """One citizen request (工单) on its way from 受理 to 办结."""

    __tablename__ = "tickets"
    # Lookups by status and deadline, by creation and by dispatch time use the leading
    # columns of the covering indexes below the class (migration 0014 dropped their copies).
    __table_args__ = (Index("ix_tickets_department_status", "department_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    request_type: Mapped[str] = mapped_column(String(8))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    classifier_confidence: Mapped[float | None] = mapped_column(Float)
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    created_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    accept_due_at: Mapped[datetime | None]
    accept_warn_at: Mapped[datetime | None]
    answer_due_at: Mapped[datetime | None]
    answer_warn_at: Mapped[datetime | None]
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_since: Mapped[datetime | None]
    next_alert_at: Mapped[datetime | None] = mapped_column(index=True)
    surveyed_at: Mapped[datetime | None]
    # Working time (office hours) from dispatch to acceptance / answer, fixed when they happen,
    # so reports aggregate it in SQL instead of replaying the calendar per ticket.
    accept_work_seconds: Mapped[int | None] = mapped_column(Integer)
    answer_work_seconds: Mapped[int | None] = mapped_column(Integer)
    place_key: Mapped[str | None] = mapped_column(String(60))

    answer: Mapped[str | None] = mapped_column(Text)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    anonymised_at: Mapped[datetime | None]  # personal fields removed (retention or erasure)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Citizens linked as reporters of this problem (ticket_reporters), besides its own citizen.
    reporter_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The deadline of a supervisor's manual 督办 instruction, watched by the sweep.
    directive_due_at: Mapped[datetime | None]

    citizen: Mapped[Citizen] = relationship(lazy="joined", innerjoin=True)
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    """Audit trail: every change to a ticket, who made it and when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Replayable, report-ready facts (NULL on events written before migration 0008): the
    # department the event concerns (a dispatch's target, the department that accepted,
    # returned, asked or answered), the round (reopen_count) it belongs to, when that round
    # started, and the limit in force for an accept (签收时限) or an answer (办结时限).
    department_code: Mapped[str | None] = mapped_column(String(40))
    round: Mapped[int | None] = mapped_column(Integer)
    round_started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Operator(Base):
    """A named person allowed to act through the CLI, with the role and department they hold."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(120))


class StaffBinding(Base):
    """Links a chat (and optionally one user in it) to a department and a role."""

    __tablename__ = "staff_bindings"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id", "user_id", "role", name="uq_staff_bindings_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[str | None] = mapped_column(String(40))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StaffInvite(Base):
    """A one-time code an admin issues so a person can bind; only its SHA-256 is kept."""

    __tablename__ = "staff_invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(120))


class StaffPrompt(Base):
    """A 退单/延期/办结 prompt waiting for its text; in the database so it survives restarts."""

    __tablename__ = "staff_prompts"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id", "user_id", name="uq_staff_prompts_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(20))
    prompt_message_id: Mapped[int | None] = mapped_column(Integer)
    card_message_id: Mapped[int | None] = mapped_column(Integer)
    card_text: Mapped[str] = mapped_column(Text)
    files: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditRecord(Base):
    """An audited act that concerns no single ticket: binds, revokes, refusals, exports, purges."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_actor_at", "action", "actor", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attachment(Base):
    """A photo, file or location a citizen sent with a ticket.

    `ticket_id` stays empty while the attachment waits for the citizen's next ticket
    (hotline.services.attachments decides which ticket an attachment belongs to).
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_pending", "citizen_id", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    kind: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    local_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Rating(Base):
    """The citizen's verdict in the follow-up (回访), one per answer round."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("ticket_id", "round", name="uq_ratings_ticket_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    score: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ExtensionRequest(Base):
    """A department's request for more time (延期), decided by a dispatcher."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    working_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A message someone must receive, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]
    audience: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(80))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket | None] = relationship()


class OutboxDelivery(Base):
    """One copy of an outbox message handed to one chat: the exactly-once ledger per recipient."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "channel", "chat_id", name="uq_outbox_deliveries_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # sent | failed (permanent)
    provider_message_id: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class DailySequence(Base):
    """The last ticket number handed out on each local day."""

    __tablename__ = "daily_sequences"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class TicketAssist(Base):
    """An assisting department (协办) of a ticket: its card, its opinion and its own limit."""

    __tablename__ = "ticket_assists"
    __table_args__ = (
        UniqueConstraint("ticket_id", "department_code", name="uq_ticket_assists_department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | given
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_by: Mapped[str | None] = mapped_column(String(120))
    opinion_at: Mapped[datetime | None]


class TicketReview(Base):
    """A return or answer held for the centre's review (审核) until a dispatcher decides."""

    __tablename__ = "ticket_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))  # return | answer
    department_code: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(120))  # audit name
    submitter_id: Mapped[str] = mapped_column(String(80))
    submitter_name: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class TicketNote(Base):
    """An internal note (内部备注) on a ticket: staff and the centre read it, citizens never."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(120))  # audit name
    author_name: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)


class TicketOwner(Base):
    """The named member of the department a ticket is assigned to (承办人), for 我的待办."""

    __tablename__ = "ticket_owners"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(40))
    assignee_id: Mapped[str] = mapped_column(String(80), index=True)
    assignee_name: Mapped[str] = mapped_column(String(80))
    assigned_by: Mapped[str] = mapped_column(String(120))
    assigned_at: Mapped[datetime]


class WebCredential(Base):
    """An operator's web sign-in password (a scrypt hash, never the password itself)."""

    __tablename__ = "web_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(String(120))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ApiKey(Base):
    """An Open311 client (the city's app, a WeChat account…): its key is stored hashed."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))


# The workbench's department queue: one status of one department in deadline order; and
# one status in number order (the dispatch board's 待派单 and 退单 lists, Open311 reads).
Index(
    "ix_tickets_department_status_answer_due",
    Ticket.department_code,
    Ticket.status,
    Ticket.answer_due_at,
)
Index("ix_tickets_status_id", Ticket.status, Ticket.id)
# The supervisor's dashboard at size (hotline/services/reports.py): covering indexes, so a
# period's figures are read from the index, not from a million wide rows (migration 0013).
Index(
    "ix_tickets_report_dispatch",
    Ticket.dispatched_at,
    Ticket.status,
    Ticket.department_code,
    Ticket.category_code,
    Ticket.return_count,
    Ticket.reopen_count,
    Ticket.extension_count,
    Ticket.accepted_at,
    Ticket.accept_work_seconds,
    Ticket.resolved_at,
    Ticket.answer_work_seconds,
    Ticket.accept_due_at,
    Ticket.answer_due_at,
)
Index(
    "ix_tickets_report_intake",
    Ticket.created_at,
    Ticket.department_code,
    Ticket.category_code,
    Ticket.request_type,
    Ticket.channel,
    Ticket.place_key,
)
Index(
    "ix_tickets_report_overdue",
    Ticket.status,
    Ticket.answer_due_at,
    Ticket.accept_due_at,
    Ticket.department_code,
    Ticket.category_code,
    Ticket.number,
    Ticket.priority,
)
Index(
    "ix_tickets_report_accept_overdue",
    Ticket.status,
    Ticket.accept_due_at,
    Ticket.answer_due_at,
    Ticket.department_code,
    Ticket.category_code,
    Ticket.number,
    Ticket.priority,
)
Index(
    "ix_ticket_events_report",
    TicketEvent.ticket_id,
    TicketEvent.action,
    TicketEvent.at,
    TicketEvent.round_started_at,
    TicketEvent.due_at,
    TicketEvent.department_code,
)
Index("ix_ticket_events_action_at", TicketEvent.action, TicketEvent.at)


class TicketReporter(Base):
    """A citizen who reported a problem already open as another ticket (重复件): linked to that
    ticket, hears its progress, answer and survey; `unlinked_at` is set when a dispatcher splits
    the report into its own ticket (`split_into_id`)."""

    __tablename__ = "ticket_reporters"
    __table_args__ = (Index("ix_ticket_reporters_citizen", "citizen_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    channel: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(60))
    score: Mapped[float | None] = mapped_column(Float)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    linked_by: Mapped[str] = mapped_column(String(120))
    linked_at: Mapped[datetime]
    unlinked_at: Mapped[datetime | None]
    split_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    rated_round: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(24))


class ProblemLock(Base):
    """One row per (routing target, place): reports of one problem take its row lock, so two
    concurrent reports never open two tickets (see services/duplicates.py)."""

    __tablename__ = "problem_locks"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    touched_at: Mapped[datetime]
