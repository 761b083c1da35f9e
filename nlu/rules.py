"""Urgency and request-type (诉求类型) rules for citizen messages.

Pure functions over text: no Rasa, no I/O, so both the Rasa env (Python 3.10, wrapped by
``nlu.components.HotlineAnnotator``) and the app env (Python 3.12, unit tests) can use them.

* :func:`is_urgent` — danger to life, health or property *now*: a gas smell, a fire, a
  collapse, a person trapped in a lift, a burst main flooding a street, an old person alone
  and unwell, a lost child, violence in progress … A cue does not count when it is negated
  (没有闻到煤气味), in the past and settled (上个月电梯坏过, 已经修好了), hypothetical or a
  policy question (万一燃气泄漏怎么办, 燃气费怎么交).
* :func:`request_type` — 咨询 求助 投诉 举报 建议 表扬 from cue words, falling back to the
  category default of ``data/catalogue.yml``; ``None`` for messages that are not dispatched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REQUEST_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

# --------------------------------------------------------------------------------------------
# Urgency
# --------------------------------------------------------------------------------------------

_PERSON_OLD = (
    r"(?:老人|老太太|老太|老大爷|大爷|大妈|奶奶|爷爷|姥姥|姥爷|外婆|外公|老爷子|老伯|阿婆|阿公|"
    r"老两口|老母亲|老父亲|我妈|我爸|母亲|父亲|邻居|老头|老奶奶|老大娘)"
)
_ALONE = r"(?:独居|一个人住|一个人在家|独自在家|孤寡|空巢|没人照顾|无人照顾|身边没人|家里没人)"
_ACUTE = (
    r"(?:晕倒|昏倒|摔倒|跌倒|昏迷|不省人事|叫不醒|叫不应|没反应|没有反应|没动静|起不来|爬不起来|"
    r"喘不上气|呼吸困难|犯病|发病|抽搐|休克|倒在地上|倒地)"
)
_CHILD = r"(?:孩子|小孩|小孩儿|儿子|女儿|娃|宝宝|小朋友|闺女|孙子|孙女|儿童|老人|老母亲|老父亲|我妈|我爸)"  # noqa: E501

# Each cue is a regex for a present danger. Order does not matter.
_URGENT_CUES: tuple[str, ...] = (
    # gas
    r"(?:燃气|煤气|天然气|液化气|瓦斯)(?:管道?|罐|表|阀门?|灶)?(?:泄漏|泄露|漏气|漏了|外泄|爆炸|爆了|喷)",
    r"(?:煤气|燃气|天然气|液化气)(?:的)?(?:味|气味)",
    r"漏气",
    # fire, explosion, smoke
    r"着火|起火|失火|火灾|烧起来|火苗|火光|冒火|火势|浓烟|爆炸",
    # electricity hazard
    r"电线.{0,4}(?:掉|断|垂|落|裸露|冒火|打火|着火|搭在)|漏电|触电|电杆.{0,3}倒|电线杆.{0,3}倒|变压器.{0,4}(?:着火|冒烟|爆|冒火)|高压线.{0,4}(?:掉|断|落)",
    # collapse
    r"塌陷|坍塌|塌方|倒塌|塌了|要塌|快塌|塌下来|陷下去|天坑|墙.{0,4}(?:倒了|要倒|裂开|倾斜)|危房|楼.{0,3}(?:倾斜|歪了)",
    r"(?:掉|砸)下来.{0,6}(?:砸|伤)|(?:砸到|砸伤|砸中)(?:人|车|行人|路人|小孩|老人)|随时(?:可能|会|要)?(?:掉|倒|塌|砸|断)",
    # elevator
    r"(?:困|关|卡|锁)在.{0,4}电梯|电梯(?:里|内).{0,4}(?:困|关|卡)(?:了|着|住)|电梯.{0,8}(?:困人|困住|被困|关人|关着人|卡人|出不来|下坠|坠落|急坠|冲顶|溜梯|夹人|夹住)|被困(?!扰|难)|(?:困|关|锁)(?:着|了|住了?)(?:人|一个人|两个人|老人|小孩|孩子)|电梯.{0,10}(?:里面?|内)(?:还)?有人",
    # water: burst main, flooding
    r"爆管|(?:水管|自来水管|供水管|主管道|管道|管子|水管子)(?:突然)?(?:爆|破|裂|崩)(?:了|开|裂)?|喷水|冒水|涌水|水柱|水漫|漫(?:到|进|上)|淹了|被淹|淹到|淹没|积水.{0,6}(?:很深|齐腰|没过|过膝|进屋|进家)|(?:家里|屋里|楼道|地下室|车库).{0,4}进水",
    # person at risk (old person alone / unwell)
    _PERSON_OLD + r".{0,12}" + _ACUTE,
    _ALONE
    + r".{0,16}(?:不舒服|生病|病了|发烧|没吃饭|几天没|好几天|联系不上|不开门|没人应|没动静|没反应|"
    + _ACUTE[3:-1]
    + r")",
    r"(?:不舒服|生病|病了|发烧|没吃饭|几天没出门|联系不上|" + _ACUTE[3:-1] + r").{0,12}" + _ALONE,
    _ALONE + r".{0,20}(?:[两三四五几]天没|好几天|没见人|没见着|没露面|敲门.{0,4}(?:没|不))",
    r"晕倒|昏倒|昏迷|不省人事|抽搐|休克|喘不上气|呼吸困难|心脏病(?:发作|犯了)|大出血|流了很多血|流血不止|中毒|吐血|快不行了|生命危险|出人命|命悬一线|救命(?!钱)|快来人",
    # lost child / missing person
    _CHILD + r".{0,6}(?:走丢|丢了|不见了|找不到了?|走失|失踪|被拐|被抱走|没回家)",
    r"走失|走丢|失踪|被拐|迷路的?(?:老人|孩子|小孩)",
    # violence, crime in progress
    r"打人|打架|斗殴|群殴|持刀|拿刀|拿着刀|砍人|捅人|行凶|抢劫|抢东西|抢包|家暴|殴打|被打(?!扰)|威胁.{0,4}(?:杀|砍|打)|杀人|绑架|非礼|猥亵|跟踪我|砸(?:东西|车|门|店)|闹事|撬门|入室|小偷.{0,4}(?:在|正)",
    # self-harm, drowning
    r"跳楼|跳河|自杀|轻生|寻短见|不想活|落水|溺水|掉(?:进|到)(?:河|水|井|坑)|(?:人|孩子|小孩|老人).{0,4}掉下去",
    # open manhole / hole hazard on a road
    r"井盖.{0,6}(?:没了|丢了|不见了|缺失|被偷|被盗|掀开|移位|翻了|塌了|碎了|破了|没有盖|没盖)|没有井盖|(?:没|无)盖的?(?:井|窨井)|掉进.{0,3}井",
    # trees and structures about to fall
    r"树.{0,6}(?:倒了|要倒|倒下|压(?:住|在|到)|砸(?:到|了|中)|倒在)|(?:广告牌|招牌|店招|脚手架|塔吊|围挡).{0,6}(?:掉|倒|塌|砸|摇摇欲坠|松动|要掉|晃)",
    r"摇摇欲坠",
    r"(?:刮|吹|压|砸)(?:断|倒)了?.{0,8}(?:横在|挡|压|砸|挂|堵)|横在(?:路|马路|路中间|路上|路口)|(?:电线|树枝|树干).{0,4}(?:挂在|悬在|垂)",
    r"(?:人|我|孩子|小孩|老人|我们|他们|她|他|女儿|儿子).{0,4}(?:被)?(?:关|困|锁|卡)在(?:里面|里头|里边|电梯|屋里|厕所|车里)",
    # more phrasings: lost or stranded people, elevators, gas odour, fights, fraud in progress
    r"(?:老人|老太太|老爷子|大爷|奶奶|爷爷|我妈|我爸|母亲|父亲).{0,8}(?:迷路|找不到家|出门.{0,6}没回|一直没回|一夜没回|没回来|走丢|走失|联系不上)",
    r"(?:流浪|乞讨|拾荒).{0,12}(?:冻|饿|晕|躺在|倒在|病|发烧|单薄|下雪|零下|寒冷|很冷|受伤|昏|不动)",
    r"躺在(?:路边|地上|马路|街上|桥洞|桥下|雪地|绿化带)|倒在(?:路边|地上|马路|街上|楼道)",
    r"(?:孩子|小孩|儿童|婴儿|女儿|儿子).{0,8}(?:独自在家|一个人在家|被锁|被遗弃|被扔|被打|虐待|没人管.{0,4}(?:饿|哭)|饿得|哭了.{0,4}(?:几个|一)(?:小时|天))|虐待",
    r"电梯.{0,10}(?:卡住|卡在|停在.{0,6}(?:之间|中间|半空|层间)|突然(?:停|掉|下降|往下|坠)|往下掉|失控|门(?:打|开)不开|打不开|急停|不动了)",
    r"困梯|电梯.{0,6}有人|(?:人|孩子|老人|我|我们).{0,6}(?:在|困在|关在|卡在)电梯",
    r"臭鸡蛋味|(?:燃气|煤气|天然气)管(?:道|线|子)?.{0,6}(?:挖断|挖破|断了|破了|裂|漏)",
    r"(?:变压器|电箱|配电箱|电表箱|电缆).{0,6}(?:冒烟|着火|爆|火花|起火|冒火)",
    r"打起来|动手了|动刀|持械|拿着?(?:棍|刀|棒|砖|铁锹)|砸玻璃|追着打|围殴|互殴|(?:醉汉|醉酒|喝醉).{0,8}(?:打|砸|闹|骚扰|拿)",
    r"(?:楼顶|天台|桥上|窗台).{0,8}(?:要跳|想跳|坐着不下来)|(?:要|想)跳(?:楼|河|桥)",
    r"(?:正在|正|马上|让我|要我|叫我|逼我).{0,4}转账|(?:尾随|跟踪)(?:我|她|他|小孩|孩子)",
    r"(?:毒气|刺鼻|化学|农药|氨|氯|硫化氢).{0,14}(?:头晕|恶心|喘不过气|呼吸困难|中毒|晕倒|送医)",
    r"(?:罐|槽车|罐车|化工|工厂|液体|气体|储罐).{0,6}(?:泄漏|泄露|外溢)",
    r"救救|求救|救人|人命关天|来人啊|赶紧来人|危在旦夕",
    r"(?:电动车|电瓶车|充电|电线|插座|楼道|屋里|家里|厨房|车里|车子).{0,6}(?:冒烟|起烟|烧焦)|烧焦味|焦糊味|烟雾报警",
    r"洪水|山洪|暴涨|决堤|(?:马路|路面|路上|街上|小区|地下车库).{0,4}(?:全是水|一片汪洋|成河|变成河|成了河)",
    r"呼吸机|制氧机|透析",
    r"高空抛物|高空坠物|(?:外墙|墙皮|瓷砖|玻璃|空调外机|阳台|窗户|花盆).{0,6}(?:掉下来|脱落|坠落|砸下)",
    r"(?:狗|犬).{0,4}(?:咬|扑)(?:人|伤|了)|被狗咬",
    r"电梯.{0,6}(?:里|内)(?:面)?(?:还)?有(?:人|个|一个|两个|老人|小孩|孩子)|电线杆.{0,3}(?:歪|斜)",
    r"围堵|堵在门口不让|不让(?:我|我们)(?:走|出去)|非法拘禁|扣押(?:我|人)|追(?:着)?(?:我|砍|打)|(?:正在|正)(?:偷|撬|抢|砸|打)",
    r"(?:智障|精神|痴呆|老年痴呆|阿尔茨海默).{0,10}(?:走失|走丢|迷路|找不到|在街上|乱跑)",
    r"(?:孩子|小孩).{0,10}(?:一个人|独自).{0,8}(?:哭|在路上|在街上|找不到)|[几两三]天没吃(?:饭|东西)|饿了(?:好)?几天",
    r"(?:卧床|瘫痪|失能|重病).{0,10}(?:没人管|没人照顾|无人照顾|一个人)",
    r"井盖.{0,6}(?:翘|敞|陷下|松动.{0,6}(?:车|人|崴|摔))|井口.{0,4}(?:敞|开着|没盖)",
    # hazardous chemicals
    r"(?:化学品|危化品|毒气|氨气|氯气).{0,6}(?:泄漏|泄露|漏|冒)|有毒气体",
)
_URGENT_RE = [re.compile(p) for p in _URGENT_CUES]

# Words that look like negation but are not (…是不是…, 不知道, 出不来, 不停 …).
_FAKE_NEGATION = re.compile(
    r"是不是|不知道|不晓得|不得了|不停|不断|不了|不来|不去|不住|要不|不行|了不|不少|不小|不远|不管|不能|不敢|不动|不好|不开|不上|不醒|无人|没人"
)
_NEGATION = re.compile(
    r"(?:没有|没|不是|不|无|未|并非|别|非|防止|预防|避免|以免|防)"
    r"(?:闻到|闻见|闻着|发现|看到|看见|听到|感觉到?|有|再|出现|被|人|什么|啥)?$"
)

# A cue in a clause that is hypothetical, about prevention, fees or procedure.
_HYPOTHETICAL = re.compile(
    r"万一|如果|假如|假设|要是|一旦|怎么预防|预防|防范|防止|演练|宣传|科普|知识|培训|讲座|安全检查|安检|"
    r"报警器|怎么(?:交|缴)|交费|缴费|费用|燃气费|煤气费|电费|水费|开户|过户|报装|安装|改装|改管|"
    r"以后|将来|会不会|担心|怕|隐患|安全吗|是否安全|有没有|危险吗|标准|政策|规定|补贴|报销|保险|赔偿|理赔|认定|鉴定|"
    r"电视|新闻|电影|小说|游戏|梦见|梦到|听说|据说|谣言|怎么办理|流程|材料|手续"
)
# The danger is over.
_RESOLVED = re.compile(
    r"已经(?:被)?(?:修好|修复|处理|解决|救出|恢复|灭了|扑灭|没事|找到|送医|抢修好|堵上)|"
    r"(?:修好了|处理好了|解决了|恢复了|找到了|救出来了|没事了|扑灭了|已处理|已修复|已解决|已恢复)"
)
# The message is about the past …
_PAST = re.compile(
    r"上个?月|上上个?月|上周|上星期|上礼拜|去年|前年|以前|之前|曾经|那时|当时|上次|前段时间|前阵子|几个月前|"
    r"几年前|小时候|昨天|昨晚|前天|前几天|那天|有一次|(?:坏|漏|塌|困|停|着|发生|出|摔|丢|堵|淹|爆)过"
)
# … unless it says the danger is still there.
_NOW = re.compile(
    r"现在|正在|此刻|目前|眼下|马上|赶紧|立刻|立即|快点|快来|救命|还在|还是|还有|又|一直|仍然|依然|到现在|至今|刚刚|刚才|"
    r"这会儿|此时|着急|急死|今天|今晚|今早|突然|刚"
)
# … or about something that keeps happening (a complaint, not an emergency).
_HABITUAL = re.compile(r"经常|总是|老是|三天两头|隔三差五|动不动|时不时|每次|常常|多次|好几次")
_CLAUSE_SPLIT = re.compile(r"[，。！？,.!?；;、\n~～…]+")


def _cue_is_negated(text: str, start: int) -> bool:
    """Whether a negation stands right before the cue that starts at ``start``."""
    window = text[max(0, start - 6) : start]
    window = _FAKE_NEGATION.sub("__", window)
    return any(_NEGATION.search(window[cut:]) for cut in range(len(window)))


def urgent_cues(text: str) -> list[str]:
    """Return the urgency cues in ``text`` that are neither negated nor hypothetical.

    Patterns run over the whole message (some span clauses: 独居老人…，敲门没反应); a match
    counts unless a negation stands right before it or the clause where it starts is
    hypothetical, preventive or about fees and procedures.
    """
    t = re.sub(r"\s+", "", text or "")
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(t)]
    found: list[str] = []
    for rx in _URGENT_RE:
        for m in rx.finditer(t):
            start = max(b for b in bounds if b <= m.start())
            end = _CLAUSE_SPLIT.search(t, m.start())
            clause = t[start : end.start() if end else len(t)]
            if _HYPOTHETICAL.search(clause) or _cue_is_negated(t, m.start()):
                continue
            found.append(m.group(0))
            break
    return found


def is_urgent(text: str) -> bool:
    """Whether ``text`` reports a danger to life, health or property happening now."""
    t = re.sub(r"\s+", "", text or "")
    if not urgent_cues(t):
        return False
    now = bool(_NOW.search(t))
    if _RESOLVED.search(t) and not re.search(r"还|又|仍|依然|一直", t):
        return False
    if _HABITUAL.search(t) and not now:
        return False
    return not (_PAST.search(t) and not now)


# --------------------------------------------------------------------------------------------
# Request type (诉求类型)
# --------------------------------------------------------------------------------------------

_PRAISE = re.compile(
    r"表扬|点赞|点个赞|赞一个|锦旗|感谢信|值得(?:表扬|学习|称赞)|好评|(?:服务|态度)(?:真|很|非常|特别|太|超)?(?:好|热情|周到|耐心|棒)|"
    r"(?:非常|特别|十分|真心|由衷|衷心)?感谢.{0,12}(?:师傅|工作人员|同志|民警|警官|医生|护士|老师|司机|城管|队员|社区|物业|小伙子|姑娘|热心|帮助|及时|辛苦)|"
    r"为.{0,8}(?:点赞|竖起大拇指)|辛苦了|负责任|尽职尽责|拾金不昧|热心肠|真棒|太棒了|👍"
)
_SUGGEST = re.compile(
    r"建议|提议|提个?(?:意见|建议)|希望(?:能|可以|政府|有关部门|相关部门|你们)?.{0,10}(?:增加|增设|加装|安装|开通|设置|多设|多开|延长|调整|改善|考虑|规划|建|修建|设立|出台|加大|加密|优化|恢复)|"
    r"能不能(?:增加|增设|多设|多开|开通|加装|设置|延长|调整|优化|考虑)|可不可以(?:增加|增设|开通|加装|设置|延长)|"
    r"最好(?:能|可以)?(?:增加|增设|设置|安装|开通)|应该(?:增加|增设|多设|加装|设置)|呼吁"
)
_REPORT = re.compile(
    r"举报|检举|揭发|偷排|偷倒|乱倒|私排|直排|偷偷|违法|非法|违规|无证|黑作坊|黑诊所|黑车|造假|假冒|山寨|售假|卖假|掺假|"
    r"诈骗|骗子|赌博|传销|涉黄|吸毒|私自|擅自|偷(?:砍|伐|挖|电|捕)|电鱼|偷鱼|病死猪|过期.{0,4}(?:食品|药|卖)"
)
_COMPLAIN = re.compile(
    r"投诉|态度(?:很|非常|特别|太|极其|及其)?(?:差|恶劣|不好|蛮横|冷漠)|服务(?:太|很|特别)?差|太吵|吵得|吵死|扰民|乱收费|多收|拒载|绕路|宰客|"
    r"没人管|不管不问|不作为|推诿|踢皮球|敷衍|不处理|不解决|一直不|迟迟不|拖着不|拖了|受不了|严重影响|凭什么|不给退|不退|拒绝退|"
    r"太过分|气死|欺负|骂人|刁难|不合理|强制|霸王条款|黑心|坑人|差评|不满|反映多次|多次反映|没有(?:任何)?回复|没人(?:理|回)"
)
_HELP = re.compile(
    r"求助|求求|帮帮|帮(?:我|忙|个忙)|救命|麻烦(?:你们)?(?:派|来|帮|尽快|赶紧|安排)|派人|来修|快来|尽快(?:处理|解决|修|来|安排)|"
    r"维修|抢修|修一下|修修|停水|停电|没水|没电|不热|困难|救助|困住|被困|走丢|不见了|找不到"
)
_CONSULT = re.compile(
    r"咨询|请问|问一下|问下|想问|想了解|了解一下|打听|怎么(?:办理|申请|办|交|缴|报|领|查|弄|算|认定|登记|备案|开|续|转|补|预约|报名)|"
    r"如何|需要(?:什么|哪些|带|准备|啥)|要(?:什么|哪些|带|准备)(?:材料|手续|证件)|什么材料|哪些材料|流程|手续|条件|政策|标准是|"
    r"在哪(?:里|儿)?(?:办|申请|交|缴|领|报|登记|查)|去哪(?:里|儿)?(?:办|申请|交|领|报|登记)|多久|多长时间|什么时候(?:能|可以|开始|发|到账)|"
    r"能不能(?:申请|办|领|报|享受|转|补)|可以(?:申请|办|领|报|享受|转|补).{0,8}吗|是否|有没有.{0,10}(?:政策|补贴|规定)|多少钱|收费标准|怎么收费|"
    r"吗[？?]?$|呢[？?]?$|[？?]$"
)


def request_type(text: str, default: str | None, dispatch: bool = True) -> str | None:
    """Return the 诉求类型 of ``text``.

    ``default`` is the category's usual type from the catalogue; ``dispatch`` is False for
    messages that are not dispatched (chit-chat, status questions …), which have no type.
    Explicit wording wins over the default: praise, then suggestion, then report of
    wrongdoing, then complaint; a plain question turns a 求助/投诉 default into 咨询 only when
    it asks about procedure or policy.
    """
    if not dispatch:
        return None
    t = re.sub(r"\s+", "", text or "")
    if _PRAISE.search(t) and not re.search(r"投诉|态度差|举报", t):
        return "表扬"
    if _SUGGEST.search(t):
        return "建议"
    if re.search(r"举报|检举|揭发", t):
        return "举报"
    if re.search(r"投诉", t):
        return "投诉"
    if re.search(r"求助", t):
        return "求助"
    if re.search(r"咨询", t):
        return "咨询"
    if default == "举报":
        if _COMPLAIN.search(t) and not _REPORT.search(t):
            return "投诉"
        return "举报"
    if _REPORT.search(t) and default in ("投诉", None):
        return "举报"
    if _COMPLAIN.search(t) and default in ("咨询", "求助", None):
        return "投诉"
    if default in ("求助", None) and _CONSULT.search(t) and not _HELP.search(t):
        return "咨询"
    return default or "求助"


def type_scores(text: str) -> dict[str, bool]:
    """Which cue families fire for ``text`` (for debugging and tests)."""
    t = re.sub(r"\s+", "", text or "")
    return {
        "表扬": bool(_PRAISE.search(t)),
        "建议": bool(_SUGGEST.search(t)),
        "举报": bool(_REPORT.search(t)),
        "投诉": bool(_COMPLAIN.search(t)),
        "求助": bool(_HELP.search(t)),
        "咨询": bool(_CONSULT.search(t)),
    }


def first_match(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    """Return the first match of any pattern in ``text`` (helper for callers)."""
    for rx in patterns:
        m = rx.search(text)
        if m:
            return m.group(0)
    return None
