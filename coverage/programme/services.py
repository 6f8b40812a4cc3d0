"""Film and screening operations, and the queries behind the programme pages.

Operations change objects and flush; the view, API handler or CLI command commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, String, cast, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from coverage import locking
from coverage.accounts.models import User
from coverage.errors import Conflict, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.festivals.venue_names import building_and_room, venue_key, venue_sort_key
from coverage.field_limits import SCREENING_NOTES, check_length
from coverage.pieces.clashes import Commitment
from coverage.pieces.embargo import ScreeningTime, resolve_rule
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.pieces.services import clashes_for, film_embargo_rule, piece_title
from coverage.programme.impact import (
    AffectedPiece,
    FilmEmbargo,
    Impact,
    PieceRef,
    Reason,
    ScreeningState,
    affected_pieces,
    attendance_changes,
    candidate_films,
    clash_line,
    notice_text,
)
from coverage.programme.import_plan import ScreeningToUpdate
from coverage.programme.kinds import EmbargoRule, ScreeningKind
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
from coverage.timeutil import to_zone, utcnow


def create_film(festival: Festival, fields: FilmFields) -> Film:
    film = Film(festival=festival, **asdict(clean_film(fields)))
    db.session.add(film)
    db.session.flush()
    return film


def update_film(film: Film, fields: FilmFields) -> Film:
    # The premiere status counts: a festival's default may hold back premieres only.
    embargo_before = (
        film.embargo_rule,
        film.embargo_at,
        film.embargo_offset_minutes,
        film.premiere_status,
    )
    for name, value in asdict(clean_film(fields)).items():
        setattr(film, name, value)
    embargo_after = (
        film.embargo_rule,
        film.embargo_at,
        film.embargo_offset_minutes,
        film.premiere_status,
    )
    if embargo_after != embargo_before:
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
    check_length(fields.notes.strip(), SCREENING_NOTES, "notes")
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


def update_screening(
    screening: Screening,
    fields: ScreeningFields,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> Screening:
    """Move or correct a screening in place: same row, same calendar UID, higher SEQUENCE.

    The writers who attend it, and the writers and editors of pieces whose embargo follows it,
    are notified (`notify_schedule_change`); asking first is the caller's part (the web page
    shows `impact_of_update` for confirmation).
    """
    lock_screening(screening)
    film, venue, ends_at = _resolve(screening.festival, fields)
    impact = _impact(screening, _proposed(screening, fields, film, venue, ends_at))
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
    notify_schedule_change(screening.festival, impact, actor, now)
    return screening


def cancel_screening(
    screening: Screening, *, actor: User | None = None, now: datetime | None = None
) -> Impact:
    """Cancel (it stays listed, struck through) and notify whom it affects; returns whom."""
    lock_screening(screening)
    impact = impact_of_cancel(screening)
    if not screening.cancelled:
        screening.cancelled = True
        screening.sequence += 1
        schedule_changed(screening.film)
        db.session.flush()
        notify_schedule_change(screening.festival, impact, actor, now)
    return impact


def restore_screening(
    screening: Screening, *, actor: User | None = None, now: datetime | None = None
) -> Impact:
    """Put a cancelled screening back on and notify whom it affects; returns whom."""
    lock_screening(screening)
    impact = impact_of_restore(screening)
    if screening.cancelled:
        screening.cancelled = False
        screening.sequence += 1
        schedule_changed(screening.film)
        db.session.flush()
        notify_schedule_change(screening.festival, impact, actor, now)
    return impact


def delete_screening(
    screening: Screening, *, actor: User | None = None, now: datetime | None = None
) -> Impact:
    """Delete a screening nobody attends; pieces whose embargo followed it are notified.

    Raises Conflict while a piece sends a writer to it (cancel it instead: the writer is told
    and the calendars keep it, struck through).
    """
    lock_screening(screening)
    pieces = pieces_referring_to(screenings=[screening])
    if pieces:
        raise Conflict(
            f"This screening of {screening.film.title} cannot be deleted: "
            f"{describe_pieces(pieces)} send a writer to it. Cancel it instead, "
            "or choose another screening for those pieces."
        )
    impact = impact_of_delete(screening)
    film = screening.film
    schedule_changed(film)
    db.session.delete(screening)
    db.session.flush()
    # The film's screenings list still holds the deleted row until it is read again.
    db.session.expire(film, ["screenings"])
    notify_schedule_change(film.festival, impact, actor, now)
    return impact


# --- Who a screening change reaches ----------------------------------------------------------


def lock_screening(screening: Screening) -> None:
    """Take the screening's row before reading whom a change affects, so the pieces named on
    the confirmation and those notified are the ones current when the change is written."""
    locking.lock_row(screening)


def state_of(screening: Screening) -> ScreeningState:
    return ScreeningState(
        film_id=screening.film_id,
        film_title=screening.film.title,
        starts_at=screening.starts_at,
        ends_at=screening.ends_at,
        venue=screening.venue.name,
        kind=screening.kind,
        cancelled=screening.cancelled,
        venue_id=screening.venue_id,
    )


def _proposed(
    screening: Screening, fields: ScreeningFields, film: Film, venue: Venue, ends_at: datetime
) -> ScreeningState:
    return ScreeningState(
        film_id=film.id,
        film_title=film.title,
        starts_at=fields.starts_at,
        ends_at=ends_at,
        venue=venue.name,
        kind=fields.kind,
        cancelled=screening.cancelled,
        venue_id=venue.id,
    )


def impact_of_update(screening: Screening, fields: ScreeningFields) -> Impact:
    """Whom saving `fields` would affect; changes nothing. Raises InvalidInput as the update
    would."""
    film, venue, ends_at = _resolve(screening.festival, fields)
    return _impact(screening, _proposed(screening, fields, film, venue, ends_at))


def impact_of_cancel(screening: Screening) -> Impact:
    return _impact(screening, replace(state_of(screening), cancelled=True))


def cancel_reaches(screening: Screening, cache: dict) -> bool:
    """Whether cancelling `screening` would reach a piece (so the page naming them asks, not a
    dialog). `cache`: a per-request dict; one query per festival for the pieces in hand, then
    an exact impact only for screenings of films those pieces concern."""
    key = ("cancel_reaches", screening.festival_id)
    if key not in cache:
        rows = db.session.execute(
            select(Piece.screening_id, Piece.film_id).where(
                Piece.festival_id == screening.festival_id,
                Piece.state.not_in([PieceState.PUBLISHED, PieceState.SPIKED]),
            )
        ).all()
        cache[key] = ({r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]})
    attended, films = cache[key]
    if screening.cancelled:
        return False
    if screening.id in attended:
        return True
    if screening.film_id in films:
        return bool(impact_of_cancel(screening))
    return False


def cancels_reaching(screenings: Sequence[Screening]) -> set[int]:
    """The ids of `screenings` whose cancelling would reach a piece: `cancel_reaches` for each
    (the same answer, through `affected_pieces`), asked once for a page listing many. Three
    queries of plain rows whatever their number: the pieces in hand attending them or of their
    films, those films' embargo rules, and those films' screenings. The screenings' films and
    venues must be loaded (`state_of`)."""
    live = [s for s in screenings if not s.cancelled]
    if not live:
        return set()
    pieces = db.session.execute(
        select(Piece.id, Piece.state, Piece.film_id, Piece.screening_id, Piece.embargo_at).where(
            or_(
                Piece.screening_id.in_([s.id for s in live]),
                Piece.film_id.in_({s.film_id for s in live}),
            ),
            Piece.state.not_in([PieceState.PUBLISHED, PieceState.SPIKED]),
        )
    ).all()
    attended = {row.screening_id for row in pieces}
    refs: dict[int, list[PieceRef]] = {}
    for row in pieces:
        if row.film_id is not None:
            refs.setdefault(row.film_id, []).append(
                PieceRef(row.id, "", row.state, row.film_id, row.screening_id, row.embargo_at)
            )
    reaching = {s.id for s in live if s.id in attended}
    asked = [s for s in live if s.id not in attended and s.film_id in refs]
    film_ids = {s.film_id for s in asked}
    if not film_ids:
        return reaching
    rules = {
        row.id: row
        for row in db.session.execute(
            select(
                Film.id,
                Film.embargo_rule,
                Film.embargo_at,
                Film.embargo_offset_minutes,
                Film.premiere_status,
                Festival.default_embargo,
            )
            .join(Festival, Festival.id == Film.festival_id)
            .where(Film.id.in_(film_ids))
        )
    }
    times: dict[int, list[tuple[int, ScreeningTime]]] = {}
    for row in db.session.execute(
        select(
            Screening.film_id,
            Screening.id,
            Screening.starts_at,
            Screening.kind,
            Screening.cancelled,
        ).where(Screening.film_id.in_(film_ids))
    ):
        times.setdefault(row.film_id, []).append(
            (row.id, ScreeningTime(row.starts_at, row.kind, row.cancelled))
        )
    for screening in asked:
        film = rules[screening.film_id]
        # The rule in force: the film's own, or the festival's default it follows.
        rule = resolve_rule(film.embargo_rule, film.default_embargo, film.premiere_status).rule
        if rule is not EmbargoRule.FIRST_PUBLIC_SCREENING:
            continue
        embargo = FilmEmbargo(
            film_id=film.id,
            rule=rule,
            fixed_at=film.embargo_at,
            offset_minutes=film.embargo_offset_minutes,
            other_screenings=tuple(
                time for other, time in times.get(film.id, []) if other != screening.id
            ),
        )
        before = state_of(screening)
        after = replace(before, cancelled=True)
        if affected_pieces(screening.id, before, after, refs[film.id], {film.id: embargo}):
            reaching.add(screening.id)
    return reaching


def impact_of_restore(screening: Screening) -> Impact:
    return _impact(screening, replace(state_of(screening), cancelled=False))


def impact_of_delete(screening: Screening) -> Impact:
    return _impact(screening, replace(state_of(screening), gone=True))


def impacts_of_import(moves: Sequence[ScreeningToUpdate]) -> list[Impact]:
    """Before a re-import writes `moves`: whom each reaches among the pieces attending them.

    Embargoes are left out here: one import can move several screenings of a film, so one
    screening's view of which is the first public screening could name the wrong instant.
    One query when no piece attends a moved screening.
    """
    ids = [move.screening_id for move in moves]
    if not ids:
        return []
    attended = set(
        db.session.scalars(
            select(Piece.screening_id).where(
                Piece.screening_id.in_(ids),
                Piece.state.not_in([PieceState.PUBLISHED, PieceState.SPIKED]),
            )
        )
    )
    impacts = []
    for move in moves:
        if move.screening_id not in attended:
            continue
        screening = db.session.get(Screening, move.screening_id)
        after = replace(
            state_of(screening),
            starts_at=move.starts_at,
            ends_at=move.ends_at,
            venue=move.venue_name,
            kind=move.kind,
        )
        impact = _impact(screening, after, embargo=False)
        if impact:
            impacts.append(impact)
    return impacts


def _impact(screening: Screening, after: ScreeningState, *, embargo: bool = True) -> Impact:
    """Two or three queries: the films' other screenings, and the candidate pieces with their
    writers and editors."""
    before = state_of(screening)
    embargoes: dict[int, FilmEmbargo] = {}
    for film_id in candidate_films(before, after) if embargo else ():
        film = db.session.get(Film, film_id)
        # The rule in force: the film's own, or the festival's default it follows.
        rule = film_embargo_rule(film).rule if film is not None else None
        if film is None or rule is not EmbargoRule.FIRST_PUBLIC_SCREENING:
            continue
        embargoes[film_id] = FilmEmbargo(
            film_id=film.id,
            rule=rule,
            fixed_at=film.embargo_at,
            offset_minutes=film.embargo_offset_minutes,
            other_screenings=tuple(
                ScreeningTime(s.starts_at, s.kind, s.cancelled)
                for s in film.screenings
                if s.id != screening.id
            ),
        )
    following = Piece.film_id.in_(list(embargoes)) if embargoes else false()
    pieces = db.session.scalars(
        select(Piece)
        .where(
            or_(Piece.screening_id == screening.id, following),
            Piece.state.not_in([PieceState.PUBLISHED, PieceState.SPIKED]),
        )
        .options(
            selectinload(Piece.writer),
            selectinload(Piece.editor),
            selectinload(Piece.film),
            selectinload(Piece.interviewees),
        )
        .order_by(Piece.id)
    ).all()
    refs = [
        PieceRef(
            id=piece.id,
            title=piece_title(piece),
            state=piece.state,
            film_id=piece.film_id,
            screening_id=piece.screening_id,
            own_embargo_at=piece.embargo_at,
            writer_id=piece.writer_id,
            writer_name=piece.writer.name if piece.writer is not None else "",
            editor_id=piece.editor_id,
            editor_name=piece.editor.name if piece.editor is not None else "",
        )
        for piece in pieces
    ]
    return affected_pieces(screening.id, before, after, refs, embargoes)


def new_clashes(festival: Festival, impact: Impact) -> list[str]:
    """The clashes a move or restore creates for the writers attending the screening, in words
    (`clash_line`), one per writer and other commitment; clashes the screening already had at
    its old time are left out. Empty when it is cancelled or deleted, or nobody attends."""
    before, after = impact.before, impact.after
    if not after.on or not attendance_changes(before, after):
        return []
    zone = festival.timezone
    lines: list[str] = []
    for item in impact.affected:
        writer_id = item.piece.writer_id
        if Reason.ATTENDS not in item.reasons or writer_id is None:
            continue

        def commitment(state: ScreeningState, piece_id: int = item.piece.id) -> Commitment:
            return Commitment(
                state.starts_at,
                state.ends_at,
                state.venue_id,
                state.venue,
                f"{state.film_title} ({state.kind.label.lower()} screening)",
                piece_id=piece_id,
                screening_id=impact.screening_id,
            )

        already = set()
        if before.on:
            already = {
                (c.other.piece_id, c.other.what)
                for c in clashes_for(festival, writer_id, commitment(before), item.piece.id)
            }
        for clash in clashes_for(festival, writer_id, commitment(after), item.piece.id):
            if (clash.other.piece_id, clash.other.what) in already:
                continue
            lines.append(clash_line(item.piece.writer_name, clash, zone))
    return list(dict.fromkeys(lines))


def recipients(impact: Impact, actor: User | None) -> list[tuple[AffectedPiece, User]]:
    """Who is told, per piece: the people `AffectedPiece.recipients` names, except whoever
    made the change (they know) and deactivated accounts."""
    told: list[tuple[AffectedPiece, User]] = []
    for item in impact.affected:
        for user_id in item.recipients():
            user = db.session.get(User, user_id)  # loaded with the pieces
            if user is None or not user.active or (actor is not None and user.id == actor.id):
                continue
            told.append((item, user))
    return told


def notify_schedule_change(
    festival: Festival, impact: Impact, actor: User | None, now: datetime | None = None
) -> int:
    """Tell each affected piece's people of the change, in-app and by email (through the
    notifications outbox, in this transaction). Returns how many notices were written."""
    told = recipients(impact, actor)
    if not told:
        return 0
    from coverage.notifications.rules import NoticeKind
    from coverage.notifications.services import notify

    moment = now or utcnow()
    for item, user in told:
        subject, body = notice_text(
            impact,
            item,
            festival.timezone,
            festival=festival.display_name,
            by=actor.name if actor is not None else "",
            at=moment,
        )
        notify(
            user,
            NoticeKind.SCHEDULE_CHANGED,
            subject=subject,
            body=body,
            link=f"/pieces/{item.piece.id}",
            now=moment,
            piece=db.session.get(Piece, item.piece.id),
            actor=actor,
        )
    return len(told)


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

    @property
    def building(self) -> str:
        """The building: "Southbank" for "Southbank – NFT1"; a name with no room, whole."""
        return building_and_room(self.venue.name)[0]

    @property
    def room(self) -> str:
        return building_and_room(self.venue.name)[1]


@dataclass
class BuildingGroup:
    """The rooms of one building shown on a day, in order."""

    name: str
    rooms: list[VenueGroup]


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

    @property
    def buildings(self) -> list[BuildingGroup]:
        """The groups, rooms of one building together (they are sorted so already)."""
        buildings: list[BuildingGroup] = []
        for group in self.groups:
            key = venue_key(group.building)
            if buildings and venue_key(buildings[-1].name) == key:
                buildings[-1].rooms.append(group)
            else:
                buildings.append(BuildingGroup(group.building, [group]))
        return buildings


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


def aggregates_as_one(*aggregates: ColumnElement) -> ColumnElement:
    """Several aggregates of one subquery as one text value ("a|b"), so that the table is read
    once for all of them: a fingerprint (`coverage.fragments`) only compares values. A NULL
    (the latest change of no rows) reads as empty."""
    joined: ColumnElement | None = None
    for aggregate in aggregates:
        text = func.coalesce(cast(aggregate, String), "")
        joined = text if joined is None else joined + "|" + text
    assert joined is not None
    return joined


def festival_fingerprint_columns(festival_id: ColumnElement[int]) -> list[ColumnElement]:
    """What a festival's programme pages are built from, as columns to read beside the festival
    (`festivals.views.get_festival_and`): the festival's own `updated_at`, and the latest
    `updated_at` and the number of rows of its screenings, films, venues and pieces. Any write
    to them moves a latest change (every update sets `updated_at`) or a count (a deletion), so
    equal fingerprints mean the same data (`coverage.fragments`). `festival_id` may be
    `Festival.id` itself: the subqueries correlate to it."""

    def changed_and_count(model) -> ColumnElement:
        return (
            select(aggregates_as_one(func.max(model.updated_at), func.count()))
            .select_from(model)
            .where(model.festival_id == festival_id)
            .scalar_subquery()
        )

    own = aliased(Festival)
    return [
        select(own.updated_at).where(own.id == festival_id).scalar_subquery(),
        changed_and_count(Screening),
        changed_and_count(Film),
        changed_and_count(Venue),
        changed_and_count(Piece),
    ]


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
    # A stable order the desk learns: building, then room, numbers as numbers ("Screen 2" before
    # "Screen 10"); not by the day's first screening, which moves venues about from day to day.
    ordered = sorted(groups.values(), key=lambda g: (venue_sort_key(g.venue.name), g.venue.id))
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
