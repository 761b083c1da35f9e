"""The `hotline` command as operators run it: real process, real database file."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.storage.db import make_engine
from hotline.storage.models import Operator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TELEGRAM_"))}
    env["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["HOTLINE_VAR_DIR"] = str(tmp_path / "var")

    def _run(*args: str, ok: bool = True, extra_env: dict[str, str] | None = None):
        proc = subprocess.run(
            [sys.executable, "-m", "hotline.entrypoints.cli", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**env, **(extra_env or {})},
            timeout=120,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    _run("db", "upgrade")
    return _run


OPERATORS = (
    ("赵六", "dispatcher", None),
    ("钱督办", "supervisor", None),
    ("城管张三", "staff", "urban_management"),
    ("住建李四", "staff", "housing"),
)


def _operators(run, tmp_path: Path) -> None:
    """The accounts the tests act as, written straight into the database (fast); adding
    them through the CLI is tested once, in test_operators_are_managed_by_an_admin."""
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for name, role, dept in OPERATORS:
            session.add(
                Operator(name=name, role=role, department_code=dept, active=True, created_at=now)
            )
    engine.dispose()


def _open(run, *args: str) -> str:
    out: str = run("tickets", "open", "--as", "赵六", *args).stdout
    return out.split("工单 ")[1].split("，", maxsplit=1)[0]


def test_drive_a_ticket_through_its_life(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(
        run, "--text", "人民路路灯不亮", "--category", "street_light", "--address", "人民路12号"
    )
    listed = json.loads(run("tickets", "list", "--json").stdout)
    assert [t["number"] for t in listed] == [number]
    row = listed[0]
    assert row["department"] == "urban_management" and row["status"] == "dispatched"
    assert row["type"] == "求助" and row["priority"] == "normal"
    assert row["answer_due_at"].endswith("+08:00")
    run("tickets", "accept", number, "--as", "城管张三")
    run("tickets", "extend", number, "--days", "3", "--reason", "等待配件", "--as", "城管张三")
    run("tickets", "decide-extension", number, "--as", "赵六")
    run("tickets", "resolve", number, "--answer", "已更换灯泡", "--as", "城管张三")
    run("tickets", "reopen", number, "--reason", "又不亮了", "--as", "赵六")
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    assert shown["status"] == "dispatched"
    assert [e["action"] for e in shown["events"]][-3:] == ["resolve", "reopen", "set_deadline"]
    # The operator who typed the ticket in is on its first event, not a console citizen.
    opened = shown["events"][0]
    assert (opened["action"], opened["actor"]) == ("open", "dispatcher:operator:赵六")
    actors = {e["action"]: e["actor"] for e in shown["events"]}
    assert actors["accept"] == "staff:operator:城管张三@urban_management"
    assert actors["approve_extension"] == "dispatcher:operator:赵六"
    assert shown["extension_count"] == 1 and shown["reopen_count"] == 1
    ask = next(e for e in shown["events"] if e["action"] == "request_extension")
    assert ask["data"]["working_days"] == 3 and ask["department"] == "urban_management"


def test_errors_are_one_clear_line(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    proc = run("tickets", "accept", "20261123-9999", "--as", "住建李四", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("错误：") and len(proc.stderr.strip().splitlines()) == 1
    proc = run("tickets", "accept", "20261123-9999", ok=False)
    assert proc.returncode == 2 and "--as" in proc.stderr
    proc = run("tickets", "list", "--status", "nonsense", ok=False)
    assert proc.returncode == 2
    proc = run("tickets", "open", "--text", "   ", "--as", "赵六", ok=False)
    assert proc.returncode == 1 and "不能为空" in proc.stderr


def test_a_typed_role_is_no_identity(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "电梯困人", "--category", "elevator_fault")
    for spec in ("dispatcher:赵六", "staff", "nobody"):
        proc = run("tickets", "accept", number, "--as", spec, ok=False)
        assert proc.returncode in (1, 2) and "操作员" in proc.stderr, proc.stderr


def test_operators_are_managed_by_an_admin(run, tmp_path: Path) -> None:
    run("operator", "add", "管理员甲", "--role", "admin")  # the first account, by whoever
    proc = run("operator", "add", "某人", "--role", "staff", "-d", "housing", ok=False)
    assert proc.returncode == 2 and "--as" in proc.stderr  # once an admin exists, only by one
    proc = run("operator", "add", "某人", "--role", "staff", "--as", "管理员甲", ok=False)
    assert proc.returncode == 1 and "--department" in proc.stderr
    proc = run(
        "operator", "add", "某人", "--role", "staff", "-d", "nowhere", "--as", "管理员甲", ok=False
    )
    assert proc.returncode == 1 and "部门代码" in proc.stderr
    run("operator", "add", "住建李四", "--role", "staff", "-d", "housing", "--as", "管理员甲")
    assert "住建李四  承办人员  住房和城乡建设局  在用" in run("operator", "list").stdout
    run("operator", "disable", "住建李四", "--as", "管理员甲")
    proc = run("tickets", "accept", "20261123-0001", "--as", "住建李四", ok=False)
    assert proc.returncode == 1 and "已停用" in proc.stderr


def test_dispatcher_and_supervisor_cannot_accept_a_departments_ticket(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "小区路灯不亮", "--category", "street_light")
    for name, who in (("赵六", "派单员"), ("钱督办", "督办人员")):
        for cmd in (("accept",), ("resolve", "--answer", "已安排维修人员更换灯泡")):
            proc = run("tickets", cmd[0], number, *cmd[1:], "--as", name, ok=False)
            assert proc.returncode == 1 and who in proc.stderr, proc.stderr
    proc = run("tickets", "accept", number, "--as", "住建李四", ok=False)
    assert proc.returncode == 1 and "不属于您所在的部门" in proc.stderr
    # -d naming another department than the operator's is refused by name.
    proc = run("tickets", "accept", number, "-d", "housing", "--as", "城管张三", ok=False)
    assert proc.returncode == 1 and "住房和城乡建设局" in proc.stderr
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    assert shown["status"] == "dispatched" and "accept" not in [
        e["action"] for e in shown["events"]
    ]
    run("tickets", "accept", number, "--as", "城管张三")


def test_answers_and_reasons_must_say_something(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "小区路灯不亮", "--category", "street_light")
    run("tickets", "accept", number, "--as", "城管张三")
    proc = run("tickets", "resolve", number, "--answer", "好", "--as", "城管张三", ok=False)
    assert proc.returncode == 1 and "过于简单" in proc.stderr
    proc = run("tickets", "return", number, "--reason", "x", "--as", "城管张三", ok=False)
    assert proc.returncode == 1 and "退单理由" in proc.stderr
    run("tickets", "extend", number, "--days", "2", "--reason", "等待配件到货", "--as", "城管张三")
    proc = run("tickets", "decide-extension", number, "--deny", "--as", "赵六", ok=False)
    assert proc.returncode == 2 and "--note" in proc.stderr
    run("tickets", "decide-extension", number, "--deny", "--note", "请先临时修复", "--as", "赵六")


def test_a_return_counts_against_the_department_that_returned(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "楼道灯坏了", "--category", "street_light")
    run("tickets", "return", number, "--reason", "楼道属物业管理", "--as", "城管张三")
    # Straight back to the department that just returned it: refused, naming the reason.
    proc = run("tickets", "dispatch", number, "-d", "urban_management", "--as", "赵六", ok=False)
    assert (
        proc.returncode == 1
        and "刚被城市管理局退回" in proc.stderr
        and "楼道属物业管理" in proc.stderr
        and "--force" in proc.stderr
    )
    proc = run("tickets", "dispatch", number, "-d", "nowhere", "--as", "赵六", ok=False)
    assert proc.returncode == 2 and "部门代码" in proc.stderr and "不属于" not in proc.stderr
    run("tickets", "dispatch", number, "-d", "housing", "--note", "物业归住建", "--as", "赵六")
    today = json.loads(run("tickets", "show", number, "--json").stdout)["created_at"][:10]
    out = tmp_path / "rep"
    run("report", "--period", "today", "--end", today, "--out", str(out))
    with (out / "report.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["代码"]: r for r in csv.DictReader(fh) if r["范围"] == "部门"}
    assert rows["urban_management"]["退单次数"] == "1"
    assert rows["housing"]["退单次数"] == "0"


def test_a_utility_is_accepted_before_its_answer_is_due(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "家里停气了", "--category", "gas_service")
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    assert shown["accept_due_at"] <= shown["answer_due_at"]
    for start in ("2026-12-05T03:15", "2026-09-30T18:00"):
        for priority in ("normal", "urgent"):
            due = {
                stage: run(
                    "sla",
                    "due",
                    "--type",
                    "求助",
                    "--priority",
                    priority,
                    "--stage",
                    stage,
                    "--category",
                    "gas_service",
                    "--start",
                    start,
                ).stdout.strip()
                for stage in ("accept", "answer")
            }
            assert due["accept"] <= due["answer"], (start, priority, due)


def test_a_merged_ticket_names_its_target(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    lead = _open(run, "--text", "人民路井盖丢失", "--category", "street_light")
    dup = _open(
        run, "--text", "人民路井盖丢了", "--category", "street_light", "--citizen", "console:42"
    )
    proc = run("tickets", "merge", dup, "--into", lead, "--as", "城管张三", ok=False)
    assert proc.returncode == 1 and "无权合并" in proc.stderr
    out = run(
        "tickets", "merge", dup, "--into", lead, "--reason", "同一井盖", "--as", "赵六"
    ).stdout
    assert lead in out
    shown = json.loads(run("tickets", "show", dup, "--json").stdout)
    assert shown["status"] == "merged" and shown["merged_into"] == lead
    merge = next(e for e in shown["events"] if e["action"] == "merge")
    assert merge["data"]["into"] == lead and merge["actor"] == "dispatcher:operator:赵六"
    text = run("tickets", "show", dup).stdout
    assert f"已合并到：{lead}" in text and "优先级：一般" in text and "normal" not in text


def test_staff_see_the_phone_and_the_look_is_audited(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(
        run, "--text", "小区路灯不亮", "--category", "street_light", "--phone", "13800138000"
    )
    assert json.loads(run("tickets", "show", number, "--json").stdout)["contact_phone"] is None
    proc = run("tickets", "show", number, "--phone", "--as", "钱督办", ok=False)
    assert proc.returncode == 1 and "联系电话" in proc.stderr
    shown = json.loads(
        run("tickets", "show", number, "--json", "--phone", "--as", "城管张三").stdout
    )
    assert shown["contact_phone"] == "13800138000"
    last = json.loads(run("tickets", "show", number, "--json").stdout)["events"][-1]
    assert (last["action"], last["actor"]) == (
        "reveal_phone",
        "staff:operator:城管张三@urban_management",
    )


def test_wrong_department_is_refused(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(run, "--text", "电梯困人", "--category", "elevator_fault")
    proc = run("tickets", "accept", number, "--as", "住建李四", ok=False)
    assert proc.returncode == 1 and "部门" in proc.stderr


def test_bad_configuration_names_the_problem(run, tmp_path: Path) -> None:
    proc = run("tickets", "list", ok=False, extra_env={"HOTLINE_TIMEZONE": "Mars/Olympus"})
    assert proc.returncode == 2 and "HOTLINE_TIMEZONE" in proc.stderr
    proc = run(
        "tickets",
        "list",
        ok=False,
        extra_env={"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path}/nodir/x/../../empty.db"},
    )
    assert proc.returncode == 3 and "hotline db upgrade" in proc.stderr


def test_sla_due_prints_iso_with_offset(run, tmp_path: Path) -> None:
    out = run(
        "sla",
        "due",
        "--type",
        "投诉",
        "--priority",
        "normal",
        "--stage",
        "answer",
        "--start",
        "2026-09-30T10:00",
    ).stdout.strip()
    assert out.startswith("2026-10-") and out.endswith("+08:00")
    out = run(
        "sla",
        "due",
        "--type",
        "投诉",
        "--priority",
        "urgent",
        "--stage",
        "accept",
        "--start",
        "2026-10-01T10:00",
    ).stdout.strip()
    assert out == "2026-10-01T10:30:00+08:00"


def test_a_call_typed_in_about_a_registered_problem_is_linked(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    first = _open(run, "--text", "停水了", "--category", "water_supply", "--address", "幸福路12号")
    args = ("--text", "家里没水了", "--category", "water_supply", "--address", "幸福路12号楼")
    again = run("tickets", "open", "--as", "赵六", "--citizen", "phone:139", *args).stdout
    assert f"工单 {first}" in again and "已并入" in again
    apart = _open(run, "--citizen", "phone:138", "--separate", *args)
    assert apart != first
