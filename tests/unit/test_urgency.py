"""The learned urgency signal (``nlu.urgency``): its corpus, its labels and its verdicts.

The corpus and combination checks run in the app env (pure Python). The model checks train
:class:`nlu.urgency.UrgencyModel` on the real training set inside ``.venv-rasa`` (numpy,
scikit-learn; about 15 s) and classify phrasings that are in neither the corpus nor the dev
sets. They guard against regressions; the figures are in ``bench/nlu_eval/README.md``.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.adapters import classifier
from nlu import rules, urgency
from tests.support.rasa_env import NEEDS_RASA_ENV

ROOT = Path(__file__).resolve().parents[2]
# heldout.jsonl is not opened here either (bench/nlu_eval/README.md): only the dev set.
DEV_SETS = [
    ROOT / "bench" / "nlu_eval" / n
    for n in (
        "urgent_dev2.jsonl",
        "urgent_dev3.jsonl",
        "dept_dev.jsonl",
        "boundary_dev.jsonl",
        "voices_dev.jsonl",
        "chat_fresh.jsonl",
        "urgent_fresh.jsonl",
        "voices_fresh.jsonl",
        "stories_fresh.jsonl",
    )
]

URGENT = [
    "厨房里全是天然气的味 我婆婆在里面晕了",
    "快递站后面的纸箱堆烧起来了 火往仓库那边走",
    "我跟同事困在货梯里快一个小时了 里面很闷",
    "有个大叔在公交站台上突然倒下 嘴唇发紫",
    "我家五岁的儿子在游乐场不见了 已经找了四十分钟",
    "两个男的在烧烤摊抡起凳子互砸 有人头上流血",
    "涵洞积水把一辆出租车淹了一半 司机爬到车顶上了",
    "阳台外面的防盗窗整个松了 挂在五楼晃 底下是人行道",
    "闺蜜说她吞了一把安眠药 现在不接电话",
    "路当中的下水井盖被撬走了 刚有辆自行车栽进去",
    "紧急 印染厂的废水顺着沟流进村里人洗菜挑水的那口塘",
    "仓库里药剂桶漏了 守门的大爷和两个搬运工都说头晕想吐",
    "赶紧来人 小孩爬进了没盖的地窖 下不去也上不来",
    "救命 零下十几度 一个老奶奶穿着拖鞋在外面转 说找不到家",
    "紧急 菜场的雨棚塌了一角 底下好几个孩子在玩",
    "赶紧派人 一个出租院住了三十来个人 一半人发烧咳嗽 还有人咯血",
    "紧急 浇地的水沟里泡着好几只死羊 下游正在开闸放水浇菜",
    "差点被熏晕 厨房现在还在往外冒煤气味 孩子在里屋睡觉",
    "公交急刹 一个阿姨摔倒后脑勺着地 现在叫不醒",
]

# Danger to many people, in words the learned model has not seen (rules; live probe 12-05).
URGENT_BY_RULE = [
    "紧急！化工厂往河里排黄水，下游村里人都在河里洗菜淘米",
    "出租屋里住了二十几个工人，好几个人发高烧咳嗽，怀疑是传染病，房东不管",
    "村东头的渠里漂着死猪，自来水厂的取水口就在下面",
    "工棚里有人确诊肺结核，十几个人挤一个屋睡",
    "鱼塘里泡着三头死猪 塘边几户人家都在这淘米洗衣",
    "技校宿舍好几个人得了水痘 还跟别人一起住 一天比一天多",
    "砖厂往河里放黑水 下游喝了河水的几家人都在上吐下泻",
    "工地宿舍三十来号人，好几个发高烧，听说是甲流，工头还让干活",
]
# Dangers told as a story, far from the words that name them (rules; voices_fresh, 12-05).
STORY_DANGERS = [
    "游乐场人太多了，我去买水的时候让孩子在滑梯边等我，回来一扭头的功夫就没影了，找了一圈了",
    "我舅舅独居在山里的老屋，儿女都在外地。刚才村医去看他，说他躺在床上叫不醒，村医一个人抬不动",
    "幼儿园的接送车本来坐十二个人，今天我看见里面挤了二十多个小朋友，现在正往城里开",
    "跨江大桥的桥面中间拱起来一大块，刚才一辆摩托车冲过去摔了，后面的车还在往上开",
    "冷库里那批病死的鸡，老板说今晚就拉去做成鸡爪卖",
    "矿上的尾矿水漏出来了，顺着沟流进了井里，我们几户吃的都是这口井",
    # an old person out alone who cannot say where home is; whole classes taken ill at once
    "环城路边上有个老大爷一个人慢慢走，问他住哪说不清，天快黑了",
    "厂里食堂午饭过后好几个车间的工人上吐下泻，医务室躺满了",
]
NOT_URGENT_BY_RULE = [
    "印染厂去年往河里排过污，已经罚款了，想看整改报告",
    "河里有点臭，希望清理一下",
    "出租屋住的人太多，厕所不够用",
    "想问问肺结核病人去哪家医院免费治疗",
    "渠里那头死牛上个月就拉走了 想问渠要不要消毒",
    "宿舍以前有人得过水痘 已经好了 想问要不要打疫苗",
    "救命 工资两个月没发了 房租都交不上",
    "紧急求助 孩子下周报到 出生证明丢了 怎么补办",
    "班里好几个同学咳嗽 是不是流感 想问要不要停课",
    "孩子上个月在公园一转眼就不见了，后来找到了，想建议公园多装几个广播",
    "桥面上有个大坑，去年有人骑车摔过，到现在还没补好",
    "想问一下老人记不得家在哪，平时能办个防走失的手环吗",
]

NOT_URGENT = [
    "天然气的账单是不是算错了 这个月两百多",
    "快递站门口纸箱堆得太多 挡路",
    "货梯坏了三天了 物业说配件还没到",
    "公交站台的顶棚漏雨 等车全身湿",
    "想问问孩子的学籍转到本市要什么手续",
    "烧烤摊每天开到凌晨两点 太吵了",
    "涵洞的照明灯坏了 晚上黑",
    "上个月阳台防盗窗掉下来过 物业已经修好了 想问费用谁出",
    "失眠很久了 想问医院的睡眠门诊怎么挂号",
    "小区的井盖上周换新了 就是颜色不统一",
    "印染厂去年排过污 已经罚过款了 想看看整改报告",
    "要是仓库里的药剂漏了 工人应该往哪边撤",
    "地窖的盖子坏了 想找人来换一个",
    "冬天老人取暖补贴什么时候能发",
    "菜场雨棚有点旧 下雨滴水 希望换新",
    "出租院里住的人太多 厕所不够用",
    "死羊怎么处理才合规 想问问兽医站",
    "地铁门关得太快 我家老人差一点被夹到 希望延长开门时间",
    "货车在村口拐弯太急 险些撞上放学的孩子 请交警来管管",
    "我担心以后小区水箱会被人投毒 能不能加把锁",
    "夜宵街每晚都有人喝多了吵吵闹闹 影响休息",
]


def _nlu_texts() -> set[str]:
    """Plain texts of the data/nlu examples (entity annotations removed)."""
    texts: set[str] = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for raw in str(block.get("examples") or "").splitlines():
                line = raw.strip()
                if line.startswith("- "):
                    plain = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:])
                    texts.add(urgency.normalise(plain))
    return texts


@pytest.mark.parametrize("text", URGENT_BY_RULE)
def test_rules_flag_poisoned_water_and_spreading_disease(text: str) -> None:
    assert rules.is_urgent(text), rules.urgency_evidence(text)


@pytest.mark.parametrize("text", STORY_DANGERS)
def test_rules_flag_dangers_told_as_a_story(text: str) -> None:
    assert rules.is_urgent(text), rules.urgency_evidence(text)


@pytest.mark.parametrize("text", NOT_URGENT_BY_RULE)
def test_rules_leave_settled_or_ordinary_water_and_health_cases(text: str) -> None:
    assert not rules.is_urgent(text), rules.urgent_cues(text)


def test_corpus_is_large_labelled_and_mixed() -> None:
    pairs = urgency.load_corpus()
    urgent = sum(1 for _, label in pairs if label)
    assert len(pairs) >= 1500
    assert 0.25 < urgent / len(pairs) < 0.6
    assert all(text.strip() for text, _ in pairs)


def test_every_labelled_nlu_example_exists_in_the_nlu_data() -> None:
    labelled = urgency.load_nlu_labels()
    assert len(labelled) > 200
    assert labelled <= _nlu_texts()


def test_no_dev_or_held_out_text_is_trained_on() -> None:
    trained = {urgency.normalise(t) for t, _ in urgency.load_corpus()}
    trained |= urgency.load_nlu_labels()
    for path in DEV_SETS:
        with path.open(encoding="utf-8") as fh:
            texts = {urgency.normalise(json.loads(line)["text"]) for line in fh if line.strip()}
        assert not texts & trained, path.name


def test_department_dev_set_is_not_in_the_nlu_data() -> None:
    path = ROOT / "bench" / "nlu_eval" / "dept_dev.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    assert len(rows) >= 300
    assert not {urgency.normalise(r["text"]) for r in rows} & _nlu_texts()


def test_boundary_dev_set_is_not_in_the_nlu_data() -> None:
    path = ROOT / "bench" / "nlu_eval" / "boundary_dev.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    assert len(rows) >= 60
    assert not {urgency.normalise(r["text"]) for r in rows} & _nlu_texts()


def test_voices_dev_set_is_not_in_the_nlu_data() -> None:
    """The mayor's-mailbox, elderly, rural and migrant-worker dev set is never trained on."""
    path = ROOT / "bench" / "nlu_eval" / "voices_dev.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    assert len(rows) >= 90
    assert not {urgency.normalise(r["text"]) for r in rows} & _nlu_texts()


