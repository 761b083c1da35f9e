"""Fault drills on the conversation's write path: the database goes away mid-conversation.

The citizen gets a clear 系统繁忙 answer instead of an error, nothing they said is lost (the
draft stays in the conversation), and when the database is back the same confirmation opens
exactly one ticket. PostgreSQL is really stopped (pg_ctl stop) and started again; how long it
stays down does not matter to the code (no timers), so the drill keeps it short.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions.wiring import install
from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.views import TicketFilter
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from tests.conftest import IN_CI, TZ
from tests.support.dialogue import Conversation, parse, wire
from tests.support.postgres import Cluster, find_bindir, start_cluster

pytestmark = pytest.mark.skipif(
    find_bindir() is None and not IN_CI, reason="PostgreSQL server binaries not installed"
)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    running = start_cluster()
    try:
        yield running
    finally:
        running.stop()


async def test_database_down_mid_conversation(
    cluster: Cluster, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> None:
    engine = make_engine(cluster.url)
    upgrade(engine)
    service = Services(make_session_factory(engine), catalogue, sla, clock, TZ)
    service.tickets.sync_catalogue()
    wire(service)
    try:
        chat = Conversation()
        await chat.send(
            parse("我家楼下的路灯坏了好几天了", "street_light", 0.9, request_type="求助")
        )
        await chat.send(parse("幸福路88号", "inform"))
        summary = await chat.send(parse("不用", "deny"))
        assert "幸福路88号" in summary and "确认" in summary

        cluster.halt()
        said = await chat.send(parse("确认", "affirm"))
        assert "系统繁忙" in said and "重新提交" in said
        assert chat.draft is not None and chat.draft["address"] == "幸福路88号"
        assert "系统繁忙" in await chat.send(parse("我的工单", "check_status"))

        cluster.resume()
        opened = await chat.send(parse("确认", "affirm"))
        again = await chat.send(parse("确认", "affirm"))  # pressed twice
        views = service.views.list_tickets(TicketFilter(citizen="telegram:42"))
        assert len(views) == 1 and views[0].address == "幸福路88号"
        assert views[0].number in opened and views[0].number in again
    finally:
        install(None)
        engine.dispose()
