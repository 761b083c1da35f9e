"""Intake's search for the open ticket a new report may belong to, by spot rather than spelling.

The stored place_key is the first road/compound as typed ("王集镇" for every village of the
town, "人民路" or "解放路" for one crossing), so the search asks for any open ticket whose
address holds one of the names of the report's spot, of any category at that spot; the domain
rules (hotline.domain.duplicates.match_score) then decide which, if any, is the same problem.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hotline.domain.duplicates import Report, problem_place
from hotline.domain.problem_places import spot
from hotline.domain.tickets import OPEN_STATUSES
from hotline.services.duplicates import REPORT_COLUMNS, ProblemLinking
from hotline.storage.models import Ticket

# How many open tickets at one spot the comparison reads at most (newest first).
CANDIDATE_LIMIT = 300


def _name_tails(address: str | None) -> list[str]:
    """The last three characters of each name of the spot: what any spelling of it contains
    ("李庄村" in "王集李庄村", "光花园" in "阳光花园小区")."""
    found = spot(address)
    if found is None:
        return []
    tails = {name[-3:] for name in (*found.roads, *found.names) if len(name) >= 2}
    return sorted(tails)


class IntakeLinking(ProblemLinking):
    """Candidates at the report's spot however its address is spelled, any category."""

    def _candidates(
        self, session: Session, report: Report, now: datetime
    ) -> list[tuple[int, Report]]:
        """Open tickets opened within the window at the report's spot (any of its names in the
        address, or coordinates when the report has them), newest first, as plain rows."""
        if report.category is None and report.department is None:
            return []
        where_place: list[ColumnElement[bool]] = []
        if report.latitude is not None:
            where_place.append(Ticket.latitude.is_not(None))
        place = problem_place(report.address)
        if place is not None:
            where_place.append(Ticket.place_key.endswith(place, autoescape=True))
        where_place.extend(
            Ticket.address.contains(tail, autoescape=True) for tail in _name_tails(report.address)
        )
        if not where_place:
            return []
        rows = session.execute(
            select(Ticket.id, *REPORT_COLUMNS)
            .where(
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                Ticket.created_at >= now - self.duplicates.window,
                or_(*where_place),
            )
            .order_by(Ticket.id.desc())
            .limit(CANDIDATE_LIMIT)
        )
        return [(row[0], Report(*row[1:])) for row in rows]
