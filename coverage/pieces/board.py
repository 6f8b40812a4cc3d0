"""The desk's overviews: coverage board, writer load, and a writer's own work.

Each is built from a few whole-festival queries and grouped in Python, so the number of queries
does not grow with films or pieces (tests assert it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import ClashOverride, Piece, Transition
from coverage.pieces.services import (
    COMMITTED_STATES,
    OverrideNow,
    commitment_for,
    facts,
    is_desk,
    overrides_now,
)
from coverage.pieces.workflow import release_time
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
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


@dataclass
class BoardRow:
    film: Film
    first_press: Screening | None
    first_public: Screening | None
    cells: dict[PieceKind, list[Piece]] = field(default_factory=dict)

    @property
    def covered(self) -> bool:
        return any(cell for cell in self.cells.values())


@dataclass
class Board:
    festival: Festival
    rows: list[BoardRow]
    unattached: list[Piece]  # pieces tied to no film (news, some features)
    state_counts: dict[PieceState, int]
    writers: list[User]
    sections: list[str]
    total_films: int
    # {piece id: its standing or worsened "assign anyway" records}: the chip's warning.
    clash_marks: dict[int, list[OverrideNow]] = field(default_factory=dict)


def coverage_board(festival: Festival, filters: BoardFilters) -> Board:
    films = db.session.scalars(
        select(Film)
        .where(Film.festival_id == festival.id)
        .options(selectinload(Film.screenings))
        .order_by(Film.title)
    ).all()
    pieces = db.session.scalars(
        select(Piece)
        .where(Piece.festival_id == festival.id)
        .options(
            selectinload(Piece.writer),
            selectinload(Piece.other_films),
            selectinload(Piece.interviewees),
            selectinload(Piece.film),
            selectinload(Piece.clash_overrides),
            # The clashes are read again against the present times (`overrides_now`).
            selectinload(Piece.screening).selectinload(Screening.venue),
            selectinload(Piece.screening).selectinload(Screening.film),
        )
        .order_by(Piece.id)
    ).all()
    clash_marks = {
        piece_id: marked
        for piece_id, read in overrides_now(festival, pieces, pieces).items()
        if (marked := [o for o in read if o.marked])
    }
    state_counts = Counter(piece.state for piece in pieces)
    writers = sorted(
        {piece.writer for piece in pieces if piece.writer is not None}, key=lambda u: u.name
    )

    def shown(piece: Piece) -> bool:
        if filters.writer_id and piece.writer_id != filters.writer_id:
            return False
        return not (filters.state and piece.state is not filters.state)

    by_film: dict[int, list[Piece]] = defaultdict(list)
    unattached = []
    for piece in pieces:
        film_ids = {film.id for film in piece.other_films}
        if piece.film_id:
            film_ids.add(piece.film_id)
        if not film_ids and shown(piece):
            unattached.append(piece)
        for film_id in film_ids:
            by_film[film_id].append(piece)

    rows = []
    for film in films:
        if filters.section and film.section != filters.section:
            continue
        live = [s for s in film.screenings if not s.cancelled]
        first_press = next((s for s in live if s.kind in PRESS_KINDS), None)
        first_public = next((s for s in live if s.kind.is_public_facing), None)
        film_pieces = by_film.get(film.id, [])
        not_spiked = [p for p in film_pieces if p.state is not PieceState.SPIKED]
        if filters.uncovered and not_spiked:
            continue
        row = BoardRow(film, first_press, first_public)
        for kind in PieceKind:
            row.cells[kind] = [p for p in film_pieces if p.kind is kind and shown(p)]
        if (filters.writer_id or filters.state) and not row.covered:
            continue
        rows.append(row)
    sections = sorted({film.section for film in films if film.section})
    return Board(
        festival, rows, unattached, dict(state_counts), writers, sections, len(films), clash_marks
    )


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
class InboxItem:
    piece: Piece
    # When it entered the section's state; for overdue pieces their due time, for scheduled
    # ones their go-live time.
    at: datetime
    # For a declined piece, the decline: who (its actor, the writer) and when.
    step: Transition | None = None


@dataclass
class InboxSection:
    """One kind of thing waiting for the desk; `key` names the action each line offers."""

    key: str
    title: str
    empty: str
    items: list[InboxItem] = field(default_factory=list)


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
INBOX_STATES = (
    PieceState.FILED,
    PieceState.EDITING,
    PieceState.READY,
    PieceState.SCHEDULED,
    PieceState.PITCHED,
)


def _last_step_into(piece: Piece) -> Transition | None:
    """The transition that brought the piece into its present state (transitions loaded)."""
    steps = [t for t in piece.transitions if t.to_state is piece.state]
    return max(steps, key=lambda t: (t.created_at, t.id)) if steps else None


def desk_inbox(user: User, now: datetime) -> list[InboxSection]:
    """What waits for the desk across all festivals, oldest first in each section: filed copy
    to take, pieces this editor is editing, ready pieces to publish, scheduled ones (by go-live
    time), overdue assignments of any writer, pitches to decide and declined assignments to
    reassign. Two queries plus the eager loads, however many pieces."""
    pieces = db.session.scalars(
        select(Piece)
        .where(
            or_(
                Piece.state.in_(INBOX_STATES),
                and_(Piece.state.in_(WRITING), Piece.due_at < now),
            )
        )
        .options(
            selectinload(Piece.festival),
            selectinload(Piece.film).selectinload(Film.screenings),
            selectinload(Piece.writer),
            selectinload(Piece.editor),
            selectinload(Piece.interviewees),
            selectinload(Piece.transitions).selectinload(Transition.actor),
        )
        .order_by(Piece.id)
    ).all()
    sections = {
        "filed": InboxSection("filed", "Filed copy waiting for an edit", "No filed copy waiting."),
        "editing": InboxSection("editing", "You are editing", "Nothing on your desk."),
        "ready": InboxSection("ready", "Ready, not yet published", "Nothing ready."),
        "scheduled": InboxSection("scheduled", "Scheduled to go live", "Nothing scheduled."),
        "overdue": InboxSection("overdue", "Overdue assignments", "No assignment is overdue."),
        "pitched": InboxSection("pitched", "Pitches to decide", "No pitches waiting."),
        "declined": InboxSection(
            "declined", "Declined: to reassign", "No declined assignment waiting."
        ),
    }
    for piece in pieces:
        step = _last_step_into(piece)
        entered = step.created_at if step is not None else piece.created_at
        key = None
        at = entered
        if piece.state in WRITING:
            key, at = "overdue", piece.due_at
        elif piece.state is PieceState.PITCHED:
            declined = step is not None and step.action == "decline"
            key = "declined" if declined or piece.decline_reason else "pitched"
        elif piece.state is PieceState.EDITING:
            # Its editor is the one who took it for edit (`services.transition` records them).
            if piece.editor_id == user.id:
                key = "editing"
        elif piece.state is PieceState.SCHEDULED:
            key, at = "scheduled", release_time(facts(piece)) or entered
        else:
            key = piece.state.value
        if key is not None and at is not None:
            sections[key].items.append(
                InboxItem(piece, at, step if key == "declined" and step is not None else None)
            )
    for section in sections.values():
        section.items.sort(key=lambda item: (item.at, item.piece.id))
    return list(sections.values())


def desk_counts(now: datetime) -> tuple[int, int]:
    """(filed pieces waiting, overdue assignments) across all festivals: two COUNT queries."""
    filed = db.session.scalar(select(func.count(Piece.id)).where(Piece.state == PieceState.FILED))
    overdue = db.session.scalar(
        select(func.count(Piece.id)).where(Piece.state.in_(WRITING), Piece.due_at < now)
    )
    return filed or 0, overdue or 0


def my_work(user: User, now: datetime) -> MyWork:
    pieces = db.session.scalars(
        select(Piece)
        .where(Piece.writer_id == user.id)
        .options(
            selectinload(Piece.festival),
            selectinload(Piece.film),
            selectinload(Piece.interviewees),
            selectinload(Piece.screening).selectinload(Screening.venue),
            selectinload(Piece.screening).selectinload(Screening.film),
            selectinload(Piece.transitions),
        )
        .order_by(Piece.due_at)
    ).all()
    writing = [p for p in pieces if p.state in (PieceState.ASSIGNED, PieceState.DRAFTING)]
    overdue = [p for p in writing if p.due_at is not None and p.due_at < now]
    due_next = [p for p in writing if p.due_at is None or p.due_at >= now]
    attend = []
    for piece in pieces:
        if piece.state not in COMMITTED_STATES:
            continue
        commitment = commitment_for(piece)
        # Keep what is still ahead, and what ended in the last few hours (just seen).
        if commitment is not None and commitment.ends_at >= now - timedelta(hours=3):
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
    returned = []
    for piece in pieces:
        if piece.state is PieceState.DRAFTING and piece.transitions:
            last = max(piece.transitions, key=lambda t: (t.created_at, t.id))
            if last.action == "return":
                returned.append((piece, last))
    pitched = [p for p in pieces if p.state is PieceState.PITCHED]
    inbox = desk_inbox(user, now) if is_desk(user) else None
    return MyWork(overdue, due_next, attend, returned, pitched, inbox)
