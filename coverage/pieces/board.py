"""The desk's overviews: coverage board, writer load, and a writer's own work.

Each is built from a few whole-festival queries and grouped in Python, so the number of queries
does not grow with films or pieces (tests assert it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.pieces.inbox import InboxSection, desk_inbox, line_options
from coverage.pieces.inbox_rules import FestivalDates, festival_ranks
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import (
    ClashOverride,
    Piece,
    Transition,
    piece_films,
    piece_interviewees,
)
from coverage.pieces.services import (
    COMMITTED_STATES,
    OverrideNow,
    commitment_for,
    is_desk,
    overrides_now,
)
from coverage.programme.kinds import PremiereStatus, ScreeningKind
from coverage.programme.models import Film, Person, Screening
from coverage.programme.schedule import festival_days
from coverage.timeutil import to_zone

PRESS_KINDS = (ScreeningKind.PRESS, ScreeningKind.PRESS_INDUSTRY)


@dataclass(frozen=True)
class BoardFilters:
    uncovered: bool = False
    section: str = ""
    writer_id: int | None = None
    state: PieceState | None = None

    @property
    def active(self) -> bool:
        return bool(self.uncovered or self.section or self.writer_id or self.state)


@dataclass(frozen=True)
class BoardFilm:
    """What the board shows of a film."""

    id: int
    title: str
    section: str
    premiere_status: PremiereStatus


@dataclass(frozen=True)
class Chip:
    """A piece as the board shows it (writer, state, due time): read as a plain row, as a
    board holds a thousand and more."""

    id: int
    kind: PieceKind
    state: PieceState
    film_id: int | None
    writer_id: int | None
    writer_name: str
    due_at: datetime | None


@dataclass(frozen=True)
class BoardWriter:
    id: int
    name: str


@dataclass
class BoardRow:
    film: BoardFilm
    # Starts of the film's first press screening and first public one still on, if any.
    first_press: datetime | None
    first_public: datetime | None
    cells: dict[PieceKind, list[Chip]] = field(default_factory=dict)

    @property
    def covered(self) -> bool:
        return any(cell for cell in self.cells.values())


@dataclass
class Board:
    festival: Festival
    rows: list[BoardRow]
    # Pieces tied to no film (news, some features), with their chips; the pieces are loaded
    # for their titles.
    unattached: list[tuple[Piece, Chip]]
    state_counts: dict[PieceState, int]
    writers: list[BoardWriter]
    sections: list[str]
    total_films: int
    # {piece id: its standing or worsened "assign anyway" records}: the chip's warning.
    clash_marks: dict[int, list[OverrideNow]] = field(default_factory=dict)


def _first_screenings(festival: Festival) -> dict[int, tuple[datetime | None, datetime | None]]:
    """{film id: (start of its first press screening, of its first public one)}, cancelled
    ones left out: one grouped query, no screening loaded as an object."""
    public = [kind for kind in ScreeningKind if kind.is_public_facing]

    def first(kinds) -> ColumnElement:
        return type_coerce(
            func.min(case((Screening.kind.in_(kinds), Screening.starts_at))), UTCDateTime()
        )

    rows = db.session.execute(
        select(Screening.film_id, first(PRESS_KINDS), first(public))
        .where(Screening.festival_id == festival.id, Screening.cancelled.is_(False))
        .group_by(Screening.film_id)
    )
    return {film_id: (press, public_at) for film_id, press, public_at in rows}


def _other_films(festival: Festival) -> dict[int, set[int]]:
    """{piece id: the films it covers beyond its main one}, for the festival's pieces: one
    query of plain rows."""
    rows = db.session.execute(
        select(piece_films.c.piece_id, piece_films.c.film_id)
        .join(Piece, Piece.id == piece_films.c.piece_id)
        .where(Piece.festival_id == festival.id)
    )
    others: dict[int, set[int]] = defaultdict(set)
    for piece_id, film_id in rows:
        others[piece_id].add(film_id)
    return others


def _with_interviewees(pieces: Sequence[Piece]) -> None:
    """Load the interviewees of the interviews among `pieces` (their working title names
    them) in one query; the other pieces' titles do not read them."""
    interviews = {p.id: p for p in pieces if p.kind is PieceKind.INTERVIEW}
    if not interviews:
        return
    people: dict[int, list[Person]] = defaultdict(list)
    rows = db.session.execute(
        select(piece_interviewees.c.piece_id, Person)
        .join(Person, Person.id == piece_interviewees.c.person_id)
        .where(piece_interviewees.c.piece_id.in_(list(interviews)))
        .order_by(Person.id)
    )
    for piece_id, person in rows:
        people[piece_id].append(person)
    for piece_id, piece in interviews.items():
        set_committed_value(piece, "interviewees", people[piece_id])


