"""The house's walls: which layer may import which, and no import circle anywhere.

hotline/ is layered (domain → storage → services → bootstrap → entrypoints, with adapters
beside); bot/ and actions/ are adapters around it and never reach into storage. Every import
counts, the ones inside functions too, because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hotline", "bot", "actions", "nlu")
FRAMEWORKS = {"telegram", "rasa", "rasa_sdk"}

# What each part of hotline/ may import from the project (itself always included).
ALLOWED: dict[str, set[str]] = {
    "hotline.paths": set(),
    "hotline.domain": set(),
    "hotline.files": {"hotline.domain"},
    "hotline.credentials": {"hotline.paths"},
    "hotline.config": {"hotline.paths", "hotline.credentials", "hotline.domain"},
    "hotline.storage": {"hotline.domain", "hotline.files", "hotline.paths"},
    "hotline.services": {"hotline.domain", "hotline.storage", "hotline.files", "hotline.paths"},
    "hotline.adapters": {
        "hotline.domain",
        "hotline.paths",
        "hotline.credentials",
        "hotline.config",
    },
    "hotline.bootstrap": {
        "hotline.domain",
        "hotline.storage",
        "hotline.services",
        "hotline.config",
        "hotline.paths",
        "hotline.credentials",
        "hotline.files",
    },
    "hotline.entrypoints": {"hotline", "bot"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module this file imports, at any depth of the file (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _sources() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files[_module_name(path)] = path
    return files


SOURCES = _sources()


def _project_imports(module: str) -> set[str]:
    """The project modules `module` imports (a `from pkg import mod` names the module)."""
    return {m for m in _imports(SOURCES[module]) if m in SOURCES and m != module}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _part(module: str) -> str | None:
    return next((p for p in sorted(ALLOWED, key=len, reverse=True) if _within(module, p)), None)


def _layer_violations(modules: Iterable[str]) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    for module in modules:
        part = _part(module)
        if part is None:
            continue
        allowed = ALLOWED[part] | {part}
        for target in _project_imports(module):
            if target == "hotline" or not any(_within(target, a) for a in allowed):
                bad.setdefault(module, []).append(target)
    return bad


def _cycles(modules: Iterable[str]) -> list[list[str]]:
    """Import circles among project modules (Tarjan's strongly connected components)."""
    graph = {m: sorted(_project_imports(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return circles


def test_every_module_of_hotline_belongs_to_a_layer() -> None:
    strays = [m for m in SOURCES if _within(m, "hotline") and m != "hotline" and not _part(m)]
    assert strays == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    assert _layer_violations(SOURCES) == {}


def test_only_entrypoints_import_bot_and_nothing_in_hotline_imports_a_framework() -> None:
    for module, path in SOURCES.items():
        if not _within(module, "hotline"):
            continue
        roots = {m.split(".")[0] for m in _imports(path)}
        assert not roots & FRAMEWORKS, module
        if not _within(module, "hotline.entrypoints"):
            assert not roots & {"bot", "actions", "nlu"}, module


def test_adapters_never_reach_into_storage() -> None:
    offenders = {
        module: sorted(t for t in _project_imports(module) if _within(t, "hotline.storage"))
        for module in SOURCES
        if _within(module, "bot") or _within(module, "actions")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_circles() -> None:
    assert _cycles(SOURCES) == []


def test_the_checks_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from telegram.ext import Application\nimport rasa_sdk.executor\n")
    assert {m.split(".")[0] for m in _imports(bad)} >= {"telegram", "rasa_sdk"}
    assert _part("hotline.domain.tickets") == "hotline.domain"
    with pytest.MonkeyPatch.context() as mp:
        fake = dict(SOURCES)
        fake["hotline.domain.fake"] = bad
        bad.write_text("from hotline.services.tickets import TicketCommands\n")
        mp.setitem(globals(), "SOURCES", fake)
        assert _layer_violations(["hotline.domain.fake"]) == {
            "hotline.domain.fake": ["hotline.services.tickets"]
        }
        loop_a, loop_b = tmp_path / "a.py", tmp_path / "b.py"
        loop_a.write_text("import hotline.domain.loop_b\n")
        loop_b.write_text("from hotline.domain import loop_a\n")
        fake["hotline.domain.loop_a"], fake["hotline.domain.loop_b"] = loop_a, loop_b
        assert _cycles(["hotline.domain.loop_a", "hotline.domain.loop_b"]) == [
            ["hotline.domain.loop_a", "hotline.domain.loop_b"]
        ]


MAX_CLASS_LINES = 400


def _long_classes(paths: Iterable[Path]) -> list[tuple[str, int]]:
    """Classes longer than the limit: a class that big holds more than one aggregate or room."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_CLASS_LINES:
                    found.append((f"{path.name}:{node.name}", lines))
    return found


def test_no_class_is_longer_than_400_lines(tmp_path: Path) -> None:
    assert _long_classes(SOURCES.values()) == []
    big = tmp_path / "big.py"
    big.write_text("class Big:\n" + "    x = 1\n" * MAX_CLASS_LINES)
    assert [lines for _, lines in _long_classes([big])] == [MAX_CLASS_LINES + 1]
