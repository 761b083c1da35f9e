"""The trained Rasa model through the app-side client (subprocess in .venv-rasa).

Needs ``models/`` (``scripts/train_nlu.sh``) and ``.venv-rasa``; skipped without them outside
CI, and run (failing if they are missing) when ``CI=true``.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline.adapters import classifier
from tests.support.rasa_env import NEEDS_MODEL

pytestmark = NEEDS_MODEL

MESSAGES = [
    "家里燃气泄漏了，味道很大",
    "老板拖欠我三个月工资不给",
    "你好",
    "小区门口天天有人占道经营卖水果",
    "谢谢你们",
    "我的工单20261123-0042处理得怎么样了，电话13812345678",
    "紧急紧急！今晚吃啥？",
    "我个女喺商场唔见咗 五岁 着红色裙 唔该帮下手",
    "上回路灯修好了，谢谢你们，胡都好",
    "工地上十几个人围在项目部门口要工资，有人把汽油桶搬过来了，说今天不给钱就点火",
]


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    return classifier.classify_texts(MESSAGES)


def test_contract(results: list[dict[str, Any]]) -> None:
    assert [r["text"] for r in results] == MESSAGES
    for r in results:
        assert {"text", "department", "category", "confidence", "top3", "urgent", "type"} <= set(r)
        assert isinstance(r["urgent"], bool)
        assert 0.0 <= r["confidence"] <= 1.0 + 1e-6
        assert 1 <= len(r["top3"]) <= 3
        assert all(isinstance(d, str | None) and isinstance(c, float) for d, c in r["top3"])
        if r["department"] is None:
            assert r["type"] is None
        else:
            assert r["type"] in {"咨询", "求助", "投诉", "举报", "建议", "表扬"}


def test_obvious_routings(results: list[dict[str, Any]]) -> None:
    gas, wages, hello, vendor, thanks, status, *_ = results
    assert gas["department"] == "utilities"
    assert gas["urgent"] is True
    assert wages["department"] == "human_resources"
    assert wages["urgent"] is False
    assert hello["department"] is None
    assert vendor["department"] == "urban_management"
    assert thanks["department"] is None
    assert status["department"] is None


def test_alarm_words_in_small_talk_are_no_emergency(results: list[dict[str, Any]]) -> None:
    dinner = results[6]
    assert dinner["department"] is None
    assert dinner["urgent"] is False


def test_a_danger_read_as_small_talk_stays_urgent(results: list[dict[str, Any]]) -> None:
    """A lost child in Cantonese, no alarm word: whatever intent it reads as, it is urgent."""
    assert results[7]["urgent"] is True


def test_thanks_for_a_fix_is_no_ticket_and_wages_behind_a_danger_are_no_errand(
    results: list[dict[str, Any]],
) -> None:
    thanks_for_fix, siege = results[8], results[9]
    assert thanks_for_fix["department"] is None
    assert siege["urgent"] is True


def test_pattern_entities(results: list[dict[str, Any]]) -> None:
    entities = {(e["entity"], e["value"]) for e in results[5]["entities"]}
    assert ("ticket_number", "20261123-0042") in entities
    assert ("phone", "13812345678") in entities


def test_serve_protocol() -> None:
    with classifier.ClassifierProcess() as clf:
        first = clf.classify("老板拖欠工资")
        second = clf.classify("你好")
    assert first["department"] == "human_resources"
    assert second["department"] is None


STORY = (
    "尊敬的领导：您好！我今年五十八岁，老家在外地，九十年代来这座城市打工，先在建筑工地干了十来年，"
    "后来进了一家机械厂，一干又是十五年。这些年家里大事小事都是我一个人扛，老母亲八十多了，"
    "腿脚不灵便，常年吃着降压药；爱人在超市做保洁，孩子前几年才成家，也在外地上班，一年回来一次。"
    "我们一家省吃俭用，在城边上买了一套六十平米的二手房，每个月还着房贷。日子虽然紧巴巴的，"
    "但总算安稳。说这些，是想让领导知道我们这样的家庭经不起折腾。"
)
LONG_STORY = STORY + (
    "去年冬天，母亲跟着楼下几个老姐妹去社区活动中心跳广场舞，认识了一个自称健康顾问的年轻人。"
    "他隔三岔五请老人们去喝茶聊天，讲养生知识，说得头头是道，还经常帮老人拎菜、修手机，"
    "母亲觉得这孩子比亲孙子还贴心。后来他介绍母亲去城南一个会所参加所谓的健康讲座，"
    "一开始每天送鸡蛋、挂面、毛巾，老人们都愿意去，一去就是一上午。我们做子女的工作忙，"
    "也没往心里去，觉得老人有个地方热闹热闹也好。直到今年开春，我整理家里的东西，"
    "发现柜子里堆满了各种瓶瓶罐罐和一张张收据，才知道母亲前后已经花了两万多元。"
    "我问她，她说这些东西能治高血压、糖尿病，吃了就可以不吃降压药，还说拉别的老人来买有提成，"
    "她已经拉了三个老姐妹。我劝她停掉，她跟我吵了一架，说我不孝顺，到现在还天天往那里跑。"
    "我去会所找过一次，门口有人拦着不让进，说只接待会员。后来我又向小区里其他人家打听，"
    "才知道不止我母亲一个，三号楼的王阿姨把儿子给的养老钱全拿去买了所谓的磁疗床垫，"
    "一张床垫要一万八；五号楼的李大爷买了一箱号称进口的深海鱼油，结果上面连中文标签都没有。"
    "几位老人都说会所的人讲课的时候放着很多专家的照片和证书，还说产品是国家认证的，"
    "谁不信谁就是不懂科学。老人们文化程度不高，又怕得病拖累子女，最容易听信这些话。"
    "我们几家子女商量过，想去讨个说法，可是连会所老板是谁都不知道，收据上也只盖了一个看不清的章。"
    "前些天母亲说血压高得厉害，头晕，我们赶紧送去医院，医生说就是因为她自己停了降压药，"
    "再晚来几天可能就要出大事。医生还特别叮嘱，那些保健品不能代替药物。母亲这才有点后怕，"
    "可是钱已经花出去了，会所也不肯退，说产品拆封了概不退换。"
    "这家会所把普通食品说成能治病的药，哄骗老人高价购买，还让老人拉人头，"
    "恳请市场监管部门查一查这家会所的虚假宣传，别让更多老人上当。"
)
TITLED = "举报城南一家养生会所虚假宣传、哄骗老人高价买保健品。" + LONG_STORY
LETTERS = {
    # about 300 characters: the request comes after the story
    "trade_union": STORY
    + "去年我在厂里查出尿毒症，每周要透析三次，工资只够看病。厂里工会说可以申请困难职工帮扶，"
    "材料交上去快半年了没有回音。恳请总工会领导帮我们问问帮扶申请到底办到哪一步了。",
    # about 1,000 characters with a title, as letters to a government mailbox have
    "market_regulation": TITLED,
    # about 250 characters: a retiree's story first, the bus route asked for last
    "transport": "尊敬的领导：我今年六十九岁，老伴前年中风以后行动不便，"
    "每个月要去城西的康复医院做两次理疗。我们住在河湾新村，儿女都在外地工作，平时就我一个人推着轮椅陪她出门。以前小区门口有一趟车"
    "能坐到医院附近，今年春天这趟车改了走向，绕开了医院那一段，我们现在要先坐到长途汽车站，"
    "再换一趟车，换乘的站台之间还隔着一座天桥，轮椅上不去，每次都要求路人帮忙抬。来回一趟要"
    "三个多小时，老伴回来累得吃不下饭。我问过站台上的人，跟我们一样去医院的老人不少。"
    "恳请交通部门考虑让这趟公交车恢复经过康复医院的站点，或者开一条小区到医院的公交线路。",
}
OTHERS = [
    "我表姐前年借了我五万块说半年还 现在一拖再拖 电话也不接 你们能帮我要回来吗",
    "工会费年年交 到底花在什么地方了 会员能不能查账",
    "紧急！养殖场把病死的猪扔进了村里的灌溉渠 下游正在抽水浇菜 还有人在渠边洗衣服",
]


@pytest.fixture(scope="module")
def long_results() -> list[dict[str, Any]]:
    return classifier.classify_texts([*LETTERS.values(), *OTHERS, LONG_STORY])


def test_a_request_told_only_after_a_long_story(long_results: list[dict[str, Any]]) -> None:
    """900 characters about an elderly mother, then health products sold to her: market."""
    assert long_results[-1]["department"] == "market_regulation", long_results[-1]["top3"]


def test_long_letters_reach_their_department(long_results: list[dict[str, Any]]) -> None:
    """A 300- or 1,000-character letter routes on its request, not on its background."""
    assert 250 < len(LETTERS["trade_union"]) < 400
    assert len(LETTERS["market_regulation"]) > 900
    for department, result in zip(LETTERS, long_results[: len(LETTERS)], strict=True):
        assert result["department"] == department, result["top3"]


def test_the_encoder_reads_a_long_letter_by_its_opening_and_its_end() -> None:
    """The sentence encoder's pieces of a letter (config.yml: clip 400, pieces of 200) keep
    its title and its closing request, and no piece is longer than the encoder is given."""
    from nlu.focus import chunks, clip

    pieces = chunks(clip(TITLED, 400), 200)
    assert all(0 < len(p) <= 200 for p in pieces)
    assert pieces[0].startswith("举报城南一家养生会所")
    assert pieces[-1].endswith("别让更多老人上当。")


def test_boundaries_private_dispute_union_dues_and_present_danger(
    long_results: list[dict[str, Any]],
) -> None:
    loan, dues, dead_pigs = long_results[len(LETTERS) : len(LETTERS) + len(OTHERS)]
    assert loan["department"] is None
    assert loan["intent"] in {"private_dispute", "out_of_scope"}
    assert dues["department"] == "trade_union"
    assert dues["urgent"] is False
    assert dead_pigs["urgent"] is True
    assert dead_pigs["department"] == "agriculture"
