"""`hotline tickets duplicates|merge|recategorize|escalate --due` as operators run them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import _open, _operators, run

__all__ = ["run"]  # the CLI fixture, shared with test_cli


def _report(run, text: str, category: str, address: str) -> str:
    return _open(run, "--text", text, "--category", category, "--address", address)


def test_suggested_duplicates_merge_and_a_category_correction(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    first = _open(
        run, "--text", "幸福路12号停水了", "--category", "water_supply", "--address", "幸福路12号"
    )
    # The operator kept it apart at intake (--separate); the dispatcher's list still offers it.
    second = _open(
        run,
        "--text",
        "家里没水了",
        "--category",
        "water_supply",
        "--address",
        "幸福路12号",
        "--separate",
    )
    refused = run("tickets", "duplicates", "--as", "城管张三", ok=False)
    assert refused.returncode == 1 and "派单员" in refused.stderr
    found = json.loads(run("tickets", "duplicates", "--json", "--as", "赵六").stdout)
    assert [(d["number"], d["into"]) for d in found] == [(second, first)]
    run("tickets", "merge", second, "--into", first, "--as", "赵六")
    assert json.loads(run("tickets", "duplicates", "--json", "--as", "赵六").stdout) == []

    light = _open(
        run, "--text", "人民路上有个大坑", "--category", "street_light", "--address", "人民路5号"
    )
    out = run(
        "tickets",
        "recategorize",
        light,
        "--category",
        "road_damage",
        "--reason",
        "是道路坑洼不是路灯",
        "--as",
        "赵六",
    ).stdout
    assert "已更正类别" in out and "交通运输局" in out
    bad = run(
        "tickets",
        "recategorize",
        light,
        "--category",
        "nope",
        "--reason",
        "理由很充分",
        "--as",
        "赵六",
        ok=False,
    )
    assert bad.returncode == 1 and "类别代码" in bad.stderr


def test_escalate_with_a_deadline(run, tmp_path: Path) -> None:
    _operators(run, tmp_path)
    number = _open(
        run, "--text", "人民路路灯不亮", "--category", "street_light", "--address", "人民路12号"
    )
    run("tickets", "escalate", number, "--note", "请今日内修复", "--due", "2d", "--as", "钱督办")
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    escalate = next(e for e in shown["events"] if e["action"] == "escalate")
    assert escalate["data"]["directive_due_at"]
    bad = run(
        "tickets",
        "escalate",
        number,
        "--note",
        "请今日内修复",
        "--due",
        "明天",
        "--as",
        "钱督办",
        ok=False,
    )
    assert bad.returncode == 1 and "督办时限" in bad.stderr
