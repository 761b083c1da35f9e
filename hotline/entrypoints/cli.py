"""`hotline`: the operators' command line, and a way to drive the lifecycle without Telegram."""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import replace
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hotline.bootstrap import App, build_app, load_policies
from hotline.config import Settings
from hotline.domain.catalogue import REQUEST_TYPES
from hotline.domain.sla import Priority
from hotline.domain.tickets import (
    ACTION_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    Action,
    Actor,
    DomainError,
    Status,
)
from hotline.domain.yamlconf import ConfigError
from hotline.files import PRIVATE_UMASK, configure_logging, secure_var
from hotline.services.messages import PRIORITY_LABELS, detail_lines, local_time
from hotline.services.registration import NewTicket
from hotline.services.snapshots import TicketView
from hotline.services.views import TicketFilter

app = typer.Typer(
    help="12345 热线助手运维命令行。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="数据库：建表与升级。", no_args_is_help=True)
tickets_app = typer.Typer(
    help="工单：查询与办理（签收、退单、延期、办结、重办……）。", no_args_is_help=True
)
sla_app = typer.Typer(help="办理时限计算。", no_args_is_help=True)
staff_app = typer.Typer(help="部门人员绑定。", no_args_is_help=True)
operator_app = typer.Typer(help="命令行操作员账号（--as 姓名）。", no_args_is_help=True)
nlu_app = typer.Typer(help="NLU 训练数据：从派单纠正中学习。", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tickets_app, name="tickets")
app.add_typer(sla_app, name="sla")
app.add_typer(staff_app, name="staff")
app.add_typer(operator_app, name="operator")
app.add_typer(nlu_app, name="nlu")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code attached."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@cache
def _app() -> App:
    return build_app()


def _actor(name: str | None, department: str | None) -> Actor:
    """The verified operator behind `--as NAME` (or HOTLINE_OPERATOR): role and department
    come from the operator account, never from what was typed."""
    if not name:
        raise CliError(
            "请用 --as 姓名 指明操作员（或设置环境变量 HOTLINE_OPERATOR）；"
            "账号由 hotline operator add 创建",
            2,
        )
    if ":" in name and name.split(":", 1)[0] in ROLE_WORDS:
        raise CliError(
            f"--as 现在是操作员姓名，不再是角色（{name!r}）；"
            "请先 hotline operator add 姓名 --role 角色 创建账号",
            2,
        )
    service = _app().service
    if department is not None and department not in service.catalogue.departments:
        raise CliError(f"没有“{department}”这个部门代码（见 data/catalogue.yml）", 2)
    actor = service.operators.operator_actor(name)
    if department is not None and actor.department != department:
        mine = service.catalogue.department_name(actor.department) if actor.department else ""
        raise CliError(
            f"操作员 {actor.name} 是{ROLE_LABELS[actor.role]}"
            + (f"（{mine}）" if mine else "")
            + f"，不能以{service.catalogue.department_name(department)}的名义操作",
            1,
        )
    return actor


ROLE_WORDS = ("staff", "dispatcher", "supervisor", "admin")
AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="HOTLINE_OPERATOR", help="操作员姓名（hotline operator add 创建）"),
]
DeptOption = Annotated[
    str | None, typer.Option("--department", "-d", help="部门代码（可选，核对操作员所属部门）")
]


def _print_ticket(view: TicketView, as_json: bool) -> None:
    tz = _app().settings.tz
    catalogue = _app().catalogue
    if as_json:
        data = view.to_json(tz)
        data.update(
            description=view.description,
            address=view.address,
            answer=view.answer,
            details=view.details,
            contact_phone=view.contact_phone,
            events=[e.to_json(tz) for e in view.events],
        )
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"工单 {view.number}  [{view.status_label}]")
    typer.echo(
        f"  类别：{view.category_name}（{view.request_type}）  "
        f"优先级：{PRIORITY_LABELS.get(view.priority, view.priority)}"
    )
    typer.echo(f"  部门：{view.department_name}")
    typer.echo(
        f"  受理：{local_time(view.created_at, tz)}  签收时限：{local_time(view.accept_due_at, tz)}"
        f"  办结时限：{local_time(view.answer_due_at, tz)}"
        + ("（暂定）" if view.due_provisional else "")
    )
    typer.echo(f"  地址：{view.address or '—'}")
    if view.contact_phone:
        typer.echo(f"  联系电话：{view.contact_phone}（已记录查看）")
    for line in detail_lines(view.details, catalogue):
        typer.echo(f"  {line}")
    typer.echo(f"  内容：{view.description}")
    typer.echo(
        f"  退单 {view.return_count} 次，重办 {view.reopen_count} 次，"
        f"延期 {view.extension_count} 次"
    )
    if view.merged_into:
        typer.echo(f"  已合并到：{view.merged_into}")
    if view.answer:
        typer.echo(f"  答复：{view.answer}")
    for e in view.events:
        label = ACTION_LABELS.get(Action(e.action), e.action) if e.action in ACTIONS else e.action
        if e.action == "set_deadline":
            label = "设定时限"
        dept = f" [{catalogue.department_name(e.department)}]" if e.department else ""
        typer.echo(
            f"  · {local_time(e.at, tz)} {label}{dept} "
            f"{_status_word(e.from_status)}→{_status_word(e.to_status)} {_who(e.actor)}"
            + (f"：{e.note}" if e.note else "")
        )


