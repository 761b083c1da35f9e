"""The assistant's fixed lines, defined once as `domain.yml` responses (`utter_…`).

Rasa renders them when the action sends `utter_message(response=…)`; the core reads the same
definitions here so the console, tests and the core say exactly what Rasa would. Lines built
from data (numbers, names, places) stay in code. Loaded and checked once at start-up: a
response the core sends that is missing or malformed fails with the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hotline.domain.intents import SMALL_TALK_INTENTS
from hotline.paths import ROOT
from hotline.services.conversation.exchange import Reply

DOMAIN = ROOT / "domain.yml"

# Every response the conversation core sends; checked against domain.yml at start-up.
SMALL_TALK = {intent: f"utter_{intent}" for intent in SMALL_TALK_INTENTS}
USED = frozenset(
    {
        *SMALL_TALK.values(),
        "utter_default",
        "utter_busy",
        "utter_received",
        "utter_private_dispute",
        "utter_forwarded_notice",
        "utter_ask_problem",
        "utter_emoji_only",
        "utter_ask_department",
        "utter_ask_department_again",
        "utter_ask_place",
        "utter_ask_phone",
        "utter_not_filed_yet",
        "utter_button_expired",
        "utter_phone_malformed",
        "utter_phone_please",
        "utter_phone_skipped",
        "utter_not_understood",
        "utter_already_noted",
        "utter_added_to_draft",
        "utter_phone_noted",
        "utter_no_phone",
        "utter_human_dispatch",
        "utter_not_understood_not_filed",
        "utter_added_to_summary",
        "utter_draft_parked",
        "utter_cancelled_goodbye",
        "utter_not_registering",
        "utter_cancelled",
        "utter_busy_not_filed",
        "utter_place_unchanged",
        "utter_nothing_added",
        "utter_resume_parked",
        "utter_parked_dropped",
        "utter_ok",
        "utter_ask_which_again",
        "utter_anything_else",
        "utter_registering_consultation",
        "utter_button_expired_describe",
        "utter_location_only",
        "utter_describe_problem_first",
        "utter_ask_problem_details",
        "utter_no_answer_yet",
        "utter_no_tickets",
        "utter_ask_rating",
        "utter_nothing_to_rate",
        "utter_no_open_tickets",
        "utter_describe_first",
        "utter_ask_department_which",
    }
)


class ResponseMissing(Exception):
    """A response the core sends is not (or not usably) defined in the domain file."""


@dataclass(frozen=True)
class Response:
    name: str
    text: str
    buttons: tuple[tuple[str, str], ...] = ()


class Responses:
    """The fixed lines by response name."""

    def __init__(self, path: Path, table: dict[str, Response]) -> None:
        self.path = path
        self._table = table

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def __getitem__(self, name: str) -> Response:
        try:
            return self._table[name]
        except KeyError:
            raise ResponseMissing(f"{self.path}: responses.{name} is not defined") from None

    def reply(self, name: str, buttons: Sequence[tuple[str, str]] = ()) -> Reply:
        """The response as a reply; `buttons` built from data follow the response's own."""
        response = self[name]
        return Reply(response.text, [*response.buttons, *buttons], response=name)

    def extra_buttons(self, reply: Reply) -> list[tuple[str, str]]:
        """The buttons of a reply that its response does not define itself (built from data)."""
        own = len(self[reply.response].buttons) if reply.response else 0
        return reply.buttons[own:]


def _response(path: Path, name: str, variants: Any) -> Response:
    where = f"{path}: responses.{name}"
    if not isinstance(variants, list) or len(variants) != 1 or not isinstance(variants[0], dict):
        raise ResponseMissing(f"{where} must be a list of exactly one variant")
    variant = variants[0]
    text = variant.get("text")
    if not isinstance(text, str) or not text:
        raise ResponseMissing(f"{where} has no text")
    buttons: list[tuple[str, str]] = []
    for button in variant.get("buttons") or []:
        if not isinstance(button, dict) or not {"title", "payload"} <= set(button):
            raise ResponseMissing(f"{where}: each button needs a title and a payload")
        buttons.append((str(button["title"]), str(button["payload"])))
    return Response(name, text, tuple(buttons))


def load_responses(path: Path, needed: Iterable[str] = USED) -> Responses:
    """The responses of a Rasa domain file, checked to hold every one in `needed`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ResponseMissing(f"{path}: cannot read the responses ({exc})") from exc
    defined = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(defined, dict):
        raise ResponseMissing(f"{path}: no responses section")
    table: dict[str, Response] = {}
    for name in sorted(set(needed)):
        if name not in defined:
            raise ResponseMissing(f"{path}: responses.{name} is not defined")
        table[name] = _response(path, name, defined[name])
    return Responses(path, table)


@cache
def domain_responses() -> Responses:
    """The project's domain.yml responses, loaded once per process."""
    return load_responses(DOMAIN)
