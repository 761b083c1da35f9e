"""The citizen conversation: one turn in, replies and the new state out (see core.py).

The adapters (the Rasa action, the console, tests) import from here; the rooms deciding a
turn live in the modules beside it.
"""

from hotline.services.conversation.core import Conversation
from hotline.services.conversation.drafts import NONE_OF_THESE, PARK_AFTER
from hotline.services.conversation.emergencies import URGENT_FOLLOW_UP
from hotline.services.conversation.exchange import Outcome, Parser, Reply, State, Turn, draft_key
from hotline.services.conversation.new_messages import MIN_REQUEST_MASS
from hotline.services.conversation.responses import (
    SMALL_TALK,
    ResponseMissing,
    Responses,
    domain_responses,
    load_responses,
)
from hotline.services.conversation.words import (
    compact,
    dial_first,
    is_affirm,
    is_cancel,
    is_specific,
    ordinal_choice,
    rating_of,
    tidy_detail,
)

__all__ = [
    "MIN_REQUEST_MASS",
    "NONE_OF_THESE",
    "PARK_AFTER",
    "SMALL_TALK",
    "URGENT_FOLLOW_UP",
    "Conversation",
    "Outcome",
    "Parser",
    "Reply",
    "ResponseMissing",
    "Responses",
    "State",
    "Turn",
    "compact",
    "dial_first",
    "domain_responses",
    "draft_key",
    "is_affirm",
    "is_cancel",
    "is_specific",
    "load_responses",
    "ordinal_choice",
    "rating_of",
    "tidy_detail",
]
