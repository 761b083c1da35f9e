"""A web app over a fresh database with a manual clock, and helpers to sign in through it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from hotline.bootstrap import App, build_app
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.entrypoints.web.app import create_app
from hotline.services.api_keys import ApiKeys
from hotline.services.web_access import WebAccess
from hotline.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


@dataclass
class WebWorld:
    """The application, its clock, and a way to make accounts and keys."""

    app: App
    clock: ManualClock

    def account(self, name: str, role: str, department: str | None = None) -> None:
        ops = self.app.service.operators
        ops.add_operator(name, role=role, department=department, created_by="test")
        WebAccess(self.app.sessions, self.clock).set_password(name, PASSWORD, by="test")

    def api_key(self, client: str = "city-app") -> str:
        return ApiKeys(self.app.sessions, self.clock).create(client, by="test")

    def client(self) -> TestClient:
        return TestClient(create_app(self.app), base_url="http://127.0.0.1")


def make_world(tmp: Path, clock: ManualClock, database_url: str | None = None) -> WebWorld:
    """A migrated database (SQLite under tmp unless given) and the real catalogue."""
    settings = Settings.from_env(
        {
            "HOTLINE_DATABASE_URL": database_url or f"sqlite:///{tmp / 'hotline.db'}",
            "HOTLINE_VAR_DIR": str(tmp / "var"),
        },
        root=ROOT,
    )
    (tmp / "var").mkdir(exist_ok=True)
    app = build_app(settings, clock=clock)
    upgrade(app.engine)
    app.service.tickets.sync_catalogue()
    return WebWorld(app, clock)


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a browser does."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
