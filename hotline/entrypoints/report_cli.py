"""`hotline report`: the supervisor report as text, or as a pack of files with --out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hotline.config import Settings
    from hotline.services.container import Services

PERIODS = ("today", "week", "month")
TICKET_URL_ENV = "HOTLINE_TICKET_URL"  # Settings.ticket_url: https://crm.example/tickets/{number}


def _parse_end(end: str | None) -> date | None:
    if end is None:
        return None
    try:
        return date.fromisoformat(end)
    except ValueError as exc:
        raise typer.BadParameter(
            f"日期格式应为 YYYY-MM-DD，而不是 {end!r}", param_hint="--end"
        ) from exc


def report_command(
    period: str,
    end: str | None,
    out: Path | None,
    *,
    ticket_url: str | None = None,
    service: Services | None = None,
    settings: Settings | None = None,
) -> str:
    """Compute the report; with `out`, write the pack there. Returns the text to print.

    Ticket numbers link via `ticket_url`, else the settings' (HOTLINE_TICKET_URL)."""
    from hotline.services.report_outputs import summary_text, write_report_pack
    from hotline.services.reports import report_for

    if period not in PERIODS:
        raise typer.BadParameter(
            f"只能是 today、week 或 month，而不是 {period!r}", param_hint="--period"
        )
    end_day = _parse_end(end)
    if service is None:
        from hotline.bootstrap import build_app

        app = build_app(settings)
        service, settings = app.service, app.settings
    report = report_for(service, period, end_day)
    text = summary_text(report)
    if out is None:
        return text
    if ticket_url is None:
        from hotline.config import Settings

        ticket_url = (settings or Settings.from_env()).ticket_url
    files = write_report_pack(report, out, ticket_url=ticket_url)
    written = [files.summary, files.xlsx, files.csv, *files.charts]
    return text + "\n\n已写入：\n" + "\n".join(f"  {p}" for p in written)


def report(
    period: Annotated[
        str, typer.Option("--period", "-p", help="统计周期：today、week 或 month")
    ] = "week",
    end: Annotated[
        str | None,
        typer.Option(
            "--end", help="统计截止日期 YYYY-MM-DD（含当天；默认 today 为今天，其余为昨天）"
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="把 summary.md、report.xlsx、report.csv 和 PNG 图表写入该目录"),
    ] = None,
    ticket_url: Annotated[
        str | None,
        typer.Option(
            "--ticket-url",
            help=f"超期清单中工单编号的链接模板，如 https://…/tickets/{{number}}"
            f"（默认取环境变量 {TICKET_URL_ENV}）",
        ),
    ] = None,
) -> None:
    """督办报表：三率、按时办结、派单准确率、超期账龄与热点（--out 时另存文件）。"""
    typer.echo(report_command(period, end, out, ticket_url=ticket_url))


def register(app: typer.Typer) -> None:
    """Add `report` to the hotline CLI."""
    app.command("report")(report)
