"""The console channel: a terminal citizen reports, staff messages print beside the chat."""

from __future__ import annotations

import io
from typing import Any

from bot.console import ConsoleSession
from hotline.services import HotlineService
from hotline.tickets import Actor
from tests.support.console import console_session


class ScriptedClassifier:
    """Stands in for the NLU model with fixed answers per text."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers

    def classify(self, text: str) -> dict[str, Any]:
        return self.answers[text]

    def close(self) -> None:
        return None


def session_for(service: HotlineService) -> tuple[ConsoleSession, io.StringIO]:
    return console_session(
        service,
        ScriptedClassifier(
            {
                "你好": {"department": None, "intent": "greet"},
                "电梯卡住了里面有人": {
                    "department": "market_regulation",
                    "category": "elevator_fault",
                    "urgent": True,
                    "type": "求助",
                    "intent": "elevator_fault",
                    "confidence": 0.97,
                },
            }
        ),
    )


def test_urgent_report_gets_advice_then_a_ticket_and_staff_see_it(service: HotlineService) -> None:
    session, out = session_for(service)
    assert session.handle("你好")
    assert session.handle("电梯卡住了里面有人")
    session.deliver()
    text = out.getvalue()
    assert "请直接描述" in text
    assert text.index("警铃") < text.index("已为您登记工单")  # safety advice first
    assert "【发给部门 市场监督管理局】" in text and "【发给督办人员】" in text
    [view] = service.list_tickets()
    assert view.priority == "urgent" and view.department == "market_regulation"


def test_the_citizen_hears_the_answer_in_the_terminal(service: HotlineService) -> None:
    session, out = session_for(service)
    session.handle("电梯卡住了里面有人")
    [view] = service.list_tickets()
    staff = Actor(role="staff", id="cli:1", department="market_regulation")
    service.accept(view.number, staff)
    service.resolve(view.number, staff, "维保单位已到场救出被困人员")
    session.deliver()
    assert "【发给市民】" in out.getvalue() and "救出被困人员" in out.getvalue()
    assert session.handle("/quit") is False


def test_empty_and_blank_lines_get_a_prompt(service: HotlineService) -> None:
    session, out = session_for(service)
    assert session.handle("   ")
    assert "请描述" in out.getvalue()
    assert service.list_tickets() == []
