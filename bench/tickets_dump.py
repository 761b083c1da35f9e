"""Open a fixed mix of 600 tickets (fixed clock and seed) and dump every table, sorted.

For changes to ticket creation that must not change what is written: run it before and
after (`git stash`, or an unpacked `git archive` of the old commit run with its directory
as the working directory) and compare the two files; they must be identical.

    .venv/bin/python -m bench.tickets_dump --out /tmp/after.txt [--db postgresql://…]

The mix: every category and none, routed by category or named department, unroutable ones,
urgent ones, all request types, with and without address, coordinates, phone and details,
idempotency keys new and repeated, reports typed in by an operator, one third through
duplicate linking (data/duplicates.yml) so that some are linked to an open ticket; the
clock starts before the National Day holiday and moves by minutes to hours. Each call's
returned view is dumped first, then every table of the database (ids included).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect, text

from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.domain.tickets import Actor, DomainError
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade

TZ = ZoneInfo("Asia/Shanghai")
DESCRIPTIONS = [
    "路灯不亮，已经三天了",
    "小区门口垃圾没人清理 电话13812345678",
    "噪音扰民，晚上施工",
    "  道路积水严重  ",
    "x" * 50,
]
ADDRESSES = [None, "人民路12号", "解放大道88号3栋", "淮海路与人民路交叉口"]


def open_mix(engine: Engine, count: int = 600) -> list[str]:
    """Open the mix on a migrated, empty database; the views (or errors) as text."""
    settings = Settings.from_env({})
    catalogue, sla = load_policies(settings)
    duplicates = load_duplicate_rules(
        settings.data_dir / "duplicates.yml", known_categories=set(catalogue.categories)
    )
    clock = ManualClock(datetime(2026, 9, 28, 16, 55, tzinfo=TZ))  # before National Day
    sessions = make_session_factory(engine)
    plain = Services(sessions, catalogue, sla, clock, TZ)
    linking = Services(sessions, catalogue, sla, clock, TZ, duplicates=duplicates)
    plain.tickets.sync_catalogue()
    rng = random.Random(20261205)
    categories, departments = sorted(catalogue.categories), sorted(catalogue.departments)
    views: list[str] = []
    keys: list[str] = []
    for i in range(count):
        clock.advance(timedelta(minutes=rng.choice([0, 1, 7, 33, 95, 240, 600])))
        service = linking if i % 3 == 0 else plain
        key = None
        r = rng.random()
        if r < 0.15:
            key = f"k{i}"
            keys.append(key)
        elif r < 0.22 and keys:
            key = rng.choice(keys)
        category = rng.choice(categories) if rng.random() > 0.1 else None
        request = NewTicket(
            channel=rng.choice(["telegram", "rest", "wechat", "phone"]),
            channel_user_id=str(rng.randrange(60)),
            description=rng.choice(DESCRIPTIONS) + f" #{i % 40}",
            category=category,
            department=rng.choice(departments) if rng.random() < 0.1 else None,
            request_type=rng.choice([None, None, None, "投诉", "建议", "咨询"]),
            priority="urgent" if rng.random() < 0.1 else "normal",
            address=rng.choice([*ADDRESSES, f"健康路{i % 9}号"]),
            latitude=rng.choice([None, 33.6 + rng.random() / 100]),
            longitude=rng.choice([None, 119.0 + rng.random() / 100]),
            contact_phone=rng.choice([None, "13900001111", " 025-1234567 "]),
            details=rng.choice([{}, {"楼层": "3"}, {"a": "b", "c": "d"}]),
            confidence=rng.choice([None, 0.42, 0.9]),
            needs_human=rng.random() < 0.05,
            idempotency_key=key,
        )
        by = Actor(role="dispatcher", id="7", name="王") if rng.random() < 0.1 else None
        try:
            view = service.tickets.open_ticket(request, by, link=rng.random() > 0.1)
            views.append(repr(view))
        except DomainError as err:
            views.append(f"error {err.code} {err}")
    return views


def dump(engine: Engine, views: list[str], out: Path) -> None:
    with engine.connect() as connection, out.open("w") as f:
        for view in views:
            f.write(view + "\n")
        for table in sorted(inspect(connection).get_table_names()):
            f.write(f"== {table}\n")
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            for row in sorted((tuple(r) for r in rows), key=repr):
                f.write(repr(row) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--db", help="an empty database's URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.db or f"sqlite:///{Path(tmp) / 'dump.db'}")
        upgrade(engine)
        dump(engine, open_mix(engine), args.out)
        engine.dispose()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
