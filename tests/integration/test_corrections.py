"""The centre's re-dispatches become reviewable NLU training data (`hotline nlu corrections`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from hotline.adapters import classifier
from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import ManualClock
from hotline.domain.sla import SlaPolicy
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.corrections import (
    ID_PLACEHOLDER,
    LANDLINE_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    Correction,
    build_export,
    clean_example,
    find_corrections,
)
from hotline.services.registration import NewTicket
from hotline.storage.db import make_session_factory
from tests.conftest import TZ
from tests.support.rasa_env import NEEDS_RASA_ENV

ROOT = Path(__file__).resolve().parents[2]
DISPATCHER = Actor(role="dispatcher", id="telegram:3001")
PARK_LIGHTS = "公园里的路灯坏了一大片 晚上遛弯看不见路\n电话13912345678"
PARK_LIGHTS_AGAIN = "公园里的路灯坏了一大片  晚上遛弯看不见路 电话 139-8765-4321"
UNION_AID = (
    "单位工会说困难职工可以申请帮扶，我身份证号320102199001011234，\n家里老人住院了想问问怎么申请"
)
POTHOLE = "幸福路上有个大坑 电动车摔了好几个 座机025-83456789"


def staff(department: str) -> Actor:
    return Actor(role="staff", id="telegram:2001", department=department)


@pytest.fixture
def world(
    sqlite_engine: Engine, catalogue: Catalogue, sla: SlaPolicy, clock: ManualClock
) -> tuple[Services, dict[str, str]]:
    """Tickets the centre corrected, and ones it did not, on two local days."""
    service = Services(make_session_factory(sqlite_engine), catalogue, sla, clock, TZ)
    service.tickets.sync_catalogue()

    def open_(text: str, user: str, **kw: Any) -> str:
        return service.tickets.open_ticket(NewTicket("telegram", user, text, **kw)).number

    numbers: dict[str, str] = {}
    # Returned by the department the model chose, re-dispatched elsewhere: a correction.
    numbers["park"] = open_(PARK_LIGHTS, "1", category="street_light")
    service.tickets.return_ticket(numbers["park"], staff("urban_management"), "公园路灯归园林部门")
    service.tickets.dispatch(numbers["park"], "landscaping", DISPATCHER)
    # The same message from someone else, corrected the same way: one example, not two.
    numbers["park2"] = open_(PARK_LIGHTS_AGAIN, "6", category="street_light")
    service.tickets.return_ticket(numbers["park2"], staff("urban_management"), "不归我们")
    service.tickets.dispatch(numbers["park2"], "landscaping", DISPATCHER)
    # Misrouted although the model's category was right: the category is kept.
    numbers["pothole"] = open_(POTHOLE, "5", category="road_damage", department="urban_management")
    service.tickets.return_ticket(numbers["pothole"], staff("urban_management"), "道路归交通")
    service.tickets.dispatch(numbers["pothole"], "transport", DISPATCHER)
    # A plain first dispatch by the model: nothing to learn.
    numbers["plain"] = open_("人民路路灯不亮", "3", category="street_light")
    service.tickets.accept(numbers["plain"], staff("urban_management"))
    # Returned, and the dispatcher sends it back to the same department: a confirmation.
    numbers["same"] = open_("建设路路灯一直闪", "4", category="street_light")
    service.tickets.return_ticket(numbers["same"], staff("urban_management"), "不清楚")
    service.tickets.dispatch(
        numbers["same"], "urban_management", DISPATCHER, "路灯属城管维护", force=True
    )
    # Unroutable (no category, no department), dispatched by hand just after local midnight.
    clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=TZ))
    numbers["union"] = open_(UNION_AID, "2")
    service.tickets.dispatch(numbers["union"], "trade_union", DISPATCHER)
    return service, numbers


@pytest.fixture
def run(sqlite_engine: Engine, tmp_path: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TELEGRAM_"))}
    env["HOTLINE_DATABASE_URL"] = str(sqlite_engine.url)
    env["HOTLINE_VAR_DIR"] = str(tmp_path / "var")

    def _run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "hotline.entrypoints.cli", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return _run


def nlu_shape(path: Path) -> dict[str, list[str]]:
    """Check the file is Rasa NLU data and return intent → examples."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(doc) == {"version", "nlu"} and doc["version"] == "3.1"
    out: dict[str, list[str]] = {}
    for item in doc["nlu"]:
        assert set(item) == {"intent", "examples"}
        lines = item["examples"].splitlines()
        assert lines and all(line.startswith("- ") for line in lines)
        assert item["intent"] not in out, "one block per intent"
        out[item["intent"]] = [line[2:] for line in lines]
    return out


def test_corrections_are_read_from_the_journal(
    world: tuple[Services, dict[str, str]], catalogue: Catalogue
) -> None:
    service, numbers = world
    found = {c.number: c for c in find_corrections(service)}
    assert set(found) == {numbers[k] for k in ("park", "park2", "pothole", "union")}
    park = found[numbers["park"]]
    assert park.reason == "returned" and park.department == "landscaping"
    assert park.model_category == "street_light" and park.model_department == "urban_management"
    assert park.category_source == "unknown" and park.category is None  # no guesser given
    pothole = found[numbers["pothole"]]
    assert (pothole.category, pothole.category_source) == ("road_damage", "model")
    union = found[numbers["union"]]
    assert union.reason == "unroutable" and union.model_category is None
    assert union.model_department is None and union.department == "trade_union"
    since = datetime(2026, 11, 24, tzinfo=TZ)
    assert [c.number for c in find_corrections(service, since=since)] == [numbers["union"]]
    assert find_corrections(service, since=datetime(2026, 11, 25, tzinfo=UTC)) == []


