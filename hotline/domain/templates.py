"""Reply templates (常用语) staff pick when answering, returning or asking the citizen, per
category and stage (data/templates.yml)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.yamlconf import read_yaml, validate

TemplateStage = Literal["answer", "return", "information", "opinion"]
TEMPLATE_STAGES: tuple[TemplateStage, ...] = ("answer", "return", "information", "opinion")
MAX_TEMPLATES = 8  # one inline button each, and a short list to read


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageTemplates(_Strict):
    """The texts of each stage; a stage left out offers none."""

    answer: tuple[str, ...] = Field((), max_length=MAX_TEMPLATES)
    return_: tuple[str, ...] = Field((), max_length=MAX_TEMPLATES, alias="return")
    information: tuple[str, ...] = Field((), max_length=MAX_TEMPLATES)
    opinion: tuple[str, ...] = Field((), max_length=MAX_TEMPLATES)

    def for_stage(self, stage: TemplateStage) -> tuple[str, ...]:
        """The texts of one stage."""
        return self.return_ if stage == "return" else getattr(self, stage)


class TemplatesFile(_Strict):
    """data/templates.yml: `default` for every category, `categories` added per category."""

    default: StageTemplates = StageTemplates()
    categories: dict[str, StageTemplates] = {}


@dataclass(frozen=True)
class ReplyTemplates:
    """Templates by category and stage; the category's come first, then the defaults."""

    spec: TemplatesFile = field(default_factory=TemplatesFile)

    def offer(self, category: str | None, stage: TemplateStage) -> list[str]:
        """The texts to offer for a ticket of `category` at `stage`, at most MAX_TEMPLATES."""
        own = self.spec.categories.get(category or "")
        texts = list(own.for_stage(stage)) if own is not None else []
        texts += [t for t in self.spec.default.for_stage(stage) if t not in texts]
        return texts[:MAX_TEMPLATES]


def load_templates(path: Path, *, categories: Iterable[str]) -> ReplyTemplates:
    """Load and validate data/templates.yml: known categories, non-empty texts of a sane size."""
    doc = read_yaml(path)
    spec = validate(doc, TemplatesFile)
    known = set(categories)
    for code in spec.categories:
        if code not in known:
            raise doc.error(("categories", code), f"unknown category {code!r}")
    scopes: list[tuple[tuple[str, ...], StageTemplates]] = [(("default",), spec.default)]
    scopes += [(("categories", code), t) for code, t in spec.categories.items()]
    for where, stages in scopes:
        for stage in TEMPLATE_STAGES:
            for i, text in enumerate(stages.for_stage(stage)):
                if not 4 <= len(text.strip()) <= 500:
                    loc: list[str | int] = [*where, stage, i]
                    raise doc.error(loc, "a template needs 4 to 500 characters")
    return ReplyTemplates(spec)
