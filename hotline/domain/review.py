"""Centre review (审核): which departments' and categories' returns and answers a dispatcher
approves before they take effect (data/review.yml)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hotline.domain.yamlconf import read_yaml, validate

ReviewStage = Literal["return", "answer"]
REVIEW_STAGE_LABELS: dict[str, str] = {"return": "退单", "answer": "办结答复"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewScope(_Strict):
    """Where a stage is reviewed: everywhere, or for the listed departments or categories."""

    all: bool = False
    departments: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def covers(self, department: str | None, category: str | None) -> bool:
        """Tell whether a ticket of this department and category is reviewed at this stage."""
        return (
            self.all
            or (department is not None and department in self.departments)
            or (category is not None and category in self.categories)
        )


class ReviewRules(_Strict):
    """data/review.yml as written; nothing is reviewed unless the file says so."""

    returns: ReviewScope = ReviewScope()
    answers: ReviewScope = ReviewScope()

    def required(self, stage: ReviewStage, department: str | None, category: str | None) -> bool:
        """Tell whether a 退单 or 办结答复 of such a ticket waits for a dispatcher's approval."""
        scope = self.returns if stage == "return" else self.answers
        return scope.covers(department, category)


def load_review(
    path: Path, *, departments: Iterable[str], categories: Iterable[str]
) -> ReviewRules:
    """Load and validate data/review.yml; unknown department or category codes are errors
    that name the line, so a typo never silently switches review off."""
    doc = read_yaml(path)
    rules = validate(doc, ReviewRules)
    known_departments, known_categories = set(departments), set(categories)
    for key, scope in (("returns", rules.returns), ("answers", rules.answers)):
        for i, code in enumerate(scope.departments):
            if code not in known_departments:
                raise doc.error((key, "departments", i), f"unknown department {code!r}")
        for i, code in enumerate(scope.categories):
            if code not in known_categories:
                raise doc.error((key, "categories", i), f"unknown category {code!r}")
    return rules
