"""data/review.yml and data/templates.yml: the shipped files load, and mistakes name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain.catalogue import Catalogue
from hotline.domain.review import load_review
from hotline.domain.sla import SlaPolicy
from hotline.domain.templates import load_templates
from hotline.domain.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_files_load_and_say_what_is_reviewed(catalogue: Catalogue) -> None:
    rules = load_review(
        ROOT / "data" / "review.yml",
        departments=catalogue.departments,
        categories=catalogue.categories,
    )
    assert rules.required("answer", "human_resources", "wage_arrears")
    assert rules.required("return", "transport", "road_damage")
    assert not rules.required("answer", "urban_management", "street_light")
    templates = load_templates(ROOT / "data" / "templates.yml", categories=catalogue.categories)
    offered = templates.offer("wage_arrears", "answer")
    assert offered[0].startswith("劳动保障监察大队")  # the category's own first
    assert len(offered) == 4 and templates.offer(None, "opinion")


def test_unknown_codes_and_bad_templates_are_refused_with_their_line(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    review = tmp_path / "review.yml"
    review.write_text("returns:\n  all: false\nanswers:\n  departments: [housing, hosuing]\n")
    with pytest.raises(
        ConfigError, match=r"review.yml:4: answers.departments.1: unknown department"
    ):
        load_review(review, departments=catalogue.departments, categories=catalogue.categories)
    review.write_text("answer:\n  all: true\n")  # a typo must not switch review off silently
    with pytest.raises(ConfigError, match=r"review\.yml:1"):
        load_review(review, departments=catalogue.departments, categories=catalogue.categories)

    templates = tmp_path / "templates.yml"
    templates.write_text("categories:\n  no_such_thing:\n    answer: [已处理完毕了]\n")
    with pytest.raises(ConfigError, match=r"templates.yml:2: categories.no_such_thing: unknown"):
        load_templates(templates, categories=catalogue.categories)
    templates.write_text("default:\n  answer:\n    - 好的\n")
    with pytest.raises(ConfigError, match=r"templates.yml:3: default.answer.0: a template needs"):
        load_templates(templates, categories=catalogue.categories)
    templates.write_text("default:\n  anwser: [已处理完毕了]\n")
    with pytest.raises(ConfigError, match=r"templates\.yml:2"):
        load_templates(templates, categories=catalogue.categories)


def test_the_opinion_limit_in_sla_yml_is_validated(tmp_path: Path) -> None:
    sla = (ROOT / "data" / "sla.yml").read_text(encoding="utf-8")
    bad = tmp_path / "sla.yml"
    bad.write_text(sla.replace("opinion_working_days: 3", "opinion_working_days: 0"), "utf-8")
    with pytest.raises(ConfigError, match=r"assist\.opinion_working_days"):
        SlaPolicy.load(bad, ROOT / "data" / "calendar.yml")
