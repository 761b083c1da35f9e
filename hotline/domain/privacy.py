"""Personal data kept out of sight: numbers redacted for groups, private files, quiet logs."""

from __future__ import annotations

import re

# 18-digit resident ID (with a plausible birth date) and Chinese mobile / landline numbers,
# never matching inside a longer run of digits (ticket numbers, amounts, dates).
_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[\dXx](?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}[- ]?\d{7,8}(?!\d)")
_PATTERNS = (_ID, _MOBILE, _LANDLINE)

PRIVACY_NOTICE = (
    "【个人信息保护提示】为办理您的诉求，我们会保存您的对话内容、联系电话、地址和您发送的"
    "图片文件，仅用于受理、转办、答复和回访，承办部门看到的电话和证件号均已隐去。"
    "对话记录保存90天，工单办结后个人信息保存1年后匿名化。"
    "如需查询、导出或删除您的个人信息，请回复“转人工”或拨打12345提出。"
)


def _mask(found: str) -> str:
    chars = [c for c in found if c.isdigit() or c in "Xx"]
    keep = 4
    return "*" * (len(chars) - keep) + "".join(chars[-keep:])


def redact(text: str | None) -> str:
    """Mask ID and phone numbers (last four kept), as every text shown to a group must be."""
    if not text:
        return text or ""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: _mask(m.group(0)), text)
    return text


def numbers_in(text: str | None) -> list[str]:
    """The ID and phone numbers a text holds, in order, for a staff member who asks (audited)."""
    if not text:
        return []
    found: list[tuple[int, str]] = []
    rest = text
    for pattern in _PATTERNS:
        for match in pattern.finditer(rest):
            found.append((match.start(), match.group(0)))
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    return [value for _, value in sorted(found)]