LETTERS = ROOT.parent / "shared" / "corpora" / "letters_dev.jsonl"


@pytest.mark.skipif(not LETTERS.exists(), reason="the letters corpus lives in ../shared/")
def test_no_real_letter_is_copied_into_the_training_data() -> None:
    """The citizens' letters are for evaluation only: none of their openings is trained on."""
    with LETTERS.open(encoding="utf-8") as fh:
        openings = [json.loads(line)["text"][:25] for line in fh if line.strip()]
    trained = "\n".join(_nlu_texts() | {urgency.normalise(t) for t, _ in urgency.load_corpus()})
    copied = [o for o in openings if len(o) == 25 and urgency.normalise(o) in trained]
    assert not copied, copied[:3]


def test_unit_test_phrasings_are_not_in_the_corpus() -> None:
    trained = {urgency.normalise(t) for t, _ in urgency.load_corpus()}
    mine = URGENT + NOT_URGENT + TURNS + TRIVIAL_ALARMS + FORWARDED
    assert not {urgency.normalise(t) for t in mine} & trained


def test_evidence_verdict_is_the_rules_verdict() -> None:
    for text in [*URGENT, *NOT_URGENT, "电梯坏了 没人被困", "万一燃气泄漏怎么办", ""]:
        evidence = rules.urgency_evidence(text)
        assert set(evidence) == set(rules.EVIDENCE)
        assert evidence["rule"] == rules.is_urgent(text)
        assert urgency.evidence_vector(text) == [float(evidence[n]) for n in rules.EVIDENCE]


