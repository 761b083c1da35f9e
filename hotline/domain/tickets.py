"""The ticket lifecycle as an explicit state machine, with the rules on who may move it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal


class Status(StrEnum):
    """Where a ticket stands in the 受理 → 派单 → 签收 → 办理 → 反馈 → 回访 → 办结 chain."""

    RECEIVED = "received"  # 受理: registered, waiting for a dispatcher to route it
    DISPATCHED = "dispatched"  # 已派单: sent to a department, not yet accepted
    ACCEPTED = "accepted"  # 已签收: the department is handling it
    RESOLVED = "resolved"  # 已答复: the department answered, follow-up pending
    CLOSED = "closed"  # 已办结
    RETURNED = "returned"  # 已退单: the department says it is not theirs
    WITHDRAWN = "withdrawn"  # 已撤销 by the citizen
    MERGED = "merged"  # 已合并 into another ticket as a duplicate


STATUS_LABELS: dict[Status, str] = {
    Status.RECEIVED: "已受理，待派单",
    Status.DISPATCHED: "已派单，待签收",
    Status.ACCEPTED: "已签收，办理中",
    Status.RESOLVED: "已答复，待回访",
    Status.CLOSED: "已办结",
    Status.RETURNED: "已退单，待重新派单",
    Status.WITHDRAWN: "已撤销",
    Status.MERGED: "已合并",
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED})
TERMINAL_STATUSES = frozenset({Status.WITHDRAWN, Status.MERGED})
# Open and on a department's answer clock (派单 to 答复): what "overdue" is measured on.
OPEN_FOR_ANSWER = (Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED)


class Action(StrEnum):
    """Everything that can happen to a ticket; each one is recorded as an event."""

    OPEN = "open"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_INFORMATION = "request_information"
    ADD_INFORMATION = "add_information"
    AMEND = "amend"  # the citizen corrects the place or a detail of a submitted ticket
    CHASE = "chase"  # 催办 by the citizen: the department is reminded
    RESOLVE = "resolve"
    RATE = "rate"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    FLAG_FOR_HUMAN = "flag_for_human"
    REVEAL_PHONE = "reveal_phone"  # not a transition: an audited look at the citizen's phone
    ESCALATE = "escalate"  # 督办: not a transition; the sweep's or a supervisor's
    ADD_ASSIST = "add_assist"  # 协办: a dispatcher adds an assisting department
    ASSIST_OPINION = "assist_opinion"  # 协办意见 from an assisting department
    SUBMIT_REVIEW = "submit_review"  # a return or answer held for the centre's 审核
    APPROVE_REVIEW = "approve_review"
    REJECT_REVIEW = "reject_review"
    ASSIGN = "assign"  # to a named member of the department
    NOTE = "note"  # 内部备注: not a transition; the citizen never sees it
    RECATEGORIZE = "recategorize"  # a dispatcher corrects the category (the routing label)


ACTION_LABELS: dict[Action, str] = {
    Action.OPEN: "受理",
    Action.DISPATCH: "派单",
    Action.ACCEPT: "签收",
    Action.RETURN: "退单",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.DENY_EXTENSION: "驳回延期",
    Action.REQUEST_INFORMATION: "请市民补充材料",
    Action.ADD_INFORMATION: "补充信息",
    Action.AMEND: "更正信息",
    Action.CHASE: "市民催办",
    Action.RESOLVE: "办结答复",
    Action.RATE: "回访评价",
    Action.CLOSE: "办结",
    Action.REOPEN: "重办",
    Action.WITHDRAW: "撤销",
    Action.MERGE: "合并",
    Action.FLAG_FOR_HUMAN: "转人工",
    Action.REVEAL_PHONE: "查看联系电话",
    Action.ESCALATE: "督办",
    Action.ADD_ASSIST: "协办派单",
    Action.ASSIST_OPINION: "提交协办意见",
    Action.SUBMIT_REVIEW: "提交审核",
    Action.APPROVE_REVIEW: "审核通过",
    Action.REJECT_REVIEW: "审核驳回",
    Action.ASSIGN: "指定承办人",
    Action.NOTE: "内部备注",
    Action.RECATEGORIZE: "更正类别",
}

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.DISPATCH: (frozenset({Status.RECEIVED, Status.RETURNED}), Status.DISPATCHED),
    Action.ACCEPT: (frozenset({Status.DISPATCHED}), Status.ACCEPTED),
    Action.RETURN: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), Status.RETURNED),
    Action.REQUEST_EXTENSION: (frozenset({Status.ACCEPTED}), None),
    Action.APPROVE_EXTENSION: (frozenset({Status.ACCEPTED}), None),
    Action.DENY_EXTENSION: (frozenset({Status.ACCEPTED}), None),
    Action.REQUEST_INFORMATION: (frozenset({Status.ACCEPTED}), None),
    Action.ADD_INFORMATION: (OPEN_STATUSES, None),
    Action.AMEND: (OPEN_STATUSES, None),
    Action.CHASE: (OPEN_STATUSES, None),
    Action.RESOLVE: (frozenset({Status.ACCEPTED}), Status.RESOLVED),
    # RESOLVED leads to CLOSED or a reopen; a MERGED ticket's citizen rates the lead ticket's
    # answer and the merged ticket stays merged
    Action.RATE: (frozenset({Status.RESOLVED, Status.MERGED}), None),
    Action.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Action.REOPEN: (frozenset({Status.RESOLVED, Status.CLOSED}), Status.DISPATCHED),
    Action.WITHDRAW: (OPEN_STATUSES, Status.WITHDRAWN),
    Action.MERGE: (OPEN_STATUSES, Status.MERGED),
    Action.FLAG_FOR_HUMAN: (OPEN_STATUSES | {Status.RESOLVED}, None),
    # 主办/协办 and 审核 keep the status: a held return or answer takes effect (RETURN,
    # RESOLVE) only when a dispatcher approves it, so the lifecycle never shows it early
    Action.ADD_ASSIST: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.ASSIST_OPINION: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.SUBMIT_REVIEW: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.APPROVE_REVIEW: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.REJECT_REVIEW: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.ASSIGN: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    # keeps the status, except that a ticket moved to another department waits for its 签收
    Action.RECATEGORIZE: (OPEN_STATUSES, None),
}


class DomainError(Exception):
    """A request the hotline's rules forbid; `message` is safe to show to people (Chinese)."""

    def __init__(self, message: str, *, code: str = "domain_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class IllegalTransition(DomainError):
    """The ticket is not in a state where this action makes sense."""


class NotAllowed(DomainError):
    """The actor has no right to do this to this ticket."""


class TicketNotFound(DomainError):
    """No ticket with that number (or none the asker may see)."""


def not_found(number: str) -> TicketNotFound:
    """The one answer for "no such ticket" and "not yours": a citizen must not learn whether
    someone else's number exists."""
    return TicketNotFound(f"没有找到工单 {number}，请核对工单编号。", code="not_found")


def next_status(action: Action, current: Status) -> Status:
    """Return the status after `action`, or raise IllegalTransition with a readable reason."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(
            f"工单当前状态为“{STATUS_LABELS[current]}”，不能{ACTION_LABELS[action]}。",
            code=f"illegal_{action.value}_from_{current.value}",
        )
    return current if target is None else target


Role = Literal["citizen", "staff", "dispatcher", "supervisor", "admin", "system"]

ROLE_LABELS: dict[str, str] = {
    "citizen": "市民",
    "staff": "承办人员",
    "dispatcher": "派单员",
    "supervisor": "督办人员",
    "admin": "管理员",
    "system": "系统",
}

# Roles a person can hold (a citizen is no account); the centre's are those of the 12345 centre.
STAFF_ROLES = ("staff", "dispatcher", "supervisor", "admin")
CENTRE_ROLES = frozenset({"dispatcher", "supervisor", "admin"})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a role, a stable id for the audit trail, and a department for staff."""

    role: Role
    id: str
    department: str | None = None
    name: str | None = None

    @property
    def audit_name(self) -> str:
        dept = f"@{self.department}" if self.department else ""
        return f"{self.role}:{self.id}{dept}"


SYSTEM = Actor(role="system", id="hotline")

# The work of the department that holds the ticket: only its own staff do it (签收, 退单,
# 申请延期, 请市民补充, 办结答复). A dispatcher or supervisor doing it would credit the
# department in the reports with work it never did.
DEPARTMENT_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.RETURN,
        Action.REQUEST_EXTENSION,
        Action.REQUEST_INFORMATION,
        Action.RESOLVE,
        Action.SUBMIT_REVIEW,
        Action.ASSIGN,
    }
)
# The 12345 centre's work: dispatchers route, adjudicate returns and extensions, merge,
# reopen and close after the follow-up.
CENTRE_ACTIONS = frozenset(
    {
        Action.DISPATCH,
        Action.APPROVE_EXTENSION,
        Action.DENY_EXTENSION,
        Action.MERGE,
        Action.CLOSE,
        Action.REOPEN,
        Action.FLAG_FOR_HUMAN,
        Action.ADD_ASSIST,
        Action.APPROVE_REVIEW,
        Action.REJECT_REVIEW,
        Action.RECATEGORIZE,
    }
)
# Supervisors escalate (督办) and read; they change no ticket themselves.
SUPERVISOR_ACTIONS = frozenset({Action.ESCALATE})
CITIZEN_ACTIONS = frozenset(
    {
        Action.ADD_INFORMATION,
        Action.AMEND,
        Action.CHASE,
        Action.WITHDRAW,
        Action.RATE,
        Action.FLAG_FOR_HUMAN,
    }
)
# Who may see the citizen's phone: the department's staff (to call back) and dispatchers.
PHONE_ROLES = frozenset({"staff", "dispatcher"})

