"""转人工 after a long chat: the dispatcher gets the latest turns, never a "too long" refusal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from actions.common import transcript
from actions.wiring import install
from hotline.domain.texts import MAX_TEXT, fit_transcript
from hotline.services.container import Services
from hotline.services.views import TicketFilter
from hotline.storage.models import OutboxMessage
from tests.support.dialogue import Conversation, parse, wire


@pytest.fixture(autouse=True)
def wired(service: Services) -> Iterator[None]:
    wire(service)
    yield
    install(None)


async def test_a_long_chat_is_handed_over_with_its_latest_turns(service: Services) -> None:
    chat = Conversation()
    for i in range(30):  # long letters, answered each time: far over 5,000 characters in all
        letter = f"第{i}封：" + "我们小区的噪音问题已经持续很久了，" * 30
        await chat.send(parse(letter[:900], "chitchat", 0.4))
    said = await chat.send(parse("转人工", "request_human"))
    assert "已为您转人工处理" in said, said
    [view] = service.views.list_tickets(TicketFilter(citizen="telegram:42"))
    assert view.needs_human
    with service.sessions() as session:
        note = session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.kind == "human_requested")
        ).one()
    assert "第29封" in note and "转人工" in note  # the latest turns are what the dispatcher reads
    assert "第0封" not in note and "更早的对话已省略" in note
    assert len(note) <= MAX_TEXT + 100


def test_a_transcript_keeps_the_latest_lines_within_the_limit() -> None:
    lines = [f"市民：第{i}句" + "很" * 480 for i in range(40)]
    fitted = fit_transcript("\n".join(lines))
    assert fitted is not None and len(fitted) <= MAX_TEXT
    assert fitted.endswith(lines[-1]) and lines[0] not in fitted
    assert fit_transcript("短短一句") == "短短一句"
    huge = fit_transcript("市民：" + "长" * 9000 + "最后")
    assert huge is not None and huge.endswith("最后") and len(huge) <= MAX_TEXT


def test_the_action_reads_a_transcript_within_the_limit() -> None:
    chat = Conversation()
    for i in range(40):
        chat.say(parse(f"第{i}句" + "啊" * 600, "chitchat"))
        chat.events.append({"event": "bot", "text": "请问还有什么可以帮您？"})
    text = transcript(chat.tracker())
    assert len(text) <= MAX_TEXT and "第39句" in text
