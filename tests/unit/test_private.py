"""Gossip and private quarrels get no department; complaints that name the same words still do."""

from __future__ import annotations

import pytest

from hotline.domain import private
from hotline.domain.private import is_family_matter, private_intent


@pytest.mark.parametrize(
    "text",
    [
        "听说对门老李的儿子考上了公务员，分到财政局了，他家天天显摆",
        "我们单位工会主席人挺好的，就是说话老带口音哈哈",
        "表姐借了我家的三轮车拉货，车斗压坏了也不赔",
        "我哥借我八千块说年底还，现在过年了还不还",
        "楼下王阿姨的女婿在城管上班，听说要提拔了",
        # longer chat about a named person at a school, clinic or station, asking nothing
        "我们镇卫生院新来的那个李医生长得真俊，小区里好几个阿姨都想给他介绍对象，也不晓得人家有没有对象，"
        "你说这帮老姐妹是不是闲的",
        "孙子幼儿园的刘老师听说怀了二胎，下学期可能不带他们班了，家长们都在猜换谁",
    ],
)
def test_gossip_and_private_quarrels_are_private(text: str) -> None:
    assert private_intent(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "听说城管局的人收了摊贩的钱就不管了，我要举报",  # wrongdoing reported: a department's
        "邻居借了我的梯子爬到公共楼道顶上接电线，太危险了",  # a danger
        "我表哥在工地干活，老板欠了他三个月工资不给",  # wages: human_resources
        "我女儿在二中读书，听说学校要乱收补课费",  # a school charging fees
        "隔壁邻居天天半夜唱歌，吵得我睡不着",  # noise: public_security
        "听说我们小区物业经理跟开发商是亲戚，物业费一涨再涨，请你们查一查",  # asks to act
        "听说二小的老师中午在食堂吃完饭，好几个孩子肚子疼，学校也没送医院",  # people ill
        "社区卫生室那个医生态度特别差，听说好多人都被他骂过",  # a service complaint
    ],
)
def test_requests_naming_the_same_words_are_not(text: str) -> None:
    assert private_intent(text) is None


def test_a_long_message_is_left_to_the_model() -> None:
    text = "听说隔壁老张的女婿在住建局上班，" * 8
    assert private_intent(text) is None


def test_a_quarrel_is_told_where_mediation_is_and_gossip_is_out_of_scope() -> None:
    assert private_intent("表姐借了我家的三轮车拉货，车斗压坏了也不赔") == "private_dispute"
    assert private_intent("楼下王阿姨的女婿在城管上班，听说要提拔了") == "out_of_scope"
    assert private_intent("小区门口的路灯坏了") is None


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("我和前妻离婚三年了，孩子的抚养权想改过来，该怎么弄", True),
        ("楼上漏水把我家天花板泡坏了，邻居不肯赔", True),
        ("小区门口的路灯坏了好几天", False),
    ],
)
def test_family_matters_of_any_length(text: str, family: bool) -> None:
    assert is_family_matter(text) is family


@pytest.mark.parametrize(
    ("text", "only"),
    [
        ("【转发】市卫健委温馨提示：流感高发季，请老人儿童及时接种疫苗，转给大家看看", True),
        ("转发：街道关于周六开展垃圾分类宣传活动的通知，欢迎居民参加", True),
        ("【转发】区教育局暑期防溺水通知。我想问一下我们村塘边能不能装护栏", False),
        ("【转发】供电所停电通知，明天停一天，我家有制氧机怎么办？", False),
        ("小区通知说明天停水，能不能提前告诉我们几点来水", False),
    ],
)
def test_a_forwarded_notice_alone_asks_nothing(text: str, only: bool) -> None:
    assert private.notice_only(text) is only


def test_money_taken_from_people_is_not_gossip() -> None:
    text = "隔壁有个暑假托管班其实天天在上初中数学课，一个月收三千，听说是附近学校的老师在教"
    assert private_intent(text) is None
    assert private_intent("听说隔壁学校的李老师要结婚了，新郎是税务局的") == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("上礼拜反映的井盖换好了，谢谢你们哈", "thank"),
        ("唔该晒，楼下嘅水管已经修好咗", "thank"),
        ("前次反映的桥头积水问题已妥善解决，特此致谢", "thank"),
        ("劳慰你们咯，上回井盖换得蛮快，修得蛮快！", "thank"),
        ("前些天说的下水道那事儿给办了，谢谢啦", "thank"),
        ("楼道灯的事整好了，多谢", "thank"),
        # done told as a repair report, a benefit approved, a case dealt with in time
        ("上月反映的3号楼电梯异响，维保单位已更换部件，现运行正常，特此致谢。", "thank"),
        ("谢谢你们上回帮我催的临时救助，已经批下来了", "thank"),
        ("感谢贵单位对我们楼顶违建一事的及时处理，全体住户深表谢意。", "thank"),
        # thanks naming whom to commend is praise: a ticket for that body
        ("感谢城管，昨天报的路灯今天就修好了", None),
        ("物业的李师傅半夜帮我们修好了水管，想表扬一下", None),
        # something still wrong is a request
        ("路灯修好了谢谢，但是旁边那盏又不亮了", None),
        ("谢谢你们，水管修好了，可水还是黄的吗", None),
    ],
)
def test_thanks_for_a_fix_is_thanks_unless_it_commends_someone(
    text: str, intent: str | None
) -> None:
    assert private_intent(text) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("老师让写周记，xin ku两个字怎么写", "out_of_scope"),
        ("‘白日依山尽’的下一句是什么？孙女考我", "out_of_scope"),
        ("成语“胸有成竹”是什么意思", "out_of_scope"),
        # homework as a grievance is the model's to route
        ("老师布置的作业太多了，孩子天天写到半夜，这个字怎么写都要抄一百遍", None),
        ("侬帮阿拉问问物业到底啥意思，物业费年年涨", None),
    ],
)
def test_a_word_question_needs_no_department(text: str, intent: str | None) -> None:
    assert private_intent(text) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("测试一下，能收到不", "greet"),
        ("收到请回复", "greet"),
        ("早啊，有人在冇", "greet"),
        ("测试卷子收费太贵了", None),  # a test paper is no test message
    ],
)
def test_a_ping_or_a_test_message_is_a_greeting(text: str, intent: str | None) -> None:
    assert private_intent(text) == intent
