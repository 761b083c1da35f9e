"""Supervisor KPIs on a small known history, asserted exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor
from hotline.entrypoints.report_cli import report_command
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.report_outputs import weekly_report_job
from hotline.services.reports import UNASSIGNED, Kpis, Rate, WorkTime, make_period, report_for
from hotline.storage.models import OutboxMessage

TZ = ZoneInfo("Asia/Shanghai")
CITIZEN = Actor(role="citizen", id="telegram:1001")
CONSOLE_CITIZEN = Actor(role="citizen", id="console:1001")
HOUSING = Actor(role="staff", id="telegram:2001", department="housing")
URBAN = Actor(role="staff", id="telegram:2002", department="urban_management")
DISPATCHER = Actor(role="dispatcher", id="telegram:3001")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local instant in November 2026 (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def open_ticket(service: Services, category: str | None, address: str | None, **kw: str) -> str:
    fields: dict[str, object] = {
        "channel": "telegram",
        "channel_user_id": "1001",
        "description": "测试诉求",
        "category": category,
        "address": address,
    }
    fields.update(kw)
    return service.tickets.open_ticket(NewTicket(**fields)).number  # type: ignore[arg-type]


@dataclass
class History:
    a: str
    b: str
    c: str
    d: str
    e: str
    g: str
    h: str
    i: str
    k: str
    lt: str
    m: str


def build_history(service: Services, clock: ManualClock) -> History:
    """Office hours 09:00–12:00, 13:30–17:30; one working day (7 h) to accept; 咨询 2 working
    days to answer, 求助 10, 投诉 15; urgent tickets 30 min / 24 h in calendar time.

    Previous week: G (咨询, accepted, never answered) and L (咨询, never accepted).
    Week of Mon 23 – Sun 29 November:
      A  housing, accepted 30 min, answered 1 h, satisfied.
      B  housing, accepted late (Tue 11:00), answered, unsatisfied → reopened Tue 14:00,
         accepted 30 min later, answered, basically satisfied.
      C  housing, returned twice (housing, urban management), back to housing, accepted.
      D  urban management (投诉, via console), extended once, answered, never rated.
      E  urban management (投诉, via console), never accepted.
      F  unroutable: received, never dispatched.
      I  housing 咨询, accepted late (Tue 10:30), answered late (Wed 11:00), satisfied.
      M  urban management, answered, unsatisfied → reopened Mon 11:30, not accepted again.
      H  urban management 咨询 (Wed 10:00), accepted, not answered: overdue since Fri 10:00.
      K  urban management, urgent (Sat 12:00), never accepted: overdue since Sun 12:00.
    """
    clock.set(at(16, 10))
    g = open_ticket(service, "old_compound_renovation", "幸福家园1号楼")
    clock.set(at(16, 10, 30))
    service.tickets.accept(g, HOUSING)
    clock.set(at(19, 10))
    lt = open_ticket(service, "old_compound_renovation", "幸福家园2号楼")

    return _this_week(service, clock, g, lt)


def _this_week(service: Services, clock: ManualClock, g: str, lt: str) -> History:
    clock.set(at(23, 10))
    a = open_ticket(service, "compound_facility", "幸福家园3号楼")
    b = open_ticket(service, "compound_facility", "幸福家园5号楼")
    c = open_ticket(service, "compound_facility", "幸福家园7号楼")
    d = open_ticket(service, "street_vendor", "人民路12号", channel="console")
    e = open_ticket(service, "street_vendor", "人民路30号", channel="console")
    open_ticket(service, None, None, description="说不清楚找谁")  # F
    i = open_ticket(service, "old_compound_renovation", "幸福家园9号楼")
    m = open_ticket(service, "street_light", "人民路1号")

    clock.set(at(23, 10, 30))
    for number, staff in ((a, HOUSING), (d, URBAN), (m, URBAN)):
        service.tickets.accept(number, staff)
    service.tickets.return_ticket(c, HOUSING, "不归我们管")
    service.tickets.dispatch(c, "urban_management", DISPATCHER)
    service.tickets.return_ticket(c, URBAN, "也不归我们管")
    service.tickets.dispatch(c, "housing", DISPATCHER, note="确属住建")

    clock.set(at(23, 11))
    service.tickets.accept(c, HOUSING)
    service.tickets.resolve(a, HOUSING, "已修复损坏设施")
    service.tickets.rate(a, CITIZEN, "satisfied")
    service.tickets.resolve(m, URBAN, "已修好路灯")
    service.tickets.request_extension(d, URBAN, 3, "需要协调")
    service.tickets.decide_extension(d, DISPATCHER, approve=True)
    clock.set(at(23, 11, 30))
    service.tickets.rate(m, CITIZEN, "unsatisfied", "灯还是不亮")
    service.tickets.resolve(d, URBAN, "已劝离占道摊贩")

    _tuesday_onwards(service, clock, b, i)
    clock.set(at(25, 10))
    h = open_ticket(service, "street_vendor", "人民路8号", request_type="咨询")
    clock.set(at(25, 10, 30))
    service.tickets.accept(h, URBAN)
    clock.set(at(28, 12))
    k = open_ticket(service, "manhole_cover", "人民路3号", priority="urgent")
    clock.set(at(30, 10))
    return History(a=a, b=b, c=c, d=d, e=e, g=g, h=h, i=i, k=k, lt=lt, m=m)


def _tuesday_onwards(service: Services, clock: ManualClock, b: str, i: str) -> None:
    clock.set(at(24, 10, 30))
    service.tickets.accept(i, HOUSING)
    clock.set(at(24, 11))
    service.tickets.accept(b, HOUSING)
    clock.set(at(24, 14))
    service.tickets.resolve(b, HOUSING, "已安排人员处理完毕")
    service.tickets.rate(b, CITIZEN, "unsatisfied")
    clock.set(at(24, 14, 30))
    service.tickets.accept(b, HOUSING)
    clock.set(at(24, 15))
    service.tickets.resolve(b, HOUSING, "已再次上门处理")
    service.tickets.rate(b, CITIZEN, "basically_satisfied")

    clock.set(at(25, 11))
    service.tickets.resolve(i, HOUSING, "已电话答复市民")
    service.tickets.rate(i, CITIZEN, "satisfied")


def test_week_kpis_exact(service: Services, clock: ManualClock) -> None:
    build_history(service, clock)
    report = report_for(service, "week", date(2026, 11, 29))
    p = report.period
    assert (p.start, p.end, p.now) == (at(23, 0), at(30, 0), at(30, 0))
    t = report.total

    assert t.received == 10
    assert t.dispatched == 9
    assert t.response == Rate(5, 9)  # I late, E and K never, M not yet in its new round
    assert t.response.value == Fraction(5, 9)
    # Every round answered counts (rounds started in the period): A, B's first and second
    # answers, D and M's first answer (before its reopen) on time; I late.
    assert t.on_time_answer == Rate(5, 6)
    assert t.resolution == Rate(3, 4)  # latest ratings: A, B (basically), I good; M not
    assert t.satisfaction == Rate(3, 5)  # all rounds: B and M unsatisfied once
    assert t.ratings_count == 5
    assert t.first_dispatch_accuracy == Rate(8, 9)
    assert t.returns_total == 2
    assert t.bounces == (8, 0, 1, 0)
    assert t.excluded == 0
    assert t.reopen == Rate(2, 9)
    assert t.extension == Rate(1, 9)
    # accept: A, B (new round), D, H 30 min; C 1 h; I 7.5 h. M reopened: not counted.
    assert t.accept_time == WorkTime(count=6, total_seconds=37800, p90_seconds=27000)
    assert t.accept_time.average_seconds == 6300
    assert (t.accept_time.average_hours, t.accept_time.p90_hours) == (1.8, 7.5)
    # answer: A 1 h, B 1 h (new round), D 1.5 h, I 15 h.
    assert t.answer_time == WorkTime(count=4, total_seconds=66600, p90_seconds=54000)
    assert (t.answer_time.average_hours, t.answer_time.p90_hours) == (4.6, 15.0)
    # answer overdue at Mon 30 00:00: K 0.5 d, H 2.6 d, L 6.6 d, G 11.6 d.
    assert t.overdue_bands == (1, 1, 1, 1)
    # acceptance overdue (never accepted past 签收时限): K 1.5 d, M 5.5 d (its new round),
    # E 5.6 d, L 9.6 d.
    assert t.accept_overdue_bands == (0, 1, 2, 1)
    assert (t.answer_overdue, t.accept_overdue) == (4, 4)
    assert t.overdue == 6  # G, H, K, L, E, M: K and L are late on both counts, once each
    assert dict(t.by_request_type) == {"求助": 6, "投诉": 2, "咨询": 2}
    assert dict(t.by_channel) == {"telegram": 8, "console": 2}


def test_week_kpis_per_department(service: Services, clock: ManualClock) -> None:
    build_history(service, clock)
    report = report_for(service, "week", date(2026, 11, 29))
    housing = report.departments["housing"]
    assert housing == Kpis(
        received=4,  # A, B, C, I
        dispatched=4,
        response=Rate(3, 4),
        on_time_answer=Rate(3, 4),  # A, B twice on time; I late
        resolution=Rate(3, 3),
        satisfaction=Rate(3, 4),
        first_dispatch_accuracy=Rate(3, 4),
        returns_total=1,  # C: housing returned it once; urban management's return is theirs
        bounces=(3, 0, 1, 0),
        reopen=Rate(1, 4),
        extension=Rate(0, 4),
        accept_time=WorkTime(4, 34200, 27000),
        answer_time=WorkTime(3, 61200, 54000),
        overdue_bands=(0, 0, 1, 1),
        by_request_type={"求助": 3, "咨询": 1},
        by_channel={"telegram": 4},
        accept_overdue_bands=(0, 0, 0, 1),  # L
        overdue_tickets=2,  # G, L
    )
    urban = report.departments["urban_management"]
    assert urban.received == 5
    assert urban.dispatched == 5
    assert urban.response == Rate(2, 5)
    assert urban.on_time_answer == Rate(2, 2)  # D, and M before its reopen
    assert urban.returns_total == 1  # C, returned by urban management on its second dispatch
    assert urban.resolution == Rate(0, 1)
    assert urban.satisfaction == Rate(0, 1)
    assert urban.first_dispatch_accuracy == Rate(5, 5)
    assert urban.reopen == Rate(1, 5)
    assert urban.extension == Rate(1, 5)
    assert urban.accept_time == WorkTime(2, 3600, 1800)
    assert urban.answer_time == WorkTime(1, 5400, 5400)
    assert urban.overdue_bands == (1, 1, 0, 0)
    assert urban.accept_overdue_bands == (0, 1, 2, 0)  # K; E and M
    assert urban.overdue == 4
    assert dict(urban.by_channel) == {"console": 2, "telegram": 3}
    unassigned = report.departments[UNASSIGNED]
    assert (unassigned.received, unassigned.dispatched) == (1, 0)
    assert unassigned.satisfaction.percent == "—"  # nothing rated: never 0 %
    assert report.top_overdue_departments() == [("urban_management", 4), ("housing", 2)]


def test_week_kpis_per_category_and_hot_topics(service: Services, clock: ManualClock) -> None:
    build_history(service, clock)
    report = report_for(service, "week", date(2026, 11, 29))
    facility = report.categories["compound_facility"]
    assert (facility.dispatched, facility.response, facility.first_dispatch_accuracy) == (
        3,
        Rate(3, 3),
        Rate(2, 3),
    )
    assert facility.satisfaction == Rate(2, 3)
    assert facility.accept_time == WorkTime(3, 7200, 3600)
    vendor = report.categories["street_vendor"]
    assert (vendor.received, vendor.dispatched, vendor.response) == (3, 3, Rate(2, 3))
    assert vendor.overdue_bands == (0, 1, 0, 0)
    renovation = report.categories["old_compound_renovation"]
    assert renovation.on_time_answer == Rate(0, 1)
    assert renovation.overdue_bands == (0, 0, 1, 1)
    assert report.categories["manhole_cover"].overdue_bands == (1, 0, 0, 0)

    assert [(h.code, h.now, h.before) for h in report.hot_categories] == [
        ("compound_facility", 3, 0),
        ("street_vendor", 3, 0),
    ]
    assert report.hot_categories[0].name == "小区内道路设施损坏"
    assert [(h.code, h.now, h.before, h.rise) for h in report.hot_places] == [
        ("人民路", 5, 0, 5),
        ("幸福家园", 4, 2, 2),
    ]
    assert [(d.day.day, d.received, d.dispatched) for d in report.daily] == [
        (23, 8, 6),
        (24, 0, 1),
        (25, 1, 1),
        (26, 0, 0),
        (27, 0, 0),
        (28, 1, 1),
        (29, 0, 0),
    ]


def test_overdue_list_and_bands_follow_now(service: Services, clock: ManualClock) -> None:
    hist = build_history(service, clock)
    report = report_for(service, "week", date(2026, 11, 29))
    listed = [(t.number, t.stage, t.days_overdue) for t in report.overdue_list]
    assert listed == [
        (hist.g, "办结", 11.6),
        (hist.lt, "签收、办结", 9.6),  # from the first limit it missed
        (hist.e, "签收", 5.6),
        (hist.m, "签收", 5.5),
        (hist.h, "办结", 2.6),
        (hist.k, "签收、办结", 1.5),
    ]
    assert report.overdue_list[0].department_name == "住房和城乡建设局"
    # Earlier in the week (the clock's now is before the period's end): fewer are overdue.
    clock.set(at(27, 12))
    mid = report_for(service, "week", date(2026, 11, 29))
    assert mid.period.now == at(27, 12)
    assert mid.total.overdue_bands == (1, 0, 1, 1)  # H 2 h; L 4.1 d; G 9.1 d; K not yet due
    assert mid.total.accept_overdue_bands == (0, 0, 2, 1)  # E 3.1 d, M 3.0 d; L 7.1 d
    # The previous week on its own: only G and L were in it; L had not been accepted.
    prev = report_for(service, "week", date(2026, 11, 22))
    assert (prev.total.dispatched, prev.total.response, prev.total.received) == (2, Rate(1, 2), 2)
    assert prev.total.overdue_bands == (0, 0, 1, 0)  # at Mon 23 00:00 only G (4.6 d)
    assert prev.total.accept_overdue_bands == (0, 1, 0, 0)  # L, 2.6 d


def test_periods() -> None:
    now = at(23, 10)
    week = make_period("week", None, now=now, tz=TZ)
    assert (week.first_day, week.last_day) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.previous_start == at(9, 0)
    today = make_period("today", None, now=now, tz=TZ)
    assert (today.start, today.end, today.now) == (at(23, 0), at(24, 0), now)
    month = make_period("month", date(2026, 11, 30), now=now, tz=TZ)
    assert (month.first_day, month.days, month.now) == (date(2026, 11, 1), 30, now)
    assert month.previous_start == datetime(2026, 10, 2, tzinfo=TZ)
    assert make_period("month", None, now=datetime(2026, 12, 1, 9, tzinfo=TZ), tz=TZ).days == 30


def test_empty_period_has_no_rates(service: Services) -> None:
    report = report_for(service, "today")
    assert report.total.dispatched == 0
    assert report.total.response.value is None
    assert report.total.satisfaction.percent == "—"
    assert report.total.accept_time.average_hours is None


def test_cli_and_weekly_job_write_the_pack(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    hist = build_history(service, clock)
    text = report_command("week", "2026-11-29", None, service=service)
    assert "响应率 55.6%（5/9）" in text
    assert "满意率 60.0%（已评价 5 次" in text

    out = tmp_path / "pack"
    report_command(
        "week",
        "2026-11-29",
        out,
        service=service,
        ticket_url="https://crm.example/tickets/{number}",
    )
    names = {p.name for p in out.iterdir()}
    assert {"summary.md", "report.xlsx", "report.csv"} <= names
    assert len([n for n in names if n.endswith(".png")]) == 3
    wb = load_workbook(out / "report.xlsx")
    sheet = wb["超期清单"]
    assert [sheet.cell(r, 1).value for r in range(2, 8)] == [
        hist.g,
        hist.lt,
        hist.e,
        hist.m,
        hist.h,
        hist.k,
    ]
    assert sheet.cell(2, 1).hyperlink.target == f"https://crm.example/tickets/{hist.g}"
    with (out / "report.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["派单量"] == "9" and rows[0]["超期合计"] == "6"

    # Monday 30 November 10:00: the job reports on 23–29 November, once.
    folder = weekly_report_job(service, tmp_path / "weekly")
    assert folder.name == "2026-W48"
    weekly_report_job(service, tmp_path / "weekly")
    with service.sessions() as session:
        rows_out = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "weekly_report")
        ).all()
        assert len(rows_out) == 1
        msg = rows_out[0]
        assert (msg.audience, msg.address, msg.dedupe_key) == (
            "supervisor",
            "*",
            "weekly_report:2026-W48",
        )
        assert "2026-11-23 至 2026-11-29" in msg.text
        assert len(msg.payload["photos"]) == 3
        assert all(Path(p).is_file() for p in msg.payload["documents"])


def test_an_unaccepted_urgent_gas_ticket_is_overdue(service: Services, clock: ManualClock) -> None:
    # The case: urgent gas at 03:15 on a Saturday, nobody accepts it; at 04:00 it is
    # 15 minutes past its 签收时限 (03:45) and the overdue picture says so.
    clock.set(at(28, 3, 15))
    number = open_ticket(service, "gas_service", "人民路5号", priority="urgent")
    clock.set(at(28, 4))
    report = report_for(service, "today", date(2026, 11, 28))
    t = report.total
    assert (t.accept_overdue_bands, t.overdue_bands, t.overdue) == ((1, 0, 0, 0), (0, 0, 0, 0), 1)
    assert t.response == Rate(0, 1)
    assert [(o.number, o.stage, o.days_overdue) for o in report.overdue_list] == [
        (number, "签收", 0.0)
    ]
    utilities = report.departments["utilities"]
    assert (utilities.accept_overdue, utilities.answer_overdue) == (1, 0)


def test_telegram_pack_links_ticket_numbers_like_the_cli(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    """HOTLINE_TICKET_URL reaches the pack a supervisor asks for in Telegram, not only the CLI."""
    from bot.report_command import build_pack

    hist = build_history(service, clock)
    _, files = build_pack(
        service, "week", tmp_path, ticket_url="https://crm.example/tickets/{number}"
    )
    assert files is not None
    sheet = load_workbook(files.xlsx)["超期清单"]
    numbers = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert hist.g in numbers
    row = numbers.index(hist.g) + 2
    assert sheet.cell(row, 1).hyperlink.target == f"https://crm.example/tickets/{hist.g}"
