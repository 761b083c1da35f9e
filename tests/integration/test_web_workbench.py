"""The workbench over HTTP: sign-in, CSRF, roles, queue lights, the ticket's actions, audit."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotline.domain.clock import ManualClock
from hotline.entrypoints.cli import main
from hotline.services.registration import NewTicket
from hotline.storage.models import AuditRecord
from tests.support.web import PASSWORD, WebWorld, csrf_of, make_world, sign_in

PHONE = "13812345678"


@pytest.fixture
def world(engine: Engine, tmp_path: Path, clock: ManualClock) -> Iterator[WebWorld]:
    w = make_world(tmp_path, clock, engine.url.render_as_string(hide_password=False))
    w.account("lisi", "staff", "urban_management")
    w.account("zhao", "staff", "housing")
    w.account("disp", "dispatcher")
    w.account("boss", "supervisor")
    yield w
    w.app.engine.dispose()  # its own pool on the shared PostgreSQL database


@pytest.fixture
def client(world: WebWorld) -> Iterator[TestClient]:
    with world.client() as c:
        yield c


def _open(
    world: WebWorld, text: str = "人民路路灯不亮", category: str | None = "street_light"
) -> str:
    view = world.app.service.tickets.open_ticket(
        NewTicket(
            channel="console",
            channel_user_id="c1",
            description=text,
            category=category,
            address="人民路1号",
            contact_phone=PHONE,
        )
    )
    return view.number


def _act(client: TestClient, number: str, **form: str) -> Any:
    page = client.get(f"/tickets/{number}")
    return client.post(
        f"/tickets/{number}/act",
        data={"csrf": csrf_of(page.text), **form},
        follow_redirects=False,
    )


def _audit(world: WebWorld, action: str) -> list[AuditRecord]:
    with world.app.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_login_serves_a_form_and_pages_need_a_session(client: TestClient) -> None:
    form = client.get("/login")
    assert form.status_code == 200
    assert '<form method="post" action="/login"' in form.text
    assert 'type="password"' in form.text
    for path in ("/", "/queue", "/board", "/dashboard", "/search", "/tickets/20261123-0001"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/login"


def test_sign_in_sets_a_strict_http_only_cookie_and_is_audited(
    client: TestClient, world: WebWorld
) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": "lisi", "password": PASSWORD, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert [a.subject for a in _audit(world, "web_sign_in")] == ["lisi"]


def test_wrong_passwords_are_throttled(client: TestClient, world: WebWorld) -> None:
    for _ in range(5):
        form = client.get("/login")
        bad = client.post(
            "/login", data={"name": "lisi", "password": "guess-guess", "csrf": csrf_of(form.text)}
        )
        assert bad.status_code == 401
        assert "用户名或密码不正确" in bad.text
    form = client.get("/login")
    locked = client.post(
        "/login", data={"name": "lisi", "password": PASSWORD, "csrf": csrf_of(form.text)}
    )
    assert locked.status_code == 401
    assert "15分钟" in locked.text
    world.clock.advance(timedelta(minutes=16))
    sign_in(client, "lisi")


def test_a_form_without_its_token_changes_nothing(client: TestClient, world: WebWorld) -> None:
    number = _open(world)
    sign_in(client, "lisi")
    refused = client.post(f"/tickets/{number}/act", data={"action": "accept", "csrf": "forged"})
    assert refused.status_code == 403
    assert world.app.service.views.get_ticket(number).status == "dispatched"
    nologin = client.post("/login", data={"name": "lisi", "password": PASSWORD})
    assert nologin.status_code == 403


def test_staff_accept_and_answer_and_the_citizen_hears_it(
    client: TestClient, world: WebWorld
) -> None:
    number = _open(world)
    sign_in(client, "lisi")
    queue = client.get("/queue")
    assert number in queue.text and "绿" in queue.text
    page = client.get(f"/tickets/{number}")
    assert 'value="accept"' in page.text and 'value="resolve"' not in page.text
    assert PHONE not in page.text
    assert _act(client, number, action="accept").status_code == 303
    page = client.get(f"/tickets/{number}")
    assert 'value="resolve"' in page.text and 'value="request_extension"' in page.text
    empty = _act(client, number, action="resolve", text="")
    assert empty.status_code == 400
    done = _act(client, number, action="resolve", text="已更换灯泡，恢复照明。")
    assert done.status_code == 303
    view = world.app.service.views.get_ticket(number)
    assert view.status == "resolved"
    actors = {e.action: e.actor for e in view.events}
    assert actors["accept"] == actors["resolve"] == "staff:operator:lisi@urban_management"
    heard = world.app.service.tickets.pull_citizen_messages("console", "c1")
    assert any("已更换灯泡" in text for text in heard)
    timeline = client.get(f"/tickets/{number}").text
    assert "办结答复" in timeline and "消息 → 市民" in timeline


def test_phone_is_shown_only_on_request_and_the_look_is_audited(
    client: TestClient, world: WebWorld
) -> None:
    number = _open(world)
    sign_in(client, "lisi")
    page = client.get(f"/tickets/{number}")
    shown = client.post(f"/tickets/{number}/phone", data={"csrf": csrf_of(page.text)})
    assert PHONE in shown.text
    events = world.app.service.views.get_ticket(number).events
    assert [e.actor for e in events if e.action == "reveal_phone"] == [
        "staff:operator:lisi@urban_management"
    ]


def test_staff_see_only_their_department(client: TestClient, world: WebWorld) -> None:
    number = _open(world)
    sign_in(client, "zhao")
    assert number not in client.get("/queue").text
    assert client.get(f"/tickets/{number}").status_code == 403
    assert f"/tickets/{number}" not in client.get(f"/search?text={number}").text
    assert client.get("/board").status_code == 403
    assert client.get("/dashboard").status_code == 403


def test_queue_lights_follow_the_deadlines(client: TestClient, world: WebWorld) -> None:
    number = _open(world)
    world.clock.advance(timedelta(days=30))
    sign_in(client, "lisi")  # sessions last 12 hours: sign in on the day
    red = client.get("/queue?light=red")
    assert number in red.text and "红 1" in red.text
    assert number not in client.get("/queue?light=green").text
    assert client.get("/queue?sort=new&status=dispatched").status_code == 200


def test_search_by_number_words_place_and_date(client: TestClient, world: WebWorld) -> None:
    first = _open(world, "幸福小区门口垃圾桶满溢", "street_garbage")
    second = _open(world)
    sign_in(client, "disp")
    assert first in client.get(f"/search?text={first}").text
    found = client.get("/search?text=垃圾桶").text
    assert first in found and second not in found
    assert second in client.get("/search?place=人民路").text
    assert first in client.get("/search?from=2026-11-23&to=2026-11-23").text
    assert second not in client.get("/search?from=2026-11-24").text
    assert "日期格式" in client.get("/search?from=yesterday").text


def test_dispatcher_routes_what_no_department_holds(client: TestClient, world: WebWorld) -> None:
    number = _open(world, "不知道该找哪个部门", None)
    sign_in(client, "disp")
    assert number in client.get("/board").text
    routed = _act(client, number, action="dispatch", department="housing", text="人工派单")
    assert routed.status_code == 303
    assert world.app.service.views.get_ticket(number).department == "housing"
    assert number not in client.get("/board").text


def test_supervisor_reads_the_dashboard_and_downloads_the_pack(
    client: TestClient, world: WebWorld
) -> None:
    _open(world)
    sign_in(client, "boss")
    page = client.get("/dashboard?period=today")
    assert page.status_code == 200
    for word in ("响应率", "解决率", "满意率", "按时办结率", "城市管理局", "热点类别"):
        assert word in page.text
    pack = client.get("/dashboard/pack.zip?period=today")
    assert pack.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert {"summary.md", "report.xlsx", "report.csv"} <= set(names)


def test_sign_out_ends_the_session(client: TestClient, world: WebWorld) -> None:
    sign_in(client, "lisi")
    page = client.get("/queue")
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert client.get("/queue", follow_redirects=False).headers["location"] == "/login"


def test_cli_issues_web_accounts_and_api_keys(
    world: WebWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = world.app.settings
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(settings.var_dir))
    from hotline.entrypoints import cli

    cli._app.cache_clear()
    try:
        assert main(["operator", "add", "root", "--role", "admin"]) == 0
        assert main(["web-user", "password", "root", "--as", "root", "--password", "x" * 12]) == 0
        assert (
            main(
                [
                    "web-user",
                    "add",
                    "mei",
                    "--role",
                    "staff",
                    "--department",
                    "housing",
                    "--password",
                    "short",
                    "--as",
                    "root",
                ]
            )
            == 1
        )
        assert "mei" not in [o.name for o in world.app.service.operators.list_operators()]
        assert (
            main(
                [
                    "web-user",
                    "add",
                    "ann",
                    "--role",
                    "dispatcher",
                    "--as",
                    "lisi",
                    "--password",
                    PASSWORD,
                ]
            )
            == 1
        )
        capsys.readouterr()
        assert main(["api-key", "create", "wechat", "--as", "root"]) == 0
        key = capsys.readouterr().out.strip().splitlines()[0]
        assert key.startswith("o311_")
    finally:
        cli._app.cache_clear()
    with world.client() as c:
        sign_in(c, "root", "x" * 12)
        posted = c.post(
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": "street_light",
                "description": "路灯坏了",
                "address_string": "人民路",
            },
        )
        assert posted.status_code == 200


def test_photos_are_shown_to_the_department_and_the_look_is_audited(
    client: TestClient, world: WebWorld, tmp_path: Path
) -> None:
    from hotline.services.attachments import AttachmentService

    number = _open(world)
    attachments = AttachmentService(world.app.sessions, world.clock, world.app.tz)
    received = attachments.receive("console", "c1", kind="photo", file_ref="file-1")
    assert received.number == number
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    attachments.record_download(received.attachment_id, str(image))
    sign_in(client, "lisi")
    page = client.get(f"/tickets/{number}").text
    src = f"/attachments/{received.attachment_id}?number={number}"
    assert f'<img src="{src}"' in page
    assert client.get(src).content.startswith(b"\x89PNG")
    events = world.app.service.views.get_ticket(number).events
    assert any(e.action == "view_attachments" for e in events)
    with world.client() as other:
        sign_in(other, "zhao")
        assert other.get(src).status_code == 403


def test_extension_asked_in_the_browser_is_decided_on_the_board(
    client: TestClient, world: WebWorld
) -> None:
    number = _open(world, "<script>alert(1)</script>路灯不亮")
    sign_in(client, "lisi")
    assert "<script>alert(1)</script>" not in client.get(f"/tickets/{number}").text
    _act(client, number, action="accept")
    asked = _act(client, number, action="request_extension", days="3", text="需要更换电缆")
    assert asked.status_code == 303
    with world.client() as desk:
        sign_in(desk, "disp")
        assert number in desk.get("/board").text
        assert 'value="approve_extension"' in desk.get(f"/tickets/{number}").text
        decided = _act(desk, number, action="deny_extension", text="请先排查电缆")
        assert decided.status_code == 303
        assert 'value="approve_extension"' not in desk.get(f"/tickets/{number}").text
    assert world.app.service.views.get_ticket(number).extension_count == 0


def test_the_dashboard_keeps_its_figures_a_while_and_refreshes_behind(world: WebWorld) -> None:
    from hotline.entrypoints.web.context import ReportCache

    cache = ReportCache(world.app.service)
    first = cache.get("today")
    assert cache.get("today") is first  # fresh: served as is
    world.clock.advance(timedelta(minutes=10))
    assert cache.get("today") is first  # stale: served while a new one is computed
    deadline = time.monotonic() + 20
    while cache.get("today") is first:
        assert time.monotonic() < deadline, "no background refresh"
        time.sleep(0.05)
    world.clock.advance(timedelta(hours=2))
    later = cache.get("today")  # too old: computed before answering
    assert later.computed_at == world.clock.now()


def test_the_server_keeps_every_period_fresh_so_no_page_waits(world: WebWorld) -> None:
    from hotline.entrypoints.web.context import ReportCache

    cache = ReportCache(world.app.service)
    assert cache.refresh_due(("today", "week", "month")) == ["today", "week", "month"]
    assert cache.refresh_due(("today", "week", "month")) == []  # all fresh
    world.clock.advance(timedelta(minutes=6))
    assert cache.refresh_due(("today", "week")) == ["today", "week"]
    taken = cache.get("week").computed_at
    assert taken == world.clock.now()  # the page gets the refreshed figures, no wait
    stop = threading.Event()
    thread = cache.keep_warm(("today",), stop)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


# ------------------------------------------------------------ the centre's tools (issue 19)


def _post(client: TestClient, page: str, path: str, **form: str) -> Any:
    """Post a tool's form with the CSRF token of the page it sits on."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **form}, follow_redirects=False)


