"""The operator commands for staff access and personal data, as real processes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.integration.test_cli import _operators, run  # noqa: F401 - the fixture


def test_staff_invite_grant_list_revoke_expire(run, tmp_path: Path) -> None:  # noqa: F811
    out = run("staff", "invite", "-d", "housing").stdout
    assert "7天内有效" in out
    code = out.split("/bind ")[1].strip()
    assert len(code.replace("-", "")) == 32
    refused = run("staff", "invite", "--role", "admin", ok=False)
    assert refused.returncode == 1 and "hotline staff grant" in refused.stderr
    granted = run("staff", "grant", "--chat", "-100", "--user", "42", "--role", "admin").stdout
    binding = granted.split("绑定编号 ")[1].split("。")[0]
    listed = run("staff", "list").stdout
    assert f"{binding}\ttelegram:-100\t用户 42\t管理员" in listed
    run("staff", "expire", binding, "--at", "30d")
    assert "到期 " in run("staff", "list").stdout
    assert "已撤销 1 个绑定" in run("staff", "revoke", binding).stdout
    assert run("staff", "list").stdout.strip() == "没有绑定。"
    assert "已撤销" in run("staff", "list", "--all").stdout
    var = tmp_path / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cli.db").stat().st_mode) == 0o600


def test_retention_purge_and_citizen_export_erase(run, tmp_path: Path) -> None:  # noqa: F811
    dry = run("retention", "purge", "--dry-run").stdout
    assert "对话事件：将处理 0" in dry and "报表文件：将处理 0" in dry
    _operators(run, tmp_path)
    run(
        "tickets",
        "open",
        "--as",
        "赵六",
        "--text",
        "人民路路灯不亮，电话13812345678",
        "--category",
        "street_light",
    )
    out = tmp_path / "x.json"
    run("citizen", "export", "console:operator", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "13812345678" in data["tickets"][0]["description"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "工单 1 件已匿名化" in run("citizen", "erase", "console:operator", "--yes").stdout
    listed = json.loads(run("tickets", "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["department"] == "urban_management"
    missing = run("citizen", "erase", "telegram:404", "--yes", ok=False)
    assert missing.returncode == 1 and "没有找到市民" in missing.stderr
