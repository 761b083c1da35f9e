"""Feed a mixed stream of reports through intake and print how well duplicates are linked.

The stream: bursts (one problem at one place, many callers in a few minutes, each in their
own words and address spelling) mixed with unrelated reports at nearby places (same roads,
other house numbers; same place, another problem). Ground truth is (problem, road, number).
Prints recall (duplicates linked to their problem's ticket), precision (links that are right)
and the false-link rate, with the rules of data/duplicates.yml. Goal: recall >= 0.95, false
links <= 0.02.

    PYTHONPATH=$PWD .venv/bin/python bench/duplicates_bench.py [--seed 7] [--bursts 60]
        [--phrases tuned|holdout|voices-tune|voices-check]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import duplicate_voices
from hotline.bootstrap import load_policies
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade

TZ = ZoneInfo("Asia/Shanghai")

# problem -> (category, ways citizens put it); two problems may share a category.
PROBLEMS: dict[str, tuple[str, list[str]]] = {
    "water_cut": (
        "water_supply",
        [
            "停水了，什么时候来水",
            "我家没水了",
            "断水一上午了",
            "从早上就不来水了，麻烦处理",
            "停水了，家里一点水都没有",
            "怎么又停水了",
            "水停了，能不能赶紧处理",
            "没有水用了，停水多久",
            "家里没水，做不了饭",
            "停水了，请尽快恢复供水",
            "我们楼停水了",
            "整栋楼都没水了",
        ],
    ),
    "low_pressure": (
        "water_supply",
        ["水压太低", "水龙头只滴水，水压上不去", "水压很小洗不了澡", "楼上水压低用不了热水器"],
    ),
    "outage": (
        "power_outage",
        ["停电了", "家里没电了", "整栋楼断电", "没电了什么时候来电", "又停电了，冰箱都化了"],
    ),
    "light": (
        "street_light",
        ["路灯不亮", "路灯坏了好几天", "晚上路灯黑了一片", "路灯灭了，走路看不见", "灯不亮"],
    ),
    "pothole": (
        "road_damage",
        ["路面有个大坑", "马路上坑洼很多", "路面塌陷了一个坑", "路上有个坑差点摔倒"],
    ),
    "fumes": (
        "restaurant_fumes",
        ["楼下饭店油烟呛人", "餐馆油烟太大", "油烟熏得没法开窗", "饭店排油烟扰民"],
    ),
    "elevator": (
        "elevator_fault",
        ["电梯坏了", "电梯又停运了", "电梯故障爬楼梯", "电梯门关不上"],
    ),
}
# Other callers' words for the same problems, written after the rules were set (never used
# to tune data/duplicates.yml): `--phrases holdout`.
HOLDOUT: dict[str, list[str]] = {
    "water_cut": [
        "自来水一直没来，家里用不了水",
        "今天全天停水也没贴通知",
        "楼里断水了，马桶都冲不了",
        "水龙头拧开一点水都不出",
        "我们这片是不是停水了",
        "没水洗漱，停水到底要多久",
    ],
    "low_pressure": ["水压特别低，五楼以上用不上水", "水流很小，热水器打不着火", "水压不够"],
    "outage": ["家里突然停电了", "整个小区都没电", "断电好几个小时了，什么时候恢复供电"],
    "light": ["路灯晚上不亮", "这一段的路灯全黑了", "路灯一直不亮，晚上很危险"],
    "pothole": ["路面塌了个坑", "马路中间有个深坑", "路上坑坑洼洼的，车开过去很颠"],
    "fumes": ["楼下餐馆排的油烟太呛了", "烧烤店油烟熏人", "饭店油烟直排到居民楼"],
    "elevator": ["电梯停了好几天没人修", "电梯经常坏", "电梯运行有异响还突然停"],
}
ROADS = ["幸福路", "人民路", "解放路", "建设路", "和平路", "阳光花园", "滨江新村", "朝阳路"]


@dataclass(frozen=True)
class Item:
    """One report in the stream and the problem it really is."""

    at: datetime
    truth: tuple[str, str, int]
    text: str
    category: str
    address: str


def _address(rng: random.Random, road: str, number: int) -> str:
    spelled = f"{road}{number}号"
    choice = rng.random()
    if choice < 0.2:
        return "朝阳区" + spelled
    if choice < 0.35:
        return f"{spelled}{rng.randint(1, 4)}单元"
    return spelled


def stream(
    seed: int, bursts: int, singles: int, start: datetime, phrases: str = "tuned"
) -> list[Item]:
    """Bursts of one problem plus unrelated reports at nearby places, in time order."""
    rng = random.Random(seed)
    words = {p: (c, HOLDOUT[p] if phrases == "holdout" else t) for p, (c, t) in PROBLEMS.items()}
    items: list[Item] = []
    span = timedelta(hours=8)
    for _ in range(bursts):
        problem = rng.choice(list(PROBLEMS))
        category, texts = words[problem]
        road, number = rng.choice(ROADS), rng.randint(1, 40)
        begin = start + span * rng.random()
        for _ in range(rng.randint(2, 15)):
            at = begin + timedelta(seconds=rng.randint(0, 600))
            items.append(Item(at, (problem, road, number), rng.choice(texts), category, ""))
    for _ in range(singles):
        problem = rng.choice(list(PROBLEMS))
        category, texts = words[problem]
        road, number = rng.choice(ROADS), rng.randint(1, 40)
        items.append(
            Item(
                start + span * rng.random(),
                (problem, road, number),
                rng.choice(texts),
                category,
                "",
            )
        )
    items.sort(key=lambda i: i.at)
    return [
        Item(i.at, i.truth, i.text, i.category, _address(rng, i.truth[1], i.truth[2]))
        for i in items
    ]


@dataclass
class Tally:
    """What the linking did with the stream."""

    tickets: int = 0
    duplicates: int = 0
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    seconds: float = 0.0


def feed(service: Services, clock: ManualClock, items: list[Item], show: bool) -> Tally:
    """Open every report in time order and score each link against the ground truth."""
    tally = Tally()
    problem_of: dict[str, tuple[str, str, int]] = {}
    text_of: dict[str, str] = {}
    seen: set[tuple[str, str, int]] = set()
    began = time.perf_counter()
    for n, item in enumerate(items):
        clock.set(item.at)
        view = service.tickets.open_ticket(
            NewTicket(
                channel="rest",
                channel_user_id=f"caller-{n}",
                description=item.text,
                category=item.category,
                address=item.address,
            )
        )
        is_duplicate = item.truth in seen
        seen.add(item.truth)
        tally.duplicates += is_duplicate
        if view.linked and problem_of.get(view.number) == item.truth:
            tally.correct += 1
        elif view.linked:
            tally.wrong += 1
            if show:
                print(f"wrong: {item.text} @ {item.address} -> {text_of[view.number]}")
        else:
            problem_of[view.number] = item.truth
            text_of[view.number] = f"{item.text} @ {item.address}"
            tally.missed += is_duplicate
            if is_duplicate and show:
                print(f"missed: {item.text} @ {item.address} ({item.truth})")
    tally.seconds = time.perf_counter() - began
    tally.tickets = len(problem_of)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bursts", type=int, default=60)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--show", action="store_true", help="print every wrong link and miss")
    parser.add_argument(
        "--phrases",
        choices=["tuned", "holdout", "voices-tune", "voices-check", "typos-tune", "typos-check"],
        default="tuned",
        help="which callers' words (voices-*: bench/duplicate_voices.yml, other voices and "
        "address spellings; typos-*: bench/duplicate_typos.yml, homophone typos; each "
        "check half is measured once, never tuned on)",
    )
    args = parser.parse_args()
    settings = Settings.from_env({})
    catalogue, sla = load_policies(settings)
    rules = load_duplicate_rules(settings.data_dir / "duplicates.yml", set(catalogue.categories))
    start = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    if args.phrases.startswith(("voices-", "typos-")):
        words, half = args.phrases.split("-")
        items = [
            Item(r.at, r.truth, r.text, r.category, r.address)
            for r in duplicate_voices.stream(
                args.seed, args.bursts, args.singles, start, half, words
            )
        ]
    else:
        items = stream(args.seed, args.bursts, args.singles, start, args.phrases)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        clock = ManualClock(start)
        sessions = make_session_factory(engine)
        service = Services(sessions, catalogue, sla, clock, TZ, duplicates=rules)
        service.tickets.sync_catalogue()
        t = feed(service, clock, items, args.show)
        engine.dispose()
    links = t.correct + t.wrong
    problems = len({i.truth for i in items})
    print(f"phrases: {args.phrases}  seed: {args.seed}")
    print(f"reports: {len(items)}  problems: {problems}  duplicates: {t.duplicates}")
    print(f"tickets opened: {t.tickets}  links: {links} (right {t.correct}, wrong {t.wrong})")
    print(f"recall    (duplicates linked to their ticket): {t.correct / max(t.duplicates, 1):.3f}")
    print(f"precision (links that are right):              {t.correct / max(links, 1):.3f}")
    print(f"false links (wrong links / links):             {t.wrong / max(links, 1):.3f}")
    print(f"missed duplicates (opened a second ticket):    {t.missed}")
    print(f"intake: {len(items) / t.seconds:,.0f} reports/s on SQLite (one process)")


if __name__ == "__main__":
    main()
