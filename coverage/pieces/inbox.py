"""The desk's inbox on My work: what waits for the editors across every festival, in sections,
each bounded to its most urgent items with its total, and each section in full a page at a time.

Order within a section: festivals by `inbox_rules.festival_ranks` (running and coming ones
first, then the most recently ended), then the oldest item first (overdue ones by due time,
scheduled ones by go-live time, the others by when they entered their state).

The database picks, numbers and counts the items (a window function over one query), so the
page costs the same few queries, and renders the same few hundred rows at most, however many
years of festivals the desk keeps: one query for the festivals' dates, one for the sections,
two for the scheduled pieces' go-live times, one for the pieces shown (plus their interviewees)
and one for the declines shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, load_only, subqueryload

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.embargo import ScreeningTime, film_embargo
from coverage.pieces.inbox_rules import (
    PAGE_SIZE,
    SHOWN,
    FestivalDates,
    festival_ranks,
    go_live,
    page_count,
)
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece, Transition
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Person, Screening

WRITING = (PieceState.ASSIGNED, PieceState.DRAFTING)

# (key, title, what an empty section says), in the order My work shows them.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("filed", "Filed copy waiting for an edit", "No filed copy waiting."),
    ("editing", "You are editing", "Nothing on your desk."),
    ("ready", "Ready, not yet published", "Nothing ready."),
    ("scheduled", "Scheduled to go live", "Nothing scheduled."),
    ("overdue", "Overdue assignments", "No assignment is overdue."),
    ("pitched", "Pitches to decide", "No pitches waiting."),
    ("declined", "Declined: to reassign", "No declined assignment waiting."),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)


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
    """One kind of thing waiting for the desk; `key` names the action each line offers.

    `items`: the ones shown (the first SHOWN on My work, or one page of the full list);
    `total`: how many wait in all; `page`: which page of PAGE_SIZE `items` is."""

    key: str
    title: str
    empty: str
    items: list[InboxItem] = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def more(self) -> int:
        """How many wait beyond those shown on My work."""
        return max(0, self.total - len(self.items))

    @property
    def pages(self) -> int:
        return page_count(self.total)


def _section(key: str) -> InboxSection:
    _, title, empty = next(section for section in SECTIONS if section[0] == key)
    return InboxSection(key, title, empty)


def _ranks(now: datetime) -> dict[int, int]:
    """The festivals' order (`festival_ranks`): one small query over the festivals' dates."""
    rows = db.session.execute(
        select(Festival.id, Festival.start_date, Festival.end_date, Festival.timezone)
    ).all()
    return festival_ranks((FestivalDates(*row) for row in rows), now)


def _last_step():
    """(the step alias, the join condition): the transition that brought the piece into its
    present state, the latest into it (ties by id), read from its index."""
    step = aliased(Transition)
    last_step_id = (
        select(Transition.id)
        .where(Transition.piece_id == Piece.id, Transition.to_state == Piece.state)
        .order_by(Transition.created_at.desc(), Transition.id.desc())
        .limit(1)
        .correlate(Piece)
        .scalar_subquery()
    )
    return step, step.id == last_step_id


def _rank(ranks: dict[int, int]) -> ColumnElement[int]:
    """The piece's festival's place in the order (`festival_ranks`); unknown ones last."""
    return case(ranks, value=Piece.festival_id, else_=len(ranks)) if ranks else literal(0)


def _candidates(user: User, now: datetime, ranks: dict[int, int]):
    """Every piece waiting for the desk but the scheduled ones (`_scheduled`), one row each,
    not loaded as objects: id, section, at, rank (its festival's place) and the id of the
    step that brought it into its state.

    Overdue assignments, the most by far on a desk of years, are read from the index on
    (state, due_at, festival_id, editor_id) alone, never their rows; the others with the
    step that brought them into their state."""
    overdue = select(
        Piece.id.label("id"),
        literal("overdue").label("section"),
        Piece.due_at.label("at"),
        _rank(ranks).label("rank"),
        type_coerce(null(), Integer()).label("step_id"),
    ).where(Piece.state.in_(WRITING), Piece.due_at < now)
    step, joined = _last_step()
    declined = or_(step.action == "decline", Piece.decline_reason != "")
    section = case(
        (and_(Piece.state == PieceState.PITCHED, declined), "declined"),
        (Piece.state == PieceState.PITCHED, "pitched"),
        (Piece.state == PieceState.EDITING, "editing"),
        (Piece.state == PieceState.FILED, "filed"),
        else_="ready",
    )
    waiting = (
        select(
            Piece.id,
            section,
            func.coalesce(step.created_at, Piece.created_at),
            _rank(ranks),
            step.id,
        )
        .select_from(Piece)
        .outerjoin(step, joined)
        .where(
            or_(
                Piece.state.in_([PieceState.FILED, PieceState.READY, PieceState.PITCHED]),
                # Editing: only what this editor took for edit (`services.transition` records).
                and_(Piece.state == PieceState.EDITING, Piece.editor_id == user.id),
            )
        )
    )
    return union_all(overdue, waiting).subquery()


def _film_embargoes(film_ids: set[int]) -> dict[int, datetime | None]:
    """{film id: when its embargo lifts} (`services.film_embargo_at`), from one query of plain
    rows: each film's rule, its festival's default and its first public screening still on
    (the only screening an embargo rule reads: `embargo.first_public_screening`)."""
    if not film_ids:
        return {}
    public = [kind for kind in ScreeningKind if kind.is_public_facing]
    first_public = (
        select(func.min(Screening.starts_at))
        .where(
            Screening.film_id == Film.id,
            Screening.kind.in_(public),
            Screening.cancelled.is_(False),
        )
        .correlate(Film)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Film.id,
            Film.embargo_rule,
            Film.embargo_at,
            Film.embargo_offset_minutes,
            Film.premiere_status,
            Festival.default_embargo,
            type_coerce(first_public, UTCDateTime()),
        )
        .join(Festival, Festival.id == Film.festival_id)
        .where(Film.id.in_(film_ids))
    ).all()
    return {
        film_id: film_embargo(
            rule,
            fixed,
            offset,
            [ScreeningTime(first, ScreeningKind.PUBLIC)] if first is not None else [],
            festival_default=default,
            premiere=premiere,
        )
        for film_id, rule, fixed, offset, premiere, default, first in rows
    }


def _scheduled(ranks: dict[int, int]) -> list[tuple[int, datetime, int | None]]:
    """Every scheduled piece as (id, go-live time, step id), in the inbox's order: festival,
    then go-live time. Go-live follows the film's embargo, worked out in Python from plain rows
    (two queries); scheduled pieces publish themselves, so there are never many."""
    step, joined = _last_step()
    rows = db.session.execute(
        select(
            Piece.id,
            func.coalesce(step.created_at, Piece.created_at).label("at"),
            _rank(ranks).label("rank"),
            step.id.label("step_id"),
            Piece.film_id,
            Piece.embargo_at,
            Piece.publish_at,
        )
        .select_from(Piece)
        .outerjoin(step, joined)
        .where(Piece.state == PieceState.SCHEDULED)
    ).all()
    lifts = _film_embargoes({row.film_id for row in rows if row.film_id is not None})
    timed = []
    for row in rows:
        film_at = lifts.get(row.film_id) if row.film_id is not None else None
        moment = go_live(film_at, row.embargo_at, row.publish_at) or row.at
        timed.append((row.rank, moment, row.id, row.step_id))
    timed.sort(key=lambda item: item[:3])
    return [(piece_id, moment, step_id) for _, moment, piece_id, step_id in timed]


def line_options(*, interviewees: bool = True) -> tuple:
    """Loader options for a line naming a piece on My work (`piece_title`, its festival, its
    writer, state and decline): only those columns, the text left in the database, the
    many-to-one rows joined, so lines cost no query each and little reading. `interviewees`:
    False when the caller loads them itself."""
    people = (
        # One query, however many pieces (selectinload would take one per 500).
        (subqueryload(Piece.interviewees).load_only(Person.id, Person.name),)
        if interviewees
        else ()
    )
    return (
        load_only(
            Piece.id,
            Piece.kind,
            Piece.state,
            Piece.festival_id,
            Piece.film_id,
            Piece.writer_id,
            Piece.headline,
            Piece.due_at,
            Piece.decline_reason,
        ),
        joinedload(Piece.festival).load_only(
            Festival.id,
            Festival.name,
            Festival.edition,
            Festival.timezone,
            Festival.start_date,
            Festival.end_date,
        ),
        joinedload(Piece.film).load_only(Film.id, Film.title),
        joinedload(Piece.writer).load_only(User.id, User.name),
        *people,
    )


def _load(
    picked: Sequence[tuple[InboxSection, int, datetime, int | None]],
) -> None:
    """Fill the sections with the picked (section, piece id, at, step id), loading those
    pieces in one query (their text left out: lines need titles) and the declines shown."""
    ids = [piece_id for _, piece_id, _, _ in picked]
    pieces: dict[int, Piece] = {}
    if ids:
        pieces = {
            piece.id: piece
            for piece in db.session.scalars(
                select(Piece).where(Piece.id.in_(ids)).options(*line_options())
            ).unique()
        }
    step_ids = [step for section, _, _, step in picked if section.key == "declined" and step]
    steps: dict[int, Transition] = {}
    if step_ids:
        steps = {
            step.id: step
            for step in db.session.scalars(
                select(Transition)
                .where(Transition.id.in_(step_ids))
                .options(joinedload(Transition.actor))
            )
        }
    for section, piece_id, at, step_id in picked:
        step = steps.get(step_id) if step_id is not None else None
        section.items.append(InboxItem(pieces[piece_id], at, step))


def desk_inbox(user: User, now: datetime) -> list[InboxSection]:
    """What waits for the desk, every section with its first SHOWN items (see the module's
    order) and its total. A constant number of queries, whatever the number of pieces."""
    ranks = _ranks(now)
    c = _candidates(user, now, ranks).c
    numbered = select(
        c.id,
        c.section,
        c.at,
        c.step_id,
        func.row_number().over(partition_by=c.section, order_by=(c.rank, c.at, c.id)).label("n"),
        func.count().over(partition_by=c.section).label("total"),
    ).subquery()
    rows = db.session.execute(
        select(numbered).where(numbered.c.n <= SHOWN).order_by(numbered.c.section, numbered.c.n)
    ).all()
    sections = {key: _section(key) for key in SECTION_KEYS}
    picked = []
    for row in rows:
        section = sections[row.section]
        section.total = row.total
        picked.append((section, row.id, row.at, row.step_id))
    scheduled = _scheduled(ranks)
    sections["scheduled"].total = len(scheduled)
    picked += [(sections["scheduled"], *item) for item in scheduled[:SHOWN]]
    _load(picked)
    return list(sections.values())


def inbox_section(user: User, now: datetime, key: str, page: int) -> InboxSection | None:
    """Page `page` (from 1) of section `key` in full, PAGE_SIZE items to a page, in the inbox's
    order; None when there is no such section or page (page 1 of an empty section exists)."""
    if key not in SECTION_KEYS or page < 1:
        return None
    section = _section(key)
    section.page = page
    ranks = _ranks(now)
    start = (page - 1) * PAGE_SIZE
    if key == "scheduled":
        scheduled = _scheduled(ranks)
        section.total = len(scheduled)
        picked = [(section, *item) for item in scheduled[start : start + PAGE_SIZE]]
    else:
        c = _candidates(user, now, ranks).c
        rows = db.session.execute(
            select(c.id, c.at, c.step_id, func.count().over().label("total"))
            .where(c.section == key)
            .order_by(c.rank, c.at, c.id)
            .offset(start)
            .limit(PAGE_SIZE)
        ).all()
        if rows:
            section.total = rows[0].total
        elif page > 1:
            # Past the end: the total is not known from an empty page, and no page is there.
            return None
        picked = [(section, row.id, row.at, row.step_id) for row in rows]
    if page > section.pages:
        return None
    _load(picked)
    return section
