"""How long a Rasa worker takes to become ready, and its resident memory, cold and warm.

    .venv/bin/python -m bench.rasa_start

Starts a scratch stack (one worker) twice on the same var folder: the first start fits the
CRF entity extractor and keeps the fit (nlu/serve.py, cache_crf_fits), the second loads it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hotline.adapters.stack import Stack, StackConfig
from hotline.storage.db import make_engine
from hotline.storage.migrate import upgrade


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Rasa runs in one process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-start-"))
    database_url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(database_url))
    for label in ("first start (fits the CRF)", "second start (cached fit)"):
        stack = Stack(StackConfig.scratch(tmp, database_url))
        started = time.monotonic()
        stack.start(timeout=400)
        took = time.monotonic() - started
        print(f"{label}: ready in {took:.1f} s, Rasa RSS {rss_mb(stack.rasa[0].pid):.0f} MB")
        stack.stop()


if __name__ == "__main__":
    main()
