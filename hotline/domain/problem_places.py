"""Where a reported problem is, as one comparable spot however the caller spelled the address.

Callers of one problem write "朝阳区幸福路12号楼", "幸福路十二号", "幸福路12栋";
"人民路与解放路交叉口" and "解放路人民路路口"; "建设路二中门口" and "第二中学对面建设路上".
The spot keeps what tells places apart (the roads, the compound/village/landmark, the
building number) and drops what does not (district, town, 号/号楼/栋, 旁边/对面/门口,
numerals' spelling).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGIT |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+")


def _arabic(numeral: str) -> str:
    """ "十二" -> "12", "二十一" -> "21", "一百零三" -> "103"; digits spelled one by one too."""
    if "十" not in numeral and "百" not in numeral:
        return "".join(str(_DIGIT[c]) for c in numeral)
    total, current = 0, 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGIT[char]
    return str(total + current)


# Administrative areas before the place ("朝阳区", "江苏省淮安市", "王集镇"), not "小区"/"社区"…
_AREA = re.compile(
    r"^(?:[\u4e00-\u9fa5]{1,6}?(?:省|市(?!场)|(?<![小社园景校])区|县|镇|乡|街道)(?=.))+"
)
_LEAD = re.compile(r"^(?:俺们|俺|我们|我家|咱们|咱|在|位于|地址是|地址|就在|家住|住在)+")
_SCHOOL = re.compile(r"第?([零〇一二两三四五六七八九十\d]+)(中|小)(?:学)?(?![心间午])")
_NUMERAL_BEFORE_UNIT = re.compile(
    r"[零〇一二两三四五六七八九十百]+(?=号|栋|幢|座|单元|楼(?![上下道顶前后])|层|室)"
)
_NUMBER = re.compile(r"(\d+)\s*(?:号楼|号院|号|栋|幢|座|弄|楼(?![上下道顶前后]))")
_UNIT = re.compile(r"(\d+)\s*单元")
# Words that place a spot beside a named one, joiners between two roads, numbers and units:
# all become separators between the names.
_SEPARATORS = re.compile(
    r"\d+\s*(?:号楼|号院|号|栋|幢|座|弄|单元|楼(?![上下道顶前后])|层|室|户)?|"
    r"(?<=[路街巷])(?:与|和|跟|同|及|、|口)|"
    r"十字路口|丁字路口|交叉口|交叉的地方|交叉处|交汇处|交界处|路段|中段|"
    r"斜对面|对面|斜对过|对过|旁边|边上|附近|隔壁|拐角|周边|一带|那边|这边|那里|这里|"
    r"[东南西北]?(?:大门|侧门|后门|正门|门口|门前|门)|楼下|楼上|楼前|楼后|前面|后面|里面|"
    r"的马路上|马路上|的地方|(?<=村)村?口|东头|西头|上$|的|[\s,，、。]"
)
_ROAD = "大道|大街|路|街|巷|胡同|弄"
_ANCHOR = re.compile(
    r"([^|]{1,8}?(?:"
    + _ROAD
    + r"|花园|家园|新村|小区|公寓|苑|庭|府|城|广场|公园|大厦|市场|商场|超市|医院|中学|小学|"
    r"学校|幼儿园|村|社区|车站|站))"
)
_ROAD_END = re.compile(rf"(?:{_ROAD})$")
_LANDMARK_END = re.compile(
    r"(?:广场|公园|大厦|市场|商场|超市|医院|中学|小学|学校|幼儿园|村|车站|站)$"
)
_COMPOUND_TAIL = re.compile(r"(?<=[园村寓苑庭府城])小区$")


@dataclass(frozen=True)
class Spot:
    """A place as the comparison sees it: its roads, the compound/landmark, the number."""

    roads: tuple[str, ...]
    names: tuple[str, ...]
    number: str | None

    @property
    def crossing(self) -> bool:
        """Two roads and nothing else named: "人民路与解放路交叉口"."""
        return len(set(self.roads)) >= 2 and not self.names and self.number is None

    @property
    def precise(self) -> bool:
        """A house number, a crossing or a landmark/village: one spot, not a whole road or
        compound."""
        if self.number is not None or self.crossing:
            return True
        return bool(self.names) and _LANDMARK_END.search(self.names[-1]) is not None

    @property
    def key(self) -> str | None:
        """The one word a lock and a candidate search key on: the crossing's roads in order, the
        compound/landmark, else the road."""
        if self.crossing:
            return "×".join(sorted(set(self.roads)))
        if self.names:
            return self.names[-1]
        return self.roads[0] if self.roads else None


def _same_name(a: str, b: str) -> bool:
    """One name, possibly with more before it ("王集李庄村" and "李庄村")."""
    return a == b or (min(len(a), len(b)) >= 3 and (a.endswith(b) or b.endswith(a)))


@lru_cache(maxsize=8192)
def spot(address: str | None) -> Spot | None:
    """The spot an address names, or None when it names nothing recognisable."""
    if not address:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", address))
    text = _LEAD.sub("", text)
    text = _AREA.sub("", text) or text
    text = _SCHOOL.sub(lambda m: f"第{_chinese(m.group(1))}{m.group(2)}学", text)
    text = _NUMERAL_BEFORE_UNIT.sub(lambda m: _arabic(m.group(0)), text)
    found = _NUMBER.search(text) or _UNIT.search(text)  # a unit only when no building
    number = found.group(1) if found else None
    cut = _SEPARATORS.sub("|", text)
    roads: list[str] = []
    names: list[str] = []
    for segment in cut.split("|"):
        for match in _ANCHOR.finditer(segment):
            word = _COMPOUND_TAIL.sub("", match.group(1))
            (roads if _ROAD_END.search(word) else names).append(word)
        if not segment or _ANCHOR.search(segment):
            continue
        if not roads and not names and 2 <= len(segment) <= 8:
            names.append(segment)  # a bare landmark: "万达旁边"
    if not roads and not names:
        return None
    return Spot(tuple(roads), tuple(names), number)


def _chinese(numeral: str) -> str:
    """A school's number in one spelling: "2", "二" and "第二" all read "二"."""
    digits = numeral if numeral.isdigit() else _arabic(numeral)
    return "".join("〇一二三四五六七八九"[int(d)] for d in digits)


def same_spot(a: Spot, b: Spot) -> bool:
    """Whether two spots are one place: a crossing only with the same crossing; a compound or
    landmark only with itself; a road with itself; house numbers agree when both give one."""
    if a.crossing or b.crossing:
        if not (a.crossing and b.crossing):
            return False
        left, right = sorted(set(a.roads)), sorted(set(b.roads))
        if len(left) != len(right):
            return False
        return all(_same_name(x, y) for x, y in zip(left, right, strict=True))
    if a.number is not None and b.number is not None and a.number != b.number:
        return False
    if a.names and b.names:
        return _same_name(a.names[-1], b.names[-1])
    if a.names or b.names:  # "幸福路12号超市门口" and "幸福路12号": one building
        return (
            a.number is not None
            and a.number == b.number
            and any(_same_name(x, y) for x in a.roads for y in b.roads)
        )
    return bool(a.roads and b.roads) and _same_name(a.roads[0], b.roads[0])
