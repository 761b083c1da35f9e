"""The dispatch catalogue (派单目录): which department handles which category."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.yamlconf import YamlDocument, read_yaml, validate

RequestType = Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]
REQUEST_TYPES: tuple[RequestType, ...] = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

_CODE = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentSpec(_Strict):
    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    short: str = Field(min_length=1)
    # how citizens name it when they ask it to act (请城管…): hotline.domain.named_body
    called: tuple[str, ...] = ()
    # its institutions given as where a problem is (学校后面…): hotline.domain.named_body
    landmarks: tuple[str, ...] = ()


class FieldSpec(_Strict):
    name: str = Field(min_length=1)
    prompt: str = Field(min_length=1)


class CategorySpec(_Strict):
    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    department: str
    type: RequestType
    fields: tuple[str, ...] = ()
    urgent_when: str | None = None


class RegionOverride(_Strict):
    region: str = Field(min_length=1)
    categories: tuple[str, ...] = Field(min_length=1)
    department: str


class CatalogueFile(_Strict):
    departments: tuple[DepartmentSpec, ...] = Field(min_length=1)
    fields: dict[str, FieldSpec] = {}
    categories: tuple[CategorySpec, ...] = Field(min_length=1)
    urgent_advice: dict[str, str] = {}
    region_overrides: tuple[RegionOverride, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Routing knowledge loaded once and shared read-only by every adapter."""

    departments: dict[str, DepartmentSpec]
    categories: dict[str, CategorySpec]
    fields: dict[str, FieldSpec]
    urgent_advice: dict[str, str]
    region_overrides: tuple[RegionOverride, ...]

    def route(self, category: str | None, address: str | None = None) -> str | None:
        """Department for a category, honouring region overrides; None means a human routes it."""
        if category is None or category not in self.categories:
            return None
        if address:
            for override in self.region_overrides:
                if category in override.categories and override.region in address:
                    return override.department
        return self.categories[category].department

    def department_name(self, code: str | None) -> str:
        """The Chinese name citizens and staff see; unknown or missing codes read 待人工派单."""
        if code is None or code not in self.departments:
            return "待人工派单"
        return self.departments[code].name

    def category_name(self, code: str | None) -> str:
        if code is None or code not in self.categories:
            return "未分类"
        return self.categories[code].name

    def advice_for(self, category: str | None) -> str | None:
        """Safety advice to give at once when a request in this category is urgent."""
        if category is None or category not in self.categories:
            return None
        key = self.categories[category].urgent_when
        return self.urgent_advice.get(key) if key else None


def _check_category(
    doc: YamlDocument,
    spec: CatalogueFile,
    i: int,
    cat: CategorySpec,
    departments: dict[str, DepartmentSpec],
) -> None:
    if cat.department not in departments:
        raise doc.error(("categories", i, "department"), f"unknown department {cat.department!r}")
    for name in cat.fields:
        if name not in spec.fields:
            raise doc.error(("categories", i, "fields"), f"unknown field {name!r}")
    if cat.urgent_when is not None and cat.urgent_when not in spec.urgent_advice:
        raise doc.error(
            ("categories", i, "urgent_when"), f"no urgent_advice entry {cat.urgent_when!r}"
        )


def load_catalogue(path: Path) -> Catalogue:
    """Load and cross-check data/catalogue.yml; errors name the file and line."""
    doc = read_yaml(path)
    spec = validate(doc, CatalogueFile)
    departments: dict[str, DepartmentSpec] = {}
    for i, dept in enumerate(spec.departments):
        if dept.code in departments:
            raise doc.error(("departments", i, "code"), f"duplicate department code {dept.code!r}")
        departments[dept.code] = dept
    categories: dict[str, CategorySpec] = {}
    for i, cat in enumerate(spec.categories):
        if cat.code in categories:
            raise doc.error(("categories", i, "code"), f"duplicate category code {cat.code!r}")
        _check_category(doc, spec, i, cat, departments)
        categories[cat.code] = cat
    for code in departments:
        if not any(c.department == code for c in categories.values()):
            raise doc.error(("departments",), f"department {code!r} has no category")
    for i, override in enumerate(spec.region_overrides):
        if override.department not in departments:
            raise doc.error(("region_overrides", i, "department"), "unknown department")
        for name in override.categories:
            if name not in categories:
                raise doc.error(("region_overrides", i, "categories"), f"unknown category {name!r}")
    return Catalogue(
        departments=departments,
        categories=categories,
        fields=dict(spec.fields),
        urgent_advice=dict(spec.urgent_advice),
        region_overrides=spec.region_overrides,
    )
