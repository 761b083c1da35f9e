"""The routing catalogue follows the shared dispatch table and rejects bad files precisely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.domain.catalogue import Catalogue, load_catalogue
from hotline.domain.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "dispatch-catalogue.md"


def test_every_shared_department_code_is_routable(catalogue: Catalogue) -> None:
    assert len(catalogue.departments) == 17
    if SHARED.exists():
        codes = set(re.findall(r"^\| `([a-z_]+)` \|", SHARED.read_text(encoding="utf-8"), re.M))
        assert codes == set(catalogue.departments)


@pytest.mark.parametrize(
    ("category", "department"),
    [
        ("street_light", "urban_management"),
        ("compound_facility", "housing"),  # compound roads are housing, not transport
        ("elevator_fault", "market_regulation"),  # special equipment, not housing
        ("neighbour_noise", "public_security"),
        ("construction_noise", "housing"),
        ("industrial_noise", "environment"),
        ("restaurant_fumes", "environment"),
        ("stall_smoke", "urban_management"),
        ("pension", "human_resources"),
        ("medical_reimbursement", "medical_insurance"),
        ("summer_childcare", "trade_union"),
        ("tutoring_institution", "education"),
        ("gas_service", "utilities"),
        ("tree_hazard", "landscaping"),
        ("veteran_benefits", "veterans"),
    ],
)
def test_boundary_cases_route_as_the_catalogue_says(
    catalogue: Catalogue, category: str, department: str
) -> None:
    assert catalogue.route(category) == department


def test_unknown_category_goes_to_a_human(catalogue: Catalogue) -> None:
    assert catalogue.route(None) is None
    assert catalogue.route("no_such_thing") is None
    assert catalogue.department_name(None) == "待人工派单"


def test_urgent_categories_carry_safety_advice(catalogue: Catalogue) -> None:
    advice = catalogue.advice_for("gas_service")
    assert advice is not None and "119" in advice
    assert "警铃" in (catalogue.advice_for("elevator_fault") or "")
    assert catalogue.advice_for("street_vendor") is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.yml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_HEAD = """departments:
  - {code: housing, name: 住建局, short: 住建}
categories:
"""


def test_region_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD_HEAD
        + """  - {code: street_light, name: 路灯, department: housing, type: 求助}
  - {code: other, name: 其他, department: transport, type: 求助}
departments_extra: 1
""",
    )
    with pytest.raises(ConfigError):
        load_catalogue(path)  # unknown top-level key is rejected
    path = _write(
        tmp_path,
        """departments:
  - {code: housing, name: 住建局, short: 住建}
  - {code: transport, name: 交通局, short: 交通}
categories:
  - {code: street_light, name: 路灯, department: housing, type: 求助}
  - {code: bus, name: 公交, department: transport, type: 投诉}
region_overrides:
  - {region: 高新区, categories: [street_light], department: transport}
""",
    )
    cat = load_catalogue(path)
    assert cat.route("street_light", "高新区创业路5号") == "transport"
    assert cat.route("street_light", "老城区人民路") == "housing"


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("  - {code: a, name: 甲, department: nowhere, type: 求助}\n", 4, "unknown department"),
        ("  - {code: a, name: 甲, department: housing, type: 抱怨}\n", 4, "type"),
        (
            "  - {code: a, name: 甲, department: housing, type: 求助}\n"
            "  - {code: a, name: 乙, department: housing, type: 求助}\n",
            5,
            "duplicate",
        ),
        (
            "  - {code: a, name: 甲, department: housing, type: 求助, fields: [nope]}\n",
            4,
            "unknown field",
        ),
        ("  - {code: a, name: 甲, department: housing\n", 4, "invalid YAML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    path = _write(tmp_path, GOOD_HEAD + body)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    message = str(err.value)
    assert f"{path}:{line}:" in message or f"{path}:{line + 1}:" in message
    assert fragment in message
