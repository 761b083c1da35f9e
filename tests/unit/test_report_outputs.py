"""Report outputs from a hand-made Report: text, CSV, XLSX, PNG charts and the CJK font."""

from __future__ import annotations

import csv
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
import pytest
from matplotlib import font_manager
from openpyxl import load_workbook
from PIL import Image

from hotline.services.report_outputs import (
    CHART_NAMES,
    _rc,
    cjk_font_family,
    previous_week_end,
    summary_text,
    three_rates_chart,
    write_report_pack,
)
from hotline.services.reports import (
    DayVolume,
    HotTopic,
    Kpis,
    OverdueTicket,
    Rate,
    Report,
    WorkTime,
    make_period,
)

TZ = ZoneInfo("Asia/Shanghai")


def kpis(**kw: object) -> Kpis:
    base: dict[str, object] = {
        "received": 120,
        "dispatched": 110,
        "response": Rate(99, 110),
        "on_time_answer": Rate(60, 65),
        "resolution": Rate(34, 40),
        "satisfaction": Rate(40, 50),
        "first_dispatch_accuracy": Rate(105, 110),
        "returns_total": 7,
        "bounces": (105, 4, 0, 1),
        "reopen": Rate(4, 110),
        "extension": Rate(3, 110),
        "accept_time": WorkTime(100, 100 * 4500, 12600),
        "answer_time": WorkTime(65, 65 * 72000, 180000),
        "overdue_bands": (5, 4, 2, 1),
        "by_request_type": {"投诉": 60, "求助": 40, "咨询": 20},
        "by_channel": {"telegram": 100, "console": 20},
    }
    base.update(kw)
    bands = base["overdue_bands"]
    assert isinstance(bands, tuple)
    base.setdefault("overdue_tickets", sum(bands))  # no acceptance overdue in these figures
    return Kpis(**base)  # type: ignore[arg-type]


@pytest.fixture
def report() -> Report:
    period = make_period(
        "week", date(2026, 11, 22), now=datetime(2026, 11, 23, 10, tzinfo=TZ), tz=TZ
    )
    departments = {
        "urban_management": kpis(overdue_bands=(3, 2, 0, 1)),
        "housing": kpis(
            dispatched=40,
            response=Rate(30, 40),
            overdue_bands=(2, 2, 2, 0),
            satisfaction=Rate(0, 0),
        ),
        "transport": kpis(dispatched=10, overdue_bands=(0, 0, 0, 0)),
    }
    overdue = tuple(
        OverdueTicket(
            number=f"20261110-{i:04d}",
            department="housing",
            department_name="住房和城乡建设局",
            category="compound_facility",
            category_name="小区内道路设施损坏",
            status="accepted",
            priority="normal",
            answer_due_at=datetime(2026, 11, 12, 10, tzinfo=TZ),
            days_overdue=10.6,
        )
        for i in range(1, 4)
    )
    return Report(
        period=period,
        computed_at=datetime(2026, 11, 23, 10, tzinfo=TZ),
        total=kpis(),
        departments=departments,
        categories={"compound_facility": kpis()},
        department_names={
            "urban_management": "城市管理局",
            "housing": "住房和城乡建设局",
            "transport": "交通运输局",
        },
        category_names={"compound_facility": "小区内道路设施损坏"},
        hot_categories=(HotTopic("compound_facility", "小区内道路设施损坏", 12, 3),),
        hot_places=(HotTopic("幸福家园", "幸福家园", 8, 0),),
        daily=tuple(
            DayVolume(date(2026, 11, 16) + timedelta(days=i), 15 + i, 14 + i) for i in range(7)
        ),
        overdue_list=overdue,
    )


