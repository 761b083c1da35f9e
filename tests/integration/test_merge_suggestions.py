"""Suggested merges read grouped columns, not every open ticket: the same suggestions as the
pairwise comparison of all open tickets of the window, on both databases."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Engine, insert, or_, select

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import Report, load_duplicate_rules, match_score
from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import OPEN_STATUSES
from hotline.services.container import Services
from hotline.services.duplicates import SuggestedMerge
from hotline.storage.db import make_session_factory
from hotline.storage.models import Citizen, Ticket
from tests.conftest import ROOT, TZ

RULES = load_duplicate_rules(ROOT / "data" / "duplicates.yml")
ROUTES = [
    ("water_supply", "utilities"),
    ("burst_main", "utilities"),
    ("street_light", "urban_management"),
    (None, "utilities"),
    ("water_supply", None),
]
PLACES = ["幸福路", "幸福小区", "人民路", "朝阳区幸福路"]
WORDS = ["停水了", "没水了", "路灯不亮", "路灯坏了", "噪音很大", "停水，请尽快恢复供水"]
STATES = ["received", "dispatched", "accepted", "returned", "closed", "withdrawn"]


def seed(engine: Engine, clock: ManualClock, count: int) -> None:
    """Open and finished tickets over two days at a few places, some with coordinates."""
    rng = random.Random(19)
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(
            insert(Citizen), [{"channel": "rest", "channel_user_id": "u", "created_at": now}]
        )
        citizen = conn.scalar(select(Citizen.id))
        rows: list[dict[str, object]] = []
        for i in range(count):
            category, department = rng.choice(ROUTES)
            created = now - timedelta(minutes=rng.randrange(0, 48 * 60))
            road = rng.choice(PLACES)
            address = f"{road}{rng.choice([12, 12, 14, ''])}{'号' if rng.random() < 0.9 else ''}"
            geo = rng.random() < 0.2
            rows.append(
                {
                    "number": f"{created:%Y%m%d}-{i:06d}",
                    "citizen_id": citizen,
                    "channel": "rest",
                    "request_type": "投诉",
                    "category_code": category,
                    "department_code": department,
                    "priority": "normal",
                    "status": rng.choice(STATES),
                    "description": f"{address}{rng.choice(WORDS)}",
                    "address": address,
                    "place_key": None
                    if geo and rng.random() < 0.5
                    else road.removeprefix("朝阳区"),
                    "latitude": 39.9 + rng.random() / 500 if geo else None,
                    "longitude": 116.4 + rng.random() / 500 if geo else None,
                    "details": {},
                    "needs_human": False,
                    "created_at": created,
                    "due_provisional": False,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "version": 1,
                }
            )
        conn.execute(insert(Ticket), rows)


def pairwise(engine: Engine, clock: ManualClock, limit: int) -> list[SuggestedMerge]:
    """The earlier way: every open ticket of the window compared with the older ones of its
    routing and place."""
    with make_session_factory(engine)() as session:
        tickets = session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                Ticket.created_at >= clock.now() - RULES.window,
                or_(Ticket.place_key.is_not(None), Ticket.latitude.is_not(None)),
            )
            .order_by(Ticket.id)
        ).all()
        groups: dict[str, list[Ticket]] = {}
        for t in tickets:
            scope = t.department_code or t.category_code or "-"
            groups.setdefault(f"{scope}|{t.place_key or 'geo'}", []).append(t)

        def of(t: Ticket) -> Report:
            return Report(
                t.category_code,
                t.department_code,
                t.description,
                t.address,
                t.latitude,
                t.longitude,
                t.created_at,
            )

        found: list[SuggestedMerge] = []
        for group in groups.values():
            for i, newer in enumerate(group):
                best: tuple[float, Ticket] | None = None
                for older in group[:i]:
                    score = match_score(of(newer), of(older), RULES)
                    if score is not None and (best is None or score > best[0]):
                        best = (score, older)
                if best is not None:
                    found.append(
                        SuggestedMerge(
                            newer.number,
                            best[1].number,
                            round(best[0], 2),
                            newer.department_code,
                            newer.place_key,
                        )
                    )
        return sorted(found, key=lambda s: -s.score)[:limit]


def test_merge_suggestions_match_the_pairwise_comparison(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> None:
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=RULES)
    svc.tickets.sync_catalogue()
    seed(engine, clock, 400)
    expected = pairwise(engine, clock, 1000)
    assert len(expected) > 20  # the seed holds enough look-alikes to compare
    assert svc.tickets.suggested_merges(1000) == expected
    assert svc.tickets.suggested_merges(10) == expected[:10]
