"""The centre's tools on the web: merges, category correction, reviews, notes, 我的待办.

Each form posts its CSRF token; each handler parses the form, makes one service call (the
service authorizes, moves the ticket through the state machine and audits) and redirects,
or re-shows the page with the service's own Chinese refusal.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hotline.domain.tickets import DomainError
from hotline.entrypoints.web.auth import check_csrf, context, identity
from hotline.entrypoints.web.pages import TOOL_DONE, _form, _page, _ticket_page
from hotline.services.workbench import QueueRow

router = APIRouter()


def _back(form: dict[str, str], fallback: str, done: str) -> Response:
    """Back to the page the form came from (only our own), saying what was done."""
    target = form.get("back", "")
    if not target.startswith("/") or target[1:2] in ("/", "\\") or "\n" in target:
        target = fallback
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}done={quote(done)}", 303)


@router.get("/mine")
def mine(request: Request) -> Response:
    """我的待办: the tickets whose 承办人 is the signed-in member, nearest deadline first."""
    who = identity(request)
    views = context(request).services.tickets.my_tickets(who.actor)
    return _page(request, "mine.html", who, rows=[QueueRow(v, None) for v in views])


@router.get("/merges")
def merges(request: Request) -> Response:
    """Open tickets that look like one problem, each with a merge button (dispatchers).

    Its own page: finding them reads the open tickets of the duplicate window that share a
    routing and place, and compares them pairwise (≈ 70 ms at 1,000,000 tickets)."""
    who = identity(request)
    if who.actor.role not in ("dispatcher", "supervisor", "admin"):
        return _page(request, "error.html", who, 403, error="合并建议只对12345中心开放。")
    found = context(request).services.tickets.suggested_merges(50)
    done = TOOL_DONE.get(request.query_params.get("done", ""))
    return _page(request, "merges.html", who, merges=found, done=done)


async def _post(request: Request, number: str, kind: str) -> Response:
    return await run_in_threadpool(_do, request, number, kind, await _form(request))


def _do(request: Request, number: str, kind: str, form: dict[str, str]) -> Response:
    who = identity(request)
    check_csrf(who, form.get("csrf"))
    tickets = context(request).services.tickets
    actor, text = who.actor, form.get("text", "")
    try:
        if kind == "merge":
            tickets.merge(number, form.get("into", ""), actor, text or None)
        elif kind == "category":
            tickets.correct_category(number, form.get("category", ""), actor, text)
        elif kind == "review":
            approve = form.get("decision") == "approve"
            tickets.decide_review(number, actor, approve=approve, note=text or None)
            kind = "review_approve" if approve else "review_reject"
        elif kind == "note":
            tickets.add_note(number, actor, text)
        elif kind == "assign":
            tickets.assign(number, actor, form.get("member", ""))
    except DomainError as exc:
        if form.get("back", "").startswith(("/board", "/merges")):
            return _page(request, "error.html", who, 400, error=exc.message)
        return _ticket_page(request, who, number, error=exc.message, form=form, status=400)
    return _back(form, f"/tickets/{number}", kind)


@router.post("/tickets/{number}/merge")
async def merge(request: Request, number: str) -> Response:
    """Merge a suggested duplicate into the older ticket that carries the case."""
    return await _post(request, number, "merge")


@router.post("/tickets/{number}/category")
async def category(request: Request, number: str) -> Response:
    """Correct the ticket's category, with the reason (the deadline is re-figured)."""
    return await _post(request, number, "category")


@router.post("/tickets/{number}/review")
async def review(request: Request, number: str) -> Response:
    """Approve or reject (with a reason) a held answer or return."""
    return await _post(request, number, "review")


@router.post("/tickets/{number}/note")
async def note(request: Request, number: str) -> Response:
    """Add an internal note (never shown to the citizen)."""
    return await _post(request, number, "note")


@router.post("/tickets/{number}/assign")
async def assign(request: Request, number: str) -> Response:
    """Name the department's member who handles the ticket (承办人)."""
    return await _post(request, number, "assign")