def test_guards_show_in_the_evidence() -> None:
    assert rules.urgency_evidence("上个月电梯困过人")["past"]
    assert rules.urgency_evidence("万一煤气泄漏怎么办")["hypothetical"]
    assert rules.urgency_evidence("火已经扑灭了")["resolved"]
    assert rules.urgency_evidence("电瓶车差点撞到老人")["near_miss"]
    assert rules.urgency_evidence("救命 我的快递三天了还没到")["errand"]
    assert not rules.urgency_evidence("救命 工资没发 工友站在楼顶要跳楼")["errand"]
    calm = rules.urgency_evidence("电梯坏了 没人被困")
    assert calm["raw_cue"] and not calm["cue"]


@pytest.mark.parametrize(
    ("text", "past"),
    [
        # a past danger told today: 今天 comes after the cue, 昨天晚上 before it
        (
            "昨天晚上风很大，楼前的大树倒了，砸坏了车棚。今天早上已经有人来锯走一半，请派人拉走",
            True,
        ),
        ("今年六月发大水，村道被冲垮了二十几米，现在只剩一边能过人，想问什么时候修", True),
        ("上个月十号夜里我爸肚子疼得在床上打滚，卫生院说是胃炎，想投诉误诊", True),
        # … and dangers that go on, whatever past they tell
        ("上次的事先不说，现在又闻到好大一股煤气味", False),
        ("上个月墙就裂了，现在裂缝越来越大，孩子还在下面玩", False),
        ("隔壁大哥昨天咳出血了，医院说是开放性肺结核，可他还住在我们这屋", False),
        ("我家孩子昨天下午走丢了，到现在还没找到", False),
        ("前年修的桥，刚才桥墩塌了一块，车还在上面过", False),
    ],
)
def test_a_danger_is_dated_by_the_time_word_before_it(text: str, past: bool) -> None:
    evidence = rules.urgency_evidence(text)
    assert evidence["cue"], evidence
    assert evidence["cue_past"] is past
    if past:
        assert not evidence["rule"]


