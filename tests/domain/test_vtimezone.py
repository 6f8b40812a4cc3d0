"""VTIMEZONE components: Outlook-style yearly rules that agree with zoneinfo."""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event, Timezone

from coverage.calendars.vtimezone import add_timezones, vtimezone

HOUR = timedelta(hours=1)

# zone, year, (daylight from, to, name, BYMONTH, BYDAY), (standard from, to, name, BYMONTH, BYDAY)
RULED = [
    ("Europe/London", 2021, (0, 1, "BST", 3, "-1SU"), (1, 0, "GMT", 10, "-1SU")),
    ("America/Toronto", 2021, (-5, -4, "EDT", 3, "2SU"), (-4, -5, "EST", 11, "1SU")),
    ("Australia/Sydney", 2021, (10, 11, "AEDT", 10, "1SU"), (11, 10, "AEST", 4, "1SU")),
    ("Europe/Berlin", 2023, (1, 2, "CEST", 3, "-1SU"), (2, 1, "CET", 10, "-1SU")),
    ("America/Los_Angeles", 2024, (-8, -7, "PDT", 3, "2SU"), (-7, -8, "PST", 11, "1SU")),
]


def reparsed(component: Timezone) -> Timezone:
    """The component as a client would see it: serialised, then parsed back."""
    calendar = Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + component.to_ical()
        + b"END:VCALENDAR\r\n"
    )
    (timezone,) = calendar.walk("VTIMEZONE")
    return timezone


def onsets(component: Timezone, until: datetime) -> list[tuple[datetime, timedelta]]:
    """Our own expansion of the observances: (UTC onset, offset from then on), sorted.

    Per RFC 5545 each DTSTART/RRULE instance is local time in TZOFFSETFROM.
    """
    result = []
    for observance in component.walk():
        if observance.name not in ("STANDARD", "DAYLIGHT"):
            continue
        start = observance.decoded("DTSTART")
        assert start.tzinfo is None, "observance DTSTART must be local time"
        offset_from = observance["TZOFFSETFROM"].td
        offset_to = observance["TZOFFSETTO"].td
        if "RRULE" in observance:
            rule = rrulestr(observance["RRULE"].to_ical().decode(), dtstart=start)
            local_onsets = rule.between(start, until.replace(tzinfo=None), inc=True)
        else:
            local_onsets = [start]
        for local in local_onsets:
            result.append(((local - offset_from).replace(tzinfo=UTC), offset_to))
    return sorted(result)


def offset_at(expanded: list[tuple[datetime, timedelta]], instant: datetime) -> timedelta:
    index = bisect.bisect_right([at for at, _ in expanded], instant) - 1
    assert index >= 0, f"no observance has begun by {instant}"
    return expanded[index][1]


def zoneinfo_transitions(zone: str, start: datetime, end: datetime) -> list[datetime]:
    tz = ZoneInfo(zone)
    found = []
    instant = start
    while instant < end:
        if (instant + HOUR).astimezone(tz).utcoffset() != instant.astimezone(tz).utcoffset():
            low, high = instant, instant + HOUR
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        instant += HOUR
    return found


def assert_agrees_with_zoneinfo(component: Timezone, zone: str, first_year: int, last_year: int):
    tz = ZoneInfo(zone)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    expanded = onsets(reparsed(component), end + timedelta(days=2))
    instant = start
    while instant < end:
        assert offset_at(expanded, instant) == instant.astimezone(tz).utcoffset(), (zone, instant)
        instant += HOUR
    transitions = zoneinfo_transitions(zone, start, end)
    for at in transitions:
        for moment in (at - HOUR, at - timedelta(seconds=1), at, at + HOUR):
            assert offset_at(expanded, moment) == moment.astimezone(tz).utcoffset(), (zone, moment)
    return transitions


def observances(component: Timezone, name: str):
    return [sub for sub in component.subcomponents if sub.name == name]


