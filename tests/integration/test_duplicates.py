"""One ticket per problem: reports of an open problem link to its ticket, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import DuplicateRules, load_duplicate_rules
from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import Actor, NotAllowed, Status, TicketNotFound
from hotline.domain.yamlconf import ConfigError
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.views import TicketFilter
from hotline.storage.db import make_session_factory
from hotline.storage.models import OutboxMessage, TicketEvent, TicketReporter
from tests.conftest import ROOT, TZ

UTILITIES = Actor(role="staff", id="telegram:2001", department="utilities")
DISPATCHER = Actor(role="dispatcher", id="telegram:3001")
RULES = load_duplicate_rules(ROOT / "data" / "duplicates.yml")

WATER_CUT = [
    "幸福路12号停水了，什么时候来水",
    "我家没水了",
    "幸福路12号断水一上午了",
    "从早上就不来水了，麻烦处理",
    "停水了，家里一点水都没有",
    "怎么又停水了",
    "水停了，能不能赶紧处理",
    "没有水用了，停水多久",
    "幸福路12号停水",
    "家里没水，做不了饭",
    "停水了，请尽快恢复供水",
    "我们楼停水了",
]


@pytest.fixture
def linking(engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock) -> Services:
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=RULES)
    svc.tickets.sync_catalogue()
    return svc


def report(svc: Services, user: str, text: str, **kw: object) -> tuple[str, bool]:
    fields: dict[str, object] = {
        "channel": "rest",
        "channel_user_id": user,
        "description": text,
        "category": "water_supply",
        "address": "幸福路12号",
    }
    fields.update(kw)
    view = svc.tickets.open_ticket(NewTicket(**fields))  # type: ignore[arg-type]
    return view.number, view.linked


def citizen_messages(svc: Services, kind: str) -> list[str]:
    with svc.sessions() as s:
        return list(
            s.scalars(
                select(OutboxMessage.address).where(
                    OutboxMessage.audience == "citizen", OutboxMessage.kind == kind
                )
            )
        )


def test_twelve_callers_about_one_water_cut_leave_one_ticket(linking: Services) -> None:
    results = [report(linking, f"c{i}", text) for i, text in enumerate(WATER_CUT)]
    numbers = {n for n, _ in results}
    assert len(numbers) == 1
    assert [linked for _, linked in results] == [False] + [True] * 11
    view = linking.views.get_ticket(results[0][0])
    assert view.reporters == 11
    # the department got its card once and a single extra line, not eleven cards
    with linking.sessions() as s:
        kinds = list(
            s.scalars(select(OutboxMessage.kind).where(OutboxMessage.audience == "department"))
        )
    assert kinds.count("ticket_dispatched") == 1
    assert kinds.count("reporter_linked") == 1


def test_other_problems_and_other_places_get_their_own_tickets(linking: Services) -> None:
    first, _ = report(linking, "a", "幸福路12号停水了")
    others = [
        report(linking, "b", "幸福路88号停水了", address="幸福路88号"),  # other house number
        report(linking, "c", "路灯不亮", category="street_light", address="幸福路12号"),
        report(linking, "d", "停水了", address="人民路5号"),
        report(linking, "e", "水压很低，水龙头只滴水"),  # same place, other problem
    ]
    assert all(not linked for _, linked in others)
    assert len({first, *(n for n, _ in others)}) == 5


def test_outside_the_window_a_new_ticket_opens(linking: Services, clock: ManualClock) -> None:
    first, _ = report(linking, "a", "停水了")
    clock.advance(timedelta(hours=RULES.window_hours + 1))
    second, linked = report(linking, "b", "停水了")
    assert not linked and second != first


def test_coordinates_link_within_the_radius(linking: Services) -> None:
    first, _ = report(
        linking, "a", "停水了", address="某处工地旁", latitude=31.2304, longitude=121.4737
    )
    near, linked = report(
        linking, "b", "没水了", address="工地对面", latitude=31.2309, longitude=121.4740
    )
    far, far_linked = report(
        linking, "c", "没水了", address="另一处", latitude=31.2504, longitude=121.4737
    )
    assert (near, linked) == (first, True)
    assert not far_linked and far != first


def test_concurrent_reports_of_one_problem_open_one_ticket(linking: Services) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: report(linking, f"t{i}", WATER_CUT[i % 12]), range(24)))
    assert len({n for n, _ in results}) == 1
    assert sum(1 for _, linked in results if not linked) == 1
    assert linking.views.get_ticket(results[0][0]).reporters == 23


def test_every_reporter_hears_progress_answer_and_survey(linking: Services) -> None:
    number, _ = report(linking, "owner", "停水了")
    report(linking, "r1", "没水了")
    report(linking, "r2", "断水了")
    linking.tickets.accept(number, UTILITIES)
    linking.tickets.resolve(
        number, UTILITIES, "管网抢修已完成，已于下午三点恢复供水，请放水几分钟。"
    )
    accepted = citizen_messages(linking, "ticket_accepted")
    answered = citizen_messages(linking, "ticket_answered")
    assert len(accepted) == 3 and len(set(accepted)) == 3
    assert len(answered) == 3 and len(set(answered)) == 3
    # the sweep's survey reaches all three too, once each
    from hotline.services.sweep import sweep

    linking.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    with linking.sessions() as s, s.begin():
        sweep(s, sla=linking.sla, catalogue=linking.catalogue, tz=TZ, now=linking.clock.now())
    with linking.sessions() as s, s.begin():
        sweep(s, sla=linking.sla, catalogue=linking.catalogue, tz=TZ, now=linking.clock.now())
    surveys = citizen_messages(linking, "survey")
    assert len(surveys) == 3 and len(set(surveys)) == 3


def test_a_reporter_sees_the_ticket_and_their_unsatisfied_reopens_it(linking: Services) -> None:
    number, _ = report(linking, "owner", "停水了")
    report(linking, "r1", "没水了")
    reporter = Actor(role="citizen", id="rest:r1")
    stranger = Actor(role="citizen", id="rest:zz")
    mine = linking.views.list_tickets(TicketFilter(citizen=reporter.id))
    assert [v.number for v in mine] == [number]
    assert linking.views.get_ticket(number, reporter).number == number
    with pytest.raises(TicketNotFound):
        linking.views.get_ticket(number, stranger)
    with pytest.raises(NotAllowed):
        linking.tickets.withdraw(number, reporter, "不需要了")
    linking.tickets.accept(number, UTILITIES)
    linking.tickets.resolve(number, UTILITIES, "已恢复供水，原因是管道检修，已经全部完成。")
    view = linking.tickets.rate(number, reporter, "unsatisfied", "还是没有水")
    assert view.status == Status.DISPATCHED.value and view.reopen_count == 1
    reopened = citizen_messages(linking, "ticket_reopened")
    assert len(set(reopened)) == 2  # the owner and the reporter both hear it


def test_repeated_report_with_the_same_key_is_answered_alike(linking: Services) -> None:
    first, _ = report(linking, "a", "停水了")
    again = [report(linking, "b", "没水了", idempotency_key="k-b") for _ in range(2)]
    assert again == [(first, True), (first, True)]
    with linking.sessions() as s:
        assert len(s.scalars(select(TicketReporter)).all()) == 1


def test_split_gives_the_reporter_their_own_ticket(linking: Services) -> None:
    number, _ = report(linking, "a", "停水了")
    report(linking, "b", "没水了，而且水表在漏")
    rows = linking.tickets.reporters(number)
    new = linking.tickets.split(number, rows[0].id, DISPATCHER, "是水表漏水，另一问题")
    assert new.number != number and new.department == "utilities"
    assert linking.views.get_ticket(number).reporters == 0
    assert citizen_messages(linking, "ticket_split")
    with linking.sessions() as s:
        assert "split_reporter" in s.scalars(select(TicketEvent.action)).all()


def test_suggested_merges_find_tickets_opened_before_linking(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> None:
    plain = Services(make_session_factory(engine), catalogue, sla, clock, TZ)
    plain.tickets.sync_catalogue()
    a, _ = report(plain, "a", "停水了")
    b, _ = report(plain, "b", "没水了")
    report(plain, "c", "路灯不亮", category="street_light")
    linking = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=RULES)
    found = linking.tickets.suggested_merges()
    assert [(s.number, s.into) for s in found] == [(b, a)]


def test_bad_rules_are_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "duplicates.yml"
    path.write_text("window_hours: 24\nradius_m: -3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"duplicates.yml:2: radius_m"):
        load_duplicate_rules(path)
    assert DuplicateRules().enabled
    path.write_text("related_categories:\n  - [water_supply, no_such]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"duplicates.yml:2: related_categories.0.1"):
        load_duplicate_rules(path, known_categories={"water_supply"})


def test_a_burst_main_and_a_water_cut_are_one_problem(linking: Services) -> None:
    first, _ = report(linking, "a", "水管爆了，到处是水，停水了", category="burst_main")
    assert report(linking, "b", "家里停水了") == (first, True)


def test_merging_a_ticket_takes_its_reporters_along(linking: Services) -> None:
    lead, _ = report(linking, "a", "路灯不亮", category="street_light", address="人民路5号")
    other, _ = report(linking, "b", "停水了")
    report(linking, "c", "没水了")
    linking.tickets.merge(other, lead, DISPATCHER, "派单员核实为同一处")
    assert linking.views.get_ticket(lead).reporters == 1
    reporter = Actor(role="citizen", id="rest:c")
    assert [v.number for v in linking.views.list_tickets(TicketFilter(citizen=reporter.id))] == [
        lead
    ]


def test_a_reporters_words_are_exported_and_erased_with_them(
    linking: Services, tmp_path: Path
) -> None:
    from hotline.services.citizen_data import CitizenData

    number, _ = report(linking, "a", "停水了")
    report(linking, "b", "没水了，电话13912345678", contact_phone="13912345678")
    data = CitizenData(linking.sessions, linking.clock, tmp_path, tmp_path / "tracker.db")
    data.export("rest:b", tmp_path / "b.json")
    exported = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert number in exported and "13912345678" in exported
    data.erase("rest:b")
    with linking.sessions() as s:
        row = s.scalars(select(TicketReporter)).one()
    assert row.contact_phone is None and "13912345678" not in row.description
