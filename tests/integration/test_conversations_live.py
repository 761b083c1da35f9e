"""Citizens in their own words against the real stack: `rasa run` with the trained model, the
action server, the REST channel, a fresh database; every ticket is read back.

Written afresh for issue 13, in voices unlike the training data (elderly, dialect, pasted
text, impatient, formal). A conversation fails on a lost draft, a wrong-topic answer, an
ignored correction, a stray ticket, or a fallback tacked onto a handled turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hotline.adapters import classifier
from hotline.adapters.stack import Stack, StackConfig
from hotline.bootstrap import build_app
from hotline.config import Settings
from hotline.credentials import chat_headers
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Ticket, TicketEvent
from tests.support.rasa_env import NEEDS_MODEL

pytestmark = NEEDS_MODEL


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(url))
    model = classifier.model_path()
    assert model is not None
    running = Stack(StackConfig.scratch(tmp, url, model=Path(model)))
    try:
        running.start(timeout=300)
        yield running, url
    finally:
        running.stop()


class Citizen:
    """One person typing into the chat endpoint."""

    def __init__(self, stack: tuple[Stack, str], name: str) -> None:
        self.server, self.url = stack
        self.sender = f"rest:{name}"
        self.user = name

    def say(self, text: str) -> str:
        response = httpx.post(
            f"{self.server.config.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            headers=chat_headers(self.server.config.chat_token),
            timeout=60,
        )
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        said = "\n".join(str(r.get("text") or "") for r in replies)
        assert said, f"no answer to {text!r}"
        assert "没看明白" not in said or len(replies) == 1, said
        return said

    def tickets(self) -> list[Ticket]:
        sessions = make_session_factory(make_engine(self.url))
        with sessions() as session:
            rows = session.scalars(select(Ticket).order_by(Ticket.id)).all()
            mine = [t for t in rows if t.citizen.channel_user_id == self.user]
            for ticket in mine:
                session.expunge(ticket)
            return mine

    def events(self, number: str) -> list[str]:
        sessions = make_session_factory(make_engine(self.url))
        with sessions() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            assert ticket is not None
            return list(
                session.scalars(
                    select(TicketEvent.action)
                    .where(TicketEvent.ticket_id == ticket.id)
                    .order_by(TicketEvent.id)
                )
            )


def staff_service(url: str) -> Services:
    """The department's side, on the same database as the stack."""
    return build_app(replace(Settings.from_env(), database_url=url)).service


def test_elderly_report_with_a_crossing_and_a_homely_yes(stack: tuple[Stack, str]) -> None:
    aunt = Citizen(stack, "aunt-wang")
    first = aunt.say("俺家门口那个路灯坏了半个月了 晚上黑咕隆咚的 老头子差点摔一跤")
    assert "地点" in first and "格式不对" not in first
    assert "电话" in aunt.say("就在东风路和建设路交叉口往北五十米")
    summary = aunt.say("电话就不留了吧")
    assert "东风路和建设路交叉口往北五十米" in summary and "请核对" in summary
    done = aunt.say("中 就这样")
    [ticket] = aunt.tickets()
    assert ticket.number in done
    assert ticket.address == "东风路和建设路交叉口往北五十米"
    assert ticket.department_code == "urban_management" and ticket.contact_phone is None


def test_a_correction_at_the_summary_is_what_gets_stored(stack: tuple[Stack, str]) -> None:
    mum = Citizen(stack, "night-noise")
    mum.say("工地晚上十二点了还在打桩，吵得孩子根本睡不着，明天还要考试")
    mum.say("金水区农业路8号")
    summary = mum.say("0371 6688 1234")
    assert "格式不对" not in summary and "请核对" in summary
    fixed = mum.say("地址不对，是金水区农业东路8号")
    assert "金水区农业东路8号" in fixed
    mum.say("提交")
    [ticket] = mum.tickets()
    assert ticket.address == "金水区农业东路8号" and ticket.contact_phone == "037166881234"