@pytest.mark.parametrize(
    "text",
    [
        "夜来那场大风把门口的杨树刮倒了，砸了三轮车，今儿一早园林上来人锯走了，损失找谁",
        "上个礼拜下大雪，我老伴半夜走出去冻伤了，现在已经出院了，想问有没有防走失手环",
        "今年七月那场暴雨涵洞里淹了一辆车，现在雨季过了，排水泵到现在还是坏的",
        # 前个礼拜, and a day of this month named with its hour
        "前个礼拜镇上那座便桥塌了半边，一个挑担子的跌进河里，人没大事，现在桥还是那样",
        "本月三日晚，我们楼电梯突然从八楼滑到二楼，两个住户吓坏了，请求检验",
    ],
)
def test_dialect_dates_and_a_slow_repair_keep_a_danger_in_the_past(text: str) -> None:
    assert rules.urgency_evidence(text)["cue_past"], rules.urgent_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "俺爹正跟个警察视频，开了屏幕共享在输密码",
        "七八个老人现在正排队去信用社取钱，车就在村口等着",
        "食堂中午吃完，班上十几个伢都在吐，还冇送医院",
        "月子中心好几个宝宝拉肚子发烧，中心不让请医生",
        "工地板房没暖气，一个老乡发烧冻得直抽",
        "有个老太太门口转了一下午，问她家在哪说不清楚，天快黑了",
        "泳池有个娃沉下去了救生员不在",
        "秋游集合的时候少了一个六岁的小朋友，操场和小树林都找过了",
        "娃下午去坡上放羊，到现在天黑了还不见回来，山里起雾了",
        "我爸正在电话里给那个所谓的客服报验证码，我拦都拦不住",
        "外公在水库冰面上钓鱼，打电话说冰面上咔咔响裂开了，他不敢动",
        "游乐场的过山车卡在最高处不动了十多分钟，上面一排都是孩子在哭",
        "环城路口有辆拉砖的货车侧翻了，砖撒了半边路",
        "工棚里住了二十个人，七八个人都在发高烧，工头不让去看病",
        "饭店的排烟管着了，火顺着外墙往上烧，三楼还有人",
        "他发消息说欠的债还不上了，叫我别找他，定位在北河大桥中间",
        "细伢子放学两个钟头哒还冇回来，打电话也冇人接",
        "厨房冒黑烟了 屋里还有老人 快打119",
        "候车室一个大爷抽过去了，叫了半天没醒",
    ],
)
def test_dangers_told_in_plain_words_are_cues(text: str) -> None:
    assert rules.urgent_cues(text)