def _who(audit_name: str) -> str:
    """An audit name (`staff:operator:张三@housing`) as staff read it: 承办人员 张三（住建局）."""
    role, _, rest = audit_name.partition(":")
    rest, _, dept = rest.partition("@")
    if rest.startswith("operator:"):
        rest = rest.removeprefix("operator:")
    label = ROLE_LABELS.get(role, role)
    where = f"（{_app().catalogue.department_name(dept)}）" if dept else ""
    return f"{label} {rest}{where}" if role != "system" else label


def _status_word(value: str | None) -> str:
    return STATUS_WORDS.get(value or "", value or "")


ACTIONS = {a.value for a in Action}
STATUS_WORDS = {
    "received": "已受理",
    "dispatched": "已派单",
    "accepted": "已签收",
    "resolved": "已答复",
    "closed": "已办结",
    "returned": "已退单",
    "withdrawn": "已撤销",
    "merged": "已合并",
}


def _done(view: TicketView, what: str) -> None:
    typer.echo(f"{what}：工单 {view.number}，当前状态：{view.status_label}")


# --------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade() -> None:
    """创建或升级数据库到最新结构，并同步派单目录。"""
    from hotline.storage.migrate import current_revision, upgrade

    application = _app()
    secure_var(application.settings.var_dir)
    upgrade(application.engine)
    application.service.tickets.sync_catalogue()
    typer.echo(
        f"数据库已是最新版本（{current_revision(application.engine)}）："
        f"{application.engine.url.render_as_string(hide_password=True)}"
    )


# ---------------------------------------------------------------------- tickets