@pytest.mark.parametrize(("zone", "year", "daylight", "standard"), RULED)
def test_two_yearly_rules_with_the_right_offsets_names_and_days(zone, year, daylight, standard):
    component = reparsed(vtimezone(zone, date(year, 6, 1), date(year, 6, 14)))

    assert str(component["TZID"]) == zone
    assert str(component["X-LIC-LOCATION"]) == zone
    assert len(component.subcomponents) == 2
    for kind, (hours_from, hours_to, name, month, byday) in (
        ("DAYLIGHT", daylight),
        ("STANDARD", standard),
    ):
        (observance,) = observances(component, kind)
        assert observance["TZOFFSETFROM"].td == timedelta(hours=hours_from)
        assert observance["TZOFFSETTO"].td == timedelta(hours=hours_to)
        assert str(observance["TZNAME"]) == name
        rule = observance["RRULE"]
        assert rule["FREQ"] == ["YEARLY"]
        assert rule["BYMONTH"] == [month]
        assert set(observance["RRULE"].to_ical().decode().split(";")) == {
            "FREQ=YEARLY",
            f"BYMONTH={month}",
            f"BYDAY={byday}",
        }
        start = observance.decoded("DTSTART")
        assert start.tzinfo is None
        assert start.month == month


@pytest.mark.parametrize(("zone", "year"), [(zone, year) for zone, year, *_ in RULED])
def test_the_rules_give_zoneinfos_offset_every_hour_of_the_covered_years(zone, year):
    component = vtimezone(zone, date(year, 6, 1), date(year, 6, 14))
    transitions = assert_agrees_with_zoneinfo(component, zone, year - 1, year + 1)
    assert len(transitions) == 6  # two a year, so the check did cross real transitions


def test_the_london_example_exactly():
    text = vtimezone("Europe/London", date(2021, 10, 1), date(2021, 10, 20)).to_ical().decode()
    assert "DTSTART:19700329T010000\r\n" in text
    assert "DTSTART:19701025T020000\r\n" in text
    assert "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\n" in text
    assert "TZNAME:BST\r\n" in text
    assert "X-LIC-LOCATION:Europe/London\r\n" in text


def test_a_zone_without_transitions_gets_one_standard():
    component = reparsed(vtimezone("Asia/Manila", date(2021, 3, 1), date(2021, 3, 10)))

    (standard,) = component.subcomponents
    assert standard.name == "STANDARD"
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td == timedelta(hours=8)
    name = str(standard["TZNAME"])
    assert name in ("PST", "PHT")
    assert name == datetime(2021, 3, 1, tzinfo=ZoneInfo("Asia/Manila")).tzname()
    assert standard.decoded("DTSTART") == datetime(1970, 1, 1)
    assert "RRULE" not in standard
    assert (
        "TZOFFSETFROM:+0800\r\n"
        in vtimezone("Asia/Manila", date(2021, 3, 1), date(2021, 3, 1)).to_ical().decode()
    )


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_other_fixed_zones(zone):
    component = vtimezone(zone, date(2022, 1, 1), date(2022, 12, 31))
    (standard,) = component.subcomponents
    assert standard.name == "STANDARD"
    assert_agrees_with_zoneinfo(component, zone, 2021, 2023)


@pytest.mark.parametrize(
    ("zone", "year"),
    [
        ("America/Mexico_City", 2022),  # dropped DST after October 2022
        ("Europe/Volgograd", 2020),  # +04 to +03 in December 2020
        ("America/Santiago", 2021),  # "Sunday on or after the 2nd": no single BYDAY
    ],
)
def test_a_zone_whose_rules_change_gets_one_observance_per_transition(zone, year):
    component = vtimezone(zone, date(year, 6, 1), date(year, 6, 14))

    for observance in component.subcomponents:
        assert "RRULE" not in observance
    starts = [observance.decoded("DTSTART") for observance in component.subcomponents]
    assert starts == sorted(starts)
    assert_agrees_with_zoneinfo(component, zone, year - 1, year + 1)


def test_the_output_is_deterministic():
    first = vtimezone("America/Toronto", date(2021, 9, 9), date(2021, 9, 18)).to_ical()
    second = vtimezone("America/Toronto", date(2021, 9, 9), date(2021, 9, 18)).to_ical()
    assert first == second
    fallback = vtimezone("America/Mexico_City", date(2022, 9, 9), date(2022, 9, 18)).to_ical()
    assert (
        fallback == vtimezone("America/Mexico_City", date(2022, 9, 9), date(2022, 9, 18)).to_ical()
    )
    assert b"DTSTAMP" not in first


def test_a_range_running_backwards_is_refused():
    with pytest.raises(ValueError):
        vtimezone("Europe/London", date(2021, 10, 20), date(2021, 10, 1))


