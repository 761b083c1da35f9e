"""The knowledge base reads meaning too: a sentence encoder (USE v3, shipped in a PyPI package)
reorders the groups its words found, so a question in other words reaches its own group and
not a sibling that shares more characters; it never makes a request to act an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.adapters.meaning import Meaning, with_meaning
from hotline.domain.consult import consult_or_report
from hotline.domain.knowledge import KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("meaning")


@pytest.fixture(scope="module")
def kb(cache: Path) -> KnowledgeBase:
    return with_meaning(load_knowledge(ROOT / "data" / "knowledge.yml"), cache)


def _group(kb: KnowledgeBase, text: str) -> str | None:
    decided = consult_or_report(
        kb, text, category=None, department=None, request_type=None, sure=False
    )
    return decided.answer.group if decided.answer else None


def test_the_encoder_is_wired_and_its_phrasings_are_cached(kb: KnowledgeBase, cache: Path) -> None:
    assert kb.closeness is not None
    [cached] = cache.glob("kb-meaning-*.npy")
    again = Meaning(kb, cache)  # read back, not encoded again
    near = again.closeness("家里老人一个人住，想请人定期上门看看他")
    assert set(near) == set(kb.groups)
    assert max(near, key=near.__getitem__).startswith("elderly_visit")
    assert cached.stat().st_size > 0


@pytest.mark.parametrize(
    ("text", "group"),
    [
        # the same topic's siblings: what the question means decides between them
        ("我妈住七楼没电梯，助餐点的饭能不能有人给送到家里？", "elderly_meal_delivery"),
        ("退役军人免费体检一般都查些什么项目", "veteran_health_check"),
    ],
)
def test_a_question_in_other_words_reaches_its_group(
    kb: KnowledgeBase, text: str, group: str
) -> None:
    assert _group(kb, text) == group


@pytest.mark.parametrize(
    "text",
    [
        "小区门口的路灯坏了一个星期了，晚上黑乎乎的，快派人来修",
        "今天天气怎么样",
        "",
    ],
)
def test_meaning_never_answers_what_the_words_would_not(kb: KnowledgeBase, text: str) -> None:
    words = load_knowledge(ROOT / "data" / "knowledge.yml")
    assert _group(kb, text) is None and _group(words, text) is None


def test_an_empty_text_is_close_to_nothing(kb: KnowledgeBase, cache: Path) -> None:
    assert Meaning(kb, cache).closeness("   ") == {}