@tickets_app.command("list")
def tickets_list(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    status: Annotated[str | None, typer.Option(help="状态，如 dispatched")] = None,
    department: DeptOption = None,
    category: Annotated[str | None, typer.Option(help="类别代码")] = None,
    priority: Annotated[str | None, typer.Option(help="urgent 或 normal")] = None,
    request_type: Annotated[str | None, typer.Option("--type", help="诉求类型，如 投诉")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
) -> None:
    """列出工单（最新的在前）。"""
    if status is not None and status not in {s.value for s in Status}:
        raise CliError(f"未知状态 {status!r}；可选：{', '.join(s.value for s in Status)}", 2)
    views = _app().service.views.list_tickets(
        TicketFilter(
            status=status,
            department=department,
            category=category,
            priority=priority,
            request_type=request_type,
            limit=limit,
        )
    )
    tz = _app().settings.tz
    if as_json:
        typer.echo(json.dumps([v.to_json(tz) for v in views], ensure_ascii=False))
        return
    if not views:
        typer.echo("没有符合条件的工单。")
    for v in views:
        typer.echo(
            f"{v.number}  {STATUS_LABELS[Status(v.status)]:<10} {v.department_name:<12} "
            f"{v.category_name:<12} {PRIORITY_LABELS.get(v.priority, v.priority):<4} "
            f"时限 {local_time(v.answer_due_at, tz)}"
        )


@tickets_app.command("show")
def tickets_show(
    number: str,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    actor: AsOption = None,
    phone: Annotated[
        bool, typer.Option("--phone", help="显示市民联系电话（本部门承办人员或派单员，留痕）")
    ] = False,
) -> None:
    """查看一张工单及其全部办理记录。"""
    who = _actor(actor, None) if actor else None
    if phone and who is None:
        raise CliError("查看联系电话需要用 --as 姓名 表明身份（会记入办理记录）", 2)
    view = _app().service.views.get_ticket(number, who, with_phone=phone)
    if who is None:
        view = replace(view, contact_phone=None)  # no phone without a verified operator
    _print_ticket(view, as_json)


@tickets_app.command("open")
def tickets_open(
    text: Annotated[str, typer.Option("--text", help="诉求内容")],
    category: Annotated[str | None, typer.Option(help="类别代码；不填则待人工派单")] = None,
    address: Annotated[str | None, typer.Option(help="地址")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话")] = None,
    request_type: Annotated[str | None, typer.Option("--type", help="诉求类型")] = None,
    urgent: Annotated[bool, typer.Option("--urgent", help="紧急")] = False,
    citizen: Annotated[str, typer.Option(help="市民标识 channel:id")] = "console:operator",
    separate: Annotated[
        bool, typer.Option("--separate", help="另立工单：不并入已登记的同一问题（操作员判断）")
    ] = False,
    actor: AsOption = None,
) -> None:
    """代市民登记一张工单（受理并自动派单；同一问题已有工单时并入该工单）；记下登记的操作员。"""
    operator = _actor(actor, None)
    channel, _, user = citizen.partition(":")
    if request_type is not None and request_type not in REQUEST_TYPES:
        raise CliError(f"诉求类型必须是 {'、'.join(REQUEST_TYPES)} 之一", 2)
    view = _app().service.tickets.open_ticket(
        NewTicket(
            channel=channel or "console",
            channel_user_id=user or "operator",
            description=text,
            category=category,
            address=address,
            contact_phone=phone,
            request_type=request_type,
            priority="urgent" if urgent else "normal",
        ),
        recorded_by=operator,
        link=not separate,
    )
    if view.linked:
        _done(view, "同一问题已有工单，已并入（市民列为反映人；另立工单请加 --separate）")
        return
    _done(view, "已受理")
    typer.echo(
        f"承办部门：{view.department_name}；办结时限："
        f"{local_time(view.answer_due_at, _app().settings.tz)}"
    )


@tickets_app.command("dispatch")
def tickets_dispatch(
    number: str,
    department: Annotated[str, typer.Option("--department", "-d")],
    note: Annotated[str | None, typer.Option(help="派单备注，随工单卡片发给部门")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="确认派回刚退单的部门（须用 --note 写明依据）")
    ] = False,
    actor: AsOption = None,
) -> None:
    """派单或重新派单到部门。"""
    who = _actor(actor, None)
    if department not in _app().catalogue.departments:
        raise CliError(f"没有“{department}”这个部门代码（见 data/catalogue.yml）", 2)
    try:
        view = _app().service.tickets.dispatch(number, department, who, note, force=force)
    except DomainError as exc:
        if exc.code == "dispatch_back_to_returner":
            raise CliError(exc.message + "（命令行：加 --force --note “依据”）", 1) from exc
        if exc.code == "dispatch_back_needs_note":
            raise CliError(exc.message.replace("。", "（--note）。", 1), 1) from exc
        raise
    _done(view, "已派单")


@tickets_app.command("accept")
def tickets_accept(number: str, department: DeptOption = None, actor: AsOption = None) -> None:
    """签收工单。"""
    _done(_app().service.tickets.accept(number, _actor(actor, department)), "已签收")


@tickets_app.command("return")
def tickets_return(
    number: str,
    reason: Annotated[str, typer.Option("--reason", help="退单理由")],
    department: DeptOption = None,
    actor: AsOption = None,
) -> None:
    """退单（不属于本部门职责），交派单员重新派单（需审核的，审核通过后生效）。"""
    view = _app().service.tickets.return_ticket(number, _actor(actor, department), reason)
    _done(view, "已退单" if view.status == Status.RETURNED.value else "退单已提交12345中心审核")


@tickets_app.command("extend")
def tickets_extend(
    number: str,
    days: Annotated[int, typer.Option("--days", help="工作日数")],
    reason: Annotated[str, typer.Option("--reason")],
    department: DeptOption = None,
    actor: AsOption = None,
) -> None:
    """申请延期。"""
    _done(
        _app().service.tickets.request_extension(number, _actor(actor, department), days, reason),
        "已提交延期申请",
    )


@tickets_app.command("decide-extension")
def tickets_decide_extension(
    number: str,
    deny: Annotated[bool, typer.Option("--deny", help="驳回（默认批准）")] = False,
    note: Annotated[str | None, typer.Option(help="审批意见（驳回时必填）")] = None,
    actor: AsOption = None,
) -> None:
    """审批延期申请（派单员）。"""
    if deny and not (note or "").strip():
        raise CliError("驳回延期必须用 --note 写明理由，理由会告知承办部门", 2)
    view = _app().service.tickets.decide_extension(
        number, _actor(actor, None), approve=not deny, note=note
    )
    _done(view, "已驳回延期" if deny else "已批准延期")


@tickets_app.command("resolve")
def tickets_resolve(
    number: str,
    answer: Annotated[str, typer.Option("--answer", help="给市民的答复")],
    department: DeptOption = None,
    actor: AsOption = None,
) -> None:
    """办结并答复市民（需审核的，审核通过后才发给市民）。"""
    view = _app().service.tickets.resolve(number, _actor(actor, department), answer)
    _done(view, "已答复" if view.status == Status.RESOLVED.value else "答复已提交12345中心审核")


@tickets_app.command("reopen")
def tickets_reopen(
    number: str, reason: Annotated[str, typer.Option("--reason")], actor: AsOption = None
) -> None:
    """重办：退回承办部门重新办理。"""
    _done(_app().service.tickets.reopen(number, _actor(actor, None), reason), "已重办")


@tickets_app.command("close")
def tickets_close(
    number: str, note: Annotated[str | None, typer.Option()] = None, actor: AsOption = None
) -> None:
    """回访后办结。"""
    _done(_app().service.tickets.close(number, _actor(actor, None), note), "已办结")


@tickets_app.command("merge")
def tickets_merge(
    number: str,
    into: Annotated[str, typer.Option("--into")],
    reason: Annotated[str | None, typer.Option("--reason", help="合并说明")] = None,
    actor: AsOption = None,
) -> None:
    """把重复工单合并到另一张工单。"""
    view = _app().service.tickets.merge(number, into, _actor(actor, None), reason)
    _done(view, f"已合并到工单 {view.merged_into}")


@tickets_app.command("escalate")
def tickets_escalate(
    number: str,
    note: Annotated[str, typer.Option("--note", help="督办意见（办理要求）")],
    due: Annotated[
        str | None, typer.Option("--due", help="督办时限，如 2026-11-25T17:00 或 2d / 12h")
    ] = None,
    actor: AsOption = None,
) -> None:
    """督办：要求承办部门按督办意见在时限内办理（督办人员）；逾期由巡检提醒督办人员。"""
    from hotline.entrypoints.problems_cli import parse_due

    when = parse_due(due, _app()) if due else None
    view = _app().service.tickets.escalate(number, _actor(actor, None), note, due=when)
    _done(view, "已督办")


# -------------------------------------------------------------------------- sla


@sla_app.command("due")
def sla_due(
    request_type: Annotated[str, typer.Option("--type", help="诉求类型")],
    start: Annotated[str, typer.Option("--start", help="起算时间，如 2026-09-30T10:00")],
    priority: Annotated[str, typer.Option(help="urgent 或 normal")] = "normal",
    stage: Annotated[str, typer.Option(help="accept 或 answer")] = "answer",
    category: Annotated[str | None, typer.Option(help="类别代码")] = None,
) -> None:
    """打印办理时限（ISO 8601，含时区）。"""
    settings = Settings.from_env()
    catalogue, sla = load_policies(settings)
    if request_type not in REQUEST_TYPES:
        raise CliError(f"诉求类型必须是 {'、'.join(REQUEST_TYPES)} 之一", 2)
    if priority not in ("urgent", "normal"):
        raise CliError("--priority 只能是 urgent 或 normal", 2)
    if category is not None and category not in catalogue.categories:
        raise CliError(f"未知类别 {category!r}", 2)
    try:
        when = datetime.fromisoformat(start)
    except ValueError as exc:
        raise CliError(f"--start 不是有效时间：{start!r}", 2) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=settings.tz)
    level: Priority = "urgent" if priority == "urgent" else "normal"
    if stage not in ("accept", "answer"):
        raise CliError("--stage 只能是 accept 或 answer", 2)
    accept, answer = sla.deadlines(
        when, request_type=request_type, priority=level, category=category
    )
    due = accept if stage == "accept" else answer
    typer.echo(due.at.astimezone(settings.tz).isoformat())
    if due.provisional:
        typer.echo("注意：该年度节假日安排未知，时限按周末计算，为暂定值。", err=True)


