"""`hotline staff list|grant|revoke|expire`, `hotline retention purge`, `hotline citizen …`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hotline.bootstrap import build_app

if TYPE_CHECKING:
    from hotline.bootstrap import App
    from hotline.services.citizen_data import CitizenData

retention_app = typer.Typer(help="个人信息保存期限（data/retention.yml）。", no_args_is_help=True)
citizen_app = typer.Typer(help="市民个人信息：导出与删除（均留审计记录）。", no_args_is_help=True)


def _app() -> App:
    return build_app()


def _when(value: str, app: App) -> datetime:
    """A local ISO date or date-time (HOTLINE_TIMEZONE), or a span like 30d / 12h from now."""
    now = app.clock.now()
    if value[:-1].isdigit() and value[-1] in "dh":
        n = int(value[:-1])
        return now + (timedelta(days=n) if value[-1] == "d" else timedelta(hours=n))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"应为 YYYY-MM-DD[THH:MM] 或 30d / 12h，而不是 {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=app.settings.tz)


def staff_list(
    all_: Annotated[bool, typer.Option("--all", help="含已撤销、已过期")] = False,
) -> None:
    """列出绑定：编号、聊天、本人、角色、部门、到期时间。群本身的绑定只接收工单卡片。"""
    from hotline.services.messages import local_time
    from hotline.services.staff import ROLE_LABELS, StaffAccess

    app = _app()
    rows = StaffAccess(app.sessions, app.clock).bindings(include_inactive=all_)
    if not rows:
        typer.echo("没有绑定。")
        return
    for r in rows:
        who = f"用户 {r.user_id}" if r.user_id else "（群，仅接收卡片）"
        dept = app.catalogue.department_name(r.department) if r.department else "—"
        until = local_time(r.expires_at, app.settings.tz) if r.expires_at else "长期"
        state = "有效" if r.active else "已撤销"
        typer.echo(
            f"{r.id}\t{r.channel}:{r.chat_id}\t{who}\t{ROLE_LABELS.get(r.role, r.role)}\t"
            f"{dept}\t到期 {until}\t{state}\t{r.display_name or ''}"
        )


def staff_grant(
    chat: Annotated[str, typer.Option("--chat", help="聊天号（私聊即用户号）")],
    user: Annotated[str | None, typer.Option("--user", help="用户号；不填则只绑定群")] = None,
    role: Annotated[str, typer.Option(help="staff/dispatcher/supervisor/admin")] = "staff",
    department: Annotated[str | None, typer.Option("--department", "-d")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="到期：日期或 30d")] = None,
    channel: Annotated[str, typer.Option(help="渠道")] = "telegram",
) -> None:
    """直接授予某人在某聊天中的角色；管理员角色只能这样授予。"""
    from hotline.domain.tickets import STAFF_ROLES, DomainError
    from hotline.services.staff import StaffAccess

    app = _app()
    if role not in STAFF_ROLES:
        raise DomainError(f"角色只能是 {', '.join(STAFF_ROLES)}。", code="bad_role")
    if role == "staff" and department not in app.catalogue.departments:
        raise DomainError("承办人员必须指定一个有效的部门。", code="unknown_department")
    row = StaffAccess(app.sessions, app.clock).grant(
        channel=channel,
        chat_id=chat,
        user_id=user,
        role=role,
        department=department,
        by="cli",
        expires_at=_when(expires, app) if expires else None,
    )
    typer.echo(f"已授予，绑定编号 {row.id}。")


def staff_revoke(binding: Annotated[int, typer.Argument(help="绑定编号（staff list）")]) -> None:
    """立即撤销绑定；撤销群的绑定会同时撤销群内每个人的绑定。"""
    from hotline.services.staff import StaffAccess

    app = _app()
    ids = StaffAccess(app.sessions, app.clock).revoke(binding, by="cli")
    typer.echo(f"已撤销 {len(ids)} 个绑定：{', '.join(map(str, ids))}。")


def staff_expire(
    binding: Annotated[int, typer.Argument(help="绑定编号（staff list）")],
    at: Annotated[str | None, typer.Option("--at", help="到期：日期或 30d；不填为立即")] = None,
) -> None:
    """设置绑定的到期时间（不填则立即到期）。"""
    from hotline.services.messages import local_time
    from hotline.services.staff import StaffAccess

    app = _app()
    when = _when(at, app) if at else None
    row = StaffAccess(app.sessions, app.clock).expire(binding, at=when, by="cli")
    assert row.expires_at is not None
    typer.echo(f"绑定 {row.id} 到期时间：{local_time(row.expires_at, app.settings.tz)}。")


@retention_app.command("purge")
def retention_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只统计，不删除")] = False,
) -> None:
    """按 data/retention.yml 删除或匿名化超期的个人信息（报表统计不受影响）。"""
    from hotline.services.retention import RetentionPurge, load_retention

    app = _app()
    policy = app.retention or load_retention(app.settings.data_dir / "retention.yml")
    result = RetentionPurge(app.sessions, app.clock, policy, app.settings.var_dir).run(
        dry_run=dry_run
    )
    labels = {
        "conversation_events": "对话事件",
        "transcripts": "转人工对话记录",
        "attachments": "附件",
        "closed_ticket_personal": "已办结工单个人信息",
        "report_files": "报表文件",
    }
    verb = "将处理" if dry_run else "已处理"
    for kind, count in result.counts.items():
        typer.echo(f"{labels.get(kind, kind)}：{verb} {count}")


def _citizens(app: App) -> CitizenData:
    from hotline.services.citizen_data import CitizenData

    var = app.settings.var_dir
    return CitizenData(app.sessions, app.clock, var, var / "rasa-tracker.db")


@citizen_app.command("export")
def citizen_export(
    citizen: Annotated[str, typer.Argument(help="渠道:用户号，如 telegram:1001")],
    out: Annotated[Path, typer.Option("--out", help="写入的 JSON 文件（权限 0600）")],
) -> None:
    """导出一位市民的全部个人信息（工单、附件清单、对话），并记录审计。"""
    data = _citizens(_app())
    counts = data.export(citizen, out)
    typer.echo(
        f"已导出到 {out}：工单 {counts['tickets']} 件，附件 {counts['attachments']} 个，"
        f"对话 {counts['conversation']} 条。"
    )


@citizen_app.command("erase")
def citizen_erase(
    citizen: Annotated[str, typer.Argument(help="渠道:用户号，如 telegram:1001")],
    yes: Annotated[bool, typer.Option("--yes", help="确认删除")] = False,
) -> None:
    """删除一位市民的个人信息：工单匿名化（统计保留），对话和附件删除，并记录审计。"""
    from hotline.services.citizen_data import CitizenData

    if not yes:
        typer.confirm(f"确认删除市民 {citizen} 的个人信息？此操作不可撤销", abort=True)
    data = _citizens(_app())
    assert isinstance(data, CitizenData)
    counts = data.erase(citizen)
    typer.echo(
        f"已删除：工单 {counts['tickets']} 件已匿名化，文件 {counts['files']} 个，"
        f"对话事件 {counts['conversation']} 条。"
    )


def register(app: typer.Typer, staff_app: typer.Typer) -> None:
    """Add these commands to the main CLI."""
    staff_app.command("list")(staff_list)
    staff_app.command("grant")(staff_grant)
    staff_app.command("revoke")(staff_revoke)
    staff_app.command("expire")(staff_expire)
    app.add_typer(retention_app, name="retention")
    app.add_typer(citizen_app, name="citizen")
