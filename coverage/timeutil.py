"""Time helpers: everything is stored in UTC and shown in a festival's zone with its name.

A zone is named for readers by its place ("Manila time"), never by its abbreviation: "PST" is
what Asia/Manila calls itself, and a London desk reads it as Pacific time. A page about one
festival says once which offset that is (`zone_legend`: "Manila time, UTC+8").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Zones that are UTC under another name: a reader knows them all as "UTC".
_UTC_NAMES = frozenset(
    {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu"}
)
# The minus sign, not a hyphen: "UTC−3" is how offsets are typeset.
MINUS = "\u2212"


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_valid_timezone(name: str) -> bool:
    if not name or name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_zone(moment: datetime, zone: str | tzinfo) -> datetime:
    """`moment` on the clocks of `zone`. An instant at the very ends of the calendar (a year-1
    typo stored before dates were checked) stays in UTC rather than overflowing: a page must
    always show a bad row, so that someone can fix it."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(tz)
    except OverflowError:
        return moment.astimezone(UTC)


def format_offset(offset: timedelta) -> str:
    """`UTC+8`, `UTC+5:30`, `UTC−3` (a minus sign), `UTC+0`: hours, and minutes only when there
    are some."""
    minutes = round(offset.total_seconds() / 60)
    sign = MINUS if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


@lru_cache(maxsize=512)
def zone_label(zone: str) -> str:
    """How a reader names the zone `zone` (an IANA name): its place and "time".

    `Asia/Manila` -> "Manila time", `America/Argentina/Buenos_Aires` -> "Buenos Aires time",
    `UTC` and `Etc/UTC` -> "UTC", `Etc/GMT+5` (a fixed offset, sign inverted by POSIX) ->
    "UTC−5". A name that is no place (`CET`, `EST5EDT`) is shown as written: it is at least
    the exact name the festival was set up with, which an abbreviation is not.
    """
    parts = zone.split("/")
    place = parts[-1]
    if zone in _UTC_NAMES or (parts[0] == "Etc" and place in _UTC_NAMES):
        return "UTC"
    if parts[0] == "Etc":
        try:
            offset = datetime(2000, 1, 1, tzinfo=ZoneInfo(zone)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            return zone
        return format_offset(offset or timedelta(0))
    readable = place.replace("_", " ")
    # Abbreviation-like names (CET, EST5EDT, GB, NZ, PST8PDT, W-SU) name no place.
    if not readable.replace(" ", "").replace("-", "").isalpha() or readable.isupper():
        return zone
    return f"{readable} time"


def _noon_offset(day: date, tz: ZoneInfo) -> timedelta:
    return datetime.combine(day, time(12), tzinfo=tz).utcoffset() or timedelta(0)


def zone_legend(zone: str, first_day: date | None = None, last_day: date | None = None) -> str:
    """The zone's label and its UTC offset over `first_day`..`last_day` (a festival's dates):
    "Manila time, UTC+8"; when the clocks change during those days, each offset and the day it
    changes: "London time: UTC+1 until Sun 31 Oct, then UTC+0". Without dates, the offset of
    today. Changes happen at night, so each day is read at noon."""
    label = zone_label(zone)
    tz = ZoneInfo(zone)
    first = first_day or utcnow().date()
    last = last_day if last_day is not None and last_day >= first else first
    # A festival runs days or weeks; a runaway range (a typo'd year) is read for a year at most.
    last = min(last, first + timedelta(days=366))
    offsets = [_noon_offset(first, tz)]
    change_days: list[date] = []
    day = first + timedelta(days=1)
    while day <= last:
        offset = _noon_offset(day, tz)
        if offset != offsets[-1]:
            offsets.append(offset)
            change_days.append(day)
        day += timedelta(days=1)
    if len(offsets) == 1:
        # "UTC" and "UTC−5" (Etc zones) already are their offset.
        if label.startswith("UTC"):
            return label
        return f"{label}, {format_offset(offsets[0])}"
    pieces = [format_offset(offsets[0])]
    for changed, offset in zip(change_days, offsets[1:], strict=True):
        pieces.append(
            f"until {changed:%a} {changed.day} {changed:%b}, then {format_offset(offset)}"
        )
    return f"{label}: {' '.join(pieces)}"


def format_in_zone(moment: datetime | None, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """`Sun 10 Oct 2021, 18:30 London time`: the zone's reader label (`zone_label`) always
    follows the time, so a list mixing festivals in several zones reads unambiguously."""
    if moment is None:
        return ""
    local = to_zone(moment, zone)
    # to_zone keeps an out-of-range instant in UTC: then say so.
    name = "UTC" if local.tzinfo is UTC else zone_label(_zone_key(zone))
    return f"{local.strftime(fmt)} {name}"


def _zone_key(zone: str | tzinfo) -> str:
    if isinstance(zone, str):
        return zone
    return getattr(zone, "key", None) or str(zone)
