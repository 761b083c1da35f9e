"""The report pack's review (审核) and 协办 figures: columns beside each department's KPIs in
the CSV and the 分部门 sheet, and a sheet of their own (审核与协办) in the workbook.

The figures are the period's (hotline.services.centre_reports): reviews decided in it, held
work still waiting at its end, and 协办 opinions whose limit fell in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hotline.services.centre_reports import AssistFigures, CentreFigures, ReviewFigures
from hotline.services.reports import Report

CENTRE_HEADER = (
    "审核件数",
    "审核驳回",
    "审核驳回率",
    "平均审核用时(小时)",
    "待审核",
    "协办到期",
    "协办按时",
    "协办超时提交",
    "协办未提交",
    "协办按时率",
)
SHEET_TITLE = "审核与协办"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _hours(seconds: int, count: int) -> float | None:
    return round(seconds / 3600 / count, 2) if count else None


def _review_total(rows: Iterable[ReviewFigures]) -> ReviewFigures:
    items = list(rows)
    return ReviewFigures(
        decided=sum(r.decided for r in items),
        rejected=sum(r.rejected for r in items),
        turnaround_seconds=sum(r.turnaround_seconds for r in items),
        pending=sum(r.pending for r in items),
    )


def _assist_total(rows: Iterable[AssistFigures]) -> AssistFigures:
    items = list(rows)
    return AssistFigures(
        due=sum(a.due for a in items),
        on_time=sum(a.on_time for a in items),
        late=sum(a.late for a in items),
        missing=sum(a.missing for a in items),
    )


def _review_cells(r: ReviewFigures) -> list[Any]:
    return [
        r.decided,
        r.rejected,
        _ratio(r.rejected, r.decided),
        _hours(r.turnaround_seconds, r.decided),
        r.pending,
    ]


def _assist_cells(a: AssistFigures) -> list[Any]:
    return [a.due, a.on_time, a.late, a.missing, _ratio(a.on_time, a.due)]


def centre_columns(report: Report, scope: str, code: str) -> list[Any]:
    """The review and 协办 cells of one KPI row: the total's, a department's (zeros when it
    had none), none for a category (review and 协办 are departments' work)."""
    centre: CentreFigures | None = report.centre
    if centre is None or scope not in ("总计", "部门"):
        return [None] * len(CENTRE_HEADER)
    if scope == "总计":
        review = _review_total(centre.reviews.values())
        assist = _assist_total(centre.assists.values())
    else:
        review = centre.reviews.get(code, ReviewFigures())
        assist = centre.assists.get(code, AssistFigures())
    return _review_cells(review) + _assist_cells(assist)


REVIEW_TABLE = ("部门", "审核件数", "通过", "驳回", "驳回率", "平均审核用时(小时)", "待审核")
ASSIST_TABLE = ("协办部门", "意见到期", "按时提交", "超时提交", "未提交", "按时提交率")


def centre_sheet_rows(report: Report) -> list[tuple[Any, ...]]:
    """The 审核与协办 sheet: one table per kind, a line per department and a total line."""
    centre = report.centre
    if centre is None:
        return [("本期没有审核与协办数据",)]

    def name(code: str) -> str:
        return centre.names.get(code, code) if code else "未派单"

    rows: list[tuple[Any, ...]] = [REVIEW_TABLE]
    reviews = [(name(c), r) for c, r in centre.reviews.items()]
    for label, r in [*reviews, ("合计", _review_total(centre.reviews.values()))]:
        rows.append(
            (
                label,
                r.decided,
                r.decided - r.rejected,
                r.rejected,
                _ratio(r.rejected, r.decided),
                _hours(r.turnaround_seconds, r.decided),
                r.pending,
            )
        )
    rows.append(())
    rows.append(ASSIST_TABLE)
    assists = [(name(c), a) for c, a in centre.assists.items()]
    for label, a in [*assists, ("合计", _assist_total(centre.assists.values()))]:
        rows.append((label, a.due, a.on_time, a.late, a.missing, _ratio(a.on_time, a.due)))
    return rows


def write_centre_sheet(sheet: Any, report: Report, bold: Any) -> None:
    """Write the 审核与协办 sheet: rates as percentages, table headers bold."""
    for values in centre_sheet_rows(report):
        sheet.append(list(values))
        if values in (REVIEW_TABLE, ASSIST_TABLE):
            for col in range(1, len(values) + 1):
                sheet.cell(sheet.max_row, col).font = bold
            rate_col = values.index("驳回率" if values == REVIEW_TABLE else "按时提交率") + 1
        elif values and sheet.max_row > 1:
            sheet.cell(sheet.max_row, rate_col).number_format = "0.0%"
    sheet.column_dimensions["A"].width = 22
