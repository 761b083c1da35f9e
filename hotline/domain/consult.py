"""Consult or report: a policy question the knowledge base answers, or a request to act?

The decision is made here, in plain code, so it can be measured (bench/kb_eval) and does not
depend on the routing model being sure: a citizen asking "低保怎么申请" is answered even when
the model hesitates between departments, and "路灯坏了好几天了" is never answered from the
knowledge base however close its words come to a policy. Follow-up questions ("那要带什么材料？")
are answered within the topic just answered, not by whichever group shares the most words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hotline.domain import sounds
from hotline.domain.knowledge import Answer, KnowledgeBase, canonical
from hotline.domain.places import place_word_spans
from hotline.domain.private import is_ping
from hotline.domain.reading import as_read

# Question signals: the citizen asks how, what, where, whether, how much, how long.
_QUESTION = re.compile(
    r"([^\W\d_])[不没]\1|几(个月|年|次|位|块|个)|怎么|怎样|咋|如何|啥|什么|哪些|哪类|哪种|哪样|哪里|哪儿|哪个|在哪|去哪|找谁|找哪|多少|多久|多长|几天|几号"
    r"|几点|几岁|多大(?:岁数|年纪|年龄|岁)|哪几|哪点(?=[能可有租办买去找？?])|上哪|哪去|有冇|(?P<said>[^\W\d_])唔(?P=said)|哪(?:里|儿)?能|按.{1,4}还是按|[能会行要肯给有是].{0,10}不(?=[\s，,。]|$)|是.{0,12}还是|能不能|能否|可不可以|可以吗|是不是|有没有|有无|行不行|中不中|管不管|要不要|给不给"
    r"|吗|嘛|呢|么$|伐(?=[？?\s]|$)|不[？?]?$|没[？?]?$|[？?]|请问|想问|问一下|问下|咨询|打听|了解一下|政策|条件"
    r"|手续|流程|材料|证件|补贴|补助|优惠|报名|申请|怎么办|是真的|会不会|是否|算不算|还算|行吗|好使"
)
# Strong question forms: these alone make a message a question (unless it also asks to act).
_STRONG_QUESTION = re.compile(
    r"怎么(申请|办|弄|报|领|签|续|换|租|交|补|查|样|收费|参加|登记|个)|如何|咋(办|弄|整|报|领|续|换|申请|个)"
    r"|(什么|啥|哪些)(条件|材料|手续|证件|资料|东西|流程|政策|要求|时候)|要带|需要(什么|啥|哪些)"
    r"|在哪(里|儿)?(能|可以|去)?(办|申请|报|领|签|做|打|弄|登记)|哪(里|儿)?能(租|借|办|买|领|配|申请|报名|登记)|按.{1,4}还是按|是.{1,12}还是.{1,12}[呢啊？?]?$|去哪|上哪|找谁|能不能|可不可以"
    r"|有没有.{0,12}(政策|补贴|补助|优惠|服务|地方)|有没有(啥|什么)(办法|法子|门路)"
    r"|多少钱|多久|多长时间|是真的吗|会不会|是否|(干|做|弄)些?(啥|什么)|[吗嘛伐][？?]?$|[？?]$"
)
# Complaints worded as questions: "什么态度", "到底有啥用", "该不该收", "这不是在套医保吗".
_COMPLAINT_QUESTION = (
    r"(什么|啥)态度|态度(很|太|特别|极)?(差|恶劣|蛮横)|推来推去|踢皮球|没(有)?回音|没(有)?下文"
    r"|石沉大海|到底有(啥|什么)用|该不该收|合不合理|是不是违规|合规吗|都不来|不来一趟|这不是.{0,10}吗"
    # a grievance told before the question: "钱到现在都没退", "一直推脱不给修", "非让我全额自付"
    r"|不给(我们?)?(签|发|批|认定?|修|换|做|开|退|办|报|结算|补|解决)|帮(我|忙|手)?(查查|查一下|催|问问)"
    r"|推脱|推诿|钱.{0,8}(没退|不退|没到账)|非(让|要)我"
    # "低保评给了村长他亲戚，这不公平": unfairness told is a grievance, whatever is asked
    r"|(这|太|很|也太|真|极)不(公平|公正)|优亲厚友|关系(户|保)|人情保"
    r"|凭什么|凭啥|什么道理|(你们|政府|到底)管不管|摆样子|摆设吗|糊弄|敷衍|是否(合规|合法|违规|违法)|到底(谁|有没有人)管"
    # a service promised and not delivered: "两个礼拜没见人了", "电话也不接"
    r"|(两|三|四|五|几|好几|十|半)个?(天|周|礼拜|星期|月)(都|也|还)?没(见|来|看到|人)"
    r"|电话(也|都)?(不接|没人接|打不通)"
)
# Questions about one's own case ("咋回事", "啥时候来水", "能找谁"): after a problem is told
# (停水两天了, 不给签合同) they ask for action; a policy question asks something else too.
_STATUS_QUESTION = re.compile(
    r"咋回事|怎么回事|啥情况|什么情况|(啥|什么)时候|为啥|为什么|(能|该|要|去)?找谁|谁(来)?管|归谁管"
    r"|谁负责|到底|怎么还|咋还|[嘛呢啊]?[？?]+"
)
# Saying so outright decides it, whatever else is asked: "…签这个约有什么意义？我要投诉。"
_SAYS_REPORT = re.compile(
    r"我要(投诉|举报|反映)|我想(投诉|举报)|要求(处理|查处|赔偿|退款|整改)"
    r"|(恳请|请求|请|希望).{0,8}予以(查处|处理|整改|取缔|纠正|制止)|帮(我|忙|我们)?催(一催|一下|催)?"
)
# The citizen asks a named body to act: "请医保局帮忙跟那边核一下", "请民政上的人去问问清爽".
_BODY = (
    r"(?:局|部门|政府|社区|街道|村委|民政|医保|工会|卫健|你们|救助站|派出所|城管|环保|人社|社保"
    r"|供电|那边|上面)"
)
_ASKS_A_BODY = (
    # "麻烦民政个人去同佢兜讲清楚" asks as 请 does
    r"(?:请(?!问)|麻烦(?!问|一下|您|你))[^，,。？?！!]{0,10}"
    + _BODY
    + r"[^，,。？?！!]{0,8}?(去|来(?!电)|跟.{0,4}(核|协调|沟通)"
    r"|核一下|核实|查一下|查查|查一查|督办|催|处理|协调|安排|帮忙|帮着"
    # "请民政让他们开短信预约", "请总工会考虑一下", "请管老兵的部门管一管这家医院"
    r"|让|叫|考虑|管一管|管管"
    # "请医保局重新给打到…", "请工会把班往后延", "请民政跟他们说说", "请救助站来人把他接走"
    r"|重新|把|给[^，,。？?！!]{0,6}(?:补|打|办|换|改|修|退|发|延)|跟[^，,。？?！!]{0,4}说说|出面)"
    # …or to pass a word on: "你们能不能跟民政说说", "帮我们向街道反映一下", "转告工会"
    r"|(跟|和|向|给)[^，,。？?！!]{0,6}(局|部门|政府|社区|街道|村委|民政|医保|工会|卫健|救助站|上面)"
    r"(说说|说一下|说一声|讲讲|反映一下|反映反映|打个招呼|沟通一下|协调一下|转达)"
    r"|转告[^，,。？?！!]{0,6}" + _BODY +
    # "能不能让退役军人那边再补一次": a body made to act again
    r"|[让叫][^，,。？?！!]{0,8}(?:那边|部门|局|工会|民政|医保|社区|街道)(?:的人)?(?:再|重新|补)"
    # "工会出来说句话", "民政的你们给整明白": a body called on by name to step in
    r"|(?:部门|局|工会|民政|医保|社区|街道|政府|卫健|人社)(?:的人?)?(?:你们)?"
    r"(?:出来说句话|出来说话|出来管管|出面|给(?:整|弄|说|讲|查)(?:明白|清楚))"
)
# Act signals: something is broken, nobody acts, the citizen asks the government to act.
_ACT = re.compile(
    r"坏了|坏掉|不亮|不通|没人管|没人理|无人管|没人修|派人|来人|来修|过来处理|处理一下|要求(处理|查处|严查|退|整改|恢复)?"
    r"|投诉|举报|曝光|给个说法|讨个说法|查处|严查|核实|督促|协调|催一下|催催|帮我查|查一下|管管|管一管"
    r"|赶紧|马上|立即|尽快|已经.{0,8}(天|周|礼拜|星期|个月|小时|年)了?|好几天|好多天|(三|四|五|几|两|十)天了"
    r"|一直(不|没)(人|修|来|回|给|管|理|解决|处理|办|批|到|消息|下文|动静|反应|结果|落实|兑现|安排|发|退|答复)|一直(拖|推)|拖着|推脱|不给(退|换|办|修|钱)|乱收费|偷排|占道|堵了|漏水|停水|停电|没水|没电"
    r"|吵得|差点|危险|冻着|打老人|骂|拖欠|过期|恢复|帮忙找|找人$|赶快|提个?意见|建议|希望(你们|政府|能|增加|尽快)|请(你们|政府|社区|相关部门)?.{0,6}(来|派|查|处理|管|修|看看)"
    r"|" + _COMPLAINT_QUESTION + "|" + _ASKS_A_BODY
)
# Strong act forms: these alone make a message a request to act.
_STRONG_ACT = re.compile(
    # "举报了对方会不会知道是我": a question about the reporter's own name, not a report
    r"(?:投诉|举报)(?![^，,。？?！!]{0,10}(?:知道|泄露|保密|匿名|报复))|(?<![说要会将])派人(?!.{0,8}的.{0,3}(服务|政策|项目))|麻烦[^，,。？?！!]{0,8}(来个?人|派个?人|来一趟|过来)(?![^，,。？?！!]{0,6}[吗嘛？?])|(快|赶紧|马上|速|派个?|找个?)来人|来人(啊|呀|吧|[!！])|没人管|没人理|给个说法|要求(处理|查处|严查|退|整改)|管管|督促|催一下"
    r"|坏了.{0,6}(天|周|礼拜|月)|(天|周|礼拜|月)了?.{0,4}(没人|还没|也没)|"
    + _COMPLAINT_QUESTION
    + "|"
    + _ASKS_A_BODY
)
# What a follow-up may say without naming a subject: aspects of the topic just answered.
_GENERIC = re.compile(
    r"那么|那|这个|这|那个|它|要|得|带|需要|什么|啥子|啥|材料|证件|资料|东西|手续|流程|条件|要求|在哪里|在哪儿"
    r"|在哪|哪里|哪儿|去哪|哪个|办理|办|申请|弄|多久|多长时间|时间|几天|几号|截止|能不能|能|可以|可不可以"
    r"|吗|呢|嘛|吧|啊|呀|不|没|怎么|怎样|咋|如何|钱|多少|收费|费用|交|找谁|谁|时候|我|你们|您|请问|还|想|问"
    r"|一下|下|的话|另外|对了|好的|谢谢|还有|也|都|就|是|有|会|给|让|们|了|的|个|些|吗|具体|一般|呀|嗯|哦"
    # an acknowledgement before the question ("好的，明白了。那什么时候可以报名")
    r"|明白|知道|晓得|懂|清楚|收到|okay|ok"
    r"|具体|然后|之后|以后|之前|先|再|里面|里头|里边|其中|一天|每天|天天|平时|上|去|来|做|用|过|被|把|拿|哪几|几个|本本"
    r"|登记|审批|批下来|批准|批|下来|交上去|递上去|递交|备齐|齐了|准备好|到时候|人家|他们|大概|大约|左右"
    r"|[\s，。！？、,.!?；;：:“”\"'（）()…~～]"
)
# Words that point back at what was just said: "凭这个证…", "他不肯去咋办".
_ANAPHORA = re.compile(
    r"^(那|那么|这样|这|那个|这个|他|她|它|就是|所以)|这个|那个|这证|这卡|这事|刚才|上面说的"
)

# "还有个事，…", "另外…", "除了送饭，…": the citizen moves on from what was just answered, so
# the follow-up does not lean to that group and must name what it asks about.
_MOVES_ON = re.compile(
    # "还有个小事，…", "他还想问，…": the same, said of a small matter or for someone else
    r"(?:^|[。！？!?，,；;\s])(?:[他她我俺]们?)?(?:还有(?:个|一个|一件)?小?(?:事儿?|问题)?[，,：:、]|另外|"
    r"再问(?:一下|个|一句)?|还想问|顺便问|除了)"
)


# What a follow-up asks about, and how an answer says it: a follow-up on materials after an
# answer that lists them stays with that answer instead of jumping to a neighbour.
_ASPECTS = (
    (
        re.compile(r"材料|带什么|带啥|带哪|拿什么|拿啥|拿哪|证件|资料|手续|本本"),
        re.compile(r"材料|带上|携带|证件|身份证"),
    ),
    (
        re.compile(r"哪里|哪儿|去哪|在哪|找谁|哪个部门"),
        re.compile(r"向.{0,20}(提出|申请)|到.{0,20}(办理|申请)"),
    ),
    (
        re.compile(r"多久|几久|多长时间|几天|多少天|几个月|几号|哪天|截止|什么时候|啥时候"),
        re.compile(r"工作日|日内|时限|期限|每年|频次|频率|定期"),
    ),
    (re.compile(r"多少钱|收费|要钱|免费|费用|收钱"), re.compile(r"元|收费|免费|费用")),
)
_ASPECT_NAMES = ("需要的材料", "办理的地方", "办理时间", "费用")


def _asked_aspect(text: str) -> int | None:
    """Which aspect a follow-up asks about: the one named last, where the asking is
    ("材料都交上去以后，大概几久会批下来" asks when, not what to bring)."""
    found = [
        (match.start(), index)
        for index, (asked, _) in enumerate(_ASPECTS)
        for match in asked.finditer(text)
    ]
    return max(found)[1] if found else None


def uncovered_aspect(text: str, answer: str) -> str | None:
    """What a follow-up asks (材料, 在哪办, 多久, 收费) that ``answer`` does not say, or None."""
    index = _asked_aspect(text)
    if index is None:
        return None
    return None if _ASPECTS[index][1].search(answer) else _ASPECT_NAMES[index]


QUESTION_MIN = 0.18  # best group's score for a question that names the group's topic
NAMED_MIN = 0.15  # …or lower when it names a title word of the group few topics use (低保)
NEAR_SAME = 0.6  # no question signal at all: answer only a nearly identical phrasing…
STORY = 40  # a message longer than this is read as a story and its asking sentences
UNPUNCTUATED = 40  # a stretch this long without punctuation is cut at its spaces
TOPIC_ONLY = 8  # …or a message of a few characters that names a topic ("低保", "异地就医")
NEW_SUBJECT = 0.3  # a follow-up whose subject matches another topic this well is a new subject
MARGIN = 0.08  # …and better than the current topic by this much
SAME_GROUP = 0.05  # a follow-up leans to the group just answered…
SAME_GROUP_COVERS = 0.25  # …more when its answer already covers what is asked
SAME_FAMILY = 0.05  # …then to its family (dibao_*), then to its category
NEAR_WEIGHT = 0.1  # …and to groups whose words are close to the title just answered
ELSEWHERE_MARGIN = 0.15  # another category of the department must fit this much better
# Below this score an answer is offered as what the question may be about: on the bench sets
# 17 of the 27 answers given to subjects the KB lacks scored under it (and 120 of 493 right ones).
SURE_ANSWER = 0.25


@dataclass(frozen=True)
class Consultation:
    """The decision on one message: what to answer, whether it asks, and why (for logs)."""

    answer: Answer | None
    is_question: bool
    reason: str


@dataclass(frozen=True)
class Signals:
    """How strongly a message reads as a question and as a request to act."""

    question: int
    act: int
    strong_question: bool
    strong_act: bool
    says_report: bool
    # a named body asked to act, nothing asked after it ("能不能请救助站来人把他接走？")
    asks_body: bool
    about_policy: int  # question signals other than about one's own case's status

    @property
    def asks(self) -> bool:
        """A question, unless the request to act is at least as strong."""
        if self.says_report or self.asks_body or (self.act and not self.about_policy):
            return False
        if self.strong_act and not (self.strong_question and self.question > 2 * self.act):
            return False
        if self.strong_question:
            return True
        return self.question > self.act


# "不晓得哪个偷走了", "不知道是谁扔的": an unknown doer in a report, not a question; "不知道找谁",
# "不知道哪个部门管" still ask (the pronoun is the object, or what follows asks who acts).
_UNKNOWN_DOER = re.compile(
    r"(不晓得|不知道|不清楚|不知|晓不得|搞不清|没看清|没看到)(是|被)?(谁家的|谁|哪个|哪位|哪家|什么人|啥人|哪里来的)"
    r"(?!.{0,4}(部门|单位|管|负责|处理|办|受理|能|可以|该|应该|找))"
)


_ASKS_A_BODY_RE = re.compile(_ASKS_A_BODY)
# The polite close of a request ("…来量？", "…，可以吗？"): no question of its own.
_POLITE_CLOSE = re.compile(r"(?:[，,]?(?:可以|行|好)?[吗嘛呢吧啊呀么]?)?[？?！!。\s]*$")


def _asks_a_body_last(text: str) -> bool:
    """A body asked to act with nothing asked after it: "能不能请医保局重新给打到这张卡上？"
    is a request whatever the story before it asked; "请环保的来查查。另外想问…" still asks."""
    asked = [m.end() for m in _ASKS_A_BODY_RE.finditer(text)]
    if not asked:
        return False
    return not _QUESTION.search(_POLITE_CLOSE.sub("", text[asked[-1] :]))


def signals(text: str) -> Signals:
    """Count question and act signals; the strong forms decide ties."""
    text = _UNKNOWN_DOER.sub("某人", text)
    return Signals(
        question=len(_QUESTION.findall(text)),
        act=len(_ACT.findall(text)),
        strong_question=_STRONG_QUESTION.search(text.strip()) is not None,
        strong_act=_STRONG_ACT.search(text) is not None,
        says_report=_SAYS_REPORT.search(text) is not None,
        asks_body=_asks_a_body_last(text),
        about_policy=len(_QUESTION.findall(_STATUS_QUESTION.sub("", text))),
    )


def _sentences(text: str) -> list[str]:
    """Sentences by punctuation; voice-to-text leaves only spaces between them, so a long
    unpunctuated stretch is cut at its spaces too."""
    sentences = []
    for sentence in re.split(r"(?<=[。！？!?；;\n])", text):
        if len(sentence) > UNPUNCTUATED and " " in sentence.strip():
            sentences += [part + " " for part in sentence.split()]
        else:
            sentences.append(sentence)
    return [s for s in sentences if s.strip()]


_QUESTION_FULL_STOP = re.compile(r"吗[。.]$")


def _asked_part(text: str) -> str:
    """In a message of several sentences, the ones that ask: background would drown them."""
    if len(text) <= STORY:
        return text
    # "政府能补吗。": a terse writer ends a question with a full stop (not "…不收钱的嘛。")
    asked = [
        s
        for s in _sentences(text)
        if _STRONG_QUESTION.search(_QUESTION_FULL_STOP.sub("吗", s.strip()))
    ]
    return "".join(asked[-3:]).strip() or text


# Identity papers one brings along ("要带户口本还是身份证"): what the question needs, not its
# subject (身份证补办)
_BROUGHT = re.compile(
    r"(?<=[带拿交])(?:上|着|好)?(?:什么|啥|哪些|哪个)?(?:户口本|户口簿|身份证)"
    r"(?:(?:还是|或者|和|跟|、)(?:户口本|户口簿|身份证))*"
)


def _unbrought(text: str) -> str:
    """The text with the papers one brings along taken out, for ranking its subject."""
    return _BROUGHT.sub("", text)


# "顺便问一句，…", "另外想咨询一下：…": a question asked in passing inside a report, to the
# end of the message (a story may come before its question: "另外还有桩事：…送过两回粥。倷讲…？").
_SIDE_QUESTION = re.compile(
    r"(?:(?:顺便|顺带|另外|还想|还要|再)(?:想|要|欲)?(?:问|咨询|打听|请教)(?:一下|一句|下|个事)?|"
    # a letter's "另有一事请教：…", "还有一件事想咨询"; a second matter: "还有个事，…",
    # "另外还有桩事：…", "再一个，…"
    r"(?:另有|还有|另外还有|另外有)(?:一件|一桩|一|个|件|桩)(?:小)?(?:事儿?|事情|问题)"
    r"(?:(?:想|要)?(?:请教|咨询|相询|打听|问问?))?|再一个(?=[，,：:])|"
    # "两件事。头一件…第二件问正事：…", "另一件事想问："
    r"(?:(?:第二件|另一件)(?:事儿?|事情)?|第二个(?:事儿?|事情|问题))(?:是|呢)?(?:想|要)?"
    r"(?:问|请教|咨询|打听)?(?:个|的)?(?:正事|事)?|"
    # the question a story or another matter was told before: "讲完这个，我真正想打听的是：…",
    # "完了俺正经要问的：…"
    r"(?:真正|正经|主要)(?:想|要)?(?:打听|问|咨询|请教|了解)(?:一下)?的(?:事儿?|是|事儿?是|就是)?)"
    r"[，,：:\s]*"
    r"(?P<question>[^。！？!?].{3,}?)[。！!\s]*$",
    re.DOTALL,
)


@dataclass(frozen=True)
class AnsweredInPassing:
    """A report's question asked in passing, answered: the report's words before it, and the
    answer given first."""

    report: str
    answer: Answer


def answer_in_passing(kb: KnowledgeBase, text: str) -> AnsweredInPassing | None:
    """The knowledge base's answer to the question a report asks in passing, if it has one
    (the dialogue says it before taking the report; the bench scores the same)."""
    asked = _SIDE_QUESTION.search(text)
    if asked is None:
        return None
    rest = asked.group("question")
    # its own sentence first ("…吗？站台的事还请你们跟公交公司说说。" goes back to the report),
    # then what follows it, when the question comes after a story of its own
    sentence = re.match(r"[^。！？!?]*[。！？!?]?", rest)
    for question in dict.fromkeys((sentence.group(0) if sentence else rest, rest)):
        side = consult_or_report(
            kb, question, category=None, department=None, request_type="咨询", sure=False
        )
        if side.answer is not None:
            return AnsweredInPassing(text[: asked.start("question")], side.answer)
    return None


def _asks_after_story(found: Signals, asked: str, text: str) -> bool:
    """ "中午饭一直没人管… 社区能不能每天给她送一份饭 要怎么弄": the act words are in the story and
    the asking sentences ask, without asking anyone to act (answered only on a KB topic)."""
    if asked == text or found.asks:
        return False
    # "…请城管来管管。完了俺正经要问的：…": a body asked to act in the story is a report of
    # its own, taken with the question answered in passing
    story = "".join(s for s in _sentences(text) if s.strip() not in asked)
    if _ASKS_A_BODY_RE.search(story) or _SAYS_REPORT.search(story):
        return False
    in_asking = signals(asked)
    return in_asking.asks and in_asking.act == 0


def _scope(kb: KnowledgeBase, category: str | None, department: str | None) -> set[str] | None:
    """Groups of the routed department (its whole department: the category may be a neighbour)."""
    if department is None and category is None:
        return None
    return {
        g.id
        for g in kb.groups.values()
        if (department is not None and g.department == department)
        or (category is not None and g.category == category)
    }


def consult_or_report(
    kb: KnowledgeBase,
    text: str,
    *,
    category: str | None,
    department: str | None,
    request_type: str | None,
    sure: bool,
) -> Consultation:
    """Decide whether a message is a policy question answered from the KB or a request to act."""
    text = kb.spelled(sounds.read(as_read(text))[0])
    found = signals(text)
    asked = _asked_part(text)
    ranked = kb.rank_readings(_unbrought(text), _unbrought(asked))
    if not ranked:
        return Consultation(None, found.asks, "no_kb_words")
    best_id, best = _by_aspect(kb, ranked, asked)
    scope = _scope(kb, category, department)
    if scope is not None and sure:
        # A sure routing breaks near-ties in favour of its own department's groups.
        in_scope = [(g, s) for g, s in ranked if g in scope]
        if in_scope and in_scope[0][1] >= best - 0.05:
            best_id, best = in_scope[0]
    asking_anchored = bool(kb.anchors(asked, best_id))
    anchored = asking_anchored or bool(kb.anchors(text, best_id))
    # a question after a story must name the topic itself: "这种情况该怎么办" after a broken lift
    # names nothing, and the lift story is a report
    after_story = asking_anchored and _asks_after_story(found, asked, text)
    text = asked
    asks = found.asks
    if kb.uncovered_subject(text, best_id):
        if asks and found.act == 0:
            return Consultation(None, True, "subject_not_in_kb")
        return Consultation(None, asks, "uncovered_subject_not_a_question")
    if not asks and after_story and best >= QUESTION_MIN:
        return Consultation(kb.answer(best_id, best), True, "question_after_a_story")
    if not asks:
        if found.act > 0 or request_type in ("投诉", "举报", "求助"):
            return Consultation(None, False, "asks_to_act")
        if best >= NEAR_SAME and anchored:
            return Consultation(kb.answer(best_id, best), True, "same_as_kb_question")
        if len(text.strip()) <= TOPIC_ONLY and anchored and _names_topic(kb, text, best_id):
            return Consultation(kb.answer(best_id, best), True, "names_kb_topic")  # "低保"
        # nothing asked: a report, whatever the request-type model read ("护士打针不消毒" is
        # no question however 咨询 its words look)
        return Consultation(None, False, "no_question_signal")
    if not anchored:
        return Consultation(None, True, "question_off_kb_topics")
    if best >= QUESTION_MIN or (best >= NAMED_MIN and kb.names_topic(text, best_id)):
        return Consultation(kb.answer(best_id, best), True, "question_in_kb")
    return Consultation(None, True, "question_weak_match")


# What a question asks about a topic, and the same aspect in a group's title: one topic's
# groups often differ by it alone (低保申请条件 / 低保申请材料 / 低保在哪里申请).
_ASPECT_ASKED = {
    "who": r"哪些人|哪类|哪种人|什么人|什么样的人|谁(?:可以|能)|条件|够不够|符不符合|符合|够格|资格"
    r"|能不能(?:申请|享受|登记|报名|办)|可以登记|能登记|边类",
    "materials": r"材料|带什么|带啥|带哪些|证件|资料|要准备|准备什么|准备啥",
    "where": r"在哪(?:里|儿)?(?:办|申请|登记|报名|交)|去哪(?:里|儿)?(?:办|申请|登记|报名)|找谁"
    r"|哪个部门|哪个窗口",
    "time": r"多久|多长时间|几天|几个月|流程|步骤|(?:走|办)?什么程序",
    "content": r"干(?:些)?啥|做(?:些)?什么|做啥|干什么|内容|包括|哪些服务|管什么|有什么用|有啥用"
    r"|能干嘛|好处",
}
_ASPECT_TITLE = {
    "who": r"条件|哪些老人|资格",
    "materials": r"材料",
    "where": r"在哪里|就近办理",
    "time": r"流程|时间|多久",
    "content": r"内容|有什么用|有哪些",
}
# A sibling of the best group that answers the aspect asked wins within this margin.
ASPECT_MARGIN = 0.05


def _aspects(text: str, table: dict[str, str]) -> set[str]:
    return {aspect for aspect, pattern in table.items() if re.search(pattern, text)}


def _by_aspect(kb: KnowledgeBase, ranked: list[tuple[str, float]], asked: str) -> tuple[str, float]:
    """The best group, or a sibling of its topic, close behind, whose title is the aspect the
    question asks ("哪类老人可以登记" → 哪些老人可享受探访关爱, not 探访关爱服务内容)."""
    best_id, best = ranked[0]
    wanted = _aspects(asked, _ASPECT_ASKED)
    if not wanted or _aspects(kb.groups[best_id].title, _ASPECT_TITLE) & wanted:
        return best_id, best
    topic = kb.groups[best_id].category
    for group_id, score in ranked[1:]:
        if score < best - ASPECT_MARGIN:
            break
        group = kb.groups[group_id]
        if topic and group.category == topic and _aspects(group.title, _ASPECT_TITLE) & wanted:
            return group_id, score
    return best_id, best


def _names_topic(kb: KnowledgeBase, text: str, group_id: str) -> bool:
    """Whether a bare text names the group's topic ("低保", "养老院"): a title word read across
    the start of a place word is no name ("人民医院" holds 民医 of 城乡居民医保)."""
    places = place_word_spans(text)
    for word in kb.named_title_words(text, group_id):
        at = text.find(word)
        if at < 0 or not any(start == at + 1 for start, _ in places):
            return True
    return False


def _family(group_id: str) -> str:
    """Groups named alike (dibao_*, cross_region_*) are one topic's aspects."""
    return group_id.rsplit("_", 1)[0] if "_" in group_id else group_id


