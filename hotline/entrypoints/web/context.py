"""What every web handler is handed: the services, built once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.bootstrap import App
from hotline.services.api_keys import ApiKeys
from hotline.services.attachments import AttachmentService
from hotline.services.container import Services
from hotline.services.open311 import Open311
from hotline.services.web_access import WebAccess
from hotline.services.workbench import Workbench


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