def test_a_policy_question_and_its_follow_up_stay_in_topic(stack: tuple[Stack, str]) -> None:
    son = Citizen(stack, "dibao-son")
    answer = son.say("我爸没有收入了，想问问低保要怎么申请啊")
    assert "具体地点" not in answer and "低保" in answer
    more = son.say("那要带什么材料？")
    assert "具体地点" not in more and "优待证" not in more
    assert "户口" in more or "身份证" in more or "材料" in more
    son.say("好的 明白了")
    assert son.tickets() == []


def test_trapped_in_a_lift_then_short_of_breath_means_120_on_the_same_ticket(
    stack: tuple[Stack, str],
) -> None:
    girl = Citizen(stack, "lift-girl")
    first = girl.say("救命啊 电梯卡在5楼和6楼中间了 我妈在里面出不来")
    assert "紧急工单" in first
    second = girl.say("她有高血压现在有点喘不上气")
    assert "120" in second and "燃气" not in second and "煤气" not in second
    third = girl.say("在幸福家园小区3号楼2单元")
    [ticket] = girl.tickets()
    assert ticket.priority == "urgent" and ticket.number in third
    assert ticket.address == "幸福家园小区3号楼2单元"


def test_a_private_loan_gets_a_pointer_and_no_ticket(stack: tuple[Stack, str]) -> None:
    lender = Citizen(stack, "lender")
    said = lender.say("我借给同事两万块钱，他一直赖着不还，你们能帮我要回来吗")
    assert "人民调解" in said and ("法院" in said or "诉讼" in said)
    assert lender.tickets() == []


def test_praise_is_recorded_for_the_department_and_thanked(stack: tuple[Stack, str]) -> None:
    grandpa = Citizen(stack, "praise")
    said = grandpa.say("是表扬！我要表扬你们环卫工人，每天天不亮就把我们这条街扫得干干净净")
    assert "谢谢" in said and "地点" not in said
    [ticket] = grandpa.tickets()
    assert ticket.request_type == "表扬"


def test_a_natural_cancel_mid_form_ends_cleanly(stack: tuple[Stack, str]) -> None:
    shopper = Citizen(stack, "cancel")
    shopper.say("小区门口天天有人占道摆摊卖菜，车都开不进去")
    said = shopper.say("算了算了 不提交了")
    assert "取消" in said and "没有提交" in said
    assert shopper.tickets() == []


def test_the_chat_endpoint_citizen_hears_back_and_rates_that_ticket(
    stack: tuple[Stack, str],
) -> None:
    _, url = stack
    neighbour = Citizen(stack, "rater")
    neighbour.say("我们楼下的路灯不亮了好几天")
    neighbour.say("解放路100号")
    neighbour.say("不用")
    neighbour.say("确认")
    [ticket] = neighbour.tickets()
    service = staff_service(url)
    staff = Actor(role="staff", id="tg:7", department=ticket.department_code)
    service.tickets.accept(ticket.number, staff)
    heard = neighbour.say("你好")
    assert ticket.number in heard and "签收" in heard
    chased = neighbour.say("帮我催一下那个单子")
    assert "催办" in chased and "chase" in neighbour.events(ticket.number)
    service.tickets.resolve(ticket.number, staff, "已更换灯泡，恢复照明。")
    rated = neighbour.say("不满意，路灯根本没修好，晚上还是黑的")
    assert "重办" in rated and len(neighbour.tickets()) == 1
    assert "reopen" in neighbour.events(ticket.number)


def test_a_phone_inside_a_pasted_letter_is_kept(stack: tuple[Stack, str]) -> None:
    writer = Citizen(stack, "letter")
    first = writer.say(
        "尊敬的领导：您好！我是某某公司的员工，公司已经拖欠我们二十多名工人三个月的工资，"
        "多次找老板都说没钱，现在过年了大家都等着钱回家。恳请有关部门帮我们讨回工资。"
        "联系电话：139 1234 5678"
    )
    assert "格式不对" not in first and "100字" not in first
    for _ in range(4):
        if "请核对" in first:
            break
        if "单位" in first or "公司" in first:
            first = writer.say("宏达建筑劳务有限公司")
        elif "地点" in first:
            first = writer.say("高新区科学大道58号工地")
        else:
            break
    assert "请核对" in first and "139****5678" in first
    writer.say("好的")
    [ticket] = writer.tickets()
    assert ticket.department_code == "human_resources" and ticket.contact_phone == "13912345678"