@sla_app.command("sweep")
def sla_sweep() -> None:
    """立即执行一次时限巡检（预警、催办、督办、回访、自动办结）。"""
    from hotline.services.jobs import run_sweep

    result = run_sweep(_app().service)
    typer.echo(
        f"巡检完成：检查 {result.examined} 件，发出提醒 {result.sent} 条，"
        f"自动办结 {result.closed} 件。"
    )


@app.command("scheduler")
def scheduler() -> None:
    """运行定时任务进程（每分钟巡检、每日提醒、日历检查）。"""
    from hotline.entrypoints.scheduler import run

    run()


# ------------------------------------------------------------------------ staff


@staff_app.command("invite")
def staff_invite(
    department: DeptOption = None,
    role: Annotated[str, typer.Option(help="staff/dispatcher/supervisor")] = "staff",
    days: Annotated[int, typer.Option(help="有效天数", min=1, max=30)] = 7,
) -> None:
    """生成个人一次性绑定码（128位，仅存哈希）；本人在部门群里发送 /bind 绑定码。"""
    from datetime import timedelta

    code = _app().service.staff.invite(
        role=role, department=department, valid_for=timedelta(days=days)
    )
    typer.echo(
        f"绑定码：{code}（{days}天内有效，仅限一人使用一次，系统不保存明文）。"
        f"请本人在群里发送：/bind {code}"
    )


