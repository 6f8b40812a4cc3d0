"""Festival and venue operations. They change objects and flush; the caller commits once."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import func, select, update

from coverage.errors import Conflict, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival, FestivalSlug, Venue, VenueTravel
from coverage.programme.models import Screening
from coverage.programme.rules import (
    FestivalFields,
    check_travel_minutes,
    clean_festival,
    clean_venue_name,
)
from coverage.references import describe_pieces, pieces_referring_to


def festival_by_slug(slug: str) -> Festival | None:
    return db.session.scalar(select(Festival).where(Festival.slug == slug))


def festival_moved_to(old_slug: str) -> str | None:
    """The current slug of the festival that used to live at `old_slug`, or None."""
    return db.session.scalar(
        select(Festival.slug)
        .join(FestivalSlug, FestivalSlug.festival_id == Festival.id)
        .where(FestivalSlug.slug == old_slug)
    )


def _check_slug_free(slug: str, festival_id: int | None) -> None:
    existing = festival_by_slug(slug)
    if existing is not None and existing.id != festival_id:
        raise InvalidInput(
            f"Another festival ({existing.display_name}) already uses the address '{slug}'.",
            field="slug",
        )
    former = db.session.scalar(select(FestivalSlug).where(FestivalSlug.slug == slug))
    if former is not None and former.festival_id != festival_id:
        owner = db.session.get(Festival, former.festival_id)
        raise InvalidInput(
            f"'{slug}' was the address of {owner.display_name if owner else 'another festival'}, "
            "and its published links still lead there. Choose another.",
            field="slug",
        )


def _keep_old_slug(festival: Festival, new_slug: str) -> None:
    """Remember the address a festival leaves, so its published URLs redirect."""
    if festival.slug == new_slug:
        return
    returning = db.session.scalar(
        select(FestivalSlug).where(
            FestivalSlug.festival_id == festival.id, FestivalSlug.slug == new_slug
        )
    )
    if returning is not None:  # back to an address it had: it is current again
        db.session.delete(returning)
    if festival.slug and not db.session.scalar(
        select(FestivalSlug.id).where(FestivalSlug.slug == festival.slug)
    ):
        db.session.add(FestivalSlug(festival_id=festival.id, slug=festival.slug))


def create_festival(fields: FestivalFields) -> Festival:
    cleaned = clean_festival(fields)
    _check_slug_free(cleaned.slug, None)
    festival = Festival(**asdict(cleaned))
    db.session.add(festival)
    db.session.flush()
    return festival


def update_festival(festival: Festival, fields: FestivalFields) -> Festival:
    cleaned = clean_festival(fields)
    _check_slug_free(cleaned.slug, festival.id)
    _keep_old_slug(festival, cleaned.slug)
    for name, value in asdict(cleaned).items():
        setattr(festival, name, value)
    db.session.flush()
    return festival


def delete_festival(festival: Festival) -> None:
    """Refused while pieces exist: they are the desk's work, not programme data."""
    pieces = pieces_referring_to(festival=festival)
    if pieces:
        raise Conflict(
            f"{festival.display_name} cannot be deleted: {describe_pieces(pieces)} "
            "belong to it. Delete or move those pieces first."
        )
    db.session.delete(festival)
    db.session.flush()


def _check_venue_name_free(festival: Festival, name: str, venue_id: int | None) -> None:
    clash = db.session.scalar(
        select(Venue).where(
            Venue.festival_id == festival.id, func.lower(Venue.name) == name.lower()
        )
    )
    if clash is not None and clash.id != venue_id:
        raise InvalidInput(f"{festival.display_name} already has a venue '{name}'.", field="name")


def create_venue(festival: Festival, name: str, address: str = "") -> Venue:
    name = clean_venue_name(name)
    _check_venue_name_free(festival, name, None)
    venue = Venue(festival=festival, name=name, address=address.strip())
    db.session.add(venue)
    db.session.flush()
    return venue


def update_venue(venue: Venue, name: str, address: str) -> Venue:
    name = clean_venue_name(name)
    _check_venue_name_free(venue.festival, name, venue.id)
    if (venue.name, venue.address) != (name, address.strip()):
        # A screening's calendar LOCATION changes with its venue, so its SEQUENCE must rise.
        db.session.execute(
            update(Screening)
            .where(Screening.venue_id == venue.id)
            .values(sequence=Screening.sequence + 1)
        )
    venue.name = name
    venue.address = address.strip()
    db.session.flush()
    return venue


def delete_venue(venue: Venue) -> None:
    count = db.session.scalar(
        select(func.count()).select_from(Screening).where(Screening.venue_id == venue.id)
    )
    if count:
        raise Conflict(
            f"{venue.name} cannot be deleted: {count} screening{'s' if count != 1 else ''} "
            "take place there. Move or delete them first."
        )
    db.session.delete(venue)
    db.session.flush()


def travel_minutes(festival: Festival) -> dict[tuple[int, int], int]:
    """Minutes between venue pairs, keyed both ways round."""
    rows = db.session.scalars(
        select(VenueTravel)
        .join(Venue, Venue.id == VenueTravel.from_venue_id)
        .where(Venue.festival_id == festival.id)
    )
    table: dict[tuple[int, int], int] = {}
    for row in rows:
        table[(row.from_venue_id, row.to_venue_id)] = row.minutes
        table[(row.to_venue_id, row.from_venue_id)] = row.minutes
    return table


def set_travel_minutes(first: Venue, second: Venue, minutes: int | None) -> None:
    """Set (or with None, clear) the travel time between two venues of one festival."""
    if first.id == second.id:
        raise InvalidInput("Choose two different venues.", field="to_venue")
    if first.festival_id != second.festival_id:
        raise InvalidInput("Both venues must belong to the same festival.", field="to_venue")
    low, high = sorted((first.id, second.id))
    existing = db.session.scalar(
        select(VenueTravel).where(VenueTravel.from_venue_id == low, VenueTravel.to_venue_id == high)
    )
    if minutes is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(
            VenueTravel(from_venue_id=low, to_venue_id=high, minutes=check_travel_minutes(minutes))
        )
    else:
        existing.minutes = check_travel_minutes(minutes)
    db.session.flush()
