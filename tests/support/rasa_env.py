"""Marks for tests that need the trained model and .venv-rasa: skipped without them outside
CI, run (and failing if they are missing) when CI=true."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hotline.adapters import classifier

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MISSING = classifier.model_path() is None or not classifier.rasa_python().exists()

NEEDS_MODEL = [
    pytest.mark.rasa,
    pytest.mark.slow,
    pytest.mark.skipif(MISSING and not IN_CI, reason="no trained model or no .venv-rasa"),
]

# Tests that run code in .venv-rasa (numpy, scikit-learn, rasa) but need no trained model.
NEEDS_RASA_ENV = [
    pytest.mark.rasa,
    pytest.mark.slow,
    pytest.mark.skipif(not classifier.rasa_python().exists() and not IN_CI, reason="no .venv-rasa"),
]


ROOT = Path(__file__).resolve().parents[2]


def run_in_rasa(code: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in .venv-rasa's interpreter from the repository root, the way a Rasa
    worker imports the project (PYTHONPATH is the root; nothing else of our environment)."""
    return subprocess.run(
        [str(classifier.rasa_python()), "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
