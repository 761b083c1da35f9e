"""Ticket commands: every change to a ticket, one transaction each, with its events and outbox."""

from __future__ import annotations

from hotline.services.follow_up import FollowUp
from hotline.services.handling import Handling
from hotline.services.recategorize import CategoryCorrection
from hotline.services.registration import Registration


class TicketCommands(Registration, Handling, FollowUp, CategoryCorrection):
    """Every ticket command in one place; each lifecycle stage is written in its own module."""
