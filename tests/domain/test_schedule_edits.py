"""Pure rules for editing stored times: ends that follow starts, forms that accept what they
showed, and the long-screening warning."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from coverage.errors import InvalidInput
from coverage.programme.schedule import (
    edited_interval,
    local_to_utc_as_shown,
    long_screening_warning,
    wall_clock,
)

LONDON = "Europe/London"
FIRST_0130 = datetime(2023, 10, 29, 0, 30, tzinfo=UTC)  # 01:30 BST
SECOND_0130 = datetime(2023, 10, 29, 1, 30, tzinfo=UTC)  # 01:30 GMT


def test_a_repeated_hour_time_sent_back_as_shown_keeps_its_instant():
    local = datetime(2023, 10, 29, 1, 30)
    for stored in (FIRST_0130, SECOND_0130, SECOND_0130.replace(second=42)):
        assert wall_clock(stored, LONDON).replace(second=0) == local
        assert local_to_utc_as_shown(local, LONDON, shown=stored, field="due_at") == stored
    # Typed anew (or without a stored time), it is still refused, naming the field.
    for shown in (None, datetime(2023, 10, 28, 0, 30, tzinfo=UTC)):
        with pytest.raises(InvalidInput, match="happens twice") as refused:
            local_to_utc_as_shown(local, LONDON, shown=shown, field="due_at")
        assert refused.value.field == "due_at"
    # Ordinary times are unaffected.
    assert local_to_utc_as_shown(datetime(2023, 10, 28, 18, 0), LONDON, shown=None) == datetime(
        2023, 10, 28, 17, 0, tzinfo=UTC
    )


def test_an_end_left_as_shown_moves_with_the_start():
    start = datetime(2021, 10, 12, 2, 30, tzinfo=UTC)  # 03:30 BST
    current = (start, start + timedelta(hours=2))
    moved = edited_interval(
        date(2021, 10, 12), time(15, 30), time(5, 30), LONDON, 130, current=current
    )
    assert moved == (
        datetime(2021, 10, 12, 14, 30, tzinfo=UTC),
        datetime(2021, 10, 12, 16, 30, tzinfo=UTC),
    )
    # Unchanged, it is the stored interval; a new end is read as typed; no end is the runtime.
    assert (
        edited_interval(date(2021, 10, 12), time(3, 30), time(5, 30), LONDON, 130, current=current)
        == current
    )
    assert edited_interval(
        date(2021, 10, 12), time(3, 30), time(4, 0), LONDON, 130, current=current
    )[1] == (datetime(2021, 10, 12, 3, 0, tzinfo=UTC))
    assert edited_interval(date(2021, 10, 12), time(3, 30), None, LONDON, 130, current=current)[
        1
    ] == (start + timedelta(minutes=130))


def test_the_length_kept_is_real_time_across_the_clock_change():
    saturday = datetime(2023, 10, 27, 23, 30, tzinfo=UTC)  # 00:30 BST, 28 October
    current = (saturday, saturday + timedelta(minutes=90))
    start, end = edited_interval(
        date(2023, 10, 29), time(0, 30), time(2, 0), LONDON, 90, current=current
    )
    assert end - start == timedelta(minutes=90)
    assert end == datetime(2023, 10, 29, 1, 0, tzinfo=UTC)  # 01:00 GMT, the second 01:00


def test_a_stored_repeated_hour_start_survives_an_edit_of_something_else():
    current = (SECOND_0130, SECOND_0130 + timedelta(minutes=90))
    assert (
        edited_interval(date(2023, 10, 29), time(1, 30), time(3, 0), LONDON, 90, current=current)
        == current
    )


def test_an_end_at_the_start_is_refused():
    start = datetime(2021, 10, 12, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="after the start") as refused:
        edited_interval(
            date(2021, 10, 12),
            time(10, 0),
            time(10, 0),
            LONDON,
            90,
            current=(start, start + timedelta(hours=3)),
        )
    assert refused.value.field == "end_time"


def test_long_screenings_are_named_with_their_local_times():
    start = datetime(2021, 10, 8, 14, 30, tzinfo=UTC)  # 15:30 BST
    assert long_screening_warning(start, start + timedelta(hours=6), LONDON) is None
    assert long_screening_warning(start, start + timedelta(hours=14), LONDON) == (
        "This screening runs 14 hours, from 15:30 to 05:30 the next day: "
        "check the start and end times."
    )
    assert "6 h 01 min, from 15:30 to 21:31:" in long_screening_warning(
        start, start + timedelta(hours=6, minutes=1), LONDON
    )
    # A film longer than six hours may run its length and an hour more.
    assert long_screening_warning(start, start + timedelta(minutes=432), LONDON, 432) is None
    assert long_screening_warning(start, start + timedelta(minutes=500), LONDON, 432) is not None
