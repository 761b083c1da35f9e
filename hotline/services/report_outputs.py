"""Supervisor report outputs: Chinese text, PNG charts (CJK font), XLSX and CSV, weekly job."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.domain.tickets import STATUS_LABELS, Status
from hotline.files import private_file
from hotline.services.centre_reports import centre_lines
from hotline.services.centre_sheets import (
    CENTRE_HEADER,
    SHEET_TITLE,
    centre_columns,
    write_centre_sheet,
)
from hotline.services.league import league_lines, league_table
from hotline.services.messages import PRIORITY_LABELS
from hotline.services.reports import (
    BOUNCE_LABELS,
    OVERDUE_BANDS,
    PERIOD_LABELS,
    HotTopic,
    Kpis,
    Rate,
    Report,
    WorkTime,
    report_for,
)
from hotline.storage.db import transaction
from hotline.storage.outbox import OutboxEntry, enqueue

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hotline.services.container import Services

# Families tried in order; the setup installs fonts-wqy-microhei ("WenQuanYi Micro Hei").
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_CJK_FILE = re.compile(
    r"wqy|wenquanyi|notosanscjk|notoserifcjk|sourcehan|droidsansfallback|uming|ukai", re.I
)
CHART_NAMES = ("daily_volume.png", "three_rates_by_department.png", "overdue_ageing.png")
DPI = 120


class NoCjkFont(RuntimeError):
    """No font with Chinese glyphs is installed (the setup installs fonts-wqy-microhei)."""


# ------------------------------------------------------------------ formatting


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def rate_text(rate: Rate) -> str:
    """ "90.0%（99/110）", or "—（0/0）" when there is nothing to divide."""
    return f"{rate.percent}（{rate.numerator}/{rate.denominator}）"


def _time_text(label: str, wt: WorkTime) -> str:
    return f"平均{label} {hours(wt.average_hours)} 小时（P90 {hours(wt.p90_hours)}）"


def _hot_text(topics: Iterable[HotTopic]) -> str:
    parts = [f"{t.name} {t.now} 件（上期 {t.before}，+{t.rise}）" for t in topics]
    return "；".join(parts) if parts else "无明显上升"


def summary_text(report: Report) -> str:
    """A short Chinese summary for Telegram and the CLI."""
    p, k = report.period, report.total
    tz = p.start.tzinfo
    lines = [
        f"【12345热线{PERIOD_LABELS[p.kind]}】{p.label}",
        f"数据截至 {report.computed_at.astimezone(tz):%Y-%m-%d %H:%M}",
        f"受理 {k.received} 件，派单 {k.dispatched} 件",
        f"响应率 {rate_text(k.response)}",
        f"解决率 {rate_text(k.resolution)}",
        f"满意率 {k.satisfaction.percent}（已评价 {k.ratings_count} 次，"
        f"满意及基本满意 {k.satisfaction.numerator} 次）",
        f"按时办结率 {rate_text(k.on_time_answer)}",
        f"派单准确率 {rate_text(k.first_dispatch_accuracy)}，退单 {k.returns_total} 次",
        f"重办率 {rate_text(k.reopen)}，延期率 {rate_text(k.extension)}",
        f"{_time_text('签收', k.accept_time)}，{_time_text('办结', k.answer_time)}（工作时间）",
        f"当前超期 {k.overdue} 件（签收、办结均超期的只计一次）",
        f"  办结超期 {k.answer_overdue} 件："
        + "，".join(f"{b} {n}" for b, n in zip(OVERDUE_BANDS, k.overdue_bands, strict=True)),
        f"  签收超期 {k.accept_overdue} 件："
        + "，".join(f"{b} {n}" for b, n in zip(OVERDUE_BANDS, k.accept_overdue_bands, strict=True)),
    ]
    if k.excluded:
        lines.insert(3, f"（本期派单后撤销或合并 {k.excluded} 件，不计入各项比率）")
    if report.linked_callers:
        lines.insert(
            3,
            f"来电 {k.received + report.linked_callers} 人次，其中 {report.linked_callers} 人次"
            "反映的是已登记的同一问题（并入原工单，不另立工单）",
        )
    top = report.top_overdue_departments(3)
    if top:
        lines.append(
            "超期最多：" + "、".join(f"{report.department_names.get(c, c)} {n} 件" for c, n in top)
        )
    lines.append(f"热点类别：{_hot_text(report.hot_categories)}")
    lines.append(f"热点地点：{_hot_text(report.hot_places)}")
    if report.centre is not None:
        lines.extend(centre_lines(report.centre))
    if p.kind != "today":
        table = league_lines(report)
        if table:
            lines.append("部门通报（按响应率、按时办结率、解决率、满意率综合排名）：")
            lines.extend(f"  {line}" for line in table)
    return "\n".join(lines)


# ----------------------------------------------------------------------- font


@cache
def cjk_font_family() -> str:
    """The family name of an installed CJK font, registered with matplotlib if need be."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((fam for fam in CJK_FAMILIES if fam in names), None)

    family = known()
    if family is None:
        # Installed after matplotlib cached its font list: add the system's CJK files.
        for path in font_manager.findSystemFonts():
            if _CJK_FILE.search(Path(path).name):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        family = known()
    if family is None:
        raise NoCjkFont(
            "没有找到中文字体，图表中的中文无法显示。"
            "请安装 fonts-wqy-microhei（scripts/setup.sh）。"
        )
    return family


