"""The web application: workbench pages and Open311, served by uvicorn on HOTLINE_WEB_HOST:PORT."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hotline.bootstrap import App
from hotline.entrypoints.web import open311, pages, tools
from hotline.entrypoints.web.auth import BadForm, SignInRequired
from hotline.entrypoints.web.context import WebContext
from hotline.services.reports import PERIOD_LABELS

_HERE = Path(__file__).parent


def create_app(application: App, *, secure_cookies: bool = False) -> FastAPI:
    """One FastAPI app over the application's services (no OpenAPI pages are exposed)."""
    web = FastAPI(title="12345 工作台", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.ctx = WebContext.of(application, secure_cookies=secure_cookies)
    web.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    web.include_router(open311.router)
    web.include_router(pages.router)
    web.include_router(tools.router)

    @web.exception_handler(SignInRequired)
    async def to_login(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/login", 303)

    @web.exception_handler(BadForm)
    async def bad_form(request: Request, exc: BadForm) -> Response:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8>"
            "<p>表单已过期或来源不明，请返回页面刷新后重试。</p>",
            403,
        )

    @web.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'"
        )
        if not request.url.path.startswith(("/open311/", "/static/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return web


def _server(application: App) -> tuple[uvicorn.Server, threading.Event]:
    settings = application.settings
    web = create_app(application)
    # Every period's figures are kept fresh in the background: no supervisor's page waits.
    warm_stop = threading.Event()
    web.state.ctx.reports.keep_warm(tuple(PERIOD_LABELS), warm_stop)
    config = uvicorn.Config(
        web,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config), warm_stop


def run_web(application: App) -> None:
    """Serve until interrupted (`hotline web`)."""
    server, warm_stop = _server(application)
    try:
        server.run()
    finally:
        warm_stop.set()


class WebThread:
    """The web app beside the bot or console inside `hotline up`."""

    def __init__(self, application: App) -> None:
        self.server, self.warm_stop = _server(application)
        self.thread = threading.Thread(target=self.server.run, name="hotline-web", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def wait(self) -> None:
        """Block until the server stops (Ctrl+C interrupts the wait)."""
        while self.thread.is_alive():
            self.thread.join(timeout=0.5)

    def stop(self) -> None:
        self.warm_stop.set()
        self.server.should_exit = True
        self.thread.join(timeout=5)
