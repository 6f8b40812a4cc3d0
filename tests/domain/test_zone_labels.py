"""Zone labels readers cannot misread: "Manila time, UTC+8", never "PST"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coverage.timeutil import format_in_zone, format_offset, zone_label, zone_legend


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Asia/Manila", "Manila time"),
        ("Europe/London", "London time"),
        ("Asia/Kolkata", "Kolkata time"),
        ("America/Sao_Paulo", "Sao Paulo time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("America/Port-au-Prince", "Port-au-Prince time"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Etc/GMT", "UTC"),
        # POSIX inverts the sign of Etc/GMT±N: Etc/GMT+5 is five hours behind UTC.
        ("Etc/GMT+5", "UTC\u22125"),
        # A name that is no place is shown as the festival was set up with it.
        ("EST5EDT", "EST5EDT"),
    ],
)
def test_zone_label_names_the_place(zone: str, label: str) -> None:
    assert zone_label(zone) == label


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (480, "UTC+8"),
        (330, "UTC+5:30"),
        (-180, "UTC\u22123"),
        (0, "UTC+0"),
        (-570, "UTC\u22129:30"),
    ],
)
def test_format_offset(minutes: int, text: str) -> None:
    assert format_offset(timedelta(minutes=minutes)) == text


@pytest.mark.parametrize(
    ("zone", "first", "last", "legend"),
    [
        ("Asia/Manila", date(2023, 8, 4), date(2023, 8, 13), "Manila time, UTC+8"),
        ("Asia/Kolkata", date(2023, 11, 20), date(2023, 11, 28), "Kolkata time, UTC+5:30"),
        ("America/Sao_Paulo", date(2023, 10, 19), date(2023, 11, 1), "Sao Paulo time, UTC\u22123"),
        (
            "America/Argentina/Buenos_Aires",
            date(2023, 4, 19),
            date(2023, 4, 30),
            "Buenos Aires time, UTC\u22123",
        ),
        ("UTC", date(2021, 10, 6), date(2021, 11, 2), "UTC"),
        # LFF 2021 ended before the clocks went back: one offset.
        ("Europe/London", date(2021, 10, 6), date(2021, 10, 17), "London time, UTC+1"),
        # A festival across the October change says both, and the day it changes.
        (
            "Europe/London",
            date(2021, 10, 25),
            date(2021, 11, 3),
            "London time: UTC+1 until Sun 31 Oct, then UTC+0",
        ),
        # Sao Paulo kept summer time until 2019: a festival across its start in 2018.
        (
            "America/Sao_Paulo",
            date(2018, 10, 30),
            date(2018, 11, 8),
            "Sao Paulo time: UTC\u22123 until Sun 4 Nov, then UTC\u22122",
        ),
    ],
)
def test_zone_legend_over_the_festival_dates(zone, first, last, legend) -> None:
    assert zone_legend(zone, first, last) == legend


def test_format_in_zone_follows_every_time_with_the_place_not_the_abbreviation() -> None:
    moment = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)
    assert format_in_zone(moment, "Europe/London") == "Sun 10 Oct 2021, 18:30 London time"
    after_change = datetime(2021, 11, 1, 18, 30, tzinfo=UTC)
    assert format_in_zone(after_change, "Europe/London") == "Mon 01 Nov 2021, 18:30 London time"
    manila = format_in_zone(moment, "Asia/Manila")
    assert manila == "Mon 11 Oct 2021, 01:30 Manila time"
    assert "PST" not in manila
    assert format_in_zone(moment, "Asia/Kolkata", "%H:%M") == "23:00 Kolkata time"
    assert format_in_zone(None, "Asia/Manila") == ""


def test_an_instant_beyond_the_calendar_is_shown_in_utc_and_says_so() -> None:
    assert format_in_zone(datetime(1, 1, 1, tzinfo=UTC), "Asia/Manila").endswith("00:00 UTC")