def test_saying_it_is_over_now_is_not_saying_the_danger_is_now() -> None:
    evidence = rules.urgency_evidence("昨晚吃完烧烤全家上吐下泻，现在好了，想举报那家店")
    assert not evidence["now"] and not evidence["strong_now"]
    assert rules.urgency_evidence("上个月那根电线掉下来的事，现在又掉下来了")["now"]
    assert not rules.urgency_evidence("12号楼电梯困人了，快来")["cue_past"]


def test_a_past_danger_already_dealt_with_needs_a_sure_model() -> None:
    text = "昨晚大风楼前的树倒了砸了车棚，今天早上已经有人来锯走了一半，请派人把树干拉走"
    evidence = rules.urgency_evidence(text)
    assert evidence["resolved"] and urgency.past_and_over(evidence)
    still = "昨晚大风树倒了，今天早上已经有人来锯走一半，可剩下那截还压在电线上，孩子在旁边玩"
    assert not urgency.past_and_over(rules.urgency_evidence(still))


def test_a_short_message_naming_no_danger_needs_a_sure_model() -> None:
    for text in ("早啊，有人在冇", "今天拉萨下雪吗？", "煤气"):
        assert urgency.bare_short(text, rules.urgency_evidence(text))
    for text in ("泳池有个娃沉下去了", "电梯困人了快来"):
        assert not urgency.bare_short(text, rules.urgency_evidence(text))
    long_one = "隔壁独居的王大爷从早上到现在一直没开门，敲门也没人应，家里灯还亮着"
    assert not urgency.bare_short(long_one, rules.urgency_evidence(long_one))


def test_combine_uses_the_threshold() -> None:
    t = urgency.DEFAULT_THRESHOLD
    assert urgency.combine(t)
    assert not urgency.combine(t - 0.01)
    assert urgency.combine(0.9, threshold=0.5)


def test_content_hash_follows_the_files(tmp_path: Path) -> None:
    corpus = tmp_path / "a.yml"
    corpus.write_text("urgent: |\n  - 着火了\n", encoding="utf-8")
    before = urgency.content_hash([corpus])
    corpus.write_text("urgent: |\n  - 着火了\n  - 漏气了\n", encoding="utf-8")
    assert urgency.content_hash([corpus]) != before
    assert urgency.load_corpus(tmp_path) == [("着火了", True), ("漏气了", True)]


def _needs_rasa_env(test: Callable[..., Any]) -> Callable[..., Any]:
    for mark in NEEDS_RASA_ENV:
        test = mark(test)
    return test


# Long stories: the danger (or its absence) comes late, after background (urgency.story_score).
STORIES = [
    "我是住在红旗新村的，这个事说来话长，我们这栋楼是老房子了，物业前几年就撤了，平时有什么事都是"
    "几个老邻居互相照应。我对门住着一个八十多岁的老太太，儿女都在外地，她昨晚跟我说心口闷得慌，"
    "今天一早我去敲门到现在都没人应，电话也打不通，屋里灯还亮着。",
    "我们村在山脚下，村里人吃水靠后山那个小水库，这几年村里搞了养殖，大家收入也好了一些，我本来"
    "不想多事。可今天下午看到上游那家小厂的罐车往水库边的沟里放一种黄绿色的水，味道冲得很，"
    "水库里已经有死鱼漂起来，村里的自来水就是从这里抽的，晚饭马上就要做了。",
    "孩子他爸在外地打工，我一个人带两个孩子，今天下午带他们去河边的公园玩，我就低头回了个微信，"
    "小的那个五岁的就不见了，我和大的找了快一个小时，河边也找了，天已经黑下来了，我不知道还能找谁。",
]
LONG_LOOK_ALIKES = [
    "我家小区的燃气管道去年冬天漏过一次气，当时物业和燃气公司来得都很及时，换了新的阀门，之后"
    "一直没出过问题。今年又快到冬天了，我们几个老人心里还是有点担心，想问问燃气公司每年会不会"
    "上门做一次安全检查，需要我们自己预约吗？",
    "上个月我们村东头的鱼塘死了一批鱼，后来查清楚是承包户自己投料太多，水质坏了，塘是他家私人的，"
    "不连着别的水，也没人从那儿取水用。现在鱼塘已经清理干净了，我就是想反映一下，村里能不能出个"
    "规定，养殖户的废水不要乱排。",
]

