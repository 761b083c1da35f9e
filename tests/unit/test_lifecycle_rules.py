"""Every action from every status: legal moves land where the lifecycle says, others are refused."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from hotline.domain.tickets import (
    TRANSITIONS,
    Action,
    Actor,
    IllegalTransition,
    NotAllowed,
    Status,
    TicketNotFound,
    authorize,
    format_number,
    next_status,
)

EXPECTED: dict[tuple[Action, Status], Status] = {
    (Action.DISPATCH, Status.RECEIVED): Status.DISPATCHED,
    (Action.DISPATCH, Status.RETURNED): Status.DISPATCHED,
    (Action.ACCEPT, Status.DISPATCHED): Status.ACCEPTED,
    (Action.RETURN, Status.DISPATCHED): Status.RETURNED,
    (Action.RETURN, Status.ACCEPTED): Status.RETURNED,
    (Action.REQUEST_EXTENSION, Status.ACCEPTED): Status.ACCEPTED,
    (Action.APPROVE_EXTENSION, Status.ACCEPTED): Status.ACCEPTED,
    (Action.DENY_EXTENSION, Status.ACCEPTED): Status.ACCEPTED,
    (Action.REQUEST_INFORMATION, Status.ACCEPTED): Status.ACCEPTED,
    (Action.RESOLVE, Status.ACCEPTED): Status.RESOLVED,
    (Action.RATE, Status.RESOLVED): Status.RESOLVED,
    (Action.RATE, Status.MERGED): Status.MERGED,  # the lead ticket's answer, rated
    (Action.CLOSE, Status.RESOLVED): Status.CLOSED,
    (Action.REOPEN, Status.RESOLVED): Status.DISPATCHED,
    (Action.REOPEN, Status.CLOSED): Status.DISPATCHED,
    (Action.FLAG_FOR_HUMAN, Status.RESOLVED): Status.RESOLVED,
}
for _s in (Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED):
    EXPECTED[(Action.ADD_INFORMATION, _s)] = _s
    EXPECTED[(Action.AMEND, _s)] = _s
    EXPECTED[(Action.CHASE, _s)] = _s
    EXPECTED[(Action.WITHDRAW, _s)] = Status.WITHDRAWN
    EXPECTED[(Action.MERGE, _s)] = Status.MERGED
    EXPECTED[(Action.FLAG_FOR_HUMAN, _s)] = _s
    EXPECTED[(Action.RECATEGORIZE, _s)] = _s  # a moved ticket is set to 已派单 explicitly
# 主办/协办, 审核 and named owners keep the status of a ticket with a department at work
for _a in (
    Action.ADD_ASSIST,
    Action.ASSIST_OPINION,
    Action.SUBMIT_REVIEW,
    Action.APPROVE_REVIEW,
    Action.REJECT_REVIEW,
    Action.ASSIGN,
):
    for _s in (Status.DISPATCHED, Status.ACCEPTED):
        EXPECTED[(_a, _s)] = _s

PAIRS = list(itertools.product(list(TRANSITIONS), list(Status)))


@pytest.mark.parametrize(("action", "status"), PAIRS, ids=str)
def test_every_action_from_every_status(action: Action, status: Status) -> None:
    expected = EXPECTED.get((action, status))
    if expected is None:
        with pytest.raises(IllegalTransition) as err:
            next_status(action, status)
        assert "不能" in err.value.message  # a sentence a person can read
    else:
        assert next_status(action, status) is expected


def test_terminal_states_accept_nothing() -> None:
    for action in TRANSITIONS:
        for status in (Status.WITHDRAWN, Status.MERGED):
            if (action, status) == (Action.RATE, Status.MERGED):
                continue  # its citizen rates the lead ticket's answer; it stays merged
            with pytest.raises(IllegalTransition):
                next_status(action, status)


STAFF = Actor(role="staff", id="u1", department="housing")
OTHER_STAFF = Actor(role="staff", id="u2", department="transport")
DISPATCHER = Actor(role="dispatcher", id="d1")
SUPERVISOR = Actor(role="supervisor", id="s1")
ADMIN = Actor(role="admin", id="a1")
CITIZEN = Actor(role="citizen", id="telegram:42")
STRANGER = Actor(role="citizen", id="telegram:43")


def _auth(actor: Actor, action: Action) -> None:
    authorize(actor, action, department="housing", citizen_key="telegram:42")


@pytest.mark.parametrize(
    "action",
    [
        Action.ACCEPT,
        Action.RETURN,
        Action.RESOLVE,
        Action.REQUEST_EXTENSION,
        Action.REQUEST_INFORMATION,
    ],
)
def test_department_actions_belong_to_the_department(action: Action) -> None:
    _auth(STAFF, action)
    for outsider in (OTHER_STAFF, DISPATCHER, SUPERVISOR, ADMIN, CITIZEN):
        with pytest.raises(NotAllowed) as err:
            _auth(outsider, action)
        assert "无权" in err.value.message or "部门" in err.value.message


@pytest.mark.parametrize(
    "action",
    [
        Action.DISPATCH,
        Action.APPROVE_EXTENSION,
        Action.DENY_EXTENSION,
        Action.MERGE,
        Action.REOPEN,
        Action.CLOSE,
    ],
)
def test_centre_actions_need_a_dispatcher(action: Action) -> None:
    _auth(DISPATCHER, action)
    for other in (STAFF, SUPERVISOR, ADMIN):
        with pytest.raises(NotAllowed):
            _auth(other, action)


def test_supervisors_read_and_escalate_but_change_nothing() -> None:
    _auth(SUPERVISOR, Action.ESCALATE)
    for other in (STAFF, DISPATCHER, ADMIN):
        with pytest.raises(NotAllowed):
            _auth(other, Action.ESCALATE)
    for action in Action:
        if action in (Action.REVEAL_PHONE, Action.ESCALATE, Action.NOTE, Action.ASSIST_OPINION):
            continue
        with pytest.raises(NotAllowed) as err:
            _auth(SUPERVISOR, action)
        assert "督办人员" in err.value.message
    _auth(SUPERVISOR, Action.NOTE)  # an internal note changes nothing the citizen sees


def test_assisting_staff_give_their_opinion_and_nothing_else() -> None:
    """协办: transport assists a housing ticket; it may give its opinion, not act as the lead."""

    def auth(actor: Actor, action: Action) -> None:
        authorize(
            actor,
            action,
            department="housing",
            citizen_key="telegram:42",
            assisting=frozenset({"transport"}),
        )

    auth(OTHER_STAFF, Action.ASSIST_OPINION)
    auth(OTHER_STAFF, Action.NOTE)
    for action in (Action.ACCEPT, Action.RETURN, Action.RESOLVE, Action.ASSIGN, Action.DISPATCH):
        with pytest.raises(NotAllowed):
            auth(OTHER_STAFF, action)
    for actor in (STAFF, DISPATCHER, SUPERVISOR):  # the lead and the centre give no 协办意见
        with pytest.raises(NotAllowed):
            auth(actor, Action.ASSIST_OPINION)
    auth(DISPATCHER, Action.ADD_ASSIST)
    auth(DISPATCHER, Action.APPROVE_REVIEW)
    auth(DISPATCHER, Action.REJECT_REVIEW)
    for actor in (STAFF, SUPERVISOR):
        with pytest.raises(NotAllowed):
            auth(actor, Action.APPROVE_REVIEW)
    with pytest.raises(NotAllowed):
        _auth(OTHER_STAFF, Action.NOTE)  # a department neither leading nor assisting


def test_the_phone_is_for_the_department_and_dispatchers() -> None:
    _auth(STAFF, Action.REVEAL_PHONE)
    _auth(DISPATCHER, Action.REVEAL_PHONE)
    for other in (OTHER_STAFF, SUPERVISOR, ADMIN):
        with pytest.raises(NotAllowed):
            _auth(other, Action.REVEAL_PHONE)


def test_citizens_act_only_on_their_own_tickets() -> None:
    for action in (Action.WITHDRAW, Action.RATE, Action.ADD_INFORMATION):
        _auth(CITIZEN, action)
        with pytest.raises(TicketNotFound):  # a stranger learns nothing, not even existence
            _auth(STRANGER, action)


def test_ticket_numbers_read_aloud() -> None:
    assert format_number(date(2026, 11, 23), 42) == "20261123-0042"
    assert format_number(date(2026, 11, 23), 12345) == "20261123-12345"
