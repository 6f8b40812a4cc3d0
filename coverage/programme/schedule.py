"""Schedule rules: festival-local time entry across DST changes, and same-venue overlaps.

Pure functions (no Flask, no database) so the forms, the importer, the API and the tests agree
on what a local time means and on what counts as a data-entry mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coverage.errors import InvalidInput

DEFAULT_RUNTIME_MINUTES = 120


def local_to_utc(local: datetime, zone: str, *, field: str | None = None) -> datetime:
    """The UTC instant of a wall-clock time in `zone`.

    Refuses the two wall-clock times a DST change makes meaningless: one the clocks skip
    (it never happens) and one they repeat (it happens twice); guessing would put a critic
    at the cinema an hour early or late.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    tz = ZoneInfo(zone)
    earlier = local.replace(tzinfo=tz, fold=0)
    later = local.replace(tzinfo=tz, fold=1)
    shown = f"{local:%H:%M} on {local:%-d %B %Y}"
    round_trip = earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != local:
        raise InvalidInput(
            f"{shown} does not exist in {zone}: the clocks go forward that night. "
            "Enter the time as the festival published it after the change.",
            field=field,
        )
    if earlier.utcoffset() != later.utcoffset():
        first = earlier.astimezone(UTC)
        second = later.astimezone(UTC)
        raise InvalidInput(
            f"{shown} happens twice in {zone}: the clocks go back that night "
            f"({earlier.tzname()} {first:%H:%M} UTC or {later.tzname()} {second:%H:%M} UTC). "
            "Enter the start in UTC through the API, or pick a time outside that hour.",
            field=field,
        )
    return earlier.astimezone(UTC)


def combine_local(day: date, at: time, zone: str, *, field: str | None = None) -> datetime:
    return local_to_utc(datetime.combine(day, at), zone, field=field)


def default_end(starts_at: datetime, runtime_minutes: int | None) -> datetime:
    """End of a screening when none is given: start plus the film's runtime."""
    return starts_at + timedelta(minutes=runtime_minutes or DEFAULT_RUNTIME_MINUTES)


def check_interval(starts_at: datetime, ends_at: datetime, *, field: str = "ends_at") -> None:
    if ends_at <= starts_at:
        raise InvalidInput("The end must be after the start.", field=field)


def festival_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC interval of one festival-local calendar day (23 or 25 hours on DST days)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


def festival_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


@dataclass(frozen=True)
class Slot:
    """What the overlap rule needs of a screening."""

    id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False


def overlapping_in_venue(slots: Iterable[Slot]) -> dict[int, set[int]]:
    """For each screening id, the ids of other live screenings overlapping it in the same venue.

    Two screenings in one room at once is a data-entry mistake; touching (one ends as the next
    starts) is a normal turnaround. Cancelled screenings free the room.
    """
    by_venue: dict[int, list[Slot]] = {}
    for slot in slots:
        if not slot.cancelled:
            by_venue.setdefault(slot.venue_id, []).append(slot)
    clashes: dict[int, set[int]] = {}
    for venue_slots in by_venue.values():
        ordered: Sequence[Slot] = sorted(venue_slots, key=lambda s: (s.starts_at, s.id))
        for index, slot in enumerate(ordered):
            for later in ordered[index + 1 :]:
                if later.starts_at >= slot.ends_at:
                    break
                clashes.setdefault(slot.id, set()).add(later.id)
                clashes.setdefault(later.id, set()).add(slot.id)
    return clashes


def local_interval(
    day: date,
    start: time,
    end: time | None,
    zone: str,
    runtime_minutes: int | None,
) -> tuple[datetime, datetime]:
    """Start and end in UTC from a festival-local day and clock times.

    An end clock time earlier than the start means the screening runs past midnight.
    """
    starts_at = combine_local(day, start, zone, field="start_time")
    if end is None:
        return starts_at, default_end(starts_at, runtime_minutes)
    if end == start:
        raise InvalidInput("The end must be after the start.", field="end_time")
    end_day = day if end > start else day + timedelta(days=1)
    ends_at = combine_local(end_day, end, zone, field="end_time")
    check_interval(starts_at, ends_at, field="end_time")
    return starts_at, ends_at
