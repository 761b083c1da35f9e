"""The rasa_sdk action server: thin actions that turn a conversation into hotline service calls.

Run with ``.venv/bin/python -m rasa_sdk --actions actions`` (``hotline up`` does it).
"""

from actions.report import (
    ActionAskDetail,
    ActionCancelReport,
    ActionChooseCategory,
    ActionConfirmReport,
    ActionOfferCategories,
    ActionOpenTicket,
    ActionReceiveRequest,
    ActionUpdateDraft,
    ValidateReportForm,
)
from actions.tickets import (
    ActionAddInformation,
    ActionRateTicket,
    ActionRequestHuman,
    ActionShowStatus,
    ActionWithdrawTicket,
)

__all__ = [
    "ActionAddInformation",
    "ActionAskDetail",
    "ActionCancelReport",
    "ActionChooseCategory",
    "ActionConfirmReport",
    "ActionOfferCategories",
    "ActionOpenTicket",
    "ActionRateTicket",
    "ActionReceiveRequest",
    "ActionRequestHuman",
    "ActionShowStatus",
    "ActionUpdateDraft",
    "ActionWithdrawTicket",
    "ValidateReportForm",
]
