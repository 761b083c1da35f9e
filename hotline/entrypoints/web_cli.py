"""`hotline web`, `hotline web-user …` and `hotline api-key …`: the web's commands."""

from __future__ import annotations

from typing import Annotated

import typer

from hotline.bootstrap import App, build_app
from hotline.domain.tickets import ROLE_LABELS, Actor, NotAllowed

web_user_app = typer.Typer(help="工作台账号：给操作员设置网页登录密码。", no_args_is_help=True)
api_key_app = typer.Typer(help="Open311 接入密钥（其他渠道报送诉求）。", no_args_is_help=True)

AsOption = Annotated[str | None, typer.Option("--as", envvar="HOTLINE_OPERATOR", help="管理员姓名")]
DeptOption = Annotated[
    str | None, typer.Option("--department", help="承办人员所属部门代码（见派单目录）")
]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="HOTLINE_WEB_PASSWORD",
        help="新密码（不填则交互输入；至少10个字符）",
    ),
]


def _app() -> App:
    return build_app()


def _admin(app: App, name: str | None) -> Actor:
    """Only an administrator (a verified operator, `--as NAME`) hands out accounts and keys."""
    if not name:
        raise NotAllowed("请用 --as 管理员姓名 指明操作员。", code="no_operator")
    who = app.service.operators.operator_actor(name)
    if who.role != "admin":
        raise NotAllowed(
            f"只有管理员可以操作，{who.name} 是{ROLE_LABELS[who.role]}。", code="not_admin"
        )
    return who


def _password(given: str | None) -> str:
    if given:
        return given
    value: str = typer.prompt("新密码", hide_input=True, confirmation_prompt=True)
    return value


def register(app: typer.Typer) -> None:
    """Attach the web commands to the main CLI."""
    app.add_typer(web_user_app, name="web-user")
    app.add_typer(api_key_app, name="api-key")

    @app.command("web")
    def web() -> None:
        """只运行网页工作台和 Open311 接口（HOTLINE_WEB_HOST:HOTLINE_WEB_PORT）。"""
        from hotline.entrypoints.web.app import run_web
        from hotline.files import configure_logging, secure_var

        application = _app()
        secure_var(application.settings.var_dir)
        configure_logging(application.settings.var_dir, "web")
        s = application.settings
        typer.echo(f"工作台：http://{s.web_host}:{s.web_port}/login  Open311：/open311/v2/")
        run_web(application)

    @web_user_app.command("add")
    def web_user_add(
        name: str,
        role: Annotated[str, typer.Option(help="staff/dispatcher/supervisor/admin")],
        department: DeptOption = None,
        password: PasswordOption = None,
        actor: AsOption = None,
    ) -> None:
        """新增操作员并设置工作台密码（管理员 --as）。"""
        application = _app()
        who = _admin(application, actor)
        service = application.service
        from hotline.services.web_access import WebAccess, check_strength

        secret = _password(password)
        check_strength(secret)
        access = WebAccess(service.sessions, service.clock)
        view = service.operators.add_operator(
            name, role=role, department=department, created_by=who.audit_name
        )
        access.set_password(view.name, secret, by=who.audit_name)
        typer.echo(f"已开通工作台账号 {view.name}：{ROLE_LABELS[view.role]}")

    @web_user_app.command("password")
    def web_user_password(
        name: str, password: PasswordOption = None, actor: AsOption = None
    ) -> None:
        """给已有操作员设置（或重置）工作台密码；旧的登录会话随即失效。"""
        application = _app()
        who = _admin(application, actor)
        service = application.service
        from hotline.services.web_access import WebAccess

        WebAccess(service.sessions, service.clock).set_password(
            name, _password(password), by=who.audit_name
        )
        typer.echo(f"已为 {name} 设置工作台密码")

    @api_key_app.command("create")
    def api_key_create(client: str, actor: AsOption = None) -> None:
        """为接入方（如 city-app）生成 Open311 api_key；只显示这一次。"""
        application = _app()
        who = _admin(application, actor)
        service = application.service
        from hotline.services.api_keys import ApiKeys

        key = ApiKeys(service.sessions, service.clock).create(client, by=who.audit_name)
        typer.echo(key)
        typer.echo(f"以上是接入方 {client} 的 api_key，系统只保存其摘要，请妥善转交。", err=True)

    @api_key_app.command("revoke")
    def api_key_revoke(client: str, actor: AsOption = None) -> None:
        """停用接入方的 api_key。"""
        application = _app()
        who = _admin(application, actor)
        service = application.service
        from hotline.services.api_keys import ApiKeys

        ApiKeys(service.sessions, service.clock).revoke(client, by=who.audit_name)
        typer.echo(f"已停用接入方 {client} 的 api_key")
