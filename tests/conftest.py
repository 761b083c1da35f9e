"""Shared fixtures: an injected clock, the real catalogue and SLA policy, and both databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Base
from tests.support.postgres import Cluster, find_bindir, start_cluster
from tests.support.redis import RedisServer, find_redis, start_redis

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env({}, root=ROOT)


@pytest.fixture(scope="session")
def policies(settings: Settings) -> tuple[Catalogue, SlaPolicy]:
    return load_policies(settings)


@pytest.fixture(scope="session")
def catalogue(policies: tuple[Catalogue, SlaPolicy]) -> Catalogue:
    return policies[0]


@pytest.fixture(scope="session")
def sla(policies: tuple[Catalogue, SlaPolicy]) -> SlaPolicy:
    return policies[1]


@pytest.fixture
def clock() -> ManualClock:
    """Monday 2026-11-23 10:00 in Shanghai: a plain working morning."""
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    """One cluster for the whole run; missing binaries fail in CI and skip elsewhere."""
    url = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
    if url:
        yield None
        return
    if find_bindir() is None:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests, but no server binaries were found")
        yield None
        return
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_engine(pg_cluster: Cluster | None) -> Iterator[Engine | None]:
    url = os.environ.get("HOTLINE_TEST_POSTGRES_URL") or (pg_cluster.url if pg_cluster else None)
    if url is None:
        yield None
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a fresh SQLite file, or the shared PostgreSQL one truncated."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'hotline.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    pg: Engine | None = request.getfixturevalue("pg_engine")
    if pg is None:
        pytest.skip("PostgreSQL server binaries not installed (run scripts/setup.sh)")
    _truncate(pg)
    yield pg


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'hotline.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def service(engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock) -> Services:
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ)
    svc.tickets.sync_catalogue()
    return svc


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A Redis server of the test's own; skipped where redis-server is not installed."""
    if find_redis() is None:
        pytest.skip("redis-server not installed (scripts/setup.sh installs it)")
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()
