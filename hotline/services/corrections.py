"""The centre's routing corrections, read back from the ticket journal as NLU training data.

A correction is a dispatch made by a person at the centre (dispatcher, supervisor, admin) of a
ticket that a department returned (退单) or that the model could not route (no department).
The ticket event journal already holds everything needed, so nothing new is stored:

- the text is the ticket's description;
- the model's category is in the ``open`` event's data, its department in the first
  (system) ``dispatch`` event;
- the centre's department is in the correcting ``dispatch`` event's data.

Dispatching names a department, not a category. The corrected category (the NLU intent) is,
in order: a ``category`` the dispatch event recorded (for when dispatching learns to take
one), the model's category when it belongs to the new department, else the category of that
department whose training examples the text resembles most, marked as a guess for review.

The export is for a person to review before anything goes into ``data/nlu/``: phones, ID
numbers and e-mail addresses are replaced by placeholders, every example is one line, and
texts already in the training data are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.domain.catalogue import Catalogue
from hotline.domain.tickets import CENTRE_ROLES, Action, Status
from hotline.storage.db import transaction
from hotline.storage.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from hotline.services.container import Services

CategorySource = Literal["dispatcher", "model", "guessed", "unknown"]
SOURCE_LABELS: dict[str, str] = {
    "dispatcher": "派单员选定",
    "model": "沿用模型类别",
    "guessed": "类别为推测，请核对",
    "unknown": "无法确定类别",
}

# Placeholders keep the shape of a message ("电话13800000000") without anyone's data in it.
PHONE_PLACEHOLDER = "13800000000"
LANDLINE_PLACEHOLDER = "010-00000000"
ID_PLACEHOLDER = "110000000000000000"
EMAIL_PLACEHOLDER = "someone@example.com"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|＋)?86[-\s]?)?1[3-9]\d(?:[-\s－]?\d){8}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?[-\s－—]?\d{7,8}(?!\d)")
_LONG_NUMBER = re.compile(r"\d{7,}")  # bank cards, other ids, bare local numbers
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SPACE = re.compile(r"\s+")
_SPACE_AFTER_PUNCTUATION = re.compile(r"(?<=[，。！？；：、）】》”])\s+")
_ENTITY = re.compile(r"\[([^\]\n]*)\](?:\([^)\n]*\)|\{[^}\n]*\})")


@dataclass(frozen=True)
class Correction:
    """One ticket the centre routed where the model could not: what a retraining can learn."""

    number: str
    at: datetime
    text: str
    department: str
    category: str | None
    category_source: CategorySource
    model_category: str | None
    model_department: str | None
    previous_department: str | None
    reason: Literal["returned", "unroutable", "recategorized"]
    actor: str


@dataclass
class Export:
    """The review file's text and what went into it, for the operator's summary."""

    text: str
    tickets: int = 0
    examples: int = 0
    intents: int = 0
    guessed: int = 0
    already_trained: int = 0
    duplicates: int = 0
    conflicts: int = 0
    no_category: int = 0
    by_intent: dict[str, list[str]] = field(default_factory=dict)


def clean_example(text: str) -> str:
    """Personal numbers out, one line, no Rasa entity markup: safe to put in a training file."""
    text = text.translate(_FULLWIDTH_DIGITS)
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    text = _ID_NUMBER.sub(ID_PLACEHOLDER, text)
    text = _MOBILE.sub(PHONE_PLACEHOLDER, text)
    text = _LANDLINE.sub(LANDLINE_PLACEHOLDER, text)
    placeholders = {PHONE_PLACEHOLDER, ID_PLACEHOLDER}
    text = _LONG_NUMBER.sub(
        lambda m: m.group(0) if m.group(0) in placeholders else "0" * len(m.group(0)), text
    )
    text = _SPACE.sub(" ", text)  # newlines, tabs, U+2028, ideographic spaces
    text = _SPACE_AFTER_PUNCTUATION.sub("", text)
    text = "".join(c for c in text if c.isprintable())
    # "[x](y)" would be read as an entity annotation; full-width brackets read as plain text.
    return text.replace("[", "［").replace("]", "］").strip()


def _key(text: str) -> str:
    """What makes two examples the same: the text without its spacing."""
    return "".join(text.split())


def _plain(example: str) -> str:
    """A training example's text without its entity annotations, as the model sees it."""
    return _ENTITY.sub(r"\1", example).strip()


def load_training_examples(nlu_dir: Path) -> list[tuple[str, str]]:
    """``(text, intent)`` of every intent example under ``nlu_dir``; unreadable files skipped."""
    examples: list[tuple[str, str]] = []
    for path in sorted(nlu_dir.rglob("*.yml")):
        try:
            doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        items = doc.get("nlu") if isinstance(doc, dict) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            intent, block = item.get("intent"), item.get("examples")
            if not isinstance(intent, str) or not isinstance(block, str):
                continue
            for raw in block.splitlines():
                line = raw.strip()
                if line.startswith("- ") and (text := _plain(line[2:])):
                    examples.append((text, intent))
    return examples


