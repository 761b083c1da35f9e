"""The real python-telegram-bot client against the local Bot API double: proof the double is
faithful enough for the bot's integration tests (polling, replies, buttons, files, faults)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import io
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.helpers import escape_markdown
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from tests.support.telegram_double import TelegramDouble, polling

CITIZEN = 1001
STAFF = 2002
DEPT_CHAT = -100200300
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    """A fresh double per test, so records and faults never leak between tests."""
    with TelegramDouble() as running:
        yield running


@pytest.fixture
async def bot(double: TelegramDouble) -> AsyncIterator[Bot]:
    """A bare PTB Bot pointed at the double (initialize() already called getMe)."""
    async with make_bot(double) as ready:
        yield ready


def make_bot(double: TelegramDouble, read_timeout: float | None = None) -> Bot:
    """Build a Bot that talks to the double only."""
    request = HTTPXRequest(read_timeout=read_timeout) if read_timeout else None
    return Bot(
        double.token,
        base_url=double.base_url,
        base_file_url=double.base_file_url,
        request=request,
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a citizen's text so the test can see the round trip."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"收到：{update.effective_message.text}")


async def show_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a ticket card with an accept button."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("签收", callback_data="accept:7")]])
    await update.effective_message.reply_text("工单 7：路灯不亮", reply_markup=keyboard)


async def accept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge the press and update the card in place."""
    query = update.callback_query
    assert query is not None
    await query.answer("已签收")
    await query.edit_message_text(f"工单 7：已由 {query.from_user.first_name} 签收")


async def test_get_me_answers_with_the_bot_user(double: TelegramDouble, bot: Bot) -> None:
    """Bot.initialize() and get_me() de_json the double's User."""
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "hotline12345_test_bot"
    assert bot.username == "hotline12345_test_bot"
    assert len(double.calls("getMe")) == 2


async def test_polling_application_receives_a_message_and_replies(
    double: TelegramDouble,
) -> None:
    """An Application polling the double gets an injected message and its reply is recorded."""
    app = double.application_builder().build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with polling(app):
        double.user_says(CITIZEN, "路灯坏了", first_name="张三")
        reply = await double.wait_for_sent(lambda s: s["chat_id"] == CITIZEN, timeout=5)
    assert reply["method"] == "sendMessage"
    assert reply["text"] == "收到：路灯坏了"
    assert reply["message_id"] == 2  # the citizen's message was 1 in the same private chat
    assert double.calls("deleteWebhook"), "polling bootstraps by deleting the webhook"
    assert double.pending_updates() == [], "shutdown confirmed the update via offset"


