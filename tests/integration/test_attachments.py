"""Which ticket an attachment belongs to, on both databases (hotline.services.attachments)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor, DomainError, NotAllowed, TicketNotFound
from hotline.services.attachments import MAX_PER_TICKET, AttachmentService
from hotline.services.container import Services
from hotline.services.registration import NewTicket

USER = "7001"


def open_ticket(service: Services, user: str = USER) -> str:
    return service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=user,
            description="井盖丢失",
            category="compound_facility",
        )
    ).number


@pytest.fixture
def attachments(service: Services) -> AttachmentService:
    return AttachmentService(service.sessions, service.clock, service.tz)


def photo(attachments: AttachmentService, ref: str, user: str = USER) -> str | None:
    return attachments.receive("telegram", user, kind="photo", file_ref=ref).number


def test_held_attachments_go_to_the_first_ticket_opened_after_them(
    service: Services, clock: ManualClock, attachments: AttachmentService
) -> None:
    """Earliest later ticket wins; one sent more than 24 h before any ticket stays unattached."""
    assert photo(attachments, "stale") is None
    clock.advance(timedelta(hours=25))
    assert photo(attachments, "p1") is None
    attachments.receive("telegram", USER, kind="location", latitude=31.2, longitude=121.4)
    clock.advance(timedelta(minutes=3))
    first = open_ticket(service)
    clock.advance(timedelta(minutes=1))
    second = open_ticket(service)
    views = attachments.for_card(first)
    assert [v.kind for v in views] == ["photo", "location"]
    assert [v.file_ref for v in views] == ["p1", None]
    assert attachments.for_card(second) == []
    assert [v.file_ref for v in attachments.pending_for_citizen("telegram", USER)] == ["stale"]
    # Reading again changes nothing: the rule depends on timestamps only.
    assert [v.id for v in attachments.for_card(first)] == [v.id for v in views]


def test_recent_open_ticket_takes_it_at_once_and_limits_hold(
    service: Services, clock: ManualClock, attachments: AttachmentService
) -> None:
    """The newest open ticket within 30 minutes; closed or older tickets do not count."""
    older = open_ticket(service)
    clock.advance(timedelta(minutes=1))
    newer = open_ticket(service)
    assert photo(attachments, "a") == newer
    service.tickets.withdraw(newer, Actor(role="citizen", id=f"telegram:{USER}"))
    assert photo(attachments, "b") == older
    clock.advance(timedelta(minutes=31))
    assert photo(attachments, "c") is None
    assert photo(attachments, "d", user="7002") is None  # another citizen's tickets never count
    for n in range(MAX_PER_TICKET - 1):
        photo(attachments, f"more{n}")
    with pytest.raises(DomainError) as refused:
        photo(attachments, "one too many")
    assert refused.value.code == "too_many_attachments"
    with pytest.raises(DomainError):
        attachments.receive("telegram", USER, kind="location", latitude=95.0, longitude=0.0)


def test_who_may_look_and_the_audit(service: Services, attachments: AttachmentService) -> None:
    """Department staff, centre roles and the citizen may look; others are refused."""
    number = open_ticket(service)
    photo(attachments, "x")
    housing = Actor(role="staff", id="telegram:1", department="housing")
    assert len(attachments.open_for_viewing(number, housing)) == 1
    assert len(attachments.open_for_viewing(number, Actor(role="supervisor", id="s"))) == 1
    assert len(attachments.open_for_viewing(number, Actor(role="citizen", id=f"telegram:{USER}")))
    with pytest.raises(NotAllowed):
        attachments.open_for_viewing(number, Actor(role="staff", id="t", department="transport"))
    with pytest.raises(TicketNotFound):
        attachments.open_for_viewing(number, Actor(role="citizen", id="telegram:9"))
    actors = [
        e.actor for e in service.views.get_ticket(number).events if e.action == "view_attachments"
    ]
    assert actors == ["staff:telegram:1@housing", "supervisor:s", f"citizen:telegram:{USER}"]
