"""Inline keyboards and their callback data: short, parseable, and never trusted on the way back.

Callback data formats (Telegram allows at most 64 bytes):

- ``t:<action>:<number>`` staff card: accept, return, extend, resolve, info (请市民补充), phone,
  files (查看附件), opinion (协办意见, on an assisting department's card)
- ``d:<department code>:<number>`` dispatcher re-routes a returned/unroutable ticket
- ``x:approve|deny:<number>`` dispatcher decides an extension request
- ``v:approve|reject:<number>`` dispatcher reviews (审核) a held return or answer
- ``a:<department code>:<number>`` dispatcher adds an assisting department (协办)
- ``s:<score>:<number>`` citizen survey: satisfied, basically_satisfied, unsatisfied
- ``r:<payload>`` a Rasa button payload; ``r#<key>`` when the payload is too long and kept in
  chat_data under ``key``
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from hotline.domain.tickets import Status

MAX_CALLBACK_BYTES = 64
MAX_INLINE_PAYLOAD = 60
MAX_STORED_PAYLOADS = 200

STAFF_ACTIONS: dict[str, str] = {
    "accept": "签收",
    "return": "退单",
    "extend": "申请延期",
    "resolve": "办结",
    "info": "请市民补充",
    "phone": "显示电话",
    "files": "查看附件",
    "opinion": "提交协办意见",
}
# Which card buttons still make sense in each ticket state.
STAFF_BUTTONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    Status.DISPATCHED.value: ("accept", "return", "phone"),
    Status.ACCEPTED.value: ("return", "extend", "resolve", "info", "phone"),
}
SURVEY_SCORES: dict[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}
DEPARTMENT_COLUMNS = 3

_NUMBER = r"\d{8}-\d{4,6}"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "t": re.compile(rf"^t:(accept|return|extend|resolve|info|phone|files|opinion):({_NUMBER})$"),
    "d": re.compile(rf"^d:([a-z][a-z0-9_]{{0,39}}):({_NUMBER})$"),
    "x": re.compile(rf"^x:(approve|deny):({_NUMBER})$"),
    "v": re.compile(rf"^v:(approve|reject):({_NUMBER})$"),
    "a": re.compile(rf"^a:([a-z][a-z0-9_]{{0,39}}):({_NUMBER})$"),
    "s": re.compile(rf"^s:(satisfied|basically_satisfied|unsatisfied):({_NUMBER})$"),
}


@dataclass(frozen=True)
class Press:
    """A parsed button press: its family (t/d/x/s), the verb or argument, and the ticket."""

    family: str
    arg: str
    number: str


def parse(data: str | None) -> Press | None:
    """Parse ticket callback data; None for anything forged, stale-format or unknown."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    pattern = _PATTERNS.get(data[:1])
    match = pattern.match(data) if pattern else None
    if match is None:
        return None
    return Press(family=data[:1], arg=match[1], number=match[2])


def _data(*parts: str) -> str:
    data = ":".join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def staff_card(
    number: str, status: str = Status.DISPATCHED.value, *, files: bool = False
) -> InlineKeyboardMarkup | None:
    """The buttons a department card shows for a ticket in `status` (None when none apply).

    `files` adds 查看附件, whatever the status, for a ticket that has attachments.
    """
    actions = STAFF_BUTTONS_BY_STATUS.get(status, ()) + (("files",) if files else ())
    if not actions:
        return None
    buttons = [
        InlineKeyboardButton(STAFF_ACTIONS[a], callback_data=_data("t", a, number)) for a in actions
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return InlineKeyboardMarkup(rows)


def has_files_button(markup: InlineKeyboardMarkup | None) -> bool:
    """Tell whether a card's keyboard offers 查看附件 (so an edit keeps it)."""
    if markup is None:
        return False
    return any(
        str(button.callback_data or "").startswith("t:files:")
        for row in markup.inline_keyboard
        for button in row
    )


def departments(number: str, names: Mapping[str, str], family: str = "d") -> InlineKeyboardMarkup:
    """One button per department (short names), three to a row, to re-dispatch a ticket
    (family ``d``) or to add an assisting department (family ``a``)."""
    buttons = [
        InlineKeyboardButton(name, callback_data=_data(family, code, number))
        for code, name in names.items()
    ]
    rows = [buttons[i : i + DEPARTMENT_COLUMNS] for i in range(0, len(buttons), DEPARTMENT_COLUMNS)]
    return InlineKeyboardMarkup(rows)


def extension(number: str) -> InlineKeyboardMarkup:
    """Approve or deny a pending extension request."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("批准延期", callback_data=_data("x", "approve", number)),
                InlineKeyboardButton("驳回延期", callback_data=_data("x", "deny", number)),
            ]
        ]
    )


def assist_card(number: str) -> InlineKeyboardMarkup:
    """An assisting department's card: its one act is the 协办意见."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    STAFF_ACTIONS["opinion"], callback_data=_data("t", "opinion", number)
                )
            ]
        ]
    )


def review(number: str) -> InlineKeyboardMarkup:
    """Approve or reject a held return or answer (审核)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("审核通过", callback_data=_data("v", "approve", number)),
                InlineKeyboardButton("审核驳回", callback_data=_data("v", "reject", number)),
            ]
        ]
    )


def survey(number: str) -> InlineKeyboardMarkup:
    """The follow-up survey's three verdicts."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=_data("s", score, number))
                for score, label in SURVEY_SCORES.items()
            ]
        ]
    )


def rasa_buttons(
    buttons: Iterable[Mapping[str, Any]], store: dict[str, str]
) -> InlineKeyboardMarkup | None:
    """Turn Rasa buttons into an inline keyboard; long payloads are parked in `store`."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()[:64]
        payload = str(button.get("payload") or title)
        if not title or not payload:
            continue
        if len(payload.encode()) <= MAX_INLINE_PAYLOAD:
            data = f"r:{payload}"
        else:
            key = hashlib.sha1(payload.encode()).hexdigest()[:12]
            store.pop(key, None)
            store[key] = payload  # newest last, so trimming drops the oldest
            while len(store) > MAX_STORED_PAYLOADS:
                del store[next(iter(store))]
            data = f"r#{key}"
        rows.append([InlineKeyboardButton(title, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None