def _clash_marks(festival: Festival, chips: Sequence[Chip]) -> dict[int, list[OverrideNow]]:
    """{piece id: its standing or worsened "assign anyway" records} (`overrides_now`). The
    overrides come in one query; only when there are some are those pieces and their writers'
    diaries loaded (one query, and one for interviewees' names)."""
    overrides: dict[int, list[ClashOverride]] = defaultdict(list)
    for override in db.session.scalars(
        select(ClashOverride)
        .join(Piece, Piece.id == ClashOverride.piece_id)
        .where(Piece.festival_id == festival.id)
        .order_by(ClashOverride.created_at, ClashOverride.id)
    ):
        overrides[override.piece_id].append(override)
    if not overrides:
        return {}
    writers = {chip.writer_id for chip in chips if chip.id in overrides and chip.writer_id}
    # The clashes are read again against the present times: those pieces, and every
    # commitment of their writers in the festival, with its screening, venue and film.
    diary = (
        db.session.scalars(
            select(Piece)
            .where(
                Piece.festival_id == festival.id,
                or_(
                    Piece.id.in_(list(overrides)),
                    and_(Piece.writer_id.in_(writers), Piece.state.in_(COMMITTED_STATES)),
                ),
            )
            .options(*line_options(interviewees=False), *commitment_options())
        )
        .unique()
        .all()
    )
    overridden = [piece for piece in diary if piece.id in overrides]
    for piece in overridden:
        set_committed_value(piece, "clash_overrides", overrides[piece.id])
    _with_interviewees(diary)
    return {
        piece_id: marked
        for piece_id, read in overrides_now(festival, overridden, diary).items()
        if (marked := [o for o in read if o.marked])
    }


def _chips(festival: Festival) -> list[Chip]:
    """Every piece of the festival as a chip, oldest first: one query of plain rows."""
    rows = db.session.execute(
        select(
            Piece.id,
            Piece.kind,
            Piece.state,
            Piece.film_id,
            Piece.writer_id,
            func.coalesce(User.name, ""),
            Piece.due_at,
        )
        .outerjoin(User, User.id == Piece.writer_id)
        .where(Piece.festival_id == festival.id)
        .order_by(Piece.id)
    )
    return [Chip(*row) for row in rows]


def board_fingerprint_columns(festival_id: ColumnElement[int]) -> list[ColumnElement]:
    """What a festival's coverage board is built from, as columns to read beside the festival
    (`festivals.views.get_festival_and`, `coverage.fragments`): the festival's programme and
    pieces (`programme.services.festival_fingerprint_columns`), the users (bylines), and for
    the tables that keep no change time, a checksum of their rows (`row_mix`): the festival's
    pieces' other films and interviewees, the people those name, the "assign anyway" records
    and the travel minutes between its venues. A change a checksum cannot tell apart (a person
    renamed to a name of the same length) shows within the store's minute."""
    from coverage.festivals.models import VenueTravel
    from coverage.programme.services import aggregates_as_one, festival_fingerprint_columns

    # Correlated to the festival read beside them, two levels up (auto-correlation reaches
    # only the enclosing query).
    pieces = select(Piece.id).where(Piece.festival_id == festival_id).correlate_except(Piece)
    venues = select(Venue.id).where(Venue.festival_id == festival_id).correlate_except(Venue)

    def count_and_checksum(table, key, value, *criteria) -> ColumnElement:
        # One subquery each, so that each table is read once (`aggregates_as_one`).
        return (
            select(aggregates_as_one(func.count(), func.coalesce(func.sum(row_mix(key, value)), 0)))
            .select_from(table)
            .where(*criteria)
            .scalar_subquery()
        )

    interviewees = piece_interviewees.c
    return [
        *festival_fingerprint_columns(festival_id),
        select(aggregates_as_one(func.max(User.updated_at), func.count(User.id)))
        .select_from(User)
        .scalar_subquery(),
        count_and_checksum(
            piece_films,
            piece_films.c.piece_id,
            piece_films.c.film_id,
            piece_films.c.piece_id.in_(pieces),
        ),
        # Who is interviewed and what they are called, in one pass over the links: only the
        # people the festival's pieces name (titles and clashes read no one else).
        select(
            aggregates_as_one(
                func.count(),
                func.coalesce(func.sum(row_mix(interviewees.piece_id, interviewees.person_id)), 0),
                func.coalesce(func.sum(row_mix(Person.id, func.length(Person.name))), 0),
            )
        )
        .select_from(piece_interviewees.join(Person, Person.id == interviewees.person_id))
        .where(interviewees.piece_id.in_(pieces))
        .scalar_subquery(),
        count_and_checksum(
            ClashOverride,
            ClashOverride.id,
            ClashOverride.piece_id,
            ClashOverride.piece_id.in_(pieces),
        ),
        count_and_checksum(
            VenueTravel, VenueTravel.id, VenueTravel.minutes, VenueTravel.from_venue_id.in_(venues)
        ),
    ]