# How much closeness in meaning (KnowledgeBase.meaning, 0..1) counts among a follow-up's
# candidates: consult_dev and consult_fresh10 +1 follow-up each at 0.1, no set lower; 0.2
# lost a consult_dev follow-up (bench/kb_eval/README.md, *Meaning*).
FOLLOW_UP_MEANING = 0.1


# "那要带什么", "这个…", "还有…": words that point back at the topic just answered.
_POINTS_BACK = re.compile(
    r"^(?:那|那么|那这个|那我|还有|另外)|这个|那个|这证|此证|它|上面|刚才|刚刚|这样的话"
)


# "好的，谢谢。那我去租的时候…": thanks and nods before the follow-up says what it asks.
_ACKNOWLEDGED = re.compile(
    r"^(?:(?:好的?|行|中|嗯+|哦+|噢+|谢谢(?:你们?|您)?|多谢|感谢|明白了?|知道了|了解了?|收到|ok)"
    r"[，,。.!！~～\s]*)+",
    re.IGNORECASE,
)
# A follow-up shorter than this names no subject of its own ("需要带什么证件", "烈属也可以去吗",
# "租金能不能有补贴"): it asks about the topic just answered (every consult set's follow-ups:
# 186 of 245 right with it, 180 deciding every follow-up without 那 / 这个 afresh, 178 never).
FRESH_QUESTION_MIN_CHARS = 15


