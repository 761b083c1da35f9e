"""One spot however the caller spelled the address; look-alike places stay apart."""

from __future__ import annotations

import pytest

from hotline.domain.problem_places import same_spot, spot


def _same(a: str, b: str) -> bool:
    left, right = spot(a), spot(b)
    assert left is not None and right is not None
    return same_spot(left, right)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("幸福路12号", "朝阳区幸福路12号楼"),
        ("幸福路12栋", "幸福路十二号"),
        ("幸福路12幢", "朝阳区 幸福路12号3单元"),
        ("阳光花园小区3栋", "阳光花园三号楼"),
        ("人民路与解放路交叉口", "解放路人民路路口"),
        ("人民路跟解放路交叉的地方", "解放路和人民路十字路口"),
        ("人民路和和平路交叉口", "和平路与人民路交汇处"),
        ("建设路二中门口", "第二中学对面建设路上"),
        ("万达广场旁边", "朝阳区万达广场对面"),
        ("淮安区王集镇李庄村", "王集李庄村"),
        ("俺们李庄村", "李庄村村口"),
    ],
)
def test_spellings_of_one_place_are_one_spot(a: str, b: str) -> None:
    assert _same(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("幸福路12号", "幸福路14号"),
        ("幸福路十二号", "幸福路二十一号"),
        ("阳光花园3号楼", "阳光花园五号楼"),
        ("人民路与解放路交叉口", "人民路与和平路交叉口"),
        ("人民路与解放路交叉口", "人民路12号"),
        ("王集镇李庄村", "王集镇张庄村"),
        ("万达广场旁边", "建设路二中门口"),
    ],
)
def test_look_alike_places_stay_apart(a: str, b: str) -> None:
    assert not _same(a, b)


def test_an_address_without_a_place_is_no_spot() -> None:
    assert spot("") is None
    assert spot(None) is None
