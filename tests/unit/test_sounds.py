"""Words typed by their sound are read as the words, at the offsets the citizen typed them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain import sounds
from hotline.domain.reading import ReadingTableError


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


@pytest.mark.parametrize(
    ("table", "why"),
    [("juzhuzheng\t居住证\n", "expected sound"), ("居住证\t居住证\t3\n", "expected sound")],
)
def test_a_broken_sound_table_names_the_file_and_line(tmp_path: Path, table: str, why: str) -> None:
    path = tmp_path / "sounds.tsv"
    path.write_text("# header\n" + table, encoding="utf-8")
    with pytest.raises(sounds.SoundTableError, match=rf"sounds.tsv:2: {why}"):
        sounds.load_table(path)


def test_a_missing_sound_table_is_a_reading_table_error(tmp_path: Path) -> None:
    with pytest.raises(ReadingTableError, match="cannot be read"):
        sounds.load_table(tmp_path / "nowhere.tsv")
