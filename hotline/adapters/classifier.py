"""App-side client of the NLU classifier (no Rasa import: Rasa lives in ``.venv-rasa``).

The trained model runs in the Rasa environment; this module starts
``.venv-rasa/bin/python -m nlu.classify`` as a subprocess (cwd and ``PYTHONPATH`` = repository
root), feeds it JSON lines and reads one JSON object per input, in order, with the contract of
``shared/design.md``::

    {"text", "department", "category", "confidence", "top3", "urgent", "type", ...}

* :func:`classify_texts` — one subprocess per call (loads the model once for the whole list).
* :func:`classify_text` — convenience for one text.
* :class:`ClassifierProcess` — a long-lived ``--serve`` subprocess for callers that classify
  many texts over time (the model takes several seconds to load).

The interpreter and the model come from the settings (``HOTLINE_RASA_PYTHON``,
``HOTLINE_NLU_MODEL``; :class:`hotline.config.Settings`), the environment's when none are
given; the model is resolved as ``hotline up`` resolves it (:func:`hotline.paths.find_model`).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from hotline.config import Settings
from hotline.paths import MODEL_DIR, ROOT, find_model

REPO_ROOT = ROOT
DEFAULT_MODEL_DIR = MODEL_DIR


class ClassifierUnavailableError(RuntimeError):
    """The NLU environment or the trained model is missing, or the classifier failed."""


def rasa_python(settings: Settings | None = None) -> Path:
    """Interpreter of the Rasa environment."""
    return (settings or Settings.from_env()).rasa_python


def model_path(settings: Settings | None = None) -> Path | None:
    """The model archive the classifier will load, or None when there is none."""
    return find_model((settings or Settings.from_env()).nlu_model)


def _check_available(settings: Settings | None) -> tuple[Path, Path]:
    settings = settings or Settings.from_env()
    python = rasa_python(settings)
    if not python.exists():
        raise ClassifierUnavailableError(
            f"NLU environment not found: {python} is missing; "
            "run the setup command to create .venv-rasa"
        )
    model = model_path(settings)
    if model is None:
        raise ClassifierUnavailableError(
            f"no trained NLU model under {DEFAULT_MODEL_DIR}; run scripts/train_nlu.sh"
        )
    return python, model


def _command(python: Path, model: Path, mode: Sequence[str]) -> list[str]:
    return [str(python), "-m", "nlu.classify", *mode, "--model", str(model)]


def _env() -> dict[str, str]:
    env = dict(os.environ)  # the child inherits the environment (not read here)
    env["PYTHONPATH"] = str(REPO_ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def classify_texts(
    texts: Sequence[str], *, timeout: float | None = 600.0, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Classify ``texts`` with the trained model; one result dict per text, in order.

    Raises :class:`ClassifierUnavailableError` when the Rasa env or the model is missing or
    the classifier process fails.
    """
    if not texts:
        return []
    python, model = _check_available(settings)
    payload = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    try:
        proc = subprocess.run(
            _command(python, model, ["--jsonl", "-"]),
            input=payload,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=REPO_ROOT,
            env=_env(),
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClassifierUnavailableError(f"NLU classifier could not run: {exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ClassifierUnavailableError(
            f"NLU classifier failed (exit {proc.returncode}); last stderr lines:\n{tail}"
        )
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(results) != len(texts):
        raise ClassifierUnavailableError(
            f"NLU classifier returned {len(results)} results for {len(texts)} texts"
        )
    return results


def classify_text(text: str, settings: Settings | None = None) -> dict[str, Any]:
    """Classify one text (see :func:`classify_texts`)."""
    return classify_texts([text], settings=settings)[0]


class ClassifierProcess:
    """A long-lived ``python -m nlu.classify --serve`` subprocess; use as a context manager.

    >>> with ClassifierProcess() as clf:          # doctest: +SKIP
    ...     clf.classify("燃气泄漏了")["department"]
    'utilities'
    """

    def __init__(self, settings: Settings | None = None) -> None:
        python, model = _check_available(settings)
        self._proc = subprocess.Popen(
            _command(python, model, ["--serve"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            bufsize=1,
            cwd=REPO_ROOT,
            env=_env(),
        )
        ready = self._readline()
        if not ready.get("ready"):
            self.close()
            raise ClassifierUnavailableError("NLU classifier did not start")

    def _readline(self) -> dict[str, Any]:
        stdout: IO[str] | None = self._proc.stdout
        line = stdout.readline() if stdout else ""
        if not line:
            code = self._proc.poll()
            raise ClassifierUnavailableError(f"NLU classifier process ended (exit {code})")
        result: dict[str, Any] = json.loads(line)
        return result

    def classify(self, text: str) -> dict[str, Any]:
        """Classify one text."""
        if self._proc.stdin is None:
            raise ClassifierUnavailableError("NLU classifier process is closed")
        self._proc.stdin.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
        self._proc.stdin.flush()
        return self._readline()

    def close(self) -> None:
        """Stop the subprocess."""
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> ClassifierProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
