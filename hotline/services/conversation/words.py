"""The citizen's words as the conversation reads them (confirmations, cancels, chasing,
ratings, emergencies …)."""

from __future__ import annotations

import re

_PUNCT = re.compile(r"[\s，。！？、,.!?；;：:~～…“”\"'（）()【】\[\]]+")
_PARTICLES = re.compile(r"[吧啊呀了的哈嘛呢嗯哦噢喔啦咯么]+")
_AFFIRM = (
    "确认提交",
    "就按这个",
    "按这个",
    "照这个",
    "就这么着",
    "这样就行",
    "好嘞",
    "对头",
    "要得",
    "发",
    "👌",
    "👍",
    "确认无误",
    "没有问题",
    "没问题",
    "就这样",
    "就这么办",
    "可以的",
    "可以",
    "提交",
    "确认",
    "确定",
    "好的",
    "好滴",
    "好",
    "行",
    "中",
    "对的",
    "对",
    "是的",
    "是",
    "没错",
    "同意",
    "要",
    "需要",
    "ok",
    "okay",
    "yes",
    "嗯",
    "妥",
    "成",
    "麻烦",
    "谢谢",
    "办",
    "了",
    "吧",
    "帮我",
    "登记",
    "一下",
    "上去",
    "交",
)
_SPECIFIC_PLACE = re.compile(
    r"路|街|道|巷|弄|胡同|小区|村|镇|乡|区|县|[0-9０-９一二三四五六七八九十]+[号栋幢组]|"
    r"广场|公园|花园|苑|大厦|社区|路口|站|桥|学校|中学|小学|幼儿园|医院|市场"
)
_GENERIC_PLACE = re.compile(
    r"^(?:我们|我家|俺家|咱们|这个|那个|这|那|附近的?|家)?(?:[镇乡县村区市]|我们|咱们)?(?:小区|公园|马路|路边|路上|路口|十字路口|街上|楼下|楼上|门口|"
    r"学校|小学|中学|幼儿园|医院|卫生院|卫生室|诊所|社区医院|社区卫生服务中心|卫生服务站|社区|居委会|村委会|政府|派出所|"
    r"加油站|快递站|驿站|菜鸟驿站|服务区|高速|高速公路|火车站|汽车站|客运站|地铁口|银行|市场|村里|村口|工地|家门口|单位|厂里|公司|商场|超市|店里|河边|河里|人行道|人行横道|盲道|"
    r"路中间|马路中间|道路|街道|巷子|小巷|胡同|楼道|楼梯|停车场|车库|地下车库|地下室|广场|桥上|桥下|桥洞|"
    r"绿化带|公交站|车站|地铁站|菜市场|菜场|村头|楼顶|天台)"
    r"(?:门口|里|边|旁边|上|下|附近|对面|里面)?(?:的?(?:那个|这个|那边|这边|那里|这里|那家|这家))?$"
)
_FILLERS = frozenset({"谢谢", "麻烦", "了", "吧", "帮我", "登记", "一下", "上去", "交"})
_CANCEL = re.compile(
    r"取消|不提交|不用提交|先不提交|不交了|不要了|不用了|算了|不办了|不登记|不要登记|不用登记|"
    r"不反映了|不报了|不弄了|撤销|撤回|作罢|不需要了|别提交|别登记|不想提交|不想登记|不想报|不想反映"
)
_ACT = re.compile(
    r"希望.{0,8}(?:查|处理|整治|解决|管|取缔|制止|修|清理)|请求|要求|恳请|查处|尽快处理|派人|管管|"
    r"管一管|取缔|制止|整改|投诉|举报"
)
# "这个可以查一下吗" after a question: the citizen now asks us to act, not to explain
_ASKS_TO_ACT = re.compile(
    r"(?:查|管|处理|核实|调查|追回)(?:一下|一查|一管|查|管)|帮(?:我|忙|俺)?(?:查|追|报警|处理|反映)|"
    r"给(?:我|俺)(?:查|管|处理)|(?:能|可以|可不可以)(?:不能)?(?:帮忙)?(?:查|管|追回)"
)
# …but "在哪里可以查" / "怎么查" asks how to do it oneself: a question still
_HOW_TO = re.compile(r"哪|怎么|如何|怎样|什么|多少|几|自己")
_BYE = re.compile(r"再见|拜拜|bye|回头再说|下次再说|不聊了|先这样吧|改天再说|我先走了")
_JUST_ASKING = re.compile(r"就是问问|只是问问|问一下而已|就问问|只是咨询|就是咨询|随便问问")
_NEGATION = re.compile(r"不|别|没|未|甭|莫")
_DONE_WORDS = re.compile(r"已解决|解决了|明白了|知道了|清楚了|懂了|好的谢谢|谢谢|没事了|不用了")
_REGISTER = re.compile(r"需要登记|要登记|帮我登记|登记一下|立个?单|报上去|派人|帮我反映|反映上去")
_ORDINAL = re.compile(
    r"(?:选|要|是|就)\s*(?:第\s*)?([一二三四1-4１-４])(?:个|项|条|种)?$|"
    r"第\s*([一二三四1-4１-４])\s*(?:个|项|条|种)?(?![栋幢楼层单元号室排间组户座期区])"
    r"|^([1-4１-４])$|^([一二三四])个?$"
)
_ORDINAL_VALUE = {"一": 0, "二": 1, "三": 2, "四": 3, "1": 0, "2": 1, "3": 2, "4": 3}
_LAST = re.compile(r"最后一个|最后那个")
CHOICE_CHARS = 12  # a choice is said short: "我选第二个吧", "就最后那个"
_NONE_WORDS = re.compile(r"都不是|都不对|没有对的|上面没有|都不属于|不是这些")
_CATEGORY_WRONG = re.compile(
    r"类别不对|分类不对|分类错|类别错|部门不对|不是这个部门|不归这个部门|不是这个类|改类别|修改类别"
)
_DESCRIPTION = re.compile(r"^(?:问题|描述|内容|情况)\s*(?:改成|改为|应该是|是)[:：]?\s*(.+)$", re.S)
_DETAIL_SAID = re.compile(
    r"(?:店名|商家|店铺|店|公司|单位|厂|学校|医院|诊所|物业|车牌|线路|名字|名称)"
    r"\s*(?:叫做|叫|是|为|改成|改为|应该是)\s*[:：]?\s*(.+)$"
)
_NOT_A_BUT_B = re.compile(r"不是\s*[^，,。]{1,30}?\s*[，,]?\s*(?:而)?是\s*(.+)$")
_DETAIL_FILLER = re.compile(
    r"^(?:我不是说了吗|我说了|刚才说了|我刚说了|都说了|就是|是|叫做|叫|名字叫|名称是)[，,：:\s]*"
)
_PRAISE = re.compile(
    r"表扬|点赞|点个赞|锦旗|感谢信|好评|夸一夸|夸夸|致谢|太负责|很负责|服务很好|非常感谢"
)
# 天不亮 is a time ("每天天不亮就把街扫得干干净净"), not a lamp out
_COMPLAINT = re.compile(r"投诉|举报|不满|太差|没人管|不作为|敷衍|坏了|(?<!天)不亮|堵|吵|乱|脏|臭")
_CHASE = re.compile(
    r"催一下|催催|催办|帮我催|催一催|再催|加急处理|怎么还没(?:有)?(?:人)?(?:处理|办|修|回复|答复|管|来)"
)
_CHASE_CONTEXT = re.compile(
    r"(?:单子|工单|上次|之前|前几天|那个事|那件事|反映的|报的|提交的).{0,12}"
    r"(?:还没|没有|没人|一直|进展|进度|怎么样)"
)
_STATUS = re.compile(
    r"我的工单|查(?:一下|询)?(?:工单|进度|单子)|工单(?:进度|状态)|办得怎么样|处理到哪"
    r"|(?:工单|单)号.{0,4}(?:忘|不记得|记不得|找不到|丢)|(?:忘|不记得|记不得)了?.{0,4}(?:工单|单)号"
)
_ADD = re.compile(
    r"^(?:我)?(?:想|要|再)?(?:补充|追加|增加|再说)(?:一下|一点|几句)?(?:情况|信息|内容|材料)?"
)
_WITHDRAW = re.compile(r"撤销|撤回|撤单|不需要处理了|不用处理了|不用办了|取消工单")
_RATING: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "unsatisfied",
        re.compile(r"不满意|很不满|差评|没解决|没有解决|没修好|没有修好|根本没|还是没|敷衍|一星"),
    ),
    ("basically_satisfied", re.compile(r"基本满意|还行|一般般|一般|凑合|还可以|马马虎虎")),
    ("satisfied", re.compile(r"满意|好评|五星|很好|解决了|修好了|点赞|挺好")),
)
_MEDICAL = re.compile(
    r"喘不上气|喘不过气|呼吸困难|晕倒|昏迷|晕过去|不省人事|抽搐|胸闷|胸口疼|心脏|高血压|血压|"
    r"流血|出血|受伤|骨折|发烧|吐了|呕吐|中毒|没有意识|没意识|脸色发白|嘴唇发紫|站不起来|摔倒|"
    r"摔了一跤|躺在地上起不来|躺地上起不来|爬不起来|动不了"
)
_VIOLENCE = re.compile(r"打人|打架|持刀|拿刀|砍人|抢劫|抢东西|家暴|行凶|威胁|绑架|殴打|斗殴")
_FIRE = re.compile(r"着火|起火|失火|火灾|冒烟|烧起来|火苗|浓烟")
_MISSING = re.compile(r"走失|不见了|找不到(?:孩子|人|老人)|丢了(?:孩子)?|失踪")
_NEAR_MISS = re.compile(r"差点|差一点|险些|几乎|没有|没|不会|以防|怕|担心|万一")
_DIAL_FIRST = (
    (_FIRE, "请立即拨打119火警电话！"),
    (_VIOLENCE, "请立即拨打110报警！"),
    (_MEDICAL, "请立即拨打120急救电话！"),
    (_MISSING, "请立即拨打110报警，并在附近寻找、询问周围的人！"),
)