def test_notes_owner_and_my_list_on_the_department_pages(
    client: TestClient, world: WebWorld
) -> None:
    number = _open(world)
    sign_in(client, "lisi")
    page = client.get(f"/tickets/{number}").text
    assert "内部备注" in page and "未指定" in page
    # without the token nothing is written
    bare = client.post(f"/tickets/{number}/note", data={"text": "已联系物业"})
    assert bare.status_code == 403
    added = _post(client, f"/tickets/{number}", f"/tickets/{number}/note", text="已联系物业")
    assert added.status_code == 303 and "done=note" in added.headers["location"]
    page = client.get(added.headers["location"]).text
    assert "已添加内部备注" in page and "已联系物业" in page and "lisi" in page
    empty = _post(client, f"/tickets/{number}", f"/tickets/{number}/note", text="  ")
    assert empty.status_code == 400 and "备注内容" in empty.text
    assert number not in client.get("/mine").text
    assigned = _post(client, f"/tickets/{number}", f"/tickets/{number}/assign", member="lisi")
    assert assigned.status_code == 303
    assert 'id="owner">lisi<' in client.get(f"/tickets/{number}").text
    assert number in client.get("/mine").text
    unknown = _post(client, f"/tickets/{number}", f"/tickets/{number}/assign", member="王五")
    assert unknown.status_code == 400 and "没有名为“王五”" in unknown.text
    # the citizen's own view never carries the note
    assert "已联系物业" not in str(world.app.service.views.get_ticket(number).events)
    # another department sees neither the ticket nor its notes
    with world.client() as other:
        sign_in(other, "zhao")
        refused = _post(other, "/queue", f"/tickets/{number}/note", text="看看")
        assert refused.status_code in (400, 403) and "已联系物业" not in refused.text