# --------------------------------------------------------------------- operators


@operator_app.command("add")
def operator_add(
    name: str,
    role: Annotated[str, typer.Option(help="staff/dispatcher/supervisor/admin")],
    department: DeptOption = None,
    actor: AsOption = None,
) -> None:
    """新增操作员。已有管理员时须由管理员（--as）操作；第一个账号应为管理员。"""
    service = _app().service
    existing = service.operators.list_operators()
    has_admin = any(o.role == "admin" and o.active for o in existing)
    created_by = "bootstrap"
    if has_admin:
        who = _actor(actor, None)
        if who.role != "admin":
            raise CliError(f"只有管理员可以新增操作员，{who.name} 是{ROLE_LABELS[who.role]}", 1)
        created_by = who.audit_name
    view = service.operators.add_operator(
        name, role=role, department=department, created_by=created_by
    )
    where = f"（{service.catalogue.department_name(view.department)}）" if view.department else ""
    typer.echo(f"已新增操作员 {view.name}：{ROLE_LABELS[view.role]}{where}")


@operator_app.command("list")
def operator_list() -> None:
    """列出操作员。"""
    service = _app().service
    rows = service.operators.list_operators()
    if not rows:
        typer.echo("还没有操作员。请先运行 hotline operator add 姓名 --role admin。")
    for o in rows:
        where = service.catalogue.department_name(o.department) if o.department else "12345中心"
        typer.echo(f"{o.name}  {ROLE_LABELS[o.role]}  {where}  {'在用' if o.active else '已停用'}")


@operator_app.command("disable")
def operator_disable(name: str, actor: AsOption = None) -> None:
    """停用操作员（管理员）。"""
    who = _actor(actor, None)
    if who.role != "admin":
        raise CliError("只有管理员可以停用操作员", 1)
    _app().service.operators.set_operator_active(name, False)
    typer.echo(f"已停用操作员 {name}")


# -------------------------------------------------------------------------- nlu


