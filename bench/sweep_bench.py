"""Time one SLA sweep over a large ticket table (goal: 1,000,000 tickets, sweep <= 1 s).

Tickets are bulk-inserted with SQLAlchemy Core in a realistic mix of states and deadlines
(not through the service: that is what bench/tickets_create.py measures). About one in a
thousand has an alert due at the sweep instant, as after a minute of a busy day; the sweep
itself is the production code path (hotline.services.sweep.sweep) in one transaction. Prints the
figures and the query plan of the selecting query.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.sweep import sweep
from hotline.storage.db import make_engine, make_session_factory, transaction
from hotline.storage.migrate import upgrade
from hotline.storage.models import Citizen, OutboxMessage, Ticket

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
STATES = (
    ["closed"] * 55
    + ["resolved"] * 10
    + ["accepted"] * 20
    + ["dispatched"] * 10
    + ["returned"] * 2
    + ["withdrawn"] * 3
)


def populate(engine_url: str, count: int, due_fraction: float) -> None:
    """Insert `count` tickets in batches; a `due_fraction` of open ones are due right now."""
    catalogue, _ = load_policies(Settings.from_env({}))
    engine = make_engine(engine_url)
    rng = random.Random(7)
    categories = list(catalogue.categories.values())
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
            cat = categories[i % len(categories)]
            status = rng.choice(STATES)
            created = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 90))
            answer_due = created + timedelta(days=rng.choice((2, 14, 21)))
            open_ = status in ("dispatched", "accepted", "returned", "resolved")
            if open_ and rng.random() < due_fraction:
                next_alert = NOW - timedelta(seconds=rng.randrange(1, 60))
            elif open_:
                next_alert = NOW + timedelta(minutes=rng.randrange(1, 60 * 24 * 14))
            else:
                next_alert = None
            rows.append(
                {
                    "number": f"2026{(i // 100_000) + 1:04d}-{i % 100_000:05d}",
                    "citizen_id": 1 + i % 50_000,
                    "channel": "telegram",
                    "request_type": cat.type,
                    "category_code": cat.code,
                    "department_code": cat.department,
                    "priority": "normal",
                    "status": status,
                    "description": "测试诉求",
                    "details": {},
                    "needs_human": False,
                    "created_at": created,
                    "dispatched_at": created,
                    "accept_due_at": created + timedelta(days=1),
                    "accept_warn_at": created + timedelta(hours=18),
                    "answer_due_at": answer_due,
                    "answer_warn_at": answer_due - timedelta(days=1),
                    "resolved_at": created + timedelta(days=1)
                    if status in ("resolved", "closed")
                    else None,
                    "due_provisional": False,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "version": 1,
                    "next_alert_at": next_alert,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(Ticket), rows)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.002, help="share of open tickets due")
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    catalogue, sla = load_policies(Settings.from_env({}))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'sweep.db'}"
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        Services(sessions, catalogue, sla, ManualClock(NOW), TZ).tickets.sync_catalogue()
        t0 = time.perf_counter()
        populate(url, args.count, args.due)
        print(f"inserted {args.count:,} tickets in {time.perf_counter() - t0:.1f} s")
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("ANALYZE"))
                plan = conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE next_alert_at IS NOT NULL "
                        "AND next_alert_at <= :now ORDER BY next_alert_at LIMIT 500"
                    ),
                    {"now": NOW.astimezone(UTC).replace(tzinfo=None)},
                ).all()
                print("query plan:", "; ".join(str(row[-1]) for row in plan))
            else:
                plan = conn.execute(
                    text(
                        "EXPLAIN SELECT id FROM tickets WHERE next_alert_at IS NOT NULL "
                        "AND next_alert_at <= :now ORDER BY next_alert_at LIMIT 500"
                    ),
                    {"now": NOW},
                ).all()
                print("query plan:", "; ".join(str(row[0]) for row in plan))
        with transaction(sessions) as session:
            due = session.scalar(select(func.count(Ticket.id)).where(Ticket.next_alert_at <= NOW))
        started = time.perf_counter()
        total_examined = total_sent = 0
        while True:  # one sweep = all batches due at this instant
            with transaction(sessions) as session:
                result = sweep(session, sla=sla, catalogue=catalogue, tz=TZ, now=NOW, batch=500)
            total_examined += result.examined
            total_sent += result.sent
            if result.examined < 500:
                break
        elapsed = time.perf_counter() - started
        with transaction(sessions) as session:
            rows = session.scalar(select(func.count(OutboxMessage.id)))
        print(
            f"sweep over {args.count:,} tickets ({due:,} due): examined {total_examined:,}, "
            f"sent {total_sent:,} reminders ({rows:,} outbox rows) in {elapsed:.3f} s"
        )
        started = time.perf_counter()
        with transaction(sessions) as session:
            idle = sweep(session, sla=sla, catalogue=catalogue, tz=TZ, now=NOW, batch=500)
        print(
            f"a second sweep at the same instant: examined {idle.examined} in "
            f"{time.perf_counter() - started:.4f} s"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
