"""Staff chat bindings that outlive a change of chat id (a Telegram group becoming a supergroup)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import transaction
from hotline.models import StaffBinding

log = logging.getLogger(__name__)


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
    if moved:
        log.info("moved %d %s binding(s) from chat %s to %s", moved, channel, old, new)
    return moved
