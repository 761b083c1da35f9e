"""The console channel: a terminal chat as a citizen, with staff messages printed beside it.

Used when no Telegram token is configured. Normally the citizen talks to the Rasa dialogue
through its REST channel (sender ``console:local``), exactly as Telegram citizens do; buttons
are printed as numbered choices ("回复数字即可选择"). If Rasa is down, the citizen hears
"系统繁忙" and the message is kept and replayed first when Rasa answers again. When the stack
could not start at all (no model), the session falls back to routing with the NLU model
directly: a dispatch request opens a ticket at once. Staff act with the CLI in another
terminal (`hotline tickets accept …`); what the outbox carries is printed here, labelled.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from bot.ratelimit import FLOOD_NOTICE, FloodGuard, Verdict
from hotline.adapters.classifier import ClassifierProcess, ClassifierUnavailableError
from hotline.adapters.rasa_client import RasaChat, RasaUnavailable, rasa_url_for
from hotline.bootstrap import App
from hotline.domain.tickets import STATUS_LABELS, DomainError, Status
from hotline.services.delivery import Deliverer, PendingMessage
from hotline.services.messages import local_time
from hotline.services.registration import NewTicket
from hotline.services.views import TicketFilter

CHANNEL = "console"
CITIZEN_ID = "local"
GREETING = "您好！12345热线，请问有什么可以帮您？（输入 /my 查看我的工单，/quit 退出）"
AUDIENCE_LABELS = {
    "citizen": "发给市民",
    "department": "发给部门",
    "dispatcher": "发给派单员",
    "supervisor": "发给督办人员",
    "admin": "发给管理员",
}
SMALL_TALK = {
    "greet": "您好！请直接描述您遇到的问题，我来为您登记。",
    "goodbye": "感谢您的来电，再见！",
    "thank": "不客气，很高兴为您服务。",
    "bot_challenge": "我是12345热线的智能助手，需要人工服务请输入“转人工”。",
    "insult": "理解您的心情。请告诉我遇到了什么问题，我会尽力帮您。",
    "nonsense": "抱歉，我没看明白，请用一两句话描述您遇到的问题。",
    "chitchat": "我是12345热线助手，主要帮您反映问题、咨询政策。请问有什么可以帮您？",
    "out_of_scope": "抱歉，这个问题不在12345热线的受理范围内。如需报警请拨110，急救请拨120。",
}


BUSY = "系统繁忙，请稍后再试。您的消息已记下，恢复后会自动重新发送。"
MAX_UNSENT = 20
SILENT = "系统繁忙，请稍后再试。如刚才的内容没有生效，请再发一次。"


class ConsoleTransport:
    """Prints outbox messages to the terminal, labelled with who would receive them."""

    channel = CHANNEL

    def __init__(self, out: TextIO, department_name: Callable[[str], str]) -> None:
        self.out = out
        self.department_name = department_name

    async def send(self, chat_id: str, message: PendingMessage) -> str | None:
        label = AUDIENCE_LABELS.get(message.audience, message.audience)
        if message.audience == "department":
            label += f" {self.department_name(message.address)}"
        self.out.write(f"\n┌─【{label}】\n│ " + message.text.replace("\n", "\n│ ") + "\n└─\n")
        self.out.flush()
        return None


class ConsoleSession:
    """One terminal conversation: read a line, answer it, show what the outbox carries."""

    def __init__(self, app: App, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.out = out
        self.lock = threading.Lock()
        self.transport = ConsoleTransport(out, app.catalogue.department_name)
        self.deliverer = Deliverer(app.sessions, app.clock, self.transport, staff_chat="console")
        self.classifier: ClassifierProcess | None = None
        self.rasa: RasaChat | None = None
        self.buttons: list[dict[str, Any]] = []
        self.unsent: list[str] = []
        self.flood = FloodGuard(app.clock)  # the same budget as Telegram citizens

    def say(self, text: str) -> None:
        self.out.write(f"12345> {text}\n")
        self.out.flush()

    def start_classifier(self) -> None:
        try:
            self.classifier = ClassifierProcess()
        except ClassifierUnavailableError as exc:
            self.say(f"（提示：分类模型不可用，诉求将交由人工派单。{exc}）")

    def classify(self, text: str) -> dict[str, Any]:
        if self.classifier is None:
            return {"department": None, "category": None, "urgent": False, "type": None}
        try:
            return self.classifier.classify(text)
        except ClassifierUnavailableError:
            self.classifier = None
            return {"department": None, "category": None, "urgent": False, "type": None}

    def handle(self, line: str) -> bool:
        """Answer one citizen line; False when the citizen wants to leave."""
        text = line.strip()
        if text in ("/quit", "/exit", "退出"):
            self.say("感谢您的来电，再见！")
            return False
        verdict = self.flood.check(f"{CHANNEL}:{CITIZEN_ID}")
        if verdict is not Verdict.PASS:
            if verdict is Verdict.NOTICE:
                self.say(FLOOD_NOTICE)
            return True
        if text == "/my":
            self.list_tickets()
            return True
        if not text:
            self.say("请描述您要反映的问题。")
            return True
        if self.rasa is not None:
            self.converse(text)
            return True
        result = self.classify(text[:5000])
        intent = str(result.get("intent") or "")
        if result.get("department") is None:
            if intent in SMALL_TALK:
                self.say(SMALL_TALK[intent])
                return True
            if intent == "check_status":
                self.list_tickets()
                return True
            if intent in ("affirm", "deny", "inform", "rate_service", "add_information"):
                self.say("请用一两句话描述您要反映的问题，我来为您登记。")
                return True
        self.open_ticket(text, result)
        return True

    def converse(self, text: str) -> None:
        """Send the line to Rasa (after anything kept while it was down) and print the answers;
        a number picks one of the buttons shown last."""
        assert self.rasa is not None
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            text = str(self.buttons[int(text) - 1].get("payload") or text)
        self.unsent.append(text)
        while self.unsent:
            try:
                replies = self.rasa.send(self.unsent[0])
            except RasaUnavailable:
                self.unsent = self.unsent[-MAX_UNSENT:]
                self.say(BUSY)
                return
            self.unsent.pop(0)
            self.show(replies)

    def show(self, replies: list[dict[str, Any]]) -> None:
        if not replies:
            self.say(SILENT)  # every dialogue turn answers; silence means a failure behind Rasa
        buttons: list[dict[str, Any]] = []
        for reply in replies:
            if reply.get("text"):
                self.say(str(reply["text"]))
            for button in reply.get("buttons") or []:
                if isinstance(button, dict) and button.get("title"):
                    buttons.append(button)
                    self.out.write(f"      [{len(buttons)}] {button['title']}\n")
        if buttons:
            self.out.write("      （回复数字即可选择）\n")
            self.out.flush()
        self.buttons = buttons

    def open_ticket(self, text: str, result: dict[str, Any]) -> None:
        service = self.app.service
        category = result.get("category")
        if category not in self.app.catalogue.categories:
            category = None
        urgent = bool(result.get("urgent"))
        if urgent:
            advice = self.app.catalogue.advice_for(category)
            self.say("【紧急】" + (advice or "如有生命危险请立即拨打110/119/120。"))
        try:
            view = service.tickets.open_ticket(
                NewTicket(
                    channel=CHANNEL,
                    channel_user_id=CITIZEN_ID,
                    description=text,
                    category=category,
                    request_type=result.get("type"),
                    priority="urgent" if urgent else "normal",
                    confidence=result.get("confidence"),
                )
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        due = local_time(view.answer_due_at, service.tz)
        if view.department is None:
            self.say(f"已为您登记工单 {view.number}，将由人工尽快派单处理。")
        else:
            self.say(
                f"已为您登记工单 {view.number}（{view.category_name}），"
                f"由{view.department_name}办理，答复时限：{due}。"
            )

    def list_tickets(self) -> None:
        views = self.app.service.views.list_tickets(TicketFilter(citizen=f"{CHANNEL}:{CITIZEN_ID}"))
        if not views:
            self.say("您还没有工单。")
            return
        for v in views[:10]:
            self.say(
                f"{v.number} {STATUS_LABELS[Status(v.status)]} {v.department_name} "
                f"时限 {local_time(v.answer_due_at, self.app.tz)}"
            )

    def deliver(self) -> None:
        with self.lock:
            asyncio.run(self.deliverer.run_once())


def run_console(
    app: App,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    poll_seconds: float = 2.0,
    rasa_urls: list[str] | None = None,
    chat_token: str | None = None,
) -> None:
    """Chat in the terminal until /quit or end of input (through Rasa when `rasa_urls`)."""
    session = ConsoleSession(app, out)
    session.say(GREETING)
    if rasa_urls:
        sender = f"{CHANNEL}:{CITIZEN_ID}"
        token = chat_token or app.settings.chat_token
        session.rasa = RasaChat(rasa_url_for(sender, rasa_urls), sender, token=token)
    else:
        session.start_classifier()
    stop = threading.Event()

    def pump() -> None:
        while not stop.wait(poll_seconds):
            session.deliver()

    thread = threading.Thread(target=pump, name="console-delivery", daemon=True)
    thread.start()
    try:
        while True:
            out.write("市民> ")
            out.flush()
            line = stdin.readline()
            if not line:
                break
            if not session.handle(line):
                break
            session.deliver()
    except KeyboardInterrupt:
        session.say("已退出。")
    finally:
        stop.set()
        thread.join(timeout=poll_seconds + 1)
        session.deliver()
        if session.classifier is not None:
            session.classifier.close()
        if session.rasa is not None:
            session.rasa.close()
