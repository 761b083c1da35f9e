"""The weekly department league table (通报) and problems counted apart from callers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.league import league_table
from hotline.services.registration import NewTicket
from hotline.services.report_outputs import summary_text, write_report_pack
from hotline.services.reports import report_for
from hotline.services.sweep import sweep
from hotline.storage.db import make_session_factory
from tests.conftest import ROOT, TZ

SUPERVISOR = Actor(role="supervisor", id="operator:钱督办", name="钱督办")
URBAN = Actor(role="staff", id="telegram:2001", department="urban_management")
CALLERS = "来电人次（受理量 + 并入已有工单的来电）"
UTILITIES = Actor(role="staff", id="telegram:2002", department="utilities")


def test_league_ranks_departments_and_counts_callers_apart(
    engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock, tmp_path: Path
) -> None:
    rules = load_duplicate_rules(ROOT / "data" / "duplicates.yml")
    svc = Services(make_session_factory(engine), catalogue, sla, clock, TZ, duplicates=rules)
    svc.tickets.sync_catalogue()

    def open_(user: str, text: str, category: str, address: str) -> str:
        request = NewTicket("rest", user, text, category=category, address=address)
        return svc.tickets.open_ticket(request).number

    # utilities: one water cut, three callers; accepted and answered on time
    water = open_("a", "停水了", "water_supply", "幸福路12号")
    open_("b", "没水了", "water_supply", "幸福路12号")
    open_("c", "断水一上午了", "water_supply", "幸福路12号")
    svc.tickets.accept(water, UTILITIES)
    svc.tickets.resolve(water, UTILITIES, "管网抢修完成，已恢复供水。")
    # urban management: two lights, one left unaccepted past every limit and its 督办 deadline
    light = open_("d", "路灯不亮", "street_light", "人民路5号")
    late = open_("e", "路灯不亮很多天了", "street_light", "解放路8号")
    svc.tickets.accept(light, URBAN)
    svc.tickets.escalate(late, SUPERVISOR, "请明天中午前修复", due=clock.now() + timedelta(days=1))
    clock.advance(timedelta(days=6))
    with svc.sessions() as s, s.begin():
        sweep(s, sla=svc.sla, catalogue=svc.catalogue, tz=TZ, now=clock.now())

    report = report_for(svc, "week", date(2026, 11, 29))
    assert report.total.received == 3 and report.linked_callers == 2
    rows = league_table(report)
    assert [r.department for r in rows] == ["utilities", "urban_management"]
    assert rows[0].rank == 1 and rows[0].score == 100.0
    urban = rows[1]
    assert urban.overdue >= 1 and urban.directive_overdue == 1 and urban.rejections == 0
    text = summary_text(report)
    assert "来电 5 人次，其中 2 人次反映的是已登记的同一问题" in text
    assert "部门通报" in text
    assert f"1. {catalogue.department_name('utilities')} 综合 100.0" in text

    from openpyxl import load_workbook

    files = write_report_pack(report, tmp_path / "pack")
    book = load_workbook(files.xlsx)
    callers = [r for r in book["汇总"].iter_rows(values_only=True) if r and r[0] == CALLERS]
    assert [c[:2] for c in callers] == [(CALLERS, 5)]
    sheet = book["部门通报"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["排名", "部门", "综合得分"] and "督办逾期" in header
    assert sheet.cell(2, 2).value == catalogue.department_name("utilities")
    assert sheet.cell(3, 12).value == 1
