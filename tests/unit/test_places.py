"""Places kept whole: what citizens type reaches the ticket with district, road and spot."""

from __future__ import annotations

import pytest

from hotline.places import is_place_like, place_correction, place_from_answer, place_in_message

# Answers to "请问问题发生的具体地点在哪里", and exactly what the ticket must store.
ANSWERS = [
    # roads whose names hold direction or other words are never cut
    ("镇淮楼东路12号", "镇淮楼东路12号"),
    ("淮安区镇淮楼东路12号", "淮安区镇淮楼东路12号"),
    ("在人民路北段430号", "人民路北段430号"),
    ("中山北路", "中山北路"),
    ("就在解放大道", "解放大道"),
    ("人民陆12号", "人民陆12号"),  # typo for 路: kept as typed
    # crossings keep both roads and the corner
    ("解放大道与北京路交叉口那边吧", "解放大道与北京路交叉口"),
    ("建设路与文化路交叉口", "建设路与文化路交叉口"),
    ("人民路和解放路路口东北角", "人民路和解放路路口东北角"),
    ("青年路与健康路十字路口西南角", "青年路与健康路十字路口西南角"),
    ("淮海东路与健康西路交汇处", "淮海东路与健康西路交汇处"),
    ("西湖区文三路与学院路路口", "西湖区文三路与学院路路口"),
    # compounds, buildings, units, rooms, English letters
    ("阳光花园小区7栋", "阳光花园小区7栋"),
    ("阳光花园小区7栋3单元501", "阳光花园小区7栋3单元501"),
    ("我家在幸福家园3号楼2单元501室。", "幸福家园3号楼2单元501室"),
    ("科技园B座12楼", "科技园B座12楼"),
    ("万达广场B座1808室", "万达广场B座1808室"),
    ("新城吾悦广场Ｂ座", "新城吾悦广场Ｂ座"),
    ("淮阴区王营镇北京西路88号润园小区A区5栋", "淮阴区王营镇北京西路88号润园小区A区5栋"),
    ("经济开发区深圳东路18号富士康厂区南门", "经济开发区深圳东路18号富士康厂区南门"),
    # full-width digits become ASCII, Chinese numerals stay as written
    ("地址是清江浦区淮海南路１２８号", "清江浦区淮海南路128号"),
    ("地址：淮安市清河区水渡口大道3号", "淮安市清河区水渡口大道3号"),
    ("红星小区十二号楼二单元", "红星小区十二号楼二单元"),
    ("人民路 12号 3栋", "人民路 12号 3栋"),
    # landmarks and the spot beside them, distances
    ("市二中门口往东50米", "市二中门口往东50米"),
    ("万达广场北门对面的公交站吧", "万达广场北门对面的公交站"),
    ("离地铁站出口大概100米", "离地铁站出口大概100米"),
    ("从火车站出来往南走大概两百米", "从火车站出来往南走大概两百米"),
    ("就在菜市场旁边", "菜市场旁边"),
    ("就在人民医院旁边", "人民医院旁边"),
    ("就在老汽车站对面哈", "老汽车站对面"),
    ("黄河路128号附近", "黄河路128号附近"),
    ("在二院急诊楼后面的停车场", "二院急诊楼后面的停车场"),
    ("是在城南小学后面那条巷子里", "城南小学后面那条巷子里"),
    ("在那个新华书店对面的巷子口", "新华书店对面的巷子口"),
    # rural forms and dialect
    ("俺家在王集镇李庄村三组", "王集镇李庄村三组"),
    ("金湖县银集镇红星村五组", "金湖县银集镇红星村五组"),
    ("在马坝镇新河村三组哈", "马坝镇新河村三组"),
    ("俺就住在东风镇南塘村老槐树底下那家小卖部旁边", "东风镇南塘村老槐树底下那家小卖部旁边"),
    ("我们家住在陈家洼村二队", "陈家洼村二队"),
    # filler, particles, "这里/那边", hedges, courtesy and phone numbers tidied away
    ("嗯，就在人民路12号这里吧", "人民路12号"),
    ("人民路那边", "人民路"),
    ("人民路12号，电话13812345678", "人民路12号"),
    ("不记得门牌了，反正在人民路上", "人民路上"),
    ("人民路12号，快点来处理啊！", "人民路12号"),
    ("人民路12号？可以吗", "人民路12号"),
    ("大概在长江路中段吧", "长江路中段"),
    ("具体地点是淮海广场东边的地下通道出口", "淮海广场东边的地下通道出口"),
    ("喂，同志，在北京北路和健康西路路口那边！！", "北京北路和健康西路路口"),
    ("就是那个城南小学门口呀", "城南小学门口"),
    ("在人民路12号，红色大门那家", "人民路12号，红色大门那家"),
    ("在清河区长江路80号😊", "清河区长江路80号"),
    # a name without road or building words is still a place when that is all the answer says
    ("城南", "城南"),
    ("万达", "万达"),
]