def _grams(text: str) -> Counter[str]:
    """Character unigrams and bigrams: enough to tell a department's categories apart."""
    chars = [c for c in text.lower() if not c.isspace()]
    return Counter(chars + [a + b for a, b in pairwise(chars)])


class CategoryGuesser:
    """Pick, within a department, the category whose training examples a text resembles most."""

    def __init__(self, examples: Iterable[tuple[str, str]], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        docs = [(_grams(t), i) for t, i in examples if i in catalogue.categories]
        df: Counter[str] = Counter()
        for grams, _ in docs:
            df.update(grams.keys())
        n = max(len(docs), 1)
        self.idf = {g: math.log((1 + n) / (1 + k)) + 1.0 for g, k in df.items()}
        sums: dict[str, dict[str, float]] = defaultdict(dict)
        for grams, intent in docs:
            vec = self._vector(grams)
            total = sums[intent]
            for g, w in vec.items():
                total[g] = total.get(g, 0.0) + w
        self.centroids = {i: _normalise(v) for i, v in sums.items()}

    def _vector(self, grams: Counter[str]) -> dict[str, float]:
        return _normalise({g: (1 + math.log(k)) * self.idf.get(g, 1.0) for g, k in grams.items()})

    def guess(self, text: str, department: str) -> str | None:
        """The most similar category of ``department``; None when it has no training examples."""
        vec = self._vector(_grams(text))
        best: tuple[float, str] | None = None
        for code, spec in self.catalogue.categories.items():
            centroid = self.centroids.get(code)
            if spec.department != department or centroid is None:
                continue
            score = sum(w * centroid.get(g, 0.0) for g, w in vec.items())
            if best is None or score > best[0]:
                best = (score, code)
        return best[1] if best else None


def _normalise(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return {g: w / norm for g, w in vec.items()}


def _role(actor: str) -> str:
    return actor.partition(":")[0]


def find_corrections(
    service: Services,
    *,
    since: datetime | None = None,
    guesser: CategoryGuesser | None = None,
) -> list[Correction]:
    """The centre's latest correcting dispatch of each ticket (on or after ``since``), oldest first.

    A re-dispatch back to the department the model chose is a confirmation, not a correction.
    """
    catalogue = service.catalogue
    query = (
        select(TicketEvent, Ticket.number, Ticket.description, Ticket.category_code)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            or_(
                (TicketEvent.action == Action.DISPATCH.value)
                & TicketEvent.from_status.in_([Status.RETURNED.value, Status.RECEIVED.value]),
                TicketEvent.action == Action.RECATEGORIZE.value,  # 更正类别 names the category
            ),
            or_(*[TicketEvent.actor.startswith(f"{role}:") for role in sorted(CENTRE_ROLES)]),
        )
        .order_by(TicketEvent.ticket_id, TicketEvent.id)
    )
    if since is not None:
        query = query.where(TicketEvent.at >= since)
    with transaction(service.sessions) as session:
        latest: dict[int, tuple[TicketEvent, str, str, str | None]] = {}
        for event, number, description, category in session.execute(query):
            latest[event.ticket_id] = (event, number, description, category)
        history = _model_choices(session, list(latest))
    found: list[Correction] = []
    for ticket_id, (event, number, description, current_category) in latest.items():
        data = event.data or {}
        department = data.get("department")
        if not isinstance(department, str):
            continue
        model_category, model_department = history.get(ticket_id, (current_category, None))
        recategorized = event.action == Action.RECATEGORIZE.value
        if not recategorized and model_department is not None and department == model_department:
            continue
        category, source = _resolve_category(
            catalogue, guesser, description, department, data.get("category"), model_category
        )
        previous = data.get("previous_department")
        reason: Literal["returned", "unroutable", "recategorized"] = (
            "recategorized"
            if recategorized
            else "returned"
            if event.from_status == Status.RETURNED.value
            else "unroutable"
        )

        found.append(
            Correction(
                number=number,
                at=event.at,
                text=description,
                department=department,
                category=category,
                category_source=source,
                model_category=model_category,
                model_department=model_department,
                previous_department=previous if isinstance(previous, str) else None,
                reason=reason,
                actor=_role(event.actor),
            )
        )
    found.sort(key=lambda c: (c.at, c.number))
    return found


def _model_choices(
    session: Session, ticket_ids: Sequence[int]
) -> dict[int, tuple[str | None, str | None]]:
    """Per ticket: the category the model gave at opening and the department it routed to."""
    out: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        rows = session.execute(
            select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.actor, TicketEvent.data)
            .where(
                TicketEvent.ticket_id.in_(chunk),
                TicketEvent.action.in_([Action.OPEN.value, Action.DISPATCH.value]),
            )
            .order_by(TicketEvent.ticket_id, TicketEvent.id)
        )
        seen_dispatch: set[int] = set()
        for ticket_id, action, actor, data in rows:
            category, department = out.get(ticket_id, (None, None))
            if action == Action.OPEN.value:
                value = (data or {}).get("category")
                category = value if isinstance(value, str) else None
            elif ticket_id not in seen_dispatch:
                seen_dispatch.add(ticket_id)
                if _role(actor) == "system":  # the automatic routing of the model's category
                    value = (data or {}).get("department")
                    department = value if isinstance(value, str) else None
            out[ticket_id] = (category, department)
    return out


