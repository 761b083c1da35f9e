"""The citizen conversation: one turn in, replies and the new state out.

Rasa reads the text (intent ranking, entities, urgency, request type); this module decides
what the turn means given what came before. The citizen's draft is a core object with its own
states (collecting → confirming → filed / cancelled; parked when left and offered back), kept
in the conversation state with the topic last answered and any question the assistant asked,
so no message, however unexpected, can drop it: every turn either moves the draft on, changes
it, or says what was understood and asks again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol, cast

from sqlalchemy.exc import OperationalError

from hotline.domain.catalogue import REQUEST_TYPES, Catalogue, RequestType
from hotline.domain.consult import consult_or_report, follow_up
from hotline.domain.intake import (
    SKIP,
    Routing,
    describe_phone,
    looks_like_phone,
    parse_phone,
    route_parse,
    safety_advice,
    split_problems,
)
from hotline.domain.knowledge import Answer, KnowledgeBase
from hotline.domain.places import (
    is_place_like,
    place_correction,
    place_from_answer,
    place_in_message,
)
from hotline.domain.privacy import PRIVACY_NOTICE
from hotline.domain.texts import clean_text
from hotline.domain.tickets import OPEN_STATUSES, TICKET_NUMBER, Actor, DomainError, Status
from hotline.services.container import Services
from hotline.services.messages import local_time
from hotline.services.registration import NewTicket
from hotline.services.snapshots import TicketView
from hotline.services.views import TicketFilter
from hotline.storage.outbox import PULL_CHANNELS

log = logging.getLogger(__name__)

State = dict[str, Any]
BUSY = "系统繁忙，请稍后再试。您刚才的内容已记下，稍后再发一次即可。"
NONE_OF_THESE = "none"
PARK_AFTER = timedelta(minutes=30)  # a draft untouched this long is parked and offered back
URGENT_FOLLOW_UP = timedelta(hours=2)  # what is said this soon after an emergency goes onto it
MIN_REQUEST_MASS = 0.15
_OPEN = {s.value for s in OPEN_STATUSES}
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
    r"^(?:我们|我家|俺家|咱们|这个|那个|这|那|附近的?|家)?(?:小区|公园|马路|路边|路上|路口|十字路口|街上|楼下|楼上|门口|"
    r"学校|医院|市场|村里|村口|工地|家门口|单位|厂里|公司|商场|超市|店里|河边|河里)"
    r"(?:门口|里|边|旁边|上|下|附近|对面|里面)?$"
)
_FILLERS = frozenset({"谢谢", "麻烦", "了", "吧", "帮我", "登记", "一下", "上去", "交"})
_CANCEL = re.compile(
    r"取消|不提交|不用提交|先不提交|不交了|不要了|不用了|算了|不办了|不登记|不要登记|不用登记|"
    r"不反映了|不报了|不弄了|撤销|撤回|作罢|不需要了|别提交|别登记|不想提交|不想登记|不想报|不想反映"
)
_DEIXIS = re.compile(
    r"^(?:那|那么|那这个|那我|还有|另外)|这个|那个|这证|此证|它|上面|刚才|刚刚|这样的话"
)
_ACT = re.compile(
    r"希望.{0,8}(?:查|处理|整治|解决|管|取缔|制止|修|清理)|请求|要求|恳请|查处|尽快处理|派人|管管|"
    r"管一管|取缔|制止|整改|投诉|举报"
)
_BYE = re.compile(r"再见|拜拜|bye|回头再说|下次再说|不聊了|先这样吧|改天再说|我先走了")
_JUST_ASKING = re.compile(r"就是问问|只是问问|问一下而已|就问问|只是咨询|就是咨询|随便问问")
_NEGATION = re.compile(r"不|别|没|未|甭|莫")
_DONE_WORDS = re.compile(r"已解决|解决了|明白了|知道了|清楚了|懂了|好的谢谢|谢谢|没事了|不用了")
_REGISTER = re.compile(r"需要登记|要登记|帮我登记|登记一下|立个?单|报上去|派人|帮我反映|反映上去")
_ORDINAL = re.compile(
    r"(?:选|要|是|就)\s*(?:第\s*)?([一二三四1-4１-４])(?:个|项|条|种)?$|"
    r"第\s*([一二三四1-4１-４])\s*(?:个|项|条|种)?|^([1-4１-４])$|^([一二三四])个?$"
)
_ORDINAL_VALUE = {"一": 0, "二": 1, "三": 2, "四": 3, "1": 0, "2": 1, "3": 2, "4": 3}
_LAST = re.compile(r"最后一个|最后那个")
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
_COMPLAINT = re.compile(r"投诉|举报|不满|太差|没人管|不作为|敷衍|坏了|不亮|堵|吵|乱|脏|臭")
_PRIVATE = re.compile(
    r"借(?:了)?(?:我|他|她)?.{0,6}钱.{0,6}不还|欠(?:我)?.{0,6}钱不还|民间借贷|借条|欠条|"
    r"离婚|婆媳|家庭矛盾|夫妻(?:吵架|矛盾)|分家|遗产|彩礼|兄弟.{0,4}(?:矛盾|分财产)|"
    r"朋友.{0,6}不还|老公.{0,4}(?:出轨|吵)|老婆.{0,4}吵|"
    r"(?:邻居|楼上|楼下).{0,16}(?:不给赔|不肯赔|不赔|赔偿)"
)
_CHASE = re.compile(
    r"催一下|催催|催办|帮我催|催一催|再催|加急处理|怎么还没(?:有)?(?:人)?(?:处理|办|修|回复|答复|管|来)"
)
_CHASE_CONTEXT = re.compile(
    r"(?:单子|工单|上次|之前|前几天|那个事|那件事|反映的|报的|提交的).{0,12}"
    r"(?:还没|没有|没人|一直|进展|进度|怎么样)"
)
_STATUS = re.compile(
    r"我的工单|查(?:一下|询)?(?:工单|进度|单子)|工单(?:进度|状态)|办得怎么样|处理到哪"
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
    r"流血|出血|受伤|骨折|发烧|吐了|呕吐|中毒|没有意识|没意识|脸色发白|嘴唇发紫|站不起来|摔倒"
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
PRIVATE_POINTER = (
    "这属于个人之间的民事纠纷，12345热线不能代为处理。建议您：\n"
    "① 向所在社区（村）人民调解委员会申请调解，免费；\n"
    "② 拨打12348公共法律服务热线或到司法局法律援助中心咨询，符合条件可获法律援助；\n"
    "③ 协商、调解不成，可以向人民法院起诉（借款纠纷请保留借条、转账记录等证据）。\n"
    "如对方有威胁、暴力行为，请立即拨打110。"
)
SMALL_TALK = {
    "chitchat": "我是12345热线助手，主要帮您反映问题、查询工单和解答政策咨询。请问有什么可以帮您？",
    "out_of_scope": (
        "抱歉，这个问题不在12345热线的受理范围内。如遇紧急情况，报警请拨110，"
        "火警请拨119，急救请拨120。"
    ),
    "greet": "您好！12345热线，请问有什么可以帮您？",
    "goodbye": "感谢您联系12345热线，祝您生活愉快，再见！",
    "thank": "不客气，很高兴为您服务。还有其他问题随时找我。",
    "bot_challenge": (
        "我是12345热线的智能助手，可以帮您反映问题、查询工单、解答政策咨询。"
        "需要人工服务请说“转人工”。"
    ),
    "insult": "理解您的心情。请告诉我遇到了什么问题，我会尽力帮您。",
}
NOT_UNDERSTOOD = "抱歉，我没看明白，请用一两句话描述您遇到的问题。"


@dataclass(frozen=True)
class Turn:
    """What the citizen just said, as the NLU read it."""

    text: str
    intent: str = ""
    ranking: tuple[tuple[str, float], ...] = ()
    entities: Mapping[str, str] = field(default_factory=dict)
    urgent: bool = False
    request_type: str | None = None
    message_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    transcript: str = ""  # the conversation so far, for a dispatcher taking over
    reply_to_ticket: str | None = None  # the ticket of the message the citizen replied to


@dataclass
class Reply:
    """One message to the citizen, with optional buttons (title, payload)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    replies: list[Reply]
    state: State


class Parser(Protocol):
    """Classifies one more piece of text (a second problem in the same message)."""

    async def parse(self, text: str) -> dict[str, Any] | None: ...


