"""The conversation files a report of an already open problem as a link, and says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from actions.wiring import install
from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.views import TicketFilter
from hotline.storage.db import make_session_factory
from tests.conftest import ROOT, TZ
from tests.support.dialogue import Conversation, parse, wire


@pytest.fixture
def linking(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> Iterator[Services]:
    rules = load_duplicate_rules(ROOT / "data" / "duplicates.yml", set(catalogue.categories))
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=rules)
    svc.tickets.sync_catalogue()
    wire(svc)
    yield svc
    install(None)


async def file_water_cut(sender: str, words: str) -> str:
    chat = Conversation(sender)
    a = await chat.send(parse(words, "water_supply", 0.9, request_type="求助"))
    b = await chat.send(parse("幸福路12号", "inform"))
    summary = await chat.send(parse("不用", "deny"))
    assert "请核对" in summary, (a, b, summary)
    return await chat.send(parse("确认", "affirm"))


async def test_the_second_caller_hears_the_first_callers_number(linking: Services) -> None:
    first = await file_water_cut("telegram:101", "我家从早上开始停水了，到现在还没来水")
    second = await file_water_cut("telegram:102", "我们楼里停水半天了，做饭都没水")
    [ticket] = linking.views.list_tickets(TicketFilter(citizen="telegram:101"))
    assert ticket.number in first and "已有市民反映" not in first
    assert ticket.number in second and "已有市民反映" in second and "反映人" in second
    assert [v.number for v in linking.views.list_tickets(TicketFilter(citizen="telegram:102"))] == [
        ticket.number
    ]
    assert linking.views.count_tickets() == 1
