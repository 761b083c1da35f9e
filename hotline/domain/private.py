"""Private matters: messages that ask nothing of the government, whatever body they name.

The intent model routes on words, so gossip that names a public body ("女婿考进了交通局") or a
money quarrel between relatives ("借给亲戚两头牛…不还了") goes to that body's or that money's
department. The catalogue says such messages get no ticket (private disputes with no public
dimension, chit-chat). Training examples for them pulled real complaints along with them
(bench/nlu_eval/README.md, *Private matters*), so two narrow rules decide instead, only on
short messages that ask for nothing, name no danger and no public party:

* gossip: hearsay or admiration about a person tied to a public body (在税务局上班的小伙子要结婚了);
* a private loan or damage between relatives, friends or neighbours (小叔借车撞凹了不肯赔).

A forwarded public notice (【转发】…通知) asking nothing of its own is information: it is
never urgent, never a letter, and the conversation thanks the citizen instead of filing it.
The conversation also tells a family matter of any length (离婚, 彩礼, 借条 …,
:func:`is_family_matter`) where mediation is. Stdlib only: the Rasa worker imports it too.
"""

from __future__ import annotations

import re

# Longer messages tell more than a quarrel: left to the model. Gossip runs on longer (a chat
# about a doctor's looks), and its guard is that nothing is asked, complained of or feared.
MAX_CHARS = 60
GOSSIP_MAX_CHARS = 120

_HEARSAY = re.compile(
    r"听说|听讲|八卦|啧啧|显摆|炫耀|吃瓜|羡慕|眼红|哈哈|长得(?:有点|挺|蛮)?像|唱歌|唱得|要结婚|"
    r"结婚了|订婚|离婚了|开了?[辆部台]新车|买了?新车|升了|升官|提拔|当上了?|考进了?|考上了?|"
    r"调到|调去|人挺好|人蛮好|好帅|真帅|漂亮|祝福语|退休了|都在传|在传|传开了|传闻|都在猜|好上了|"
    r"有对象|没有?对象|介绍对象|长得(?:真|挺|蛮|可)?(?:精神|俊|帅|好看)|怀(?:了)?(?:二胎|孕)|真的假的|"
    r"稀罕不稀罕|恁说|你说(?:这|那)帮|要退休|涨工资"
)
_PERSON = re.compile(
    r"女婿|儿子|女儿|闺女|老公|媳妇|老婆|亲戚|小伙子|姑娘|同学|同事|邻居|大姐|大哥|孃孃|阿姨|"
    r"叔叔|舅|姨|主席|经理|主任|局长|科长|处长|书记|队长|所长|老师|班主任|校长|大夫|医生|护士|"
    r"民警|警察|外甥|侄子|表姐|表哥|堂哥|堂姐"
)
_PUBLIC_BODY = re.compile(
    r"[局委所院办厅站室]|街道|政府|城管|工会|物业|业委会|机关|单位|编制|公务员|学校|小学|中学|幼儿园|"
    r"班主任|民警|村里|村委"
)
# Anything asked, complained of or dangerous makes it more than gossip.
_ASKS = re.compile(
    r"投诉|举报|反映|请|要求|能不能|能否|可不可以|(?<![这那])帮|处理|违规|违法|违纪|贪|腐|受贿|公车|不作为|"
    r"整改|查|管管|希望|建议|怎么办|咋办|咋弄|怎么弄|凭什么|欠|拖|骗|打人|威胁|占|吵|噪|漏|坏|堵|"
    r"臭|危险|赔|退|罚|收费|态度|差劲|太差|特别差|没证|无证|非法|黑诊所|吐|泻|拉肚子|疼|痛|送医|救|病了|乱收|收.{0,3}费|意见|公示|规划|还能|吗|"
    # money taken from people is a complaint's matter ("托管班…一个月收三千，听说是老师在教")
    r"收[一二三四五六七八九十两几百千万\d]+(?:块|元|千|百|万)"
)

