"""The league table's 审核驳回 column and the pack's review and 协办 figures, read from the
review and assist records of the week (both backends)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from hotline.domain.clock import ManualClock
from hotline.domain.review import ReviewRules, ReviewScope
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.league import league_table
from hotline.services.registration import NewTicket
from hotline.services.report_outputs import summary_text, write_report_pack
from hotline.services.reports import Report, report_for
from tests.conftest import TZ

HOUSING = Actor(role="staff", id="telegram:2001", department="housing", name="张三")
TRANSPORT = Actor(role="staff", id="telegram:2002", department="transport", name="李四")
DISPATCHER = Actor(role="dispatcher", id="telegram:3001", name="赵派单")


def open_(svc: Services, user: str, text: str, category: str, address: str) -> str:
    request = NewTicket("telegram", user, text, category=category, address=address)
    return svc.tickets.open_ticket(request).number


def week_with_reviews(service: Services, clock: ManualClock) -> Report:
    """Housing: one answer rejected then approved, one still waiting; transport: one answer
    rejected twice and a 协办 opinion given late; urban management's opinion never given."""
    svc = Services(
        service.sessions,
        service.catalogue,
        service.sla,
        clock,
        TZ,
        review=ReviewRules(answers=ReviewScope(all=True)),
    )
    first = open_(svc, "1", "小区里的路面塌了一个坑", "compound_facility", "幸福家园3号楼")
    second = open_(svc, "2", "楼道灯坏了很久", "compound_facility", "幸福家园5号楼")
    road = open_(svc, "3", "马路上有个大坑", "road_damage", "人民路5号")
    for number in (first, second):
        svc.tickets.accept(number, HOUSING)
    svc.tickets.accept(road, TRANSPORT)
    svc.tickets.add_assisting(second, ["transport", "urban_management"], DISPATCHER)
    svc.tickets.resolve(first, HOUSING, "路面已修复完毕。")
    svc.tickets.resolve(road, TRANSPORT, "坑已经填平了。")
    clock.advance(timedelta(hours=2))
    svc.tickets.decide_review(first, DISPATCHER, approve=False, note="请写明修复时间")
    svc.tickets.decide_review(road, DISPATCHER, approve=False, note="请写明修补所用材料")
    svc.tickets.resolve(first, HOUSING, "路面已于今天修复完毕。")
    svc.tickets.resolve(road, TRANSPORT, "坑已用沥青填平。")
    clock.advance(timedelta(hours=1))
    svc.tickets.decide_review(first, DISPATCHER, approve=True)
    svc.tickets.decide_review(road, DISPATCHER, approve=False, note="请附上修补后的现场照片")
    svc.tickets.resolve(second, HOUSING, "楼道灯已更换。")  # still waiting at report time
    clock.advance(timedelta(days=4))  # Friday: both opinions are past their Thursday limit
    svc.tickets.give_opinion(second, TRANSPORT, "道路部分已配合修补。")
    clock.advance(timedelta(days=3))
    return report_for(svc, "week", date(2026, 11, 29))


def test_league_rejections_come_from_the_weeks_reviews(
    service: Services, clock: ManualClock
) -> None:
    report = week_with_reviews(service, clock)
    rows = {r.department: r for r in league_table(report)}
    assert rows["housing"].rejections == 1
    assert rows["transport"].rejections == 2
    text = summary_text(report)
    transport = service.catalogue.department_name("transport")
    line = next(x for x in text.splitlines() if f". {transport} 综合" in x)
    assert "审核驳回 2" in line


def test_pack_has_review_turnaround_rejection_rates_and_assist_timeliness(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    report = week_with_reviews(service, clock)
    files = write_report_pack(report, tmp_path / "pack")
    book = load_workbook(files.xlsx)
    housing = service.catalogue.department_name("housing")
    transport = service.catalogue.department_name("transport")
    urban = service.catalogue.department_name("urban_management")
    rows = [r for r in book["审核与协办"].iter_rows(values_only=True)]
    split = next(i for i, r in enumerate(rows) if r and r[0] == "协办部门")
    assert rows[split][:6] == (
        "协办部门",
        "意见到期",
        "按时提交",
        "超时提交",
        "未提交",
        "按时提交率",
    )
    table = {r[0]: r[1:] for r in rows[:split] if r and r[0] is not None}
    # decided, approved, rejected, rejection rate, average hours, waiting
    assert table[housing] == (2, 1, 1, 0.5, 1.5, 1)
    assert table[transport][:6] == (2, 0, 2, 1.0, 1.5, 0)
    assert table["合计"][:6] == (4, 1, 3, 0.75, 1.5, 1)
    opinions = {r[0]: r[1:6] for r in rows[split + 1 :] if r and r[0]}
    assert opinions[transport] == (1, 0, 1, 0, 0.0)
    assert opinions[urban] == (1, 0, 0, 1, 0.0)
    assert opinions["合计"] == (2, 0, 1, 1, 0.0)

    league = book["部门通报"]
    header = [c.value for c in league[1]]
    by_name = {r[1]: r for r in league.iter_rows(min_row=2, values_only=True)}
    assert by_name[transport][header.index("审核驳回")] == 2

    with files.csv.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    head = lines[0]
    by_code = {row[1]: row for row in lines[1:] if row[0] == "部门"}
    total = next(row for row in lines[1:] if row[0] == "总计")
    assert by_code["housing"][head.index("审核驳回率")] == "0.5"
    assert by_code["housing"][head.index("平均审核用时(小时)")] == "1.5"
    assert by_code["transport"][head.index("审核驳回")] == "2"
    assert by_code["transport"][head.index("协办超时提交")] == "1"
    assert total[head.index("审核件数")] == "4"
    assert total[head.index("协办按时率")] == "0.0"
    assert total[head.index("待审核")] == "1"
