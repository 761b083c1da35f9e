"""SLA deadlines from the shipped data/sla.yml, checked against limits worked out by hand.

One working day is 7 h of office time (09:00–12:00, 13:30–17:30). 2026 holidays as in
chinese-calendar 1.11.0: Spring Festival 15–23 Feb off with make-up Saturdays 14 and 28 Feb;
National Day 1–7 Oct off with make-up Sunday 20 Sep and Saturday 10 Oct.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from hotline.domain.catalogue import RequestType
from hotline.domain.sla import Deadline, Priority, SlaPolicy
from hotline.domain.yamlconf import ConfigError

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]
CALENDAR = ROOT / "data/calendar.yml"
TYPES = "answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15, 举报: 15}\n"


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=TZ)


def catalogue_codes() -> set[str]:
    data = yaml.safe_load((ROOT / "data/catalogue.yml").read_text(encoding="utf-8"))
    return {c["code"] for c in data["categories"]}


SLA = SlaPolicy.load(ROOT / "data/sla.yml", CALENDAR, known_categories=catalogue_codes())


def policy(tmp_path: Path, text: str, calendar: str | None = None) -> SlaPolicy:
    sla_path = tmp_path / "sla.yml"
    sla_path.write_text(text, encoding="utf-8")
    cal_path = CALENDAR
    if calendar is not None:
        cal_path = tmp_path / "calendar.yml"
        cal_path.write_text(calendar, encoding="utf-8")
    return SlaPolicy.load(sla_path, cal_path)


# ------------------------------------------------------------------ answer


def test_complaint_dispatched_before_national_day() -> None:
    # What `hotline sla due --type 投诉 --priority normal --stage answer
    # --start 2026-09-30T10:00` prints. 投诉 = 15 working days = 105 h of office time.
    # Wed 30 Sep 10:00–17:30 gives 6 h (99 left); 1–7 Oct are off; Thu 8, Fri 9 and the 调休
    # Saturday 10 Oct give 21 h (78 left); Sun 11 off; 12–16 Oct 35 h (43); 19–23 Oct 35 h (8);
    # Mon 26 Oct 7 h (1); the last hour ends on Tue 27 Oct at 10:00.
    due = SLA.answer_deadline(
        at(2026, 9, 30), request_type="投诉", priority="normal", category=None
    )
    assert due.at == at(2026, 10, 27) and due.at.isoformat() == "2026-10-27T10:00:00+08:00"
    assert not due.provisional and not due.calendar_time
    # 黄灯 at 75 % = 78.75 h: 6 h on 30 Sep, 21 h on 8–10 Oct, 35 h on 12–16 Oct, 14 h on 19
    # and 20 Oct (76.75 h so far); 2.75 h on Wed 21 Oct: 09:00–11:45.
    assert due.warn_at == at(2026, 10, 21, 11, 45)


@pytest.mark.parametrize(
    ("request_type", "expected"),
    [
        ("咨询", at(2026, 10, 9)),  # 14 h: 6 h on 30 Sep, 7 h on 8 Oct, 1 h on 9 Oct
        ("求助", at(2026, 10, 20)),  # 70 h: 6 + 21 (8–10 Oct) + 35 (12–16) + 7 (19) + 1
        ("建议", at(2026, 10, 20)),
        ("表扬", at(2026, 10, 20)),  # praise gets the 10 days of a suggestion
        ("投诉", at(2026, 10, 27)),
        ("举报", at(2026, 10, 27)),
    ],
)
def test_answer_limit_by_request_type(request_type: str, expected: datetime) -> None:
    due = SLA.answer_deadline(
        at(2026, 9, 30),
        request_type=request_type,  # type: ignore[arg-type]
        priority="normal",
        category=None,
    )
    assert due.at == expected


def test_help_request_across_spring_festival() -> None:
    # 求助 = 70 h from Fri 13 Feb 10:00: 6 h (64 left); the 调休 Saturday 14 Feb 7 h (57);
    # 15–23 Feb off; 24–27 Feb 28 h (29); the 调休 Saturday 28 Feb 7 h (22); Sun 1 Mar off;
    # 2–4 Mar 21 h (1); Thu 5 Mar 10:00.
    due = SLA.answer_deadline(
        at(2026, 2, 13), request_type="求助", priority="normal", category=None
    )
    assert due.at == at(2026, 3, 5) and not due.provisional
    # 52.5 h: 6 + 7 + 28 (24–27 Feb) + 7 (28 Feb) = 48 h; 4.5 h on Mon 2 Mar ends at 15:00.
    assert due.warn_at == at(2026, 3, 2, 15)


def test_a_reopened_ticket_gets_a_fresh_limit_from_the_reopen_time() -> None:
    reopened = at(2026, 11, 23, 14)
    due = SLA.answer_deadline(reopened, request_type="咨询", priority="normal", category=None)
    assert due.at == at(2026, 11, 25, 14)  # 14 h: 3.5 + 7 + 3.5


# -------------------------------------------------------------- acceptance


def test_acceptance_within_one_working_day_of_dispatch() -> None:
    due = SLA.accept_deadline(at(2026, 11, 23, 9), priority="normal", category=None)
    assert due.at == at(2026, 11, 23, 17, 30)
    assert due.warn_at == at(2026, 11, 23, 15, 45)  # 5 h 15 min: 3 h + 2 h 15 min from 13:30
    weekend = SLA.accept_deadline(at(2026, 11, 27, 16), priority="normal", category=None)
    assert weekend.at == at(2026, 11, 30, 16)  # Fri 16:00 -> Mon 16:00
    assert weekend.warn_at == at(2026, 11, 30, 14, 15)  # 1.5 h Fri + 3 h + 45 min Mon


def test_acceptance_on_the_eve_of_spring_festival() -> None:
    # 0.5 h on Fri 13 Feb, then 6.5 h on the 调休 Saturday 14 Feb: 09:00–12:00, 13:30–17:00.
    due = SLA.accept_deadline(at(2026, 2, 13, 17), priority="normal", category=None)
    assert due.at == at(2026, 2, 14, 17)


# ------------------------------------------------------------------ urgent


def test_urgent_limits_run_through_the_national_day_holiday() -> None:
    accept = SLA.accept_deadline(at(2026, 10, 1, 23, 50), priority="urgent", category=None)
    assert accept.at == at(2026, 10, 2, 0, 20) and accept.calendar_time
    assert accept.warn_at == at(2026, 10, 2, 0, 12, 30)  # 22.5 of 30 minutes
    answer = SLA.answer_deadline(
        at(2026, 10, 1, 23, 50), request_type="求助", priority="urgent", category="gas_service"
    )
    assert answer.at == at(2026, 10, 2, 23, 50) and answer.calendar_time
    assert answer.warn_at == at(2026, 10, 2, 17, 50)  # 18 of 24 hours


def test_calendar_time_limits_are_never_provisional() -> None:
    answer = SLA.answer_deadline(
        at(2026, 12, 31, 20), request_type="投诉", priority="urgent", category=None
    )
    assert answer.at == at(2027, 1, 1, 20) and not answer.provisional


def test_utilities_answer_within_24_hours_over_a_weekend() -> None:
    due = SLA.answer_deadline(
        at(2026, 11, 27, 18), request_type="求助", priority="normal", category="water_supply"
    )
    assert due.at == at(2026, 11, 28, 18) and due.warn_at == at(2026, 11, 28, 12)
    assert due.calendar_time
    assert SLA.is_calendar_time("heating", "normal")
    assert SLA.is_calendar_time(None, "urgent")
    assert not SLA.is_calendar_time("street_light", "normal")
    # Acceptance of a utilities ticket runs in calendar time too: 2 h, day or night (it
    # used to be one working day, Monday 17:30, after the answer limit of Saturday 18:00).
    accept = SLA.accept_deadline(at(2026, 11, 27, 18), priority="normal", category="heating")
    assert accept.at == at(2026, 11, 27, 20) and accept.calendar_time


def test_urgent_takes_a_stricter_category_limit(tmp_path: Path) -> None:
    sla = policy(
        tmp_path,
        TYPES + "category_overrides:\n  burst_main: {answer_hours: 6, accept_hours: 3}\n",
    )
    start = at(2026, 11, 28, 22)  # Saturday night
    urgent = sla.answer_deadline(
        start, request_type="求助", priority="urgent", category="burst_main"
    )
    assert urgent.at == at(2026, 11, 29, 4)
    normal = sla.accept_deadline(start, priority="normal", category="burst_main")
    assert normal.at == at(2026, 11, 29, 1)  # 3 h of calendar time, Saturday night
    urgent_accept = sla.accept_deadline(start, priority="urgent", category="burst_main")
    assert urgent_accept.at == at(2026, 11, 28, 22, 30)


# ------------------------------------------------- acceptance never after answer

# Nights, a weekend, a Friday evening before a weekend, the eve of National Day, inside it,
# and the last working evening before Spring Festival 2026.
STARTS = [
    at(2026, 11, 23, 10),  # Monday morning
    at(2026, 11, 23, 23, 45),  # Monday night
    at(2026, 11, 27, 18),  # Friday evening
    at(2026, 11, 28, 3, 45),  # Saturday night
    at(2026, 11, 29, 14),  # Sunday afternoon
    at(2026, 9, 30, 21),  # eve of National Day
    at(2026, 10, 3, 2),  # inside the holiday
    at(2026, 2, 13, 17),  # Friday before Spring Festival
]


@pytest.mark.parametrize("start", STARTS, ids=lambda d: d.strftime("%Y%m%d-%H%M"))
@pytest.mark.parametrize(
    "category",
    [None, "water_supply", "power_outage", "gas_service", "heating", "burst_main", "street_light"],
)
@pytest.mark.parametrize("priority", ["normal", "urgent"])
def test_acceptance_is_never_after_the_answer(
    start: datetime, category: str | None, priority: Priority
) -> None:
    kinds: tuple[RequestType, ...] = ("咨询", "求助", "投诉")
    for request_type in kinds:
        accept, answer = SLA.deadlines(
            start, request_type=request_type, priority=priority, category=category
        )
        assert accept.at <= answer.at, (accept, answer)
        assert accept.warn_at <= accept.at


def test_urgent_utilities_accept_within_30_minutes_at_night() -> None:
    # The card: a gas ticket dispatched at 03:15 on Saturday showed 签收时限 Monday
    # 17:30 and 办结时限 Sunday 03:45. Urgent: 30 min / 24 h, both in calendar time.
    start = at(2026, 12, 5, 3, 15)
    accept, answer = SLA.deadlines(
        start, request_type="求助", priority="urgent", category="gas_service"
    )
    assert (accept.at, answer.at) == (at(2026, 12, 5, 3, 45), at(2026, 12, 6, 3, 15))
    accept, answer = SLA.deadlines(
        start, request_type="求助", priority="normal", category="gas_service"
    )
    assert (accept.at, answer.at) == (at(2026, 12, 5, 5, 15), at(2026, 12, 6, 3, 15))


def test_a_later_acceptance_is_moved_back_to_the_answer_limit(tmp_path: Path) -> None:
    # 咨询 in half a working day, acceptance in two: acceptance is moved back to the answer.
    sla = policy(tmp_path, TYPES.replace("咨询: 2", "咨询: 0.5") + "accept_working_days: 2\n")
    start = at(2026, 11, 27, 16)  # Friday 16:00: 1.5 h left that day
    accept, answer = sla.deadlines(start, request_type="咨询", priority="normal", category=None)
    assert answer.at == at(2026, 11, 30, 11)  # 3.5 h: Fri 16:00–17:30, Mon 09:00–11:00
    assert accept.at == answer.at and accept.warn_at < accept.at


def test_answer_hours_with_working_day_acceptance_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="accept_hours"):
        policy(
            tmp_path,
            TYPES
            + "category_overrides:\n  burst_main: {answer_hours: 6, accept_working_days: 1}\n",
        )
    with pytest.raises(ConfigError, match="must not exceed"):
        policy(
            tmp_path,
            TYPES + "category_overrides:\n  burst_main: {answer_hours: 6, accept_hours: 8}\n",
        )


def test_any_input_zone_gives_local_deadlines() -> None:
    start = datetime(2026, 11, 24, 2, tzinfo=UTC)  # 10:00 in Shanghai
    for due in (
        SLA.accept_deadline(start, priority="normal", category=None),
        SLA.accept_deadline(start, priority="urgent", category=None),
    ):
        assert due.at.utcoffset() == timedelta(hours=8) and due.at.tzinfo == TZ
    assert SLA.accept_deadline(start, priority="normal", category=None).at == at(2026, 11, 25)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        SLA.accept_deadline(datetime(2026, 11, 23, 10), priority="urgent", category=None)
    with pytest.raises(ValueError):
        SLA.answer_deadline(
            datetime(2026, 11, 23, 10), request_type="咨询", priority="normal", category=None
        )


# ---------------------------------------------------------------- warnings


def test_traffic_light() -> None:
    due = SLA.accept_deadline(at(2026, 11, 23, 9), priority="normal", category=None)
    assert due.light(at(2026, 11, 23, 15, 44)) == "green"
    assert due.light(at(2026, 11, 23, 15, 45)) == "yellow"
    assert due.light(at(2026, 11, 23, 17, 29)) == "yellow"
    assert due.light(at(2026, 11, 23, 17, 30)) == "red"


def test_warning_point_is_three_quarters_of_the_working_time() -> None:
    start = at(2026, 9, 30)
    due = SLA.answer_deadline(start, request_type="投诉", priority="normal", category=None)
    cal = SLA.calendar
    assert (
        cal.working_time_between(start, due.warn_at) * 4
        == cal.working_time_between(start, due.at) * 3
    )


# --------------------------------------------------------------- extension


def _help_request() -> Deadline:
    # 求助 from Mon 23 Nov 10:00: 6 h + 28 h (24–27 Nov) + 35 h (30 Nov–4 Dec) + 1 h: 7 Dec.
    due = SLA.answer_deadline(
        at(2026, 11, 23), request_type="求助", priority="normal", category=None
    )
    assert due.at == at(2026, 12, 7)
    return due


def test_extension_moves_by_working_days_within_the_cap() -> None:
    assert SLA.max_extensions == 1 and SLA.max_extension_days == 10
    due = _help_request()
    extended = SLA.extend(due, 5)
    assert extended.at == at(2026, 12, 14)
    # Warning 75 % into the 35 extra hours (26.25 h): 6 + 7 + 7 h on 7–9 Dec, then 6.25 h on
    # Thu 10 Dec: 09:00–12:00 and 13:30–16:45.
    assert extended.warn_at == at(2026, 12, 10, 16, 45)
    assert not extended.provisional and not extended.calendar_time
    assert SLA.extend(due, 10).at == at(2026, 12, 21)


@pytest.mark.parametrize("days", [0, -1, 11])
def test_extension_outside_the_cap_is_refused(days: int) -> None:
    with pytest.raises(ValueError):
        SLA.extend(_help_request(), days)


def test_extension_into_an_unknown_year_is_provisional() -> None:
    due = SLA.answer_deadline(
        at(2026, 12, 14), request_type="求助", priority="normal", category=None
    )
    assert not due.provisional  # 10 working days end on 28 Dec
    assert SLA.extend(due, 5).provisional


# ------------------------------------------------------------------- pause


def test_waiting_on_the_citizen_pauses_the_clock() -> None:
    due = _help_request()
    assert due.warn_at == at(2026, 12, 2, 15)  # 52.5 h: 6 + 28 + 7 + 7, then 4.5 h on 2 Dec
    # Paused Tue 24 Nov 10:00 to Thu 26 Nov 10:00: 14 h of office time.
    paused = SLA.pause(due, at(2026, 11, 24), at(2026, 11, 26))
    assert paused.at == at(2026, 12, 9)  # 6 h on 7 Dec, 7 h on 8 Dec, 1 h on 9 Dec
    assert paused.warn_at == at(2026, 12, 4, 15)  # 2.5 h on 2 Dec, 7 h on 3 Dec, 4.5 h on 4 Dec


def test_a_pause_outside_office_hours_changes_nothing() -> None:
    due = _help_request()
    assert SLA.pause(due, at(2026, 11, 27, 17, 30), at(2026, 11, 30, 9)) == due
    assert SLA.pause(due, at(2026, 11, 26), at(2026, 11, 24)) == due  # ends before it starts


def test_a_pause_on_a_calendar_time_limit_moves_it_by_elapsed_time() -> None:
    due = SLA.answer_deadline(
        at(2026, 10, 1, 23, 50), request_type="求助", priority="urgent", category=None
    )
    paused = SLA.pause(due, at(2026, 10, 2, 10), at(2026, 10, 2, 13))
    assert paused.at == at(2026, 10, 3, 2, 50) and paused.warn_at == at(2026, 10, 2, 20, 50)
    assert paused.calendar_time


# -------------------------------------------------------------- escalation


def test_escalation_one_and_five_working_days_late() -> None:
    assert SLA.escalate_after_working_days == [1, 5]
    assert SLA.escalation_times(_help_request()) == [at(2026, 12, 8), at(2026, 12, 14)]


def test_escalation_across_national_day() -> None:
    due = SLA.answer_deadline(
        at(2026, 9, 16), request_type="咨询", priority="normal", category=None
    )
    # 14 h from Wed 16 Sep 10:00: 6 h, 7 h on 17 Sep, 1 h on Fri 18 Sep.
    assert due.at == at(2026, 9, 18)
    # +1: 6 h on 18 Sep, 1 h on the 调休 Sunday 20 Sep. +5 (35 h): 6 + 7 (20 Sep) + 21 (21–23
    # Sep) = 34 h; Thu 24 Sep 10:00.
    assert SLA.escalation_times(due) == [at(2026, 9, 20), at(2026, 9, 24)]


# ------------------------------------------------------------ unknown year


def test_deadlines_into_2027_use_weekends_only_and_are_provisional() -> None:
    # 105 h from Mon 28 Dec 10:00: 6 + 21 (29–31 Dec) + 7 (Fri 1 Jan 2027, not known to be a
    # holiday) + 35 (4–8 Jan) + 35 (11–15 Jan) = 104 h; Mon 18 Jan 10:00.
    due = SLA.answer_deadline(
        at(2026, 12, 28), request_type="投诉", priority="normal", category=None
    )
    assert due.at == at(2027, 1, 18) and due.provisional


def test_a_configured_2027_is_not_provisional_and_honours_its_holidays(tmp_path: Path) -> None:
    sla = policy(
        tmp_path,
        TYPES,
        calendar="years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: []\n",
    )
    due = sla.answer_deadline(
        at(2026, 12, 28), request_type="投诉", priority="normal", category=None
    )
    assert due.at == at(2027, 1, 19) and not due.provisional  # one day later: 1 Jan is off
    assert sla.coverage_warning(date(2026, 11, 23)) is None


def test_missing_2027_is_reported_from_today() -> None:
    assert SLA.calendar.missing_coverage(date(2026, 11, 23)) == [2027]
    warning = SLA.coverage_warning(date(2026, 11, 23))
    assert warning is not None and "2027" in warning


def test_follow_up_settings() -> None:
    assert SLA.survey_after_days == 1 and SLA.auto_close_days == 3


# ------------------------------------------------------------- bad sla.yml


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("answer_working_days: {咨询: 2, 求助: 10, 建议: 10, 表扬: 10, 投诉: 15}\n", 1, "举报"),
        ("# limits\n" + TYPES.replace("咨询: 2", "咨询: 0"), 2, "positive"),
        (TYPES + "warning_fraction: 1.5\n", 2, "warning_fraction"),
        (
            "answer_working_days:\n  咨询: 2\n  求助: 10\n  其他: 3\n",
            4,
            "answer_working_days.其他",
        ),
        (TYPES + "surprise: 1\n", 2, "surprise"),
        (TYPES + "urgent:\n  accept_minutes: 0\n", 3, "urgent.accept_minutes"),
        (
            TYPES + "category_overrides:\n  heating:\n    answer_hours: 24\n"
            "    answer_working_days: 1\n",
            3,
            "not both",
        ),
        (TYPES + "category_overrides:\n  heating: {}\n", 3, "at least one"),
        (TYPES + "category_overrides:\n  heating: {answer_days: 1}\n", 3, "answer_days"),
        (TYPES + "escalate_after_working_days: [5, 1]\n", 2, "increasing"),
        (TYPES + "extension:\n  max_working_days: ten\n", 3, "max_working_days"),
        (TYPES + "follow_up:\n  survey_after_days: 1\n auto_close_after_days: 3\n", 4, "YAML"),
    ],
)
def test_bad_sla_files_name_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        policy(tmp_path, text)
    assert f"{tmp_path / 'sla.yml'}:{line}:" in str(err.value)
    assert fragment in str(err.value)


def test_override_keys_are_checked_against_the_catalogue_when_given(tmp_path: Path) -> None:
    path = tmp_path / "sla.yml"
    path.write_text(
        TYPES + "category_overrides:\n  heating: {answer_hours: 24}\n"
        "  no_such_category: {answer_hours: 24}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        SlaPolicy.load(path, CALENDAR, known_categories=catalogue_codes())
    assert f"{path}:4:" in str(err.value) and "unknown category" in str(err.value)
    SlaPolicy.load(path, CALENDAR)  # without a catalogue the keys are not checked


def test_a_bad_calendar_is_reported_through_the_policy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        policy(tmp_path, TYPES, calendar="timezone: Mars/Base\n")
    assert f"{tmp_path / 'calendar.yml'}:1:" in str(err.value)
