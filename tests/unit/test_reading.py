"""A citizen's text as read: spaced-out Chinese closed up, traditional characters simplified."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain.consult import consult_or_report
from hotline.domain.knowledge import KnowledgeBase, load_knowledge
from hotline.domain.reading import (
    ReadingTableError,
    as_read,
    close_up,
    enumerated_asks,
    load_tables,
    simplified,
)
from hotline.paths import ROOT


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge(ROOT / "data" / "knowledge.yml")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("我 是 退 伍 军 人 想 问 体 检 去 哪 家 医 院", "我是退伍军人想问体检去哪家医院"),
        ("我 老伴 去 年 走 了 想 申 请 低 保 ， 要 带 啥", "我老伴去年走了想申请低保，要带啥"),
        ("路灯 坏 了 好 几 天 在 幸福路 8 8 号", "路灯坏了好几天在幸福路 8 8 号"),
        ("那 在 哪 里 办", "那在哪里办"),
    ],
)
def test_chinese_typed_a_character_at_a_time_is_closed_up(typed: str, read: str) -> None:
    assert close_up(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "清浦区 和平路 天一城 南门",  # an address in parts stays as typed
        "东门 北侧",
        "3 栋 2 单元",
        "我妈低保上个月 突然就没了 也没人通知 说是查到我弟名下有辆车 这咋办",
        "a b c d e f g",
    ],
)
def test_spaces_between_words_stay(typed: str) -> None:
    assert close_up(typed) == typed


def test_traditional_characters_are_read_as_simplified_at_the_same_length() -> None:
    typed = "請問我剛換了單位，原來的工會會員關係怎麼轉過來？"
    read = simplified(typed)
    assert read == "请问我刚换了单位，原来的工会会员关系怎么转过来？"
    assert len(read) == len(typed)


@pytest.mark.parametrize("typed", ["乾隆年间的石桥坏了", "於是我就去了街道", "路灯坏了"])
def test_simplified_text_with_a_shared_character_is_left_alone(typed: str) -> None:
    assert as_read(typed) == typed


@pytest.mark.parametrize(
    "typed",
    [
        "我 想 申 请 低 保 ， 要 准 备 哪 些 材 料",
        "請問低保要帶哪些材料去辦？",
        "老伴走了逗号家里没收入句号低保怎么申请问号要带哪些材料问号",
    ],
)
def test_a_spaced_out_or_traditional_policy_question_is_answered(
    knowledge: KnowledgeBase, typed: str
) -> None:
    decision = consult_or_report(
        knowledge, typed, category=None, department=None, request_type=None, sure=False
    )
    assert decision.answer is not None and decision.answer.category == "subsistence_allowance"


def test_dictated_punctuation_is_read_as_marks_only_when_it_is_a_habit() -> None:
    dictated = "孩子都在外头逗号就我一个人句号能算上吗问号"
    assert as_read(dictated) == "孩子都在外头，就我一个人。能算上吗？"
    assert as_read("作文里逗号用错了扣分合理吗") == "作文里逗号用错了扣分合理吗"


def test_numbered_asks_are_split_and_the_one_that_matters_most_comes_first() -> None:
    text = "第一，农机补贴怎么申请；第二，彩礼要多少合理；第三，推荐个戏班子。第一个最要紧"
    assert enumerated_asks(text)[0] == "农机补贴怎么申请"
    text = "一是作业题怎么讲，二是明天降温吗，三是学校乱收押金合规吗？第三个是我最想问的"
    asks = enumerated_asks(text)
    assert asks[0].startswith("学校乱收押金") and len(asks) == 3
    # circled numbers count too (they crashed the reader: "①".isdigit() but int("①") fails)
    text = "建议如下：①小区门口增设路灯；②垃圾桶每天清运；③修补路面"
    assert enumerated_asks(text) == ["小区门口增设路灯", "垃圾桶每天清运", "修补路面"]


@pytest.mark.parametrize(
    "text",
    ["路宽3.5米，一是一二是二", "楼道灯坏了", "第二次来反映了，第一次没人管", "2. 垃圾桶满了"],
)
def test_numbers_that_do_not_count_asks_are_no_enumeration(text: str) -> None:
    assert enumerated_asks(text) == []


@pytest.mark.parametrize(
    ("content", "why"),
    [("繁\t简\t多\n", "expected"), ("繁體\t简\n", "expected"), ("繁简\n", "expected")],
)
def test_a_broken_character_table_is_refused_with_its_line(
    tmp_path: Path, content: str, why: str
) -> None:
    path = tmp_path / "t2s.txt"
    path.write_text("# header\n" + content, encoding="utf-8")
    with pytest.raises(ReadingTableError, match=rf"t2s.txt:2: {why}"):
        load_tables(path)


def test_a_missing_character_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadingTableError, match="cannot be read"):
        load_tables(tmp_path / "missing.txt")
