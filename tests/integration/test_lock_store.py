"""The lock store behind several replicas: a turn retried right after its replica died must not
wait forever (issue 20). Runs Rasa's own code in Rasa's interpreter against a real Redis."""

from __future__ import annotations

import subprocess

from hotline.adapters import classifier
from hotline.paths import ROOT
from tests.support.rasa_env import NEEDS_RASA_ENV
from tests.support.redis import RedisServer

pytestmark = NEEDS_RASA_ENV

# A replica issues a ticket and dies; 0.2 s later the retry queues behind it on a survivor.
PROBE = """
import asyncio, sys, time
from rasa.core.lock_store import RedisLockStore
from nlu.lock_store import HotlineRedisLockStore

async def retry(store):
    store.issue_ticket("citizen")  # the dead replica's turn: never cleaned up
    await asyncio.sleep(0.2)
    started = time.monotonic()
    try:
        async with store.lock("citizen", wait_time_in_seconds=1):
            return round(time.monotonic() - started, 1)
    finally:
        store.delete_lock("citizen")

async def main(port):
    for name, cls in (("rasa", RedisLockStore), ("hotline", HotlineRedisLockStore)):
        store = cls(host="127.0.0.1", port=port, db=0, key_prefix=name)
        try:
            waited = await asyncio.wait_for(retry(store), timeout=15)
            print(name, "served after", waited)
        except asyncio.TimeoutError:
            print(name, "still waiting after 15 s")

asyncio.run(main(int(sys.argv[1])))
"""


def test_a_retry_behind_a_dead_replicas_ticket_is_served_when_that_ticket_runs_out(
    redis: RedisServer,
) -> None:
    result = subprocess.run(
        [str(classifier.rasa_python()), "-c", PROBE, str(redis.port)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TICKET_LOCK_LIFETIME": "3"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    # Rasa's store: the waiter's own ticket ran out 0.2 s after the dead one, between two
    # polls, and it never gets the lock (what made the replica test time out).
    assert lines.get("rasa") == "still waiting after 15 s", result.stdout + result.stderr
    # Ours: the waiter renews its ticket and is served once the dead ticket runs out (3 s).
    served = lines.get("hotline", "")
    assert served.startswith("served after"), result.stdout + result.stderr
    assert 2.5 <= float(served.rsplit(" ", 1)[1]) <= 5.0
