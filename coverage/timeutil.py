"""Time helpers: everything is stored in UTC and shown in a festival's zone with its name."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


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


def format_in_zone(moment: datetime | None, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """`Sun 10 Oct 2021, 18:30 BST`: the zone's abbreviation always follows the time."""
    if moment is None:
        return ""
    local = to_zone(moment, zone)
    return f"{local.strftime(fmt)} {local.tzname()}"
