"""Text search goes through the index (FTS5 trigram / pg_trgm) and finds what it should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.staff_tools import Search
from hotline.services.workbench import Workbench
from hotline.storage.models import Ticket
from hotline.storage.search_index import text_contains

DISPATCHER = Actor(role="dispatcher", id="telegram:3001", name="赵派单")


def report(service: Services, description: str, address: str = "人民路1号") -> str:
    new = NewTicket(
        channel="telegram",
        channel_user_id="1001",
        description=description,
        category="compound_facility",
        address=address,
        contact_phone="13812345678",
    )
    return service.tickets.open_ticket(new).number


def web_search(service: Services, **kw: str) -> list[str]:
    bench = Workbench(service.sessions, service.catalogue, service.sla, service.clock, service.tz)
    return [row.ticket.number for row in bench.search(DISPATCHER, **kw)]  # type: ignore[arg-type]


def staff_search(service: Services, **kw: str) -> list[str]:
    return [v.number for v in service.tickets.search(DISPATCHER, Search(**kw))]  # type: ignore[arg-type]


def test_chinese_substrings_short_words_and_places_are_found(
    service: Services, clock: ManualClock
) -> None:
    lift = report(service, "阳光小区5栋电梯经常停运，老人上下楼困难", "阳光小区5栋")
    clock.advance(timedelta(minutes=5))
    lamp = report(service, "幸福路口路灯不亮已经三天", "幸福路与建设路交叉口")
    for search in (web_search, staff_search):
        assert search(service, text="电梯经常停") == [lift]  # inside a longer request
        assert search(service, text="电梯") == [lift]  # two characters: below a trigram
        assert search(service, text="灯") == [lamp]  # one character
        assert search(service, text="三天") == [lamp]
        assert search(service, text="无此内容") == []
        assert search(service, place="建设路") == [lamp]
        assert search(service, place="阳光小区") == [lift]
    assert web_search(service, text="不亮", place="幸福路") == [lamp]
    assert web_search(service, text='路灯"不亮') == []  # a quote is only a character
    assert staff_search(service, text="100%") == []  # wildcards stay literal


def test_a_ticket_whose_text_changes_is_found_by_its_new_words(
    service: Services, engine: Engine
) -> None:
    number = report(service, "小区门口垃圾桶满溢无人清理")
    assert staff_search(service, text="垃圾桶满溢") == [number]
    with engine.begin() as conn:  # as retention's anonymising or a correction would
        conn.execute(
            update(Ticket)
            .where(Ticket.number == number)
            .values(description="楼下餐馆油烟扰民严重", address="解放路8号")
        )
    assert staff_search(service, text="垃圾桶满溢") == []
    assert staff_search(service, text="油烟扰民") == [number]
    assert web_search(service, place="解放路8号") == [number]


def test_the_index_serves_long_words(engine: Engine) -> None:
    """The plan for a three-character search uses the index, not a scan of tickets."""
    with engine.connect() as conn:
        window = Ticket.created_at >= datetime(2026, 1, 1, tzinfo=UTC)
        query = select(Ticket.id).where(window, text_contains("description", "井盖缺失"))
        query = query.order_by(Ticket.id.desc()).limit(50)
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            assert "tickets_fts MATCH" in sql and "= 1" not in sql
            plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "VIRTUAL TABLE INDEX" in plan
            assert "USING INTEGER PRIMARY KEY" in plan  # tickets looked up by the index's ids
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: force the choice
            only = select(Ticket.id).where(text_contains("description", "井盖缺失"))
            sql = str(only.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert "ix_tickets_description_trgm" in plan
