"""Read the routing tables the NLU needs: intent → department/category/type, FAQ → department.

Plain Python + PyYAML (present in both envs). Paths default to the repository's ``data/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_PATH = REPO_ROOT / "data" / "catalogue.yml"
KNOWLEDGE_PATH = REPO_ROOT / "data" / "knowledge.yml"

FALLBACK_INTENT = "nlu_fallback"
RETRIEVAL_INTENT = "faq"


@dataclass(frozen=True)
class Route:
    """Where an intent goes: department code, category code and default request type."""

    department: str | None
    category: str | None
    type: str | None


@dataclass
class RoutingTable:
    """Intent (and ``faq/<id>``) → :class:`Route`."""

    categories: dict[str, Route] = field(default_factory=dict)
    faq: dict[str, Route] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    # how citizens name each department when they ask it to act (catalogue ``called``)
    called: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # its institutions citizens give as where a problem is (catalogue ``landmarks``)
    landmarks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def route(self, intent: str | None, response_key: str | None = None) -> Route:
        """Return the route of ``intent``; ``response_key`` is ``faq/<id>`` for the FAQ intent."""
        if intent is None:
            return Route(None, None, None)
        if intent in self.categories:
            return self.categories[intent]
        if intent == RETRIEVAL_INTENT or intent.startswith(RETRIEVAL_INTENT + "/"):
            key = response_key or intent
            faq_id = key.split("/", 1)[1] if "/" in key else key
            return self.faq.get(faq_id, Route(None, None, None))
        return Route(None, None, None)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _knowledge_routes(data: Any, categories: dict[str, Route]) -> dict[str, Route]:
    """Map FAQ ids to routes from ``data/knowledge.yml``.

    Accepted shapes: a list (or ``{groups: [...]}`` / ``{faq: [...]}``) of groups, each with an
    ``id`` (or ``key``/``name``) and ``department``/``category`` — or a mapping id → group.
    A group without a department takes the one of its category.
    """
    groups: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict):
        for key in ("groups", "faq", "faqs", "entries", "items", "knowledge"):
            if key in data and isinstance(data[key], list | dict):
                data = data[key]
                break
    if isinstance(data, dict):
        groups = [(str(k), v) for k, v in data.items() if isinstance(v, dict)]
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                gid = item.get("id") or item.get("key") or item.get("name") or item.get("group")
                if gid:
                    groups.append((str(gid), item))
    routes: dict[str, Route] = {}
    for gid, group in groups:
        category = group.get("category")
        department = group.get("department")
        if department is None and category in categories:
            department = categories[category].department
        key = gid.split("/", 1)[1] if gid.startswith(RETRIEVAL_INTENT + "/") else gid
        routes[key] = Route(department, category, "咨询")
    return routes


def load_routing(
    catalogue_path: Path | str | None = None, knowledge_path: Path | str | None = None
) -> RoutingTable:
    """Load the catalogue and (when present) the knowledge base mapping."""
    cat = _read_yaml(Path(catalogue_path or CATALOGUE_PATH))
    categories = {
        c["code"]: Route(c["department"], c["code"], c.get("type"))
        for c in cat.get("categories", [])
    }
    departments = [d["code"] for d in cat.get("departments", [])]
    called = {d["code"]: tuple(d.get("called") or ()) for d in cat.get("departments", [])}
    landmarks = {d["code"]: tuple(d.get("landmarks") or ()) for d in cat.get("departments", [])}
    kpath = Path(knowledge_path or KNOWLEDGE_PATH)
    faq: dict[str, Route] = {}
    if kpath.exists():
        faq = _knowledge_routes(_read_yaml(kpath), categories)
    return RoutingTable(
        categories=categories,
        faq=faq,
        departments=departments,
        called=called,
        landmarks=landmarks,
    )
