"""Personal data on disk: private file modes for var/, and logs that never carry a phone number."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hotline.domain.privacy import redact

# ------------------------------------------------------------------------ files
PRIVATE_UMASK = 0o077


def secure_var(var_dir: Path) -> None:
    """var/ is 0700 and everything created from now on is 0600 (database, files, logs)."""
    os.umask(PRIVATE_UMASK)
    var_dir.mkdir(parents=True, exist_ok=True)
    var_dir.chmod(0o700)
    for path in var_dir.rglob("*"):
        if path.is_symlink():
            continue
        path.chmod(0o700 if path.is_dir() else 0o600)


def private_file(path: Path) -> Path:
    """Make one written file owner-only, whatever the umask was."""
    path.chmod(0o600)
    return path


# ---------------------------------------------------------------------- logging


def _quiet(exc: BaseException) -> str:
    """A database error as its kind only: PostgreSQL's DETAIL quotes the failing row."""
    orig = getattr(exc, "orig", None)
    return f"{type(exc).__name__}({type(orig).__name__ if orig is not None else ''})"


class RedactingFilter(logging.Filter):
    """A last line of defence: no database error text, phone or ID number reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        from sqlalchemy.exc import StatementError

        if isinstance(record.args, tuple) and any(
            isinstance(a, StatementError) for a in record.args
        ):
            record.args = tuple(
                _quiet(a) if isinstance(a, StatementError) else a for a in record.args
            )
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, StatementError):  # keep where it failed, drop what it said
            record.msg = f"{record.getMessage()} [{_quiet(exc)}]"
            record.args, record.exc_info, record.exc_text = None, None, None
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(var_dir: Path, name: str, *, level: int = logging.INFO) -> Path:
    """Log to var/log/NAME.log (0600) and stderr, redacted, and quiet httpx's URL lines.

    httpx logs every request URL at INFO, and Telegram's URLs carry the bot token.
    """
    log_dir = var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_dir.chmod(0o700)
    path = log_dir / f"{name}.log"
    path.touch(exist_ok=True)
    private_file(path)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in (logging.FileHandler(path, encoding="utf-8"), logging.StreamHandler()):
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return path
