"""UTCDateTime's one-step SQLite processor writes the text SQLAlchemy's two steps write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from hotline.storage.types import UTCDateTime


@pytest.mark.parametrize(
    "value",
    [
        None,
        datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, 0, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    ],
)
def test_sqlite_processor_matches_the_chain(value: datetime | None) -> None:
    dialect = sqlite.dialect()
    column = cast(UTCDateTime, UTCDateTime().dialect_impl(dialect))
    fused = column.bind_processor(dialect)
    chain: Callable[[Any], Any] | None = TypeDecorator.bind_processor(column, dialect)
    assert fused is not None and chain is not None and fused is not chain
    assert fused(value) == chain(value)


def test_naive_datetimes_are_still_refused() -> None:
    dialect = sqlite.dialect()
    fused = cast(UTCDateTime, UTCDateTime().dialect_impl(dialect)).bind_processor(dialect)
    assert fused is not None
    with pytest.raises(ValueError, match="naive"):
        fused(datetime(2026, 11, 23, 9, 0))


def test_postgresql_keeps_the_chain() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    value = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is None or processor(value) == value.astimezone(UTC)
