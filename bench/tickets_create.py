"""Create N tickets through the service layer on SQLite and print tickets/s (goal: >= 1,000/s)."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.bootstrap import load_policies
from hotline.clock import ManualClock
from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.migrate import upgrade
from hotline.services import HotlineService, NewTicket

TZ = ZoneInfo("Asia/Shanghai")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    catalogue, sla = load_policies(Settings.from_env({}))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=TZ))
        service = HotlineService(make_session_factory(engine), catalogue, sla, clock, TZ)
        service.sync_catalogue()
        categories = list(catalogue.categories)
        rng = random.Random(12345)
        started = time.perf_counter()
        for i in range(args.count):
            clock.advance(timedelta(milliseconds=500))
            service.open_ticket(
                NewTicket(
                    channel="telegram",
                    channel_user_id=str(rng.randrange(20_000)),
                    description=f"测试诉求 {i}：路灯不亮，已经三天了",
                    category=rng.choice(categories) if i % 20 else None,
                    address=f"人民路{i % 500}号",
                    priority="urgent" if i % 50 == 0 else "normal",
                )
            )
            if (i + 1) % 10_000 == 0:
                rate = (i + 1) / (time.perf_counter() - started)
                print(f"  {i + 1:>7} tickets, {rate:,.0f} tickets/s so far", flush=True)
        elapsed = time.perf_counter() - started
        assert service.count_tickets() == args.count
        print(
            f"created {args.count:,} tickets in {elapsed:.1f} s: "
            f"{args.count / elapsed:,.0f} tickets/s ({engine.url.get_backend_name()})"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
