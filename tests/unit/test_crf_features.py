"""The CRF features built by nlu.crf_features are Rasa's own: same keys, values and order."""

from __future__ import annotations

import json

from tests.support.rasa_env import NEEDS_RASA_ENV, run_in_rasa

pytestmark = NEEDS_RASA_ENV

_COMPARE = r"""
import json
import numpy as np
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from nlu import crf_features

words = ["小区", "门口", "燃气", "泄漏", "了", "，", "电话", "13912345678", "ABC", "Road", "12"]
tokens = [
    CRFToken(w, "n" if i % 2 else None, {"phone": w.isdigit(), "ticket": i == 3},
             np.zeros(0), "O", "O", "O")
    for i, w in enumerate(words)
]
default = CRFEntityExtractor.get_default_config()
window = [["low"], ["bias", "pattern", "suffix2", "pos2"], ["digit"]]
configs = [default, {**default, "features": window}]
same = []
for config in configs:
    for tags in (False, True):
        for n in (0, 1, 2, len(tokens)):
            ours = crf_features.crf_tokens_to_features(CRFEntityExtractor, tokens[:n], config, tags)
            rasa = crf_features.rasa_crf_tokens_to_features(tokens[:n], config, tags)
            same.append(ours == rasa and [list(d) for d in ours] == [list(d) for d in rasa])
ours_now = CRFEntityExtractor._crf_tokens_to_features.__func__
installed = ours_now is crf_features.crf_tokens_to_features
print(json.dumps({"same": same, "installed_after_import": installed}))
"""


def test_crf_features_are_rasas_own() -> None:
    out = run_in_rasa("import nlu.components\n" + _COMPARE)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["same"] and all(result["same"])
    assert result["installed_after_import"]
