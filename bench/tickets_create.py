"""Create N tickets through the service layer on SQLite and print tickets/s (goal: >= 1,000/s).

`--workers K` splits the work over K processes writing the same database, as the bot and the
action server do in production; SQLite serialises the writes (BEGIN IMMEDIATE), the Python
work runs in parallel.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade

TZ = ZoneInfo("Asia/Shanghai")


def _service(url: str) -> tuple[Services, ManualClock]:
    catalogue, sla = load_policies(Settings.from_env({}))
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=TZ))
    service = Services(make_session_factory(make_engine(url)), catalogue, sla, clock, TZ)
    return service, clock


def _create(args: tuple[str, int, int, int]) -> float:
    """Open `count` tickets; returns the seconds it took (in this process)."""
    url, worker, count, report_every = args
    service, clock = _service(url)
    categories = list(service.catalogue.categories)
    rng = random.Random(12345 + worker)
    started = time.perf_counter()
    for i in range(count):
        clock.advance(timedelta(milliseconds=500))
        service.tickets.open_ticket(
            NewTicket(
                channel="telegram",
                channel_user_id=str(rng.randrange(20_000)),
                description=f"测试诉求 {worker}-{i}：路灯不亮，已经三天了",
                category=rng.choice(categories) if i % 20 else None,
                address=f"人民路{i % 500}号",
                priority="urgent" if i % 50 == 0 else "normal",
            )
        )
        if report_every and (i + 1) % report_every == 0:
            rate = (i + 1) / (time.perf_counter() - started)
            print(f"  worker {worker}: {i + 1:>7} tickets, {rate:,.0f}/s so far", flush=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        service, _ = _service(url)
        service.tickets.sync_catalogue()
        each = args.count // args.workers
        jobs = [(url, w, each, 10_000 if args.workers == 1 else 0) for w in range(args.workers)]
        started = time.perf_counter()
        cpu_before = os.times()
        if args.workers == 1:
            _create(jobs[0])
        else:
            with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
                pool.map(_create, jobs)
        elapsed = time.perf_counter() - started
        after = os.times()
        # CPU seconds of this process and its workers: steadier than wall time on a busy machine.
        cpu = sum(after[:4]) - sum(cpu_before[:4])
        total = each * args.workers
        assert service.views.count_tickets() == total, "lost tickets"
        print(
            f"created {total:,} tickets in {elapsed:.1f} s with {args.workers} process(es): "
            f"{total / elapsed:,.0f} tickets/s ({engine.url.get_backend_name()}); "
            f"CPU {1000 * cpu / total:.2f} ms a ticket "
            f"({total / cpu:,.0f} tickets per CPU-second); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
