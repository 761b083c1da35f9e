"""A fresh clone installs from the lock files alone: every pin comes from the package index."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ["requirements-app.lock", "requirements-rasa.lock"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==\S+ \\$")


def _requirement_lines(lock: str) -> list[str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return [
        line for line in text.splitlines() if line.strip() and not line.startswith((" ", "#", "--"))
    ]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_is_an_index_pin_with_hashes(lock: str) -> None:
    bad = [line for line in _requirement_lines(lock) if not _PIN.match(line)]
    assert bad == [], f"{lock} has pins a fresh machine cannot fetch from the index: {bad}"
    assert "file://" not in (ROOT / lock).read_text(encoding="utf-8")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_app_dependency_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    locked = {_name(line) for line in _requirement_lines("requirements-app.lock")}
    assert wanted - locked == set()