_KIN = re.compile(
    r"亲戚|前夫|前妻|邻居|隔壁|楼上|小叔|叔子|朋友|同学|同事|妹妹|姐姐|弟弟|哥哥|家长|老公|老婆|"
    r"婆婆|公公|女婿|儿媳|舅|姨|姑|表|堂|[我他她俺]的?(?:哥|姐|弟|妹|叔|婶)"
)
_PRIVATE_MONEY = re.compile(
    r"借给?|借[了的]?[\u4e00-\u9fff]{0,4}(?:钱|车|牛|房)|不还|欠[我他她]|不肯赔|不赔|毋肯赔|"
    r"赔[偿钱]|抚养费|赡养费|彩礼|分家|遗产|存款|平分"
)
# A business, an office, a landlord, a wage or a danger gives the quarrel a public side.
_PUBLIC_PARTY = re.compile(
    r"局|委|政府|街道|社区|村委|城管|派出所|警察|法院|公司|厂|老板|工资|工地|物业|开发商|学校|"
    r"医院|商家|店|平台|快递|银行|保险|医保|社保|卡|证|中介|房东|租|冒充|诈骗|骗|危险|打人|威胁|伤"
)


def is_gossip(text: str) -> bool:
    """Hearsay about a person tied to a public body, asking for nothing."""
    return bool(
        _HEARSAY.search(text)
        and _PERSON.search(text)
        and _PUBLIC_BODY.search(text)
        and not _ASKS.search(text)
    )


def is_private_quarrel(text: str) -> bool:
    """Money or a loan between relatives, friends or neighbours, with no public party."""
    return bool(
        _KIN.search(text) and _PRIVATE_MONEY.search(text) and not _PUBLIC_PARTY.search(text)
    )


# Thanks for something done ("上回路灯修好了，谢谢你们", "多谢晒，上次报嘅水管已经修好咗") is
# thanks, no ticket (the catalogue); thanks that names whom to commend (感谢城管…, 物业的王师傅,
# 送面锦旗) is 表扬, a ticket for that body, and is left to the model.
_THANKS = re.compile(r"谢谢|多谢|感谢|唔该|辛苦(?:了|你们|晒)|谢啦|谢了|谢晒|致谢|劳慰|劳为")
_DONE = re.compile(
    r"(?:修|换|弄|装|搞|补|填|办|整|处理|清理?)(?:好|完|妥)|给办了|修复|已经?修|通了|亮了|来水了|来电了|热乎了|"
    r"解决了|妥善解决|换了新的|清走了|拉走了|搬走了|没(?:再)?(?:响|吵|臭)了|修得[^，。！？,.!?]{0,2}快|"
    # "维保单位已更换部件，现运行正常", "低保已经批下来了", "感谢…的及时处理"
    r"已(?:经)?(?:更换|处理|解决|修复|恢复)|恢复正常|运行正常|批下来了|到账了|发下来了|"
    r"及时处理|处理得(?:很|挺|非常)?及时"
)
_COMMENDS = re.compile(
    r"表扬|锦旗|点赞|感谢信|嘉奖|通报|[局委]|政府|街道|城管|工会|物业|社区|村委|居委|派出所|"
    r"师傅|同志|工作人员|民警|警察|医生|护士|老师|环卫|小哥|班长|队长|书记|主任"
)
_STILL_WRONG = re.compile(
    r"但|不过|可是|还有|另外|又(?:坏|漏|不|堵|停|臭|响)|还(?:是|没|在|会)|没(?:修|好|人)|请|希望|"
    r"能不能|能否|麻烦|怎么|吗|[?？]"
)
THANKS_MAX_CHARS = 60


def is_thanks_for_a_fix(text: str) -> bool:
    """Whether a short message only thanks the hotline for something done, naming no one to
    commend and nothing still wrong."""
    return bool(
        len(text) < THANKS_MAX_CHARS
        and _THANKS.search(text)
        and _DONE.search(text)
        and not _COMMENDS.search(text)
        and not _STILL_WRONG.search(text)
    )


# Homework and word questions ("gao xing两个字怎么写", "‘春眠不觉晓’的下一句是什么"): for a
# dictionary or a teacher, no department; a complaint about homework is left to the model.
_WORD_QUESTION = re.compile(
    r"(?:[字词句诗]|成语|拼音|笔画|偏旁)[^，。！？,.!?]{0,10}(?:怎么写|怎么读|咋写|咋读|怎么念|念什么|"
    r"读什么音|什么意思|啥意思)|[下上]一句(?:是|系|叫)"
)
_HOMEWORK_COMPLAINT = re.compile(
    r"太多|负担|减负|收费|投诉|举报|反映|乱|补课|不让|不给|罚|打骂|体罚|辱骂|到半夜|写到"
)
HOMEWORK_MAX_CHARS = 80


def is_word_question(text: str) -> bool:
    """Whether a short message asks how a word is written, read or continued, and no more."""
    return bool(
        len(text) < HOMEWORK_MAX_CHARS
        and _WORD_QUESTION.search(text)
        and not _HOMEWORK_COMPLAINT.search(text)
    )


