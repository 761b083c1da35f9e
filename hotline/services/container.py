"""What adapters are handed: the ticket commands and queries, staff access, and what they share."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import Clock
from hotline.domain.duplicates import OFF, DuplicateRules
from hotline.domain.review import ReviewRules
from hotline.domain.sla import SlaPolicy
from hotline.domain.templates import ReplyTemplates
from hotline.services.operators import Operators
from hotline.services.staff import StaffAccess
from hotline.services.tickets import TicketCommands
from hotline.services.views import TicketViews


class Services:
    """Built once per process (hotline.bootstrap); commands apart from queries, as in CQRS."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        catalogue: Catalogue,
        sla: SlaPolicy,
        clock: Clock,
        tz: ZoneInfo,
        *,
        review: ReviewRules | None = None,
        templates: ReplyTemplates | None = None,
        duplicates: DuplicateRules = OFF,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.sla = sla
        self.clock = clock
        self.tz = tz
        self.review = review or ReviewRules()  # data/review.yml (审核)
        self.templates = templates or ReplyTemplates()  # data/templates.yml (常用语)
        self.duplicates = duplicates  # data/duplicates.yml (重复件); off unless given
        self.tickets = TicketCommands(
            sessions, catalogue, sla, clock, tz, self.review, duplicates=duplicates
        )
        self.views = TicketViews(sessions, catalogue, sla, clock, tz)
        self.staff = StaffAccess(sessions, clock, catalogue)
        self.operators = Operators(sessions, catalogue, clock)