# What the product decides (urgency.decide): a danger after a turn from an old grievance is
# urgent; alarm words about trivia and a forwarded safety notice are not.
TURNS = [
    "去年说好的给我们楼装路灯一直没装，物业费的事也没说清楚，这些先不说了。现在楼道里的电表箱"
    "在冒烟，有股烧焦的塑料味，三楼的老太太还在屋里没下来。",
    "我上礼拜问过的医保转移到现在没回，这个先不说，说正事：我家隔壁那个独居的老爷子刚才倒在"
    "院子里，叫他不应，嘴唇发紫。",
]
TRIVIAL_ALARMS = [
    "救命！！周末同学聚会到底该穿裙子还是裤子",
    "紧急紧急！我家猫把我的数学作业抓烂了，明天要交",
]
FORWARDED = [
    "【转发】市卫健委关于做好冬季流感防控的温馨提示：近期气温骤降，流感进入高发期，请市民注意"
    "保暖，出现高热、呼吸困难等症状请立即就医，老人和儿童应及时接种疫苗。转给你们看看。",
]


_SCORE = """
import json, logging, sys
logging.disable(logging.WARNING)
from rasa.shared.nlu.training_data.loading import load_data
from nlu import urgency
texts = [str(m.get("text")) for m in load_data("data/nlu").intent_examples]
x, y = urgency.training_set(texts, extra_jsonl=["bench/nlu_eval/urgent_dev.jsonl"])
model = urgency.UrgencyModel().fit(x, y)
texts = json.loads(sys.stdin.read())
one = {t: model.predict(t) for t in texts}
story = {t: urgency.story_score(model, t) for t in texts}
decide = {t: urgency.decide(model, t)[1] for t in texts}
many = dict(zip(texts, model.predict_many(texts)))
print(json.dumps({"one": one, "many": many, "story": story, "decide": decide}))
"""