NOT_PLACES = [
    "不知道",
    "我不要登记，就是问问",
    "13812345678",
    "138 1234 5678",
    "+86 138-1234-5678",
    "0517-83456789",
    "(0517)8345 6789",
    "不想说",
    "这个不方便透露",
    "😊😊",
    "👍",
    "你问这个干嘛？",
    "为什么要告诉你地址",
    "好的",
    "嗯嗯",
    "没有",
    "不清楚，你们自己查",
    "我要投诉",
    "路灯坏了",
    "？？",
    "I don't know",
    "在这里",
    "",
]


@pytest.mark.parametrize(("answer", "place"), ANSWERS)
def test_an_answer_to_the_place_question_is_kept_whole(answer: str, place: str) -> None:
    assert place_from_answer(answer) == place


@pytest.mark.parametrize("answer", NOT_PLACES)
def test_an_answer_without_a_place_gives_none(answer: str) -> None:
    assert place_from_answer(answer) is None


def test_a_long_answer_keeps_only_the_place() -> None:
    """Over ~100 characters the place is searched for, and still kept whole."""
    answer = (
        "同志你好，我跟你说啊，这个事情已经好长时间了，我们反映过好多次都没人管，"
        "具体地方就在清江浦区健康西路与北京北路交叉口往北大概五十米的那个公交站台旁边，"
        "每天早上都有人在那里乱倒垃圾，味道很大，麻烦你们赶紧派人来看看吧"
    )
    assert len(answer) > 100
    assert (
        place_from_answer(answer)
        == "清江浦区健康西路与北京北路交叉口往北大概五十米的那个公交站台旁边"
    )


def test_an_answer_of_a_hundred_characters_is_not_cut() -> None:
    answer = (
        "淮安市清江浦区" + "健康西路与北京北路交叉口往北五十米公交站台旁边的" * 2 + "小卖部门口"
    )
    assert len(answer) <= 100
    assert place_from_answer(answer) == answer


