"""Session cookies and CSRF tokens for the workbench: HttpOnly, SameSite=Strict, one per form."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from fastapi.responses import Response

from hotline.entrypoints.web.context import WebContext
from hotline.services.web_access import SESSION_HOURS, WebIdentity

SESSION_COOKIE = "hotline_session"
LOGIN_CSRF_COOKIE = "hotline_login_csrf"


class SignInRequired(Exception):
    """No live session: the browser is sent to /login."""


class BadForm(Exception):
    """A form without the session's CSRF token: refused, nothing done."""


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def identity(request: Request) -> WebIdentity:
    """The signed-in operator, checked against the database on every request."""
    found = context(request).access.identify(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise SignInRequired
    return found


def check_csrf(who: WebIdentity, sent: str | None) -> None:
    """Every state-changing form carries the session's token."""
    if not sent or not hmac.compare_digest(sent, who.csrf_token):
        raise BadForm


def set_session(response: Response, token: str, ctx: WebContext) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
        path="/",
    )


def login_token(request: Request) -> str:
    """Double-submit token for the sign-in form (there is no session yet)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf(response: Response, token: str, ctx: WebContext) -> None:
    """The sign-in form's token goes into a cookie only /login reads."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
        path="/login",
    )


def check_login_csrf(request: Request, sent: str | None) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise BadForm
