"""`rasa data validate` and `rasa test` on the end-to-end stories in tests/e2e/ with the
trained model: every conversation of the issue, failing on any wrong prediction."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hotline import classifier
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
    # The form's own questions (utter_ask_<slot>) are spoken by the form, never by a rule,
    # and Rasa's validator does not know that: those are the only warnings allowed.
    dialogue_warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line
        and ("story or rule" in line or "domain file" in line)
        and not any(f"'utter_ask_{slot}'" in line for slot in ("address", "phone", "detail"))
    ]
    assert dialogue_warnings == []


def test_end_to_end_stories_pass(tmp_path: Path) -> None:
    model = classifier.model_path()
    assert model is not None
    result = rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(ROOT / "tests" / "e2e"),
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + detail
