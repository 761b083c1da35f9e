"""Open311 GeoReport v2 over HTTP: parse, call the Open311 service, answer in JSON or XML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hotline.domain.tickets import DomainError, NotAllowed
from hotline.entrypoints.web.context import WebContext
from hotline.services.open311 import PublicRequest, ServiceItem, Submission

router = APIRouter(prefix="/open311/v2")

_FORMATS = ("json", "xml")


def _iso(value: datetime | None, ctx: WebContext) -> str | None:
    return value.astimezone(ctx.tz).isoformat(timespec="seconds") if value else None


def _xml(root: str, item: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The spec's XML: a root element of items, nested lists as repeated child elements."""
    top = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(top, item), row)
    return _doc(top)


def _doc(top: ET.Element) -> bytes:
    """UTF-8 with the XML declaration, as the spec requires."""
    data: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return data


_CHILD = {"attributes": "attribute", "values": "value"}


def _fill(node: ET.Element, row: Mapping[str, Any]) -> None:
    for key, value in row.items():
        child = ET.SubElement(node, key)
        if isinstance(value, list):
            for entry in value:
                _fill(ET.SubElement(child, _CHILD.get(key, "item")), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _answer(
    fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200
) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, rows), status, media_type="text/xml; charset=utf-8")
    return JSONResponse(rows[0] if root == "service_definition" else rows, status)


def _error(fmt: str, status: int, description: str) -> Response:
    rows = [{"code": status, "description": description}]
    if fmt == "xml":
        return Response(_xml("errors", "error", rows), status, media_type="text/xml; charset=utf-8")
    return JSONResponse(rows, status)


def _service_row(s: ServiceItem) -> dict[str, Any]:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": bool(s.attributes),
        "type": "realtime",
        "keywords": s.keywords,
        "group": s.group,
    }


def _request_row(r: PublicRequest, ctx: WebContext) -> dict[str, Any]:
    row = asdict(r)
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        row[key] = _iso(row[key], ctx)
    row.update({"service_notice": None, "address_id": None, "zipcode": None, "media_url": None})
    return row


def _fmt(fmt: str) -> str | None:
    return fmt if fmt in _FORMATS else None


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    """Service discovery: where GeoReport v2 answers, and in which formats."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    base = str(request.url_for("services_list", fmt="json")).rsplit("/", 1)[0] + "/"
    rows = [
        {
            "changeset": "2026-12-04T00:00:00Z",
            "contact": "12345",
            "key_service": "hotline api-key create",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
    ]
    return JSONResponse(rows[0]) if fmt == "json" else _answer(fmt, "discovery", "x", rows)


@router.get("/services.{fmt}", name="services_list")
def services_list(request: Request, fmt: str) -> Response:
    """GET Service List: one service per catalogue category."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    ctx: WebContext = request.app.state.ctx
    rows = [_service_row(s) for s in ctx.open311.services()]
    return _answer(fmt, "services", "service", rows)


@router.get("/services/{code}.{fmt}")
def service_definition(request: Request, code: str, fmt: str) -> Response:
    """GET Service Definition: the category's extra fields as attributes."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    ctx: WebContext = request.app.state.ctx
    try:
        item = ctx.open311.service(code)
    except DomainError as exc:
        return _error(fmt, 404, exc.message)
    row = {
        "service_code": item.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": "string",
                "required": True,
                "datatype_description": None,
                "order": a.order,
                "description": a.description,
            }
            for a in item.attributes
        ],
    }
    return (
        _answer(fmt, "service_definition", "x", [row])
        if fmt == "json"
        else Response(_definition_xml(row), media_type="text/xml; charset=utf-8")
    )


def _definition_xml(row: dict[str, Any]) -> bytes:
    top = ET.Element("service_definition")
    _fill(top, row)
    return _doc(top)


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return float(value)


@router.post("/requests.{fmt}")
async def post_request(request: Request, fmt: str) -> Response:
    """POST Service Request: needs an api_key; becomes a ticket via intake and routing."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    ctx: WebContext = request.app.state.ctx
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        client = await run_in_threadpool(ctx.api_keys.admit, values.get("api_key"))
    except NotAllowed as exc:
        status = 429 if exc.code == "rate_limited" else 403
        return _error(fmt, status, exc.message)
    try:
        sub = Submission(
            client=client,
            service_code=values.get("service_code", ""),
            description=values.get("description"),
            lat=_float(values.get("lat")),
            long=_float(values.get("long")),
            address_string=values.get("address_string") or None,
            phone=values.get("phone") or None,
            email=values.get("email") or None,
            device_id=values.get("device_id") or None,
            account_id=values.get("account_id") or None,
            attributes={
                k[len("attribute[") : -1]: v
                for k, v in values.items()
                if k.startswith("attribute[") and k.endswith("]")
            },
        )
        view = await run_in_threadpool(ctx.open311.submit, sub, ctx.services.tickets)
    except ValueError:
        return _error(fmt, 400, "lat/long 必须是数字。")
    except DomainError as exc:
        return _error(fmt, 400, exc.message)
    rows = [
        {
            "service_request_id": view.number,
            "service_notice": ctx.open311.notice(view),
            "account_id": None,
        }
    ]
    return _answer(fmt, "service_requests", "request", rows)


@router.get("/requests.{fmt}")
def get_requests(request: Request, fmt: str) -> Response:
    """GET Service Requests: by ids, or by service, dates and status (public fields only)."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    ctx: WebContext = request.app.state.ctx
    q = request.query_params
    try:
        start = datetime.fromisoformat(q["start_date"]) if q.get("start_date") else None
        end = datetime.fromisoformat(q["end_date"]) if q.get("end_date") else None
    except ValueError:
        return _error(fmt, 400, "start_date/end_date 须为 ISO 8601 时间。")
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=ctx.tz)
    if end is not None and end.tzinfo is None:
        end = end.replace(tzinfo=ctx.tz)
    if start and end and (end - start).days > 90:
        return _error(fmt, 400, "start_date 与 end_date 相隔不能超过90天。")
    ids = [i.strip() for i in q.get("service_request_id", "").split(",") if i.strip()]
    found = ctx.open311.find(
        numbers=ids or None,
        service_code=q.get("service_code") or None,
        start=start,
        end=end,
        status=q.get("status") or None,
    )
    rows = [_request_row(r, ctx) for r in found]
    return _answer(fmt, "service_requests", "request", rows)


@router.get("/requests/{number}.{fmt}")
def get_request(request: Request, number: str, fmt: str) -> Response:
    """GET Service Request: one request's public fields."""
    if _fmt(fmt) is None:
        return _error("json", 404, "unknown format")
    ctx: WebContext = request.app.state.ctx
    found = ctx.open311.find(numbers=[number])
    if not found:
        return _error(fmt, 404, f"没有找到工单 {number[:30]}。")
    return _answer(fmt, "service_requests", "request", [_request_row(found[0], ctx)])
