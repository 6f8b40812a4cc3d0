"""Festival and venue operations. They change objects and flush; the caller commits once."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import func, select, update

from coverage import locking
from coverage.errors import Conflict, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival, FestivalSlug, Venue, VenueAlias, VenueTravel
from coverage.festivals.venue_names import building_key, in_building_minutes, venue_key
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Screening
from coverage.programme.rules import (
    FestivalFields,
    check_travel_minutes,
    clean_festival,
    clean_venue_address,
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
    if cleaned.default_embargo != festival.default_embargo:
        # The films that follow the default have a new embargo: the desk calendar's
        # publication events follow it (their sequence only rises).
        db.session.execute(
            update(Film)
            .where(
                Film.festival_id == festival.id,
                Film.embargo_rule == EmbargoRule.FESTIVAL_DEFAULT,
            )
            .values(embargo_sequence=Film.embargo_sequence + 1)
            .execution_options(synchronize_session="fetch")
        )
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
    address = clean_venue_address(address)
    _check_venue_name_free(festival, name, None)
    venue = Venue(festival=festival, name=name, address=address)
    db.session.add(venue)
    db.session.flush()
    return venue


def update_venue(venue: Venue, name: str, address: str) -> Venue:
    name = clean_venue_name(name)
    clean_venue_address(address)
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
    """Minutes between venue pairs, keyed both ways round, as the clash check reads them: the
    stored minutes of a pair, else for two rooms of one building ("Southbank – NFT1" and
    "Southbank – NFT2") the short in-building walk (`venue_names.in_building_minutes`). Pairs
    missing here fall back to the festival's default buffer."""
    table = stored_travel_minutes(festival)
    for (first, second), minutes in in_building_defaults(festival).items():
        table.setdefault((first, second), minutes)
        table.setdefault((second, first), minutes)
    return table


def in_building_defaults(festival: Festival) -> dict[tuple[int, int], int]:
    """The in-building minutes for every pair of rooms of one building (lower id first)."""
    minutes = in_building_minutes(festival.travel_buffer_minutes)
    buildings: dict[str, list[int]] = {}
    for venue_id, name in db.session.execute(
        select(Venue.id, Venue.name).where(Venue.festival_id == festival.id).order_by(Venue.id)
    ):
        key = building_key(name)
        if key is not None:
            buildings.setdefault(key, []).append(venue_id)
    return {
        (first, second): minutes
        for rooms in buildings.values()
        for index, first in enumerate(rooms)
        for second in rooms[index + 1 :]
    }


def stored_travel_minutes(festival: Festival) -> dict[tuple[int, int], int]:
    """The minutes the desk stored, keyed both ways round."""
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


def save_travel_table(festival: Festival, minutes: dict[tuple[int, int], int | None]) -> int:
    """Store the travel table's pairs (lower id first; None clears the pair so it falls back to
    the default) in one go. Pairs of venues not of this festival are ignored. Returns how many
    pairs changed."""
    ids = set(db.session.scalars(select(Venue.id).where(Venue.festival_id == festival.id)))
    stored = {
        (row.from_venue_id, row.to_venue_id): row
        for row in db.session.scalars(select(VenueTravel).where(VenueTravel.from_venue_id.in_(ids)))
    }
    changed = 0
    for (low, high), value in minutes.items():
        if low >= high or low not in ids or high not in ids:
            continue
        row = stored.get((low, high))
        if value is None:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            value = check_travel_minutes(value)
            db.session.add(VenueTravel(from_venue_id=low, to_venue_id=high, minutes=value))
            changed += 1
        elif row.minutes != value:
            row.minutes = check_travel_minutes(value)
            changed += 1
    db.session.flush()
    return changed


# --- Merging venues ---------------------------------------------------------------------------


def merge_counts(sources: list[Venue]) -> dict[str, int]:
    """What a merge of `sources` would move: screenings, travel times, aliases."""
    ids = [venue.id for venue in sources]

    def count(model, *criteria) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0

    return {
        "screenings": count(Screening, Screening.venue_id.in_(ids)),
        "travel": count(
            VenueTravel, VenueTravel.from_venue_id.in_(ids) | VenueTravel.to_venue_id.in_(ids)
        ),
        "aliases": count(VenueAlias, VenueAlias.venue_id.in_(ids)),
    }


def merge_venues(festival: Festival, target: Venue, sources: list[Venue], now) -> int:
    """Merge `sources` into `target`, all venues of `festival`; returns how many screenings
    moved.

    Screenings keep their ids, so their calendar UIDs, and move to the target with SEQUENCE and
    LAST-MODIFIED raised (their LOCATION changes, as for a venue rename). Travel times follow:
    a pair that becomes the target with itself is dropped, and where the target and a source
    both had a time to a third venue the smaller is kept. The sources' names and aliases become
    aliases of the target, so the next import lands their spellings there; the sources go.
    Raises InvalidInput when no venue to merge is given or one is not of the festival.
    """
    sources = [venue for venue in sources if venue.id != target.id]
    if not sources:
        raise InvalidInput("Choose at least one other venue to merge into it.", field="sources")
    if any(venue.festival_id != festival.id for venue in [target, *sources]):
        raise InvalidInput("Merge only venues of this festival.", field="sources")
    locking.lock_row(festival)  # one merge or import of the festival at a time
    source_ids = [venue.id for venue in sources]
    merged = {*source_ids, target.id}

    moved = db.session.execute(
        update(Screening)
        .where(Screening.venue_id.in_(source_ids))
        .values(venue_id=target.id, sequence=Screening.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount

    rows = list(
        db.session.scalars(
            select(VenueTravel).where(
                VenueTravel.from_venue_id.in_(merged) | VenueTravel.to_venue_id.in_(merged)
            )
        )
    )
    kept: dict[tuple[int, int], int] = {}
    for row in rows:
        first = target.id if row.from_venue_id in merged else row.from_venue_id
        second = target.id if row.to_venue_id in merged else row.to_venue_id
        if first == second:
            continue  # a time between two of the merged venues: now one place
        pair = (min(first, second), max(first, second))
        kept[pair] = min(kept.get(pair, row.minutes), row.minutes)
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    for (low, high), minutes in kept.items():
        db.session.add(VenueTravel(from_venue_id=low, to_venue_id=high, minutes=minutes))

    aliases = {
        alias.key: alias
        for alias in db.session.scalars(
            select(VenueAlias).where(VenueAlias.festival_id == festival.id)
        )
    }
    for alias in aliases.values():
        if alias.venue_id in source_ids:
            alias.venue_id = target.id
    target_key = venue_key(target.name)
    for source in sources:
        key = venue_key(source.name)
        if key == target_key:
            continue
        if key in aliases:
            aliases[key].venue_id = target.id
        else:
            db.session.add(
                VenueAlias(
                    festival_id=festival.id, key=key, spelling=source.name, venue_id=target.id
                )
            )
    if not target.address:
        target.address = next((venue.address for venue in sources if venue.address), "")
    target.updated_at = now
    db.session.flush()
    for source in sources:
        db.session.expire(source, ["aliases"])
        db.session.delete(source)
    db.session.flush()
    db.session.expire_all()
    return moved
