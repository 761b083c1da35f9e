"""Words typed by their sound are read as the words, at the offsets the citizen typed them."""

from __future__ import annotations

import pytest

from hotline.domain import sounds


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("juzhuzheng怎么续", "居住证怎么续"),
        ("yibao报销要带啥", "医保报销要带啥"),
        ("gonghui shuqi tuoguanban 咋报名", "工会暑期托管班 咋报名"),
        ("tui wu jun ren you hui ti jian 在哪做", "退伍军人优惠体检 在哪做"),
    ],
)
def test_a_sound_typed_word_is_read_as_the_word(text: str, read: str) -> None:
    assert sounds.read(text)[0] == read


@pytest.mark.parametrize(
    "text",
    ["meal delivery 能送吗", "APP打不开", "ok谢谢", "check on her", "wifi没信号", "Tony老师"],
)
def test_english_and_single_sounds_stay_as_typed(text: str) -> None:
    assert sounds.read(text) == (text, list(range(len(text))))


def test_every_read_character_points_into_the_run_it_stands_for() -> None:
    text = "我要办juzhuzheng，急"
    read, origin = sounds.read(text)
    assert read == "我要办居住证，急"
    assert len(origin) == len(read)
    assert origin[:3] == [0, 1, 2] and origin[-2:] == [text.index("，"), len(text) - 1]
    assert all(3 <= origin[i] < 3 + len("juzhuzheng") for i in range(3, 6))
    assert origin == sorted(origin)
