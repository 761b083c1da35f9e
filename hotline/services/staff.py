"""Staff chat bindings that outlive a change of chat id (a Telegram group becoming a supergroup)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import Clock
from hotline.domain.tickets import STAFF_ROLES, DomainError
from hotline.storage.audit import audit, count_since
from hotline.storage.db import transaction
from hotline.storage.models import StaffBinding, StaffInvite, StaffPrompt

log = logging.getLogger(__name__)

ROLE_RANK = {"admin": 4, "supervisor": 3, "dispatcher": 2, "staff": 1}


def migrate_chat(sessions: sessionmaker[Session], channel: str, old: str, new: str) -> int:
    """Move every active binding of chat `old` to chat `new`; returns how many moved.

    Idempotent: a second call finds nothing left on `old`. When the new chat already has a
    row for the same member and role (someone re-bound it meanwhile), that row is kept
    (re-activated if need be) and the old one is deactivated instead of moved.
    """
    if old == new:
        return 0
    with transaction(sessions) as session:
        rows = session.scalars(
            select(StaffBinding).where(
                StaffBinding.channel == channel,
                StaffBinding.chat_id.in_([old, new]),
            )
        ).all()
        present = {(r.user_id, r.role): r for r in rows if r.chat_id == new}
        moved = 0
        for row in rows:
            if row.chat_id != old or not row.active:
                continue
            twin = present.get((row.user_id, row.role))
            if twin is None:
                row.chat_id = new
                present[(row.user_id, row.role)] = row
            else:  # the unique (chat, member, role) row exists on the new chat: reuse it
                if not twin.active:
                    twin.active, twin.department_code = True, row.department_code
                row.active = False
            moved += 1
        session.execute(  # pending prompts follow the chat, so replies still find them
            update(StaffPrompt)
            .where(StaffPrompt.channel == channel, StaffPrompt.chat_id == old)
            .values(chat_id=new)
        )
    if moved:
        log.info("moved %d %s binding(s) from chat %s to %s", moved, channel, old, new)
    return moved


# ------------------------------------------------------------- access you can manage

INVITE_ROLES = ("staff", "dispatcher", "supervisor")  # admin only via `hotline staff grant`
BIND_FAILURES_ALLOWED = 5
BIND_THROTTLE_WINDOW = timedelta(minutes=10)
ROLE_LABELS = {
    "staff": "承办人员",
    "dispatcher": "派单员",
    "supervisor": "督办人员",
    "admin": "管理员",
}


def new_invite_code() -> str:
    """128 random bits as 32 hex digits, grouped by four so a person can read them out."""
    raw = secrets.token_hex(16).upper()
    return "-".join(raw[i : i + 4] for i in range(0, 32, 4))


def hash_code(code: str) -> str:
    """What is stored for an invite: the SHA-256 of the normalised code, never the code."""
    normal = re.sub(r"[\s-]", "", code or "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


@dataclass(frozen=True)
class BindingRow:
    """One binding as `hotline staff list` shows it."""

    id: int
    channel: str
    chat_id: str
    user_id: str | None
    role: str
    department: str | None
    display_name: str | None
    created_at: datetime
    expires_at: datetime | None
    active: bool


def _row(b: StaffBinding) -> BindingRow:
    return BindingRow(
        id=b.id,
        channel=b.channel,
        chat_id=b.chat_id,
        user_id=b.user_id,
        role=b.role,
        department=b.department_code,
        display_name=b.display_name,
        created_at=b.created_at,
        expires_at=b.expires_at,
        active=b.active,
    )


class StaffAccess:
    """Who may act for a department: list, grant, revoke and expire bindings, all audited."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, catalogue: Catalogue | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.catalogue = catalogue

    def invite(
        self, *, role: str, department: str | None, valid_for: timedelta = timedelta(days=7)
    ) -> str:
        """Issue a one-time 128-bit code for `/bind CODE`; only its hash is kept."""
        if role == "admin":
            raise DomainError(
                "管理员角色不能用绑定码授予，请用 hotline staff grant --role admin。",
                code="admin_by_invite",
            )
        if role not in STAFF_ROLES:
            raise DomainError(f"角色只能是 {', '.join(STAFF_ROLES[:3])}。", code="bad_role")
        known = self.catalogue.departments if self.catalogue is not None else {}
        if role == "staff" and department not in known:
            raise DomainError("承办人员必须指定一个有效的部门。", code="unknown_department")
        return issue_invite(
            self.sessions, self.clock, role=role, department=department, valid_for=valid_for
        )

    def member_role(
        self, channel: str, chat_id: str, user_id: str | None
    ) -> tuple[str, str | None] | None:
        """The strongest live binding of this person in this chat, as (role, department).

        A group's own binding only routes cards to it; each member acts after their own
        /bind (or `hotline staff grant`), so a newcomer to a bound group cannot act.
        """
        if user_id is None:
            return None
        now = self.clock.now()
        with transaction(self.sessions) as session:
            rows = session.execute(
                select(StaffBinding.role, StaffBinding.department_code).where(
                    StaffBinding.channel == channel,
                    StaffBinding.chat_id == chat_id,
                    StaffBinding.user_id == user_id,
                    StaffBinding.active.is_(True),
                    or_(StaffBinding.expires_at.is_(None), StaffBinding.expires_at > now),
                )
            ).all()
        if not rows:
            return None
        best = max(rows, key=lambda r: ROLE_RANK.get(r.role, 0))
        return best.role, best.department_code

    def bindings(self, *, include_inactive: bool = False) -> list[BindingRow]:
        """Bindings by chat then person; inactive or expired ones only when asked for."""
        now = self.clock.now()
        query = select(StaffBinding).order_by(StaffBinding.chat_id, StaffBinding.id)
        with transaction(self.sessions) as session:
            rows = [_row(b) for b in session.scalars(query)]
        if include_inactive:
            return rows
        return [r for r in rows if r.active and (r.expires_at is None or r.expires_at > now)]

    def grant(
        self,
        *,
        channel: str,
        chat_id: str,
        user_id: str | None,
        role: str,
        department: str | None,
        by: str,
        expires_at: datetime | None = None,
        display_name: str | None = None,
    ) -> BindingRow:
        """Bind a person (or a chat, user_id None) directly; the only way to make an admin."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            row = session.scalar(
                select(StaffBinding).where(
                    StaffBinding.channel == channel,
                    StaffBinding.chat_id == chat_id,
                    StaffBinding.user_id.is_(None)
                    if user_id is None
                    else StaffBinding.user_id == user_id,
                    StaffBinding.role == role,
                )
            )
            if row is None:
                row = StaffBinding(
                    channel=channel, chat_id=chat_id, user_id=user_id, role=role, created_at=now
                )
                session.add(row)
            row.department_code, row.active, row.revoked_at = department, True, None
            row.expires_at, row.display_name = expires_at, display_name or row.display_name
            session.flush()
            audit(
                session,
                at=now,
                actor=by,
                action="staff_grant",
                subject=f"{channel}:{chat_id}:{user_id or '*'}",
                data={"binding": row.id, "role": role, "department": department},
            )
            return _row(row)

    def revoke(self, binding_id: int, *, by: str) -> list[int]:
        """Revoke at once; revoking a chat's binding revokes every person bound in that chat."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            row = session.get(StaffBinding, binding_id, with_for_update=True)
            if row is None:
                raise DomainError(f"没有编号为 {binding_id} 的绑定。", code="not_found")
            rows = [row]
            if row.user_id is None:
                rows += session.scalars(
                    select(StaffBinding).where(
                        StaffBinding.channel == row.channel,
                        StaffBinding.chat_id == row.chat_id,
                        StaffBinding.user_id.is_not(None),
                        StaffBinding.active.is_(True),
                    )
                ).all()
            for r in rows:
                r.active, r.revoked_at = False, now
                audit(
                    session,
                    at=now,
                    actor=by,
                    action="staff_revoke",
                    subject=f"{r.channel}:{r.chat_id}:{r.user_id or '*'}",
                    data={"binding": r.id, "role": r.role, "department": r.department_code},
                )
            return [r.id for r in rows]

    def expire(self, binding_id: int, *, at: datetime | None, by: str) -> BindingRow:
        """Set when a binding stops counting (now when no time is given)."""
        now = self.clock.now()
        when = at or now
        with transaction(self.sessions) as session:
            row = session.get(StaffBinding, binding_id, with_for_update=True)
            if row is None:
                raise DomainError(f"没有编号为 {binding_id} 的绑定。", code="not_found")
            row.expires_at = when
            if row.user_id is None:  # a group's binding ends for its members too
                for member in session.scalars(
                    select(StaffBinding).where(
                        StaffBinding.channel == row.channel,
                        StaffBinding.chat_id == row.chat_id,
                        StaffBinding.user_id.is_not(None),
                    )
                ):
                    if member.expires_at is None or member.expires_at > when:
                        member.expires_at = when
            audit(
                session,
                at=now,
                actor=by,
                action="staff_expire",
                subject=f"{row.channel}:{row.chat_id}:{row.user_id or '*'}",
                data={"binding": row.id, "expires_at": when.isoformat()},
            )
            return _row(row)

    def bind(
        self,
        code: str,
        *,
        channel: str,
        chat_id: str,
        user_id: str | None,
        display_name: str | None = None,
        chat_title: str | None = None,
        group: bool = False,
    ) -> StaffBinding:
        """Consume an invite: bind the person (and, in a group not yet bound, the group).

        Throttled per person (BIND_FAILURES_ALLOWED failures per BIND_THROTTLE_WINDOW); every
        success, failure and refusal is audited. Admin roles are never granted from a chat.
        """
        who = f"{channel}:{user_id or chat_id}"
        now = self.clock.now()
        with transaction(self.sessions) as session:
            failures = count_since(
                session, action="bind_failed", actor=who, since=now - BIND_THROTTLE_WINDOW
            )
            if failures >= BIND_FAILURES_ALLOWED:
                audit(session, at=now, actor=who, action="bind_throttled", subject=chat_id)
                throttled = True
            else:
                throttled = False
        if throttled:
            raise DomainError("绑定尝试次数过多，请10分钟后再试。", code="throttled")
        try:
            return self._consume(code, channel, chat_id, user_id, display_name, chat_title, group)
        except DomainError as exc:
            with transaction(self.sessions) as session:
                audit(
                    session,
                    at=now,
                    actor=who,
                    action="bind_failed",
                    subject=f"{channel}:{chat_id}",
                    data={"reason": exc.code},
                )
            raise

    def _consume(
        self,
        code: str,
        channel: str,
        chat_id: str,
        user_id: str | None,
        display_name: str | None,
        chat_title: str | None,
        group: bool,
    ) -> StaffBinding:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            invite = session.get(StaffInvite, hash_code(code), with_for_update=True)
            if invite is None or invite.used_at is not None or invite.expires_at <= now:
                raise DomainError("绑定码无效或已过期，请向管理员重新申请。", code="bad_invite")
            if invite.role not in INVITE_ROLES:
                raise DomainError(
                    "管理员权限不能通过绑定码获得，请联系系统管理员在服务器上授予。",
                    code="admin_by_invite",
                )
            invite.used_at, invite.used_by = now, f"{channel}:{chat_id}:{user_id or '*'}"
            made: list[StaffBinding] = []
            members = [user_id] if not group else [None, user_id]
            for member in members:
                existing = session.scalar(
                    select(StaffBinding).where(
                        StaffBinding.channel == channel,
                        StaffBinding.chat_id == chat_id,
                        StaffBinding.user_id.is_(None)
                        if member is None
                        else StaffBinding.user_id == member,
                        StaffBinding.role == invite.role,
                    )
                )
                if existing is not None and member is None and existing.active:
                    continue  # the group is already bound: only the person is added
                row = existing or StaffBinding(
                    channel=channel,
                    chat_id=chat_id,
                    user_id=member,
                    role=invite.role,
                    created_at=now,
                )
                row.department_code, row.active = invite.department_code, True
                row.revoked_at, row.expires_at = None, None
                row.display_name = chat_title if member is None else display_name
                session.add(row)
                made.append(row)
            session.flush()
            for row in made:
                audit(
                    session,
                    at=now,
                    actor=f"{channel}:{user_id or chat_id}",
                    action="staff_bind",
                    subject=f"{channel}:{chat_id}:{row.user_id or '*'}",
                    data={"binding": row.id, "role": row.role, "department": row.department_code},
                )
            return made[-1]


def issue_invite(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    role: str,
    department: str | None,
    valid_for: timedelta,
) -> str:
    """Store the hash of a fresh code and return the code itself (shown once)."""
    code = new_invite_code()
    now = clock.now()
    with transaction(sessions) as session:
        session.add(
            StaffInvite(
                code_hash=hash_code(code),
                department_code=department,
                role=role,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
        audit(
            session,
            at=now,
            actor="cli",
            action="staff_invite",
            subject=department,
            data={"role": role, "expires_at": (now + valid_for).isoformat()},
        )
    return code
