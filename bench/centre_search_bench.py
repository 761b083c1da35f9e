"""Time staff search (工单检索) and 我的待办 over many tickets, as dispatchers and staff use them.

Tickets are bulk-inserted with SQLAlchemy Core (a year of intake over 17 departments, places
from a long-tailed list, 1 % assigned to named members, 2 % with an assisting department);
each query is the production code path (TicketCommands.search / my_tickets), timed as the
median of five runs. The text, place and phone parts are LIKE '%…%' scans: the figures say
whether that is still fine at this size.

    .venv/bin/python -m bench.centre_search_bench                  # SQLite, 100,000 tickets
    .venv/bin/python -m bench.centre_search_bench --tickets 300000
    .venv/bin/python -m bench.centre_search_bench --db postgresql://…  # emptied first
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.staff_tools import Search
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Base, Citizen, Ticket, TicketAssist, TicketOwner

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
BATCH = 10_000
OCT_1, OCT_31 = date(2026, 10, 1), date(2026, 10, 31)
STREETS = ["幸福", "人民", "和平", "建设", "解放", "新华", "光明", "朝阳", "东风", "胜利"]
PROBLEMS = ["路灯不亮", "噪声扰民", "拖欠工资", "路面坑洼", "垃圾满溢", "漏水", "停水", "油烟"]


def seed(engine: Engine, services: Services, n: int) -> None:
    """Insert `n` tickets with citizens, owners and assists, in batches."""
    rnd = random.Random(18)
    categories = list(services.catalogue.categories.values())
    with engine.begin() as conn:
        conn.execute(
            insert(Citizen),
            [
                {"id": i, "channel": "telegram", "channel_user_id": str(i), "created_at": NOW}
                for i in range(1, 5001)
            ],
        )
        for start in range(0, n, BATCH):
            rows: list[dict[str, Any]] = []
            owners: list[dict[str, Any]] = []
            assists: list[dict[str, Any]] = []
            for i in range(start, min(n, start + BATCH)):
                cat = rnd.choice(categories)
                street = STREETS[min(int(rnd.paretovariate(1.2)) - 1, len(STREETS) - 1)]
                created = NOW - timedelta(minutes=rnd.randrange(365 * 24 * 60))
                rows.append(
                    {
                        "id": i + 1,
                        "number": f"{created:%Y%m%d}-{i % 1_000_000:06d}",
                        "citizen_id": rnd.randrange(1, 5001),
                        "channel": "telegram",
                        "request_type": cat.type,
                        "category_code": cat.code,
                        "department_code": cat.department,
                        "status": rnd.choice(["dispatched", "accepted", "closed", "closed"]),
                        "description": f"{rnd.choice(PROBLEMS)}，{street}路附近{i}",
                        "address": f"{street}路{rnd.randrange(1, 300)}号",
                        "contact_phone": f"139{rnd.randrange(10**8):08d}",
                        "created_at": created,
                        "answer_due_at": created + timedelta(days=10),
                    }
                )
                if i % 100 == 0:
                    owners.append(
                        {
                            "ticket_id": i + 1,
                            "department_code": cat.department,
                            "assignee_id": f"operator:member{i // 100 % 40}",
                            "assignee_name": f"member{i // 100 % 40}",
                            "assigned_by": "bench",
                            "assigned_at": created,
                        }
                    )
                if i % 50 == 0:
                    assists.append(
                        {
                            "ticket_id": i + 1,
                            "department_code": "transport",
                            "added_at": created,
                            "added_by": "bench",
                            "due_at": created + timedelta(days=3),
                            "warn_at": created + timedelta(days=2),
                        }
                    )
            conn.execute(insert(Ticket), rows)
            conn.execute(insert(TicketOwner), owners)
            conn.execute(insert(TicketAssist), assists)


def median_ms(fn: Callable[[], object], runs: int = 5) -> tuple[float, int]:
    """Median wall time of `fn` in milliseconds, and the size of its last result."""
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
        size = len(result) if isinstance(result, list) else 0
    return statistics.median(times), size


def main() -> None:
    """Seed, then print one line per query: median milliseconds and results returned."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        catalogue, sla = load_policies(Settings.from_env({}))
        services = Services(make_session_factory(engine), catalogue, sla, ManualClock(NOW), TZ)
        services.tickets.sync_catalogue()
        started = time.perf_counter()
        seed(engine, services, args.tickets)
        print(
            f"{engine.dialect.name}: {args.tickets:,} tickets seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        with engine.connect() as conn:
            number, phone = conn.execute(
                text("SELECT number, contact_phone FROM tickets WHERE id = :id"),
                {"id": args.tickets // 2},
            ).one()
        dispatcher = Actor(role="dispatcher", id="bench:d")
        staff = Actor(role="staff", id="bench:s", department="housing")
        member = Actor(role="staff", id="operator:member0", department="housing")
        cases: list[tuple[str, Callable[[], object]]] = [
            ("number (dispatcher)", lambda: services.tickets.search(
                dispatcher, Search(number=number))),
            ("phone (dispatcher, audited)", lambda: services.tickets.search(
                dispatcher, Search(phone=phone))),
            ("place 幸福路 (dispatcher)", lambda: services.tickets.search(
                dispatcher, Search(place="幸福路"))),
            ("text 漏水 + month (dispatcher)", lambda: services.tickets.search(
                dispatcher, Search(text="漏水", since=OCT_1, until=OCT_31))),
            ("text 漏水 (housing staff)", lambda: services.tickets.search(
                staff, Search(text="漏水"))),
            ("rare text, full scan (dispatcher)", lambda: services.tickets.search(
                dispatcher, Search(text="不存在的内容"))),
            ("我的待办 (member0)", lambda: services.tickets.my_tickets(member)),
        ]  # fmt: skip
        for label, fn in cases:
            ms, size = median_ms(fn)
            print(f"  {label:<36} {ms:8.1f} ms  ({size} results)")
        engine.dispose()


if __name__ == "__main__":
    main()