def compact(text: str) -> str:
    """The text without punctuation, blanks and case: what word lists are matched against."""
    return _PUNCT.sub("", text).lower()


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


def _now_iso(now: datetime) -> str:
    return now.isoformat()


def _since(state_time: str | None, now: datetime) -> timedelta:
    if not state_time:
        return timedelta(0)
    try:
        return now - datetime.fromisoformat(state_time)
    except ValueError:
        return timedelta(0)


class Conversation:
    """Decides each citizen turn; adapters (the Rasa action, tests) pass a Turn and the state."""

    def __init__(self, service: Services, knowledge: KnowledgeBase, parser: Parser) -> None:
        self.service = service
        self.catalogue: Catalogue = service.catalogue
        self.knowledge = knowledge
        self.parser = parser

    # ---------------------------------------------------------------- entry point

    async def respond(self, sender: str, state: State | None, turn: Turn) -> Outcome:
        """One turn: deliver what waits for the citizen, then handle what they said."""
        state = dict(state or {})
        seen = list(state.get("seen") or [])
        if turn.message_id and turn.message_id in seen:
            replay = [
                Reply(str(r["text"]), [(str(b[0]), str(b[1])) for b in r.get("buttons") or []])
                for r in state.get("last") or []
            ]
            return Outcome(replay or [Reply("收到。")], state)
        channel, user = _split_sender(sender)
        replies: list[Reply] = []
        if channel in PULL_CHANNELS:
            try:
                replies += [
                    Reply(text)
                    for text in self.service.tickets.pull_citizen_messages(channel, user)
                ]
            except OperationalError:
                log.warning("pending messages not pulled")
        turn_ = _Turn(self, sender, channel, user, state, turn, replies)
        try:
            await turn_.run()
        except OperationalError:
            log.exception("turn failed")
            turn_.say(BUSY)
        if not turn_.state.get("privacy_noted"):  # first contact: what is kept and why (PIPL)
            at = -1 if turn_.replies and turn_.replies[-1].buttons else len(turn_.replies)
            turn_.replies.insert(at, Reply(PRIVACY_NOTICE))  # the buttons stay last
            turn_.state["privacy_noted"] = True
        if turn.message_id:
            seen = [*seen, turn.message_id][-5:]
        turn_.state["seen"] = seen
        turn_.state["last"] = [
            {"text": r.text, "buttons": [list(b) for b in r.buttons]} for r in turn_.replies
        ]
        return Outcome(turn_.replies, turn_.state)


def _split_sender(sender: str) -> tuple[str, str]:
    channel, sep, user = sender.partition(":")
    if not sep or not channel or not user:
        return "rest", sender[:80]
    return channel[:20], user[:80]


def draft_key(sender: str, message_id: str) -> str:
    raw = f"{sender}|{message_id}"
    return "conv:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:48]


