"""`rasa data validate`: the domain, the one rule and the NLU data agree (the conversations
themselves are tested turn by turn in test_conversation.py and against the real stack)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hotline.adapters import classifier
from hotline.services.conversation.responses import USED as RESPONSES_USED
from tests.support.rasa_env import NEEDS_MODEL

ROOT = Path(__file__).resolve().parents[2]
pytestmark = NEEDS_MODEL


def rasa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", LOG_LEVEL="INFO")
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    return subprocess.run(
        [str(classifier.rasa_python()), "-m", "rasa", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_training_data_validates_without_warnings() -> None:
    result = rasa(
        "data",
        "validate",
        "--data",
        "data/nlu",
        "data/rules",
        "data/stories",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "No story structure conflicts found" in output
    # utter_default is spoken by Rasa's own fallback action, never by a rule; the others are
    # sent by action_converse (utter_message(response=...)), which Rasa's validator cannot see.
    sent_by_actions = {"utter_default", *RESPONSES_USED}
    dialogue_warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line
        and ("story or rule" in line or "domain file" in line)
        and not any(f"'{name}'" in line for name in sent_by_actions)
    ]
    assert dialogue_warnings == []
