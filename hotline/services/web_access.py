"""Web sign-in for named operators: scrypt-hashed passwords, throttled sign-in, server sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.domain.tickets import Actor, DomainError, NotAllowed, Role
from hotline.storage.audit import audit, count_since
from hotline.storage.db import transaction
from hotline.storage.models import Operator, WebCredential, WebSession

SESSION_HOURS = 12
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5  # failed sign-ins per account (and per address) in the window
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """scrypt (RFC 7914) with a random salt, stored with its parameters for later upgrades."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison against a stored scrypt hash."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def check_strength(password: str) -> None:
    """Refuse passwords too short to survive a guess (before anything is created)."""
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(f"密码至少{MIN_PASSWORD}个字符。", code="weak_password")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# A real hash to compare against when the name is unknown, so timing does not tell names apart.
_DUMMY = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class WebSignIn:
    """A fresh browser session: the cookie's token (shown once) and the form token."""

    token: str
    csrf_token: str
    actor: Actor


@dataclass(frozen=True)
class WebIdentity:
    """Who a session cookie belongs to, verified against the operator account each request."""

    actor: Actor
    csrf_token: str


class WebAccess:
    """Passwords for operators, sign-in and sign-out; every step lands in the audit log."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def set_password(self, name: str, password: str, *, by: str) -> None:
        """Give an operator a web password (or replace it); existing sessions end."""
        check_strength(password)
        now = self.clock.now()
        with transaction(self.sessions) as session:
            operator = session.scalar(select(Operator).where(Operator.name == name.strip()))
            if operator is None:
                raise DomainError(f"没有名为“{name[:40]}”的操作员。", code="unknown_operator")
            row = session.scalar(
                select(WebCredential).where(WebCredential.operator_id == operator.id)
            )
            if row is None:
                row = WebCredential(
                    operator_id=operator.id, password_hash="", set_at=now, set_by=by
                )
                session.add(row)
            row.password_hash = hash_password(password)
            row.set_at, row.set_by = now, by
            for live in session.scalars(
                select(WebSession).where(
                    WebSession.operator_id == operator.id, WebSession.ended_at.is_(None)
                )
            ):
                live.ended_at = now
            audit(session, at=now, actor=by, action="web_password_set", subject=operator.name)

    def sign_in(self, name: str, password: str, *, address: str) -> WebSignIn:
        """Check the password; five failures in 15 minutes lock the name and the address."""
        now = self.clock.now()
        clean = (name or "").strip()[:80]
        with transaction(self.sessions) as session:
            since = now - THROTTLE_WINDOW
            if (
                count_since(session, action="web_sign_in_failed", actor=f"web:{clean}", since=since)
                >= THROTTLE_FAILURES
                or count_since(
                    session, action="web_sign_in_failed", actor=f"addr:{address}", since=since
                )
                >= THROTTLE_FAILURES
            ):
                raise NotAllowed("登录失败次数过多，请15分钟后再试。", code="throttled")
            operator = session.scalar(select(Operator).where(Operator.name == clean))
            credential = (
                session.scalar(
                    select(WebCredential).where(WebCredential.operator_id == operator.id)
                )
                if operator is not None
                else None
            )
            stored = credential.password_hash if credential is not None else _DUMMY
            ok = check_password(password or "", stored) and credential is not None
        if not ok or operator is None or not operator.active:
            with transaction(self.sessions) as session:
                for who in (f"web:{clean}", f"addr:{address}"):
                    audit(session, at=now, actor=who, action="web_sign_in_failed", subject=clean)
            raise NotAllowed("用户名或密码不正确。", code="bad_credentials")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        with transaction(self.sessions) as session:
            session.add(
                WebSession(
                    token_hash=_token_hash(token),
                    operator_id=operator.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )
            actor = _actor(operator)
            audit(session, at=now, actor=actor.audit_name, action="web_sign_in", subject=clean)
        return WebSignIn(token=token, csrf_token=csrf, actor=actor)

    def identify(self, token: str | None) -> WebIdentity | None:
        """The live session's operator; expired, ended or disabled means signed out."""
        if not token:
            return None
        now = self.clock.now()
        with transaction(self.sessions) as session:
            row = session.scalar(
                select(WebSession).where(WebSession.token_hash == _token_hash(token))
            )
            if row is None or row.ended_at is not None or row.expires_at <= now:
                return None
            operator = session.get(Operator, row.operator_id)
            if operator is None or not operator.active:
                return None
            return WebIdentity(actor=_actor(operator), csrf_token=row.csrf_token)

    def sign_out(self, token: str | None) -> None:
        """End the session behind the cookie (a second sign-out is harmless)."""
        if not token:
            return
        now = self.clock.now()
        with transaction(self.sessions) as session:
            row = session.scalar(
                select(WebSession).where(WebSession.token_hash == _token_hash(token))
            )
            if row is None or row.ended_at is not None:
                return
            row.ended_at = now
            operator = session.get(Operator, row.operator_id)
            name = operator.name if operator else "?"
            audit(session, at=now, actor=f"web:{name}", action="web_sign_out", subject=name)


def _actor(operator: Operator) -> Actor:
    """The same verified actor `--as NAME` gives on the command line."""
    return Actor(
        role=cast(Role, operator.role),
        id=f"operator:{operator.name}",
        department=operator.department_code,
        name=operator.name,
    )
