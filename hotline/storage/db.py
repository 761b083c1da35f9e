"""Engine and session set-up that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hotline.storage.direct import execute_text


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        # Statement journals in memory: a new ticket's INSERT (its search-index trigger, its
        # indexes) journals more pages than the 64 KiB SQLite keeps in memory, so each one
        # spilled to a temporary file (open, write, unlink, close). Nothing durable is kept
        # there; queries' temporary tables (IN lists, materialised subqueries) live in RAM too.
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        execute_text(conn, "BEGIN IMMEDIATE")  # the driver's own call: SQLAlchemy's cost 4x it


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for a database URL, creating the SQLite file's folder when needed."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # SQL parameters carry citizens' words: never in logs
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep values usable after commit and write queued events on commit."""
    from hotline.storage.journal import discard_pending, write_pending

    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_commit", write_pending)
    event.listen(factory, "after_rollback", discard_pending)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
