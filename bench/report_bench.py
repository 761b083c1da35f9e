"""Time the weekly supervisor report over 1,000,000 tickets with their events (goal: <= 3 s).

Tickets, audit events, ratings and extension requests are bulk-inserted with SQLAlchemy Core
(executemany, explicit ids), not through the service, in a realistic mix: a year of intake
(about 19,000 tickets a week), 3 % unroutable, returns (8 % once, 2 % twice, 0.5 % three
times), 5 % reopened after an unsatisfied rating, 3 % extended, acceptances and answers
sometimes late, 70 % of answered tickets rated, places following a long-tailed distribution.
The report is the production code path (hotline.services.reports.report_for, then the text summary);
charts and the XLSX/CSV pack are timed separately. Prints EXPLAIN (QUERY PLAN) of the main
queries, then measures again with the index the report would like (tickets.dispatched_at).

    .venv/bin/python -m bench.report_bench                      # SQLite, temporary file
    .venv/bin/python -m bench.report_bench --file var/bench.db  # keep / reuse the file
    .venv/bin/python -m bench.report_bench --db postgresql://…  # PostgreSQL (emptied first)
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ClauseElement, Connection, Engine, Executable, func, insert, select, text

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.report_outputs import summary_text, write_report_pack
from hotline.services.reports import (
    _answers_query,
    _cohort_query,
    _hot_query,
    _intake_query,
    _overdue_query,
    _returns_query,
    make_period,
    report_for,
)
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Base, Citizen, ExtensionRequest, Rating, Ticket, TicketEvent

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
WEEK_END = date(2026, 11, 22)
SPAN = timedelta(days=365)
BATCH = 10_000
CHANNELS = ["telegram"] * 6 + ["phone"] * 3 + ["console"]
SCORES = ["satisfied"] * 80 + ["basically_satisfied"] * 12 + ["unsatisfied"] * 8
PLACES = [
    f"{name}{suffix}"
    for name in (
        "幸福",
        "人民",
        "和平",
        "建设",
        "解放",
        "新华",
        "光明",
        "朝阳",
        "东风",
        "胜利",
        "文化",
        "长江",
        "黄河",
        "中山",
        "友谊",
        "团结",
        "春晖",
        "金桥",
        "翠苑",
        "锦绣",
    )
    for suffix in (
        "路",
        "街",
        "小区",
        "家园",
        "花园",
        "新村",
        "大道",
        "广场",
        "社区",
        "市场",
        "公园",
        "苑",
        "大厦",
        "巷",
        "公寓",
        "村",
        "城",
        "府",
        "庭",
        "镇",
        "学校",
        "医院",
        "中学",
        "小学",
        "胡同",
    )
]


def _event(tid: int, at: datetime, action: str, frm: str | None, to: str | None) -> dict[str, Any]:
    return {
        "ticket_id": tid,
        "at": at,
        "actor": "system:bench",
        "action": action,
        "from_status": frm,
        "to_status": to,
        "note": None,
        "data": {},
    }


@dataclass
class Trail:
    """A generated ticket row and the rows its history wrote."""

    row: dict[str, Any]
    events: list[dict[str, Any]]
    ratings: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, at: datetime, action: str, frm: str | None, to: str | None) -> None:
        self.events.append(_event(self.row["id"], at, action, frm, to))


class Generator:
    """Builds one ticket with its events, ratings and extension request at a time."""

    def __init__(self, count: int, seed: int = 7) -> None:
        self.count = count
        catalogue, _ = load_policies(Settings.from_env({}))
        self.categories = list(catalogue.categories.values())
        self.rng = random.Random(seed)
        self.now = NOW.astimezone(UTC)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(PLACES))]
        self.places = self.rng.choices(PLACES, weights=weights, k=100_000)

    def ticket(self, tid: int) -> Trail:
        """One ticket as it would stand at NOW, with everything its history wrote."""
        rng, now = self.rng, self.now
        cat = self.categories[rng.randrange(len(self.categories))]
        # Ids follow intake order, as in production: a week's tickets sit together on disk.
        elapsed = SPAN.total_seconds() * (tid - 1) / self.count
        created = now - SPAN + timedelta(seconds=elapsed + rng.randrange(60))
        urgent = rng.random() < 0.02
        row: dict[str, Any] = {
            "id": tid,
            "number": f"B{tid:09d}",
            "citizen_id": 1 + tid % 50_000,
            "channel": rng.choice(CHANNELS),
            "request_type": cat.type,
            "category_code": cat.code,
            "department_code": cat.department,
            "priority": "urgent" if urgent else "normal",
            "status": "received",
            "description": "测试诉求",
            "details": {},
            "needs_human": False,
            "created_at": created,
            "due_provisional": False,
            "return_count": 0,
            "reopen_count": 0,
            "extension_count": 0,
            "version": 1,
            "place_key": self.places[tid % len(self.places)] if rng.random() < 0.7 else None,
            "dispatched_at": None,
            "accepted_at": None,
            "resolved_at": None,
            "closed_at": None,
            "accept_due_at": None,
            "answer_due_at": None,
            "accept_work_seconds": None,
            "answer_work_seconds": None,
        }
        trail = Trail(row, [_event(tid, created, "open", None, "received")])
        if rng.random() < 0.03 and now - created < timedelta(days=2):
            row.update(department_code=None, category_code=None, needs_human=True)
            return trail  # unroutable, waiting for a dispatcher
        t = created + timedelta(seconds=rng.randrange(5, 600))
        row["dispatched_at"] = t
        trail.add(t, "dispatch", "received", "dispatched")
        trail.add(t, "set_deadline", "dispatched", "dispatched")
        reopen = rng.random() < 0.05
        status = self._round(trail, 0, reopen=reopen, urgent=urgent)
        if status == "reopened":
            status = self._round(trail, 1, reopen=False, urgent=urgent)
        old = now - created > timedelta(days=30)
        if status in ("dispatched", "accepted") and old and rng.random() < 0.5:
            # most old open tickets were withdrawn long ago
            t = created + timedelta(days=rng.randrange(1, 20))
            trail.add(t, "withdraw", status, "withdrawn")
            row["closed_at"], status = t, "withdrawn"
        row["status"] = status
        return trail

    def _round(self, trail: Trail, round_: int, *, reopen: bool, urgent: bool) -> str:
        """Returns, accept, extension, answer and follow-up of one round; its end status."""
        rng, now, row = self.rng, self.now, trail.row
        start = row["dispatched_at"]
        accept_due = start + (timedelta(minutes=30) if urgent else timedelta(days=1))
        answer_due = start + timedelta(hours=24 if urgent else rng.choice((2, 14, 14, 21)) * 24)
        row.update(accept_due_at=accept_due, answer_due_at=answer_due)
        r = rng.random()
        returns = 3 if r < 0.005 else 2 if r < 0.025 else 1 if r < 0.105 else 0
        t = start
        for _ in range(returns if round_ == 0 else 0):
            t += timedelta(minutes=rng.randrange(10, 600))
            if t >= now:
                break
            trail.add(t, "return", "dispatched", "returned")
            t += timedelta(minutes=rng.randrange(5, 120))
            trail.add(t, "dispatch", "returned", "dispatched")
            row["return_count"] += 1
        t += timedelta(seconds=rng.expovariate(1 / (6 * 3600)))
        if t >= now or rng.random() < 0.004:
            return "dispatched" if rng.random() < 0.9 else "returned"
        trail.add(t, "accept", "dispatched", "accepted")
        row["accepted_at"] = t
        row["accept_work_seconds"] = int((t - start).total_seconds() * 0.3)
        if rng.random() < 0.03 and round_ == 0 and t + timedelta(days=1) < now:
            self._extend(trail, t + timedelta(days=1), answer_due)
        t += timedelta(seconds=rng.expovariate(1 / (5 * 86400)))
        if t >= now or rng.random() < 0.01:
            return "accepted"
        trail.add(t, "resolve", "accepted", "resolved")
        row["resolved_at"] = t
        row["answer_work_seconds"] = int((t - start).total_seconds() * 0.25)
        t += timedelta(days=1, seconds=rng.randrange(3600 * 8))
        if t >= now:
            return "resolved"
        if reopen:
            score: str | None = "unsatisfied"
        elif rng.random() < 0.7:
            score = rng.choice(SCORES[:92])  # an unsatisfied verdict would reopen it
        else:
            score = None
        if score is None:  # not rated: closed after the follow-up window
            t += timedelta(days=3)
            if t >= now:
                return "resolved"
            trail.add(t, "close", "resolved", "closed")
            row["closed_at"] = t
            return "closed"
        trail.add(t, "rate", "resolved", "resolved")
        trail.ratings.append(
            {"ticket_id": row["id"], "round": round_, "score": score, "created_at": t}
        )
        if score == "unsatisfied":
            trail.add(t, "reopen", "resolved", "dispatched")
            trail.add(t, "set_deadline", "dispatched", "dispatched")
            row["reopen_count"] += 1
            row.update(dispatched_at=t, accepted_at=None, resolved_at=None)
            return "reopened"
        trail.add(t, "close", "resolved", "closed")
        row["closed_at"] = t
        return "closed"

    @staticmethod
    def _extend(trail: Trail, at: datetime, answer_due: datetime) -> None:
        for action in ("request_extension", "approve_extension", "set_deadline"):
            trail.add(at, action, "accepted", "accepted")
        trail.row["extension_count"] = 1
        trail.row["answer_due_at"] = answer_due + timedelta(days=7)
        trail.extensions.append(
            {
                "ticket_id": trail.row["id"],
                "working_days": 5,
                "reason": "需要协调",
                "status": "approved",
                "requested_by": "staff:bench",
                "requested_at": at,
                "decided_by": "dispatcher:bench",
                "decided_at": at,
            }
        )

    def batches(self, count: int) -> Iterator[tuple[list[Any], list[Any], list[Any], list[Any]]]:
        for start in range(0, count, BATCH):
            tickets: list[Any] = []
            events: list[Any] = []
            ratings: list[Any] = []
            extensions: list[Any] = []
            for tid in range(start + 1, min(start + BATCH, count) + 1):
                trail = self.ticket(tid)
                tickets.append(trail.row)
                events.extend(trail.events)
                ratings.extend(trail.ratings)
                extensions.extend(trail.extensions)
            yield tickets, events, ratings, extensions


def populate(engine: Engine, count: int) -> int:
    """Insert `count` tickets with their trail; returns the number of events."""
    gen = Generator(count)
    with engine.begin() as conn:
        conn.execute(
            insert(Citizen),
            [
                {"channel": "telegram", "channel_user_id": str(i), "created_at": NOW}
                for i in range(1, 50_001)
            ],
        )
    n_events = 0
    for tickets, events, ratings, extensions in gen.batches(count):
        with engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(TicketEvent), events)
            if ratings:
                conn.execute(insert(Rating), ratings)
            if extensions:
                conn.execute(insert(ExtensionRequest), extensions)
        n_events += len(events)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("tickets", "ticket_events", "ratings", "extension_requests"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return n_events


def _driver_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
    return value


def explain(conn: Connection, title: str, stmt: Executable) -> None:
    """Print the plan of one of the report's statements, as the database will run it."""
    assert isinstance(stmt, ClauseElement)
    compiled: Any = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if conn.dialect.name == "sqlite":
        values = tuple(_driver_value(params[name]) for name in compiled.positiontup or ())
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), values).all()
        lines = [f"{'  ' * (int(r[1]) != 0)}{r[-1]}" for r in rows]
    else:
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), params).all()
        lines = [str(r[0]) for r in rows]
    print(f"-- {title}")
    for line in lines:
        print("   ", line)