def test_summary_text_carries_the_figures(report: Report) -> None:
    text = summary_text(report)
    assert "【12345热线周报】2026-11-16 至 2026-11-22" in text
    assert "受理 120 件，派单 110 件" in text
    assert "响应率 90.0%（99/110）" in text
    assert "解决率 85.0%（34/40）" in text
    assert "满意率 80.0%（已评价 50 次，满意及基本满意 40 次）" in text
    assert "按时办结率 92.3%（60/65）" in text
    assert "派单准确率 95.5%（105/110），退单 7 次" in text
    assert "平均签收 1.3 小时（P90 3.5）" in text
    assert "当前超期 12 件（签收、办结均超期的只计一次）" in text
    assert "办结超期 12 件：0–1 天 5，1–3 天 4，3–7 天 2，7 天以上 1" in text
    assert "签收超期 0 件：0–1 天 0，1–3 天 0，3–7 天 0，7 天以上 0" in text
    assert "超期最多：住房和城乡建设局 6 件、城市管理局 6 件" in text
    assert "热点类别：小区内道路设施损坏 12 件（上期 3，+9）" in text
    assert "热点地点：幸福家园 8 件（上期 0，+8）" in text


def test_rates_render_half_up_and_dash_when_nothing_rated() -> None:
    assert Rate(1, 16).percent == "6.3%"
    assert Rate(0, 0).percent == "—"
    assert Rate(0, 3).percent == "0.0%"


def test_pack_files(report: Report, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. matplotlib's "Glyph … missing from font(s)"
        files = write_report_pack(report, tmp_path, ticket_url="https://crm.example/t/{number}")
    assert files.summary.read_text(encoding="utf-8").startswith("【12345热线周报】")

    wb = load_workbook(files.xlsx)
    assert wb.sheetnames[:2] == ["汇总", "分部门"] and "超期清单" in wb.sheetnames
    summary = {row[0]: row[1:] for row in wb["汇总"].iter_rows(values_only=True) if row}
    assert summary["响应率"][:3] == (pytest.approx(0.9), 99, 110)
    assert summary["当前超期（签收或办结）"][0] == 12
    assert (summary["办结超期"][0], summary["签收超期"][0]) == (12, 0)
    depts = list(wb["分部门"].iter_rows(values_only=True))
    assert depts[0][:5] == ("范围", "代码", "名称", "受理量", "派单量")
    assert [r[1] for r in depts[1:]] == [None, "urban_management", "housing", "transport"]
    overdue = wb["超期清单"]
    assert [overdue.cell(r, 1).value for r in range(2, 5)] == [
        "20261110-0001",
        "20261110-0002",
        "20261110-0003",
    ]
    assert overdue.cell(2, 1).hyperlink.target == "https://crm.example/t/20261110-0001"
    assert overdue.cell(2, 8).value == "7 天以上"

    with files.csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["范围"] == "总计" and rows[0]["派单量"] == "110"
    assert float(rows[0]["响应率"]) == pytest.approx(0.9)
    assert rows[2]["名称"] == "住房和城乡建设局" and rows[2]["满意率"] == ""  # unrated

    assert [p.name for p in files.charts] == list(CHART_NAMES)
    for png in files.charts:
        with Image.open(png) as img:
            img.verify()
        with Image.open(png) as img:
            assert img.format == "PNG" and img.width > 600 and img.height > 300


def test_pack_without_ticket_links(report: Report, tmp_path: Path) -> None:
    files = write_report_pack(report, tmp_path)
    assert load_workbook(files.xlsx)["超期清单"].cell(2, 1).hyperlink is None


def _has_glyphs(path: str, text: str) -> bool:
    """Every CJK character of `text` is in the font's character map (FreeType via ft2font)."""
    charmap = font_manager.get_font(path).get_charmap()
    return all(ord(ch) in charmap for ch in text if ord(ch) > 0x2E80)


def test_chinese_title_resolves_to_a_cjk_font(report: Report) -> None:
    family = cjk_font_family()
    with matplotlib.rc_context(_rc()):
        fig = three_rates_chart(report)
        title = fig.axes[0].title
        path = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
    assert font_manager.get_font(path).family_name == family
    assert _has_glyphs(path, title.get_text() + "响应率解决率满意率住房和城乡建设局超期")
    assert "DejaVu" not in path


def test_previous_week_end() -> None:
    assert previous_week_end(date(2026, 11, 30)) == date(2026, 11, 29)  # Monday
    assert previous_week_end(date(2026, 11, 29)) == date(2026, 11, 22)  # Sunday
    assert previous_week_end(date(2026, 11, 25)) == date(2026, 11, 22)
