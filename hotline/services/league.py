"""The weekly department league table (通报): departments ranked on their timeliness and 三率.

Score = the mean of the rates a department has figures for, among 响应率 (按时签收),
按时办结率, 解决率 and 满意率, in percent; ties go to fewer overdue tickets, then to the code.
Returns (退单), review rejections (审核驳回: the department's returns and answers the centre
sent back in the period, from the review records) and missed 督办 deadlines are shown beside
the score, not in it; rejections read — when the report carries no review figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hotline.services.reports import UNASSIGNED, Rate, Report, round_half_up


@dataclass(frozen=True)
class LeagueRow:
    """One department's line of the league table."""

    rank: int
    department: str
    name: str
    dispatched: int
    response: Rate
    on_time_answer: Rate
    resolution: Rate
    satisfaction: Rate
    returns: int
    overdue: int
    directive_overdue: int
    rejections: int | None
    score: float | None


def _rejections(report: Report, code: str) -> int | None:
    """The department's returns and answers rejected in review (审核驳回) in the period."""
    if report.centre is None:
        return None
    figures = report.centre.reviews.get(code)
    return figures.rejected if figures is not None else 0


def league_table(report: Report) -> tuple[LeagueRow, ...]:
    """Every department with work in the period, overdue now or rejected in review, best
    first."""
    rows: list[LeagueRow] = []
    for code, k in report.departments.items():
        rejections = _rejections(report, code)
        if code == UNASSIGNED or not (k.dispatched or k.overdue or k.returns_total or rejections):
            continue
        rates = [
            r.value
            for r in (k.response, k.on_time_answer, k.resolution, k.satisfaction)
            if r.value is not None
        ]
        score = round_half_up(sum(rates, Fraction(0)) * 100 / len(rates)) if rates else None
        rows.append(
            LeagueRow(
                rank=0,
                department=code,
                name=report.department_names.get(code, code),
                dispatched=k.dispatched,
                response=k.response,
                on_time_answer=k.on_time_answer,
                resolution=k.resolution,
                satisfaction=k.satisfaction,
                returns=k.returns_total,
                overdue=k.overdue,
                directive_overdue=report.directive_overdue.get(code, 0),
                rejections=rejections,
                score=score,
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.overdue, r.department))
    return tuple(LeagueRow(**{**row.__dict__, "rank": i}) for i, row in enumerate(rows, start=1))


def league_lines(report: Report, limit: int = 20) -> list[str]:
    """The league table as text lines for the summary."""
    lines = []
    for r in league_table(report)[:limit]:
        score = f"{r.score:.1f}" if r.score is not None else "—"
        lines.append(
            f"{r.rank}. {r.name} 综合 {score}：派单 {r.dispatched}，响应率 {r.response.percent}，"
            f"按时办结率 {r.on_time_answer.percent}，解决率 {r.resolution.percent}，"
            f"满意率 {r.satisfaction.percent}，退单 {r.returns}，超期 {r.overdue}"
            + (f"，审核驳回 {r.rejections}" if r.rejections else "")
            + (f"，督办逾期 {r.directive_overdue}" if r.directive_overdue else "")
        )
    return lines