# A check that someone is there ("早啊，有人在冇", "喂 在不在", "请问有人吗", "您好？"), in any
# dialect, or a citizen trying the channel out ("测试一下，能收到不", "test", "收到请回复"): a
# greeting at most, with nothing asked.
_PING = re.compile(
    r"(?:早啊?|早上好|你好|您好|喂+|哈喽|hello|hi|嗨)?[，,。.!！~～\s]*"
    r"(?:(?:请问)?(?:有(?:没有|冇|无)?人(?:在)?(?:吗|冇|没|无|伐|嘛|么|不|不在|在不在|没有)?|"
    r"在(?:吗|不在|冇|伐|嘛|么|没|无)))?[?？!！。~～…\s]*",
    re.IGNORECASE,
)
_TEST_MESSAGE = re.compile(
    r"(?:测试|试一?下|试试|test(?:ing)?)(?:一下|下)?[，,。.!！~～\s]*"
    r"(?:(?:你们)?(?:能|可以)?(?:收到|看到|看得到|收得到)(?:了)?(?:吗|不|没|么|没有)?|收到请?回复)?"
    r"[?？!！。~～…\s]*|收到请?回复[?？!！。~～…\s]*",
    re.IGNORECASE,
)


def is_ping(text: str) -> bool:
    """Whether ``text`` only checks that someone is there, tries the channel or greets: never
    a question nor a report, whatever the intent model read (治安 for 有人在)."""
    stripped = (text or "").strip()
    return bool(re.search(r"\w", stripped)) and (
        _PING.fullmatch(stripped) is not None or _TEST_MESSAGE.fullmatch(stripped) is not None
    )


def private_intent(text: str) -> str | None:
    """``private_dispute`` for a private quarrel (the citizen is told where mediation is),
    ``greet`` for a ping or a test message, ``out_of_scope`` for gossip and word questions,
    ``thank`` for thanks for something done, None when a short message is none of these (or is
    long)."""
    text = text.strip()
    if is_ping(text):
        return "greet"
    if len(text) < MAX_CHARS and is_private_quarrel(text):
        return "private_dispute"
    if len(text) < GOSSIP_MAX_CHARS and is_gossip(text):
        return "out_of_scope"
    if is_thanks_for_a_fix(text):
        return "thank"
    if is_word_question(text):
        return "out_of_scope"
    return None


# Family and money matters between people, at any length: the conversation answers them with
# where mediation and legal aid are, unless a danger is told.
_FAMILY_MATTER = re.compile(
    r"借(?:了)?(?:我|他|她)?.{0,6}钱.{0,6}不还|欠(?:我)?.{0,6}钱不还|民间借贷|借条|欠条|"
    r"离婚|婆媳|家庭矛盾|夫妻(?:吵架|矛盾)|分家|遗产|彩礼|兄弟.{0,4}(?:矛盾|分财产)|"
    r"朋友.{0,6}不还|老公.{0,4}(?:出轨|吵)|老婆.{0,4}吵|"
    r"(?:邻居|楼上|楼下).{0,16}(?:不给赔|不肯赔|不赔|赔偿)"
)


def is_family_matter(text: str) -> bool:
    """Whether a message tells a family or money matter between people (离婚, 借钱不还 …)."""
    return bool(_FAMILY_MATTER.search(text))


# A notice passed on for information ("【转发】区教育局…温馨提示…转给你们看看") asks the
# hotline nothing, however long it is or whom it names; a question of the citizen's own with it
# (我想问…, 我家…怎么办) is a request like any other.
FORWARDED_NOTICE = re.compile(
    r"^(?:【转发】|转发[:：]|你看看这个[:：]).{0,40}(?:通知|公告|喜报|讲座|倡议|温馨提示|简报|活动)"
)
_OWN_ASK = re.compile(
    r"我(?:想|要)?(?:问|咨询|投诉|反映|举报)|请问|(?:我|俺|咱)(?:们)?家|怎么办|咋办|能不能|"
    r"可不可以|能否|帮(?:我|忙)|[?？]"
)


def forwarded_notice(text: str) -> bool:
    """Whether ``text`` passes on a public body's notice: information, never a danger now."""
    return FORWARDED_NOTICE.search(text.strip()) is not None


def notice_only(text: str) -> bool:
    """Whether ``text`` passes on a notice and asks nothing of its own: nothing to file."""
    return forwarded_notice(text) and _OWN_ASK.search(text) is None
