"""The centre's own figures for the report pack: review (审核) turnaround and rejection rates,
and the assisting departments' (协办) timeliness; SLA figures elsewhere follow the lead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.tickets import Status
from hotline.storage.models import Ticket, TicketAssist, TicketReview

AT_WORK = (Status.DISPATCHED.value, Status.ACCEPTED.value)


@dataclass(frozen=True)
class ReviewFigures:
    """One department's returns and answers decided by the centre in the period."""

    decided: int = 0
    rejected: int = 0
    turnaround_seconds: int = 0  # submission to decision, summed (calendar time)
    pending: int = 0  # still waiting at the report's "now"

    @property
    def average_hours(self) -> float | None:
        """Average time from submission to the centre's decision, in hours."""
        return self.turnaround_seconds / 3600 / self.decided if self.decided else None


@dataclass(frozen=True)
class AssistFigures:
    """One assisting department's opinions whose limit fell in the period."""

    due: int = 0
    on_time: int = 0
    late: int = 0  # given after the limit
    missing: int = 0  # not given, limit passed


@dataclass(frozen=True)
class CentreFigures:
    """Review and 协办 figures by department code, with the names to print."""

    reviews: Mapping[str, ReviewFigures]
    assists: Mapping[str, AssistFigures]
    names: Mapping[str, str]


def centre_figures(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    names: Mapping[str, str],
) -> CentreFigures:
    """Compute the period's figures: reviews decided in [start, end), pending ones at `now`,
    and opinions whose limit fell in [start, end) (a limit still ahead at `now` is not
    counted missing yet)."""
    reviews: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waiting = (
        (TicketReview.status == "pending")
        & (TicketReview.submitted_at < now)
        & Ticket.status.in_(AT_WORK)  # a withdrawn or merged ticket's held work waits no more
    )
    for dept, status, submitted, decided in session.execute(
        select(
            TicketReview.department_code,
            TicketReview.status,
            TicketReview.submitted_at,
            TicketReview.decided_at,
        )
        .join(Ticket, Ticket.id == TicketReview.ticket_id)
        .where((TicketReview.decided_at >= start) & (TicketReview.decided_at < end) | waiting)
    ):
        row = reviews[dept or ""]
        if status == "pending" or decided is None:
            row["pending"] += 1
            continue
        row["decided"] += 1
        row["rejected"] += status == "rejected"
        row["turnaround"] += int((decided - submitted).total_seconds())
    assists: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for dept, due, given in session.execute(
        select(TicketAssist.department_code, TicketAssist.due_at, TicketAssist.opinion_at).where(
            TicketAssist.due_at >= start, TicketAssist.due_at < end
        )
    ):
        row = assists[dept]
        if given is None and due >= now:
            continue  # still time to give it
        row["due"] += 1
        if given is None:
            row["missing"] += 1
        elif given <= due:
            row["on_time"] += 1
        else:
            row["late"] += 1
    return CentreFigures(
        reviews={
            d: ReviewFigures(r["decided"], r["rejected"], r["turnaround"], r["pending"])
            for d, r in sorted(reviews.items())
        },
        assists={
            d: AssistFigures(a["due"], a["on_time"], a["late"], a["missing"])
            for d, a in sorted(assists.items())
        },
        names=names,
    )


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%（{part}/{whole}）" if whole else "—"


def centre_lines(figures: CentreFigures) -> list[str]:
    """The summary's section on 审核 and 协办, one line per department with figures."""
    lines: list[str] = []
    decided = sum(r.decided for r in figures.reviews.values())
    pending = sum(r.pending for r in figures.reviews.values())
    if decided or pending:
        rejected = sum(r.rejected for r in figures.reviews.values())
        seconds = sum(r.turnaround_seconds for r in figures.reviews.values())
        average = f"{seconds / 3600 / decided:.1f} 小时" if decided else "—"
        lines.append(
            f"中心审核 {decided} 件，驳回率 {_percent(rejected, decided)}，"
            f"平均审核用时 {average}，待审核 {pending} 件"
        )
        for code, r in figures.reviews.items():
            hours = f"{r.average_hours:.1f} 小时" if r.average_hours is not None else "—"
            lines.append(
                f"  {figures.names.get(code, code or '未派单')}：审核 {r.decided} 件，"
                f"驳回率 {_percent(r.rejected, r.decided)}，平均用时 {hours}，待审核 {r.pending} 件"
            )
    due = sum(a.due for a in figures.assists.values())
    if due:
        on_time = sum(a.on_time for a in figures.assists.values())
        lines.append(f"协办意见到期 {due} 件，按时提交率 {_percent(on_time, due)}")
        for code, a in figures.assists.items():
            lines.append(
                f"  {figures.names.get(code, code)}：到期 {a.due} 件，按时 {a.on_time}，"
                f"超时提交 {a.late}，未提交 {a.missing}"
            )
    return lines
