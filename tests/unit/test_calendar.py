"""The working calendar against dates worked out by hand from the State Council's schedules.

2026 as chinese-calendar 1.11.0 has it (checked against the package, not assumed):
Spring Festival 15–23 Feb off, make-up Saturdays 14 and 28 Feb; Mid-Autumn Fri 25 Sep off;
National Day 1–7 Oct off, make-up Sunday 20 Sep and Saturday 10 Oct. Office hours are
09:00–12:00 and 13:30–17:30, so one working day is 7 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.calendar import WorkingCalendar, YearOverride, load_calendar
from hotline.domain.yamlconf import ConfigError

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)  # a Monday


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


CAL = WorkingCalendar()


def test_the_package_agrees_with_the_dates_these_tests_assume() -> None:
    days = [date(2026, 2, d) for d in range(14, 25)] + [date(2026, 2, 28), date(2026, 3, 1)]
    assert [CAL.is_working_day(d) for d in days] == [
        True,  # Sat 14 Feb: 调休
        *[False] * 9,  # 15–23 Feb: Spring Festival
        True,  # Tue 24 Feb
        True,  # Sat 28 Feb: 调休
        False,  # Sun 1 Mar
    ]
    assert CAL.is_working_day(date(2026, 9, 20))  # Sunday, 调休 for National Day
    assert not CAL.is_working_day(date(2026, 9, 25))  # Mid-Autumn Festival
    assert not any(CAL.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday, 调休
    assert not CAL.is_working_day(date(2026, 10, 11))


def test_one_working_day_is_seven_hours_of_office_time() -> None:
    assert CAL.day_length == timedelta(hours=7)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 11, 24), at(2026, 11, 25)),  # Tue 10:00 -> Wed 10:00
        (at(2026, 11, 27, 16), at(2026, 11, 30, 16)),  # Fri 16:00 -> Mon 16:00
        (at(2026, 11, 28, 20), at(2026, 11, 30, 17, 30)),  # Sat night: from Monday's opening
        (at(2026, 11, 29, 11), at(2026, 11, 30, 17, 30)),  # Sunday morning: the same
    ],
)
def test_one_working_day_over_a_weekend(start: datetime, expected: datetime) -> None:
    result = CAL.add_working_days(start, 1)
    assert result.at == expected and not result.provisional


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 11, 23, 8), at(2026, 11, 23, 17, 30)),  # before opening: counts from 09:00
        (at(2026, 11, 23, 9), at(2026, 11, 23, 17, 30)),  # at opening: the same day's close
        (at(2026, 11, 23, 11, 59), at(2026, 11, 24, 11, 59)),  # mid-morning: same time
        (at(2026, 11, 23, 12), at(2026, 11, 24, 12)),  # at noon: 4 h from 13:30 + 3 h
        (at(2026, 11, 23, 12, 59), at(2026, 11, 24, 12)),  # lunch: likewise
        (at(2026, 11, 23, 13, 30), at(2026, 11, 24, 12)),  # noon and 13:30 are one instant
        (at(2026, 11, 23, 17, 29), at(2026, 11, 24, 17, 29)),
        (at(2026, 11, 23, 17, 30), at(2026, 11, 24, 17, 30)),  # at closing: tomorrow's close
        (at(2026, 11, 23, 20), at(2026, 11, 24, 17, 30)),  # evening: from next opening
    ],
)
def test_office_hours_edges(start: datetime, expected: datetime) -> None:
    assert CAL.add_working_days(start, 1).at == expected


def test_a_result_on_a_closing_time_stays_there() -> None:
    assert CAL.add_working_time(at(2026, 11, 23, 11, 59), timedelta(minutes=1)).at == at(
        2026, 11, 23, 12
    )
    assert CAL.add_working_time(at(2026, 11, 23, 12), timedelta(minutes=1)).at == at(
        2026, 11, 23, 13, 31
    )


def test_adding_nothing_returns_the_start_even_outside_office_hours() -> None:
    saturday_night = at(2026, 11, 28, 20)
    assert CAL.add_working_time(saturday_night, timedelta(0)).at == saturday_night
    assert CAL.add_working_days(saturday_night, 0).at == saturday_night


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 2, 13), 1, at(2026, 2, 14)),  # Fri -> the 调休 Saturday 14 Feb
        (at(2026, 2, 14, 16), 1, at(2026, 2, 24, 16)),  # over the whole holiday
        # 14 h from Sat 14 Feb 10:00: 6 h that day, 7 h on 24 Feb, 1 h on 25 Feb.
        (at(2026, 2, 14), 2, at(2026, 2, 25)),
        (at(2026, 2, 15, 9), 1, at(2026, 2, 24, 17, 30)),  # dispatched during the holiday
        (at(2026, 2, 27), 1, at(2026, 2, 28)),  # Fri -> the 调休 Saturday 28 Feb
        (at(2026, 2, 28), 1, at(2026, 3, 2)),  # Sunday 1 Mar is off
    ],
)
def test_spring_festival_2026(start: datetime, days: int, expected: datetime) -> None:
    result = CAL.add_working_days(start, days)
    assert result.at == expected and not result.provisional


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 9, 18), 1, at(2026, 9, 20)),  # Fri -> the 调休 Sunday 20 Sep
        (at(2026, 9, 24), 1, at(2026, 9, 28)),  # Mid-Autumn Friday and the weekend off
        (at(2026, 9, 30), 1, at(2026, 10, 8)),  # Wed before National Day -> Thu 8 Oct
        (at(2026, 10, 9, 11), 1, at(2026, 10, 10, 11)),  # Fri -> the 调休 Saturday
        (at(2026, 10, 10, 11), 1, at(2026, 10, 12, 11)),  # Sunday 11 Oct is off
        # 21 h from 30 Sep 10:00: 6 h, then 7 h each on 8, 9 Oct, and 1 h on Sat 10 Oct.
        (at(2026, 9, 30), 3, at(2026, 10, 10)),
    ],
)
def test_national_day_2026(start: datetime, days: int, expected: datetime) -> None:
    result = CAL.add_working_days(start, days)
    assert result.at == expected and not result.provisional


def test_working_time_between() -> None:
    # Fri 16:00–17:30 and Mon 09:00–10:00.
    assert CAL.working_time_between(at(2026, 11, 27, 16), at(2026, 11, 30, 10)) == timedelta(
        hours=2, minutes=30
    )
    # Fri 13 Feb and the 调休 Saturday 14 Feb are whole days; 15–23 Feb count nothing.
    assert CAL.working_time_between(at(2026, 2, 13, 9), at(2026, 2, 24, 9)) == timedelta(hours=14)
    assert CAL.working_time_between(at(2026, 10, 1), at(2026, 10, 7, 18)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 11, 23, 11), at(2026, 11, 23, 14)) == timedelta(
        hours=1, minutes=30
    )
    assert CAL.working_time_between(at(2026, 11, 24), at(2026, 11, 23)) == timedelta(0)


def test_is_working_time() -> None:
    inside = [at(2026, 11, 23, 9), at(2026, 11, 23, 11, 59), at(2026, 11, 23, 13, 30)]
    outside = [at(2026, 11, 23, 8, 59), at(2026, 11, 23, 12), at(2026, 11, 23, 12, 59)]
    outside += [at(2026, 11, 23, 17, 30), at(2026, 11, 28), at(2026, 10, 2)]
    assert all(CAL.is_working_time(t) for t in inside)
    assert not any(CAL.is_working_time(t) for t in outside)
    assert CAL.is_working_time(at(2026, 10, 10, 9, 30))  # a make-up Saturday


def test_any_zone_in_the_calendar_zone_out() -> None:
    start = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    result = CAL.add_working_days(start, 1)
    assert result.at == at(2026, 11, 25) and result.at.utcoffset() == timedelta(hours=8)
    assert result.at.tzinfo == TZ


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_days(datetime(2026, 11, 23, 10), 1),
        lambda: CAL.add_working_time(datetime(2026, 11, 23, 10), timedelta(hours=1)),
        lambda: CAL.working_time_between(datetime(2026, 11, 23, 10), at(2026, 11, 24)),
        lambda: CAL.is_working_time(datetime(2026, 11, 23, 10)),
        lambda: CAL.add_working_time(at(2026, 11, 23), timedelta(hours=-1)),
    ],
)
def test_naive_datetimes_and_negative_durations_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


def test_unknown_year_uses_weekends_only_and_is_provisional() -> None:
    assert not CAL.is_known(date(2027, 1, 1))
    assert 2026 in CAL.known_years and 2027 not in CAL.known_years
    # New Year's Day 2027 is surely a holiday, but without data Friday 1 Jan is a workday.
    result = CAL.add_working_days(at(2026, 12, 31), 1)
    assert result.at == at(2027, 1, 1) and result.provisional
    assert CAL.add_working_days(at(2027, 1, 1), 1).at == at(2027, 1, 4)  # weekend skipped
    # Ending on the last closing time of 2026 never looks at 2027.
    assert not CAL.add_working_days(at(2026, 12, 31, 9), 1).provisional


def test_missing_coverage_warns_about_2027_from_today() -> None:
    assert CAL.missing_coverage(TODAY) == [2027]  # 60 days reach 22 Jan 2027
    assert CAL.missing_coverage(TODAY, days=30) == []  # 23 Dec 2026
    assert CAL.missing_coverage(date(2026, 6, 1)) == []
    assert CAL.missing_coverage(date(2027, 12, 1), days=400) == [2027, 2028, 2029]


def test_the_shipped_calendar_file_leaves_2027_unknown() -> None:
    cal = WorkingCalendar.from_file(ROOT / "data/calendar.yml")
    assert cal.tz == TZ and cal.day_length == timedelta(hours=7)
    assert cal.missing_coverage(TODAY) == [2027]


def test_calendar_file_adds_a_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(
        "years:\n"
        "  2027:\n"
        "    holidays: [2027-01-01, '2027-02-06..2027-02-12']\n"
        "    workdays: ['2027-01-09']\n",
        encoding="utf-8",
    )
    cal = WorkingCalendar.from_file(path)
    result = cal.add_working_days(at(2026, 12, 31), 1)
    assert result.at == at(2027, 1, 4) and not result.provisional  # New Year's Day skipped
    assert cal.is_working_day(date(2027, 1, 9))  # a configured make-up Saturday
    assert not cal.is_working_day(date(2027, 2, 8))  # inside the configured range
    assert cal.is_working_day(date(2027, 2, 15))  # not listed: Monday–Friday
    assert cal.missing_coverage(TODAY) == []


def test_an_override_corrects_a_published_year() -> None:
    cal = WorkingCalendar(
        overrides={
            2026: YearOverride(
                holidays=frozenset({date(2026, 11, 24)}),
                workdays=frozenset({date(2026, 11, 28)}),
            )
        }
    )
    assert cal.add_working_days(at(2026, 11, 23), 1).at == at(2026, 11, 25)
    assert cal.add_working_days(at(2026, 11, 27), 1).at == at(2026, 11, 28)
    assert cal.is_working_day(date(2026, 10, 10))  # unlisted days still follow the package


def test_custom_office_hours_and_zone(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(
        "timezone: Asia/Urumqi\noffice_hours:\n  - ['9:30', '13:30']\n  - ['15:30', '19:30']\n",
        encoding="utf-8",
    )
    cal = load_calendar(path)
    assert cal.office_hours == ((time(9, 30), time(13, 30)), (time(15, 30), time(19, 30)))
    assert cal.day_length == timedelta(hours=8)
    start = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert cal.add_working_days(start, 1).at == start + timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("years:\n  2027:\n    holidays:\n      - 2027-01-01\n      - '2027-02-30'\n", 5, "holid"),
        ("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-02-30]\n", 4, "day"),
        ("years:\n  2027:\n    holidays: ['2026-12-31']\n", 3, "not in 2027"),
        ("years:\n  2027:\n    holidays: ['2027-02-12..2027-02-06']\n", 3, "ends before"),
        (
            "years:\n  2027:\n    holidays: ['2027-01-01']\n    workdays: ['2027-01-01']\n",
            2,
            "both",
        ),
        ("years:\n  2027:\n    weekends: []\n", 3, "Extra inputs"),
        ("yeras: {}\n", 1, "yeras"),
        ("office_hours:\n  - ['09:00', '12:00']\n  - ['nine', '17:00']\n", 3, "09:00"),
        ("office_hours:\n  - ['09:00', '12:00']\n  - ['13:30', 17:30]\n", 3, "quotes"),
        ("office_hours:\n  - ['13:00', '12:00']\n", 1, "office_hours"),
        ("office_hours: []\n", 1, "empty"),
        ("# a comment\ntimezone: Mars/Base\n", 2, "time zone"),
        ("years:\n  2027:\n   holidays: [\n", 4, "invalid YAML"),
    ],
)
def test_bad_calendar_files_name_the_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        WorkingCalendar.from_file(path)
    assert f"{path}:{line}:" in str(err.value) and fragment in str(err.value)


# ------------------------------------------------------------- properties

_starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(TZ)
).map(lambda d: d.replace(second=0, microsecond=0))
_minutes = st.integers(min_value=0, max_value=60 * 7 * 20)


@settings(max_examples=200, deadline=None)
@given(start=_starts, x=_minutes, y=_minutes)
def test_adding_time_is_additive_and_measurable(start: datetime, x: int, y: int) -> None:
    first = CAL.add_working_time(start, timedelta(minutes=x)).at
    both = CAL.add_working_time(start, timedelta(minutes=x + y)).at
    assert CAL.add_working_time(first, timedelta(minutes=y)).at == both
    assert CAL.working_time_between(start, both) == timedelta(minutes=x + y)


@settings(max_examples=40, deadline=None)
@given(start=_starts, minutes=st.integers(min_value=1, max_value=60 * 7 * 3))
def test_agrees_with_counting_minute_by_minute(start: datetime, minutes: int) -> None:
    cursor, left = start, minutes
    while left:
        if CAL.is_working_time(cursor):
            left -= 1
        cursor += timedelta(minutes=1)
    assert CAL.add_working_time(start, timedelta(minutes=minutes)).at == cursor
