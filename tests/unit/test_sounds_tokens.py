"""The tokenizer reads a word typed by its sound (hotline/domain/sounds.py) where it was typed."""

from __future__ import annotations

import json

from tests.support.rasa_env import NEEDS_RASA_ENV, run_in_rasa

pytestmark = NEEDS_RASA_ENV


_TOKENS = r"""
import json
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from nlu.components import HotlineTokenizer
import tempfile
config = {**HotlineTokenizer.get_default_config(), "dictionary_path": "nlu/dict", "max_chars": 500}
tokenizer = HotlineTokenizer(config, LocalModelStorage(tempfile.mkdtemp()), Resource("t"))
text = "我要办juzhuzheng，急"
tokens = tokenizer.tokenize(Message({"text": text}), "text")
print(json.dumps([[t.text, t.start, t.end] for t in tokens], ensure_ascii=False))
"""


def test_the_tokenizer_reads_the_word_at_the_typed_offsets() -> None:
    out = run_in_rasa(_TOKENS)
    assert out.returncode == 0, out.stderr[-2000:]
    tokens = json.loads(out.stdout.strip().splitlines()[-1])
    words = [t[0] for t in tokens]
    assert "居住证" in "".join(words) and "juzhuzheng" not in "".join(words)
    start = len("我要办")
    for word, begin, end in tokens:
        if word in "居住证":
            assert start <= begin < end <= start + len("juzhuzheng")