# A prime below 2**31: a row's mix fits an integer, its square a 64-bit one.
_MIX_PRIME = 2_147_483_629


def row_mix(key: ColumnElement, value: ColumnElement) -> ColumnElement:
    """A row's share of a checksum: ((key * 40503 + value) mod p) squared, mod p. Squared so
    that changes cancelling out in a plain sum (two rows' values swapped, one up and another
    down by as much: a travel table saved in one go) still change the total, which is a sum
    of these; integers only, the same on SQLite and PostgreSQL."""
    mixed = (cast(key, BigInteger) * 40_503 + value) % _MIX_PRIME
    return (mixed * mixed) % _MIX_PRIME


def coverage_board(festival: Festival, filters: BoardFilters) -> Board:
    """Every film of the festival with its pieces by kind, the pieces tied to no film, counts
    by state, and the clash warnings. A constant number of queries, and only what the board
    shows is read, as plain rows: no piece's text, no film's synopsis; only the few pieces tied
    to no film (for their titles) and those assigned over a clash are loaded as objects."""
    films = [
        BoardFilm(*row)
        for row in db.session.execute(
            select(Film.id, Film.title, Film.section, Film.premiere_status)
            .where(Film.festival_id == festival.id)
            .order_by(Film.title)
        )
    ]
    firsts = _first_screenings(festival)
    chips = _chips(festival)
    other_films = _other_films(festival)
    clash_marks = _clash_marks(festival, chips)
    state_counts = Counter(chip.state for chip in chips)
    writers = sorted(
        {BoardWriter(chip.writer_id, chip.writer_name) for chip in chips if chip.writer_id},
        key=lambda writer: (writer.name, writer.id),
    )

    def shown(chip: Chip) -> bool:
        if filters.writer_id and chip.writer_id != filters.writer_id:
            return False
        return not (filters.state and chip.state is not filters.state)

    by_film: dict[int, list[Chip]] = defaultdict(list)
    unattached: list[Chip] = []
    for chip in chips:
        film_ids = set(other_films.get(chip.id, ()))
        if chip.film_id:
            film_ids.add(chip.film_id)
        if not film_ids and shown(chip):
            unattached.append(chip)
        for film_id in film_ids:
            by_film[film_id].append(chip)

    rows = []
    for film in films:
        if filters.section and film.section != filters.section:
            continue
        film_chips = by_film.get(film.id, [])
        not_spiked = [c for c in film_chips if c.state is not PieceState.SPIKED]
        if filters.uncovered and not_spiked:
            continue
        row = BoardRow(film, *firsts.get(film.id, (None, None)))
        for kind in PieceKind:
            row.cells[kind] = [c for c in film_chips if c.kind is kind and shown(c)]
        if (filters.writer_id or filters.state) and not row.covered:
            continue
        rows.append(row)
    sections = sorted({film.section for film in films if film.section})
    return Board(
        festival,
        rows,
        _with_pieces(unattached),
        dict(state_counts),
        writers,
        sections,
        len(films),
        clash_marks,
    )


