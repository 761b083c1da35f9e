"""What every web handler is handed: the services, built once when the app starts."""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)

DASHBOARD_FRESH = timedelta(minutes=5)
DASHBOARD_STALE = timedelta(hours=1)


class ReportCache:
    """The dashboard's figures per period: a report over a million tickets takes seconds, and
    supervisors reload far more often. Younger than five minutes it is served as is; up to an
    hour old it is served while a fresh one is computed in the background; older (or never
    computed) the page waits for it. The page shows when the figures were taken."""

    def __init__(
        self,
        services: Services,
        fresh: timedelta = DASHBOARD_FRESH,
        stale: timedelta = DASHBOARD_STALE,
    ) -> None:
        self.services = services
        self.fresh = fresh
        self.stale = stale
        self._lock = threading.Lock()
        self._reports: dict[str, tuple[datetime, Report]] = {}
        self._refreshing: set[str] = set()

    def get(self, period: str) -> Report:
        """The period's report, fresh enough for a dashboard."""
        now = self.services.clock.now()
        with self._lock:
            kept = self._reports.get(period)
            if kept is not None and now - kept[0] < self.fresh:
                return kept[1]
            if kept is not None and now - kept[0] < self.stale:
                if period not in self._refreshing:
                    self._refreshing.add(period)
                    threading.Thread(target=self._refresh, args=(period,), daemon=True).start()
                return kept[1]
        return self._compute(period)

    def refresh_due(self, periods: tuple[str, ...]) -> list[str]:
        """Recompute the periods whose figures are no longer fresh; the ones recomputed."""
        now = self.services.clock.now()
        with self._lock:
            due = [
                p
                for p in periods
                if p not in self._refreshing
                and (p not in self._reports or now - self._reports[p][0] >= self.fresh)
            ]
            self._refreshing.update(due)
        for period in due:
            self._refresh(period)
        return due

    def keep_warm(self, periods: tuple[str, ...], stop: threading.Event) -> threading.Thread:
        """Keep the periods fresh in the background, so no supervisor's page ever waits for a
        computation (a month at a million tickets takes seconds)."""

        def loop() -> None:
            while not stop.is_set():
                try:
                    self.refresh_due(periods)
                except Exception:  # a failed refresh is retried; the page computes if it must
                    logger.exception("dashboard refresh failed")
                stop.wait(self.fresh.total_seconds() / 2)

        thread = threading.Thread(target=loop, name="dashboard-warm", daemon=True)
        thread.start()
        return thread

    def _compute(self, period: str) -> Report:
        now = self.services.clock.now()
        report = report_for(self.services, period)
        with self._lock:
            self._reports[period] = (now, report)
        return report

    def _refresh(self, period: str) -> None:
        try:
            self._compute(period)
        finally:
            with self._lock:
                self._refreshing.discard(period)


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
