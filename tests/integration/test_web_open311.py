"""Open311 GeoReport v2: the spec's documented shapes, keys, routing and no personal data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotline.domain.clock import ManualClock
from hotline.services.api_keys import RATE_LIMIT
from tests.support.web import WebWorld, make_world

PHONE = "13912345678"
# Keys of the spec's documented examples (GeoReport v2: GET Service List, GET Service
# Definition, POST Service Request, GET Service Request(s)).
SERVICE_KEYS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
ATTRIBUTE_KEYS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}
POST_KEYS = {"service_request_id", "service_notice", "account_id"}
REQUEST_KEYS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip


@pytest.fixture
def world(engine: Engine, tmp_path: Path, clock: ManualClock) -> Iterator[WebWorld]:
    w = make_world(tmp_path, clock, engine.url.render_as_string(hide_password=False))
    yield w
    w.app.engine.dispose()  # its own pool on the shared PostgreSQL database


@pytest.fixture
def client(world: WebWorld) -> Iterator[TestClient]:
    with world.client() as c:
        yield c


def _post(client: TestClient, key: str | None, **fields: str) -> dict[str, Any]:
    data = {
        "service_code": "street_light",
        "description": f"人民路路灯不亮，联系我 {PHONE}",
        "lat": "31.2304",
        "long": "121.4737",
        "address_string": "人民路1号",
        "phone": PHONE,
        "email": "citizen@example.org",
        "device_id": "dev-1",
        **fields,
    }
    if key is not None:
        data["api_key"] = key
    response = client.post("/open311/v2/requests.json", data=data)
    return {"status": response.status_code, "body": response.json()}


def test_service_list_is_the_catalogue(client: TestClient, world: WebWorld) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert [s["service_code"] for s in services] == list(world.app.catalogue.categories)
    assert all(set(s) == SERVICE_KEYS for s in services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["wage_arrears"]["metadata"] is True  # has the 用人单位 field
    assert by_code["street_light"]["metadata"] is False
    assert by_code["street_light"]["service_name"] == "路灯不亮"
    assert by_code["street_light"]["group"] == "城市管理局"

    xml = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert xml.tag == "services"
    assert len(xml.findall("service")) == len(services)
    assert xml.find("service/service_code") is not None


def test_service_definition_has_the_extra_fields_as_attributes(client: TestClient) -> None:
    definition = client.get("/open311/v2/services/wage_arrears.json").json()
    assert definition["service_code"] == "wage_arrears"
    (attribute,) = definition["attributes"]
    assert set(attribute) == ATTRIBUTE_KEYS
    assert attribute["code"] == "employer"
    assert "单位" in attribute["description"]
    xml = ET.fromstring(client.get("/open311/v2/services/wage_arrears.xml").content)
    assert xml.tag == "service_definition"
    assert xml.findtext("attributes/attribute/code") == "employer"
    missing = client.get("/open311/v2/services/no_such.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404


def test_a_post_without_a_valid_key_is_refused_and_files_nothing(
    client: TestClient, world: WebWorld
) -> None:
    for key in (None, "", "o311_wrong"):
        result = _post(client, key)
        assert result["status"] == 403
        body = result["body"]
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert world.app.service.views.count_tickets() == 0
    xml = client.post("/open311/v2/requests.xml", data={"service_code": "street_light"})
    assert xml.status_code == 403
    assert ET.fromstring(xml.content).findtext("error/code") == "403"


def test_a_post_becomes_a_routed_ticket_on_the_open311_channel(
    client: TestClient, world: WebWorld
) -> None:
    key = world.api_key("city-app")
    result = _post(client, key, service_code="wage_arrears", **{"attribute[employer]": "某某公司"})
    assert result["status"] == 200
    (answer,) = result["body"]
    assert set(answer) == POST_KEYS
    number = answer["service_request_id"]
    ticket = world.app.service.views.get_ticket(number)
    assert ticket.channel == "open311"
    assert ticket.department == "human_resources"  # routed by the catalogue
    assert ticket.status == "dispatched"
    assert ticket.details == {"employer": "某某公司"}
    assert ticket.contact_phone == PHONE  # kept for the department, never published
    assert ticket.citizen == "open311:city-app:dev-1"


def test_bad_posts_get_a_clear_answer(client: TestClient, world: WebWorld) -> None:
    key = world.api_key()
    assert _post(client, key, service_code="nope")["status"] == 400
    assert _post(client, key, description="")["status"] == 400
    no_place = _post(client, key, lat="", long="", address_string="")
    assert no_place["status"] == 400
    assert "位置" in str(no_place["body"])
    assert _post(client, key, lat="north")["status"] == 400
    assert world.app.service.views.count_tickets() == 0


def test_public_reads_carry_no_phone_and_map_the_status(
    client: TestClient, world: WebWorld
) -> None:
    key = world.api_key()
    number = str(_post(client, key)["body"][0]["service_request_id"])
    for path in (
        f"/open311/v2/requests/{number}.json",
        f"/open311/v2/requests/{number}.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests.json?service_request_id={number}",
    ):
        body = client.get(path).text
        assert number in body
        assert not re.search(r"1[3-9]\d{9}", body), path
        assert "example.org" not in body and "dev-1" not in body and "city-app" not in body
    (request,) = client.get(f"/open311/v2/requests/{number}.json").json()
    assert set(request) == REQUEST_KEYS
    assert request["status"] == "open"
    assert request["status_notes"] == "已派单，待签收"
    assert request["agency_responsible"] == "城市管理局"
    ticket = world.app.service.views.get_ticket(number)
    assert ticket.answer_due_at is not None
    assert request["expected_datetime"] == ticket.answer_due_at.astimezone(world.app.tz).isoformat(
        timespec="seconds"
    )
    assert request["requested_datetime"].endswith("+08:00")

    staff = world.app.service.operators
    staff.add_operator("wang", role="staff", department="urban_management", created_by="t")
    actor = staff.operator_actor("wang")
    world.app.service.tickets.accept(number, actor)
    world.app.service.tickets.resolve(number, actor, "已更换灯泡，恢复照明。")
    (request,) = client.get(f"/open311/v2/requests/{number}.json").json()
    assert request["status"] == "closed"
    assert request["status_notes"] == "已答复，待回访"
    assert client.get("/open311/v2/requests.json?status=open").json() == []
    assert len(client.get("/open311/v2/requests.json?status=closed").json()) == 1
    assert client.get("/open311/v2/requests/20261123-9999.json").status_code == 404


def test_keys_are_rate_limited(client: TestClient, world: WebWorld) -> None:
    key = world.api_key()
    for _ in range(RATE_LIMIT):
        assert _post(client, key, description="")["status"] == 400  # counted all the same
    assert _post(client, key)["status"] == 429
    world.clock.advance(timedelta(minutes=2))
    assert _post(client, key)["status"] == 200
