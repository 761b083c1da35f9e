"""Whole-path chat benchmark: simulated citizens talk to the real stack through Rasa's REST
channel (NLU + dialogue + actions + database) and the figures are printed.

    .venv/bin/python -m bench.load                           # chat-turn latency, 1 citizen
    .venv/bin/python -m bench.load --citizens 7 --duration 600 --rasa-workers 2   # 10 minutes

On 2 cores, run it on an otherwise idle machine: it measures CPU, and another job's CPU use
shows up as lost turns/s (the printed CPU per turn of each process tells which).

Each simulated citizen runs conversations drawn from the held-out corpus
(bench/nlu_eval/heldout.jsonl): a report answered turn by turn as the assistant asks (place,
phone, extra field, confirmation, choice buttons), consultations, status questions and small
talk. At the end it reconciles: every report conversation that was confirmed has exactly one
ticket, and every ticket exactly one routing message (ticket_dispatched or ticket_unroutable)
in the outbox. Starts its own stack on free ports with a fresh database unless --rasa-url is
given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from hotline.adapters.rasa_client import rasa_url_for
from hotline.adapters.stack import Stack, StackConfig
from hotline.config import Settings
from hotline.credentials import chat_headers
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Citizen, OutboxMessage, Ticket, TicketReporter

ROOT = Path(__file__).resolve().parent.parent
# A report is confirmed with its number; a praise (表扬) is recorded with it too; a report of a
# problem already on file is told the number of the ticket it joined (issue 18).
NUMBER = re.compile(
    r"(?:已为您登记(?:紧急)?工单 |已记录为表扬件（|已有市民反映，登记为工单 )(\d{8}-\d{4,})"
)
ADDRESSES = ["幸福路88号", "金桂园3期5栋", "解放大道与中山路交叉口", "建设北路126号", "滨江花园7栋"]
SMALL_TALK = ["你好", "谢谢", "你是机器人吗", "我的工单", "今天天气怎么样", "再见"]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    conversations: int = 0
    expected: dict[str, set[str]] = field(default_factory=dict)  # sender -> ticket numbers


def corpus() -> list[dict[str, Any]]:
    path = ROOT / "bench" / "nlu_eval" / "heldout.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r.get("kind") in ("dispatch", "consult")]


class SimulatedCitizen:
    """One simulated citizen: answers what the assistant asks, like a cooperative caller."""

    def __init__(
        self, client: httpx.AsyncClient, urls: list[str], sender: str, stats: Stats
    ) -> None:
        self.client = client
        self.urls = urls
        self.sender = sender
        self.stats = stats

    async def say(self, text: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        try:
            url = rasa_url_for(self.sender, self.urls) + "/webhooks/rest/webhook"
            response = await self.client.post(url, json={"sender": self.sender, "message": text})
            response.raise_for_status()
            replies: list[dict[str, Any]] = response.json()
        except (httpx.HTTPError, ValueError):
            self.stats.errors += 1
            return []
        self.stats.latencies.append(time.perf_counter() - started)
        if not replies:
            self.stats.empty += 1
        for number in NUMBER.findall(" ".join(str(r.get("text") or "") for r in replies)):
            self.stats.expected.setdefault(self.sender, set()).add(number)
        return replies

    async def report(self, text: str, rng: random.Random) -> None:
        replies = await self.say(text)
        for _ in range(8):
            said = " ".join(str(r.get("text") or "") for r in replies)
            buttons = [b for r in replies for b in r.get("buttons") or []]
            titles = [b.get("title") for b in buttons]
            if "确认提交" in titles:
                replies = await self.say("/affirm")
            elif "需要登记工单" in titles:
                replies = await self.say(rng.choice(["/affirm", "/deny"]))
            elif buttons and "都不是（交人工派单）" in titles:
                replies = await self.say(str(rng.choice(buttons)["payload"]))
            elif "具体地点" in said or ("具体位置" in said and "紧急工单" not in said):
                replies = await self.say(rng.choice(ADDRESSES))
            elif "联系电话" in said:
                replies = await self.say(rng.choice(["不用", "13812345678"]))
            elif "叫什么" in said or "哪所" in said or "哪家" in said or "线路" in said:
                replies = await self.say("宏达公司")
            else:
                return

    async def run(self, rows: list[dict[str, Any]], rng: random.Random, until: float) -> None:
        base = self.sender
        while time.monotonic() < until:
            self.stats.conversations += 1
            # A conversation is a session of its own (Rasa starts a new one after 60 idle
            # minutes); one sender for hundreds of them would measure an ever-growing tracker.
            self.sender = f"{base}-{self.stats.conversations}"
            if rng.random() < 0.15:
                await self.say(rng.choice(SMALL_TALK))
            else:
                await self.report(str(rng.choice(rows)["text"]), rng)


def reconcile(database_url: str, stats: Stats) -> tuple[int, int, int]:
    """(tickets missing or extra, tickets without exactly one routing message, total)."""
    engine = make_engine(database_url)  # disposed: a PostgreSQL pool left open leaks sockets
    sessions = make_session_factory(engine)
    mismatched = 0
    try:
        with sessions() as session:
            rows = session.execute(
                select(Citizen.channel, Citizen.channel_user_id, Ticket.number, Ticket.id).join(
                    Ticket, Ticket.citizen_id == Citizen.id
                )
            ).all()
            found: dict[str, set[str]] = {}
            for channel, user, number, _ in rows:
                found.setdefault(f"{channel}:{user}", set()).add(number)
            # A report of a problem already on file is linked to that ticket (issue 18): the
            # citizen is one of its reporters and is told its number.
            linked = session.execute(
                select(Citizen.channel, Citizen.channel_user_id, Ticket.number)
                .join(TicketReporter, TicketReporter.citizen_id == Citizen.id)
                .join(Ticket, Ticket.id == TicketReporter.ticket_id)
                .where(TicketReporter.unlinked_at.is_(None))
            ).all()
            for channel, user, number in linked:
                found.setdefault(f"{channel}:{user}", set()).add(number)
            for sender in set(found) | set(stats.expected):
                got, told = found.get(sender, set()), stats.expected.get(sender, set())
                if got ^ told:
                    print(
                        f"  mismatch {sender}: stored not told {sorted(got - told)}, "
                        f"told not stored {sorted(told - got)}"
                    )
                mismatched += len(got ^ told)
            routing = dict(
                session.execute(
                    select(OutboxMessage.ticket_id, func.count())
                    .where(OutboxMessage.kind.in_(("ticket_dispatched", "ticket_unroutable")))
                    .group_by(OutboxMessage.ticket_id)
                ).all()
            )
            unrouted = sum(1 for *_, ticket_id in rows if routing.get(ticket_id, 0) != 1)
    finally:
        engine.dispose()
    return mismatched, unrouted, len(rows)


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) of each named process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    hz = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for name, root in roots.items():
        family, frontier = {root}, [root]
        while frontier:
            children = [pid for pid, ppid in parents.items() if ppid in frontier]
            frontier = [pid for pid in children if pid not in family]
            family.update(frontier)
        found[name] = sum(ticks.get(pid, 0) for pid in family) / hz
    return found


def stack_processes(stack: Stack | None) -> dict[str, int]:
    """The processes whose CPU the benchmark reports: the Rasa workers and the action server."""
    roots: dict[str, int] = {}
    if stack is not None:
        roots.update({f"rasa-{i}": worker.pid for i, worker in enumerate(stack.rasa)})
        if stack.actions is not None:
            roots["actions"] = stack.actions.pid
    return roots


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(
    urls: list[str], citizens: int, duration: float, seed: int, token: str | None
) -> tuple[Stats, float]:
    rows = corpus()
    stats = Stats()
    limits = httpx.Limits(max_connections=citizens, max_keepalive_connections=citizens)
    headers = chat_headers(token)  # the chat channel answers only with the chat token
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as client:
        started = time.monotonic()
        until = started + duration
        await asyncio.gather(
            *(
                SimulatedCitizen(client, urls, f"bench:{seed}-{i}", stats).run(
                    rows, random.Random(seed * 1000 + i), until
                )
                for i in range(citizens)
            )
        )
        return stats, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=1)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--rasa-workers", type=int, default=1, help="Rasa processes to start")
    parser.add_argument(
        "--rasa-url", action="append", help="use a running stack (repeat for each worker)"
    )
    parser.add_argument("--database-url", help="its database, for the reconciliation")
    args = parser.parse_args()

    stack: Stack | None = None
    urls: list[str] = args.rasa_url or []
    database_url = args.database_url
    token = Settings.from_env().chat_token  # a running stack's: var/secrets.env
    if not urls:
        tmp = Path(tempfile.mkdtemp(prefix="hotline-load-"))
        database_url = f"sqlite:///{tmp / 'hotline.db'}"
        upgrade(make_engine(database_url))
        config = StackConfig.scratch(tmp, database_url, rasa_workers=args.rasa_workers)
        stack = Stack(config)
        print(f"starting the stack in {tmp} …", flush=True)
        stack.start(timeout=300)
        urls = config.rasa_urls
        token = config.chat_token
    roots = stack_processes(stack)
    try:
        cpu_before, own_before = cpu_seconds(roots), time.process_time()
        stats, elapsed = asyncio.run(drive(urls, args.citizens, args.duration, args.seed, token))
        cpu_after, own_after = cpu_seconds(roots), time.process_time()
    finally:
        if stack is not None:
            stack.stop()
    turns = len(stats.latencies)
    ms = [x * 1000 for x in stats.latencies]
    print(
        f"citizens {args.citizens}, Rasa workers {len(urls)}, {elapsed:.0f} s, "
        f"conversations {stats.conversations}"
    )
    print(f"turns {turns}: {turns / elapsed:.1f} turns/s")
    if ms:
        print(
            f"latency ms: p50 {statistics.median(ms):.0f}  p95 {percentile(ms, 0.95):.0f}  "
            f"p99 {percentile(ms, 0.99):.0f}  max {max(ms):.0f}"
        )
    print(
        f"errors {stats.errors} ({stats.errors / max(1, turns + stats.errors):.2%}), "
        f"turns without any answer {stats.empty}"
    )
    if turns:
        used = {name: cpu_after[name] - cpu_before[name] for name in roots}
        used["bench"] = own_after - own_before
        rasa = sum(v for name, v in used.items() if name.startswith("rasa"))
        print(
            f"CPU per turn ms: Rasa {1000 * rasa / turns:.1f}  "
            f"actions {1000 * used.get('actions', 0.0) / turns:.1f}  "
            f"bench {1000 * used['bench'] / turns:.1f}; "
            f"these processes used {sum(used.values()) / elapsed:.2f} of {os.cpu_count()} cores"
        )
    print(
        f"bench max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
        f"children (Rasa, actions) max RSS "
        f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB"
    )
    if database_url:
        mismatched, unrouted, total = reconcile(database_url, stats)
        print(
            f"tickets {total}; lost or duplicated {mismatched}; "
            f"without exactly one routing message {unrouted}"
        )


if __name__ == "__main__":
    main()
