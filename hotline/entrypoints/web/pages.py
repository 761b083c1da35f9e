"""The workbench pages: parse the form, make one service call, render or redirect."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from hotline.domain.tickets import (
    ACTION_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    Action,
    DomainError,
    NotAllowed,
    Status,
)
from hotline.entrypoints.web.auth import (
    SESSION_COOKIE,
    check_csrf,
    check_login_csrf,
    context,
    identity,
    login_token,
    set_login_csrf,
    set_session,
)
from hotline.services.messages import PRIORITY_LABELS, detail_lines
from hotline.services.report_outputs import write_report_pack
from hotline.services.reports import OVERDUE_BANDS, PERIOD_LABELS, report_for
from hotline.services.snapshots import TicketView
from hotline.services.web_access import WebIdentity
from hotline.services.workbench import LIGHT_LABELS, PAGE, SORTS, allowed_actions

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
HOME = {"staff": "/queue", "dispatcher": "/board", "supervisor": "/dashboard", "admin": "/search"}
OTHER_EVENTS = {"set_deadline": "设定时限", "view_attachments": "查看附件", "attach": "收到附件"}
# What the centre's tools (tools.py) report back on the page they return to.
TOOL_DONE = {
    "merge": "合并到主工单",
    "category": "更正类别",
    "review_approve": "通过审核",
    "review_reject": "驳回审核",
    "note": "添加内部备注",
    "assign": "指定承办人",
}
AUDIENCES = {
    "citizen": "市民",
    "department": "承办部门",
    "dispatcher": "派单员",
    "supervisor": "督办",
}


def _local(request: Request) -> Callable[[datetime | None], str]:
    tz = context(request).tz

    def fmt(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"

    return fmt


def _page(
    request: Request, template: str, who: WebIdentity | None, status: int = 200, **values: Any
) -> Response:
    ctx = context(request)
    base = {
        "who": who,
        "role_label": ROLE_LABELS[who.actor.role] if who else "",
        "dept_name": ctx.services.catalogue.department_name(who.actor.department)
        if who and who.actor.department
        else "12345中心",
        "local": _local(request),
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "light_labels": LIGHT_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "catalogue": ctx.services.catalogue,
    }
    return templates.TemplateResponse(request, template, {**base, **values}, status_code=status)


# ------------------------------------------------------------------ sign-in


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form (with its own CSRF token, as there is no session yet)."""
    token = login_token(request)
    response = _page(request, "login.html", None, csrf=token)
    set_login_csrf(response, token, context(request))
    return response


async def _form(request: Request) -> dict[str, str]:
    """The posted fields (text only); the work itself then runs off the event loop."""
    raw = await request.form()
    return {k: v for k, v in raw.items() if isinstance(v, str)}


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password (throttled) and open a session."""
    return await run_in_threadpool(_login, request, await _form(request))


def _login(request: Request, form: dict[str, str]) -> Response:
    ctx = context(request)
    name, password = form.get("name", ""), form.get("password", "")
    check_login_csrf(request, form.get("csrf"))
    address = request.client.host if request.client else "?"
    try:
        signed = ctx.access.sign_in(name, password, address=address)
    except NotAllowed as exc:
        token = login_token(request)
        response = _page(request, "login.html", None, 401, error=exc.message, name=name, csrf=token)
        set_login_csrf(response, token, ctx)
        return response
    response = RedirectResponse(HOME.get(signed.actor.role, "/search"), 303)
    set_session(response, signed.token, ctx)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (the form carries its CSRF token)."""
    return await run_in_threadpool(_logout, request, await _form(request))