# Reports that also say where: (message, NLU address entity, the whole place).
MESSAGES = [
    (
        "淮安区镇淮楼东路12号门口的路灯坏了三天了，晚上黑乎乎的",
        "东路12号",
        "淮安区镇淮楼东路12号门口",
    ),
    ("镇淮楼东路12号晚上施工太吵", "东路12号", "镇淮楼东路12号"),
    (
        "中山北路和解放大道交叉口东北角的井盖丢了，很危险",
        "中山北路",
        "中山北路和解放大道交叉口东北角",
    ),
    ("我住在阳光花园小区７栋，楼上天天装修吵得睡不着", "7栋", "阳光花园小区7栋"),
    ("我要投诉人民路12号的烧烤店油烟太大", None, "人民路12号"),
    ("我家住在阳光花园小区7栋，楼上天天装修吵得睡不着", None, "阳光花园小区7栋"),
    ("建设路与文化路交叉口的红绿灯坏了，车都堵死了", None, "建设路与文化路交叉口"),
    (
        "你好，我想反映一下，在万达广场北门对面的公交站有人乱摆摊，影响通行。",
        None,
        "万达广场北门对面的公交站",
    ),
    ("王集镇李庄村三组的河里有死鱼，臭得很", None, "王集镇李庄村三组"),
    ("路灯坏了好几天了，在人民路北段430号门口", None, "人民路北段430号门口"),
    (
        "俺们村是王集镇李庄村，村东头的桥塌了一半，娃们上学不安全",
        None,
        "王集镇李庄村",
    ),
    (
        "我住在淮海南路128号金鹰花园3栋2单元，楼下的烧烤摊每天晚上吵到两点",
        None,
        "淮海南路128号金鹰花园3栋2单元",
    ),
    (
        "您好！清江浦区健康西路与北京北路交叉口往北五十米的公交站台旁边，每天早上都有人乱倒垃圾。",
        None,
        "清江浦区健康西路与北京北路交叉口往北五十米的公交站台旁边",
    ),
    ("科技园B座12楼的电梯经常坏", None, "科技园B座12楼"),
    ("离地铁站出口大概100米的地方有个大坑", None, "离地铁站出口大概100米"),
    ("路灯不亮，麻烦处理", "人民路", "人民路"),
]


@pytest.mark.parametrize(("message", "entity", "place"), MESSAGES)
def test_a_place_inside_a_report_is_found_whole(
    message: str, entity: str | None, place: str
) -> None:
    assert place_in_message(message, entity) == place


@pytest.mark.parametrize(
    "message", ["楼道里有很多垃圾没人清理", "我想问一下低保怎么申请", "你们电话一直打不通"]
)
def test_a_report_without_a_place_gives_none(message: str) -> None:
    assert place_in_message(message) is None


CORRECTIONS = [
    ("地址不对，是人民路12号", "人民路12号"),
    ("地址改成解放大道88号", "解放大道88号"),
    ("不是人民路，是解放路", "解放路"),
    ("位置应该在市二中门口往东50米", "市二中门口往东50米"),
    ("改一下地点：阳光花园小区7栋", "阳光花园小区7栋"),
    ("地址写错了，应该是淮海南路128号", "淮海南路128号"),
    ("不是在人民路12号，在人民路21号", "人民路21号"),
    ("错了，应该是建设路与文化路交叉口", "建设路与文化路交叉口"),
    ("是人民路21号，不是12号", "人民路21号"),
    ("地址改为：万达广场北门对面的公交站", "万达广场北门对面的公交站"),
    ("地址改成镇淮楼东路12号门口吧", "镇淮楼东路12号门口"),
    ("不是东路，是镇淮楼东路12号", "镇淮楼东路12号"),
    ("俺说错了，地点是王集镇李庄村三组", "王集镇李庄村三组"),
    ("地址改成 人民路 12号", "人民路 12号"),
    ("把地址改为淮阴区长江西路169号", "淮阴区长江西路169号"),
]


@pytest.mark.parametrize(("text", "place"), CORRECTIONS)
def test_a_correction_replaces_the_place_whole(text: str, place: str) -> None:
    assert place_correction(text) == place


@pytest.mark.parametrize(
    "text",
    ["电话改成13812345678", "内容改成路灯不亮", "确认提交", "地址不对", "不是这个地址", "好的"],
)
def test_other_corrections_are_not_places(text: str) -> None:
    assert place_correction(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人民路", True),
        ("12号", True),
        ("3号楼2单元", True),
        ("东北角", True),
        ("王集镇李庄村三组", True),
        ("不知道", False),
        ("我知道了", False),
        ("好的", False),
        ("13812345678", False),
        ("找哪个部门", False),
    ],
)
def test_is_place_like(text: str, expected: bool) -> None:
    assert is_place_like(text) is expected