def points_back(text: str) -> bool:
    """Whether a follow-up points back at the topic just answered ("那要带什么", "这个…")."""
    return _POINTS_BACK.search(_ACKNOWLEDGED.sub("", text.strip())) is not None


def asks_afresh(text: str) -> bool:
    """Whether a follow-up is first decided as a question of its own, before the topic just
    answered is asked about: it does not point back and is long enough to name a subject."""
    return not points_back(text) and len(re.findall(r"\w", text)) >= FRESH_QUESTION_MIN_CHARS


def answer_follow_up(
    kb: KnowledgeBase, text: str, *, group: str, decide: Callable[[str], Consultation]
) -> Answer | None:
    """The answer to a follow-up after ``group`` was answered: one that asks afresh is decided
    as a question of its own first (``decide``, with whatever routing the caller has) and
    another group's answer wins; else the topic just answered is asked about."""
    if asks_afresh(text):
        fresh = decide(text)
        if fresh.answer is not None and fresh.answer.group != group:
            return fresh.answer
    return follow_up(kb, text, group=group)


def follow_up(kb: KnowledgeBase, text: str, *, group: str) -> Answer | None:
    """Answer a follow-up within the topic just answered; None when it opens a new subject."""
    # "那要带什么材料？", "在哪里办", "多久能批下来", "凭这个证坐公交免费不": the same group first
    # (its answer, or a more specific group of the same topic), then groups of the same
    # category and department; a text naming another topic is a new subject.
    previous = kb.groups.get(group)
    if previous is None:
        return None
    text = kb.spelled(sounds.read(as_read(text))[0])
    found = signals(text)
    if not found.asks or is_ping(text) or not re.search(r"\w", text):
        return None  # a request to act, a statement, a ping or a bare "？": not a question
    if kb.uncovered_subject(text, group):
        return None  # "另外，公积金贷款有没有优惠": a new subject no group answers
    department = {g.id for g in kb.groups.values() if g.department == previous.department}
    said = canonical(text)
    subject = _GENERIC.sub("", said)
    points_back = _ANAPHORA.search(text.strip()) is not None
    topic = [g for g in department if kb.groups[g].category == previous.category]
    if subject and not points_back:
        ranked = kb.rank(subject)
        s_in = max((s for g, s in ranked if g in topic), default=0.0)
        other, s_out = next(((g, s) for g, s in ranked if g not in topic), ("", 0.0))
        own_words = kb.anchors(subject, other) - kb.shared_words(subject, topic) if other else None
        if s_out >= NEW_SUBJECT and s_out > s_in + MARGIN and own_words:
            # Names another topic: its group if the department is the same, else new subject.
            return kb.answer(other, s_out) if other in department else None
        knows = (
            kb.shared_words(subject, topic)
            or kb.shared_words(said, topic)
            or (other and kb.anchors(subject, other))
        )
        if len(subject) >= 3 and not knows:
            return None  # names nothing the knowledge base knows (公积金 after 家庭医生)
    # Within the topic: the same group or one of its family or category, unless another
    # group of the department fits much better (its department's own words).
    scores = dict(kb.rank(text, among=department))
    near = dict(kb.rank(previous.title, among=department))  # how close each group is to it
    family = _family(group)

    same_group = SAME_GROUP
    says_aspect = None  # how an answer says the aspect asked about (材料, 在哪办 …), if any
    aspect = _asked_aspect(text)
    if aspect is not None:
        # The answer just given already says it, or a neighbour should.
        covered = _ASPECTS[aspect][1]
        same_group = SAME_GROUP_COVERS if covered.search(previous.answer) else 0.0
        says_aspect = covered

    moves_on = _MOVES_ON.search(text) is not None
    meant = kb.meaning(text)

    def closeness(group_id: str) -> float:
        bonus = 0.0
        if moves_on:
            pass  # no lean to the group just answered or its family
        elif group_id == group:
            bonus = same_group
        elif _family(group_id) == family:
            bonus = SAME_FAMILY
        return (
            scores.get(group_id, 0.0)
            + bonus
            + NEAR_WEIGHT * near.get(group_id, 0.0)
            + FOLLOW_UP_MEANING * meant.get(group_id, 0.0)
        )

    chosen = max(topic, key=closeness)
    if (
        says_aspect is not None
        and chosen != group
        and _family(chosen) != family
        and not says_aspect.search(kb.groups[chosen].answer)
        and not kb.anchors(text, chosen)
    ):
        # "要带什么材料" after 困难职工帮扶: a neighbour that neither says it nor is named is
        # another subject; stay, so the citizen hears what this answer lacks ("需要的材料…")
        chosen = group
    if moves_on and not kb.anchors(text, chosen):
        return None  # moved on to something the topic's groups do not name: a new subject
    elsewhere = max(department, key=lambda g: scores.get(g, 0.0))
    if scores.get(elsewhere, 0.0) > closeness(chosen) + ELSEWHERE_MARGIN and kb.anchors(
        text, elsewhere
    ):
        chosen = elsewhere
    return kb.answer(chosen, closeness(chosen))
