"""Free text from citizens and staff: cleaned, bounded, and long enough to mean something."""

from __future__ import annotations

import re
import unicodedata

from hotline.domain.tickets import DomainError

MAX_TEXT = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(
    value: str | None, *, field_name: str, required: bool = True, limit: int = MAX_TEXT
) -> str | None:
    """Strip control characters and outer blanks, and refuse empty or overlong text politely."""
    if value is None:
        if required:
            raise DomainError(f"请填写{field_name}。", code="empty")
        return None
    # Lone surrogates (what undecodable bytes become) cannot be stored: make them U+FFFD.
    value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    if not text:
        if required:
            raise DomainError(f"{field_name}不能为空，请再说一下。", code="empty")
        return None
    if len(text) > limit:
        raise DomainError(
            f"{field_name}太长了（{len(text)}字），请精简到{limit}字以内。", code="too_long"
        )
    return text


TRANSCRIPT_CUT = "……（更早的对话已省略）"


def fit_transcript(transcript: str | None, limit: int = MAX_TEXT) -> str | None:
    """A hand-over transcript within `limit` characters: the latest lines are kept, the
    oldest dropped, so 转人工 after a long chat never fails for being too long."""
    text = clean_text(transcript, field_name="对话记录", required=False, limit=10**9)
    if text is None or len(text) <= limit:
        return text
    kept: list[str] = []
    room = limit - len(TRANSCRIPT_CUT) - 1
    for line in reversed(text.split("\n")):
        if len(line) + 1 > room:
            if not kept:  # one huge line: keep its end, where the latest words are
                kept.append(line[-room:])
            break
        kept.append(line)
        room -= len(line) + 1
    return "\n".join([TRANSCRIPT_CUT, *reversed(kept)])


# Bare acknowledgements are not an answer to a citizen nor a reason anyone can act on.
_BARE = frozenset(
    {
        "好",
        "好的",
        "行",
        "可以",
        "收到",
        "已收到",
        "知道了",
        "ok",
        "okay",
        "同意",
        "已阅",
        "阅",
        "是",
        "嗯",
        "无",
        "没有",
        "不同意",
        "驳回",
        "处理",
        "已处理",
        "已办",
        "已办结",
        "办结",
        "完成",
        "已完成",
        "test",
        "测试",
        "x",
        "xx",
        "xxx",
        "1",
        "略",
        "见附件",
    }
)
_MEANINGFUL = re.compile(r"[\w]", re.UNICODE)
MIN_ANSWER_CHARS = 5  # 答复: what was done, e.g. "已更换灯泡" at least
MIN_REASON_CHARS = 2  # 理由 / 意见: e.g. "属于园林" or "人手不足"


def substantive(value: str | None, *, field_name: str, minimum: int, limit: int = MAX_TEXT) -> str:
    """Clean the text and refuse what says nothing: too short, or a bare "好"/"收到"/"x"."""
    text = clean_text(value, field_name=field_name, limit=limit) or ""
    core = "".join(_MEANINGFUL.findall(text)).replace("_", "")
    if core.lower() in _BARE or len(set(core)) <= 1 or len(core) < minimum:
        raise DomainError(
            f"{field_name}过于简单（“{text[:20]}”），请写明具体情况（至少{minimum}个字）。",
            code="too_short",
        )
    return text
