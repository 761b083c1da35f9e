"""How long a Rasa worker takes to become ready, and its resident memory, cold and warm.

    .venv/bin/python -m bench.rasa_start
    HOTLINE_RASA_TENSORFLOW=1 .venv/bin/python -m bench.rasa_start   # with TensorFlow loaded

Starts a scratch stack (one worker) twice on the same var folder: the first start fits the
CRF entity extractor and keeps the fit (nlu/serve.py, cache_crf_fits), the second loads it.
Resident memory is read when the worker is ready and again after 30 chat turns (short
messages and letters: the sentence encoder and every cache have been used), and the action
server's after those turns.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx

from hotline.adapters.stack import Stack, StackConfig
from hotline.credentials import chat_headers
from hotline.storage.db import make_engine
from hotline.storage.migrate import upgrade


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Rasa runs in one process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


TURNS = [
    "你好",
    "路灯坏了好几天了",
    "人民路18号",
    "13812345678",
    "是的",
    "低保怎么申请",
    "尊敬的领导：我是城东新区的居民，小区旁边的工地每天晚上十一点以后还在施工，"
    "混凝土泵车的声音震耳欲聋，老人孩子都睡不着觉，我们多次找过工地负责人都没有用，"
    "恳请有关部门依法查处，还居民一个安静的夜晚。",
    "老板拖欠我三个月工资不给",
    "谢谢",
    "井盖丢了",
]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-start-"))
    database_url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(database_url))
    for label in ("first start (fits the CRF)", "second start (cached fit)"):
        stack = Stack(StackConfig.scratch(tmp, database_url))
        started = time.monotonic()
        stack.start(timeout=400)
        took = time.monotonic() - started
        ready_rss = rss_mb(stack.rasa[0].pid)
        for i, text in enumerate(TURNS * 3):
            httpx.post(
                f"{stack.config.rasa_url}/webhooks/rest/webhook",
                json={"sender": f"bench-start-{i % 5}", "message": text},
                headers=chat_headers(stack.config.chat_token),
                timeout=60,
            ).raise_for_status()
        actions = stack.actions.pid if stack.actions else None
        print(
            f"{label}: ready in {took:.1f} s, Rasa RSS {ready_rss:.0f} MB at ready, "
            f"{rss_mb(stack.rasa[0].pid):.0f} MB after 30 turns; action server "
            f"{rss_mb(actions) if actions else 0:.0f} MB"
        )
        stack.stop()


if __name__ == "__main__":
    main()