@nlu_app.command("corrections")
def nlu_corrections(
    out: Annotated[Path, typer.Option("--out", help="写入的 YAML 文件（Rasa NLU 格式）")],
    since: Annotated[
        str | None, typer.Option("--since", help="只导出该日（本地时间，YYYY-MM-DD）起的纠正")
    ] = None,
) -> None:
    """导出派单员纠正的工单（退单改派、人工派单）为 NLU 训练数据，供人工审核后并入 data/nlu。"""
    from hotline.services.corrections import export_corrections

    application = _app()
    tz = application.settings.tz
    start: datetime | None = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), time(), tzinfo=tz)
        except ValueError as exc:
            raise CliError(f"--since 日期格式应为 YYYY-MM-DD，而不是 {since!r}", 2) from exc
    now = application.service.clock.now().astimezone(tz)
    header = (
        f"派单纠正导出（hotline nlu corrections），生成于 {now:%Y-%m-%d %H:%M}"
        + (f"，自 {since} 起" if since else "")
        + "。\n派单员把退单或无法自动派单的工单派给了哪个类别；电话、证件号已替换为占位符。"
        "\n请逐条审核（尤其是标注“类别为推测”的），确认后再并入 data/nlu/。"
    )
    export = export_corrections(
        application.service, application.settings.data_dir / "nlu", since=start, header=header
    )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(export.text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"无法写入 {out}：{exc}", 1) from exc
    if not export.tickets:
        typer.echo(f"没有找到派单纠正；已写入空的训练数据文件 {out}。")
        return
    typer.echo(
        f"已导出 {export.examples} 条纠正样本（{export.intents} 个类别）到 {out}。"
        f"共 {export.tickets} 张纠正工单：类别为推测 {export.guessed} 条，"
        f"已在训练数据中 {export.already_trained} 条，重复合并 {export.duplicates} 条，"
        f"类别冲突（以最近一次为准）{export.conflicts} 条，无法确定类别 {export.no_category} 条。"
    )
    typer.echo("请审核后再并入 data/nlu/。")


# ------------------------------------------------------------------------ other


@app.command("classify")
def classify(
    text: Annotated[str | None, typer.Argument(help="要分类的市民诉求")] = None,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="每行含 text 字段的 JSONL 文件")
    ] = None,
) -> None:
    """用训练好的 NLU 模型给诉求分类，输出 JSON。"""
    from hotline.adapters.classifier import ClassifierUnavailableError, classify_texts

    if (text is None) == (jsonl is None):
        raise CliError("请给出一段文字，或用 --jsonl 指定文件（二选一）", 2)
    texts = [text or ""] if jsonl is None else _read_jsonl_texts(jsonl)
    try:
        results = classify_texts(texts)
    except ClassifierUnavailableError as exc:
        raise CliError(
            f"分类模型不可用：{exc}（请先运行 make run 或 scripts/train_nlu.sh）", 1
        ) from exc
    for result in results:
        typer.echo(json.dumps(result, ensure_ascii=False))


def _read_jsonl_texts(path: Path) -> list[str]:
    """The "text" field of every line; a bad line is reported with its number."""
    texts: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"无法读取 {path}：{exc}", 2) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CliError(f"{path}:{number}: 不是有效的 JSON（{exc.msg}）", 2) from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise CliError(f'{path}:{number}: 缺少字符串字段 "text"', 2)
        texts.append(record["text"])
    return texts


def _register_report() -> None:
    from hotline.entrypoints.centre_cli import register as register_centre
    from hotline.entrypoints.privacy_cli import register as register_privacy
    from hotline.entrypoints.report_cli import register
    from hotline.entrypoints.web_cli import register as register_web

    register(app)
    register_privacy(app, staff_app)
    register_centre(tickets_app, _app, _actor, _done)
    register_web(app)
    from hotline.entrypoints.problems_cli import register as register_problems

    register_problems(tickets_app, _app, _actor)


_register_report()


@app.command("bot")
def bot() -> None:
    """只运行 Telegram 机器人（轮询 TELEGRAM_API_BASE_URL），含消息投递。"""
    from bot.app import run_bot

    application = _app()
    if not application.settings.telegram_bot_token:
        raise CliError("未设置 TELEGRAM_BOT_TOKEN，无法启动 Telegram 机器人", 2)
    secure_var(application.settings.var_dir)
    configure_logging(application.settings.var_dir, "bot")  # audit lines land in var/log
    run_bot(application)