def _rc() -> dict[Any, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,
    }


# --------------------------------------------------------------------- charts


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def daily_volume_chart(report: Report) -> Figure:
    from matplotlib.ticker import MaxNLocator

    days = [d.day for d in report.daily]
    fig = _figure(8, 4.2)
    ax = fig.add_subplot()
    labels = [f"{d:%m-%d}" for d in days]
    marker = "o" if len(days) <= 31 else None
    ax.plot(labels, [d.received for d in report.daily], marker=marker, label="受理量")
    ax.plot(labels, [d.dispatched for d in report.daily], marker=marker, label="派单量")
    ax.set_title(f"每日工单量（{report.period.label}）")
    ax.set_xlabel("日期")
    ax.set_ylabel("工单数（件）")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    if len(days) > 10:
        ax.tick_params(axis="x", labelrotation=45)
    return fig


def three_rates_chart(report: Report, limit: int = 12) -> Figure:
    """响应率, 解决率, 满意率 per department (the busiest `limit` departments)."""
    depts = sorted(
        ((c, k) for c, k in report.departments.items() if k.dispatched),
        key=lambda item: (-item[1].dispatched, item[0]),
    )[:limit]
    depts.reverse()  # busiest on top of a horizontal bar chart
    fig = _figure(9, max(3.0, 0.75 * len(depts) + 1.6))
    ax = fig.add_subplot()
    ax.set_title(f"各部门三率（响应率、解决率、满意率）{report.period.label}")
    if not depts:
        ax.text(0.5, 0.5, "本期无派单", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    series: list[tuple[str, list[Rate]]] = [
        ("响应率", [k.response for _, k in depts]),
        ("解决率", [k.resolution for _, k in depts]),
        ("满意率", [k.satisfaction for _, k in depts]),
    ]
    height = 0.26
    for i, (name, rates) in enumerate(series):
        ys = [j + (1 - i) * height for j in range(len(depts))]
        values = [100 * float(r.value) if r.value is not None else 0.0 for r in rates]
        bars = ax.barh(ys, values, height=height, label=name)
        ax.bar_label(bars, labels=[r.percent for r in rates], padding=2, fontsize=7)
    ax.set_yticks(range(len(depts)))
    ax.set_yticklabels([report.department_names.get(c, c) for c, _ in depts])
    ax.set_xlim(0, 112)
    ax.set_xlabel("百分比（%）；“—”表示无可计算数据")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return fig


def overdue_chart(report: Report, limit: int = 10) -> Figure:
    """Open tickets overdue to answer by age band, stacked per department (the worst
    `limit`), with acceptance overdue beside it in the title and per bar."""
    from matplotlib.ticker import MaxNLocator

    depts = [c for c, _ in report.top_overdue_departments(limit)]
    depts.reverse()
    fig = _figure(9, max(3.0, 0.5 * len(depts) + 1.8))
    ax = fig.add_subplot()
    at = report.period.now.astimezone(report.period.start.tzinfo)
    k = report.total
    ax.set_title(
        f"办结超期账龄（截至 {at:%Y-%m-%d %H:%M}，办结超期 {k.answer_overdue} 件，"
        f"签收超期 {k.accept_overdue} 件）"
    )
    if not depts:
        ax.text(0.5, 0.5, "当前无超期工单", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    names = [report.department_names.get(c, c) for c in depts]
    left = [0] * len(depts)
    colors = ("#f6c343", "#f08c2e", "#d9534f", "#8b1e1e")
    for band, (label, color) in enumerate(zip(OVERDUE_BANDS, colors, strict=True)):
        counts = [report.departments[c].overdue_bands[band] for c in depts]
        ax.barh(names, counts, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, (total, code) in enumerate(zip(left, depts, strict=True)):
        late = report.departments[code].accept_overdue
        ax.text(
            total,
            y,
            f" {total}" + (f"（签收超期 {late}）" if late else ""),
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("办结超期工单数（件）")
    ax.set_xlim(0, max(left) * 1.1 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="超期时长", fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    ax.grid(axis="x", alpha=0.3)
    return fig


def write_charts(report: Report, out_dir: Path) -> list[Path]:
    """Render the chart pack as PNG files; returns their paths."""
    import matplotlib

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with matplotlib.rc_context(_rc()):
        builders = (daily_volume_chart, three_rates_chart, overdue_chart)
        for name, build in zip(CHART_NAMES, builders, strict=True):
            fig = build(report)
            path = out_dir / name
            fig.savefig(path, dpi=DPI)
            paths.append(path)
    return paths


# ------------------------------------------------------------------ tabular

_HEADER = (
    "范围",
    "代码",
    "名称",
    "受理量",
    "派单量",
    "响应率",
    "按时响应数",
    "按时办结率",
    "按时办结数",
    "已答复数",
    "解决率",
    "已解决数",
    "已评价工单数",
    "满意率",
    "满意及基本满意次数",
    "评价次数",
    "派单准确率",
    "未退单数",
    "退单次数",
    "退单1次",
    "退单2次",
    "退单3次及以上",
    "重办率",
    "重办数",
    "延期率",
    "延期数",
    "平均签收工时(小时)",
    "P90签收工时(小时)",
    "平均办结工时(小时)",
    "P90办结工时(小时)",
    *(f"超期{b}" for b in OVERDUE_BANDS),
    "超期合计",
    *(f"签收超期{b}" for b in OVERDUE_BANDS),
    "签收超期合计",
    "办结超期合计",
    "撤销或合并",
    *CENTRE_HEADER,
)


def _fraction(rate: Rate) -> float | None:
    return None if rate.value is None else round(float(rate.value), 6)


def _kpi_row(scope: str, code: str, name: str, k: Kpis) -> list[Any]:
    return [
        scope,
        code,
        name,
        k.received,
        k.dispatched,
        _fraction(k.response),
        k.response.numerator,
        _fraction(k.on_time_answer),
        k.on_time_answer.numerator,
        k.on_time_answer.denominator,
        _fraction(k.resolution),
        k.resolution.numerator,
        k.resolution.denominator,
        _fraction(k.satisfaction),
        k.satisfaction.numerator,
        k.satisfaction.denominator,
        _fraction(k.first_dispatch_accuracy),
        k.first_dispatch_accuracy.numerator,
        k.returns_total,
        k.bounces[1],
        k.bounces[2],
        k.bounces[3],
        _fraction(k.reopen),
        k.reopen.numerator,
        _fraction(k.extension),
        k.extension.numerator,
        k.accept_time.average_hours,
        k.accept_time.p90_hours,
        k.answer_time.average_hours,
        k.answer_time.p90_hours,
        *k.overdue_bands,
        k.overdue,
        *k.accept_overdue_bands,
        k.accept_overdue,
        k.answer_overdue,
        k.excluded,
    ]


def kpi_rows(report: Report) -> Iterator[list[Any]]:
    """One row per scope: the total, then every department, then every category; the review
    and 协办 figures at the end of the total's and departments' rows."""
    yield _kpi_row("总计", "", "全部", report.total) + centre_columns(report, "总计", "")
    for code, k in report.departments.items():
        name = report.department_names.get(code, code)
        yield _kpi_row("部门", code, name, k) + centre_columns(report, "部门", code)
    for code, k in report.categories.items():
        name = report.category_names.get(code, code)
        yield _kpi_row("类别", code, name, k) + centre_columns(report, "类别", code)


def write_csv(report: Report, path: Path) -> Path:
    """All KPIs per scope as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_HEADER)
        for row in kpi_rows(report):
            writer.writerow("" if v is None else v for v in row)
    return path


def _summary_sheet_rows(report: Report) -> Iterator[tuple[Any, ...]]:
    p, k = report.period, report.total
    tz = p.start.tzinfo
    yield ("12345热线" + PERIOD_LABELS[p.kind], p.label)
    yield ("数据截至", f"{report.computed_at.astimezone(tz):%Y-%m-%d %H:%M}")
    yield ()
    yield ("指标", "数值", "分子", "分母")
    yield ("受理量", k.received)
    yield ("派单量", k.dispatched)
    for label, rate in (
        ("响应率", k.response),
        ("解决率", k.resolution),
        ("满意率", k.satisfaction),
        ("按时办结率", k.on_time_answer),
        ("派单准确率", k.first_dispatch_accuracy),
        ("重办率", k.reopen),
        ("延期率", k.extension),
    ):
        yield (label, rate, rate.numerator, rate.denominator)
    yield ("退单次数", k.returns_total)
    for label, n in zip(BOUNCE_LABELS, k.bounces, strict=True):
        yield (f"退单 {label} 次的工单", n)
    yield ("平均签收工时（小时）", k.accept_time.average_hours)
    yield ("P90签收工时（小时）", k.accept_time.p90_hours)
    yield ("平均办结工时（小时）", k.answer_time.average_hours)
    yield ("P90办结工时（小时）", k.answer_time.p90_hours)
    yield ("当前超期（签收或办结）", k.overdue)
    yield ("办结超期", k.answer_overdue)
    for band, n in zip(OVERDUE_BANDS, k.overdue_bands, strict=True):
        yield (f"超期 {band}", n)
    yield ("签收超期", k.accept_overdue)
    for band, n in zip(OVERDUE_BANDS, k.accept_overdue_bands, strict=True):
        yield (f"签收超期 {band}", n)
    yield ("派单后撤销或合并（不计入比率）", k.excluded)
    yield ("来电人次（受理量 + 并入已有工单的来电）", k.received + report.linked_callers)
    yield ()
    yield ("诉求类型", "受理量")
    yield from k.by_request_type.items()
    yield ()
    yield ("渠道", "受理量")
    yield from k.by_channel.items()
    for title, topics in (("热点类别", report.hot_categories), ("热点地点", report.hot_places)):
        yield ()
        yield (title, "本期", "上期", "增加")
        for t in topics:
            yield (t.name, t.now, t.before, t.rise)


def write_xlsx(report: Report, path: Path, *, ticket_url: str | None = None) -> Path:
    """Workbook: 汇总, 分部门, 分类别, 部门通报, 审核与协办 and 超期清单 (ticket numbers link
    via `ticket_url`, a template such as "https://crm.example/tickets/{number}")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    for values in _summary_sheet_rows(report):
        summary.append([_fraction(v) if isinstance(v, Rate) else v for v in values])
        if len(values) > 1 and isinstance(values[1], Rate):
            summary.cell(summary.max_row, 2).number_format = "0.0%"
    summary["A1"].font = bold
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 24

    for title, scope in (("分部门", "部门"), ("分类别", "类别")):
        sheet = wb.create_sheet(title)
        sheet.append(list(_HEADER))
        for row in kpi_rows(report):
            if row[0] in (scope, "总计"):
                sheet.append(row)
        for col, name in enumerate(_HEADER, start=1):
            sheet.cell(1, col).font = bold
            if name.endswith("率"):
                for r in range(2, sheet.max_row + 1):
                    sheet.cell(r, col).number_format = "0.0%"
        sheet.column_dimensions["C"].width = 22
        sheet.freeze_panes = "D2"

    write_league_sheet(wb.create_sheet("部门通报"), report, bold)
    write_centre_sheet(wb.create_sheet(SHEET_TITLE), report, bold)
    overdue = wb.create_sheet("超期清单")
    overdue.append(
        [
            "工单编号",
            "部门",
            "类别",
            "状态",
            "优先级",
            "办结时限",
            "超期天数",
            "超期区间",
            "超期环节",
            "签收时限",
        ]
    )
    for t in report.overdue_list:
        band = OVERDUE_BANDS[_band(t.days_overdue)]
        overdue.append(
            [
                t.number,
                t.department_name,
                t.category_name,
                STATUS_LABELS.get(Status(t.status), t.status),
                PRIORITY_LABELS.get(t.priority, t.priority),
                t.answer_due_at.strftime("%Y-%m-%d %H:%M"),
                t.days_overdue,
                band,
                t.stage,
                t.accept_due_at.strftime("%Y-%m-%d %H:%M") if t.accept_due_at else "",
            ]
        )
        if ticket_url:
            cell = overdue.cell(overdue.max_row, 1)
            cell.hyperlink = ticket_url.format(number=t.number)
            cell.style = "Hyperlink"
    if report.overdue_list_truncated:
        overdue.append([f"（仅列出最早到期的 {len(report.overdue_list)} 件）"])
    for col in range(1, 11):
        overdue.cell(1, col).font = bold
    overdue.column_dimensions["A"].width = 16
    overdue.column_dimensions["B"].width = 22
    overdue.column_dimensions["C"].width = 22
    overdue.column_dimensions["F"].width = 18
    overdue.freeze_panes = "A2"
    wb.save(path)
    return path


LEAGUE_HEADER = (
    "排名",
    "部门",
    "综合得分",
    "派单量",
    "响应率",
    "按时办结率",
    "解决率",
    "满意率",
    "退单次数",
    "审核驳回",
    "当前超期",
    "督办逾期",
)


def write_league_sheet(sheet: Any, report: Report, bold: Any) -> None:
    """The department league table (部门通报) as a worksheet, rates as percentages."""
    sheet.append(list(LEAGUE_HEADER))
    for r in league_table(report):
        rates = (r.response, r.on_time_answer, r.resolution, r.satisfaction)
        sheet.append(
            [
                r.rank,
                r.name,
                r.score,
                r.dispatched,
                *(_fraction(x) for x in rates),
                r.returns,
                r.rejections if r.rejections is not None else "—",
                r.overdue,
                r.directive_overdue,
            ]
        )
    for col in range(1, len(LEAGUE_HEADER) + 1):
        sheet.cell(1, col).font = bold
    for col in range(5, 9):
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, col).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 22
    sheet.freeze_panes = "C2"


def _band(days: float) -> int:
    return 0 if days < 1 else 1 if days < 3 else 2 if days < 7 else 3


# ---------------------------------------------------------------------- pack


@dataclass(frozen=True)
class ReportFiles:
    summary: Path
    xlsx: Path
    csv: Path
    charts: tuple[Path, ...]

    @property
    def documents(self) -> tuple[Path, ...]:
        return (self.xlsx, self.csv)


def write_report_pack(
    report: Report, out_dir: Path, *, ticket_url: str | None = None
) -> ReportFiles:
    """Write summary.md, report.xlsx, report.csv and the PNG charts into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "summary.md"
    summary.write_text(summary_text(report) + "\n", encoding="utf-8")
    files = ReportFiles(
        summary=summary,
        xlsx=write_xlsx(report, out_dir / "report.xlsx", ticket_url=ticket_url),
        csv=write_csv(report, out_dir / "report.csv"),
        charts=tuple(write_charts(report, out_dir)),
    )
    for path in (files.summary, *files.documents, *files.charts):
        private_file(path)  # reports name tickets and departments: owner-only
    return files


def previous_week_end(today: date) -> date:
    """The Sunday that ends the last full Monday–Sunday week before `today`."""
    return today - timedelta(days=today.weekday() + 1)


def weekly_report_job(service: Services, out_dir: Path, *, ticket_url: str | None = None) -> Path:
    """Write the previous Monday–Sunday's pack into out_dir/<YYYY-Www> and queue it for the
    supervisors (one outbox row per week: dedupe key weekly_report:<YYYY-Www>)."""
    now = service.clock.now()
    sunday = previous_week_end(now.astimezone(service.tz).date())
    monday = sunday - timedelta(days=6)
    iso = monday.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    report = report_for(service, "week", sunday)
    folder = out_dir / week
    files = write_report_pack(report, folder, ticket_url=ticket_url)
    with transaction(service.sessions) as session:
        enqueue(
            session,
            OutboxEntry(
                audience="supervisor",
                address="*",
                kind="weekly_report",
                text=summary_text(report),
                payload={
                    "week": week,
                    "dir": str(folder),
                    "summary": str(files.summary),
                    "photos": [str(p) for p in files.charts],
                    "documents": [str(p) for p in files.documents],
                },
                dedupe_key=f"weekly_report:{week}",
            ),
            now=now,
        )
    return folder
