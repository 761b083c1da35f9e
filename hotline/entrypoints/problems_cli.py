"""`hotline tickets duplicates|reporters|split|recategorize`: one ticket per problem, and the
category correction; the helper that reads a 督办 deadline for `hotline tickets escalate`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from hotline.domain.directives import parse_deadline
from hotline.domain.tickets import CENTRE_ROLES, Actor, DomainError

if TYPE_CHECKING:
    from hotline.bootstrap import App

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="HOTLINE_OPERATOR", help="操作员姓名（hotline operator add 创建）"),
]


def parse_due(value: str, app: App) -> datetime:
    """A local ISO date-time (HOTLINE_TIMEZONE), or a span from now like 2d / 12h."""
    return parse_deadline(value, app.clock.now(), app.settings.tz)


def register(
    tickets_app: typer.Typer,
    get_app: Callable[[], App],
    get_actor: Callable[[str | None, str | None], Actor],
) -> None:
    """Add the commands to `hotline tickets`."""

    def centre(name: str | None) -> Actor:
        actor = get_actor(name, None)
        if actor.role not in CENTRE_ROLES:
            raise DomainError("该命令只能由派单员、督办人员或管理员使用。", code="not_allowed")
        return actor

    @tickets_app.command("duplicates")
    def duplicates(
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
        limit: Annotated[int, typer.Option(help="最多列出几条")] = 50,
        actor: AsOption = None,
    ) -> None:
        """列出疑似重复的在办工单（建议合并：tickets merge 较新工单 --into 较早工单）。"""
        centre(actor)
        found = get_app().service.tickets.suggested_merges(limit)
        if as_json:
            rows = [
                {"number": s.number, "into": s.into, "score": s.score, "department": s.department}
                for s in found
            ]
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        if not found:
            typer.echo("没有疑似重复的在办工单。")
            return
        catalogue = get_app().catalogue
        for s in found:
            typer.echo(
                f"{s.number} → {s.into}  相似度 {s.score:.2f}  "
                f"{catalogue.department_name(s.department)}  {s.place or ''}"
            )
        typer.echo("合并：hotline tickets merge 工单号 --into 目标工单号 --as 姓名")

    @tickets_app.command("reporters")
    def reporters(number: str, actor: AsOption = None) -> None:
        """列出并入该工单的其他反映人（拆分时用其编号）。"""
        centre(actor)
        app = get_app()
        rows = app.service.tickets.reporters(number)
        if not rows:
            typer.echo(f"工单 {number} 没有其他反映人。")
        for r in rows:
            state = "" if r.active else "（已拆分）"
            when = r.linked_at.astimezone(app.settings.tz).strftime("%m-%d %H:%M")
            typer.echo(f"#{r.id} {when} {r.address or '—'}：{r.description[:60]}{state}")

    @tickets_app.command("split")
    def split(
        number: str,
        reporter: Annotated[
            int, typer.Option("--reporter", help="反映人编号（tickets reporters）")
        ],
        reason: Annotated[str, typer.Option("--reason", help="拆分理由")],
        actor: AsOption = None,
    ) -> None:
        """把误并入的反映人拆分为单独的工单（派单员）。"""
        view = get_app().service.tickets.split(number, reporter, centre(actor), reason)
        typer.echo(f"已拆分：新工单 {view.number}（{view.department_name}），原工单 {number}")

    @tickets_app.command("recategorize")
    def recategorize(
        number: str,
        category: Annotated[str, typer.Option("--category", help="正确的类别代码")],
        reason: Annotated[str, typer.Option("--reason", help="更正理由")],
        actor: AsOption = None,
    ) -> None:
        """更正工单类别（派单员）；目录规定的部门不同则随之改派；记入 NLU 纠正数据。"""
        view = get_app().service.tickets.correct_category(
            number, category, get_actor(actor, None), reason
        )
        typer.echo(
            f"已更正类别：工单 {view.number} 现为“{view.category_name}”，"
            f"由{view.department_name}办理，当前状态：{view.status_label}"
        )
