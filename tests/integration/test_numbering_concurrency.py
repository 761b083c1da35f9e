"""Many writers at once: every ticket gets a number, no number is handed out twice."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_session_factory

TZ = ZoneInfo("Asia/Shanghai")


def _open_many(service: Services, worker: int, count: int) -> list[str]:
    return [
        service.tickets.open_ticket(
            NewTicket(
                channel="telegram",
                channel_user_id=f"{worker}-{i % 3}",
                description=f"第{worker}号并发测试 {i}",
                category="street_light",
            )
        ).number
        for i in range(count)
    ]


def _assert_dense(numbers: list[str], expected: int) -> None:
    assert len(numbers) == expected
    assert len(set(numbers)) == expected, "duplicate ticket numbers"
    sequences = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequences == list(range(1, expected + 1)), "gaps or lost tickets"


def test_threads_never_share_a_number(service: Services) -> None:
    workers, each = 8, 25
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda w: _open_many(service, w, each), range(workers)))
    numbers = [n for batch in results for n in batch]
    _assert_dense(numbers, workers * each)
    assert service.views.count_tickets() == workers * each


def _process_worker(args: tuple[str, int, int]) -> list[str]:
    from hotline.bootstrap import load_policies
    from hotline.config import Settings
    from hotline.storage.db import make_engine, make_session_factory

    url, worker, count = args
    catalogue, sla = load_policies(Settings.from_env({}))
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))
    engine = make_engine(url)
    service = Services(make_session_factory(engine), catalogue, sla, clock, TZ)
    try:
        return _open_many(service, worker, count)
    finally:
        engine.dispose()


def test_processes_never_share_a_number(engine: Engine, service: Services, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    workers, each = 4, 25
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        results = pool.map(_process_worker, [(url, w, each) for w in range(workers)])
    _assert_dense([n for batch in results for n in batch], workers * each)


def test_numbers_restart_each_local_day(service: Services, clock: ManualClock) -> None:
    first = _open_many(service, 0, 2)
    clock.set(datetime(2026, 11, 23, 23, 59, tzinfo=TZ))
    late = _open_many(service, 0, 1)
    clock.set(datetime(2026, 11, 24, 0, 0, 30, tzinfo=TZ))  # 16:00 UTC: already the 24th locally
    next_day = _open_many(service, 0, 1)
    assert first == ["20261123-0001", "20261123-0002"]
    assert late == ["20261123-0003"]
    assert next_day == ["20261124-0001"]


def test_servers_starting_together_all_sync_the_catalogue(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> None:
    """Action servers, bots and web workers start on one database at once and each mirrors
    the catalogue: none fails on another's insert, and every department is there once."""
    starters = 8
    together = threading.Barrier(starters)

    def start(_: int) -> None:
        service = Services(make_session_factory(engine), catalogue, sla, clock, TZ)
        together.wait()
        service.tickets.sync_catalogue()

    with ThreadPoolExecutor(starters) as pool:
        list(pool.map(start, range(starters)))  # re-raises the first failure
    with engine.connect() as connection:
        departments = connection.execute(text("SELECT count(*) FROM departments")).scalar()
        categories = connection.execute(text("SELECT count(*) FROM categories")).scalar()
    assert departments == len(catalogue.departments)
    assert categories == len(catalogue.categories)
