"""Film and screening operations, and the queries behind the programme pages.

Operations change objects and flush; the view, API handler or CLI command commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from coverage.errors import Conflict, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FilmFields, clean_film
from coverage.programme.schedule import (
    SCREENING_MARGIN_DAYS,
    Slot,
    check_interval,
    check_near_festival,
    default_end,
    festival_day_bounds,
    overlapping_in_venue,
)
from coverage.references import describe_pieces, pieces_referring_to
from coverage.timeutil import to_zone


def create_film(festival: Festival, fields: FilmFields) -> Film:
    film = Film(festival=festival, **asdict(clean_film(fields)))
    db.session.add(film)
    db.session.flush()
    return film


def update_film(film: Film, fields: FilmFields) -> Film:
    embargo_before = (film.embargo_rule, film.embargo_at, film.embargo_offset_minutes)
    for name, value in asdict(clean_film(fields)).items():
        setattr(film, name, value)
    if (film.embargo_rule, film.embargo_at, film.embargo_offset_minutes) != embargo_before:
        # Publication events in the desk calendar follow the embargo.
        film.embargo_sequence = (film.embargo_sequence or 0) + 1
    db.session.flush()
    return film


def delete_film(film: Film) -> int:
    """Delete a film with its screenings; refused while any piece refers to it or to them.

    Returns how many screenings went with it, so the desk is told.
    """
    pieces = pieces_referring_to(film=film)
    if pieces:
        raise Conflict(
            f"{film.title} cannot be deleted: {describe_pieces(pieces)} refer to it. "
            "Spike or delete those pieces, or point them at another film, first."
        )
    screenings = list(film.screenings)
    for screening in screenings:
        db.session.delete(screening)
    for person in list(film.people):
        person.film = None
    db.session.delete(film)
    db.session.flush()
    return len(screenings)


@dataclass(frozen=True)
class ScreeningFields:
    film_id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime | None = None
    kind: ScreeningKind = ScreeningKind.PUBLIC
    notes: str = ""


def _resolve(festival: Festival, fields: ScreeningFields) -> tuple[Film, Venue, datetime]:
    film = db.session.get(Film, fields.film_id)
    if film is None or film.festival_id != festival.id:
        raise InvalidInput(f"Choose a film of {festival.display_name}.", field="film_id")
    venue = db.session.get(Venue, fields.venue_id)
    if venue is None or venue.festival_id != festival.id:
        raise InvalidInput(f"Choose a venue of {festival.display_name}.", field="venue_id")
    check_near_festival(
        fields.starts_at,
        festival.start_date,
        festival.end_date,
        days_before=SCREENING_MARGIN_DAYS,
        days_after=SCREENING_MARGIN_DAYS,
        field="day",
    )
    ends_at = fields.ends_at or default_end(fields.starts_at, film.runtime_minutes)
    check_interval(fields.starts_at, ends_at, field="end_time")
    return film, venue, ends_at


def create_screening(festival: Festival, fields: ScreeningFields) -> Screening:
    film, venue, ends_at = _resolve(festival, fields)
    screening = Screening(
        festival=festival,
        film=film,
        venue=venue,
        starts_at=fields.starts_at,
        ends_at=ends_at,
        kind=fields.kind,
        notes=fields.notes.strip(),
    )
    db.session.add(screening)
    schedule_changed(film)
    db.session.flush()
    return screening


def schedule_changed(film: Film) -> None:
    """A screening of the film appeared, moved, or went: a first-public-screening embargo may
    have moved, so publication events in the desk calendar must be re-sent."""
    film.embargo_sequence = (film.embargo_sequence or 0) + 1


def update_screening(screening: Screening, fields: ScreeningFields) -> Screening:
    """Move or correct a screening in place: same row, same calendar UID, higher SEQUENCE."""
    film, venue, ends_at = _resolve(screening.festival, fields)
    previous_film = screening.film
    changed = (
        screening.starts_at != fields.starts_at
        or screening.ends_at != ends_at
        or screening.venue_id != venue.id
        or screening.kind != fields.kind
        or screening.film_id != film.id
    )
    screening.film = film
    screening.venue = venue
    screening.starts_at = fields.starts_at
    screening.ends_at = ends_at
    screening.kind = fields.kind
    screening.notes = fields.notes.strip()
    if changed:
        screening.sequence += 1
        schedule_changed(film)
        if previous_film is not film:
            schedule_changed(previous_film)
    db.session.flush()
    return screening


def cancel_screening(screening: Screening) -> None:
    if not screening.cancelled:
        screening.cancelled = True
        screening.sequence += 1
        schedule_changed(screening.film)
        db.session.flush()


def restore_screening(screening: Screening) -> None:
    if screening.cancelled:
        screening.cancelled = False
        screening.sequence += 1
        schedule_changed(screening.film)
        db.session.flush()


def delete_screening(screening: Screening) -> None:
    pieces = pieces_referring_to(screenings=[screening])
    if pieces:
        raise Conflict(
            f"This screening of {screening.film.title} cannot be deleted: "
            f"{describe_pieces(pieces)} send a writer to it. Cancel it instead, "
            "or choose another screening for those pieces."
        )
    schedule_changed(screening.film)
    db.session.delete(screening)
    db.session.flush()


# --- Queries behind the pages -------------------------------------------------------------


@dataclass(frozen=True)
class DayFilters:
    venue_id: int | None = None
    kind: ScreeningKind | None = None
    section: str = ""
    query: str = ""

    @property
    def active(self) -> bool:
        return bool(self.venue_id or self.kind or self.section or self.query)


@dataclass
class VenueGroup:
    venue: Venue
    screenings: list[Screening] = field(default_factory=list)


@dataclass
class DaySchedule:
    festival: Festival
    day: date
    groups: list[VenueGroup]
    total_on_day: int
    shown: int
    # Screening id -> ids it overlaps in the same venue (over the whole day, filters aside).
    overlaps: dict[int, set[int]]
    by_id: dict[int, Screening]

    def overlapping(self, screening: Screening) -> list[Screening]:
        ids = self.overlaps.get(screening.id, set())
        return sorted((self.by_id[i] for i in ids), key=lambda s: s.starts_at)


def screenings_between(festival: Festival, start: datetime, end: datetime) -> list[Screening]:
    """One query: the screenings starting in [start, end) with film and venue loaded."""
    query = (
        select(Screening)
        .join(Screening.film)
        .join(Screening.venue)
        .options(contains_eager(Screening.film), contains_eager(Screening.venue))
        .where(
            Screening.festival_id == festival.id,
            Screening.starts_at >= start,
            Screening.starts_at < end,
        )
        .order_by(Screening.starts_at, Venue.name, Screening.id)
    )
    return list(db.session.scalars(query).unique())


def day_schedule(festival: Festival, day: date, filters: DayFilters) -> DaySchedule:
    """A festival-local day in time order, grouped by venue, in a constant number of queries."""
    start, end = festival_day_bounds(day, festival.timezone)
    screenings = screenings_between(festival, start, end)
    overlaps = overlapping_in_venue(
        Slot(s.id, s.venue_id, s.starts_at, s.ends_at, s.cancelled) for s in screenings
    )
    needle = filters.query.strip().casefold()
    groups: dict[int, VenueGroup] = {}
    shown = 0
    for screening in screenings:
        film = screening.film
        if filters.venue_id and screening.venue_id != filters.venue_id:
            continue
        if filters.kind and screening.kind != filters.kind:
            continue
        if filters.section and film.section != filters.section:
            continue
        if (
            needle
            and needle not in film.title.casefold()
            and needle not in (film.original_title.casefold())
        ):
            continue
        groups.setdefault(screening.venue_id, VenueGroup(screening.venue)).screenings.append(
            screening
        )
        shown += 1
    # Venues ordered by their first screening of the day, so the page reads top to bottom in time.
    ordered = sorted(groups.values(), key=lambda g: (g.screenings[0].starts_at, g.venue.name))
    by_id = {screening.id: screening for screening in screenings}
    return DaySchedule(festival, day, ordered, len(screenings), shown, overlaps, by_id)


def screening_counts_by_day(festival: Festival) -> dict[date, int]:
    """Screenings per festival-local day (grouped in Python: the zone maths is not SQL's)."""
    starts = db.session.scalars(
        select(Screening.starts_at).where(Screening.festival_id == festival.id)
    )
    counts: dict[date, int] = {}
    for moment in starts:
        local_day = to_zone(moment, festival.timezone).date()
        counts[local_day] = counts.get(local_day, 0) + 1
    return counts


def festival_sections(festival: Festival) -> list[str]:
    rows = db.session.scalars(
        select(Film.section)
        .where(Film.festival_id == festival.id, Film.section != "")
        .distinct()
        .order_by(Film.section)
    )
    return list(rows)


def festival_counts(festival: Festival) -> dict[str, int]:
    def count(model, *criteria) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0

    return {
        "films": count(Film, Film.festival_id == festival.id),
        "venues": count(Venue, Venue.festival_id == festival.id),
        "screenings": count(Screening, Screening.festival_id == festival.id),
        "cancelled": count(
            Screening, Screening.festival_id == festival.id, Screening.cancelled.is_(True)
        ),
    }


def films_of(festival: Festival, query: str = "", section: str = "") -> Sequence[Film]:
    statement = (
        select(Film)
        .where(Film.festival_id == festival.id)
        .options(selectinload(Film.screenings))
        .order_by(func.lower(Film.title))
    )
    if section:
        statement = statement.where(Film.section == section)
    films = db.session.scalars(statement).all()
    needle = query.strip().casefold()
    if needle:
        films = [
            film
            for film in films
            if needle in film.title.casefold() or needle in film.directors.casefold()
        ]
    return films


def film_with_screenings(festival: Festival, film_id: int) -> Film | None:
    return db.session.scalar(
        select(Film)
        .where(Film.id == film_id, Film.festival_id == festival.id)
        .options(selectinload(Film.screenings).selectinload(Screening.venue))
    )
