"""Open311 API keys: issued once in clear, stored hashed, rate-limited per key."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.clock import Clock
from hotline.domain.tickets import DomainError, NotAllowed
from hotline.storage.audit import audit, count_since
from hotline.storage.db import transaction
from hotline.storage.models import ApiKey

RATE_WINDOW = timedelta(minutes=1)
RATE_LIMIT = 30  # new requests per key per minute
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class ApiKeys:
    """Who may file requests through Open311, and how fast."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def create(self, name: str, *, by: str) -> str:
        """A new key for a named client (the app, the WeChat account…); only the hash is kept."""
        if not _NAME.match(name or ""):
            raise DomainError("接入方名称只能用字母、数字、点、下划线和减号。", code="bad_key_name")
        key = "o311_" + secrets.token_urlsafe(30)
        now = self.clock.now()
        with transaction(self.sessions) as session:
            if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
                raise DomainError(f"接入方“{name}”已有密钥。", code="key_exists")
            session.add(
                ApiKey(name=name, key_hash=_hash(key), active=True, created_at=now, created_by=by)
            )
            audit(session, at=now, actor=by, action="api_key_create", subject=name)
        return key

    def revoke(self, name: str, *, by: str) -> None:
        """Stop a client's key at once."""
        with transaction(self.sessions) as session:
            row = session.scalar(select(ApiKey).where(ApiKey.name == name))
            if row is None:
                raise DomainError(f"没有接入方“{name[:40]}”。", code="unknown_key")
            row.active = False
            audit(session, at=self.clock.now(), actor=by, action="api_key_revoke", subject=name)

    def admit(self, key: str | None) -> str:
        """The client's name for a valid key within its rate; the use is counted (audited)."""
        if not key:
            raise NotAllowed("缺少 api_key。", code="no_key")
        now = self.clock.now()
        with transaction(self.sessions) as session:
            row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
            if row is None or not row.active:
                raise NotAllowed("api_key 无效或已停用。", code="bad_key")
            actor = f"apikey:{row.name}"
            used = count_since(session, action="open311_post", actor=actor, since=now - RATE_WINDOW)
            if used >= RATE_LIMIT:
                raise NotAllowed("请求过于频繁，请稍后再试。", code="rate_limited")
            audit(session, at=now, actor=actor, action="open311_post", subject=row.name)
            return row.name
