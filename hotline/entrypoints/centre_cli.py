"""`hotline tickets assist|opinion|review|note|assign|mine|search|ask|templates`: 主办/协办,
审核 and the staff tools on the command line (issue 18 part B)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from hotline.domain.templates import TEMPLATE_STAGES
from hotline.domain.tickets import STATUS_LABELS, Actor, Status
from hotline.services.messages import REVIEW_STAGES, local_time
from hotline.services.staff_tools import Search

if TYPE_CHECKING:
    from hotline.bootstrap import App
    from hotline.services.snapshots import TicketView

ActorOf = Callable[[str | None, str | None], Actor]
Done = Callable[["TicketView", str], None]

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="HOTLINE_OPERATOR", help="操作员姓名（hotline operator add 创建）"),
]


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD，而不是 {value!r}") from exc


def _line(view: TicketView, app: App) -> str:
    return (
        f"{view.number}  {STATUS_LABELS[Status(view.status)]:<10} {view.department_name:<12} "
        f"{view.category_name:<12} 时限 {local_time(view.answer_due_at, app.settings.tz)}  "
        f"{view.description[:30]}"
    )


def register(  # noqa: PLR0915 - one command per nested function, as typer wants them
    tickets_app: typer.Typer, app_of: Callable[[], App], actor_of: ActorOf, done: Done
) -> None:
    """Add the commands to `hotline tickets`; the verified operator comes from the main CLI."""

    @tickets_app.command("assist")
    def tickets_assist(
        number: str,
        departments: Annotated[
            list[str], typer.Option("--department", "-d", help="协办部门代码，可多次给出")
        ],
        note: Annotated[str | None, typer.Option("--note", help="协办说明")] = None,
        actor: AsOption = None,
    ) -> None:
        """增加协办部门（派单员）：每个协办部门收到工单卡片，在时限内提交协办意见。"""
        view = app_of().service.tickets.add_assisting(
            number, departments, actor_of(actor, None), note
        )
        done(view, "已增加协办部门")

    @tickets_app.command("opinion")
    def tickets_opinion(
        number: str,
        text: Annotated[str, typer.Option("--text", help="协办意见（交主办单位，不发给市民）")],
        actor: AsOption = None,
    ) -> None:
        """提交协办意见（协办部门）。"""
        view = app_of().service.tickets.give_opinion(number, actor_of(actor, None), text)
        done(view, "已提交协办意见")

    @tickets_app.command("assists")
    def tickets_assists(number: str) -> None:
        """查看工单的协办部门、协办意见时限与意见。"""
        app = app_of()
        rows = app.service.tickets.assisting(number)
        if not rows:
            typer.echo(f"工单 {number} 没有协办部门。")
        for a in rows:
            state = "未提交" if a.opinion is None else ("按时提交" if a.on_time else "超时提交")
            typer.echo(
                f"{a.department_name}  时限 {local_time(a.due_at, app.settings.tz)}  {state}"
                + (f"：{a.opinion}" if a.opinion else "")
            )

    @tickets_app.command("reviews")
    def tickets_reviews() -> None:
        """列出待审核的退单和办结答复（最早提交的在前）。"""
        app = app_of()
        items = app.service.tickets.pending_reviews()
        if not items:
            typer.echo("目前没有待审核的退单或答复。")
        for r in items:
            typer.echo(
                f"{r.number}  {REVIEW_STAGES.get(r.stage, r.stage)}  "
                f"{app.catalogue.department_name(r.department)}  "
                f"提交于 {local_time(r.submitted_at, app.settings.tz)}：{r.text}"
            )

    @tickets_app.command("review")
    def tickets_review(
        number: str,
        reject: Annotated[bool, typer.Option("--reject", help="驳回（默认通过）")] = False,
        note: Annotated[str | None, typer.Option("--note", help="审核意见（驳回时必填）")] = None,
        actor: AsOption = None,
    ) -> None:
        """审核退单或办结答复（派单员）：通过后生效；驳回退回承办部门，办结时限照常计算。"""
        view = app_of().service.tickets.decide_review(
            number, actor_of(actor, None), approve=not reject, note=note
        )
        done(view, "审核驳回，已退回承办部门" if reject else "审核通过")

    @tickets_app.command("ask")
    def tickets_ask(
        number: str,
        question: Annotated[str, typer.Option("--question", help="需要市民补充的内容")],
        actor: AsOption = None,
    ) -> None:
        """请市民补充材料（承办部门）；市民回复前办结时限暂停。"""
        view = app_of().service.tickets.request_information(number, actor_of(actor, None), question)
        done(view, "已请市民补充")

    @tickets_app.command("note")
    def tickets_note(
        number: str,
        text: Annotated[str, typer.Argument(help="备注内容（市民看不到）")],
        actor: AsOption = None,
    ) -> None:
        """写内部备注：承办、协办部门和12345中心可见，市民永远看不到。"""
        app_of().service.tickets.add_note(number, actor_of(actor, None), text)
        typer.echo(f"已添加内部备注：工单 {number}")

    @tickets_app.command("notes")
    def tickets_notes(number: str, actor: AsOption = None) -> None:
        """查看工单的内部备注。"""
        app = app_of()
        notes = app.service.tickets.notes(number, actor_of(actor, None))
        if not notes:
            typer.echo(f"工单 {number} 没有内部备注。")
        for n in notes:
            typer.echo(f"{local_time(n.at, app.settings.tz)} {n.author}：{n.text}")

    @tickets_app.command("assign")
    def tickets_assign(
        number: str,
        to: Annotated[str, typer.Option("--to", help="本部门工作人员的姓名")],
        actor: AsOption = None,
    ) -> None:
        """把工单指定给本部门的一名工作人员承办（出现在其“我的待办”中）。"""
        view = app_of().service.tickets.assign(number, actor_of(actor, None), to)
        done(view, f"已指定{to}承办")

    @tickets_app.command("mine")
    def tickets_mine(
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
        actor: AsOption = None,
    ) -> None:
        """我的待办：指定由我承办、本部门仍在办理的工单（时限最近的在前）。"""
        app = app_of()
        views = app.service.tickets.my_tickets(actor_of(actor, None))
        if as_json:
            typer.echo(json.dumps([v.to_json(app.settings.tz) for v in views], ensure_ascii=False))
            return
        if not views:
            typer.echo("您目前没有待办工单。")
        for v in views:
            typer.echo(_line(v, app))

    @tickets_app.command("search")
    def tickets_search(
        number: Annotated[str | None, typer.Option("--number", help="工单编号")] = None,
        phone: Annotated[str | None, typer.Option("--phone", help="联系电话（留痕）")] = None,
        place: Annotated[str | None, typer.Option("--place", help="地点/地址关键词")] = None,
        text: Annotated[str | None, typer.Option("--text", help="诉求内容关键词")] = None,
        since: Annotated[str | None, typer.Option("--from", help="受理日期起 YYYY-MM-DD")] = None,
        until: Annotated[str | None, typer.Option("--to", help="受理日期止 YYYY-MM-DD")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
        actor: AsOption = None,
    ) -> None:
        """检索工单：按编号、电话（留痕）、地点、内容和受理日期，条件同时满足。"""
        app = app_of()
        query = Search(
            number=number,
            phone=phone,
            place=place,
            text=text,
            since=_date(since),
            until=_date(until),
        )
        views = app.service.tickets.search(actor_of(actor, None), query)
        if as_json:
            typer.echo(json.dumps([v.to_json(app.settings.tz) for v in views], ensure_ascii=False))
            return
        if not views:
            typer.echo("没有找到符合条件的工单。")
        for v in views:
            typer.echo(_line(v, app))

    @tickets_app.command("templates")
    def tickets_templates(
        number: str,
        stage: Annotated[
            str, typer.Option("--stage", help="answer / return / information / opinion")
        ] = "answer",
    ) -> None:
        """列出该工单类别在某一环节的常用语（data/templates.yml）。"""
        if stage not in TEMPLATE_STAGES:
            raise typer.BadParameter(f"环节应为 {' / '.join(TEMPLATE_STAGES)}，而不是 {stage!r}")
        app = app_of()
        view = app.service.views.get_ticket(number)
        texts = app.service.templates.offer(view.category, stage)
        if not texts:
            typer.echo("该环节没有配置常用语。")
        for i, t in enumerate(texts, start=1):
            typer.echo(f"{i}. {t}")