_ROLE_HINT: dict[str, str] = {
    "dispatcher": "该操作只能由承办部门的工作人员办理，派单员可以派单、审批延期、合并或重办。",
    "supervisor": "督办人员只能查看和督办，不能办理工单。",
    "admin": "管理员只管理账号和配置，不能办理工单。",
    "staff": "该操作由12345派单员办理。",
}


def _authorize_joint(
    actor: Actor, action: Action, department: str | None, assisting: frozenset[str]
) -> None:
    """协办意见 is the assisting departments' alone; internal notes are for the lead, the
    assisting departments and the centre (never admins, never citizens)."""
    if action is Action.ASSIST_OPINION:
        if actor.role == "staff" and actor.department in assisting:
            return
        if actor.role == "staff":
            raise NotAllowed("您所在的部门不是该工单的协办部门。", code="not_assisting")
        raise NotAllowed(
            f"{ROLE_LABELS[actor.role]}无权提交协办意见，协办意见由协办部门提交。",
            code="not_allowed",
        )
    if actor.role in ("dispatcher", "supervisor"):
        return
    if actor.role == "staff" and (actor.department == department or actor.department in assisting):
        return
    raise NotAllowed("只有承办、协办部门和12345中心人员可以写内部备注。", code="not_allowed")


def authorize(
    actor: Actor,
    action: Action,
    *,
    department: str | None,
    citizen_key: str,
    number: str = "",
    assisting: frozenset[str] = frozenset(),
) -> None:
    """Raise NotAllowed unless `actor` may take `action` on a ticket of `department`;
    `assisting` are its 协办 departments, whose staff may give their opinion and nothing else."""
    if actor.role == "system":
        return
    if action in (Action.ASSIST_OPINION, Action.NOTE):
        _authorize_joint(actor, action, department, assisting)
        return
    if action is Action.REVEAL_PHONE:
        if actor.role == "dispatcher" or (
            actor.role == "staff" and department is not None and actor.department == department
        ):
            return
        if actor.role == "staff":
            raise NotAllowed(
                "该工单不属于您所在的部门，无法查看联系电话。", code="wrong_department"
            )
        raise NotAllowed(f"{ROLE_LABELS[actor.role]}无权查看市民的联系电话。", code="not_allowed")
    if actor.role == "dispatcher" and action in CENTRE_ACTIONS:
        return
    if actor.role == "supervisor" and action in SUPERVISOR_ACTIONS:
        return
    if actor.role == "staff" and action in DEPARTMENT_ACTIONS:
        if department is not None and actor.department == department:
            return
        raise NotAllowed("该工单不属于您所在的部门，无法操作。", code="wrong_department")
    if actor.role == "citizen":
        if action in CITIZEN_ACTIONS | {Action.REOPEN} and actor.id == citizen_key:
            return
        if actor.id != citizen_key:
            raise not_found(number)
    hint = _ROLE_HINT.get(actor.role, "") if actor.role != "citizen" else ""
    raise NotAllowed(
        f"{ROLE_LABELS[actor.role]}无权{ACTION_LABELS[action]}。{hint}".strip(),
        code="not_allowed",
    )


# A ticket number inside a citizen's text or a message ("20261123-0042"); one pattern for all.
TICKET_NUMBER = re.compile(r"(?<!\d)(\d{8}-\d{4,6})(?!\d)")


def format_number(day: date, sequence: int) -> str:
    """Ticket numbers people can read aloud: local date plus a per-day sequence."""
    return f"{day:%Y%m%d}-{sequence:04d}"