class _Turn:
    """The work of one turn: reads and moves the state, collects the replies."""

    def __init__(
        self,
        conv: Conversation,
        sender: str,
        channel: str,
        user: str,
        state: State,
        turn: Turn,
        replies: list[Reply],
    ) -> None:
        self.c = conv
        self.service = conv.service
        self.catalogue = conv.catalogue
        self.sender = sender
        self.channel = channel
        self.user = user
        self.state = state
        self.turn = turn
        self.replies = replies
        self.text = turn.text.strip()
        self.short = compact(self.text)
        self.now = self.service.clock.now()
        self.actor = Actor(role="citizen", id=f"{channel}:{user}")

    # ---------------------------------------------------------------- helpers

    def say(self, text: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        self.replies.append(Reply(text, list(buttons)))

    @property
    def draft(self) -> dict[str, Any] | None:
        draft = self.state.get("draft")
        return draft if isinstance(draft, dict) else None

    def set_draft(self, draft: dict[str, Any] | None) -> None:
        if draft is not None:
            draft["updated"] = _now_iso(self.now)
        self.state["draft"] = draft

    @cached_property
    def routing(self) -> Routing:
        """Where the message would go, summed per department; computed once per turn."""
        items = [{"name": n, "confidence": c} for n, c in self.turn.ranking]
        return route_parse(items, self.catalogue, self.turn.entities.get("address"))

    @cached_property
    def _tickets(self) -> list[TicketView]:
        """The citizen's latest tickets as the turn began: one query however often asked."""
        return self.service.views.list_tickets(TicketFilter(citizen=self.actor.id, limit=20))

    def my_tickets(self, states: set[str] | None = None) -> list[TicketView]:
        return [v for v in self._tickets if states is None or v.status in states]

    def ticket_number(self) -> str | None:
        found = self.turn.entities.get("ticket_number")
        if found:
            return found
        match = TICKET_NUMBER.search(self.text)
        return match.group(1) if match else self.turn.reply_to_ticket

    # ---------------------------------------------------------------- the turn

    async def run(self) -> None:
        if not self.text:
            self.say("请用一两句话描述您遇到的问题。")
            self.reprompt()
            return
        try:
            self.text = clean_text(self.text, field_name="您发的内容", limit=4000) or ""
        except DomainError as exc:
            self.say(exc.message + "（您的诉求还没有提交，内容没有丢失。）")
            self.reprompt()
            return
        if (
            not re.search(r"[\w\u4e00-\u9fff👌👍]", self.text)
            and not self.text.startswith("/")
            and self.turn.latitude is None
        ):
            self.say("收到表情啦。请用文字描述您遇到的问题，我来为您登记。")
            self.reprompt()
            return
        self.park_stale_draft()
        if await self.global_turn():
            return
        if await self.context_turn():
            return
        await self.new_message()
        self.offer_parked()

    async def global_turn(self) -> bool:
        """What takes precedence over any step: a human, an emergency, a status question."""
        intent = self.turn.intent
        if intent == "request_human" or re.search(r"转人工|人工客服|找人工|真人", self.short):
            self.hand_to_human()
            return True
        if self.urgent_follow_up():
            return True
        if self.draft is not None and _CHASE.search(self.short):
            self.handle_ticket_purpose("chase")  # about a ticket already filed; the draft waits
            self.reprompt()
            return True
        if self.turn.urgent and intent not in (
            "inform",
            "chitchat",
            "out_of_scope",
            "rate_service",
        ):
            self.open_urgent()
            return True
        awaiting = self.state.get("awaiting") or {}
        picking = awaiting.get("kind") == "which_ticket" and len(self.short) <= 16
        if (
            (intent == "check_status" or _STATUS.search(self.short))
            and not _CHASE.search(self.short)
            and not picking  # a number answering "which ticket?" is not a status question
        ):
            self.show_status()
            self.reprompt()
            return True
        if intent in ("bot_challenge", "insult") and self.draft is not None:
            self.say(SMALL_TALK[intent])
            self.reprompt()
            return True
        return False

    async def context_turn(self) -> bool:
        """What the message means given the question the assistant asked last."""
        awaiting = self.state.get("awaiting")
        if isinstance(awaiting, dict) and await self.answer_awaiting(awaiting):
            return True
        draft = self.draft
        if draft is not None:
            if draft.get("status") == "confirming":
                await self.at_confirmation(draft)
                return True
            await self.while_collecting(draft)
            return True
        topic = self.state.get("topic")
        if isinstance(topic, dict) and _since(topic.get("at"), self.now) < timedelta(minutes=30):
            return self.after_answer(topic)
        return False

    # ---------------------------------------------------------------- drafts

    def park_stale_draft(self) -> None:
        draft = self.draft
        if draft is None or _since(draft.get("updated"), self.now) < PARK_AFTER:
            return
        if draft.get("status") == "confirming" and is_affirm(self.text, self.turn.intent):
            return  # a late "确认" still confirms what the citizen saw
        self.state["parked"] = draft
        self.state["draft"] = None
        self.state["awaiting"] = None

    def offer_parked(self) -> None:
        parked = self.state.get("parked")
        if not isinstance(parked, dict) or self.draft is not None or self.state.get("awaiting"):
            return
        if parked.get("offered"):
            return
        parked["offered"] = True
        self.say(
            f"另外，您还有一条未提交的诉求：“{str(parked.get('description'))[:60]}”。要继续提交吗？",
            [("继续提交", "继续上次的诉求"), ("不要了", "上次的不要了")],
        )
        self.state["awaiting"] = {"kind": "offer"}

    def specific_place(self) -> str | None:
        """A place in the message someone could go to; "商场里", "这家店" or "5楼和6楼中间"
        (inside a lift) are details, and the place question is still asked."""
        place = place_in_message(self.text, self.turn.entities.get("address"))
        return place if place and is_specific(place) else None

    def new_draft(self, description: str, routing: Routing, place: str | None) -> dict[str, Any]:
        return {
            "key": draft_key(self.sender, self.turn.message_id or _now_iso(self.now)),
            "status": "collecting",
            "description": description,
            "category": routing.category if routing.sure else None,
            "department": routing.department if routing.sure else None,
            "request_type": _request_type(self.turn.request_type),
            "confidence": round(routing.confidence, 4),
            "choices": [
                {"department": c.department, "category": c.category} for c in routing.choices
            ],
            "address": place,
            "latitude": self.turn.latitude,
            "longitude": self.turn.longitude,
            "phone": parse_phone(self.text) if looks_like_phone(self.text) else None,
            "detail": self.detail_in_message(routing.category),
            "asked": {},
            "extra": [],
        }

    def detail_in_message(self, category: str | None) -> str | None:
        spec = self.catalogue.categories.get(category or "")
        if spec is None or not spec.fields:
            return None
        value = self.turn.entities.get("org") or self.turn.entities.get("vehicle")
        return value[:100] if value else None

    def missing(self, draft: dict[str, Any]) -> str | None:
        """The one thing to ask next, or None when the draft is ready to confirm."""
        if draft.get("department") is None and not draft.get("human"):
            return "category"
        if not draft.get("address") and draft.get("latitude") is None and not draft.get("no_place"):
            return "address"
        if draft.get("phone") is None:
            return "phone"
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is not None and spec.fields and draft.get("detail") is None:
            return "detail"
        return None

    def ask_next(self, draft: dict[str, Any]) -> None:
        """Ask what is missing, one thing at a time; or show the summary."""
        need = self.missing(draft)
        draft["asking"] = need
        if need is None:
            draft["status"] = "confirming"
            self.set_draft(draft)
            self.show_summary(draft)
            return
        draft["status"] = "collecting"
        self.set_draft(draft)
        if need == "category":
            self.offer_choices(draft, "为了准确派单，请确认您的问题由哪个部门办理：")
        elif need == "address":
            self.say(
                "请问问题发生的具体地点在哪里？（例如：XX区XX路XX号、小区名称和楼栋，也可以直接发送定位）"
            )
        elif need == "phone":
            self.say(
                "方便留一个联系电话吗？办理部门可能需要与您核实情况。不方便的话请回复“不用”。",
                [("不留电话", "不用")],
            )
        else:
            spec = self.catalogue.categories[draft["category"]]
            self.say(self.catalogue.fields[spec.fields[0]].prompt + "（不清楚可以回复“不知道”）")

    def reprompt(self) -> None:
        """After an aside, repeat the question the draft is waiting on (the draft is kept)."""
        draft = self.draft
        if draft is None:
            return
        if draft.get("status") == "confirming":
            self.say("您的诉求还没有提交。", [])
            self.show_summary(draft)
        else:
            self.ask_next(draft)

    def offer_choices(self, draft: dict[str, Any], lead: str) -> None:
        choices = [
            c for c in draft.get("choices") or [] if c.get("category") in self.catalogue.categories
        ]
        buttons = [
            (
                f"{self.catalogue.department_name(c['department'])}（{self.catalogue.category_name(c['category'])}）",
                f'/choose_category{{"category": "{c["category"]}"}}',
            )
            for c in choices
        ]
        buttons.append(
            ("都不是（交人工派单）", f'/choose_category{{"category": "{NONE_OF_THESE}"}}')
        )
        draft["shown_choices"] = [c["category"] for c in choices]
        self.say(lead, buttons)

    def summary(self, draft: dict[str, Any]) -> str:
        catalogue = self.catalogue
        category = draft.get("category")
        department = draft.get("department")
        lines = ["请核对您要登记的诉求："]
        if category and department:
            name, who = catalogue.category_name(category), catalogue.department_name(department)
            lines.append(f"· 类别：{name}（{who}办理）")
        else:
            lines.append("· 类别：待人工派单（由派单员确定办理部门）")
        lines.append(f"· 问题：{str(draft.get('description') or '')[:300]}")
        if draft.get("address"):
            lines.append(f"· 地点：{draft['address']}")
        elif draft.get("latitude") is not None:
            lines.append("· 地点：已收到您发送的定位")
        else:
            lines.append("· 地点：未提供")
        lines.append(f"· 联系电话：{describe_phone(draft.get('phone'))}")
        spec = catalogue.categories.get(category or "")
        if spec is not None and spec.fields:
            lines.append(
                f"· {catalogue.fields[spec.fields[0]].name}：{draft.get('detail') or '未提供'}"
            )
        due = self.service.tickets.expected_answer_due(
            category if department else None, draft.get("request_type")
        )
        if due is not None:
            lines.append(f"· 答复时限：{local_time(due, self.service.tz)} 前")
        for extra in draft.get("extra") or []:
            lines.append(
                f"· 另一个问题：{catalogue.category_name(extra.get('category'))}"
                f"（{catalogue.department_name(extra.get('department'))}办理）：{str(extra.get('description'))[:100]}"
            )
        lines.append(
            "确认无误请回复“确认”或点“确认提交”；要修改直接告诉我，如“地址改成……”“电话是……”。"
        )
        return "\n".join(lines)

    def show_summary(self, draft: dict[str, Any]) -> None:
        self.say(
            self.summary(draft),
            [("确认提交", "/affirm"), ("修改类别", "/correct_category"), ("取消", "/deny")],
        )

    def corrections(self, draft: dict[str, Any], *, asking: str | None) -> list[str]:
        """Apply every correction the message carries; the names of what changed."""
        changed: list[str] = []
        text = self.text
        place = place_correction(text)
        if place:
            draft["address"] = place
            draft["latitude"] = draft["longitude"] = None
            changed.append("地点")
        if self.turn.latitude is not None and asking != "address":
            draft["latitude"], draft["longitude"] = self.turn.latitude, self.turn.longitude
            draft["address"] = None
            changed.append("地点")
        if asking != "phone" and looks_like_phone(text):
            phone = parse_phone(text)
            if phone and phone != SKIP:
                draft["phone"] = phone
                changed.append("联系电话")
        if asking != "phone" and re.search(
            r"(?:电话|号码|手机).{0,6}(?:不留|不用|算了|删|去掉|不要)", text
        ):
            draft["phone"] = SKIP
            changed.append("联系电话")
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is not None and spec.fields and asking != "detail" and not place:
            said = _DETAIL_SAID.search(text)
            if said:
                draft["detail"] = tidy_detail(said.group(1))[:100]
                changed.append(self.catalogue.fields[spec.fields[0]].name)
            elif asking is None:
                other = _NOT_A_BUT_B.search(text)
                if other and not looks_like_phone(text):
                    draft["detail"] = tidy_detail(other.group(1))[:100]
                    changed.append(self.catalogue.fields[spec.fields[0]].name)
        described = _DESCRIPTION.match(text)
        if described:
            draft["description"] = described.group(1).strip()[:4000]
            changed.append("问题描述")
        return changed

    def typed_category(self, choices: Sequence[str] | None = None) -> str | None:
        """A category or department named in words ("市场监督管理局", "路灯不亮")."""
        short = self.short
        if not short or len(short) > 30:
            return None
        pool = list(choices or [])
        for code in pool:
            spec = self.catalogue.categories.get(code)
            if spec is None:
                continue
            if compact(spec.name) in short or short in compact(spec.name):
                return code
            name = compact(self.catalogue.department_name(spec.department))
            if name and (name in short or short in name):
                return code
        for code, spec in self.catalogue.categories.items():
            if compact(spec.name) == short:
                return code
        for dept in self.catalogue.departments:
            name = compact(self.catalogue.department_name(dept))
            if name and name == short:
                ranked = [c for c in pool if self.catalogue.categories[c].department == dept]
                if ranked:
                    return ranked[0]
                return next(
                    (c for c, s in self.catalogue.categories.items() if s.department == dept), None
                )
        return None

    async def while_collecting(self, draft: dict[str, Any]) -> None:
        """An answer to the question asked, a correction, a cancel, or an aside."""
        asking = draft.get("asking")
        if asking == "phone" and self.take_phone(draft):
            return
        if (asking == "detail" or "就这样" in self.short) and is_affirm(
            self.text, self.turn.intent
        ):
            draft["detail" if asking == "detail" else "phone"] = (
                "不清楚" if asking == "detail" else SKIP
            )  # "就这样吧" to an optional question: nothing more to add
            self.ask_next(draft)
            return
        if _BYE.search(self.short) and len(self.short) <= 10:
            self.park(draft)
            return
        if is_cancel(self.text, self.turn.intent):
            self.cancel(draft)
            return
        if asking == "category" and self.choose(draft):
            return
        if self.turn.intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.recategorise(draft)
            return
        if self.text.startswith("/"):  # a stale button: never a value
            self.say("这个按钮已过期。")
            self.ask_next(draft)
            return
        if asking == "address" and self.named_department(draft):
            return
        changed = self.corrections(draft, asking=asking)
        answer = {
            "address": self.take_address,
            "phone": self.retry_phone,
            "detail": self.take_detail,
        }.get(str(asking))
        if answer is not None and answer(draft, changed):
            return
        if changed:
            self.say(f"好的，已更新{('、'.join(dict.fromkeys(changed)))}。")
            self.ask_next(draft)
            return
        self.aside(draft)

    def take_phone(self, draft: dict[str, Any]) -> bool:
        if re.search(r"取消|不提交|不登记|不反映|不办了", self.short):
            return False
        phone = parse_phone(self.text)
        if phone is None:
            return False
        draft["phone"] = phone
        self.corrections(draft, asking="phone")
        self.ask_next(draft)
        return True

    def take_address(self, draft: dict[str, Any], changed: list[str]) -> bool:
        if self.turn.latitude is not None:
            draft["latitude"], draft["longitude"] = self.turn.latitude, self.turn.longitude
            self.ask_next(draft)
            return True
        if "地点" in changed:
            self.ask_next(draft)
            return True
        place = place_from_answer(self.text)
        tries = int(draft["asked"].get("address", 0)) + 1
        draft["asked"]["address"] = tries
        if place is None and tries >= 2 and not changed and is_place_like(self.text):
            place = self.text.strip()  # asked twice: what the citizen typed is their place
        if place:
            draft["address"] = place[:300]
            self.ask_next(draft)
            return True
        if re.search(r"不知道|不清楚|说不清|记不得|没有具体|不涉及|没有地点|无固定", self.short):
            draft["no_place"] = True
            self.ask_next(draft)
            return True
        return False

    def retry_phone(self, draft: dict[str, Any], changed: list[str]) -> bool:
        if "联系电话" in changed or "地点" in changed:
            return False
        place = None if looks_like_phone(self.text) else place_from_answer(self.text)
        if place and is_specific(place):
            draft["address"] = place[:300]  # a fuller place, given while we asked for the phone
            self.say(f"好的，地点记为“{place}”。")
            self.ask_next(draft)
            return True
        tries = int(draft["asked"].get("phone", 0)) + 1
        draft["asked"]["phone"] = tries
        if looks_like_phone(self.text):
            self.say(
                "这个号码好像少了或多了几位。请发11位手机号，或带区号的座机（如 0371-66881234）；"
                "不想留电话回复“不用”就行。"
            )
            self.set_draft(draft)
            return True
        if tries >= 2:
            draft["phone"] = SKIP
            self.say("好的，先不留电话。")
            self.ask_next(draft)
            return True
        return False

    def take_detail(self, draft: dict[str, Any], changed: list[str]) -> bool:
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is None or not spec.fields or changed:
            return False
        value = tidy_detail(self.text)
        if re.fullmatch(r"不知道|不清楚|不记得|没有|忘了|不晓得|没注意", compact(value) or "无"):
            draft["detail"] = "不清楚"
        elif value:
            draft["detail"] = value[:100]
        self.ask_next(draft)
        return True

    def aside(self, draft: dict[str, Any]) -> None:
        """Not an answer: small talk is answered, more about the problem is kept; ask again."""
        intent = self.turn.intent
        if intent in ("greet", "thank", "chitchat", "nonsense", "affirm", "bot_challenge"):
            if intent in SMALL_TALK:
                self.say(SMALL_TALK[intent])
            elif intent == "nonsense":
                self.say("抱歉，我没看明白。")
        elif _JUST_ASKING.search(self.short):
            self.cancel(draft)
            return
        elif self.absorbed(draft):
            pass
        elif self.short in compact(str(draft.get("description") or "")):
            self.say("这件事已经记下了。")  # the same words again: nothing new to add
        elif len(self.short) >= 4:
            draft["description"] = f"{draft.get('description')}\n补充：{self.text}"[:4000]
            self.say("好的，这些情况已补充到问题描述里。")
        else:
            self.say("抱歉，我没看明白。")
        self.ask_next(draft)

    def absorbed(self, draft: dict[str, Any]) -> bool:
        """A place or a phone said out of turn (while we asked something else) is kept as one."""
        if looks_like_phone(self.text):
            phone = parse_phone(self.text)
            if phone and phone != SKIP:
                draft["phone"] = phone
                self.say("好的，联系电话记下了。")
                return True
        if draft.get("phone") is None and re.fullmatch(
            r"(?:没有|不留|不用留?|不方便)(?:电话|号码)?", self.short
        ):
            draft["phone"] = SKIP
            self.say("好的，不留电话。")
            return True
        place = place_from_answer(self.text)
        if is_specific(place) and not is_specific(draft.get("address")) and place:
            draft["address"] = place[:300]
            self.say(f"好的，地点记为“{place}”。")
            return True
        return False

    def choose(self, draft: dict[str, Any]) -> bool:
        """Take the citizen's department choice: a button, "第二个", a name, "都不是"."""
        shown = list(
            draft.get("shown_choices") or [c["category"] for c in draft.get("choices") or []]
        )
        chosen = self.turn.entities.get("category")
        if chosen is None and shown and is_affirm(self.text, self.turn.intent):
            chosen = shown[0]  # "对的" to the list: the first, most likely one (said back)
        if chosen is None:
            if _NONE_WORDS.search(self.short) or self.short in ("不是", "没有", "不对", "都没有"):
                chosen = NONE_OF_THESE
            else:
                index = ordinal_choice(self.text, len(shown))
                chosen = shown[index] if index is not None else self.typed_category(shown)
        if chosen is None:
            return False
        if chosen == NONE_OF_THESE or chosen not in self.catalogue.categories:
            draft["category"] = None
            draft["department"] = None
            draft["human"] = True
            self.say("好的，将由人工派单员为您确定办理部门。")
        else:
            department = self.catalogue.route(chosen, draft.get("address"))
            draft["category"], draft["department"] = chosen, department
            draft["human"] = False
            self.say(
                f"好的，按“{self.catalogue.category_name(chosen)}”由{self.catalogue.department_name(department)}办理。"
            )
        self.ask_next(draft)
        return True

    async def at_confirmation(self, draft: dict[str, Any]) -> None:  # noqa: PLR0912
        """Confirm, cancel, or change anything in the summary; never a silent drop."""
        text = self.text
        if is_affirm(text, self.turn.intent):
            self.file(draft)
            return
        if _BYE.search(self.short) and len(self.short) <= 10:
            self.park(draft)
            return
        if is_cancel(text, self.turn.intent):
            self.cancel(draft)
            return
        if self.turn.intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.recategorise(draft)
            return
        typed = self.typed_category([c["category"] for c in draft.get("choices") or []])
        if typed and typed != draft.get("category"):
            draft["category"], draft["department"] = (
                typed,
                self.catalogue.route(typed, draft.get("address")),
            )
            self.say(f"好的，已改为“{self.catalogue.category_name(typed)}”。")
            self.ask_next(draft)
            return
        changed = self.corrections(draft, asking=None) or self.detail_restated(draft)
        if not changed and re.search(r"地址|地点|位置|门牌", text):
            place = place_in_message(text, self.turn.entities.get("address"))
            if place:
                draft["address"] = place
                changed.append("地点")
        if changed:
            self.say(f"好的，已更新{('、'.join(dict.fromkeys(changed)))}。")
            self.ask_next(draft)
            return
        if (
            self.turn.intent in SMALL_TALK
            or self.turn.intent in ("nonsense", "inform")
            or len(self.short) < 4
        ):
            if self.turn.intent in SMALL_TALK:
                self.say(SMALL_TALK[self.turn.intent])
            else:
                self.say("抱歉，我没看明白。您的诉求还没有提交。")
            self.show_summary(draft)
            return
        routing = self.routing
        if (
            routing.sure
            and routing.department != draft.get("department")
            and self.turn.intent in self.catalogue.categories
            and len(self.short) >= 8
            and len(draft.get("extra") or []) < 2
        ):
            draft.setdefault("extra", []).append(
                {
                    "description": text,
                    "category": routing.category,
                    "department": routing.department,
                    "request_type": _request_type(self.turn.request_type),
                }
            )
            self.say(f"好的，“{self.catalogue.category_name(routing.category)}”的问题也一并登记。")
        else:
            draft["description"] = f"{draft.get('description')}\n补充：{text}"[:4000]
            self.say("好的，已补充到问题描述里。")
        self.ask_next(draft)

    def park(self, draft: dict[str, Any]) -> None:
        """Goodbye mid-draft: the draft is kept and offered back at the next contact."""
        draft["offered"] = False
        self.state["parked"] = draft
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.say("好的，您的诉求还没有提交，我先帮您保存着，下次找我时可以接着提交。再见！")

    def recategorise(self, draft: dict[str, Any]) -> None:
        """修改类别 / "部门不对": the other departments (and a human) to choose from."""
        current = draft.get("department")
        draft["choices"] = [c for c in draft.get("choices") or [] if c.get("department") != current]
        draft["asking"] = "category"
        draft["status"] = "collecting"
        draft["department"] = None
        self.set_draft(draft)
        self.offer_choices(draft, "好的，请选择正确的办理部门：")

    def named_department(self, draft: dict[str, Any]) -> bool:
        """ "教育局" typed where the place was asked: the citizen is naming who should handle it."""
        short = self.short
        for dept in self.catalogue.departments:
            if compact(self.catalogue.department_name(dept)) != short:
                continue
            if dept != draft.get("department"):
                category = next(
                    (c for c, spec in self.catalogue.categories.items() if spec.department == dept),
                    None,
                )
                draft["category"], draft["department"] = category, dept
                self.say(f"好的，由{self.catalogue.department_name(dept)}办理。")
            else:
                self.say(f"好的，这件事由{self.catalogue.department_name(dept)}办理。")
            self.ask_next(draft)
            return True
        return False

    def detail_restated(self, draft: dict[str, Any]) -> list[str]:
        """ "我不是说了吗，老王烤鱼" at the summary: a short restatement close to the stored
        extra field replaces it."""
        spec = self.catalogue.categories.get(draft.get("category") or "")
        current = str(draft.get("detail") or "")
        value = tidy_detail(self.text)
        if spec is None or not spec.fields or not current or not 2 <= len(value) <= 30:
            return []
        if looks_like_phone(value) or value == current or _SPECIFIC_PLACE.search(value):
            return []
        if len(set(value) & set(current)) < 2:
            return []
        draft["detail"] = value[:100]
        return [self.catalogue.fields[spec.fields[0]].name]

    def cancel(self, draft: dict[str, Any]) -> None:
        self.state["draft"] = None
        self.state["awaiting"] = None
        if self.turn.intent == "goodbye":
            self.say("好的，本次诉求没有提交。感谢您联系12345热线，再见！")
        elif _JUST_ASKING.search(self.short):
            self.say("好的，不登记工单。还有什么想了解的，直接问我就行。")
        else:
            self.say("好的，本次登记已取消，诉求没有提交。如有需要随时再找我。")

    def file(self, draft: dict[str, Any]) -> None:
        """Register the confirmed draft, one ticket per problem, and say by when."""
        service = self.service
        problems = [
            {
                "description": draft.get("description"),
                "category": draft.get("category"),
                "department": draft.get("department"),
                "request_type": draft.get("request_type"),
            },
            *(draft.get("extra") or []),
        ]
        spec = self.catalogue.categories.get(draft.get("category") or "")
        details: dict[str, str] = {}
        if spec is not None and spec.fields and draft.get("detail"):
            details[spec.fields[0]] = str(draft["detail"])
        phone = draft.get("phone")
        lines: list[str] = []
        numbers: list[str] = []
        for index, problem in enumerate(problems):
            department = problem.get("department")
            try:
                view = service.tickets.open_ticket(
                    NewTicket(
                        channel=self.channel,
                        channel_user_id=self.user,
                        description=str(problem["description"]),
                        category=problem.get("category") if department else None,
                        department=department,
                        request_type=(
                            "咨询"
                            if index == 0 and draft.get("request_type") == "咨询"
                            else _request_type(problem.get("request_type"))
                        ),
                        address=draft.get("address"),
                        latitude=draft.get("latitude"),
                        longitude=draft.get("longitude"),
                        contact_phone=None if phone in (None, SKIP) else str(phone),
                        details=details if index == 0 else {},
                        confidence=draft.get("confidence"),
                        needs_human=department is None,
                        idempotency_key=f"{draft['key']}:{index}",
                    )
                )
            except DomainError as exc:
                self.say(exc.message + "（诉求还没有提交，请修改后回复“确认”。）")
                self.set_draft(draft)
                return
            except OperationalError:
                log.exception("ticket not opened")
                self.say(
                    "系统繁忙，工单暂未提交成功。请稍后回复“确认”重新提交，您填写的内容都还在。"
                )
                self.set_draft(draft)
                return
            numbers.append(view.number)
            if view.department is None:
                lines.append(f"已为您登记工单 {view.number}，派单员会尽快确定办理部门。")
            else:
                due = local_time(view.answer_due_at, service.tz)
                lines.append(
                    f"已为您登记工单 {view.number}（{view.category_name}），"
                    f"由{view.department_name}办理，最迟 {due} 前答复您。"
                )
        lines.append("办理进展会通知您，也可以随时发“我的工单”查询。")
        self.say("\n".join(lines))
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.state["topic"] = None
        self.state["last_ticket"] = numbers[0]
        self.state["filed_at"] = _now_iso(self.now)

    # ---------------------------------------------------------------- awaiting an answer

    async def answer_awaiting(self, awaiting: dict[str, Any]) -> bool:
        kind = awaiting.get("kind")
        if kind == "offer":
            return self.answer_offer()
        if kind == "which_ticket":
            return self.answer_which(awaiting)
        if kind == "amend_place":
            self.state["awaiting"] = None
            if is_affirm(self.text, self.turn.intent):
                try:
                    view = self.service.tickets.amend(
                        str(awaiting.get("number")), self.actor, address=str(awaiting.get("place"))
                    )
                except DomainError as exc:
                    self.say(exc.message)
                    return True
                self.say(f"已把工单 {view.number} 的地点更正为“{awaiting.get('place')}”。")
                return True
            if self.text in ("不是", "/deny") or self.turn.intent == "deny":
                self.say("好的，地点不改。请问还有什么可以帮您？")
                return True
            return False
        if kind == "add_info":
            self.state["awaiting"] = None
            if is_cancel(self.text, self.turn.intent):
                self.say("好的，不补充了。")
                return True
            number = awaiting.get("number")
            self.add_information(str(number) if number else None, self.text)
            return True
        return False

    def answer_offer(self) -> bool:
        parked = self.state.get("parked")
        self.state["awaiting"] = None
        if not isinstance(parked, dict):
            return False
        if is_affirm(self.text, self.turn.intent) or re.search(
            r"继续|接着|上次的?诉求", self.short
        ):
            self.state["parked"] = None
            parked["status"] = "collecting"
            self.say("好的，我们接着登记上次的诉求。")
            self.ask_next(parked)
            return True
        if is_cancel(self.text, self.turn.intent) or re.search(
            r"不要了|不用了|上次的不要", self.short
        ):
            self.state["parked"] = None
            self.say("好的，上次未提交的诉求已删除。")
            return True
        return False  # something new: handle it; the parked draft stays parked

    def ask_which(self, purpose: str, views: list[TicketView], **extra: Any) -> None:
        self.state["awaiting"] = {
            "kind": "which_ticket",
            "purpose": purpose,
            "numbers": [v.number for v in views[:5]],
            "text": self.text,
            **extra,
        }
        lines = ["您有几张工单，请问是哪一张？"]
        buttons: list[tuple[str, str]] = []
        for index, view in enumerate(views[:5], start=1):
            lines.append(f"{index}. {view.number}｜{view.category_name}｜{view.status_label}")
            buttons.append((f"{view.number}（{view.category_name}）", view.number))
        self.say("\n".join(lines), buttons)

    def answer_which(self, awaiting: dict[str, Any]) -> bool:
        numbers = [str(n) for n in awaiting.get("numbers") or []]
        number = self.ticket_number()
        if number is None:
            index = ordinal_choice(self.text, len(numbers))
            number = numbers[index] if index is not None else None
        if number is None and is_cancel(self.text, self.turn.intent):
            self.state["awaiting"] = None
            self.say("好的。")
            return True
        if number is None:
            if len(self.short) > 6:
                self.state["awaiting"] = None
                return False  # moved on to something else
            self.say("请回复工单编号，或“第一个”“第二个”。")
            return True
        self.state["awaiting"] = None
        purpose = awaiting.get("purpose")
        original = str(awaiting.get("text") or "")
        if purpose == "rate":
            self.rate(number, str(awaiting.get("score")), original)
        elif purpose == "chase":
            self.chase(number, original)
        elif purpose == "withdraw":
            self.withdraw(number, original)
        elif purpose == "add":
            self.add_information(number, original)
        return True

    # ---------------------------------------------------------------- after a policy answer

    def after_answer(self, topic: dict[str, Any]) -> bool:
        text = self.text
        if text == "/deny" or (
            _DONE_WORDS.search(self.short)
            and len(self.short) <= 10
            and not _REGISTER.search(self.short)
        ):
            self.state["topic"] = None
            self.say("好的，请问还有什么可以帮您？")
            return True
        if _JUST_ASKING.search(self.short) or re.search(r"不(?:要|用|需要)登记", self.short):
            self.say("好的，不登记工单。还有什么想了解的，直接问我就行。")
            return True
        if text == "/affirm" or (_REGISTER.search(self.short) and len(self.short) <= 16):
            self.register_from_topic(topic)
            return True
        group = str(topic.get("group") or "")
        if not _DEIXIS.search(text):  # a question naming its own subject is a new question
            routing = self.routing
            fresh = consult_or_report(
                self.c.knowledge,
                text,
                category=routing.category,
                department=routing.department,
                request_type=self.turn.request_type,
                sure=routing.sure,
            )
            if fresh.answer is not None and fresh.answer.group != group:
                self.give_answer(fresh.answer, question=text)
                return True
        answer = follow_up(self.c.knowledge, text, group=group) if group else None
        if answer is not None:
            self.give_answer(answer, question=text)
            return True
        return False

    def register_from_topic(self, topic: dict[str, Any]) -> None:
        """ "需要登记" after an answer: a report carrying the conversation so far."""
        questions = [str(q) for q in topic.get("questions") or []]
        description = "；".join(questions)[:3000] or str(topic.get("title"))
        category = topic.get("category")
        department = self.catalogue.route(category) if category else topic.get("department")
        routing = Routing(
            category=category,
            department=department if category else None,
            confidence=1.0 if category else 0.0,
            choices=(),
        )
        draft = self.new_draft(description, routing, None)
        draft["phone"] = None
        draft["detail"] = None
        draft["request_type"] = "咨询" if topic.get("consult") else "求助"
        draft["no_place"] = bool(topic.get("consult"))  # a question has no place to go to
        if category is None:
            draft["choices"] = []
            draft["human"] = True
        self.state["topic"] = None
        self.say("好的，我来为您登记工单，刚才咨询的内容会一并转给办理部门。")
        self.ask_next(draft)

    def give_answer(self, answer: Answer, *, question: str) -> None:
        previous = self.state.get("topic") if isinstance(self.state.get("topic"), dict) else {}
        questions = (
            list((previous or {}).get("questions") or [])
            if (previous or {}).get("group") == answer.group
            else []
        )
        self.state["topic"] = {
            "group": answer.group,
            "title": answer.title,
            "category": answer.category,
            "department": answer.department,
            "questions": [*questions, question][-5:],
            "at": _now_iso(self.now),
        }
        self.say(
            answer.text
            + "\n\n以上解答是否解决了您的问题？还有疑问可以接着问；需要我们办理请回复“需要登记”。",
            [("需要登记工单", "/affirm"), ("已解决", "/deny")],
        )

    # ---------------------------------------------------------------- new messages

    async def new_message(self) -> None:
        """A message outside any draft or question: small talk, the citizen's own tickets,
        a policy question, or a new request."""
        if self.small_or_stale() or self.about_my_tickets():
            return
        await self.new_request()

    def small_or_stale(self) -> bool:
        intent, text = self.turn.intent, self.text
        if self.state.get("parked") and re.search(r"继续上次|上次的?诉求|接着登记", self.short):
            self.state["awaiting"] = {"kind": "offer"}
            return self.answer_offer()
        if intent in ("greet", "goodbye", "thank", "bot_challenge", "insult"):
            self.say(SMALL_TALK[intent])
            return True
        if intent == "nonsense":
            self.say(NOT_UNDERSTOOD)
            return True
        filed_at = self.state.get("filed_at")
        filed_recently = bool(filed_at) and _since(filed_at, self.now) < timedelta(minutes=10)
        if self.state.get("last_ticket") and (
            text == "/affirm" or (filed_recently and is_affirm(text, intent))
        ):
            self.say(f"您的诉求已经提交（工单 {self.state['last_ticket']}），不用重复确认。")
            return True
        if text in ("/affirm", "/deny", "/correct_category") or text.startswith("/choose_category"):
            self.say("这个按钮已过期，请重新描述您的问题，我来为您登记。")
            return True
        if intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.wrong_category_after_filing()
            return True
        if intent == "private_dispute" or (_PRIVATE.search(text) and not self.turn.urgent):
            self.say(PRIVATE_POINTER)
            return True
        return False

    def about_my_tickets(self) -> bool:
        """Rating, chasing, withdrawing or adding to a ticket already filed."""
        intent, text = self.turn.intent, self.text
        resolved = self.my_tickets({Status.RESOLVED.value})
        score = rating_of(text)
        if intent == "rate_service" or (score and resolved and len(self.short) <= 60):
            self.handle_rating(score, resolved)
            return True
        if _CHASE.search(self.short) or _CHASE_CONTEXT.search(self.short):
            self.handle_ticket_purpose("chase")
            return True
        if intent == "withdraw_ticket" or (_WITHDRAW.search(self.short) and len(self.short) <= 20):
            self.handle_ticket_purpose("withdraw")
            return True
        if intent == "add_information" or _ADD.match(self.short):
            self.ask_for_information()
            return True
        if is_cancel(text, intent) or intent in ("deny", "affirm"):
            self.say("好的，请问还有什么可以帮您？")
            return True
        return False

    async def new_request(self) -> None:
        intent, text = self.turn.intent, self.text
        if intent == "inform" and self.turn.latitude is not None:
            self.say("收到您的定位。请再用一两句话说说遇到了什么问题，我来为您登记。")
            return
        routing = self.routing
        if (
            _PRAISE.search(text) and not _COMPLAINT.search(text)
        ) or self.turn.request_type == "表扬":
            self.record_praise(routing)
            return
        consultation = consult_or_report(
            self.c.knowledge,
            text,
            category=routing.category,
            department=routing.department,
            request_type=self.turn.request_type,
            sure=routing.sure,
        )
        if consultation.answer is not None:
            self.state["topic"] = None
            self.give_answer(consultation.answer, question=text)
            return
        mass = sum(c.confidence for c in routing.choices)
        if intent in ("chitchat", "out_of_scope") and (mass < 0.5 or not routing.sure):
            self.say(SMALL_TALK[intent])
            return
        if intent == "inform" and mass < 0.5:
            self.lone_place()
            return
        if mass < MIN_REQUEST_MASS or not routing.choices:
            self.unanswered(consultation.is_question)
            return
        if consultation.is_question and routing.sure and not _ACT.search(text):
            self.offer_consultation(routing)
            return
        await self.start_report(routing)

    def offer_consultation(self, routing: Routing) -> None:
        """A policy question the knowledge base cannot answer: never a form asking where "the
        problem" is; offer to pass it to the department as a 咨询 ticket."""
        who = self.catalogue.department_name(routing.department)
        self.state["topic"] = {
            "group": "",
            "title": self.text[:40],
            "category": routing.category,
            "department": routing.department,
            "questions": [self.text],
            "consult": True,
            "at": _now_iso(self.now),
        }
        self.say(
            f"这个问题我暂时没有现成的解答。需要的话我可以登记为咨询件，由{who}答复您。",
            [("登记咨询", "/affirm"), ("不用了", "/deny")],
        )

    def lone_place(self) -> None:
        """A place with nothing else: most likely meant for the ticket just filed."""
        place = place_from_answer(self.text)
        number = self.state.get("last_ticket")
        if place and number:
            self.state["awaiting"] = {"kind": "amend_place", "number": number, "place": place}
            self.say(
                f"要把地点“{place}”更正到工单 {number} 吗？",
                [("是，更正地点", "是"), ("不是", "不是")],
            )
            return
        self.say("收到。请先用一两句话描述您遇到的问题，我来为您登记。")

    def unanswered(self, is_question: bool) -> None:
        if (
            re.search(
                r"反映|投诉|举报|求助|问题|报修|报个|想问|问问|有个事|有件事|咨询一下", self.short
            )
            and len(self.short) <= 16
        ):
            self.say("好的，请您具体说说遇到了什么问题：什么事、在哪里、持续多久了。")
            return
        if not is_question or self.turn.intent in ("out_of_scope", "chitchat", "nlu_fallback"):
            self.say(SMALL_TALK["out_of_scope"] if is_question else NOT_UNDERSTOOD)
            return
        self.say(
            "这个问题我暂时没有现成的解答。需要的话我可以为您登记，由相关部门答复您，"
            "请回复“需要登记”；或者换个说法再问一次。"
        )
        self.state["topic"] = {
            "group": "",
            "title": self.text[:40],
            "category": None,
            "department": None,
            "questions": [self.text],
            "at": _now_iso(self.now),
        }

    async def start_report(self, routing: Routing) -> None:
        text = self.text
        draft = self.new_draft(text, routing, self.specific_place())
        self.state["topic"] = None
        if not routing.sure:
            draft["asking"] = "category"
            self.set_draft(draft)
            self.offer_choices(draft, "为了准确派单，请确认您的问题由哪个部门办理：")
            return
        extras = await self.extra_problems(routing)
        draft["extra"] = extras
        names = [self.catalogue.category_name(routing.category)]
        names += [self.catalogue.category_name(p["category"]) for p in extras]
        self.say(
            f"好的，您反映的是“{'”和“'.join(names)}”的问题，我来为您登记。"
            + ("（您提到了两件事，我们会分别立单办理。）" if extras else "")
        )
        self.ask_next(draft)

    async def extra_problems(self, first: Routing) -> list[dict[str, Any]]:
        parts = split_problems(self.text)
        if len(parts) < 2:
            return []
        extras: list[dict[str, Any]] = []
        seen = {first.category}
        for part in parts[:4]:
            parsed = await self.c.parser.parse(part)
            if not parsed:
                continue
            routing = route_parse(parsed.get("intent_ranking") or [], self.catalogue)
            if routing.sure and routing.category not in seen and routing.confidence >= 0.6:
                seen.add(routing.category)
                extras.append(
                    {
                        "description": part,
                        "category": routing.category,
                        "department": routing.department,
                        "request_type": _request_type(parsed.get("type")),
                    }
                )
        return extras[:2]

    # ---------------------------------------------------------------- emergencies

    def urgent_follow_up(self) -> bool:
        """After an urgent ticket: the place, symptoms and details go onto that same ticket."""
        urgent = self.state.get("urgent")
        if not isinstance(urgent, dict) or _since(urgent.get("at"), self.now) > URGENT_FOLLOW_UP:
            return False
        number = str(urgent.get("number"))
        dial = dial_first(self.text)
        if self.draft is not None and not (dial or self.turn.urgent):
            return False  # a report begun since: its answers belong to it
        asking_place = bool(urgent.get("asking_place"))
        place = None
        if self.turn.latitude is None:
            place = place_correction(self.text)
            if place is None and asking_place:
                place = place_from_answer(self.text) or place_in_message(
                    self.text, self.turn.entities.get("address")
                )
            elif place is None and not self.routing.sure:
                lone = place_from_answer(self.text)  # a place alone, said a moment later
                place = lone if is_specific(lone) else None
        if not (dial or place or self.turn.latitude is not None or self.turn.urgent):
            return False
        lines: list[str] = []
        if dial and dial not in (urgent.get("dialled") or []):
            lines.append(dial)
            urgent.setdefault("dialled", []).append(dial)
        try:
            if place:
                self.service.tickets.amend(number, self.actor, address=place, note=self.text[:500])
                urgent["asking_place"] = False
                lines.append(
                    f"已把地点“{place}”更新到紧急工单 {number}，处置人员会按这个地点赶去。"
                )
            elif self.turn.latitude is not None:
                self.service.tickets.add_information(
                    number, self.actor, f"位置：{self.turn.latitude}, {self.turn.longitude}"
                )
                urgent["asking_place"] = False
                lines.append(f"已把您的定位加到紧急工单 {number}。")
            else:
                self.service.tickets.add_information(number, self.actor, self.text)
                lines.append(f"已把新情况补充到紧急工单 {number}，并转告处置部门。")
        except DomainError as exc:
            lines.append(exc.message)
        if urgent.get("asking_place"):
            lines.append("请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。")
        self.state["urgent"] = urgent
        self.say("\n".join(line for line in lines if line))
        return True

    def open_urgent(self) -> None:
        """Safety advice first (the number to dial, then what to do), then an urgent ticket now."""
        text = self.text
        routing = self.routing
        lines: list[str] = []
        dial = dial_first(text)
        if dial:
            lines.append(dial)
        if dial is None or not _MISSING.search(text):
            advice = safety_advice(self.catalogue, routing.category, text)
            number = re.search(r"11[09]|120", dial or "")
            if not (number and number.group(0) in advice and len(advice) < 40):
                lines.append(advice)  # not when it only repeats the number just given
        else:
            lines.append(self.catalogue.urgent_advice.get("person_at_risk", ""))
        place = self.specific_place()
        draft = self.draft
        if draft is not None:  # an emergency interrupts a draft: keep the draft for later
            self.state["parked"] = draft
            self.state["draft"] = None
        try:
            view = self.service.tickets.open_ticket(
                NewTicket(
                    channel=self.channel,
                    channel_user_id=self.user,
                    description=text,
                    category=routing.category,
                    department=routing.department,
                    request_type=_request_type(self.turn.request_type, urgent=True),
                    priority="urgent",
                    address=place,
                    latitude=self.turn.latitude,
                    longitude=self.turn.longitude,
                    contact_phone=parse_phone(text) if looks_like_phone(text) else None,
                    confidence=routing.confidence,
                    needs_human=routing.department is None,
                    idempotency_key=draft_key(self.sender, self.turn.message_id or text)
                    + ":urgent",
                )
            )
        except DomainError as exc:
            lines.append(exc.message)
            self.say("\n".join(lines))
            return
        who = view.department_name if view.department else "值班派单员"
        due = local_time(view.answer_due_at, self.service.tz) if view.answer_due_at else "尽快"
        lines.append(f"已为您登记紧急工单 {view.number}，已通知{who}优先处置，最迟 {due} 前答复。")
        asking_place = not place and self.turn.latitude is None
        if asking_place:
            lines.append("请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。")
        self.state["urgent"] = {
            "number": view.number,
            "at": _now_iso(self.now),
            "asking_place": asking_place,
            "dialled": [dial] if dial else [],
        }
        self.state["last_ticket"] = view.number
        self.state["topic"] = None
        self.say("\n".join(lines))

    # ---------------------------------------------------------------- tickets already filed

    def show_status(self) -> None:
        service = self.service
        number = self.ticket_number()
        try:
            views = (
                [service.views.get_ticket(number, self.actor)] if number else self.my_tickets()[:5]
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        if not views:
            self.say("您还没有工单记录。有问题需要反映，直接告诉我就行。")
            return
        lines = [f"您最近的{len(views)}张工单："] if not number else []
        for view in views:
            due = local_time(view.answer_due_at, service.tz) if view.answer_due_at else "待定"
            line = (
                f"工单 {view.number}｜{view.category_name}｜{view.status_label}｜"
                f"{view.department_name}｜答复时限 {due}"
            )
            if view.answer:
                line += f"\n  最新答复：{view.answer[:300]}"
            if view.merged_into:
                line += f"\n  已并入工单 {view.merged_into} 一并办理"
                lead = service.views.get_ticket(view.merged_into)
                if lead.answer:
                    line += f"，{lead.department_name}答复：{lead.answer[:300]}"
            lines.append(line)
        self.say("\n".join(lines))

    def pick_ticket(self, states: set[str]) -> tuple[str | None, list[TicketView]]:
        """The ticket meant: a number given, the only candidate, or None with the candidates."""
        number = self.ticket_number()
        if number:
            return number, []
        views = self.my_tickets(states)
        if len(views) == 1:
            return views[0].number, views
        return None, views

    def handle_rating(self, score: str | None, resolved: list[TicketView]) -> None:
        if score is None:
            self.say(
                "请问您对办理结果是否满意？",
                [("满意", "满意"), ("基本满意", "基本满意"), ("不满意", "不满意")],
            )
            return
        number, views = self.pick_ticket({Status.RESOLVED.value})
        if number is None and not views:
            self.say("您目前没有等待评价的工单。谢谢您的反馈！如有新问题请直接描述。")
            return
        if number is None:
            self.ask_which("rate", views, score=score)
            return
        self.rate(number, score, self.text)

    def rate(self, number: str, score: str, text: str) -> None:
        comment = None if text.startswith("/") else text[:1000]
        try:
            view = self.service.tickets.rate(number, self.actor, cast(Any, score), comment=comment)
        except DomainError as exc:
            self.say(exc.message)
            return
        if score == "unsatisfied":
            self.say(
                f"非常抱歉没有让您满意。工单 {view.number} 已重新交办（重办），"
                f"{view.department_name}会重新处理并答复您。"
            )
        else:
            self.say(f"感谢您的评价！工单 {view.number} 已办结。")

    def handle_ticket_purpose(self, purpose: str) -> None:
        number, views = self.pick_ticket(_OPEN)
        if number is None and not views:
            if purpose == "add" and self.state.get("last_ticket"):
                number = str(self.state["last_ticket"])
            else:
                self.say("您目前没有办理中的工单。有新问题请直接描述，我来为您登记。")
                return
        if number is None:
            self.ask_which(purpose, views)
            return
        if purpose == "chase":
            self.chase(number, self.text)
        elif purpose == "withdraw":
            self.withdraw(number, self.text)
        else:
            self.add_information(number, self.text)

    def chase(self, number: str, text: str) -> None:
        try:
            view = self.service.tickets.chase(number, self.actor, text[:1000])
        except DomainError as exc:
            self.say(exc.message)
            return
        due = local_time(view.answer_due_at, self.service.tz) if view.answer_due_at else "待定"
        self.say(
            f"已为您催办工单 {view.number}（{view.category_name}，{view.status_label}），"
            f"已提醒{view.department_name}尽快办理，答复时限 {due}。"
        )

    def withdraw(self, number: str, text: str) -> None:
        try:
            view = self.service.tickets.withdraw(number, self.actor, reason=text[:500])
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"工单 {view.number} 已撤销，办理部门不会再处理。如有需要可以随时重新反映。")

    def ask_for_information(self) -> None:
        number, views = self.pick_ticket(_OPEN)
        if number is None and not views:
            number = self.state.get("last_ticket")
            if not number:
                self.say("您目前没有办理中的工单。有新问题请直接描述，我来为您登记。")
                return
        if number is None:
            self.ask_which("add", views)
            return
        self.add_information(str(number), self.text)

    def add_information(self, number: str | None, text: str) -> None:
        """More for a filed ticket; a place given is a correction of the ticket's place."""
        if number is None:
            self.ask_for_information()
            return
        rest = _ADD.sub("", compact(text))  # the trigger alone ("我想补充一下") adds nothing
        content = _ADD.sub("", text.strip()).strip(" ：:，,。")
        if not rest or len(compact(content)) < 4:
            self.state["awaiting"] = {"kind": "add_info", "number": number}
            self.say(f"好的，请直接说要补充到工单 {number} 的内容（地点、时间、新情况都可以）。")
            return
        try:
            place = place_correction(content)
            if place:
                view = self.service.tickets.amend(
                    number, self.actor, address=place, note=content[:500]
                )
                self.say(
                    f"已把工单 {view.number} 的地点更正为“{place}”，并转告{view.department_name}。"
                )
                return
            said = _DETAIL_SAID.search(content)
            field_name = self.detail_field_of(number) if said else None
            if field_name and said:
                value = tidy_detail(said.group(1))[:100]
                view = self.service.tickets.amend(
                    number, self.actor, details={field_name: value}, note=content[:500]
                )
                label = self.catalogue.fields[field_name].name
                who = view.department_name
                self.say(f"已把工单 {view.number} 的{label}更正为“{value}”，并转告{who}。")
                return
            view = self.service.tickets.add_information(number, self.actor, content)
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"已把您补充的内容加到工单 {view.number}，并转告{view.department_name}。")

    def detail_field_of(self, number: str) -> str | None:
        """The extra field of a filed ticket's category (shop, employer …), if it has one."""
        view = self.service.views.get_ticket(number, self.actor)
        spec = self.catalogue.categories.get(view.category or "")
        return spec.fields[0] if spec is not None and spec.fields else None

    def wrong_category_after_filing(self) -> None:
        number = self.state.get("last_ticket")
        if not number:
            self.say("请先描述您要反映的问题，我来为您登记。")
            return
        try:
            self.service.tickets.flag_for_human(
                str(number), self.actor, "市民认为分类有误：" + self.text[:500]
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"已请派单员核对工单 {number} 的分类，如有误会重新派单。")

    def record_praise(self, routing: Routing) -> None:
        """表扬: recorded for the department (no form), and thanked."""
        department = routing.department if routing.confidence >= 0.3 else None
        category = routing.category if department else None
        if department is None and self.state.get("last_ticket"):
            try:  # praise right after a ticket is praise for the department that handled it
                last = self.service.views.get_ticket(str(self.state["last_ticket"]), self.actor)
                department, category = last.department, last.category
            except DomainError:
                pass
        try:
            view = self.service.tickets.open_ticket(
                NewTicket(
                    channel=self.channel,
                    channel_user_id=self.user,
                    description=self.text,
                    category=category,
                    department=department,
                    request_type="表扬",
                    needs_human=department is None,
                    idempotency_key=draft_key(self.sender, self.turn.message_id or self.text)
                    + ":praise",
                )
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        who = view.department_name if view.department else "相关部门"
        self.say(
            f"谢谢您的表扬！已记录为表扬件（{view.number}），会转达给{who}。您的肯定是对他们最好的鼓励。"
        )
        self.state["last_ticket"] = view.number

    def hand_to_human(self) -> None:
        service = self.service
        draft = self.draft
        transcript = self.turn.transcript
        try:
            number: str | None = None
            if draft is None:
                number, _ = self.pick_ticket(_OPEN)
                if number is None:
                    views = self.my_tickets(_OPEN)
                    number = views[0].number if views else None
            if number is None:
                description = (draft or {}).get("description") or self.text
                view = service.tickets.open_ticket(
                    NewTicket(
                        channel=self.channel,
                        channel_user_id=self.user,
                        description=str(description),
                        category=None,
                        address=(draft or {}).get("address"),
                        contact_phone=None
                        if (draft or {}).get("phone") in (None, SKIP)
                        else str((draft or {}).get("phone")),
                        needs_human=True,
                        idempotency_key=draft_key(self.sender, self.turn.message_id or self.text)
                        + ":human",
                    )
                )
                number = view.number
            service.tickets.flag_for_human(number, self.actor, transcript or self.text)
        except DomainError as exc:
            self.say(exc.message)
            return
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.state["last_ticket"] = number
        self.say(
            f"好的，已为您转人工处理（工单 {number}），派单员会查看我们的对话记录并尽快联系您。"
        )


def _request_type(value: Any, *, urgent: bool = False) -> RequestType | None:
    """The NLU's request type when it is one the hotline knows (an emergency is never 咨询)."""
    if value not in REQUEST_TYPES or (urgent and value in ("咨询", "建议", "表扬")):
        return None
    if value in ("咨询", "表扬"):
        return None  # a report is never filed as a consultation or praise
    return cast(RequestType, value)
