"""Ticket commands: every change to a ticket, one transaction each, with its events and outbox."""

from __future__ import annotations

from hotline.services.follow_up import FollowUp
from hotline.services.joint import JointHandling
from hotline.services.recategorize import CategoryCorrection
from hotline.services.registration import Registration
from hotline.services.request_changes import RequestChanges
from hotline.services.review import Review
from hotline.services.staff_tools import StaffTools


class TicketCommands(
    Registration,
    RequestChanges,
    Review,
    JointHandling,
    StaffTools,
    FollowUp,
    CategoryCorrection,
):
    """Every ticket command in one place; each lifecycle stage is written in its own module
    (Review extends Handling: an approved return or answer takes effect as Handling's)."""
