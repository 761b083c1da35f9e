"""The knowledge base: validated at load (file and line), it finds the right answer, and
consult-or-report answers questions on their topic, never requests to act, and keeps follow-ups
in the topic just answered."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.domain.catalogue import Catalogue
from hotline.domain.consult import (
    ASPECT_MARGIN,
    Consultation,
    _by_aspect,
    answer_in_passing,
    asks_afresh,
    consult_or_report,
    follow_up,
    signals,
)
from hotline.domain.knowledge import _CANON, KnowledgeBase, canonical, load_knowledge
from hotline.domain.private import is_ping
from hotline.domain.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_knowledge_base_answers_by_topic(catalogue: Catalogue) -> None:
    kb = load_knowledge(ROOT / "data" / "knowledge.yml", catalogue)
    assert len(kb.groups) >= 60
    answer = kb.match("异地就医需要什么手续", category="cross_region_medical")
    assert answer is not None and answer.group == "cross_region_filing"
    answer = kb.match("暑假孩子没人带 有托管班吗")
    assert answer is not None and answer.department == "trade_union" and answer.score > 0.75
    assert kb.match("🙂🙂🙂") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "groups:\n  - id: a\n    title: t\n    department: nowhere\n    answer: x\n"
            "    source: general\n    questions: [q]\n",
            ":4: groups.0.department: unknown department",
        ),
        ("groups:\n  - id: Bad Id\n", ":2:"),
        ("groups: [\n", "knowledge.yml"),
    ],
)
def test_a_broken_knowledge_base_names_file_and_line(
    tmp_path: Path, catalogue: Catalogue, text: str, message: str
) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_knowledge(path, catalogue)
    assert message in str(refused.value)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "data" / "knowledge.yml")


def _decide(kb: KnowledgeBase, text: str, *, department: str | None = None) -> Consultation:
    """The worst case for a question: the routing model unsure, no 诉求类型."""
    return consult_or_report(
        kb, text, category=None, department=department, request_type=None, sure=False
    )


@pytest.mark.parametrize(
    ("text", "group_prefix"),
    [
        ("家里就剩我和孙子 靠捡废品过日子 能吃上低保不", "dibao_"),
        ("听说社区有老人吃饭的食堂 一顿饭多少钱", "elderly_meal_"),
        ("嘎查有老人饭堂吗", "elderly_meal_point"),  # 老人饭堂 is the KB's 老年食堂
        ("我爸的老兵补助这两个月没到账 咋回事", "veteran_allowance"),
        ("我爹八十了一个人在乡下 有没有人定期上门看看他", "elderly_visit_"),
        ("打算去女儿那边常住 在那边看病医保能直接报吗", "cross_region_"),
        ("暑假里孩子没地方去 工会托管班还收人吗", "summer_childcare_"),
        ("退伍好多年了 今年还有给老兵的优惠体检吗", "veteran_health_check"),
        ("小区门口有个流浪的老太太 该打电话给哪个部门", "vagrant_found_help"),
        ("签了家庭医生以后有啥好处", "family_doctor_"),
        ("老伴中风了要用护理床 社区有租的没", "assistive_device_"),
        ("护理床怎么租", "assistive_device_"),  # 护理 names a subject; 处理 and 受理 do not
        ("我妈一个人住 哪类老人能享受上门探访", "elderly_visit_who"),  # 哪类 asks
        # "哪能租", "按天还是按月" ask, with no question mark
        ("老伴膝盖刚换了 轮椅想租着用 哪能租 按天还是按月", "assistive_device_"),
        ("juzhuzheng过期了怎么续签", "residence_permit_"),  # typed by sound; 怎么续 asks
        # the papers to bring are what is asked about, not the subject (no 身份证补办)
        (
            "我六十八了，听说老年人每年能在卫生院免费查一次身体。今年还能去吗？要带户口本还是身份证？",
            "elderly_free_checkup",
        ),
    ],
)
def test_seed_questions_in_new_words_are_answered_on_their_topic(
    kb: KnowledgeBase, text: str, group_prefix: str
) -> None:
    for department in (None, "health"):  # unsure, or routed to a wrong department
        decision = _decide(kb, text, department=department)
        assert decision.is_question, decision
        assert decision.answer is not None, decision
        assert decision.answer.group.startswith(group_prefix), decision


@pytest.mark.parametrize(
    ("text", "group"),
    [
        # a settled smell, then how often the pipes are checked: not the repair-number answer
        (
            "上个礼拜楼道里有股煤气味，后来修好了，现在没味了，想问问以后多久检查一次",
            "gas_safety_check",
        ),
        ("燃气管道多久检查一次", "gas_safety_check"),
        ("燃气公司电话是多少", "gas_repair_contact"),
    ],
)
def test_gas_questions_get_the_answer_to_what_was_asked(
    kb: KnowledgeBase, text: str, group: str
) -> None:
    decision = _decide(kb, text)
    assert decision.answer is not None and decision.answer.group == group, decision


@pytest.mark.parametrize(
    ("text", "group_prefix"),
    [
        # voice-to-text: no punctuation, the story's act words ("一直没人管") before the question
        (
            "我老丈人腿脚不行了 一个人住在镇上 我们两口子在外地上班 他吃饭的事一直没人管"
            " 经常饿一顿饱一顿 想问问街道有没有给老人送饭上门的 要怎么申请",
            "elderly_meal_",
        ),
        # "是…还是…" asks, though the walker's broken wheel reads like a report
        ("租的轮椅坏了 修是租的地方管还是我们自己掏钱", "assistive_device_"),
    ],
)
def test_a_question_after_a_story_is_answered(
    kb: KnowledgeBase, text: str, group_prefix: str
) -> None:
    decision = _decide(kb, text)
    assert decision.is_question and decision.answer is not None, decision
    assert decision.answer.group.startswith(group_prefix), decision


def test_a_complaint_ending_in_what_to_do_is_still_a_report(kb: KnowledgeBase) -> None:
    text = (
        "我们楼的电梯坏了一个多月了 物业一直拖着不修 老人上下楼全靠爬 找了好几次都没人管"
        " 我就想问问这种情况到底该怎么办"
    )
    decision = _decide(kb, text)
    assert decision.answer is None and not decision.is_question, decision


@pytest.mark.parametrize(
    "text",
    [
        "卫生院挂号的护士对我妈爱答不理的，这是什么态度",
        "困难帮扶的材料交上去推来推去，三个月了没有回音",
        "幼儿园每学期收八百块兴趣班费，这个钱该不该收",
        "定点药店让老人用医保卡买米买油，这不是在套医保吗",
        # a grievance told first, then who is responsible: a report
        "托管班交的报名费说好退的，钱到现在都没退，这事归谁管？",
        "助餐点送来的饭是馊的，打电话过去一直推脱，这是什么道理？",
        "家庭医生一年没来过一次，这个签约有什么意义？我要投诉。",
        # one's own case stuck, then "咋回事" / "能找谁": a request to act
        "医保卡在医院突然刷不了了 我一直按时交的 帮忙查查咋回事",
        "老板不给签劳动合同 干了大半年了 能找谁",
        # a service promised and never delivered, a plea to chase, a letter asking to 查处
        "社区派来上门照护我爸的阿姨说好每周一来，这三个星期都没见人，电话也打不通，到底谁管？",
        "临时救助申请交上去两个多月了一直没消息，能不能帮我催一下？",
        "尊敬的领导：某培训机构以暑期托管为名每人收费两千元，请问是否合规？恳请予以查处。",
    ],
)
def test_a_complaint_worded_as_a_question_is_a_report(kb: KnowledgeBase, text: str) -> None:
    decision = _decide(kb, text)
    assert decision.answer is None and not decision.is_question, decision


@pytest.mark.parametrize(
    ("text", "category", "department"),
    [
        # 低保 is mostly asked about: the category's default type is 咨询
        (
            "我们村的低保名额都给了村干部的亲戚 真正困难的人家一户都没评上",
            "subsistence_allowance",
            "civil_affairs",
        ),
        ("社区卫生服务中心的护士打针不消毒", "family_doctor", "health"),
        ("社区的老年助餐点中午的饭越来越少 价钱还涨了", "elderly_care", "civil_affairs"),
    ],
)
def test_a_message_that_asks_nothing_is_a_report_whatever_the_request_type(
    kb: KnowledgeBase, text: str, category: str, department: str
) -> None:
    """The request-type model's 咨询 does not make a complaint a question: the citizen is
    asked for the place, not offered a 咨询 registration."""
    decision = consult_or_report(
        kb, text, category=category, department=department, request_type="咨询", sure=True
    )
    assert decision.answer is None and not decision.is_question, decision


@pytest.mark.parametrize(
    "text",
    ["高龄补贴要多大年纪才能领", "社区医院有冇流感疫苗打", "外地户口嘅老人去饭堂食饭得唔得"],
)
def test_questions_in_other_words_ask(kb: KnowledgeBase, text: str) -> None:
    """多大岁数, Cantonese 有冇 / 得唔得: questions, never taken as reports."""
    assert _decide(kb, text).is_question


@pytest.mark.parametrize("text", ["烈士家属的抚恤金今年涨没涨", "辞职以后失业金能领几个月"])
def test_a_not_a_and_how_many_months_ask(kb: KnowledgeBase, text: str) -> None:
    decision = _decide(kb, text)
    assert decision.is_question and decision.answer is not None, decision


@pytest.mark.parametrize(
    "text",
    [
        "想给家里的猫办个宠物登记 去哪里办",  # 登记: marriages, property, dogs and donations alike
        "饭店门口想挂个新门头，要去哪里审批，收不收钱",  # 审批: 低保 is approved too
        "紧急紧急！今晚吃啥？",  # 紧急: how urgent, not 紧急维修 of the maintenance fund
        "买的牛奶过期了咋换",  # 过期: stale, not 身份证过期
    ],
)
def test_a_common_procedure_word_alone_does_not_pick_a_topic(kb: KnowledgeBase, text: str) -> None:
    decision = _decide(kb, text)
    assert decision.is_question and decision.answer is None, decision


def test_homophones_of_the_topic_words_still_find_the_topic(kb: KnowledgeBase) -> None:
    decision = _decide(kb, "我妈明年满55 领退修金要去社宝局办啥手续")
    assert decision.answer is not None and decision.answer.group.startswith("pension_"), decision


@pytest.mark.parametrize(
    ("text", "group_prefix"),
    [
        # homophone typos of the topic word, no entry in the spelling table
        ("想给我妈申请滴保要带哪些东西", "dibao_"),
        ("我爸是老兵 不像受那个体检吗", "veteran_health_check"),
        # pinyin typed beside characters
        ("tui wu jun ren you hui ti jian 在哪家医院做？要 yu yue 吗", "veteran_health_check"),
        ("wo ma xiang shen qing di bao 要带啥材料", "dibao_"),
    ],
)
def test_a_topic_word_typed_as_it_sounds_still_finds_the_topic(
    kb: KnowledgeBase, text: str, group_prefix: str
) -> None:
    decision = _decide(kb, text)
    assert decision.answer is not None and decision.answer.group.startswith(group_prefix), decision


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("我老父亲八十了", "父亲"),  # a word of its own is never respelled (老服务)
        ("北京户口的人", "北京"),
        ("是我市的政策吗", "是我市"),
    ],
)
def test_real_words_are_not_respelled_as_topic_words(
    kb: KnowledgeBase, text: str, kept: str
) -> None:
    assert kept in kb.spelled(text)


@pytest.mark.parametrize("text", ["人民路12号", "12号楼", "幸福路123号3单元", "人民医院"])
def test_a_place_alone_is_no_question_about_a_topic(kb: KnowledgeBase, text: str) -> None:
    assert _decide(kb, text).answer is None


@pytest.mark.parametrize("text", ["低保", "养老院", "老年食堂", "异地就医"])
def test_a_topic_alone_is_answered(kb: KnowledgeBase, text: str) -> None:
    assert _decide(kb, text).answer is not None


def test_the_hotline_asked_about_by_its_number_is_answered(kb: KnowledgeBase) -> None:
    decision = _decide(kb, "12345能管什么事")
    assert decision.answer is not None and decision.answer.group == "hotline_12345_service"


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("打这个电话要钱不", "hotline_12345_cost"),
        ("一般多久能处理好", "hotline_12345_time_limit"),
        ("我举报了会不会被对方知道", "hotline_12345_privacy"),
        ("投诉物业会不会被报复", "hotline_12345_privacy"),
    ],
)
def test_questions_about_the_hotline_itself_are_answered(
    kb: KnowledgeBase, text: str, group: str
) -> None:
    decision = _decide(kb, text)
    assert decision.answer is not None and decision.answer.group == group


def test_a_letters_words_for_dibao_are_dibao(kb: KnowledgeBase) -> None:
    decision = _decide(
        kb, "请问按月领取的困难生活保障金，应向户籍地乡镇申请还是在现居住地街道申请？"
    )
    assert decision.answer is not None and decision.answer.group.startswith("dibao")


def test_a_report_that_also_asks_about_the_reporters_name_is_still_a_report(
    kb: KnowledgeBase,
) -> None:
    assert _decide(kb, "我要举报，他们偷排废水，会不会知道是我举报的").answer is None


def test_the_time_limits_the_hotline_tells_are_those_it_runs() -> None:
    """The answer is typed text: it must change when data/sla.yml does."""
    sla = yaml.safe_load((ROOT / "data" / "sla.yml").read_text(encoding="utf-8"))
    groups = yaml.safe_load((ROOT / "data" / "knowledge.yml").read_text(encoding="utf-8"))
    answer = next(g["answer"] for g in groups["groups"] if g["id"] == "hotline_12345_time_limit")
    days = sla["answer_working_days"]
    assert f"{sla['accept_working_days']}个工作日内签收" in answer
    assert f"咨询在{days['咨询']}个工作日内" in answer
    assert f"求助、建议在{days['求助']}个工作日内" in answer and days["求助"] == days["建议"]
    assert f"投诉、举报在{days['投诉']}个工作日内" in answer and days["投诉"] == days["举报"]
    urgent = sla["urgent"]
    assert f"{urgent['accept_minutes']}分钟内签收、{urgent['answer_hours']}小时内办结" in answer


def test_how_to_apply_for_dibao_is_answered_not_ticketed(kb: KnowledgeBase) -> None:
    for text in ("低保怎么申请", "低保咋申请", "家里人突然生了重病 能不能申请低保"):
        decision = _decide(kb, text)
        assert decision.is_question and decision.answer is not None
        assert decision.answer.category == "subsistence_allowance"
        assert decision.answer.group.startswith("dibao_")  # not 临时救助 or 特困


@pytest.mark.parametrize(
    "text",
    [
        "路灯坏了好几天了",
        "社区助餐点的饭菜不干净，老人吃了闹肚子，请派人查一查",
        "低保审核不公平，我要举报村主任",
        # a named body asked to act, with a question-like turn
        "助餐点上礼拜突然关门了，门上贴张纸说装修，请民政上的人去问问清楚",
        "出院结账说查不到备案，让我全垫了，请医保局帮忙跟那边核一下把钱结了",
        # 麻烦 + someone to come is a request, not a question about the service
        "桥洞底下睡着个老人 好几天了 天冷了 麻烦救助站来个人把他接走",
        # a body asked to act, to think again or to be told, in a polite question
        "老人饭桌只收本社区户口的，我妈跟我住了半年还不让吃，你们能不能跟街道说说",
        "低保复核的通知只贴在村口，我看不见字。能不能请民政考虑一下，给我们打个电话？",
        "桥洞下那个老汉睡了一个礼拜了，你们管不管？能不能让救助站派人接走",
        "请 民政 让 他们 开 个 短信 预约，我 聋，打 不 了 电话",
        # the body asked to redo, extend, send someone or be told, with questions around it
        "奶奶住院的钱医保那边说早批了，可打到了她早销掉的存折上，钱一直被退回。"
        "能不能请医保局重新给打到她现在这张卡上？",
        "托管班八月就停了，孩子没人看。能不能请工会把班往后延到开学前？",
        "他瘫在床上下不了楼，能不能请民政跟他们说说，派个人上门来量？",
        "托管班把孩子照片连名字发在网上，能不能麻烦你们转告工会，把这些撤了？",
        "签约医生的群天天发保健品广告，问孩子的事没人回，我们到底签了个啥？能不能请卫健部门管一管？",
        "体检通知只发在手机群里，老人看不到早截止了，能不能让退役军人那边再补一次？",
        # 麻烦 asks a body as 请 does; a body called on by name to step in
        "助餐点只收手机扫码，老人没手机就吃不上。麻烦民政的人去跟他们讲清楚，现金也要收。",
        "暑假班说只收有单位的职工孩子，我们骑手也入了会。工会出来说句话，把我们的孩子也收了。",
    ],
)
def test_requests_to_act_are_not_answered_even_on_a_kb_topic(kb: KnowledgeBase, text: str) -> None:
    decision = consult_or_report(
        kb,
        text,
        category="subsistence_allowance",
        department="civil_affairs",
        request_type="咨询",  # the request-type model is often wrong
        sure=True,
    )
    assert decision.answer is None and not decision.is_question, decision


def test_a_question_asked_after_a_body_is_asked_to_act_is_answered(kb: KnowledgeBase) -> None:
    decision = _decide(
        kb,
        "寨子边上天天有人烧秸秆，请环保的来查查。另外想问问，老人到了岁数每年免费体检，在哪里检查？",
    )
    assert decision.is_question and decision.answer is not None
    assert decision.answer.group == "elderly_free_checkup"


@pytest.mark.parametrize(
    "text",
    [
        # a sick note from a community doctor is not signing up with one
        "厂里要病假条才准假，社区卫生服务站的医生开的假条认不认？",
        # booking the elders' canteen for a party is not where to eat
        "想在小区老年食堂摆几桌给老人过寿，食堂能包场吗？",
    ],
)
def test_a_subject_no_group_answers_is_not_answered_from_a_neighbour(
    kb: KnowledgeBase, text: str
) -> None:
    decision = _decide(kb, text)
    assert decision.is_question and decision.answer is None, decision


def test_a_question_off_the_kb_is_a_question_without_an_answer(kb: KnowledgeBase) -> None:
    decision = _decide(kb, "驾照到期了去哪换证")
    assert decision.is_question and decision.answer is None


@pytest.mark.parametrize(
    "text",
    [
        "请问公积金贷款额度怎么算",  # not 退役军人创业贷款
        "我想问问住房公积金能不能提取出来付房租",  # not 公租房
        "生育津贴怎么领 男的能领吗",  # not 高龄津贴
        "驾照到期换证要体检吗 去哪办",  # not 退役军人体检
        "如果电梯困人了应该打哪个电话",  # "电话" says how to reach, not what about: not 流浪救助
    ],
)
def test_a_subject_no_group_covers_is_not_answered_by_a_shared_word(
    kb: KnowledgeBase, text: str
) -> None:
    decision = _decide(kb, text)
    assert decision.is_question and decision.answer is None, decision


def test_an_uncovered_subject_some_group_is_asked_about_is_refused(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(
        "not_covered: [低保]\ngroups:\n  - id: dibao\n    title: 低保\n    answer: 答\n"
        "    source: general\n    questions: [低保怎么申请]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="not_covered"):
        load_knowledge(path, catalogue)


@pytest.mark.parametrize(
    ("previous", "text", "expected"),
    [
        ("cross_region_filing", "那要带什么材料？", "cross_region_filing"),  # not 优待证
        ("dibao_conditions", "那要带什么材料？", "dibao_materials"),
        ("dibao_materials", "多久能批下来", "dibao_process_time"),
        # the papers are the background, the asking is about when (the aspect named last)
        ("dibao_materials", "材料交齐了以后多久有结果", "dibao_process_time"),
        ("dibao_materials", "东西都递上去了，要等几久才批得下来？", "dibao_process_time"),
        ("veteran_preferential_card", "凭这个证坐公交免费不", "veteran_preferential_card"),
        ("elderly_meal_point", "行动不便的话能送到家吗", "elderly_meal_delivery"),
        ("family_doctor_signup", "在哪签", "family_doctor_signup"),
        ("elderly_meal_point", "我爸腿脚不行下不了楼 能送上门吗", "elderly_meal_delivery"),
        ("summer_childcare_signup", "行 那孩子在里头每天都干啥", "summer_childcare_content"),
        # a neighbour that does not say what materials either is no answer to "带什么材料"
        ("worker_hardship_aid", "要带什么材料", "worker_hardship_aid"),
        # an answer that says how often (探访频次) answers "隔多久来一趟"
        ("elderly_visit_content", "那一般多长时间上门一回", "elderly_visit_content"),
        # an acknowledgement before the question is no subject of its own
        ("summer_childcare_content", "嗯嗯知道了，那几号开始报名", "summer_childcare_signup"),
        # joining the union, asked after summer childcare: the union's own group
        ("summer_childcare_signup", "我单位没有工会，是不是要先入会", "union_membership"),
    ],
)
def test_follow_ups_stay_in_the_topic_just_answered(
    kb: KnowledgeBase, previous: str, text: str, expected: str
) -> None:
    answer = follow_up(kb, text, group=previous)
    assert answer is not None and answer.group == expected


@pytest.mark.parametrize(
    ("previous", "text"),
    [
        ("cross_region_filing", "另外问一下营业执照怎么办"),
        ("dibao_conditions", "还有我家门口的路灯坏了好几天了"),
        ("family_doctor_signup", "公积金怎么取"),
        ("summer_childcare_signup", "我要投诉楼下的烧烤摊"),
        ("veteran_health_check", "好的 另外退伍的人用公积金买房有没有照顾"),  # not_covered
        # moved on (顺便 / 另外): no lean to the group just answered
        ("dibao_conditions", "顺便问一句，我家天然气表不走字了该找谁"),
        # moved on for someone else ("她还想问")
        ("elderly_visit_remote_child", "奶奶说谢谢。她还想问，想把户口迁到儿子那边，去哪里办？"),
    ],
)
def test_a_new_subject_is_not_a_follow_up(kb: KnowledgeBase, previous: str, text: str) -> None:
    assert follow_up(kb, text, group=previous) is None


def test_a_bare_topic_name_is_answered_and_a_ping_is_not_a_follow_up(kb: KnowledgeBase) -> None:
    decision = _decide(kb, "异地就医")
    assert decision.answer is not None and decision.answer.category == "cross_region_medical"
    assert _decide(kb, "电梯").answer is None  # a thing, not a policy: maybe a report
    for ping in ("在吗", "？", "你好", "早啊，有人在冇？", "喂 在不在？"):
        assert follow_up(kb, ping, group="dibao_conditions") is None


@pytest.mark.parametrize(
    ("text", "ping"),
    [
        ("早啊，有人在冇", True),
        ("请问有人吗？", True),
        ("您好？", True),
        ("有人在小区门口乱扔垃圾", False),
        ("在吗 低保怎么申请", False),
        ("？？", False),
        # trying the channel out
        ("测试一下，能收到不", True),
        ("test", True),
        ("测试一下我们小区的水质", False),
    ],
)
def test_a_ping_only_checks_someone_is_there(text: str, ping: bool) -> None:
    assert is_ping(text) is ping


def test_a_long_letter_is_read_to_its_end_where_the_question_is(kb: KnowledgeBase) -> None:
    letter = "我是城东区的老住户，家里情况比较复杂，老伴常年卧床。" * 60 + "想问一下低保怎么申请？"
    decision = _decide(kb, letter)
    assert decision.answer is not None and decision.answer.group.startswith("dibao_")


@pytest.mark.parametrize(
    "text",
    [
        "俺家门口那个井盖子不晓得哪个偷走了，晚上黑黢黢的，娃儿放学要从这过",
        "楼下花坛里不知道是谁扔的一堆建筑垃圾，臭得很",
        "小区门口的路灯不清楚被什么人砸坏了",
    ],
)
def test_an_unknown_doer_in_a_report_is_not_a_question(kb: KnowledgeBase, text: str) -> None:
    assert not signals(text).asks
    decision = _decide(kb, text)
    assert not decision.is_question and decision.answer is None, decision


@pytest.mark.parametrize(
    "text", ["低保不知道找谁申请", "不知道哪个部门管低保", "不晓得哪个窗口可以办残疾证"]
)
def test_not_knowing_whom_to_ask_is_still_a_question(text: str) -> None:
    assert signals(text).asks


@pytest.mark.parametrize(
    "text",
    [
        "儿子想去当兵，征兵体检对视力有什么要求？",
        "捡到一只流浪猫想领养，要办什么手续吗？",
        "饭店招服务员要健康证，健康证去哪办？",
    ],
)
def test_a_subject_the_kb_does_not_cover_is_not_answered_from_a_look_alike(
    kb: KnowledgeBase, text: str
) -> None:
    assert _decide(kb, text).answer is None


def test_a_question_about_a_plan_told_by_others_is_still_a_question(kb: KnowledgeBase) -> None:
    decision = _decide(kb, "我一个人住，居委会说以后会派人来探访，来了都做些什么？")
    assert decision.answer is not None and decision.answer.group.startswith("elderly_visit_")


def test_a_wu_question_and_background_hardship_still_ask(kb: KnowledgeBase) -> None:
    """伐 asks like 吗; "一直没工作" is a life story, not a service that never came."""
    decision = _decide(kb, "屋里就我搭老伴两个人，我一直没工作，伊退休工资老少，阿拉好申请低保伐？")
    assert decision.answer is not None and decision.answer.category == "subsistence_allowance"
    assert _decide(kb, "退伍安置的工作一直没落实，跑了好几趟都说再等等").answer is None


def test_a_kb_spelling_read_twice_is_still_the_kb_spelling(kb: KnowledgeBase) -> None:
    """spelled() hands canonical text to ranking, which reads it again: 老年助餐点 stays."""
    words = [*_CANON, *_CANON.values(), *(g.title for g in kb.groups.values())]
    changed = [w for w in words if canonical(canonical(w)) != canonical(w)]
    assert changed == []
    assert canonical("附近的助餐点在哪") == canonical("附近的老年助餐点在哪")


@pytest.mark.parametrize(
    ("asked", "behind", "chosen"),
    [
        ("哪类老人可以登记", 0.02, "elderly_visit_who"),  # the aspect asked, close behind
        ("哪类老人可以登记", ASPECT_MARGIN + 0.02, "elderly_visit_content"),  # too far behind
        ("上门都做些什么", 0.02, "elderly_visit_content"),  # the best already answers it
        ("我爸一个人住", 0.02, "elderly_visit_content"),  # no aspect asked
    ],
)
def test_a_sibling_that_answers_the_aspect_asked_wins_a_near_tie(
    kb: KnowledgeBase, asked: str, behind: float, chosen: str
) -> None:
    ranked = [("elderly_visit_content", 0.30), ("elderly_visit_who", 0.30 - behind)]
    assert _by_aspect(kb, ranked, asked)[0] == chosen


def test_closeness_in_meaning_reorders_only_the_groups_the_words_found() -> None:
    kb = load_knowledge(ROOT / "data" / "knowledge.yml")
    question = "助餐点的饭能不能送到家里"
    found = [group for group, _ in kb.rank_readings(question)]
    second = found[1]
    kb.closeness = lambda text: {second: 1.0, "no_such_group": 1.0}
    reordered = kb.rank_readings(question)
    assert reordered[0][0] == second  # meaning moved it up…
    assert {group for group, _ in reordered} == set(found)  # …and admitted nothing new
    kb.closeness = None
    assert dict(reordered) == dict(kb.rank_readings(question))  # the scores stay the words'


def test_closeness_in_meaning_tips_a_follow_up_between_siblings() -> None:
    kb = load_knowledge(ROOT / "data" / "knowledge.yml")
    asked = "我还没签过约，是不是得先签了才能叫医生上门？签约要本人去现场吗"
    before = follow_up(kb, asked, group="family_doctor_home_visit")
    assert before is not None and before.group == "family_doctor_home_visit"
    kb.closeness = lambda text: {"family_doctor_signup": 1.0}
    after = follow_up(kb, asked, group="family_doctor_home_visit")
    assert after is not None and after.group == "family_doctor_signup"


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        (
            "菜场边上的公厕天天锁着门，请城管管一下。再问个事，退伍的去医院体检有优惠吗",
            "退伍的去医院体检有优惠吗",
        ),
        ("车位被占了能不能挪回来？顺便问一句，老年食堂68岁能去吃吗？", "老年食堂68岁能去吃吗？"),
        (
            "恳请城管查处小区门口的占道摊点。另有一事请教：社区有没有给老年人用餐之处？",
            "社区有没有给老年人用餐之处？",
        ),
        ("楼下的路灯坏了好几天了，晚上黑漆漆的", None),
        # 第二个 counts a month, not a matter: the question in passing is still found whole
        ("工资第二个月还没发，顺便问一下，低保怎么申请", "低保怎么申请"),
        # the second of two matters: "两件事。头一件…第二件问正事：…"
        (
            "两件事。头一件：楼下饭店把油烟管子直接对着我家窗户，请环保的来管一管。"
            "第二件问正事：低保在哪里申请？",
            "低保在哪里申请？",
        ),
        # the question a report was told before: "…真正想打听的是：…"
        (
            "小区门口的垃圾堆了一个礼拜，请街道派人清一清。讲完这个，我真正想打听的是：低保在哪里申请？",
            "低保在哪里申请？",
        ),
    ],
)
def test_a_question_asked_in_passing_inside_a_report_is_found(
    kb: KnowledgeBase, text: str, asked: str | None
) -> None:
    passing = answer_in_passing(kb, text)
    if asked is None:
        assert passing is None
    else:  # the question found whole, and answered from the knowledge base, not lost
        assert passing is not None and passing.answer is not None
        assert text[len(passing.report) :] == asked


@pytest.mark.parametrize(
    ("text", "group"),
    [
        # a letter's words for a meal (用餐之处), and its register (鄙人, 去岁, 需时几何)
        ("社区可有老年人用餐之处？价格几何？", "elderly_meal_point"),
        ("鄙人家兄去岁申请最低生活保障，敬请示知：自递交至审批，需时几何？", "dibao_process_time"),
    ],
)
def test_a_letters_register_is_read_as_everyday_words(
    kb: KnowledgeBase, text: str, group: str
) -> None:
    found = consult_or_report(
        kb, text, category=None, department=None, request_type=None, sure=False
    )
    assert found.answer is not None and found.answer.group == group


@pytest.mark.parametrize(
    "text",
    [
        "签了家庭医生以后老有陌生电话推销体检，信息肯定漏了，请卫健委查查",
        "卫生院给我爸换了一种降压药，吃了心慌，医生说没事，请卫健委帮忙问一问",
    ],
)
def test_asking_a_named_body_to_look_into_it_is_a_request_to_act(
    kb: KnowledgeBase, text: str
) -> None:
    found = consult_or_report(
        kb,
        text,
        category=None,
        department=None,
        request_type=None,
        sure=False,
    )
    assert found.answer is None and not found.is_question


def test_a_follow_up_that_moves_on_to_another_topic_is_not_held_to_the_last(
    kb: KnowledgeBase,
) -> None:
    answer = follow_up(kb, "明白了 另外想问下办结婚证要不要先在网上约", group="elderly_visit_who")
    assert answer is None or answer.category == "marriage_registration"


@pytest.mark.parametrize(
    ("text", "afresh"),
    [
        # short, or pointing back (after thanks too): about the topic just answered
        ("需要带什么证件", False),
        ("烈属也可以去吗", False),
        ("租金能不能有补贴", False),
        ("好的，谢谢。那我去租的时候，第一步要做什么？要不要有人来我家看？", False),
        ("嗯那去登记找人的时候要带些啥 他的相片要不要带", False),
        # a matter of its own, told in full: decided as a new question first
        ("身份证也在包里一起丢了，回去坐火车咋办？能在这边先补一张吗？", True),
        ("送饭是有了，那帮老人家洗澡、搞卫生的上门服务有冇得？", True),
    ],
)
def test_a_follow_up_is_asked_afresh_only_when_it_tells_a_matter_of_its_own(
    text: str, afresh: bool
) -> None:
    assert asks_afresh(text) is afresh


def test_a_report_opener_is_no_question_about_the_hotline(kb: KnowledgeBase) -> None:
    for text in ("我想反映一个问题", "我要反映个事情", "反映个问题"):
        assert _decide(kb, text).answer is None


@pytest.mark.parametrize(
    "text",
    [
        # a body asked to act in the story, then the question: a report too, not only an answer
        "楼下烧烤摊天天弄到半夜，油烟大得很，请城管来管管。完了俺正经要问的：俺娘一个人在家，"
        "腿脚不好，那个老年助餐点能不能送饭上门？",
        # unfairness told is a grievance, however it is asked
        "我想问问我们村的低保为啥评给了村长他亲戚，我们家比他们穷多了，这不公平",
    ],
)
def test_a_grievance_or_a_request_told_before_a_question_is_a_report(
    kb: KnowledgeBase, text: str
) -> None:
    found = consult_or_report(
        kb, text, category=None, department=None, request_type=None, sure=False
    )
    assert found.answer is None and not found.is_question