async def test_inline_button_press_reaches_callback_handler(double: TelegramDouble) -> None:
    """A press on a sent keyboard is answered and the card is edited in place."""
    app = double.application_builder().build()
    app.add_handler(CommandHandler("card", show_card))
    app.add_handler(CallbackQueryHandler(accept, pattern=r"^accept:"))
    async with polling(app):
        double.user_says(STAFF, "/card", first_name="李四")
        card = await double.wait_for_sent(lambda s: s["reply_markup"] is not None)
        assert card["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "accept:7"
        double.press(STAFF, card["message_id"], "accept:7")
        answer = await double.wait_for_call("answerCallbackQuery")
        edit = await double.wait_for_call("editMessageText")
    assert answer["text"] == "已签收"
    assert answer["data"] == "accept:7"
    assert answer["message_id"] == card["message_id"]
    assert edit["text"] == "工单 7：已由 李四 签收"
    current = double.message(STAFF, card["message_id"])
    assert current["text"] == "工单 7：已由 李四 签收"
    assert "reply_markup" not in current, "editing text without a keyboard removes it"
    with pytest.raises(LookupError):
        double.press(STAFF, card["message_id"], "resolve:7")  # no such button


async def test_group_message_and_forged_press_reach_handlers(double: TelegramDouble) -> None:
    """Group chats carry their type and title; forged callback data still reaches the bot."""
    seen: list[Update] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep the update for assertions."""
        seen.append(update)
        if update.callback_query:
            await update.callback_query.answer()

    app = double.application_builder().build()
    app.add_handler(CommandHandler("bind", record))
    app.add_handler(CallbackQueryHandler(record))
    async with polling(app):
        double.group_message(DEPT_CHAT, STAFF, "/bind K7Q2", title="住建局")
        message = await asyncio.to_thread(_send_card_sync, double, DEPT_CHAT)
        double.press(DEPT_CHAT, message, "accept:999", STAFF, forge=True)
        await double.wait_for_call("answerCallbackQuery")
    bind, press = seen
    assert bind.effective_chat is not None
    assert bind.effective_chat.type == "supergroup"
    assert bind.effective_chat.title == "住建局"
    assert bind.effective_user is not None and bind.effective_user.id == STAFF
    assert press.callback_query is not None and press.callback_query.data == "accept:999"


def _send_card_sync(double: TelegramDouble, chat_id: int) -> int:
    """Send a card with a plain HTTP client, as another process (the outbox) might."""
    keyboard = {"inline_keyboard": [[{"text": "签收", "callback_data": "accept:1"}]]}
    answer = httpx.post(
        f"{double.api_url}/sendMessage",
        json={"chat_id": chat_id, "text": "工单 1", "reply_markup": keyboard},
    ).json()
    return int(answer["result"]["message_id"])


# PTB 22.8 reads retry_after while building the exception, which warns once per raise.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_raises_retry_after_and_is_not_counted_as_sent(
    double: TelegramDouble, bot: Bot
) -> None:
    """Two scripted 429s surface as RetryAfter(3); the third call sends exactly once."""
    double.fail_next("sendMessage", status=429, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CITIZEN, "您的工单已受理")
    with pytest.warns(PTBDeprecationWarning):
        assert caught.value.retry_after == 3  # int in PTB 22.x unless PTB_TIMEDELTA is set
    await bot.send_message(CITIZEN, "您的工单已受理")
    assert [s["text"] for s in double.sent(CITIZEN)] == ["您的工单已受理"]
    failures = double.failures("sendMessage")
    assert [(f["status"], f["description"]) for f in failures] == [
        (429, "Too Many Requests: retry after 3"),
    ] * 2


async def test_retry_after_is_a_timedelta_when_opted_in(
    double: TelegramDouble, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PTB_TIMEDELTA=true PTB 22 exposes retry_after as a timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    double.fail_next("sendMessage", status=429, retry_after=5)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CITIZEN, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=5)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_raise_network_error(
    double: TelegramDouble, bot: Bot, status: int
) -> None:
    """5xx answers become NetworkError carrying Telegram's description."""
    double.fail_next("sendMessage", status=status)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(CITIZEN, "x")
    assert caught.value.message in ("Internal Server Error", "Bad Gateway", "Service Unavailable")
    assert double.sent() == []
    assert double.failures()[0]["status"] == status


async def test_dropped_connection_raises_network_error(double: TelegramDouble, bot: Bot) -> None:
    """A hang-up without an answer is a NetworkError, and nothing was delivered."""
    double.fail_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CITIZEN, "x")
    assert double.sent() == []
    assert double.failures("sendMessage")[0]["dropped"]


async def test_lost_response_means_delivered_but_the_client_saw_an_error(
    double: TelegramDouble, bot: Bot
) -> None:
    """lose_response_next delivers and then hangs up: the duplicate-send hazard."""
    double.lose_response_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(CITIZEN, "只应发送一次")
    assert [s["text"] for s in double.sent(CITIZEN)] == ["只应发送一次"]


async def test_slow_answer_times_out(double: TelegramDouble) -> None:
    """delay_next beyond the read timeout raises TimedOut; the call still lands later."""
    double.delay_next("sendMessage", 0.6)
    async with make_bot(double) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CITIZEN, "慢", read_timeout=0.2)
    await double.wait_for_sent(lambda s: s["text"] == "慢", timeout=3)


async def test_fail_for_a_window_then_recover(double: TelegramDouble, bot: Bot) -> None:
    """fail_for answers every call with 502 until the window closes."""
    double.fail_for("sendMessage", 0.3)
    with pytest.raises(NetworkError):
        await bot.send_message(CITIZEN, "a")
    with pytest.raises(NetworkError):
        await bot.send_message(CITIZEN, "a")
    await asyncio.sleep(0.35)
    await bot.send_message(CITIZEN, "a")
    assert len(double.sent()) == 1
    assert len(double.failures()) == 2


