"""Intent names the conversation core and the NLU components both act on (stdlib only: the
Rasa environment imports this too)."""

from __future__ import annotations

# Intents of small talk: they ask nothing of a department (each has its own reply).
SMALL_TALK_INTENTS = (
    "chitchat",
    "out_of_scope",
    "greet",
    "goodbye",
    "thank",
    "bot_challenge",
    "insult",
)