def test_dispatcher_merges_corrects_and_reviews_on_the_board(
    client: TestClient, world: WebWorld, engine: Engine
) -> None:
    from hotline.domain.review import ReviewRules, ReviewScope
    from hotline.services.container import Services
    from hotline.storage.db import make_session_factory
    from tests.conftest import TZ

    svc = world.app.service
    plain = Services(make_session_factory(engine), svc.catalogue, svc.sla, world.clock, TZ)
    first = plain.tickets.open_ticket(
        NewTicket(
            channel="rest",
            channel_user_id="a",
            description="幸福路12号停水了",
            category="water_supply",
            address="幸福路12号",
        )
    ).number
    second = plain.tickets.open_ticket(
        NewTicket(
            channel="rest",
            channel_user_id="b",
            description="幸福路12号没水了",
            category="water_supply",
            address="幸福路12号",
        )
    ).number
    sign_in(client, "disp")
    assert "/merges" in client.get("/board").text
    assert f"合并到 {first}" in client.get("/merges").text
    merged = _post(client, "/merges", f"/tickets/{second}/merge", into=first, back="/merges")
    assert merged.status_code == 303 and merged.headers["location"].startswith("/merges")
    assert "已合并到主工单" in client.get(merged.headers["location"]).text
    assert f"合并到 {first}" not in client.get("/merges").text
    assert world.app.service.views.get_ticket(second).status != "dispatched"

    lamp = _open(world)
    short = _post(
        client, f"/tickets/{lamp}", f"/tickets/{lamp}/category", category="street_garbage", text=""
    )
    assert short.status_code == 400 and "理由" in short.text
    fixed = _post(
        client,
        f"/tickets/{lamp}",
        f"/tickets/{lamp}/category",
        category="street_garbage",
        text="市民说的是垃圾桶满溢，不是路灯",
    )
    assert fixed.status_code == 303
    assert "道路垃圾与垃圾桶满溢" in client.get(fixed.headers["location"]).text

    held = Services(
        make_session_factory(engine),
        svc.catalogue,
        svc.sla,
        world.clock,
        TZ,
        review=ReviewRules(answers=ReviewScope(all=True)),
    )
    from hotline.domain.tickets import Actor

    lisi = Actor(role="staff", id="operator:lisi", department="urban_management", name="lisi")
    held.tickets.accept(lamp, lisi)
    held.tickets.resolve(lamp, lisi, "垃圾桶已清运完毕。")
    board = client.get("/board").text
    assert "垃圾桶已清运完毕。" in board and board.count('id="reviews"') == 1
    no_reason = _post(client, "/board", f"/tickets/{lamp}/review", decision="reject", back="/board")
    assert no_reason.status_code == 400 and "理由" in no_reason.text
    ok = _post(client, "/board", f"/tickets/{lamp}/review", decision="approve", back="/board")
    assert ok.status_code == 303 and "已通过审核" in client.get(ok.headers["location"]).text
    assert world.app.service.views.get_ticket(lamp).status == "resolved"


def test_a_tool_form_returns_only_to_our_own_pages(client: TestClient, world: WebWorld) -> None:
    number = _open(world)
    sign_in(client, "lisi")
    for back in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        done = _post(
            client, f"/tickets/{number}", f"/tickets/{number}/note", text="记一笔", back=back
        )
        assert done.headers["location"] == f"/tickets/{number}?done=note"