async def test_polling_survives_get_updates_errors(double: TelegramDouble) -> None:
    """A 502 on getUpdates goes to error_callback; polling retries and still delivers."""
    errors: list[TelegramError] = []
    double.fail_next("getUpdates", status=502)
    app = double.application_builder().build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    assert app.updater is not None
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, error_callback=errors.append)
        double.user_says(CITIZEN, "在吗")
        await double.wait_for_sent(timeout=5)
        await app.updater.stop()
        await app.stop()
    assert [type(e) for e in errors] == [NetworkError]
    assert double.failures("getUpdates")[0]["status"] == 502


async def test_invalid_token_is_refused(double: TelegramDouble) -> None:
    """A wrong token answers 401, which PTB raises as InvalidToken."""
    wrong = Bot("42:not-the-token", base_url=double.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()


async def test_send_photo_then_get_file_and_download(
    double: TelegramDouble, bot: Bot, tmp_path: Path
) -> None:
    """Uploaded bytes come back byte for byte through getFile and the file URL."""
    sent = await bot.send_photo(CITIZEN, photo=PNG, caption="现场照片")
    assert sent.caption == "现场照片"
    assert len(sent.photo) == 2
    assert double.sent(CITIZEN)[0]["method"] == "sendPhoto"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(double.base_file_url)
    target = await file.download_to_drive(tmp_path / "photo.jpg")
    assert target.read_bytes() == PNG


async def test_citizen_photo_downloads_by_file_id(double: TelegramDouble, bot: Bot) -> None:
    """A photo a citizen sends can be fetched later by its file_id (attachment download)."""
    double.user_sends_photo(CITIZEN, PNG, caption="井盖丢了")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert filters.PHOTO.check_update(update)
    file = await bot.get_file(update.message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == PNG


async def test_send_document_with_a_file_name(double: TelegramDouble, bot: Bot) -> None:
    """Multipart uploads keep the file name (also non-ASCII) and MIME type."""
    data = "工单号,状态\n1,已受理\n".encode()
    sent = await bot.send_document(CITIZEN, document=io.BytesIO(data), filename="周报.csv")
    assert sent.document is not None
    assert sent.document.file_name == "周报.csv"
    assert double.file_bytes(sent.document.file_id) == data
    assert double.sent()[0]["file_name"] == "周报.csv"


async def test_long_poll_offset_limit_and_allowed_updates(double: TelegramDouble, bot: Bot) -> None:
    """getUpdates waits, wakes on injection, and honours offset, limit and allowed_updates."""
    started = time.monotonic()
    empty = await bot.get_updates(timeout=1)
    assert empty == ()
    assert time.monotonic() - started >= 0.9

    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    double.user_says(CITIZEN, "你好")
    (first,) = await waiting
    assert time.monotonic() - started < 1.0, "an injected update wakes the long poll"
    assert first.message is not None and first.message.text == "你好"

    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first.update_id], "unconfirmed updates repeat"
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == ()

    for n in range(3):
        double.user_says(CITIZEN, str(n))
    two = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in two if u.message] == ["0", "1"]

    double.user_edits(CITIZEN, first.message.message_id, "你好，路灯坏了")
    only_edits = await bot.get_updates(
        offset=two[-1].update_id + 1, allowed_updates=["edited_message"], timeout=0
    )
    assert [u.edited_message.text for u in only_edits if u.edited_message] == ["你好，路灯坏了"]


async def test_other_message_kinds_parse_in_ptb(double: TelegramDouble, bot: Bot) -> None:
    """Locations, stickers, voice notes and contacts de_json and match PTB filters."""
    double.user_shares_location(CITIZEN, 31.2304, 121.4737)
    double.user_sends_sticker(CITIZEN)
    double.user_sends_voice(CITIZEN, duration=4)
    double.user_shares_contact(CITIZEN, "13800138000")
    location, sticker, voice, contact = await bot.get_updates(timeout=0)
    assert filters.LOCATION.check_update(location)
    assert location.message is not None and location.message.location is not None
    assert location.message.location.latitude == pytest.approx(31.2304)
    assert filters.Sticker.ALL.check_update(sticker)
    assert filters.VOICE.check_update(voice)
    assert voice.message is not None and voice.message.voice is not None
    voice_file = await bot.get_file(voice.message.voice.file_id)
    assert bytes(await voice_file.download_as_bytearray()) == b"OggS voice"
    assert filters.CONTACT.check_update(contact)
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.phone_number == "13800138000"
    assert [u.message.message_id for u in (location, sticker, voice, contact) if u.message] == [
        1,
        2,
        3,
        4,
    ]


