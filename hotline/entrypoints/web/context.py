"""What every web handler is handed: the services, built once when the app starts."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.bootstrap import App
from hotline.services.api_keys import ApiKeys
from hotline.services.attachments import AttachmentService
from hotline.services.container import Services
from hotline.services.open311 import Open311
from hotline.services.reports import Report, report_for
from hotline.services.web_access import WebAccess
from hotline.services.workbench import Workbench

DASHBOARD_FRESH = timedelta(minutes=5)


class ReportCache:
    """The dashboard's figures, recomputed at most every five minutes per period: a report
    over a million tickets takes seconds, and supervisors reload the page far more often."""

    def __init__(self, services: Services, fresh: timedelta = DASHBOARD_FRESH) -> None:
        self.services = services
        self.fresh = fresh
        self._lock = threading.Lock()
        self._reports: dict[str, tuple[datetime, Report]] = {}

    def get(self, period: str) -> Report:
        """The period's report, computed now if the kept one is older than `fresh`."""
        with self._lock:  # one computation at a time; the others wait and reuse it
            now = self.services.clock.now()
            kept = self._reports.get(period)
            if kept is not None and now - kept[0] < self.fresh:
                return kept[1]
            report = report_for(self.services, period)
            self._reports[period] = (now, report)
            return report


@dataclass(frozen=True)
class WebContext:
    """The web adapter's handle on the core (no business rule lives in the web layer)."""

    services: Services
    open311: Open311
    api_keys: ApiKeys
    access: WebAccess
    workbench: Workbench
    attachments: AttachmentService
    var_dir: Path
    ticket_url: str | None
    secure_cookies: bool
    reports: ReportCache = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reports", ReportCache(self.services))

    @property
    def tz(self) -> ZoneInfo:
        return self.services.tz

    @classmethod
    def of(cls, app: App, *, secure_cookies: bool = False) -> WebContext:
        """Wire the web's services from the application object."""
        s = app.service
        parts = (s.sessions, s.catalogue, s.sla, s.clock, s.tz)
        return cls(
            services=s,
            open311=Open311(*parts),
            api_keys=ApiKeys(s.sessions, s.clock),
            access=WebAccess(s.sessions, s.clock),
            workbench=Workbench(*parts),
            attachments=AttachmentService(s.sessions, s.clock, s.tz),
            var_dir=app.settings.var_dir,
            ticket_url=app.settings.ticket_url,
            secure_cookies=secure_cookies,
        )