def test_cli_exports_reviewable_rasa_nlu_data(
    world: tuple[Services, dict[str, str]], catalogue: Catalogue, run: Any, tmp_path: Path
) -> None:
    _, numbers = world
    out = tmp_path / "review" / "corrections.yml"
    proc = run("nlu", "corrections", "--out", str(out))
    assert "已导出 3 条纠正样本（3 个类别）" in proc.stdout
    assert "重复合并 1 条" in proc.stdout
    text = out.read_text(encoding="utf-8")
    intents = nlu_shape(out)

    def department_of(intent: str) -> str:
        return catalogue.categories[intent].department

    assert sorted(department_of(i) for i in intents) == ["landscaping", "trade_union", "transport"]
    assert intents["road_damage"] == [
        f"幸福路上有个大坑 电动车摔了好几个 座机{LANDLINE_PLACEHOLDER}"
    ]
    park = next(v for i, v in intents.items() if department_of(i) == "landscaping")
    assert park == [f"公园里的路灯坏了一大片 晚上遛弯看不见路 电话{PHONE_PLACEHOLDER}"]
    union = next(v for i, v in intents.items() if department_of(i) == "trade_union")
    assert len(union) == 1 and ID_PLACEHOLDER in union[0] and "\n" not in union[0]
    # Personal numbers never reach the file, not even in the review comments.
    for secret in ("13912345678", "8765", "320102199001011234", "83456789"):
        assert secret not in text
    # Review notes: which ticket, what the model said, and that the category is a guess.
    assert f"# {numbers['park']} 退单后改派 urban_management→landscaping" in text
    assert numbers["park2"] in text
    assert f"# {numbers['union']} 无法自动派单，人工派 trade_union（模型未给类别）" in text
    assert "类别为推测，请核对" in text and "沿用模型类别" in text
    for skipped in ("plain", "same"):
        assert numbers[skipped] not in text

    proc = run("nlu", "corrections", "--since", "2026-11-24", "--out", str(out))
    assert "已导出 1 条纠正样本" in proc.stdout
    assert [department_of(i) for i in nlu_shape(out)] == ["trade_union"]

    proc = run("nlu", "corrections", "--since", "2026-11-25", "--out", str(out))
    assert "没有找到派单纠正" in proc.stdout
    assert nlu_shape(out) == {}

    proc = run("nlu", "corrections", "--since", "24/11/2026", "--out", str(out), ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("错误：") and "YYYY-MM-DD" in proc.stderr


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("电话 138 1234 5678 快来", f"电话 {PHONE_PLACEHOLDER} 快来"),
        ("+86-13812345678", PHONE_PLACEHOLDER),
        ("手机１３８１２３４５６７８", f"手机{PHONE_PLACEHOLDER}"),
        ("（0512）6543210转分机", f"{LANDLINE_PLACEHOLDER}转分机"),
        ("身份证11010519491231002X号", f"身份证{ID_PLACEHOLDER}号"),
        ("卡号6222021234567890123", "卡号0000000000000000000"),
        ("邮箱 zhang.san@qq.com", "邮箱 someone@example.com"),
        ("第一行\r\n第二行\u2028第三行\t\u3000完。\n好", "第一行 第二行 第三行 完。好"),
        ("[人民路](address)路灯", "［人民路］(address)路灯"),
        ("工单20261123-0042还没人管", "工单00000000-0042还没人管"),
    ],
)
def test_personal_numbers_and_line_breaks_are_cleaned(raw: str, clean: str) -> None:
    assert clean_example(raw) == clean


def correction(number: str, text: str, category: str | None, minute: int) -> Correction:
    return Correction(
        number=number,
        at=datetime(2026, 11, 23, 2, minute, tzinfo=UTC),
        text=text,
        department="urban_management",
        category=category,
        category_source="guessed",
        model_category=None,
        model_department=None,
        previous_department=None,
        reason="unroutable",
        actor="dispatcher",
    )


def test_export_keeps_the_latest_label_and_skips_what_is_already_trained() -> None:
    export = build_export(
        [
            correction("20261123-0001", "路边摊占道", "street_vendor", 1),
            correction("20261123-0002", "路边摊占道", "stall_smoke", 2),
            correction("20261123-0003", "路灯不亮", "street_light", 3),
            correction("20261123-0004", "说不清", None, 4),
        ],
        known_texts=["路灯不亮"],
    )
    assert export.by_intent == {"stall_smoke": ["路边摊占道"]}
    assert (export.conflicts, export.already_trained, export.no_category) == (1, 1, 1)
    doc = yaml.safe_load(export.text)
    assert doc == {
        "version": "3.1",
        "nlu": [{"intent": "stall_smoke", "examples": "- 路边摊占道\n"}],
    }


def _needs_rasa_env(test: Callable[..., Any]) -> Callable[..., Any]:
    for mark in NEEDS_RASA_ENV:
        test = mark(test)
    return test


@_needs_rasa_env
def test_rasa_reads_the_export(
    world: tuple[Services, dict[str, str]],
    run: Any,
    tmp_path: Path,
) -> None:
    out = tmp_path / "corrections.yml"
    run("nlu", "corrections", "--out", str(out))
    script = (
        "import json, sys, logging; logging.disable(logging.WARNING)\n"
        "from rasa.shared.nlu.training_data.loading import load_data\n"
        "d = load_data(sys.argv[1])\n"
        "print(json.dumps([[m.get('text'), m.get('intent')] for m in d.intent_examples]))\n"
    )
    proc = subprocess.run(
        [str(classifier.rasa_python()), "-c", script, str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(rows) == 3 and all(isinstance(t, str) and "\n" not in t for t, _ in rows)
    assert ["幸福路上有个大坑 电动车摔了好几个 座机" + LANDLINE_PLACEHOLDER, "road_damage"] in rows