def _in_rasa(code: str, stdin: str = "") -> Any:
    """Run ``code`` in .venv-rasa from the repository root; the JSON of its last line."""
    out = subprocess.run(
        [str(classifier.rasa_python()), "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def both() -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = _in_rasa(
        _SCORE,
        json.dumps(
            URGENT + NOT_URGENT + STORIES + LONG_LOOK_ALIKES + TURNS + TRIVIAL_ALARMS + FORWARDED
        ),
    )
    return result


@pytest.fixture(scope="module")
def scores(both: dict[str, dict[str, float]]) -> dict[str, float]:
    return both["one"]


@_needs_rasa_env
def test_one_message_path_scores_like_sklearn(both: dict[str, dict[str, float]]) -> None:
    """predict() skips sklearn's transform for speed; it must give the very same score."""
    for text, score in both["many"].items():
        assert abs(both["one"][text] - score) < 1e-9, text


@pytest.mark.parametrize("text", URGENT)
@_needs_rasa_env
def test_model_flags_present_danger(scores: dict[str, float], text: str) -> None:
    assert urgency.combine(scores[text]), scores[text]


@pytest.mark.parametrize("text", NOT_URGENT)
@_needs_rasa_env
def test_model_leaves_look_alikes_alone(scores: dict[str, float], text: str) -> None:
    assert not urgency.combine(scores[text]), scores[text]


@pytest.mark.parametrize("text", STORIES)
@_needs_rasa_env
def test_a_danger_told_late_in_a_long_story_is_urgent(
    both: dict[str, dict[str, float]], text: str
) -> None:
    assert urgency.combine(both["story"][text]), both["story"][text]


@pytest.mark.parametrize("text", LONG_LOOK_ALIKES + NOT_URGENT)
@_needs_rasa_env
def test_reading_by_sentences_raises_no_alarm_on_look_alikes(
    both: dict[str, dict[str, float]], text: str
) -> None:
    assert not urgency.combine(both["story"][text]), both["story"][text]


@pytest.mark.parametrize("text", TURNS)
@_needs_rasa_env
def test_a_danger_told_after_an_old_grievance_is_urgent(both: dict[str, Any], text: str) -> None:
    assert both["decide"][text], both["story"][text]


@pytest.mark.parametrize("text", TRIVIAL_ALARMS + FORWARDED)
@_needs_rasa_env
def test_alarm_words_alone_and_a_forwarded_notice_are_not_urgent(
    both: dict[str, Any], text: str
) -> None:
    assert not both["decide"][text], both["story"][text]


def test_story_windows_cover_every_clause_with_its_neighbours() -> None:
    text = "我家住三楼，" * 10 + "隔壁老人从早上就没应门，昨晚还说胸口疼。"
    windows = urgency.sentence_windows(text, 40)
    assert all(len(w) <= 40 for w in windows)
    assert "隔壁老人从早上就没应门，昨晚还说胸口疼。" in windows[-1]
    assert len(windows) < 12  # not one per clause: each starts past the middle of the last
    assert all(a[-6:] in b for a, b in itertools.pairwise(windows))  # they overlap
    assert urgency.sentence_windows("一句很长的话" * 20, 40) == ["一句很长的话" * 20]


_WORDS = """
import itertools, json
from nlu import urgency
texts = json.loads(input())
def whole(text):
    tokens = [w for w in urgency._jieba().lcut(urgency.normalise(text)) if w.strip()]
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
print(json.dumps([t for t in texts if whole(t) != urgency.words(t)], ensure_ascii=False))
"""


@_needs_rasa_env
def test_words_by_clause_are_the_words_of_the_whole_text() -> None:
    """words() cuts clause by clause (cached for story windows): the same words as one cut."""
    texts = URGENT + NOT_URGENT + STORIES + LONG_LOOK_ALIKES
    texts += ["a,b，c。 d\n e", "", "，，，", "Hello, world. 路灯坏了!!", "🙂🙂"]
    texts += ["'; DROP TABLE x; --"]
    assert _in_rasa(_WORDS, json.dumps(texts, ensure_ascii=False)) == []


_LEGACY = """
import json
import numpy as np, scipy.sparse
from nlu import urgency
texts = ["煤气漏了 快来", "着火了 有人在里面", "电费怎么交", "路灯坏了"]
texts += ["孩子不见了 快帮忙找", "井盖上周换了"]
labels = [True, True, False, False, True, False]
model = urgency.UrgencyModel(min_df=1, word_share=0.0).fit(texts, labels)
grams = model.vectorizer.transform([urgency.normalise(t) for t in texts])
flags = np.array([urgency.evidence_vector(t)[:-1] for t in texts])
model.classifier.fit(scipy.sparse.hstack([grams, scipy.sparse.csr_matrix(flags)]).tocsr(), labels)
model._fast = None
many = model.predict_many(texts)
print(json.dumps([abs(model.predict(t) - p) for t, p in zip(texts, many)]))
"""


@_needs_rasa_env
def test_a_model_fitted_before_a_new_rule_flag_still_scores() -> None:
    """A model saved before a flag was appended to rules.EVIDENCE must not crash the parse."""
    assert max(_in_rasa(_LEGACY)) < 1e-9


def test_an_errand_needs_a_sure_model_to_be_urgent() -> None:
    """救命 about a late delivery: the alarm word alone must not make an urgent ticket."""
    assert urgency.combine(0.5, 0.45) and not urgency.combine(0.5, 0.45, sure_only=True)
    assert urgency.combine(0.95, 0.45, sure_only=True)
    assert rules.urgency_evidence("救命 我的外卖一个多小时还没到")["errand"]


def test_wages_or_fees_in_the_background_of_a_danger_do_not_guard_it_as_an_errand() -> None:
    """A short errand needs a sure model; a longer message naming wages or a queue as its
    setting does not, unless an alarm word is said of the errand."""
    short = "救命 快递三天没到"
    evidence = rules.urgency_evidence(short)
    assert urgency.errand_guard(short, evidence)
    siege = "工地上十几个人围在项目部门口要工资，有人把汽油桶搬过来了，说今天不给钱就点火"
    assert rules.urgency_evidence(siege)["errand"]
    assert not urgency.errand_guard(siege, rules.urgency_evidence(siege))
    pleading = "紧急紧急，我儿子的学费今天交不上就要被退学了，谁能帮帮我，学校那边一直催"
    assert urgency.errand_guard(pleading, rules.urgency_evidence(pleading))


def test_a_danger_told_yesterday_morning_or_again_last_winter_is_dated_past() -> None:
    """早上, 突然 and 又 do not bring a cue to now; 现在又漏 does."""
    assert rules.urgency_evidence("昨天早上楼道里煤气漏气，物业已经修好了，想问问要不要换表")[
        "cue_past"
    ]
    assert not rules.urgency_evidence("上个月修过一次，现在又漏气了，满楼道都是煤气味")["cue_past"]


def test_a_ride_stopped_for_months_a_code_not_received_and_past_overturns_are_not_cues() -> None:
    assert not rules.urgent_cues("公园的摩天轮停了好几个月了，也没人来修，挺可惜的")
    assert not rules.urgent_cues("验证码老是收不到，注册不了社保APP")
    assert not rules.urgent_cues("村道上有个大坑，三轮车已经翻了两回了")


def test_a_courier_reporting_a_danger_in_a_voice_message_is_not_an_errand() -> None:
    """Voice-to-text ends its clauses with spaces: 外卖 and 赶紧 in different clauses of a story."""
    story = (
        "你好我是外卖小哥 每天在城里跑 今晚送单经过人民路和解放路路口 路中间有个井盖翻起来了"
        " 我差点连人带车摔出去 天黑路上车多 求你们赶紧派人来"
    )
    assert not rules.errand_in_alarm(story)
    assert rules.urgent_cues(story)  # a manhole cover flipped up is a cue
    assert rules.errand_in_alarm("外卖员说系统紧急让我赶紧确认收货 不然要扣钱 这事谁管")


def test_a_lonely_elder_whose_children_live_away_is_not_a_child_alone() -> None:
    """ "孩子们都在外地，一个人在家" is the elder at home; "孩子才五岁 一个人在家" is the child."""
    assert not rules.urgent_cues("年纪大了，孩子们都在外地，一个人在家挺没意思的，找人说说话")
    assert rules.urgent_cues("我家孩子才五岁 一个人在家哭了一个小时了")


def test_lips_turning_blue_and_gasping_are_acute_signs() -> None:
    """Said of someone now they are cues; said of last month's illness they are not."""
    assert rules.urgent_cues("停电了 我妈的制氧机停了 她嘴唇发紫 喘得厉害")
    assert not rules.urgent_cues("上个月我爸喘不过气住过院 现在好了 想问医保报销")


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # nobody hurt (人倒没事), or the fallen thing already moved aside: no rule fires
        ("山口那段石头滚下来把后视镜砸了，人倒没事，请来清一清", "near_miss"),
        ("大风吹断一根树枝砸在人行道上，已经被环卫拖到路边了，树上枯枝不少", "resolved"),
    ],
)
def test_nobody_hurt_or_the_thing_moved_aside_is_no_present_danger(text: str, flag: str) -> None:
    evidence = rules.urgency_evidence(text)
    assert evidence[flag] and not evidence["rule"], evidence