def feed(tzid: str) -> bytes:
    """A VCALENDAR with our London VTIMEZONE renamed to ``tzid`` and an event using it."""
    timezone = vtimezone("Europe/London", date(2021, 10, 1), date(2021, 10, 20))
    timezone["TZID"] = tzid
    calendar = Calendar()
    calendar.add("PRODID", "-//Coverage//Festival desk//EN")
    calendar.add("VERSION", "2.0")
    calendar.add_component(timezone)
    text = calendar.to_ical().replace(
        b"END:VCALENDAR",
        b"BEGIN:VEVENT\r\n"
        b"UID:screening-1@coverage.test\r\n"
        b"DTSTAMP:20210901T000000Z\r\n"
        b"DTSTART;TZID=" + tzid.encode() + b":20211010T183000\r\n"
        b"DTEND;TZID=" + tzid.encode() + b":20211010T203000\r\n"
        b"SUMMARY:Gala screening\r\n"
        b"END:VEVENT\r\n"
        b"END:VCALENDAR",
    )
    return text


# "Festival Desk London" is no IANA name, so the parser must use our VTIMEZONE.
TZIDS = ["Europe/London", "Festival Desk London"]


@pytest.mark.parametrize("tzid", TZIDS)
def test_icalendar_reads_the_event_start_as_1730_utc(tzid):
    calendar = Calendar.from_ical(feed(tzid))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None
    assert start.astimezone(UTC) == datetime(2021, 10, 10, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize("tzid", TZIDS)
def test_the_strict_ical_parser_agrees(tzid):
    calendar_stream = pytest.importorskip("ical.calendar_stream")
    calendar = calendar_stream.IcsCalendarStream.calendar_from_ics(feed(tzid).decode())
    (event,) = calendar.events
    assert event.dtstart.astimezone(UTC) == datetime(2021, 10, 10, 17, 30, tzinfo=UTC)
    assert [timezone.tz_id for timezone in calendar.timezones] == [tzid]


@pytest.mark.parametrize(("zone", "year"), [(zone, year) for zone, year, *_ in RULED])
def test_the_strict_ical_parser_gives_zoneinfos_offsets(zone, year):
    """ical evaluates our VTIMEZONE itself; compare at every unambiguous local hour."""
    calendar_stream = pytest.importorskip("ical.calendar_stream")
    timezone_module = pytest.importorskip("ical.timezone")
    component = vtimezone(zone, date(year, 6, 1), date(year, 6, 14))
    component["TZID"] = f"Test {zone}"
    calendar = calendar_stream.IcsCalendarStream.calendar_from_ics(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + component.to_ical().decode()
        + "END:VCALENDAR\r\n"
    )
    (parsed,) = calendar.timezones
    theirs = timezone_module.IcsTimezoneInfo.from_timezone(parsed)
    tz = ZoneInfo(zone)
    local = datetime(year, 1, 1)
    checked = 0
    while local < datetime(year + 1, 1, 1):
        before, after = local.replace(tzinfo=tz), local.replace(tzinfo=tz, fold=1)
        if before.utcoffset() == after.utcoffset():  # neither skipped nor repeated
            assert theirs.utcoffset(local) == before.utcoffset(), (zone, local)
            checked += 1
        local += HOUR
    assert checked > 8700


def test_add_timezones_merges_ranges_and_goes_first():
    calendar = Calendar()
    add_timezones(
        calendar,
        [
            ("Europe/London", date(2021, 10, 1), date(2021, 10, 5)),
            ("Asia/Manila", date(2021, 3, 1), date(2021, 3, 2)),
            ("Europe/London", date(2023, 10, 1), date(2023, 10, 5)),
        ],
    )
    assert [str(tz["TZID"]) for tz in calendar.subcomponents] == ["Asia/Manila", "Europe/London"]
    london = calendar.subcomponents[1]
    assert (
        london.to_ical()
        == vtimezone("Europe/London", date(2021, 10, 1), date(2023, 10, 5)).to_ical()
    )


def test_add_timezones_puts_them_before_events_and_skips_zones_already_there():
    calendar = Calendar()
    calendar.add_component(vtimezone("Europe/London", date(2021, 1, 1), date(2021, 1, 1)))
    event = Event()
    event.add("UID", "x@coverage.test")
    calendar.add_component(event)
    add_timezones(
        calendar,
        [
            ("Europe/London", date(2021, 10, 1), date(2021, 10, 5)),
            ("America/Toronto", date(2021, 9, 9), date(2021, 9, 18)),
        ],
    )
    assert [component.name for component in calendar.subcomponents] == [
        "VTIMEZONE",
        "VTIMEZONE",
        "VEVENT",
    ]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [
        "Europe/London",
        "America/Toronto",
    ]
