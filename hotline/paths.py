"""Where the checkout lives, so configuration and secrets resolve relative paths the same way."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
