"""Cost per turn over one long conversation: one citizen, one session, 400 turns.

    .venv/bin/python -m bench.long_conversation                  # its own stack, SQLite
    .venv/bin/python -m bench.long_conversation --turns 400 --rasa-url http://127.0.0.1:5005

Prints the p50 latency of turns 1–50, of every following fifty and of the last fifty, and the
ratio last/first (issue 20 asks for at most 1.5). The citizen cycles through the same eight
lines (greetings, a status question, a consultation, small talk), so every fifty turns carry
the same mix and only the length of the conversation so far differs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from hotline.adapters.rasa_client import webhook_url
from hotline.adapters.stack import Stack, StackConfig
from hotline.config import Settings
from hotline.credentials import chat_headers
from hotline.storage.db import make_engine
from hotline.storage.migrate import upgrade

LINES = [
    "你好",
    "我的工单",
    "医保异地就医怎么备案",
    "谢谢",
    "你是机器人吗",
    "今天天气怎么样",
    "好的",
    "再见",
]


def run(url: str, token: str | None, turns: int, sender: str) -> list[float]:
    """Say `turns` lines as one citizen; the latency of each turn in ms."""
    latencies: list[float] = []
    with httpx.Client(timeout=60, headers=chat_headers(token)) as client:
        for turn in range(turns):
            started = time.perf_counter()
            response = client.post(
                webhook_url(url), json={"sender": sender, "message": LINES[turn % len(LINES)]}
            )
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--rasa-url", help="use a running stack")
    args = parser.parse_args()
    stack: Stack | None = None
    url, token = args.rasa_url, Settings.from_env().chat_token
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix="hotline-long-"))
        database_url = f"sqlite:///{tmp / 'hotline.db'}"
        upgrade(make_engine(database_url))
        config = StackConfig.scratch(tmp, database_url)
        stack = Stack(config)
        print(f"starting the stack in {tmp} …", flush=True)
        stack.start(timeout=300)
        url, token = config.rasa_url, config.chat_token
    try:
        run(url, token, 5, "bench:warm-up")  # first calls load lazily built parts
        ms = run(url, token, args.turns, f"bench:long-{time.time_ns()}")
    finally:
        if stack is not None:
            stack.stop()
    for start in range(0, len(ms), 50):
        chunk = ms[start : start + 50]
        print(
            f"turns {start + 1:>3}–{start + len(chunk):<3} p50 {statistics.median(chunk):6.1f} ms"
        )
    first, last = statistics.median(ms[:50]), statistics.median(ms[-50:])
    print(f"last fifty / first fifty (p50): {last / first:.2f}")


if __name__ == "__main__":
    main()
