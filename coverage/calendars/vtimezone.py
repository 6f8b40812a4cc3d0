"""VTIMEZONE components for calendar feeds, built with icalendar from the IANA database.

Outlook wants every TZID a feed uses to come with a VTIMEZONE whose STANDARD and
DAYLIGHT observances are yearly rules (``FREQ=YEARLY;BYMONTH=..;BYDAY=..``).
``vtimezone`` derives those rules from zoneinfo's actual transitions, checks that the
rules reproduce every transition in the covered years, and otherwise falls back to one
observance per actual transition (no RRULE), which is still valid RFC 5545.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vRecur, vUTCOffset

#: Years either side of the requested dates that the component also covers.
MARGIN_YEARS = 1
#: Where yearly rules start, as is customary for VTIMEZONEs (tzurl.org, Outlook, Thunderbird).
RULE_ANCHOR_YEAR = 1970
_SCAN_STEP = timedelta(hours=1)
_ONE_SECOND = timedelta(seconds=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset or abbreviation, at ``at`` (UTC)."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local(self) -> datetime:
        """The naive wall-clock time of the transition, in the offset in force before it."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True)
class YearlyRule:
    """An observance recurring every year on the ``nth`` ``weekday`` of ``month``.

    ``nth`` is 1..4 counted from the start of the month, or -1 for the last one.
    """

    month: int
    weekday: int
    nth: int
    time: timedelta
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def byday(self) -> str:
        return f"{self.nth}{_WEEKDAYS[self.weekday]}"

    def local_onset(self, year: int) -> datetime:
        """Naive wall-clock onset in ``year``, in the offset before it."""
        if self.nth > 0:
            first = date(year, self.month, 1)
            day = first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.nth - 1))
        else:
            last = date(year, self.month, _calendar.monthrange(year, self.month)[1])
            day = last - timedelta(days=(last.weekday() - self.weekday) % 7)
        return datetime(day.year, day.month, day.day) + self.time

    def onset(self, year: int) -> datetime:
        """The onset in ``year`` as an aware UTC datetime."""
        return (self.local_onset(year) - self.offset_from).replace(tzinfo=UTC)


SANE_FIRST, SANE_LAST = date(1901, 1, 1), date(2198, 12, 31)