def _with_pieces(chips: list[Chip]) -> list[tuple[Piece, Chip]]:
    """The chips with their pieces, loaded for their titles (`piece_title`): two queries."""
    if not chips:
        return []
    pieces = {
        piece.id: piece
        for piece in db.session.scalars(
            select(Piece).where(Piece.id.in_([c.id for c in chips])).options(*line_options())
        ).unique()
    }
    return [(pieces[chip.id], chip) for chip in chips]


@dataclass
class LoadCell:
    due: list[Piece] = field(default_factory=list)
    minutes: int = 0  # screenings and interviews to attend
    # Clashes the desk assigned over, on the day of the commitment that clashes.
    clashes: list[OverrideNow] = field(default_factory=list)

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}".rstrip("0").rstrip(".") if self.minutes else ""


@dataclass
class WriterLoad:
    days: list[date]
    rows: list[tuple[User, dict[date, LoadCell]]]
    # Every "assign anyway" for the piece's present writer, read against the times now (gone,
    # standing or worse), oldest first.
    overrides: list[OverrideNow] = field(default_factory=list)


def writer_load(festival: Festival) -> WriterLoad:
    pieces = db.session.scalars(
        select(Piece)
        .where(
            Piece.festival_id == festival.id,
            Piece.writer_id.is_not(None),
            Piece.state.in_(COMMITTED_STATES),
        )
        .options(
            selectinload(Piece.writer),
            selectinload(Piece.film),
            selectinload(Piece.interviewees),
            selectinload(Piece.screening).selectinload(Screening.venue),
            selectinload(Piece.screening).selectinload(Screening.film),
            selectinload(Piece.clash_overrides).selectinload(ClashOverride.by),
        )
    ).all()
    zone = festival.timezone
    read_now = overrides_now(festival, pieces, pieces)
    overrides: list[OverrideNow] = []
    days = set(festival_days(festival.start_date, festival.end_date))
    table: dict[int, dict[date, LoadCell]] = defaultdict(lambda: defaultdict(LoadCell))
    people: dict[int, User] = {}
    for piece in pieces:
        people[piece.writer_id] = piece.writer
        if piece.due_at is not None and piece.state in (PieceState.ASSIGNED, PieceState.DRAFTING):
            day = to_zone(piece.due_at, zone).date()
            days.add(day)
            table[piece.writer_id][day].due.append(piece)
        commitment = commitment_for(piece)
        if commitment is not None:
            day = to_zone(commitment.starts_at, zone).date()
            days.add(day)
            minutes = int((commitment.ends_at - commitment.starts_at).total_seconds() // 60)
            table[piece.writer_id][day].minutes += minutes
        current = [o for o in read_now.get(piece.id, []) if o.status != "earlier writer"]
        if commitment is not None:
            table[piece.writer_id][day].clashes.extend(o for o in current if o.marked)
        overrides.extend(current)
    rows = [
        (people[writer_id], dict(cells))
        for writer_id, cells in sorted(table.items(), key=lambda item: people[item[0]].name)
    ]
    overrides.sort(key=lambda o: (o.override.created_at, o.override.id))
    return WriterLoad(sorted(days), rows, overrides)


@dataclass
class Attendance:
    starts_at: datetime
    ends_at: datetime
    place: str
    what: str
    piece: Piece
    timezone: str


@dataclass
class MyWork:
    overdue: list[Piece]
    due_next: list[Piece]
    attend: list[Attendance]
    returned: list[tuple[Piece, Transition]]
    pitched: list[Piece]
    # The desk's inbox, for editors and admins only (None for writers).
    inbox: list[InboxSection] | None = None

    @property
    def writes(self) -> bool:
        """Whether there is any writing of their own to show."""
        return bool(self.overdue or self.due_next or self.attend or self.returned or self.pitched)


WRITING = (PieceState.ASSIGNED, PieceState.DRAFTING)
PITCHED = PieceState.PITCHED
# A screening or interview stays on My work this long after it ended (just seen).
JUST_SEEN = timedelta(hours=3)


def commitment_options() -> tuple:
    """Loader options for `commitment_for` (with `inbox.line_options`): the screening, its
    venue's and film's names, and the interview slot; joined, so no query per piece."""
    return (
        load_only(Piece.screening_id, Piece.slot_starts_at, Piece.slot_ends_at, Piece.slot_place),
        joinedload(Piece.screening)
        .load_only(
            Screening.id,
            Screening.film_id,
            Screening.venue_id,
            Screening.starts_at,
            Screening.ends_at,
            Screening.kind,
        )
        .options(
            joinedload(Screening.venue).load_only(Venue.id, Venue.name),
            joinedload(Screening.film).load_only(Film.id, Film.title),
        ),
    )


def desk_counts(now: datetime) -> tuple[int, int]:
    """(filed pieces waiting, overdue assignments) across all festivals: one query, counted
    from the index on (state, due_at) without reading a piece (the top bar of every desk page
    asks). count(*), not count(id): a PostgreSQL index holds no id, and counting ids made it
    read every waiting piece's row (4.9 ms against 0.9)."""
    filed, overdue = db.session.execute(
        select(
            func.count().filter(Piece.state == PieceState.FILED),
            func.count().filter(Piece.state.in_(WRITING), Piece.due_at < now),
        ).where(Piece.state.in_([PieceState.FILED, *WRITING]))
    ).one()
    return filed or 0, overdue or 0


def my_work(user: User, now: datetime) -> MyWork:
    """A user's own writing (overdue, due next, to attend, returned, pitched) and, for the
    desk, the inbox (`inbox.desk_inbox`). Only pieces still in hand are read, without their
    text; overdue ones of running and coming festivals come first (`festival_ranks`), so
    deadlines missed at festivals long over do not bury today's. A constant number of queries."""
    # Filed, edited and scheduled pieces matter here only for a screening or an interview
    # still to attend: the others are left in the database.
    cutoff = now - JUST_SEEN
    attending = or_(
        Piece.slot_ends_at >= cutoff,
        Piece.screening_id.in_(select(Screening.id).where(Screening.ends_at >= cutoff)),
    )
    pieces = (
        db.session.scalars(
            select(Piece)
            .where(
                Piece.writer_id == user.id,
                or_(
                    Piece.state.in_([*WRITING, PITCHED]),
                    and_(Piece.state.in_(COMMITTED_STATES), attending),
                ),
            )
            .options(*line_options(), *commitment_options())
            .order_by(Piece.due_at, Piece.id)
        )
        .unique()
        .all()
    )
    ranks = festival_ranks(
        {
            FestivalDates(
                p.festival.id, p.festival.start_date, p.festival.end_date, p.festival.timezone
            )
            for p in pieces
        },
        now,
    )
    writing = [p for p in pieces if p.state in WRITING]
    overdue = sorted(
        (p for p in writing if p.due_at is not None and p.due_at < now),
        key=lambda p: (ranks.get(p.festival_id, 0), p.due_at, p.id),
    )
    due_next = [p for p in writing if p.due_at is None or p.due_at >= now]
    attend = []
    for piece in pieces:
        if piece.state not in COMMITTED_STATES:
            continue
        commitment = commitment_for(piece)
        # Keep what is still ahead, and what ended in the last few hours (just seen).
        if commitment is not None and commitment.ends_at >= cutoff:
            attend.append(
                Attendance(
                    commitment.starts_at,
                    commitment.ends_at,
                    commitment.place,
                    commitment.what,
                    piece,
                    piece.festival.timezone,
                )
            )
    attend.sort(key=lambda item: item.starts_at)
    returned = _returned(user, [p for p in pieces if p.state is PieceState.DRAFTING])
    pitched = [p for p in pieces if p.state is PITCHED]
    inbox = desk_inbox(user, now) if is_desk(user) else None
    return MyWork(overdue, due_next, attend, returned, pitched, inbox)


def _returned(user: User, drafting: list[Piece]) -> list[tuple[Piece, Transition]]:
    """The drafting pieces (of `user`, in that order) whose last step was a return, with that
    step (its note is the editor's): one query for those last steps alone."""
    if not drafting:
        return []
    last_step_id = (
        select(Transition.id)
        .where(Transition.piece_id == Piece.id)
        .order_by(Transition.created_at.desc(), Transition.id.desc())
        .limit(1)
        .correlate(Piece)
        .scalar_subquery()
    )
    steps = {
        step.piece_id: step
        for step in db.session.scalars(
            select(Transition)
            .join(Piece, Piece.id == Transition.piece_id)
            .where(
                Piece.writer_id == user.id,
                Piece.state == PieceState.DRAFTING,
                Transition.id == last_step_id,
                Transition.action == "return",
            )
        )
    }
    return [(piece, steps[piece.id]) for piece in drafting if piece.id in steps]
