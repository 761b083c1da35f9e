"""One ticket per problem: link a new report to the open ticket of the same problem, suggest
merges among tickets already open, and split a wrongly linked report into its own ticket."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.domain.duplicates import Report, best_match, lock_key, match_score
from hotline.domain.texts import clean_text
from hotline.domain.tickets import OPEN_STATUSES, Actor, DomainError
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import OutboxMessage, Ticket, TicketReporter
from hotline.storage.reporters import take_problem_lock

LINK_REPORTER = "link_reporter"
SPLIT_REPORTER = "split_reporter"


@dataclass(frozen=True)
class IncomingReport:
    """A report about to be registered, as the duplicate check sees it."""

    citizen_id: int
    channel: str
    description: str
    category: str | None
    department: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    contact_phone: str | None
    idempotency_key: str | None


@dataclass(frozen=True)
class LinkedReporter:
    """A citizen linked to a ticket as a reporter, as the dispatcher sees it before a split."""

    id: int
    description: str
    address: str | None
    linked_at: datetime
    score: float | None
    active: bool


@dataclass(frozen=True)
class SuggestedMerge:
    """Two open tickets that look like one problem: merge `number` into the older `into`."""

    number: str
    into: str
    score: float
    department: str | None
    place: str | None


# The columns a domain Report is built from, in its field order: candidates are read as
# plain rows, never ORM tickets (merge suggestions here, the intake search in linking.py).
REPORT_COLUMNS = (
    Ticket.category_code,
    Ticket.department_code,
    Ticket.description,
    Ticket.address,
    Ticket.latitude,
    Ticket.longitude,
    Ticket.created_at,
)

MERGE_CANDIDATES = 5000  # open tickets compared at most, oldest first


def _merge_candidates(
    session: Session, since: datetime
) -> list[tuple[str, str | None, str, Report]]:
    """Open tickets opened since `since` that share their routing (department, else
    category) and place (road or compound, else "has coordinates") with another one, oldest
    first, as (number, place key, routing, report): one pass over the window's index counts
    each (routing, place) group (a window count, PARTITION BY) and returns columns, not ORM
    objects, of the groups of two or more only, so the pairwise comparison stays in them."""
    scope = func.coalesce(Ticket.department_code, Ticket.category_code, "-")
    place = func.coalesce(Ticket.place_key, "geo")
    where = (
        Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        Ticket.created_at >= since,
        or_(Ticket.place_key.is_not(None), Ticket.latitude.is_not(None)),
    )
    grouped = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.place_key,
            scope.label("scope"),
            *REPORT_COLUMNS,
            func.count().over(partition_by=(scope, place)).label("members"),
        )
        .where(*where)
        .subquery("grouped")
    )
    c = grouped.c
    rows = session.execute(
        select(*[col for col in c if col.name != "members"])
        .where(c.members >= 2)
        .order_by(c.created_at, c.id)  # the window's index, not a walk by id
        .limit(MERGE_CANDIDATES)
    )
    ordered = sorted(rows, key=lambda row: int(row[0]))  # by id, as tickets were opened
    return [(row[1], row[2], row[3], Report(*row[4:])) for row in ordered]


class ProblemLinking(TicketWork):
    """重复件: link at intake (race-safe), suggest merges later, split a wrong link."""

    def _candidates(
        self, session: Session, report: Report, now: datetime
    ) -> list[tuple[int, Report]]:
        """Open tickets that may be this report's problem, as plain rows; the intake search
        (`linking.IntakeLinking`: by spot, in any category) provides it."""
        raise NotImplementedError

    def _link_report(self, session: Session, incoming: IncomingReport) -> TicketView | None:
        """Link the report to the open ticket of the same problem, or None to open a new one.

        Takes the (routing, place) lock first, so a concurrent report of the same problem waits
        and then finds the ticket this one opens (see storage/reporters.take_problem_lock)."""
        if not self.duplicates.enabled:
            return None
        now = self.clock.now()
        key = lock_key(incoming.department, incoming.category, incoming.address)
        if key is None and incoming.latitude is None:
            return None
        take_problem_lock(session, key or f"{incoming.department or incoming.category}|geo", now)
        report = Report(
            category=incoming.category,
            department=incoming.department,
            description=incoming.description,
            address=incoming.address,
            latitude=incoming.latitude,
            longitude=incoming.longitude,
            at=now,
        )
        profiles = self._candidates(session, report, now)
        if not profiles:
            return None
        leads = dict(profiles)
        for ticket_id, text in session.execute(  # what the linked callers said counts too
            select(TicketReporter.ticket_id, TicketReporter.description).where(
                TicketReporter.ticket_id.in_(list(leads)),
                TicketReporter.unlinked_at.is_(None),
            )
        ):
            profiles.append((ticket_id, replace(leads[ticket_id], description=text)))
        found = best_match(report, profiles, self.duplicates)
        if found is None:
            return None
        ticket = session.scalar(select(Ticket).where(Ticket.id == found).with_for_update())
        assert ticket is not None
        score = max(
            (match_score(report, r, self.duplicates) or 0.0) for i, r in profiles if i == found
        )
        already = ticket.citizen_id == incoming.citizen_id or session.scalar(
            select(TicketReporter.id).where(
                TicketReporter.ticket_id == ticket.id,
                TicketReporter.citizen_id == incoming.citizen_id,
                TicketReporter.unlinked_at.is_(None),
            )
        )
        if not already:
            actor_name = f"citizen:{incoming.channel}"
            session.add(
                TicketReporter(
                    ticket_id=ticket.id,
                    citizen_id=incoming.citizen_id,
                    channel=incoming.channel,
                    description=incoming.description,
                    address=incoming.address,
                    latitude=incoming.latitude,
                    longitude=incoming.longitude,
                    contact_phone=incoming.contact_phone,
                    category_code=incoming.category,
                    score=score,
                    idempotency_key=incoming.idempotency_key,
                    linked_by=actor_name,
                    linked_at=now,
                )
            )
            ticket.reporter_count = (ticket.reporter_count or 0) + 1
            self._event(
                session,
                ticket,
                Actor(role="system", id="duplicates"),
                LINK_REPORTER,
                from_status=ticket.status,  # their words stay on the link row (anonymised
                data={"citizen_id": incoming.citizen_id, "score": score},  # with it), not here
            )
            hour = now.astimezone(self.tz).strftime("%Y%m%d%H")
            line = f"reporters:{ticket.number}:{hour}"
            if ticket.department_code and not session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == line)
            ):  # one line per ticket and hour, however many call (the key settles a race)
                self._notify(
                    session,
                    ticket,
                    "department",
                    "reporter_linked",
                    messages.department_reporter_linked(ticket, ticket.reporter_count),
                    dedupe_key=line,
                )
        session.flush()
        return replace(self._view(ticket), linked=True)

    def _linked_by_key(self, session: Session, key: str) -> TicketView | None:
        """A repeated idempotency key of a report that was linked: the same answer again."""
        row = session.scalar(select(TicketReporter).where(TicketReporter.idempotency_key == key))
        if row is None:
            return None
        ticket = session.get(Ticket, row.ticket_id)
        return replace(self._view(ticket), linked=True) if ticket is not None else None

    def reporters(self, number: str) -> list[LinkedReporter]:
        """The citizens linked to a ticket as reporters (for the dispatcher's split)."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            rows = session.scalars(
                select(TicketReporter)
                .where(TicketReporter.ticket_id == ticket.id)
                .order_by(TicketReporter.id)
            )
            return [
                LinkedReporter(
                    id=r.id,
                    description=r.description,
                    address=r.address,
                    linked_at=r.linked_at,
                    score=r.score,
                    active=r.unlinked_at is None,
                )
                for r in rows
            ]

    def suggested_merges(self, limit: int = 50) -> list[SuggestedMerge]:
        """Open tickets that look like one problem (e.g. opened before linking, or after an
        address correction): the newer one should be merged into the older one."""
        now = self.clock.now()
        rules = self.duplicates.model_copy(update={"enabled": True})  # suggest even if off
        with self._unit() as session:
            rows = _merge_candidates(session, now - self.duplicates.window)
        groups: dict[tuple[str, str], list[tuple[str, str | None, Report]]] = {}
        for number, place, scope, report in rows:
            groups.setdefault((scope, place or "geo"), []).append((number, place, report))
        found: list[SuggestedMerge] = []
        for group in groups.values():
            for i, (number, place, newer) in enumerate(group):
                best: tuple[float, str] | None = None
                for older_number, _, older in group[:i]:
                    score = match_score(newer, older, rules)
                    if score is not None and (best is None or score > best[0]):
                        best = (score, older_number)
                if best is not None:
                    found.append(
                        SuggestedMerge(
                            number=number,
                            into=best[1],
                            score=round(best[0], 2),
                            department=newer.department,
                            place=place,
                        )
                    )
        return sorted(found, key=lambda s: -s.score)[:limit]

    def split(self, number: str, reporter_id: int, actor: Actor, reason: str) -> TicketView:
        """Unlink a reporter who reported another problem and open their own ticket, routed as
        a new one; the citizen is told the new number."""
        text = clean_text(reason, field_name="拆分理由", limit=500)
        if actor.role not in ("dispatcher", "admin", "system"):
            raise DomainError("只有派单员可以拆分重复件。", code="not_allowed")
        with self._unit() as session:
            lead = self._load(session, number)
            row = session.scalar(
                select(TicketReporter)
                .where(TicketReporter.id == reporter_id, TicketReporter.ticket_id == lead.id)
                .with_for_update()
            )
            if row is None or row.unlinked_at is not None:
                raise DomainError(
                    f"工单 {lead.number} 没有编号为 {reporter_id} 的反映人。", code="no_reporter"
                )
            department = (
                self.catalogue.route(row.category_code, row.address)
                if (row.category_code)
                else None
            )
            new = self._register(
                session,
                citizen_id=row.citizen_id,
                channel=row.channel,
                description=row.description,
                category=row.category_code,
                department=department,
                request_type=None,
                priority="normal",
                address=row.address,
                latitude=row.latitude,
                longitude=row.longitude,
                phone=row.contact_phone,
                details={},
                confidence=None,
                needs_human=department is None,
                idempotency_key=None,
                actor=actor,
            )
            row.unlinked_at = self.clock.now()
            row.split_into_id = new.id
            lead.reporter_count = max(0, (lead.reporter_count or 0) - 1)
            self._event(
                session,
                lead,
                actor,
                SPLIT_REPORTER,
                from_status=lead.status,
                note=text,
                data={"reporter": reporter_id, "into": new.number},
            )
            self._notify(
                session,
                new,
                "citizen",
                "ticket_split",
                messages.citizen_split(lead.number, new.number),
                payload={"from": lead.number},
            )
            session.flush()
            return self._view(new)

    # Registration writes new tickets; split needs the same writer in its own transaction.
    _register: Callable[..., Ticket]
