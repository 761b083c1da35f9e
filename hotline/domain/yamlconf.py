"""Configuration files as YAML, validated by pydantic, with errors that point at file and line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

Loc = Sequence[str | int]


class ConfigError(Exception):
    """A configuration file is unreadable or invalid; the message names file and line."""


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML plus its node tree, so that any location in it can be traced to a line."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Loc) -> int:
        """Return the 1-based line of the deepest part of `loc` present in the file.

        A mapping entry is reported at its key's line, a list item at the item's line.
        """
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        child, line = value, key.start_mark.line + 1
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    def error(self, loc: Loc, message: str) -> ConfigError:
        """Build an error for a location in this document."""
        where = ".".join(str(p) for p in loc) or "<top>"
        return ConfigError(f"{self.path}:{self.line_of(loc)}: {where}: {message}")


def read_yaml(path: Path) -> YamlDocument:
    """Read a YAML file, turning syntax errors into a ConfigError that names the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(f"{path}:{line}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    except ValueError as exc:  # PyYAML's constructors, e.g. an impossible date 2027-02-30
        bad_line = _unconstructible_line(text)
        where = f"{path}:{bad_line}" if bad_line is not None else str(path)
        raise ConfigError(f"{where}: invalid value: {exc}") from exc
    return YamlDocument(path=path, data=data, root=root)


def _unconstructible_line(text: str) -> int | None:
    """Find the scalar PyYAML fails to construct, so the error can name its line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        stack: list[yaml.Node] = [root] if root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node, deep=True)
                except ValueError:
                    return int(node.start_mark.line) + 1
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
    finally:
        loader.dispose()
    return None


def validate(doc: YamlDocument, model: type[M]) -> M:
    """Validate a document against a model; the first errors are reported with their lines."""
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors()[:5]:
            loc = [p for p in err["loc"] if isinstance(p, str | int)]
            where = ".".join(str(p) for p in loc) or "<top>"
            lines.append(f"{doc.path}:{doc.line_of(loc)}: {where}: {err['msg']}")
        more = exc.error_count() - len(lines)
        if more > 0:
            lines.append(f"... and {more} more errors")
        raise ConfigError("\n".join(lines)) from exc


def load_validated(path: Path, model: type[M]) -> M:
    """Read and validate a YAML configuration file in one step."""
    return validate(read_yaml(path), model)