@app.command("up")
def up(
    console: Annotated[
        bool, typer.Option("--console/--no-console", help="无 Telegram 令牌时在终端里对话")
    ] = True,
    dialogue: Annotated[
        bool,
        typer.Option("--dialogue/--no-dialogue", help="启动 Rasa 对话服务和动作服务器"),
    ] = True,
    web: Annotated[
        bool, typer.Option("--web/--no-web", help="启动网页工作台和 Open311 接口")
    ] = True,
) -> None:
    """准备数据库并启动热线：Rasa 对话、动作服务器、定时任务，加上 Telegram 机器人或终端对话。"""
    from bot.console import run_console
    from hotline.adapters.stack import StackConfig
    from hotline.credentials import ensure_secrets
    from hotline.entrypoints.serve import Service

    db_upgrade()
    ensure_secrets(Settings.from_env().var_dir)  # the stack's tokens, if setup did not yet
    application = _app()
    settings = application.settings
    secure_var(settings.var_dir)
    configure_logging(settings.var_dir, "hotline")
    # The same supervised processes as `hotline serve` (children log to var/log/).
    service = Service(
        application,
        StackConfig.from_settings(settings),
        bot=bool(settings.telegram_bot_token),
        web=web,
        dialogue=dialogue,
    )
    if settings.telegram_bot_token or not console:
        raise typer.Exit(service.run())
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # the console's input() must not hold it
    try:
        typer.echo("正在启动 Rasa 对话服务（加载模型约需半分钟）…" if dialogue else "正在启动…")
        service.start()
        ready = service.wait_ready(300.0)
        if dialogue and ready:
            typer.echo(f"对话服务已就绪：{settings.rasa_url}/webhooks/rest/webhook")
        elif dialogue:
            typer.echo("对话服务未能启动（见 var/log/）。终端对话将直接用分类模型登记。", err=True)
            service.stop_dialogue()
        typer.echo(
            f"派单目录：{len(application.catalogue.departments)} 个部门，"
            f"{len(application.catalogue.categories)} 个类别；工单总数："
            f"{application.service.views.count_tickets()}。"
        )
        typer.echo(
            "未设置 TELEGRAM_BOT_TOKEN：使用终端对话。部门人员可在另一个终端用 "
            "hotline tickets … 办理工单。"
        )
        run_console(
            application,
            rasa_urls=settings.rasa_urls if dialogue and ready else None,
            chat_token=settings.chat_token,
        )
    finally:
        service.stop()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM ends the console like /quit, so `up` stops every child on its way out."""
    raise SystemExit(128 + signum)


@app.command("serve")
def serve(
    health_port: Annotated[
        int | None,
        typer.Option(
            "--health-port", help="/healthz 与 /readyz 的端口（默认 HOTLINE_HEALTH_PORT）"
        ),
    ] = None,
    dialogue: Annotated[
        bool,
        typer.Option(
            "--dialogue/--no-dialogue", help="启动 Rasa 对话服务和动作服务器（在别的机器上时关闭）"
        ),
    ] = True,
    web: Annotated[
        bool, typer.Option("--web/--no-web", help="启动网页工作台和 Open311 接口")
    ] = True,
) -> None:
    """作为服务运行整个热线（无终端）：Rasa、动作服务器、定时任务、机器人；SIGTERM 时全部停止。"""
    from hotline.entrypoints.serve import run_service

    raise typer.Exit(run_service(health_port, dialogue=dialogue, web=web))


def _fail(message: str, code: int) -> int:
    typer.echo(f"错误：{message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; known failures become one line on stderr and a non-zero exit code.

    Typer runs in standalone mode, so usage errors are printed by it with exit code 2.
    Files this process creates are owner-only (0600), whatever the shell's umask.
    """
    os.umask(PRIVATE_UMASK)
    try:
        app(args=argv, prog_name="hotline")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DomainError as exc:
        return _fail(exc.message, 1)
    except CliError as exc:
        return _fail(str(exc), exc.exit_code)
    except ConfigError as exc:
        return _fail(f"配置错误：{exc}", 2)
    except KeyboardInterrupt:
        return _fail("已取消", 130)
    except OperationalError as exc:
        return _fail(
            f"数据库不可用（{type(exc.orig).__name__}：{str(exc.orig)[:200]}）。"
            "请先运行 hotline db upgrade，或检查 HOTLINE_DATABASE_URL。",
            3,
        )
    except SQLAlchemyError as exc:
        return _fail(f"数据库错误：{type(exc).__name__}", 3)
    except OSError as exc:
        return _fail(f"{type(exc).__name__}：{exc}", 1)
    except Exception as exc:
        return _fail(
            f"内部错误（{type(exc).__name__}：{str(exc)[:200]}），详情见 {_log_traceback()}", 4
        )
    return 0


def _log_traceback() -> str:
    """Keep the traceback for operators in var/log, not on the user's screen."""
    import traceback

    log_dir = Settings.from_env().var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "cli-errors.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"--- {datetime.now().isoformat()}\n{traceback.format_exc()}\n")
    path.chmod(0o600)
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