def _resolve_category(
    catalogue: Catalogue,
    guesser: CategoryGuesser | None,
    text: str,
    department: str,
    chosen: object,
    model_category: str | None,
) -> tuple[str | None, CategorySource]:
    """The corrected intent and where it comes from (see the module docstring)."""
    spec = catalogue.categories.get(chosen) if isinstance(chosen, str) else None
    if spec is not None and isinstance(chosen, str):
        return chosen, "dispatcher"
    model_spec = catalogue.categories.get(model_category) if model_category else None
    if model_spec is not None and model_spec.department == department:
        return model_category, "model"
    guessed = guesser.guess(text, department) if guesser is not None else None
    if guessed is not None:
        return guessed, "guessed"
    return None, "unknown"


def _describe(c: Correction) -> str:
    """One review comment per example: which ticket, what the model said, how sure we are."""
    if c.reason == "recategorized":
        how = f"派单员更正类别（{c.previous_department or '—'}→{c.department}）"
    elif c.reason == "returned":
        how = f"退单后改派 {c.previous_department or '—'}→{c.department}"
    else:
        how = f"无法自动派单，人工派 {c.department}"
    model = f"（模型类别 {c.model_category}）" if c.model_category else "（模型未给类别）"
    return f"{c.number} {how}{model}；{SOURCE_LABELS[c.category_source]}"


def build_export(
    corrections: Sequence[Correction],
    *,
    known_texts: Iterable[str] = (),
    header: str = "",
) -> Export:
    """Rasa NLU YAML (``version: "3.1"``) of the corrections, one intent block per category.

    Texts are cleaned and deduplicated (the latest correction of a text wins); texts already
    in the training data are left out, since a second copy teaches nothing and a copy under
    another intent would contradict it.
    """
    known = {_key(clean_example(t)) for t in known_texts}
    chosen: dict[str, tuple[str, str, list[Correction]]] = {}  # key -> text, intent, notes
    export = Export(text="")
    for c in corrections:  # oldest first: a later correction overrides an earlier one
        if c.category is None:
            export.no_category += 1
            continue
        text = clean_example(c.text)
        key = _key(text)
        if not key:
            continue
        if key in known:
            export.already_trained += 1
        elif key not in chosen:
            chosen[key] = (text, c.category, [c])
        elif chosen[key][1] != c.category:
            export.conflicts += 1
            chosen[key] = (text, c.category, [c])
        else:
            export.duplicates += 1
            chosen[key][2].append(c)
    by_intent: dict[str, list[tuple[str, list[Correction]]]] = defaultdict(list)
    for text, intent, notes in chosen.values():
        by_intent[intent].append((text, notes))
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ['version: "3.1"']
    if not by_intent:
        lines.append("nlu: []")
    else:
        lines.append("nlu:")
    for intent in sorted(by_intent):
        entries = by_intent[intent]
        lines.append(f"- intent: {intent}")
        for _, notes in entries:
            lines.extend(f"  # {_describe(n)}" for n in notes)
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text, _ in entries)
        export.by_intent[intent] = [text for text, _ in entries]
    export.examples = len(chosen)
    export.intents = len(by_intent)
    export.guessed = sum(
        1 for _, _, notes in chosen.values() if notes[-1].category_source == "guessed"
    )
    export.text = "\n".join(lines) + "\n"
    return export


def export_corrections(
    service: Services, nlu_dir: Path, *, since: datetime | None = None, header: str = ""
) -> Export:
    """One call for the CLI: the review file of the corrections, checked against ``nlu_dir``."""
    examples = load_training_examples(nlu_dir)
    corrections = find_corrections(
        service, since=since, guesser=CategoryGuesser(examples, service.catalogue)
    )
    export = build_export(corrections, known_texts=(t for t, _ in examples), header=header)
    export.tickets = len(corrections)
    return export
