"""Intake links callers of one problem whatever their voice and address spelling, and keeps
different problems at one address apart, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.domain.sla import SlaPolicy
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_session_factory
from tests.conftest import ROOT, TZ

RULES = load_duplicate_rules(ROOT / "data" / "duplicates.yml")


@pytest.fixture
def linking(engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock) -> Services:
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=RULES)
    svc.tickets.sync_catalogue()
    return svc


def call(svc: Services, user: str, text: str, category: str, address: str) -> tuple[str, bool]:
    view = svc.tickets.open_ticket(
        NewTicket(
            channel="rest",
            channel_user_id=user,
            description=text,
            category=category,
            address=address,
        )
    )
    return view.number, view.linked


def test_one_crossing_spelled_four_ways_is_one_pothole(
    linking: Services, clock: ManualClock
) -> None:
    calls = [
        ("路面有个大坑", "人民路与解放路交叉口"),
        ("俺们这路烂得不成样了，全是坑", "解放路人民路路口"),
        ("现反映该路段路面出现塌陷坑槽请交通部门及时修补", "朝阳区人民路解放路十字路口"),
        ("路面有个炕很危险", "人民路跟解放路交叉的地方"),
    ]
    numbers = set()
    for i, (text, place) in enumerate(calls):
        clock.advance(timedelta(hours=1))  # hours apart: no burst, the words must agree
        numbers.add(call(linking, f"c{i}", text, "road_damage", place)[0])
    assert len(numbers) == 1


def test_elderly_dialect_and_formal_water_cut_reports_link(linking: Services) -> None:
    first, _ = call(linking, "a", "停水了，什么时候来水", "water_supply", "幸福路12号")
    for i, (text, place) in enumerate(
        [
            ("俺家咋又停水了嘞", "幸福路十二号"),
            ("同志啊我是老太太，家里从昨儿晚上就没水了", "朝阳区幸福路12号楼"),
            ("本人系该楼住户，今日凌晨起本楼供水中断，请尽快核查处理。", "幸福路12栋"),
            ("挺水了", "幸福路12幢"),
        ]
    ):
        number, linked = call(linking, f"b{i}", text, "water_supply", place)
        assert (number, linked) == (first, True)


def test_a_gas_leak_is_never_linked_to_a_lamp_post(linking: Services) -> None:
    light, _ = call(linking, "a", "楼下路灯不亮", "street_light", "幸福路12号")
    gas, linked = call(linking, "b", "楼道里燃气泄漏，味道很大", "gas_service", "幸福路12号")
    assert not linked and gas != light


def test_different_problems_of_one_kind_at_one_address_stay_apart(linking: Services) -> None:
    cut, _ = call(linking, "a", "停水了", "water_supply", "阳光花园3号楼")
    colour, linked = call(linking, "b", "自来水是黄的，有铁锈味", "water_supply", "阳光花园三号楼")
    assert not linked and colour != cut
    pressure, linked = call(linking, "c", "高层水压不行，基本没水", "water_supply", "阳光花园3栋")
    assert not linked and pressure not in (cut, colour)
    leak, _ = call(linking, "d", "楼道里有煤气味", "gas_service", "阳光花园3号楼")
    stop, linked = call(linking, "e", "停气了，做不了饭", "gas_service", "阳光花园3号楼")
    assert not linked and stop != leak


def test_a_misfiled_report_of_the_same_problem_links_at_one_building(linking: Services) -> None:
    lift, _ = call(linking, "a", "电梯坏了", "elevator_fault", "滨江新村8号")
    number, linked = call(linking, "b", "电梯坏了物业不管", "property_management", "滨江新村8栋")
    assert (number, linked) == (lift, True)


def test_the_same_problem_next_door_is_another_ticket(linking: Services) -> None:
    here, _ = call(linking, "a", "电梯坏了", "elevator_fault", "幸福路12号")
    there, linked = call(linking, "b", "电梯坏了", "elevator_fault", "幸福路14号")
    assert not linked and there != here


def test_a_call_typed_in_by_an_operator_is_linked_and_names_the_operator(
    linking: Services,
) -> None:
    from sqlalchemy import select

    from hotline.domain.tickets import Actor
    from hotline.storage.models import TicketReporter

    operator = Actor(role="dispatcher", id="operator:赵六", name="赵六")
    first, _ = call(linking, "a", "停水了", "water_supply", "幸福路12号")
    typed = NewTicket(
        channel="phone",
        channel_user_id="13900001111",
        description="家里没水了",
        category="water_supply",
        address="朝阳区幸福路12号楼",
    )
    view = linking.tickets.open_ticket(typed, recorded_by=operator)
    assert (view.number, view.linked) == (first, True)
    with linking.sessions() as s:
        row = s.scalars(select(TicketReporter)).one()
        assert row.linked_by == operator.audit_name
    other = NewTicket(
        channel="phone",
        channel_user_id="13900002222",
        description="停水了",
        category="water_supply",
        address="幸福路12号",
    )
    separate = linking.tickets.open_ticket(other, recorded_by=operator, link=False)
    assert not separate.linked and separate.number != first


def test_a_broad_word_never_links_two_categories(linking: Services) -> None:
    noise, _ = call(linking, "a", "工地半夜施工太吵", "construction_noise", "幸福路12号")
    dust, linked = call(linking, "b", "工地施工扬尘很大", "construction_dust", "幸福路12号")
    assert not linked and dust != noise


def test_problem_words_typed_with_homophones_still_link(
    linking: Services, clock: ManualClock
) -> None:
    cut, _ = call(linking, "a", "停水了", "water_supply", "幸福路12号")
    clock.advance(timedelta(hours=2))  # past a burst: only the words can link it
    number, linked = call(linking, "b", "婷睡一上午了", "water_supply", "幸福路十二号")
    assert (number, linked) == (cut, True)
    lamp, _ = call(linking, "c", "路灯不亮", "street_light", "人民路与解放路交叉口")
    clock.advance(timedelta(hours=2))
    number, linked = call(linking, "d", "录登坏了", "street_light", "解放路人民路路口")
    assert (number, linked) == (lamp, True)
