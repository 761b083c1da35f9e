"""Citizens' photos, files and locations in the real Telegram application: placed on the right
ticket, listed on the staff card, and fetched through getFile when staff press 查看附件."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.storage.models import TicketEvent
from tests.integration.test_bot_staff import (
    CITIZEN,
    HOUSING_CHAT,
    STAFF,
    TRANSPORT_CHAT,
    bind,
    buttons,
    make_bot,
    report,
    running,
    to,
)
from tests.support.rasa_double import RasaDouble
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

PHOTO = b"\x89PNG\r\n\x1a\n pothole photo bytes"
OTHER_STAFF = 2002


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(STAFF, "张三")
        running_double.user(OTHER_STAFF, "王五")
        yield running_double


@pytest.fixture
def rasa() -> Iterator[RasaDouble]:
    with RasaDouble() as running_rasa:
        yield running_rasa


@pytest.fixture
def local(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose var/ is this test's own folder (downloads land there)."""
    return dataclasses.replace(settings, var_dir=tmp_path / "var")


def events(service: Services, action: str) -> list[TicketEvent]:
    with service.sessions() as session:
        return list(session.scalars(select(TicketEvent).where(TicketEvent.action == action)))


async def test_photo_before_the_ticket_waits_then_staff_download_it(
    service: Services,
    clock: ManualClock,
    local: Settings,
    double: TelegramDouble,
    rasa: RasaDouble,
) -> None:
    """A photo with no ticket yet is held; the next ticket's card lists it; 查看附件 sends it."""
    bind(service, HOUSING_CHAT)
    async with running(make_bot(service, local, double, rasa_url=rasa.url)):
        double.user_sends_photo(CITIZEN, PHOTO)
        await double.wait_for_sent(to(CITIZEN, "已收到照片，将附到您接下来提交的工单"))
        clock.advance(timedelta(minutes=5))
        number = report(service)
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        assert "附件（1）：照片 1 张" in card["text"]
        assert buttons(card) == [f"t:{a}:{number}" for a in ("accept", "return", "phone", "files")]

        double.press(HOUSING_CHAT, card["message_id"], f"t:files:{number}", STAFF)
        shown = await double.wait_for_sent(
            lambda s: s["method"] == "sendPhoto" and s["chat_id"] == HOUSING_CHAT
        )
        assert f"工单 {number} 附件 1/1：照片" in shown["text"]
        assert double.file_bytes(shown["file_id"]) == PHOTO
        assert double.calls("getFile")
        saved = list((local.var_dir / "attachments" / number).iterdir())
        assert [p.read_bytes() for p in saved] == [PHOTO]

        # 签收 keeps the 查看附件 button on the edited card.
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
        edit = await double.wait_for_call("editMessageText", lambda c: "已签收" in c["text"])
        assert f"t:files:{number}" in buttons(edit)

        # A second look uses the saved copy: no second download.
        double.press(HOUSING_CHAT, card["message_id"], f"t:files:{number}", STAFF)
        await double.wait_for_sent(
            lambda s: len([x for x in double.sent(HOUSING_CHAT) if x["method"] == "sendPhoto"]) == 2
        )
    assert len(double.calls("getFile")) == 1
    looks = events(service, "view_attachments")
    assert [e.actor for e in looks] == ["staff:telegram:2001@housing"] * 2
    attached = events(service, "attach")
    assert len(attached) == 1 and attached[0].note == "照片"


async def test_photo_and_location_after_the_report_reach_the_department(
    service: Services,
    clock: ManualClock,
    local: Settings,
    double: TelegramDouble,
    rasa: RasaDouble,
) -> None:
    """Within 30 minutes of the report they attach at once; the department hears of it."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, local, double, rasa_url=rasa.url)):
        await double.wait_for_sent(to(HOUSING_CHAT, number))
        clock.advance(timedelta(minutes=10))
        double.user_shares_location(CITIZEN, 31.2304, 121.4737)
        await double.wait_for_sent(to(CITIZEN, f"已收到位置，已附到工单 {number}"))
        await double.wait_for_sent(to(CITIZEN, "收到：/inform"))  # the dialogue still hears it
        notice = await double.wait_for_sent(to(HOUSING_CHAT, "【市民补充附件】"))
        assert "位置 31.23040,121.47370" in notice["text"]
        assert buttons(notice) == [f"t:files:{number}"]

        double.user_sends_photo(CITIZEN, PHOTO)
        await double.wait_for_sent(to(CITIZEN, f"已收到照片，已附到工单 {number}"))

        double.group_message(HOUSING_CHAT, STAFF, f"/files {number}")
        pin = await double.wait_for_sent(
            lambda s: s["method"] == "sendLocation" and s["chat_id"] == HOUSING_CHAT
        )
        assert pin["params"]["latitude"] == pytest.approx(31.2304)
        photo = await double.wait_for_sent(lambda s: s["method"] == "sendPhoto")
        assert "附件 2/2" in photo["text"] and double.file_bytes(photo["file_id"]) == PHOTO

        double.group_message(HOUSING_CHAT, STAFF, f"/ticket {number}")
        await double.wait_for_sent(
            to(HOUSING_CHAT, "附件（2）：照片 1 张、位置 31.23040,121.47370")
        )

        clock.advance(timedelta(minutes=31))
        double.user_sends_photo(CITIZEN, PHOTO)
        await double.wait_for_sent(to(CITIZEN, "已收到照片，将附到您接下来提交的工单"))


async def test_files_refused_outside_the_department(
    service: Services, local: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    """Another department's chat and an unbound chat get a refusal and no file."""
    bind(service, HOUSING_CHAT)
    bind(service, TRANSPORT_CHAT, dept="transport", user=OTHER_STAFF)
    number = report(service)
    async with running(make_bot(service, local, double, rasa_url=rasa.url)):
        double.user_sends_photo(CITIZEN, PHOTO)
        await double.wait_for_sent(to(CITIZEN, f"已附到工单 {number}"))
        double.group_message(TRANSPORT_CHAT, OTHER_STAFF, f"/files {number}")
        await double.wait_for_sent(to(TRANSPORT_CHAT, "该工单不属于您所在的部门"))
        double.group_message(-100333, OTHER_STAFF, f"/files {number}")
        await double.wait_for_sent(to(-100333, "尚未绑定"))
        double.user_says(CITIZEN, f"/files {number}")
        await double.wait_for_sent(to(CITIZEN, "尚未绑定"))
        double.group_message(HOUSING_CHAT, STAFF, "/files 20990101-0001")
        await double.wait_for_sent(to(HOUSING_CHAT, "没有找到工单 20990101-0001"))
    assert not double.calls("getFile") and not double.calls("sendPhoto")
    assert events(service, "view_attachments") == []
