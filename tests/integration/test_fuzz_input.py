"""Random input through the message path: always an answer, never a crash or a leaked error."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain.tickets import Actor, DomainError
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from tests.support.console import console_session

HOSTILE = st.sampled_from(
    [
        "'; DROP TABLE tickets; --",
        "<b>粗体</b><script>alert(1)</script>",
        "*_`[link](x)",
        "\x00\x01\x02",
        "\u202e\u200b\ufeff",
        "😀" * 50,
        " ",
        "\n\n\t",
        "路" * 6000,
        "\ud800",
        "20261123-0001' OR '1'='1",
    ]
)
TEXT = st.one_of(
    HOSTILE,
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
)


class EchoClassifier:
    """Routes anything to a department, the worst case for the ticket path."""

    def classify(self, text: str) -> dict[str, Any]:
        return {
            "department": "urban_management",
            "category": "street_light",
            "urgent": False,
            "type": "求助",
            "intent": "street_light",
            "confidence": 0.5,
        }

    def close(self) -> None:
        return None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT, address=st.one_of(st.none(), TEXT), phone=st.one_of(st.none(), TEXT))
def test_open_ticket_answers_or_refuses_politely(
    service: Services, text: str, address: str | None, phone: str | None
) -> None:
    before = service.views.count_tickets()
    try:
        view = service.tickets.open_ticket(
            NewTicket(
                channel="telegram",
                channel_user_id="fuzz",
                description=text,
                category="street_light",
                address=address,
                contact_phone=phone,
            )
        )
    except DomainError as exc:
        assert exc.message and not exc.message.startswith("Traceback")
        assert service.views.count_tickets() == before  # a refusal leaves nothing behind
        return
    assert view.description and view.description == view.description.strip()
    assert "\x00" not in view.description
    assert service.views.count_tickets() == before + 1


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=TEXT)
def test_console_always_answers(service: Services, line: str) -> None:
    session, out = console_session(service, EchoClassifier())
    keep_going = session.handle(line)
    assert keep_going is True or line.strip() in ("/quit", "/exit", "退出")
    assert out.getvalue().startswith("12345> ")  # the citizen always hears something


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=TEXT)
def test_guessed_or_garbage_ticket_numbers_reveal_nothing(service: Services, number: str) -> None:
    stranger = Actor(role="citizen", id="telegram:intruder")
    try:
        service.views.get_ticket(number, stranger)
    except DomainError as exc:
        assert "20261123" not in exc.message or number.strip()[:13] in exc.message
        return
    raise AssertionError("a stranger read a ticket")
