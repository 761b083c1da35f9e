"""Typos of the hotline's own words are read as the words meant, without moving any offset."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import typos


def test_voice_typos_read_as_the_words_meant_at_the_same_offsets() -> None:
    text = "我爸退修金要去社宝局办 隔壁燃汽味好大 电话13800001111"
    read = typos.normalise(text)
    assert read == "我爸退休金要去社保局办 隔壁燃气味好大 电话13800001111"
    assert len(read) == len(text)


def test_cantonese_function_words_read_as_mandarin() -> None:
    text = "街口啲大排档又霸晒成条路，BB车都推唔过，冇人管"
    assert typos.normalise(text) == "街口的大排档又霸晒成条路，BB车都推不过，没人管"


def test_ordinary_text_is_left_alone() -> None:
    text = "小区路灯坏了三天，路等都没人修吗"  # 路等 is 路 + 等 here, so it is not in the table
    assert typos.normalise(text) == text


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ("社宝: 社会保险\n", "changes the length"),
        ("社保: 社保\n", "not a spelling and another word"),
        ("- 社宝\n", "a mapping"),
    ],
)
def test_a_broken_table_is_refused_with_the_reason(tmp_path: Path, table: str, why: str) -> None:
    path = tmp_path / "typos.yml"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(typos.TyposError, match=why):
        typos.normalise("社宝局", path)