def compact(text: str) -> str:
    """The text without punctuation, blanks and case: what word lists are matched against."""
    return _PUNCT.sub("", text).lower()


def said_again(short: str, *texts: object) -> bool:
    """Whether the (compacted) message only repeats what the draft already holds."""
    return any(short in compact(str(text or "")) for text in texts)


def is_affirm(text: str, intent: str = "") -> bool:
    """Natural confirmations: 好的 / 提交 / 就这样 / 可以 / 中 / 行 / 没问题 / 对 …"""
    if text.strip() == "/affirm":
        return True
    rest = compact(text)
    if not rest or len(rest) > 12:
        return False
    if _NEGATION.search(rest.replace("没问题", "").replace("没错", "")):
        return False
    found = False
    for word in sorted(_AFFIRM, key=len, reverse=True):
        if word in rest:
            found = found or word not in _FILLERS
            rest = rest.replace(word, "")
    rest = _PARTICLES.sub("", rest)
    return found and (rest == "" or (intent == "affirm" and len(rest) <= 2))


def is_cancel(text: str, intent: str = "") -> bool:
    """A natural cancel of what is being drafted ("不提交了，取消吧", "算了", "不用了")."""
    if text.strip() in ("/deny", "/withdraw_ticket"):
        return True
    short = compact(text)
    return bool(_CANCEL.search(short) or _JUST_ASKING.search(short)) and len(short) <= 24


