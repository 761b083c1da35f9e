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
  one at a time under Rasa's lock store: the Redis one when several replicas share the
  table). A save
  checks that newest id with one index lookup; if another process wrote in between, or the
  sender is unknown, it falls back to Rasa's ``COUNT`` query, so nothing is lost or doubled;
* SQLite runs in WAL mode with ``synchronous=NORMAL`` and a busy timeout, so two workers
  queue for the file instead of failing, and a commit survives a killed process;
* a long session is loaded bounded (issue 20: turn 400 cost 10x turn 10, the whole session
  being read, replayed and sent to the action server on every turn). Once the latest session
  holds more than ``max_loaded_events`` rows (``endpoints.yml``, default 160), the tracker is
  rebuilt from the session's opening (``session_started`` up to its first
  ``action_listen``), the latest value of every slot set in between, the latest
  ``active_loop`` and pause/resume in between, and the last ``max_loaded_events`` rows
  starting at a user message. The state Rasa and the action read is the same (slots, the
  latest message, rule history, the last 40 lines of transcript); the work per turn is
  bounded. ``retrieve_full_tracker`` (all sessions) still loads everything.
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
# Rows of a session loaded per turn before the tracker is loaded bounded (see above): ~23
# turns of 5-7 events, more than the 40 lines of transcript the action hands a dispatcher.
MAX_LOADED_EVENTS = 160
# What the tracker object remembers of its load: (events already stored, newest row id,
# loaded bounded). Set on the object, so a save never trusts another tracker's figures.
LOADED = "_hotline_loaded"
# Rows of the session's opening kept when a long session is loaded bounded.
OPENING_ROWS = 12


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


class HotlineTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with Core SQL, one insert per save and SQLite in WAL mode."""

    def __init__(
        self, *args: Any, max_loaded_events: int = MAX_LOADED_EVENTS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_loaded_events = max(20, int(max_loaded_events))
        # Rows read from the table by the last retrieve (the regression test reads it).
        self.rows_loaded = 0
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
        self._newest_timestamp = sa.text(
            f"SELECT max(timestamp) FROM {table} WHERE sender_id = :sender"
        )
        # The bounded load of a long session (SQLite's sender index carries the id; PostgreSQL
        # sorts one sender's rows).
        self._select_tail = sa.text(
            f"SELECT id, type_name, data FROM {table} WHERE sender_id = :sender "
            "ORDER BY id DESC LIMIT :limit"
        )
        self._session_start_id = sa.text(
            f"SELECT max(id) FROM {table} WHERE sender_id = :sender "
            f"AND type_name = '{SessionStarted.type_name}'"
        )
        self._select_opening = sa.text(
            f"SELECT id, type_name, data FROM {table} WHERE sender_id = :sender "
            "AND id >= :start ORDER BY id LIMIT :limit"
        )
        self._select_state_between = sa.text(
            f"SELECT id, data FROM {table} WHERE sender_id = :sender AND type_name = :type "
            "AND id > :after AND id < :before AND data LIKE :pattern ORDER BY id DESC"
        )
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
        with self.engine.connect() as connection:
            if fetch_events_from_all_sessions:
                rows = connection.execute(self._select_all, {"sender": sender_id}).all()
                events = [json.loads(row[1]) for row in rows]
                bounded = False
            else:
                events, rows, bounded = self._latest_session(connection, sender_id)
        self.rows_loaded = len(rows)
        newest = max((int(row[0]) for row in rows), default=None)
        if bounded:
            self._stored.pop(sender_id, None)  # its count fits only the tracker made here
        elif not fetch_events_from_all_sessions:
            self._remember(sender_id, len(events), newest)
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, LOADED, (len(tracker.events), newest, bounded))
        return tracker

    def _latest_session(
        self, connection: Any, sender_id: str
    ) -> tuple[list[dict[str, Any]], list[Any], bool]:
        """(events to replay, rows read, loaded bounded) of the sender's latest session."""
        limit = self.max_loaded_events
        tail = connection.execute(
            self._select_tail, {"sender": sender_id, "limit": limit + 1}
        ).all()
        short = len(tail) <= limit or any(
            row[1] == SessionStarted.type_name for row in tail[:limit]
        )
        if short:  # the whole session is at most `limit` rows: load it as Rasa does
            rows = connection.execute(self._select_latest, {"sender": sender_id}).all()
            return [json.loads(row[1]) for row in rows], rows, False
        tail = list(reversed(tail[:limit]))
        start = connection.execute(self._session_start_id, {"sender": sender_id}).scalar()
        opening = connection.execute(
            self._select_opening,
            {"sender": sender_id, "start": int(start or 0), "limit": OPENING_ROWS},
        ).all()
        for cut, row in enumerate(opening):
            if row[1] == "action" and json.loads(row[2]).get("name") == "action_listen":
                opening = opening[: cut + 1]
                break
        opening_end = int(opening[-1][0]) if opening else int(start or 0)
        while tail and tail[0][1] != "user":  # the tail starts with a whole turn
            tail.pop(0)
        if not tail or int(tail[0][0]) <= opening_end:
            rows = connection.execute(self._select_latest, {"sender": sender_id}).all()
            return [json.loads(row[1]) for row in rows], rows, False
        tail_start = int(tail[0][0])
        tail_events = [json.loads(row[2]) for row in tail]
        between = self._state_between(connection, sender_id, opening_end, tail_start, tail_events)
        events = [json.loads(row[2]) for row in opening] + [e for _, e in between] + tail_events
        return events, [*opening, *tail], True

    def _state_between(
        self,
        connection: Any,
        sender_id: str,
        after: int,
        before: int,
        tail: list[dict[str, Any]],
    ) -> list[tuple[int, dict[str, Any]]]:
        """The latest event of each kind of state set between the opening and the tail and
        not set again in the tail: slot values, the active loop, paused or not."""
        set_in_tail = {e.get("name") for e in tail if e.get("event") == "slot"}
        wanted: list[tuple[str, str, str | None]] = [
            ("slot", f'%"name": {json.dumps(slot.name)}%', slot.name)
            for slot in (self.domain.slots if self.domain else [])
            if slot.name not in set_in_tail
        ]
        if not any(e.get("event") == "active_loop" for e in tail):
            wanted.append(("active_loop", "%", None))
        if not any(e.get("event") in ("pause", "resume") for e in tail):
            wanted += [("pause", "%", None), ("resume", "%", None)]
        found: list[tuple[int, dict[str, Any]]] = []
        for type_name, pattern, name in wanted:
            result = connection.execute(
                self._select_state_between,
                {
                    "sender": sender_id,
                    "type": type_name,
                    "after": after,
                    "before": before,
                    "pattern": pattern,
                },
            )
            for row in result:
                event = json.loads(row[1])
                if name is None or event.get("name") == name:
                    found.append((int(row[0]), event))
                    break
            result.close()
        pauses = [item for item in found if item[1].get("event") in ("pause", "resume")]
        if len(pauses) == 2:  # only the later of pause and resume counts
            found.remove(min(pauses, key=lambda item: item[0]))
        return sorted(found, key=lambda item: item[0])

    def _newest_id(self, connection: Any, sender_id: str) -> int | None:
        newest = connection.execute(self._newest, {"sender": sender_id}).scalar()
        return None if newest is None else int(newest)

    def _stored_count(self, connection: Any, sender_id: str) -> int:
        return int(connection.execute(self._count_latest, {"sender": sender_id}).scalar_one())

    def _already_stored(
        self, connection: Any, tracker: DialogueStateTracker, newest: int | None
    ) -> int:
        """How many of the tracker's events the table already holds."""
        sender_id = tracker.sender_id
        total = len(tracker.events)
        loaded = getattr(tracker, LOADED, None)
        if loaded is not None and loaded[1] == newest and loaded[0] <= total:
            return int(loaded[0])
        if loaded is not None and loaded[2]:
            # A bounded tracker and someone else wrote since (Rasa's lock store prevents it):
            # its events newer than the table's newest are the new ones.
            latest = connection.execute(self._newest_timestamp, {"sender": sender_id}).scalar()
            stored = 0
            for index, event in enumerate(tracker.events):
                if latest is not None and (event.timestamp or 0) <= latest:
                    stored = index + 1
            return stored
        remembered = self._stored.get(sender_id)
        if remembered is not None and remembered[1] == newest and remembered[0] <= total:
            return remembered[0]
        return self._stored_count(connection, sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events the database does not have yet, in one statement."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        total = len(tracker.events)
        with self.engine.begin() as connection:
            newest = self._newest_id(connection, sender_id)
            stored = self._already_stored(connection, tracker, newest)
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
        loaded = getattr(tracker, LOADED, None)
        setattr(tracker, LOADED, (total, newest, bool(loaded and loaded[2])))
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")
