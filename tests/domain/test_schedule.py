"""Schedule rules: festival-local times across DST changes, festival days and venue overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from coverage.errors import InvalidInput
from coverage.programme.schedule import (
    DEFAULT_RUNTIME_MINUTES,
    Slot,
    festival_day_bounds,
    festival_days,
    local_interval,
    local_to_utc,
    overlapping_in_venue,
)

LONDON = "Europe/London"
TORONTO = "America/Toronto"
MANILA = "Asia/Manila"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- local_to_utc ------------------------------------------------------------------------------


def test_london_summer_time_is_one_hour_ahead_of_utc():
    assert local_to_utc(datetime(2021, 10, 10, 18, 30), LONDON) == utc(2021, 10, 10, 17, 30)


def test_london_winter_time_equals_utc():
    assert local_to_utc(datetime(2021, 12, 1, 18, 30), LONDON) == utc(2021, 12, 1, 18, 30)


def test_result_is_aware_and_in_utc():
    result = local_to_utc(datetime(2021, 10, 10, 18, 30), LONDON)
    assert result.tzinfo is not None
    assert result.utcoffset() == timedelta(0)


def test_time_skipped_when_clocks_go_forward_is_refused_with_the_given_field():
    with pytest.raises(InvalidInput) as caught:
        local_to_utc(datetime(2021, 3, 28, 1, 30), LONDON, field="start_time")
    assert "does not exist" in caught.value.message
    assert "01:30 on 28 March 2021" in caught.value.message
    assert caught.value.field == "start_time"


def test_skipped_time_without_a_field_has_no_field():
    with pytest.raises(InvalidInput) as caught:
        local_to_utc(datetime(2021, 3, 28, 1, 30), LONDON)
    assert caught.value.field is None


def test_time_repeated_when_clocks_go_back_is_refused_as_happening_twice():
    with pytest.raises(InvalidInput) as caught:
        local_to_utc(datetime(2021, 10, 31, 1, 30), LONDON, field="starts_at")
    assert "happens twice" in caught.value.message
    assert "BST 00:30 UTC" in caught.value.message
    assert "GMT 01:30 UTC" in caught.value.message
    assert caught.value.field == "starts_at"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2021, 3, 28, 0, 59), utc(2021, 3, 28, 0, 59)),
        (datetime(2021, 3, 28, 2, 0), utc(2021, 3, 28, 1, 0)),
        (datetime(2021, 10, 31, 0, 59), utc(2021, 10, 30, 23, 59)),
        (datetime(2021, 10, 31, 2, 0), utc(2021, 10, 31, 2, 0)),
    ],
)
def test_times_just_outside_the_dst_change_hour_are_fine(local, expected):
    assert local_to_utc(local, LONDON) == expected


def test_toronto_repeated_hour_in_november_is_ambiguous():
    with pytest.raises(InvalidInput, match="happens twice in America/Toronto"):
        local_to_utc(datetime(2021, 11, 7, 1, 30), TORONTO)


def test_toronto_normal_autumn_time_is_four_hours_behind_utc():
    assert local_to_utc(datetime(2021, 9, 10, 19, 0), TORONTO) == utc(2021, 9, 10, 23, 0)


@pytest.mark.parametrize(
    "local",
    [
        datetime(2023, 3, 12, 2, 30),  # US/Canada spring-forward night
        datetime(2023, 3, 26, 1, 30),  # EU spring-forward night
        datetime(2023, 11, 5, 1, 30),  # US/Canada fall-back night
        datetime(2023, 10, 29, 1, 30),  # EU fall-back night
    ],
)
def test_manila_has_no_dst_so_every_time_is_eight_hours_ahead(local):
    assert local_to_utc(local, MANILA) == local.replace(tzinfo=UTC) - timedelta(hours=8)


def test_aware_datetime_passes_through_converted_to_utc():
    aware = datetime(2021, 3, 28, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    result = local_to_utc(aware, LONDON)
    assert result == utc(2021, 3, 28, 6, 30)
    assert result.tzinfo is UTC


# --- local_interval ----------------------------------------------------------------------------


def test_interval_without_end_uses_the_runtime():
    starts, ends = local_interval(date(2021, 10, 10), time(18, 30), None, LONDON, 95)
    assert starts == utc(2021, 10, 10, 17, 30)
    assert ends == starts + timedelta(minutes=95)


def test_interval_without_end_or_runtime_uses_the_default_runtime():
    starts, ends = local_interval(date(2021, 10, 10), time(18, 30), None, LONDON, None)
    assert ends - starts == timedelta(minutes=DEFAULT_RUNTIME_MINUTES)


def test_interval_with_end_on_the_same_day():
    starts, ends = local_interval(date(2021, 10, 10), time(18, 30), time(20, 15), LONDON, 95)
    assert (starts, ends) == (utc(2021, 10, 10, 17, 30), utc(2021, 10, 10, 19, 15))


def test_end_clock_earlier_than_start_runs_past_midnight():
    starts, ends = local_interval(date(2021, 10, 10), time(23, 30), time(1, 15), LONDON, None)
    assert starts == utc(2021, 10, 10, 22, 30)
    assert ends == utc(2021, 10, 11, 0, 15)


def test_end_equal_to_start_is_refused():
    with pytest.raises(InvalidInput) as caught:
        local_interval(date(2021, 10, 10), time(18, 30), time(18, 30), LONDON, None)
    assert caught.value.field == "end_time"


def test_start_that_does_not_exist_is_refused_on_the_start_field():
    with pytest.raises(InvalidInput) as caught:
        local_interval(date(2021, 3, 28), time(1, 30), None, LONDON, 90)
    assert caught.value.field == "start_time"


def test_end_that_is_ambiguous_is_refused_on_the_end_field():
    with pytest.raises(InvalidInput) as caught:
        local_interval(date(2021, 10, 30), time(23, 0), time(1, 30), LONDON, None)
    assert caught.value.field == "end_time"


# --- festival days -----------------------------------------------------------------------------


def test_a_normal_london_day_is_24_hours_in_utc():
    start, end = festival_day_bounds(date(2021, 10, 10), LONDON)
    assert start == utc(2021, 10, 9, 23, 0)
    assert end == utc(2021, 10, 10, 23, 0)
    assert end - start == timedelta(hours=24)


def test_the_spring_forward_day_is_23_hours():
    start, end = festival_day_bounds(date(2021, 3, 28), LONDON)
    assert (start, end) == (utc(2021, 3, 28, 0, 0), utc(2021, 3, 28, 23, 0))
    assert end - start == timedelta(hours=23)


def test_the_fall_back_day_is_25_hours():
    start, end = festival_day_bounds(date(2021, 10, 31), LONDON)
    assert (start, end) == (utc(2021, 10, 30, 23, 0), utc(2021, 11, 1, 0, 0))
    assert end - start == timedelta(hours=25)


def test_day_bounds_are_utc_aware():
    start, end = festival_day_bounds(date(2023, 8, 4), MANILA)
    assert start.tzinfo is UTC and end.tzinfo is UTC
    assert start == utc(2023, 8, 3, 16, 0)


def test_festival_days_include_both_ends():
    days = festival_days(date(2021, 10, 6), date(2021, 10, 17))
    assert len(days) == 12
    assert days[0] == date(2021, 10, 6)
    assert days[-1] == date(2021, 10, 17)
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


def test_a_one_day_festival_has_one_day():
    assert festival_days(date(2021, 10, 6), date(2021, 10, 6)) == [date(2021, 10, 6)]


def test_festival_days_cross_a_month_end():
    assert festival_days(date(2021, 10, 30), date(2021, 11, 2)) == [
        date(2021, 10, 30),
        date(2021, 10, 31),
        date(2021, 11, 1),
        date(2021, 11, 2),
    ]


# --- overlapping_in_venue ----------------------------------------------------------------------


def slot(id_: int, venue: int, start_hour: float, end_hour: float, **kwargs) -> Slot:
    base = utc(2021, 10, 10)
    return Slot(
        id_,
        venue,
        base + timedelta(hours=start_hour),
        base + timedelta(hours=end_hour),
        **kwargs,
    )


def test_two_overlapping_screenings_in_one_venue_are_flagged_both_ways():
    assert overlapping_in_venue([slot(1, 7, 10, 12), slot(2, 7, 11, 13)]) == {1: {2}, 2: {1}}


def test_order_of_input_does_not_matter():
    assert overlapping_in_venue([slot(2, 7, 11, 13), slot(1, 7, 10, 12)]) == {1: {2}, 2: {1}}


def test_touching_screenings_are_a_normal_turnaround():
    assert overlapping_in_venue([slot(1, 7, 10, 12), slot(2, 7, 12, 14)]) == {}


def test_overlapping_times_in_different_venues_are_fine():
    assert overlapping_in_venue([slot(1, 7, 10, 12), slot(2, 8, 11, 13)]) == {}


def test_cancelled_screenings_free_the_room():
    slots = [slot(1, 7, 10, 12), slot(2, 7, 11, 13, cancelled=True)]
    assert overlapping_in_venue(slots) == {}


def test_long_screening_overlaps_two_short_ones_that_do_not_overlap_each_other():
    slots = [slot(1, 7, 10, 15), slot(2, 7, 11, 12), slot(3, 7, 13, 14)]
    assert overlapping_in_venue(slots) == {1: {2, 3}, 2: {1}, 3: {1}}


def test_three_way_overlap():
    slots = [slot(1, 7, 10, 13), slot(2, 7, 11, 14), slot(3, 7, 12, 15)]
    assert overlapping_in_venue(slots) == {1: {2, 3}, 2: {1, 3}, 3: {1, 2}}


def test_screenings_with_the_same_start_overlap():
    assert overlapping_in_venue([slot(1, 7, 10, 12), slot(2, 7, 10, 11)]) == {1: {2}, 2: {1}}


def test_no_screenings_no_clashes():
    assert overlapping_in_venue([]) == {}
