"""A coarse place key from a free-text address, so reports can spot hot places in SQL."""

from __future__ import annotations

import re

# The first named road, compound or landmark in the address: "人民路12号" -> "人民路",
# "幸福家园小区3号楼" -> "幸福家园小区". Numbers, units and directions are dropped.
_PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z]{1,12}?"
    r"(?:大道|路|街|巷|胡同|小区|花园|家园|新村|公寓|苑|庭|府|城|广场|公园|大厦|市场|村|镇|社区|中学|小学|医院|学校))"
)
_PREFIX = re.compile(r"^(?:在|位于|地址是|地址|我家|我们)")


def place_key(address: str | None) -> str | None:
    """Return the leading road/compound/landmark name, or None when nothing recognisable."""
    if not address:
        return None
    text = _PREFIX.sub("", address.strip())
    match = _PLACE.search(text)
    if match is None:
        return None
    return match.group(1)[:60]
