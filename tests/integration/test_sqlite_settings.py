"""Every SQLite connection gets the settings the hotline relies on (durability and speed)."""

from __future__ import annotations

from sqlalchemy import Engine


def test_each_connection_is_wal_normal_sync_with_statement_journals_in_memory(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in (
                "journal_mode",
                "synchronous",
                "foreign_keys",
                "busy_timeout",
                "temp_store",
            )
        }
    # WAL with synchronous=NORMAL (1) is the durability the hotline is configured for;
    # temp_store=MEMORY (2) only keeps statement journals and temporary tables off disk.
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "temp_store": 2,
    }
