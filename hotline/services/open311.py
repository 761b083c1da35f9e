"""Open311 GeoReport v2 as use cases: categories as services, requests in, public reads out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from hotline.domain.privacy import redact
from hotline.domain.tickets import STATUS_LABELS, DomainError, Status
from hotline.services.registration import NewTicket, Registration
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import Ticket

CHANNEL = "open311"
PUBLIC_LIMIT = 200
DEFAULT_DAYS = 90
# The spec knows two states; a ticket counts as closed once the department has answered.
OPEN311_STATUS: dict[str, str] = {
    Status.RECEIVED.value: "open",
    Status.DISPATCHED.value: "open",
    Status.ACCEPTED.value: "open",
    Status.RETURNED.value: "open",
    Status.RESOLVED.value: "closed",
    Status.CLOSED.value: "closed",
    Status.WITHDRAWN.value: "closed",
    Status.MERGED.value: "closed",
}


@dataclass(frozen=True)
class Attribute:
    """One extra field of a service (an Open311 attribute)."""

    code: str
    description: str
    order: int


@dataclass(frozen=True)
class ServiceItem:
    """A catalogue category as an Open311 service."""

    code: str
    name: str
    description: str
    group: str
    keywords: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class PublicRequest:
    """What anyone may read about a request: no phone, no citizen, numbers in texts masked."""

    service_request_id: str
    status: str
    status_notes: str
    service_code: str | None
    service_name: str | None
    description: str
    agency_responsible: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    lat: float | None
    long: float | None


@dataclass(frozen=True)
class Submission:
    """A POSTed request as the client sent it (already authenticated by its key)."""

    client: str
    service_code: str
    description: str | None
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    phone: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    attributes: dict[str, str] | None = None


class Open311(TicketWork):
    """Catalogue as services; POST through the same intake and routing as every channel."""

    def services(self) -> list[ServiceItem]:
        """One service per catalogue category, in catalogue order."""
        return [self._item(code) for code in self.catalogue.categories]

    def service(self, code: str) -> ServiceItem:
        """One service; an unknown code is the client's mistake."""
        if code not in self.catalogue.categories:
            raise DomainError(f"没有“{code[:40]}”这个服务代码。", code="unknown_service")
        return self._item(code)

    def _item(self, code: str) -> ServiceItem:
        cat = self.catalogue.categories[code]
        dept = self.catalogue.departments[cat.department]
        attributes = tuple(
            Attribute(name, self.catalogue.fields[name].prompt, i)
            for i, name in enumerate(cat.fields, start=1)
        )
        return ServiceItem(
            code, cat.name, f"{cat.type}：{cat.name}", dept.name, cat.type, attributes
        )

    def submit(self, sub: Submission, registration: Registration) -> TicketView:
        """Register the request as a ticket (channel open311) and route it by the catalogue."""
        if sub.service_code not in self.catalogue.categories:
            raise DomainError(
                f"没有“{sub.service_code[:40]}”这个服务代码。", code="unknown_service"
            )
        if not (sub.description or "").strip():
            raise DomainError("description 不能为空：请写明诉求内容。", code="no_description")
        if sub.address_string is None and (sub.lat is None or sub.long is None):
            raise DomainError("需要位置：lat 和 long，或 address_string。", code="no_location")
        if (sub.lat is not None and not -90 <= sub.lat <= 90) or (
            sub.long is not None and not -180 <= sub.long <= 180
        ):
            raise DomainError("lat/long 超出范围。", code="bad_location")
        cat = self.catalogue.categories[sub.service_code]
        given = {k: v for k, v in (sub.attributes or {}).items() if k in cat.fields and v}
        person = sub.account_id or sub.device_id
        if not person and sub.email:
            person = "email-" + hashlib.sha256(sub.email.strip().lower().encode()).hexdigest()[:16]
        return registration.open_ticket(
            NewTicket(
                channel=CHANNEL,
                channel_user_id=f"{sub.client}:{(person or 'anonymous')[:80]}",
                description=sub.description or "",
                category=sub.service_code,
                address=sub.address_string,
                latitude=sub.lat,
                longitude=sub.long,
                contact_phone=sub.phone,
                details={k: v[:200] for k, v in given.items()},
            )
        )

    @staticmethod
    def notice(view: TicketView) -> str:
        """The service_notice a client shows its user after filing."""
        return f"已受理，工单编号 {view.number}，承办单位：{view.department_name}。"

    def public(self, view: TicketView) -> PublicRequest:
        """The public face of a ticket."""
        updated = max(
            (
                t
                for t in (
                    view.created_at,
                    view.dispatched_at,
                    view.accepted_at,
                    view.resolved_at,
                    view.closed_at,
                )
                if t is not None
            ),
        )
        return PublicRequest(
            service_request_id=view.number,
            status=OPEN311_STATUS[view.status],
            status_notes=STATUS_LABELS[Status(view.status)],
            service_code=view.category,
            service_name=view.category_name if view.category else None,
            description=redact(view.description),
            agency_responsible=view.department_name if view.department else None,
            requested_datetime=view.created_at,
            updated_datetime=updated,
            expected_datetime=view.answer_due_at,
            address=redact(view.address) if view.address else None,
            lat=None,
            long=None,
        )

    def find(
        self,
        *,
        numbers: list[str] | None = None,
        service_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: str | None = None,
    ) -> list[PublicRequest]:
        """Requests by id, or by service, dates (90 days by default) and open/closed."""
        query = select(Ticket)
        if numbers:
            query = query.where(Ticket.number.in_(numbers[:PUBLIC_LIMIT]))
        else:
            if end is None:
                end = self.clock.now()
            if start is None:
                start = end - timedelta(days=DEFAULT_DAYS)
            query = query.where(Ticket.created_at >= start, Ticket.created_at <= end)
            if service_code:
                query = query.where(Ticket.category_code == service_code)
            if status in ("open", "closed"):
                wanted = [s for s, o in OPEN311_STATUS.items() if o == status]
                query = query.where(Ticket.status.in_(wanted))
        query = query.order_by(Ticket.id.desc()).limit(PUBLIC_LIMIT)
        with self._unit() as session:
            return [self.public(self._view(t)) for t in session.scalars(query)]