def _logout(request: Request, form: dict[str, str]) -> Response:
    who = identity(request)
    check_csrf(who, form.get("csrf"))
    context(request).access.sign_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Each role starts on its own page."""
    who = identity(request)
    return RedirectResponse(HOME.get(who.actor.role, "/search"), 303)


# ------------------------------------------------------------------ queue & search


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("日期格式应为 2026-11-23。", code="bad_date") from None


@router.get("/queue")
def queue(request: Request) -> Response:
    """A department's queue with traffic lights, filters and sorting."""
    who = identity(request)
    ctx = context(request)
    q = request.query_params
    department = q.get("department") or None
    try:
        page = max(int(q.get("page", "0") or 0), 0)
        rows = ctx.workbench.queue(
            who.actor,
            department=department,
            status=q.get("status") or None,
            light=q.get("light") or None,
            category=q.get("category") or None,
            priority=q.get("priority") or None,
            sort=q.get("sort") or "due",
            page=page,
        )
        counts = ctx.workbench.queue_counts(who.actor, department)
    except (DomainError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else "页码应为数字。"
        return _page(request, "error.html", who, 400, error=message)
    keep = {k: v for k, v in q.items() if k != "page" and v}
    return _page(
        request,
        "queue.html",
        who,
        rows=rows,
        counts=counts,
        q=q,
        sorts=SORTS,
        prev_url=f"/queue?{urlencode({**keep, 'page': page - 1})}" if page > 0 else None,
        next_url=f"/queue?{urlencode({**keep, 'page': page + 1})}" if len(rows) >= PAGE else None,
        departments=ctx.services.catalogue.departments,
    )


@router.get("/search")
def search(request: Request) -> Response:
    """Find tickets by number, words, place and date of 受理."""
    who = identity(request)
    ctx = context(request)
    q = request.query_params
    rows = None
    error = None
    if any(q.get(k) for k in ("text", "place", "from", "to")):
        try:
            rows = ctx.workbench.search(
                who.actor,
                text=q.get("text") or None,
                place=q.get("place") or None,
                day_from=_day(q.get("from")),
                day_to=_day(q.get("to")),
            )
        except DomainError as exc:
            error = exc.message
    return _page(request, "search.html", who, rows=rows, q=q, error=error)


# ------------------------------------------------------------------ ticket


def _ticket_page(
    request: Request,
    who: WebIdentity,
    number: str,
    *,
    with_phone: bool = False,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ctx = context(request)
    try:
        view = ctx.services.views.get_ticket(number, who.actor, with_phone=with_phone)
    except DomainError as exc:
        code = 404 if exc.code in ("not_found", "bad_number") else 403
        return _page(request, "error.html", who, code, error=exc.message)
    attachments = ctx.attachments.for_card(view.number)
    timeline = _timeline(view, ctx.workbench.messages(view.number))
    try:
        notes = ctx.services.tickets.notes(view.number, who.actor)
    except DomainError:
        notes = None  # not someone who works on the ticket: no notes, no note form
    return _page(
        request,
        "ticket.html",
        who,
        status,
        t=view,
        details=detail_lines(view.details, ctx.services.catalogue),
        attachments=attachments,
        timeline=timeline,
        actions=allowed_actions(
            view, who.actor, extension_pending=ctx.workbench.extension_pending(view.number)
        ),
        action_labels={a.value: label for a, label in ACTION_LABELS.items()} | TOOL_DONE,
        notes=notes,
        owner=ctx.services.tickets.owner_of(view.number),
        with_phone=with_phone,
        error=error,
        form=form or {},
        departments=ctx.services.catalogue.departments,
        categories=ctx.services.catalogue.categories,
        done=request.query_params.get("done"),
    )


def _timeline(view: TicketView, messages: list[Any]) -> list[dict[str, Any]]:
    """Events and the messages they caused, in one order."""
    items: list[dict[str, Any]] = []
    for e in view.events:
        try:
            label = ACTION_LABELS[Action(e.action)]
        except ValueError:
            label = OTHER_EVENTS.get(e.action, e.action)
        to = STATUS_LABELS.get(Status(e.to_status)) if e.to_status else None
        items.append(
            {"at": e.at, "kind": "event", "title": label, "who": e.actor, "text": e.note, "to": to}
        )
    for m in messages:
        items.append(
            {
                "at": m.at,
                "kind": "message",
                "title": f"消息 → {AUDIENCES.get(m.audience, m.audience)}",
                "who": m.kind,
                "text": m.text,
                "to": {"sent": "已送达", "pending": "待发送"}.get(m.status, m.status),
            }
        )
    return sorted(items, key=lambda item: item["at"])


@router.get("/tickets/{number}")
def ticket(request: Request, number: str) -> Response:
    """The ticket: request, place, attachments, timeline and the allowed actions."""
    return _ticket_page(request, identity(request), number)


@router.post("/tickets/{number}/phone")
async def reveal_phone(request: Request, number: str) -> Response:
    """Show the citizen's phone to whom may call back; the look is audited."""
    return await run_in_threadpool(_reveal_phone, request, number, await _form(request))


def _reveal_phone(request: Request, number: str, form: dict[str, str]) -> Response:
    who = identity(request)
    check_csrf(who, form.get("csrf"))
    return _ticket_page(request, who, number, with_phone=True)


@router.post("/tickets/{number}/act")
async def act(request: Request, number: str) -> Response:
    """Do one action through the core; a refusal re-shows the page with the text kept."""
    return await run_in_threadpool(_act, request, number, await _form(request))


def _act(request: Request, number: str, form: dict[str, str]) -> Response:
    who = identity(request)
    check_csrf(who, form.get("csrf"))
    tickets = context(request).services.tickets
    actor, text, action = who.actor, form.get("text", ""), form.get("action", "")
    try:
        if action == "accept":
            tickets.accept(number, actor)
        elif action == "resolve":
            tickets.resolve(number, actor, text)
        elif action == "request_information":
            tickets.request_information(number, actor, text)
        elif action == "request_extension":
            days = int(form.get("days", "0") or 0)
            tickets.request_extension(number, actor, days, text)
        elif action == "return":
            tickets.return_ticket(number, actor, text)
        elif action == "dispatch":
            tickets.dispatch(
                number,
                form.get("department", ""),
                actor,
                text or None,
                force=form.get("force") == "1",
            )
        elif action in ("approve_extension", "deny_extension"):
            tickets.decide_extension(
                number, actor, approve=action == "approve_extension", note=text or None
            )
        elif action == "close":
            tickets.close(number, actor, text or None)
        elif action == "escalate":
            tickets.escalate(number, actor, text)
        else:
            raise DomainError("未知的操作。", code="unknown_action")
    except ValueError:
        return _ticket_page(request, who, number, error="延期天数应为数字。", form=form, status=400)
    except DomainError as exc:
        return _ticket_page(request, who, number, error=exc.message, form=form, status=400)
    return RedirectResponse(f"/tickets/{number}?done={action}", 303)


@router.get("/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int, number: str) -> Response:
    """A photo or file of a ticket, for whom may see it; the look is audited."""
    who = identity(request)
    ctx = context(request)
    try:
        views = ctx.attachments.open_for_viewing(number, who.actor)
    except DomainError as exc:
        return _page(request, "error.html", who, 403, error=exc.message)
    found = next((v for v in views if v.id == attachment_id), None)
    if found is None or not found.local_path or not Path(found.local_path).is_file():
        return _page(request, "error.html", who, 404, error="附件尚未下载到本机或不存在。")
    return FileResponse(found.local_path, filename=found.file_name or None)


# ------------------------------------------------------------------ board & dashboard


@router.get("/board")
def board(request: Request) -> Response:
    """The dispatcher's desk: unroutable, returned, and extension requests."""
    who = identity(request)
    ctx = context(request)
    try:
        desk = ctx.workbench.board(who.actor)
    except DomainError as exc:
        return _page(request, "error.html", who, 403, error=exc.message)
    return _page(
        request,
        "board.html",
        who,
        desk=desk,
        departments=ctx.services.catalogue.departments,
        reviews=ctx.services.tickets.pending_reviews(50),
        done=TOOL_DONE.get(request.query_params.get("done", "")),
    )


def _period(request: Request) -> str:
    """The report period asked for; anything else is this week."""
    period = request.query_params.get("period", "week")
    return period if period in PERIOD_LABELS else "week"


def _centre(who: WebIdentity) -> None:
    if who.actor.role not in ("dispatcher", "supervisor", "admin"):
        raise NotAllowed("统计看板只对12345中心开放。", code="not_allowed")


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    """三率 and on-time by department, overdue ageing, hot topics and places."""
    who = identity(request)
    ctx = context(request)
    period = _period(request)
    try:
        _centre(who)
        report = ctx.reports.get(period)
    except DomainError as exc:
        return _page(request, "error.html", who, 403, error=exc.message)
    peak = max([d.received for d in report.daily] + [1])
    return _page(
        request,
        "dashboard.html",
        who,
        r=report,
        period=period,
        bands=OVERDUE_BANDS,
        peak=peak,
    )


@router.get("/dashboard/pack.zip")
def dashboard_pack(request: Request) -> Response:
    """The report pack (summary, XLSX, CSV, charts) of the period, as one download."""
    who = identity(request)
    ctx = context(request)
    period = _period(request)
    try:
        _centre(who)
        report = report_for(ctx.services, period)
    except DomainError as exc:
        return _page(request, "error.html", who, 403, error=exc.message)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(dir=ctx.var_dir if ctx.var_dir.is_dir() else None) as tmp:
        files = write_report_pack(report, Path(tmp), ticket_url=ctx.ticket_url)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in (files.summary, *files.documents, *files.charts):
                archive.write(path, path.name)
    name = f"report-{period}-{report.period.last_day:%Y%m%d}.zip"
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
