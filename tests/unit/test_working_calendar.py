"""Deadlines on the Chinese working calendar, checked against dates worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.calendar import WorkingCalendar
from hotline.sla import SlaPolicy, load_calendar
from hotline.yamlconf import ConfigError

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 11, 24), at(2026, 11, 25)),  # Tue 10:00 -> Wed 10:00
        (at(2026, 11, 27, 16), at(2026, 11, 30, 16)),  # Fri 16:00 -> Mon 16:00 (weekend)
        (at(2026, 11, 23, 9), at(2026, 11, 23, 17, 30)),  # opening: the same day's close
        (at(2026, 11, 23, 12), at(2026, 11, 24, 12)),  # lunch: counting starts 13:30,
        (at(2026, 11, 23, 12, 59), at(2026, 11, 24, 12)),  # so it ends at Tuesday's noon
        (at(2026, 11, 23, 17, 30), at(2026, 11, 24, 17, 30)),  # at closing: tomorrow's close
        (at(2026, 11, 23, 20), at(2026, 11, 24, 17, 30)),  # evening: from next opening
        (at(2026, 11, 28, 20), at(2026, 11, 30, 17, 30)),  # Saturday night -> Monday close
        # Spring Festival 2026: 15–23 Feb off, Saturday 14 Feb is a make-up working day.
        (at(2026, 2, 13), at(2026, 2, 14)),  # Fri -> the 调休 Saturday
        (at(2026, 2, 14, 16), at(2026, 2, 24, 16)),  # over the whole holiday
        # National Day 2026: 1–7 Oct off, Saturday 10 Oct works.
        (at(2026, 9, 30), at(2026, 10, 8)),
        (at(2026, 10, 9, 11), at(2026, 10, 10, 11)),  # Fri -> the 调休 Saturday
        (at(2026, 10, 10, 11), at(2026, 10, 12, 11)),  # Sunday 11 Oct is off
    ],
)
def test_one_working_day(cal: WorkingCalendar, start: datetime, expected: datetime) -> None:
    result = cal.add_working_days(start, 1)
    assert result.at == expected
    assert not result.provisional


def test_working_time_between(cal: WorkingCalendar) -> None:
    assert cal.working_time_between(at(2026, 11, 27, 16), at(2026, 11, 30, 10)) == timedelta(
        hours=2, minutes=30
    )
    assert cal.working_time_between(at(2026, 10, 1), at(2026, 10, 7, 18)) == timedelta(0)
    assert cal.working_time_between(at(2026, 11, 24), at(2026, 11, 23)) == timedelta(0)
    assert cal.is_working_time(at(2026, 10, 10, 9, 30))  # a make-up Saturday
    assert not cal.is_working_time(at(2026, 11, 23, 12, 30))  # lunch


def test_naive_datetimes_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 11, 23, 10), 1)


def test_unknown_year_is_weekdays_only_and_provisional(cal: WorkingCalendar) -> None:
    result = cal.add_working_days(at(2026, 12, 31), 1)  # Thu -> Fri 1 Jan 2027
    assert result.at == at(2027, 1, 1) and result.provisional
    assert cal.missing_coverage(at(2026, 11, 23).date()) == [2027]
    assert cal.missing_coverage(at(2026, 6, 1).date()) == []


def test_calendar_file_adds_a_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(
        "years:\n  2027:\n    holidays: ['2027-01-01']\n    workdays: ['2027-01-09']\n",
        encoding="utf-8",
    )
    cal = load_calendar(path)
    result = cal.add_working_days(at(2026, 12, 31), 1)
    assert result.at == at(2027, 1, 4) and not result.provisional  # New Year's Day skipped
    assert cal.is_working_day(at(2027, 1, 9).date())  # a configured make-up Saturday
    assert cal.missing_coverage(at(2026, 11, 23).date()) == []


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("years:\n  2027:\n    holidays: ['2027-02-30']\n", 3, "holidays"),
        ("office_hours:\n  - ['09:00', '12:00']\n  - ['nine', '17:00']\n", 3, "office_hours"),
        ("timezone: Mars/Base\n", 1, "time zone"),
        ("years:\n  2027:\n    holidays: ['2026-12-31']\n", 2, "not in 2027"),
        ("office_hours:\n  - ['13:00', '12:00']\n", 1, "office_hours"),
    ],
)
def test_bad_calendar_files_name_the_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_calendar(path)
    assert f"{path}:{line}:" in str(err.value) and fragment in str(err.value)


@pytest.fixture(scope="module")
def sla() -> SlaPolicy:
    return SlaPolicy.load(ROOT / "data/sla.yml", ROOT / "data/calendar.yml")


def test_answer_limits_by_request_type_over_national_day(sla: SlaPolicy) -> None:
    # 投诉, 15 working days from Wed 30 Sep 10:00: 6 h that day, then 1–7 Oct off; 8, 9,
    # 10 (调休 Saturday), 12–16, 19–23 and 26 Oct are 14 full days; the last hour ends
    # on Tue 27 Oct at 10:00.
    due = sla.answer_deadline(
        at(2026, 9, 30), request_type="投诉", priority="normal", category=None
    )
    assert due.at == at(2026, 10, 27) and not due.provisional and not due.calendar_time
    # 咨询, 2 working days: 6 h on 30 Sep, 7 h on 8 Oct, 1 h on 9 Oct.
    assert sla.answer_deadline(
        at(2026, 9, 30), request_type="咨询", priority="normal", category=None
    ).at == at(2026, 10, 9)
    assert sla.answer_deadline(
        at(2026, 11, 23), request_type="求助", priority="normal", category=None
    ).at == at(2026, 12, 7)


def test_acceptance_within_one_working_day_with_a_75_percent_warning(sla: SlaPolicy) -> None:
    due = sla.accept_deadline(at(2026, 11, 23, 9), priority="normal", category=None)
    assert due.at == at(2026, 11, 23, 17, 30)
    assert due.warn_at == at(2026, 11, 23, 15, 45)  # 5 h 15 min of 7 h


def test_urgent_limits_run_through_holidays(sla: SlaPolicy) -> None:
    accept = sla.accept_deadline(at(2026, 10, 1, 23, 50), priority="urgent", category=None)
    assert accept.at == at(2026, 10, 2, 0, 20) and accept.calendar_time
    answer = sla.answer_deadline(
        at(2026, 10, 1, 23, 50), request_type="求助", priority="urgent", category="gas_service"
    )
    assert answer.at == at(2026, 10, 2, 23, 50)
    assert answer.warn_at == at(2026, 10, 2, 17, 50)


def test_utilities_answer_within_24_hours(sla: SlaPolicy) -> None:
    due = sla.answer_deadline(
        at(2026, 11, 27, 18), request_type="求助", priority="normal", category="water_supply"
    )
    assert due.at == at(2026, 11, 28, 18) and due.calendar_time
    assert sla.is_calendar_time("heating", "normal")
    assert not sla.is_calendar_time("street_light", "normal")


def test_extension_moves_by_working_days_within_the_cap(sla: SlaPolicy) -> None:
    due = sla.answer_deadline(
        at(2026, 11, 23), request_type="求助", priority="normal", category=None
    )
    extended = sla.extend(due, 5)
    assert extended.at == at(2026, 12, 14)
    assert due.at < extended.warn_at < extended.at
    with pytest.raises(ValueError):
        sla.extend(due, 11)
    assert sla.max_extensions == 1 and sla.max_extension_days == 10


def test_waiting_on_the_citizen_pauses_the_clock(sla: SlaPolicy) -> None:
    due = sla.answer_deadline(
        at(2026, 11, 23), request_type="求助", priority="normal", category=None
    )
    paused = sla.pause(due, at(2026, 11, 24), at(2026, 11, 26))  # two working days waiting
    assert paused.at == at(2026, 12, 9)


def test_escalation_one_and_five_working_days_late(sla: SlaPolicy) -> None:
    due = sla.answer_deadline(
        at(2026, 11, 23), request_type="求助", priority="normal", category=None
    )
    assert sla.escalation_times(due) == [at(2026, 12, 8), at(2026, 12, 14)]


def test_deadlines_into_2027_are_provisional(sla: SlaPolicy) -> None:
    due = sla.answer_deadline(
        at(2026, 12, 28), request_type="投诉", priority="normal", category=None
    )
    assert due.provisional


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15}\n", 1, "举报"),
        (
            "answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15, 举报: 15}\n"
            "warning_fraction: 1.5\n",
            2,
            "warning_fraction",
        ),
        (
            "answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15, 举报: 15}\n"
            "category_overrides:\n  no_such_category: {answer_hours: 24}\n",
            3,
            "unknown category",
        ),
        (
            "answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15, 举报: 15}\n"
            "surprise: 1\n",
            2,
            "surprise",
        ),
    ],
)
def test_bad_sla_files_name_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "sla.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        SlaPolicy.load(path, ROOT / "data/calendar.yml", known_categories={"street_light"})
    assert f"{path}:{line}:" in str(err.value) and fragment in str(err.value)