def rating_of(text: str) -> str | None:
    """满意 / 基本满意 / 不满意 in the citizen's own words."""
    for score, pattern in _RATING:
        if pattern.search(text):
            return score
    return None


def ordinal_choice(text: str, count: int) -> int | None:
    """The index a citizen means by "第二个", "2", "最后一个" in a list of `count`."""
    short = compact(text)
    if len(short) > CHOICE_CHARS:  # "西门进去右手第三栋楼…" is a place, not the third choice
        return None
    if _LAST.search(short):
        return count - 1 if count else None
    match = _ORDINAL.search(short)
    if match is None:
        return None
    token = next(g for g in match.groups() if g)
    index = _ORDINAL_VALUE.get(token.translate(str.maketrans("１２３４", "1234")))
    return index if index is not None and index < count else None


def dial_first(text: str) -> str | None:
    """The emergency number a message calls for, said first: fire 119, violence 110, medical 120."""
    for pattern, line in _DIAL_FIRST:
        for found in pattern.finditer(text):
            if not _NEAR_MISS.search(text[max(0, found.start() - 4) : found.start()]):
                return line
    return None


def tidy_detail(text: str) -> str:
    """A detail answer without the talk around it ("我不是说了吗，老王烤鱼" → "老王烤鱼")."""
    value = text.strip()
    for _ in range(3):
        value = _DETAIL_FILLER.sub("", value).strip()
    return value.strip(" ，,。.!！?？~～吧啊呀")


def is_specific(place: str | None) -> bool:
    """A place someone could be sent to: named, not just "路", "小区门口" or "5楼"."""
    if not place:
        return False
    short = compact(place)
    return (
        len(short) >= 3 and bool(_SPECIFIC_PLACE.search(short)) and not _GENERIC_PLACE.match(short)
    )