def time_report(service: Services, out: Path, label: str) -> None:
    for attempt in ("cold", "warm"):
        started = time.perf_counter()
        report = report_for(service, "week", WEEK_END)
        kpi = time.perf_counter() - started
        text_ = summary_text(report)
        total = time.perf_counter() - started
        print(
            f"[{label}] weekly report ({attempt}): KPIs {kpi:.3f} s, KPIs + text {total:.3f} s"
            f" — dispatched {report.total.dispatched:,}, received {report.total.received:,},"
            f" overdue {report.total.overdue:,}"
        )
    started = time.perf_counter()
    files = write_report_pack(report, out)
    print(
        f"[{label}] pack (text + xlsx + csv + {len(files.charts)} charts): "
        f"{time.perf_counter() - started:.3f} s"
    )
    print(text_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--db", help="PostgreSQL URL (emptied first); default SQLite")
    parser.add_argument("--file", type=Path, help="SQLite file to keep and reuse")
    parser.add_argument(
        "--throwaway-pg",
        action="store_true",
        help="start a temporary PostgreSQL cluster (tests/support/postgres.py) and use it",
    )
    args = parser.parse_args()
    if args.throwaway_pg:
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        try:
            run(args.count, cluster.url, None)
        finally:
            cluster.stop()
        return
    run(args.count, args.db, args.file)


def run(count: int, db: str | None, file: Path | None) -> None:
    catalogue, sla = load_policies(Settings.from_env({}))
    with tempfile.TemporaryDirectory() as tmp:
        if db:
            url = db
        else:
            path = file or Path(tmp) / "report.db"
            url = f"sqlite:///{path}"
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
        sessions = make_session_factory(engine)
        service = Services(sessions, catalogue, sla, ManualClock(NOW), TZ)
        with engine.connect() as conn:
            existing = conn.scalar(select(func.count()).select_from(Ticket))
        if not existing:
            service.tickets.sync_catalogue()
            started = time.perf_counter()
            n_events = populate(engine, count)
            print(
                f"inserted {count:,} tickets and {n_events:,} events in "
                f"{time.perf_counter() - started:.1f} s"
            )
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX IF EXISTS ix_tickets_dispatched_at"))
            conn.execute(text("DROP INDEX IF EXISTS ix_ticket_events_ticket_action_at"))
            conn.execute(text("ANALYZE"))
            counts = {
                t.name: conn.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
                if t.name in ("tickets", "ticket_events", "ratings")
            }
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        period = make_period("week", WEEK_END, now=NOW, tz=TZ)
        queries: list[tuple[str, Executable]] = [
            ("cohort KPIs (响应率 summed in the same scan)", _cohort_query(period)),
            ("answers per round and answerer", _answers_query(period)),
            ("returns per returner", _returns_query(period)),
            ("intake", _intake_query(period)),
            ("overdue", _overdue_query(period)),
            ("hot categories and places", _hot_query(period)),
        ]
        for label, index_sql in (
            ("no dispatched_at index", None),
            (
                "with ix_tickets_dispatched_at",
                "CREATE INDEX IF NOT EXISTS ix_tickets_dispatched_at ON tickets (dispatched_at)",
            ),
            (
                "and ix_ticket_events_ticket_action_at",
                "CREATE INDEX IF NOT EXISTS ix_ticket_events_ticket_action_at "
                "ON ticket_events (ticket_id, action, at)",
            ),
        ):
            if index_sql:
                with engine.begin() as conn:
                    conn.execute(text(index_sql))
                    conn.execute(text("ANALYZE"))
            print(f"\n=== {engine.dialect.name}, {label}")
            with engine.connect() as conn:
                for title, stmt in queries:
                    explain(conn, title, stmt)
            time_report(service, Path(tmp) / "pack", label)
        engine.dispose()


if __name__ == "__main__":
    main()
