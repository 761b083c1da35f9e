"""What an answer to the place question leaves in a draft, the same for a report and an
emergency told as the answer (`keep_place_answer`)."""

from __future__ import annotations

from hotline.services.conversation.drafts import keep_place_answer


def test_the_place_is_stored_and_what_follows_it_joins_the_description() -> None:
    draft = {"description": "井盖坏了好几天了"}
    keep_place_answer(draft, "胜利路88号门口，窨井盖没了", "胜利路88号门口")
    assert draft["address"] == "胜利路88号门口"
    assert draft["description"] == "井盖坏了好几天了\n补充：窨井盖没了"


def test_a_place_alone_adds_nothing_to_the_description() -> None:
    draft = {"description": "路灯不亮"}
    keep_place_answer(draft, "清河区镇淮楼东路12号", "清河区镇淮楼东路12号")
    assert draft == {"description": "路灯不亮", "address": "清河区镇淮楼东路12号"}


def test_an_answer_with_no_place_is_kept_whole_and_a_long_place_is_bounded() -> None:
    draft = {"description": "有煤气味"}
    keep_place_answer(draft, "味道越来越大了", None)
    assert "address" not in draft and draft["description"].endswith("补充：味道越来越大了")
    long_place = "幸福路" + "八" * 400 + "号"
    keep_place_answer(draft, long_place, long_place)
    assert len(draft["address"]) == 300
