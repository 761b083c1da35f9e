"""Where the checkout lives, so configuration and secrets resolve relative paths the same way,
and where the NLU model and the Rasa environment are unless settings say otherwise."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models"
MODEL_FILE = MODEL_DIR / "hotline.tar.gz"  # what scripts/train_nlu.sh writes
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def find_model(configured: Path | None, model_dir: Path = MODEL_DIR) -> Path | None:
    """The NLU model archive to load: `configured` (HOTLINE_NLU_MODEL) if it exists, else
    models/hotline.tar.gz, else the newest archive under models/; None when there is none.

    `hotline up` (the Rasa stack) and the classifier both resolve the model here."""
    if configured is not None:
        return configured if configured.exists() else None
    named = model_dir / MODEL_FILE.name
    if named.is_file():
        return named
    archives = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None
