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
# Any instant the desk stores lies in these years: outside them it is a typo (year 1, 9999), and
# zone arithmetic near the ends of the calendar overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
# How far from its festival's dates a screening (press screenings run weeks ahead) and a piece's
# times (deadlines, embargoes, publication) may sensibly be, in days.
SCREENING_MARGIN_DAYS = 90
PIECE_DAYS_BEFORE, PIECE_DAYS_AFTER = 365, 730


def check_year(moment: datetime, *, field: str | None = None) -> None:
    """Refuse a date outside EARLIEST_YEAR..LATEST_YEAR, naming the field (InvalidInput)."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidInput(
            f"{moment:%Y-%m-%d} is not a date the festival desk can use: check the year.",
            field=field,
        )


def check_near_festival(
    moment: datetime,
    start: date,
    end: date,
    *,
    days_before: int,
    days_after: int,
    field: str | None = None,
) -> None:
    """Refuse an instant (UTC) further than `days_before` before the festival's first day or
    `days_after` after its last: a year typed wrong, which would scatter a calendar or a
    deadline list. Raises InvalidInput naming `field`."""
    earliest = datetime.combine(start - timedelta(days=days_before), time.min, UTC)
    latest = datetime.combine(end + timedelta(days=days_after + 1), time.min, UTC)
    if not earliest <= moment < latest:
        raise InvalidInput(
            f"{moment:%-d %B %Y} is too far from the festival ({start:%-d %B %Y} to "
            f"{end:%-d %B %Y}): check the date.",
            field=field,
        )


def local_to_utc(local: datetime, zone: str, *, field: str | None = None) -> datetime:
    """The UTC instant of a wall-clock time in `zone`.

    Refuses the two wall-clock times a DST change makes meaningless: one the clocks skip
    (it never happens) and one they repeat (it happens twice); guessing would put a critic
    at the cinema an hour early or late.
    """
    check_year(local, field=field)
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


def _end_on_clock(day: date, start: time, end: time, zone: str, starts_at: datetime) -> datetime:
    """The end instant of a clock time `end` on `day`, or the next morning when it is earlier
    than `start` (the screening runs past midnight). InvalidInput on field `end_time`."""
    if end == start:
        raise InvalidInput("The end must be after the start.", field="end_time")
    end_day = day if end > start else day + timedelta(days=1)
    ends_at = combine_local(end_day, end, zone, field="end_time")
    check_interval(starts_at, ends_at, field="end_time")
    return ends_at


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
    return starts_at, _end_on_clock(day, start, end, zone, starts_at)


# --- Editing stored times through a form ----------------------------------------------------

#: A screening longer than this is probably a typo (an end or a start in the wrong half of the
#: day): forms ask the editor to confirm it, the API reports it in `warnings`. A film whose own
#: runtime is longer may run up to an hour past it (an introduction, a Q&A) unremarked.
LONG_SCREENING = timedelta(hours=6)
LONG_FILM_ALLOWANCE = timedelta(hours=1)


def wall_clock(moment: datetime, zone: str) -> datetime:
    """How the instant `moment` reads on the clocks of `zone`, as a naive datetime."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _same_minute(local: datetime, moment: datetime, zone: str) -> bool:
    shown = wall_clock(moment, zone)
    return shown.replace(second=0, microsecond=0) == local.replace(second=0, microsecond=0)


def local_to_utc_as_shown(
    local: datetime, zone: str, *, shown: datetime | None, field: str | None = None
) -> datetime:
    """`local_to_utc`, except that the wall-clock time a form showed for the stored instant
    `shown`, sent back unchanged, is that instant.

    So a form never locks up on a time it displayed itself: a deadline or a screening stored
    at 01:15 GMT on the night the clocks go back reads "01:15", which `local_to_utc` refuses
    as ambiguous; unchanged, it keeps its instant (seconds included)."""
    if shown is not None and local.tzinfo is None and _same_minute(local, shown, zone):
        return shown
    return local_to_utc(local, zone, field=field)


def edited_interval(
    day: date,
    start: time,
    end: time | None,
    zone: str,
    runtime_minutes: int | None,
    *,
    current: tuple[datetime, datetime],
) -> tuple[datetime, datetime]:
    """Start and end in UTC from an edited screening form that showed the stored `current`.

    An end left as it was shown moves with the start: the screening keeps its length (moving
    a 03:30-05:30 screening to 15:30 makes it 15:30-17:30, never a 14-hour screening ending at
    05:30 the next day). A new end is read as `local_interval` reads it; an empty end is the
    start plus the runtime. Times sent back as shown keep their stored instants."""
    old_start, old_end = current
    starts_at = local_to_utc_as_shown(
        datetime.combine(day, start), zone, shown=old_start, field="start_time"
    )
    if end is None:
        return starts_at, default_end(starts_at, runtime_minutes)
    if wall_clock(old_end, zone).time().replace(second=0, microsecond=0) == end.replace(
        second=0, microsecond=0
    ):
        return starts_at, starts_at + (old_end - old_start)
    return starts_at, _end_on_clock(day, start, end, zone, starts_at)


def long_screening_warning(
    starts_at: datetime, ends_at: datetime, zone: str, runtime_minutes: int | None = None
) -> str | None:
    """A warning for a screening longer than LONG_SCREENING (or than a longer film's runtime
    and LONG_FILM_ALLOWANCE), naming its local times; else None."""
    length = ends_at - starts_at
    limit = LONG_SCREENING
    if runtime_minutes:
        limit = max(limit, timedelta(minutes=runtime_minutes) + LONG_FILM_ALLOWANCE)
    if length <= limit:
        return None
    hours, minutes = divmod(int(length.total_seconds()) // 60, 60)
    start, end = wall_clock(starts_at, zone), wall_clock(ends_at, zone)
    days = (end.date() - start.date()).days
    when = {0: "", 1: " the next day"}.get(days, f" {days} days later")
    span = f"{hours} h {minutes:02d} min" if minutes else f"{hours} hours"
    return (
        f"This screening runs {span}, from {start:%H:%M} to {end:%H:%M}{when}: "
        "check the start and end times."
    )
