"""The command line for 主办/协办, 审核 (as data/review.yml ships) and the staff tools."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.storage.db import make_engine
from hotline.storage.models import Operator
from tests.integration.test_cli import run  # noqa: F401 - the shared CLI fixture

PEOPLE = (
    ("赵六", "dispatcher", None),
    ("人社王五", "staff", "human_resources"),
    ("人社小陈", "staff", "human_resources"),
    ("工会刘七", "staff", "trade_union"),
)


def _people(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for name, role, dept in PEOPLE:
            session.add(
                Operator(name=name, role=role, department_code=dept, active=True, created_at=now)
            )
    engine.dispose()


def test_joint_handling_review_and_staff_tools_from_the_cli(run, tmp_path: Path) -> None:  # noqa: F811
    _people(tmp_path)
    out = run(
        "tickets",
        "open",
        "--as",
        "赵六",
        "--text",
        "建筑公司拖欠我们三个月工资",
        "--category",
        "wage_arrears",
        "--address",
        "幸福路8号工地",
        "--phone",
        "13712340000",
    ).stdout
    number = out.split("工单 ")[1].split("，", maxsplit=1)[0]
    run("tickets", "accept", number, "--as", "人社王五")
    run(
        "tickets", "assist", number, "-d", "trade_union", "--note", "请工会协助调解", "--as", "赵六"
    )
    refused = run(
        "tickets", "resolve", number, "--answer", "工会来答复", "--as", "工会刘七", ok=False
    )
    assert refused.returncode == 1 and "该工单不属于您所在的部门" in refused.stderr
    run("tickets", "opinion", number, "--text", "工会已约见施工方负责人", "--as", "工会刘七")
    assert "按时提交：工会已约见施工方负责人" in run("tickets", "assists", number).stdout

    run("tickets", "note", number, "市民情绪激动，先安抚", "--as", "人社王五")
    assert "先安抚" in run("tickets", "notes", number, "--as", "工会刘七").stdout
    run("tickets", "assign", number, "--to", "人社小陈", "--as", "人社王五")
    mine = json.loads(run("tickets", "mine", "--json", "--as", "人社小陈").stdout)
    assert [t["number"] for t in mine] == [number]
    found = run("tickets", "search", "--phone", "13712340000", "--as", "赵六").stdout
    assert number in found and "13712340000" not in found
    assert (
        "请补充用人单位全称" in run("tickets", "templates", number, "--stage", "information").stdout
    )

    # wage arrears answers are reviewed (data/review.yml): held until a dispatcher approves
    held = run(
        "tickets", "resolve", number, "--answer", "已责令用人单位限期支付", "--as", "人社王五"
    )
    assert "答复已提交12345中心审核" in held.stdout and "已签收" in held.stdout
    assert number in run("tickets", "reviews").stdout
    rejected = run("tickets", "review", number, "--reject", "--as", "赵六", ok=False)
    assert rejected.returncode == 1 and "驳回必须写明理由" in rejected.stderr
    run("tickets", "review", number, "--reject", "--note", "请写明支付期限", "--as", "赵六")
    run(
        "tickets",
        "resolve",
        number,
        "--answer",
        "已责令用人单位12月10日前足额支付",
        "--as",
        "人社王五",
    )
    approved = run("tickets", "review", number, "--as", "赵六").stdout
    assert "审核通过" in approved and "已答复" in approved
    shown = json.loads(run("tickets", "show", number, "--json").stdout)
    assert shown["status"] == "resolved" and "12月10日" in shown["answer"]