async def test_formatting_and_edit_errors_are_bad_requests(
    double: TelegramDouble, bot: Bot
) -> None:
    """Unescaped markup, over-long text and no-op edits fail like Telegram does."""
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CITIZEN, "<b>工单 <1> 已受理", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CITIZEN, "截止 2026-10-08.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(CITIZEN, "长" * 5000)
    with pytest.raises(BadRequest, match="empty"):
        await bot.send_message(CITIZEN, "   ")
    ok = await bot.send_message(CITIZEN, f"<b>{html.escape('工单 <1> & 2')}</b>", parse_mode="HTML")
    await bot.send_message(
        CITIZEN, escape_markdown("截止 2026-10-08.", version=2), parse_mode="MarkdownV2"
    )
    assert ok.text == "工单 <1> & 2"
    assert [(e.type, e.offset, e.length) for e in ok.entities] == [("bold", 0, 10)]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(ok.text_html, CITIZEN, ok.message_id, parse_mode="HTML")
    edited = await bot.edit_message_text("<i>已办结</i>", CITIZEN, ok.message_id, parse_mode="HTML")
    assert isinstance(edited, Message)
    assert edited.text_html == "<i>已办结</i>"
    record = double.edits(CITIZEN)[0]
    assert (record["text"], record["plain"]) == ("<i>已办结</i>", "已办结")
    assert len(double.sent(CITIZEN)) == 2
    assert len(double.failures("sendMessage")) == 4


async def test_commands_chat_action_and_unknown_methods(double: TelegramDouble, bot: Bot) -> None:
    """Housekeeping calls succeed and are recorded; unknown methods answer True."""
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("my", "我的工单")])
    assert [c["command"] for c in double.commands] == ["start", "my"]
    assert await bot.send_chat_action(CITIZEN, "typing")
    assert await bot.set_my_description("12345 市民热线")
    assert double.calls("setMyDescription")[0]["params"]["description"] == "12345 市民热线"
    assert double.calls("sendChatAction")[0]["action"] == "typing"


def test_raw_json_form_and_multipart_and_sync_wait(double: TelegramDouble) -> None:
    """Plain HTTP clients may use any of the three encodings; sync tests can wait too."""
    with httpx.Client(base_url=double.api_url + "/") as client:
        keyboard = {"inline_keyboard": [[{"text": "满意", "callback_data": "rate:5"}]]}
        as_json = client.post(
            "sendMessage", json={"chat_id": CITIZEN, "text": "请评价", "reply_markup": keyboard}
        ).json()
        assert as_json["result"]["reply_markup"] == keyboard
        as_form = client.post("sendMessage", data={"chat_id": str(CITIZEN), "text": "表单"}).json()
        assert as_form["result"]["chat"] == {
            "id": CITIZEN,
            "type": "private",
            "first_name": "用户1001",
        }
        upload = client.post(
            "sendDocument",
            data={"chat_id": str(CITIZEN), "caption": "附件"},
            files={"document": ("a.txt", b"abc", "text/plain")},
        ).json()
        assert upload["result"]["document"]["mime_type"] == "text/plain"
        later = threading.Timer(
            0.2, lambda: client.post("sendMessage", data={"chat_id": "7", "text": "迟到"})
        )
        later.start()
        record = double.wait_for_sent_sync(lambda s: s["text"] == "迟到", timeout=3)
        later.join()
    assert record["chat_id"] == 7
    assert [s["message_id"] for s in double.sent(CITIZEN)] == [1, 2, 3]


def test_wait_for_sent_times_out_with_a_useful_message(double: TelegramDouble) -> None:
    """A failed wait says what was sent instead, so failures are quick to read."""
    with pytest.raises(AssertionError, match="nothing matched"):
        double.wait_for_sent_sync(timeout=0.1)


async def test_application_built_by_hand_uses_the_same_urls(double: TelegramDouble) -> None:
    """The documented builder calls point PTB at the double without the helper."""
    app = (
        Application.builder()
        .token(double.token)
        .base_url(double.base_url)
        .base_file_url(double.base_file_url)
        .build()
    )
    async with app:
        assert app.bot.username == "hotline12345_test_bot"
