"""Rasa's SQL tracker store, made cheap enough for a busy hotline (same table, same rows).

``endpoints.yml``::

    tracker_store:
      type: nlu.tracker_store.HotlineTrackerStore
      dialect: sqlite
      db: var/rasa-tracker.db

Rasa 3.6's ``SQLTrackerStore`` spent about a quarter of the Rasa process's CPU under load
(py-spy, ``bench/load.py``): an ORM object per event, a ``COUNT`` query on every save to find
the new events, and on SQLite a rollback journal whose every commit syncs the file and locks
out the other workers. This subclass keeps the schema, so ``rasa export``, ``rasa
interactive`` and an existing database work unchanged, and changes how it is used:

* events are read and written with SQLAlchemy Core, all of a turn's new events in one
  ``executemany`` insert;
* the number of events already stored is remembered, with the id of the sender's newest
  row, from the ``retrieve`` that loaded the tracker or the last save (a sender's turns run
  one at a time under Rasa's lock, on one worker: see
  ``hotline.adapters.stack.rasa_url_for``). A save
  checks that newest id with one index lookup; if another process wrote in between, or the
  sender is unknown, it falls back to Rasa's ``COUNT`` query, so nothing is lost or doubled;
* SQLite runs in WAL mode with ``synchronous=NORMAL`` and a busy timeout, so two workers
  queue for the file instead of failing, and a commit survives a killed process.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# Senders whose stored-event count is remembered; older ones fall back to a COUNT query.
REMEMBERED_SENDERS = 50_000
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


class HotlineTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with Core SQL, one insert per save and SQLite in WAL mode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # A connection pool instead of SQLAlchemy 1.4's NullPool for SQLite files: no
            # reconnect (and no PRAGMAs again) on every turn.
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                max_overflow=4,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._events = self.SQLEvent.__table__
        self._insert = self._events.insert()
        table = self._events.name
        session_start = (
            f"(SELECT max(timestamp) FROM {table} "
            f"WHERE sender_id = :sender AND type_name = '{SessionStarted.type_name}')"
        )
        latest_session = (
            f"sender_id = :sender AND (timestamp >= {session_start} OR {session_start} IS NULL)"
        )
        # Built once: statements made per call cost more CPU than the queries themselves.
        self._select_latest = sa.text(
            f"SELECT id, data FROM {table} WHERE {latest_session} ORDER BY id"
        )
        self._select_all = sa.text(
            f"SELECT id, data FROM {table} WHERE sender_id = :sender ORDER BY id"
        )
        self._count_latest = sa.text(f"SELECT count(*) FROM {table} WHERE {latest_session}")
        self._newest = sa.text(f"SELECT max(id) FROM {table} WHERE sender_id = :sender")
        # sender -> (events of its latest session in the table, id of its newest row)
        self._stored: OrderedDict[str, tuple[int, int | None]] = OrderedDict()

    def _remember(self, sender_id: str, count: int, newest: int | None) -> None:
        self._stored[sender_id] = (count, newest)
        self._stored.move_to_end(sender_id)
        while len(self._stored) > REMEMBERED_SENDERS:
            self._stored.popitem(last=False)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        query = self._select_all if fetch_events_from_all_sessions else self._select_latest
        with self.engine.connect() as connection:
            rows = connection.execute(query, {"sender": sender_id}).all()
        if not fetch_events_from_all_sessions:
            self._remember(sender_id, len(rows), rows[-1][0] if rows else None)
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_dict(
            sender_id, [json.loads(row[1]) for row in rows], self.domain.slots
        )

    def _newest_id(self, connection: Any, sender_id: str) -> int | None:
        newest = connection.execute(self._newest, {"sender": sender_id}).scalar()
        return None if newest is None else int(newest)

    def _stored_count(self, connection: Any, sender_id: str) -> int:
        return int(connection.execute(self._count_latest, {"sender": sender_id}).scalar_one())

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events the database does not have yet, in one statement."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        total = len(tracker.events)
        with self.engine.begin() as connection:
            newest = self._newest_id(connection, sender_id)
            remembered = self._stored.get(sender_id)
            if remembered is not None and remembered[1] == newest and remembered[0] <= total:
                stored = remembered[0]
            else:
                stored = self._stored_count(connection, sender_id)
            rows = []
            for event in itertools.islice(tracker.events, stored, total):
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                connection.execute(self._insert, rows)
                newest = self._newest_id(connection, sender_id)
        self._remember(sender_id, total, newest)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")
