"""The `hotline` command as operators run it: real process, real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TELEGRAM_"))}
    env["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["HOTLINE_VAR_DIR"] = str(tmp_path / "var")

    def _run(*args: str, ok: bool = True, extra_env: dict[str, str] | None = None):
        proc = subprocess.run(
            [sys.executable, "-m", "hotline.cli", *args],
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


def test_drive_a_ticket_through_its_life(run) -> None:
    out = run(
        "tickets",
        "open",
        "--text",
        "人民路路灯不亮",
        "--category",
        "street_light",
        "--address",
        "人民路12号",
    ).stdout
    number = out.split("工单 ")[1].split("，")[0]
    listed = json.loads(run("tickets", "list", "--json").stdout)
    assert [t["number"] for t in listed] == [number]
    row = listed[0]
    assert row["department"] == "urban_management" and row["status"] == "dispatched"
    assert row["type"] == "求助" and row["priority"] == "normal"
    assert row["answer_due_at"].endswith("+08:00")
    run("tickets", "accept", number, "--department", "urban_management")
    run(
        "tickets", "extend", number, "--days", "3", "--reason", "等待配件", "-d", "urban_management"
    )
    run("tickets", "decide-extension", number)
    run("tickets", "resolve", number, "--answer", "已更换灯泡", "-d", "urban_management")
    run("tickets", "reopen", number, "--reason", "又不亮了")
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    assert shown["status"] == "dispatched"
    assert [e["action"] for e in shown["events"]][-3:] == ["resolve", "reopen", "set_deadline"]


def test_errors_are_one_clear_line(run) -> None:
    proc = run("tickets", "accept", "20261123-9999", "-d", "housing", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("错误：") and len(proc.stderr.strip().splitlines()) == 1
    proc = run("tickets", "accept", "20261123-9999", ok=False)
    assert proc.returncode == 2 and "--department" in proc.stderr
    proc = run("tickets", "list", "--status", "nonsense", ok=False)
    assert proc.returncode == 2
    proc = run("tickets", "open", "--text", "   ", ok=False)
    assert proc.returncode == 1 and "不能为空" in proc.stderr


def test_wrong_department_is_refused(run) -> None:
    out = run("tickets", "open", "--text", "电梯困人", "--category", "elevator_fault").stdout
    number = out.split("工单 ")[1].split("，")[0]
    proc = run("tickets", "accept", number, "-d", "housing", ok=False)
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


def test_sla_due_prints_iso_with_offset(run) -> None:
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