def vtimezone(zone: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE for IANA ``zone``.

    It is valid for every instant from a year before ``first`` to a year after ``last``.
    """
    first, last = _sane_range(first, last)
    tz = ZoneInfo(zone)  # raises ZoneInfoNotFoundError for an unknown zone
    start_year = first.year - MARGIN_YEARS
    end_year = last.year + MARGIN_YEARS
    window_start = datetime(start_year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    window_end = datetime(end_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=2)
    transitions = find_transitions(tz, window_start, window_end)

    component = Timezone()
    component.add("TZID", zone)
    component.add("X-LIC-LOCATION", zone)
    if not transitions:
        offset, name, _ = _state(tz, window_start)
        component.add_component(
            _observance(
                TimezoneStandard,
                datetime(RULE_ANCHOR_YEAR, 1, 1),
                offset,
                offset,
                name,
            )
        )
        return component

    rules = yearly_rules(tz, transitions, window_start, window_end)
    if rules is not None:
        observances = []
        for rule in rules:
            kind = TimezoneDaylight if rule.offset_to > rule.offset_from else TimezoneStandard
            observance = _observance(
                kind,
                rule.local_onset(RULE_ANCHOR_YEAR),
                rule.offset_from,
                rule.offset_to,
                rule.name,
            )
            observance.add("RRULE", vRecur(freq="YEARLY", bymonth=rule.month, byday=rule.byday))
            observances.append((rule.local_onset(RULE_ANCHOR_YEAR), observance))
        for _, observance in sorted(observances, key=lambda pair: pair[0]):
            component.add_component(observance)
        return component

    # Fallback: the state at the start of the window, then every actual transition.
    offset, name, dst = _state(tz, window_start)
    initial_kind = TimezoneDaylight if dst else TimezoneStandard
    start_local = (window_start + offset).replace(tzinfo=None)
    component.add_component(_observance(initial_kind, start_local, offset, offset, name))
    for transition in transitions:
        kind = TimezoneDaylight if transition.dst else TimezoneStandard
        component.add_component(
            _observance(
                kind,
                transition.local,
                transition.offset_from,
                transition.offset_to,
                transition.name,
            )
        )
    return component


def _sane_range(first: date, last: date) -> tuple[date, date]:
    """`first` and `last` within SANE_FIRST..SANE_LAST. ValueError if `last` is before `first`."""
    if last < first:
        raise ValueError(f"last ({last}) is before first ({first})")
    # A typo stored before dates were checked (year 1, 9999) must not break the feed or make it
    # list two thousand years of transitions: such an event is written in UTC anyway.
    first = min(max(first, SANE_FIRST), SANE_LAST)
    return first, max(min(last, SANE_LAST), first)


def vtimezone_ical(zone: str, first: date, last: date) -> bytes:
    """`vtimezone(zone, first, last)` serialised by icalendar (BEGIN:VTIMEZONE to END:VTIMEZONE,
    every line ending in CRLF), byte for byte as it appears inside a calendar.

    Cached: the component depends only on the zone and the years of the (clamped) dates, and
    tzdata does not change under a running process, so a feed request does not rebuild it.
    Raises like `vtimezone` (ValueError, ZoneInfoNotFoundError); errors are not cached.
    """
    first, last = _sane_range(first, last)
    return _vtimezone_ical(zone, first.year, last.year)


@lru_cache(maxsize=128)
def _vtimezone_ical(zone: str, first_year: int, last_year: int) -> bytes:
    # A few KB each (a fallback zone over many years, tens of KB): 128 covers every zone and
    # season a desk serves at once.
    return vtimezone(zone, date(first_year, 1, 1), date(last_year, 1, 1)).to_ical()


def merge_ranges(zones: Iterable[tuple[str, date, date]]) -> dict[str, tuple[date, date]]:
    """One (first, last) date range per zone covering every range given for it (in any order;
    a reversed range counts as its two ends)."""
    ranges: dict[str, tuple[date, date]] = {}
    for zone, first, last in zones:
        low, high = min(first, last), max(first, last)
        if zone in ranges:
            low, high = min(low, ranges[zone][0]), max(high, ranges[zone][1])
        ranges[zone] = (low, high)
    return ranges


def add_timezones(calendar: Calendar, zones: Iterable[tuple[str, date, date]]) -> None:
    """Add one VTIMEZONE per distinct zone in ``zones`` (ranges of the same zone are merged).

    The components go in front of the calendar's other components, after any VTIMEZONEs
    already there. A zone that already has a VTIMEZONE in the calendar is left alone.
    """
    ranges = merge_ranges(zones)
    existing = {str(component["TZID"]) for component in calendar.walk("VTIMEZONE")}
    position = 0
    while position < len(calendar.subcomponents) and isinstance(
        calendar.subcomponents[position], Timezone
    ):
        position += 1
    for zone in sorted(ranges):
        if zone in existing:
            continue
        calendar.subcomponents.insert(position, vtimezone(zone, *ranges[zone]))
        position += 1


def find_transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of UTC offset or abbreviation in ``tz`` between ``start`` and ``end`` (UTC)."""
    transitions: list[Transition] = []
    before = start
    state = _state(tz, before)
    while before < end:
        after = min(before + _SCAN_STEP, end)
        new_state = _state(tz, after)
        if new_state[:2] != state[:2]:
            low, high = before, after  # state(low) == state, state(high) != state
            while high - low > _ONE_SECOND:
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _state(tz, middle)[:2] == state[:2]:
                    low = middle
                else:
                    high = middle
            offset_to, name, dst = _state(tz, high)
            transitions.append(Transition(high, state[0], offset_to, name, dst))
        state = new_state
        before = after
    return transitions


def yearly_rules(
    tz: ZoneInfo, transitions: list[Transition], start: datetime, end: datetime
) -> tuple[YearlyRule, YearlyRule] | None:
    """Two yearly rules reproducing exactly the ``transitions`` from ``start`` to ``end``.

    None when no such pair exists (no two alternating transitions a year, a nth-weekday
    pattern that is not stable, or rules that changed within the range).
    """
    by_direction: dict[tuple[timedelta, timedelta, str], list[Transition]] = {}
    for transition in transitions:
        key = (transition.offset_from, transition.offset_to, transition.name)
        by_direction.setdefault(key, []).append(transition)
    if len(by_direction) != 2:
        return None
    (forward_key, forward), (back_key, back) = sorted(by_direction.items())
    if forward_key[0] != back_key[1] or forward_key[1] != back_key[0]:
        return None

    rules = []
    for group in (forward, back):
        rule = _rule_for(group)
        if rule is None:
            return None
        rules.append(rule)

    expected = sorted(
        (rule.onset(year), rule.offset_from, rule.offset_to, rule.name)
        for rule in rules
        for year in range(start.year - 1, end.year + 2)
        if start <= rule.onset(year) < end
    )
    actual = [(t.at, t.offset_from, t.offset_to, t.name) for t in transitions]
    if expected != actual:
        return None
    # The state before the first transition must be the one the rules imply.
    offset, name, _ = _state(tz, start)
    if (offset, name) != (transitions[0].offset_from, _name_before(rules, transitions[0])):
        return None
    return rules[0], rules[1]


def _rule_for(group: list[Transition]) -> YearlyRule | None:
    locals_ = [transition.local for transition in group]
    months = {moment.month for moment in locals_}
    weekdays = {moment.weekday() for moment in locals_}
    times = {moment - moment.replace(hour=0, minute=0, second=0) for moment in locals_}
    if len(months) != 1 or len(weekdays) != 1 or len(times) != 1:
        return None
    candidates: set[int] | None = None
    for moment in locals_:
        days_in_month = _calendar.monthrange(moment.year, moment.month)[1]
        options = set()
        nth = (moment.day - 1) // 7 + 1
        if nth <= 4:
            options.add(nth)
        if moment.day > days_in_month - 7:
            options.add(-1)
        candidates = options if candidates is None else candidates & options
    if not candidates:
        return None
    nth = -1 if -1 in candidates else min(candidates)
    first = group[0]
    return YearlyRule(
        month=months.pop(),
        weekday=weekdays.pop(),
        nth=nth,
        time=times.pop(),
        offset_from=first.offset_from,
        offset_to=first.offset_to,
        name=first.name,
    )


def _name_before(rules: list[YearlyRule], transition: Transition) -> str:
    """The abbreviation of the observance in force just before ``transition``."""
    for rule in rules:
        if rule.offset_to == transition.offset_from:
            return rule.name
    return ""


def _state(tz: ZoneInfo, instant: datetime) -> tuple[timedelta, str, bool]:
    local = instant.astimezone(tz)
    offset = local.utcoffset()
    dst = local.dst()
    assert offset is not None
    return offset, local.tzname() or "", bool(dst and dst > timedelta(0))


def _observance(
    kind: type[TimezoneStandard] | type[TimezoneDaylight],
    start: datetime,
    offset_from: timedelta,
    offset_to: timedelta,
    name: str,
) -> TimezoneStandard | TimezoneDaylight:
    observance = kind()
    observance.add("DTSTART", start)
    observance.add("TZOFFSETFROM", vUTCOffset(offset_from))
    observance.add("TZOFFSETTO", vUTCOffset(offset_to))
    if name:
        observance.add("TZNAME", name)
    return observance
