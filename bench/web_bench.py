"""Time the web workbench at size (goal: 1,000,000 tickets; queue and search p95 <= 200 ms,
dashboard <= 1 s on this machine).

Tickets are bulk-inserted with SQLAlchemy Core (as bench/sweep_bench.py does) with varied
request texts and places; then the real pages are requested through the whole HTTP stack
in-process (FastAPI's TestClient: routing, session check, service call, template) as a
signed-in staff member, dispatcher and supervisor. Prints p50/p95 per page, the
dashboard's time to compute (wall and this process's CPU: the machine is shared) and to
serve kept figures, and the load average. `--db URL --reuse` times a database filled before.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert, literal, literal_column, null, select, text

from hotline.bootstrap import build_app
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.entrypoints.web.app import create_app
from hotline.paths import ROOT
from hotline.services.web_access import WebAccess
from hotline.storage.migrate import upgrade
from hotline.storage.models import Citizen, Ticket, TicketEvent
from tests.support.web import PASSWORD, csrf_of

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STATES = ["closed"] * 55 + ["resolved"] * 10 + ["accepted"] * 20 + ["dispatched"] * 10
STATES += ["returned"] * 2 + ["withdrawn"] * 3
ROADS = ["人民路", "解放路", "建设路", "中山路", "和平路", "长江路", "黄河路", "新华路", "胜利路"]
PLACES = ["幸福小区", "阳光花园", "翠湖苑", "东风村", "工业园", "火车站", "第一中学", "中心医院"]
SPAN = timedelta(days=90)
OPEN = ("dispatched", "accepted", "returned")
WORDS = ["噪声扰民", "垃圾满溢", "路灯不亮", "井盖缺失", "拖欠工资", "油烟扰民", "违章搭建"]


def populate(url: str, count: int, catalogue_codes: list[tuple[str, str, str]]) -> None:
    """Insert `count` tickets over the last 90 days in a realistic mix of states."""
    from hotline.storage.db import make_engine

    engine = make_engine(url)
    rng = random.Random(19)
    with engine.begin() as conn:
        conn.execute(
            insert(Citizen),
            [
                {"channel": "telegram", "channel_user_id": str(i), "created_at": NOW}
                for i in range(1, 50_001)
            ],
        )
    batch = 20_000
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            code, dept, kind = catalogue_codes[i % len(catalogue_codes)]
            # numbers follow time, as in production; tickets older than three weeks are
            # mostly finished (1 % still open: the overdue tail a real hotline carries)
            created = NOW - SPAN + SPAN * (i / count) - timedelta(seconds=rng.randrange(60))
            status = rng.choice(STATES)
            if NOW - created > timedelta(days=21) and status in OPEN and rng.random() > 0.01:
                status = rng.choice(("closed", "closed", "resolved", "withdrawn"))
            answer_due = created + timedelta(days=rng.choice((2, 14, 21)))
            road, place = rng.choice(ROADS), rng.choice(PLACES)
            address = f"{road}{rng.randrange(1, 400)}号{place}"
            rows.append(
                {
                    "number": f"{created:%Y%m%d}-{i:07d}",
                    "citizen_id": 1 + i % 50_000,
                    "channel": "telegram",
                    "request_type": kind,
                    "category_code": code,
                    "department_code": dept,
                    "priority": "urgent" if i % 50 == 0 else "normal",
                    "status": status,
                    "description": f"{address}附近{rng.choice(WORDS)}，已经持续{i % 9 + 1}天，"
                    "请有关部门尽快处理。",
                    "address": address,
                    "place_key": f"{road}{place}",
                    "details": {},
                    "needs_human": False,
                    "created_at": created,
                    "dispatched_at": created,
                    "accept_due_at": created + timedelta(days=1),
                    "accept_warn_at": created + timedelta(hours=18),
                    "answer_due_at": answer_due,
                    "answer_warn_at": answer_due - timedelta(days=1),
                    "accepted_at": created + timedelta(hours=3) if status != "dispatched" else None,
                    "resolved_at": created + timedelta(days=1)
                    if status in ("resolved", "closed")
                    else None,
                    "accept_work_seconds": 600 + rng.randrange(28_800)
                    if status != "dispatched"
                    else None,
                    "answer_work_seconds": 3600 + rng.randrange(432_000)
                    if status in ("resolved", "closed")
                    else None,
                    "due_provisional": False,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "version": 1,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(Ticket), rows)
    with engine.begin() as conn:
        add_events(conn)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE tickets"))
            conn.execute(text("ANALYZE ticket_events"))
        conn.commit()
    engine.dispose()


def add_events(conn: Connection) -> None:
    """The events the reports read, as the workflow writes them: a dispatch for every
    ticket, an accept for the accepted and an answer for the answered (one round each)."""
    t = Ticket.__table__.c
    for action, at, due, where in (
        ("dispatch", t.dispatched_at, None, t.dispatched_at.is_not(None)),
        ("accept", t.accepted_at, t.accept_due_at, t.accepted_at.is_not(None)),
        ("resolve", t.resolved_at, t.answer_due_at, t.resolved_at.is_not(None)),
    ):
        conn.execute(
            insert(TicketEvent).from_select(
                [
                    "ticket_id",
                    "at",
                    "actor",
                    "action",
                    "data",
                    "department_code",
                    "round",
                    "round_started_at",
                    "due_at",
                ],
                select(
                    t.id,
                    at,
                    literal("bench"),
                    literal(action),
                    literal_column("'{}'"),
                    t.department_code,
                    literal(0),
                    t.dispatched_at,
                    due if due is not None else null(),
                ).where(where),
            )
        )


def timed(fn: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """Milliseconds of n calls (after one warm-up): wall clock, and this process's CPU (the
    machine is shared: CPU time is what the page costs whatever else runs)."""
    fn()
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def get(c: TestClient, path: str) -> Callable[[], object]:
    """A call of one page that must answer 200."""

    def call() -> object:
        response = c.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return call


def time_dashboard(sup: TestClient, n: int) -> None:
    """Each period's dashboard: computed once (wall and this process's CPU, as the machine
    is shared), then served from the kept figures."""
    for period in ("today", "week", "month"):
        t0, c0 = time.perf_counter(), time.process_time()
        get(sup, f"/dashboard?period={period}")()  # computes the report (cold)
        cold = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
        warm, _ = timed(get(sup, f"/dashboard?period={period}"), n)
        label = f"dashboard ({period}): computed, then kept"
        print(f"{label:40} {cold:8.1f} ms computed ({cpu:.0f} ms CPU); kept p95 {p95(warm):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=40, help="requests per page")
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the tickets already in --db (no insert)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'web.db'}"
        settings = Settings.from_env(
            {"HOTLINE_DATABASE_URL": url, "HOTLINE_VAR_DIR": str(Path(tmp) / "var")}, root=ROOT
        )
        (Path(tmp) / "var").mkdir()
        clock = ManualClock(NOW)
        app = build_app(settings, clock=clock)
        upgrade(app.engine)
        app.service.tickets.sync_catalogue()
        codes = [(c, s.department, str(s.type)) for c, s in app.catalogue.categories.items()]
        t0 = time.perf_counter()
        kind = url.split(":")[0]
        with app.engine.connect() as conn:
            held = int(conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
        if args.reuse and held:
            print(f"reusing {held:,} tickets ({kind})")
        else:
            populate(url, args.count, codes)
            print(f"inserted {args.count:,} tickets in {time.perf_counter() - t0:.0f} s ({kind})")
        access = WebAccess(app.sessions, clock)
        for name, role, dept in (
            ("staff1", "staff", "urban_management"),
            ("disp1", "dispatcher", None),
            ("sup1", "supervisor", None),
        ):
            if not (args.reuse and held):
                app.service.operators.add_operator(name, role=role, department=dept)
            access.set_password(name, PASSWORD, by="bench")
        web = create_app(app)
        clients = {}
        for name in ("staff1", "disp1", "sup1"):
            c = TestClient(web, base_url="http://127.0.0.1")
            form = c.get("/login")
            c.post(
                "/login",
                data={"name": name, "password": PASSWORD, "csrf": csrf_of(form.text)},
                follow_redirects=False,  # the supervisor's home is the dashboard: timed below
            )
            clients[name] = c
        staff, disp, sup = clients["staff1"], clients["disp1"], clients["sup1"]
        some_number = staff.get("/queue").text.split('href="/tickets/')[1].split('"')[0]

        pages = {
            "queue (staff, by deadline)": get(staff, "/queue"),
            "queue (staff, red only)": get(staff, "/queue?light=red"),
            "queue (staff, newest, page 3)": get(staff, "/queue?sort=new&page=3"),
            "queue (dispatcher, all departments)": get(disp, "/queue"),
            "queue (dispatcher, urgent, all)": get(disp, "/queue?priority=urgent"),
            "search by number": get(disp, f"/search?text={some_number}"),
            "search by words (90 days)": get(disp, "/search?text=井盖缺失"),
            "search, words found nowhere (90 days)": get(disp, "/search?text=无此内容"),
            "search by place (90 days)": get(disp, "/search?place=翠湖苑"),
            "search words+place, one week": get(
                staff, "/search?text=路灯&place=人民路&from=2026-11-16&to=2026-11-22"
            ),
            "ticket page": get(staff, f"/tickets/{some_number}"),
            "dispatch board": get(disp, "/board"),
            "suggested merges (dispatcher)": get(disp, "/merges"),
        }
        print(f"load average (1, 5, 15 min) before timing: {os.getloadavg()}")
        print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'CPU p95':>8}")
        for label, call in pages.items():
            values, cpu = timed(call, args.n)
            print(f"{label:40} {statistics.median(values):8.1f} {p95(values):8.1f} {p95(cpu):8.1f}")
        time_dashboard(sup, args.n)
        print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
