"""The knowledge base: validated at load (file and line), and it finds the right answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.catalogue import Catalogue
from hotline.knowledge import load_knowledge
from hotline.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_knowledge_base_answers_by_topic(catalogue: Catalogue) -> None:
    kb = load_knowledge(ROOT / "data" / "knowledge.yml", catalogue)
    assert len(kb.groups) >= 60
    answer = kb.match("异地就医需要什么手续", category="cross_region_medical")
    assert answer is not None and answer.group == "cross_region_filing"
    answer = kb.match("暑假孩子没人带 有托管班吗")
    assert answer is not None and answer.department == "trade_union" and answer.score > 0.75
    assert kb.match("🙂🙂🙂") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "groups:\n  - id: a\n    title: t\n    department: nowhere\n    answer: x\n"
            "    source: general\n    questions: [q]\n",
            ":4: groups.0.department: unknown department",
        ),
        ("groups:\n  - id: Bad Id\n", ":2:"),
        ("groups: [\n", "knowledge.yml"),
    ],
)
def test_a_broken_knowledge_base_names_file_and_line(
    tmp_path: Path, catalogue: Catalogue, text: str, message: str
) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_knowledge(path, catalogue)
    assert message in str(refused.value)
