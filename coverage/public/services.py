"""Reading published coverage: live pieces with their live text, found by URL, in constant queries.

Every public surface (piece page, hubs, festivals index, Atom feeds, sitemap, "More in Film
festivals") finds what is live through `live_listing` or `find_by_slug`, and each asks
`rules.public_status`, so they agree on what readers may see. The text served is always the
published revision: a correction in progress never leaks.

Lists are read as columns, never as whole pieces: `live_listing` reads one covering index of
`pieces` (`ix_pieces_public`) and each piece's film's embargo facts, and `teasers` then reads
the live text (headline, standfirst, stars; the body only for feeds) of just the pieces shown.
A desk keeps years of festivals: a list of the newest few reads a few more rows than it shows;
a list of everything (hub, sitemap) reads an index entry and a film per piece, no piece rows,
no bodies; and the festivals index gets its counts from SQL (`festival_summary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple, Protocol

from sqlalchemy import and_, bindparam, case, false, func, not_, or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.embargo import (
    ScreeningTime,
    effective_embargo,
    film_embargo,
    resolve_rule,
)
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, PieceSlug
from coverage.pieces.services import embargo_for
from coverage.programme.kinds import DefaultEmbargo, EmbargoRule, PremiereStatus, ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.public.rules import PublicStatus, holds, public_status

# The order kinds appear in on a coverage hub.
HUB_KIND_ORDER = (
    PieceKind.REVIEW,
    PieceKind.INTERVIEW,
    PieceKind.FEATURE,
    PieceKind.ROUNDUP,
    PieceKind.NEWS,
)
# Screenings an embargo rule waits for (`ScreeningKind.is_public_facing`).
PUBLIC_FACING = tuple(kind for kind in ScreeningKind if kind.is_public_facing)
# The longest wait after a first public screening the programme accepts (a week): listing
# reads a film screened longer ago than that as lifted without asking the rules.
MAX_OFFSET_MINUTES = 7 * 24 * 60


class Dated(Protocol):
    """Anything listed with the date its readers' copy last changed (UTC)."""

    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True)
class PublicPiece:
    """A live piece as readers get it: the piece's facts and its published revision's text."""

    piece: Piece
    text: Revision

    @property
    def festival(self) -> Festival:
        return self.piece.festival

    @property
    def film(self) -> Film | None:
        return self.piece.film

    @property
    def writer(self) -> User | None:
        return self.piece.writer

    @property
    def headline(self) -> str:
        return self.text.headline

    @property
    def published_at(self) -> datetime:
        """When it first went live (UTC); a republished correction does not move it."""
        moment = self.piece.first_published_at or self.piece.published_at
        assert moment is not None
        return moment

    @property
    def updated_at(self) -> datetime:
        """When what readers see last changed: its last publication or its live text (UTC)."""
        assert self.piece.published_at is not None
        return max(self.published_at, self.piece.published_at, self.text.created_at)

    @property
    def embargo_at(self) -> datetime | None:
        """Its effective embargo (UTC), following the programme."""
        return embargo_for(self.piece)

    @property
    def slug(self) -> str:
        return self.piece.slug or f"piece-{self.piece.id}"


class Listed(NamedTuple):
    """A live piece as a list knows it before reading any text: ids, address and dates (UTC).

    `updated_at` is its last publication: the live revision is snapshotted at the moment of
    publication (`pieces.services.snapshot_revision`), so the text is never newer than that.
    A tuple: a sitemap makes thousands."""

    id: int
    kind: PieceKind
    festival_id: int
    writer_id: int | None
    piece_slug: str | None
    published_at: datetime  # first publication; a republished correction does not move it
    updated_at: datetime

    @property
    def slug(self) -> str:
        return self.piece_slug or f"piece-{self.id}"


@dataclass(frozen=True)
class Listing:
    """Live pieces, newest first, and the latest embargo instant that has lifted on any of them
    (UTC): a list changes when an embargo lifts, so its Last-Modified counts it
    (`last_modified`). None when none had one, or, for a whole list, when none lifted after the
    newest of the pieces' own dates (which Last-Modified counts anyway)."""

    pieces: list[Listed]
    lifted: datetime | None
    # With a limit, every piece the listing read, live or held back (`last_change(among=...)`);
    # None when it read every piece in scope.
    considered: list[int] | None = None
    # The earliest embargo still to lift on a piece it left out (UTC): the clock alone changes
    # the list then (`page_store`). None when no piece it read is held.
    holds_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Teaser:
    """A live piece as lists, "More in" and feeds show it: its live text, festival and byline.

    `body` is the live Markdown when it was asked for (`teasers(with_body=True)`), else "";
    `created_at` is when the piece was created on the desk (Atom entry ids)."""

    listed: Listed
    festival: Festival
    writer_name: str | None
    headline: str
    standfirst: str
    star_rating: int | None
    created_at: datetime
    body: str = ""

    @property
    def id(self) -> int:
        return self.listed.id

    @property
    def kind(self) -> PieceKind:
        return self.listed.kind

    @property
    def slug(self) -> str:
        return self.listed.slug

    @property
    def published_at(self) -> datetime:
        return self.listed.published_at

    @property
    def updated_at(self) -> datetime:
        return self.listed.updated_at


def _public_query():
    """One piece with what its public page reads: festival, film (its screenings: the embargo
    follows them) and writer."""
    return select(Piece).options(
        joinedload(Piece.festival),
        joinedload(Piece.film).selectinload(Film.screenings),
        joinedload(Piece.writer),
    )


def status_of(piece: Piece, now: datetime) -> PublicStatus:
    """`PublicStatus` of a piece loaded with its film's screenings (the embargo follows them)."""
    return public_status(
        piece.state,
        piece.published_revision_number,
        piece.published_at,
        embargo_for(piece),
        now,
    )


# --- Listing live pieces --------------------------------------------------------------------
#
# Whether a piece is live depends on its embargo, which follows the programme: its film's rule
# (its own or its festival's default), the film's first public screening, the piece's own hold.
# `rules.public_status` and `embargo.film_embargo` decide it, in Python. A desk keeps years of
# pieces whose embargo lifted long ago, so the listing asks SQL only which pieces *may* still be
# held (`_may_be_held`: a cheap test that never misses one) and runs the rules on those alone;
# the others are live. What the rules need of those is read in a second query, and the instant
# their embargoes lifted (Last-Modified) in a third, as one row per kind of rule.
#
# The statements are built once (`cache`) with bound parameters: building one costs more than
# running it on a small list.

# When readers first saw a piece, and when their copy last changed (a republished correction).
_FIRST_LIVE = func.coalesce(Piece.first_published_at, Piece.published_at)
_LAST_LIVE = case(
    (Piece.first_published_at > Piece.published_at, Piece.first_published_at),
    else_=Piece.published_at,
)
_NEWEST_FIRST = (_FIRST_LIVE.desc(), Piece.id.desc())


def _screened_by(moment):
    """The film has a public-facing screening, not cancelled, that started by `moment`."""
    return (
        select(Screening.id)
        .where(
            Screening.film_id == Film.id,
            Screening.kind.in_(PUBLIC_FACING),
            Screening.cancelled == false(),
            Screening.starts_at <= moment,
        )
        .exists()
    )


# The (film rule, festival default) that wait for a first public screening for some premiere
# status, as `embargo.resolve_rule` decides: SQL asks the rule's own answers rather than
# restating it (and leaves the premiere status to the rules: a few more pieces for them).
WAITING = tuple(
    sorted(
        {
            (rule, default)
            for rule in EmbargoRule
            for default in DefaultEmbargo
            for premiere in PremiereStatus
            if resolve_rule(rule, default, premiere).rule is EmbargoRule.FIRST_PUBLIC_SCREENING
        }
    )
)


def _may_be_held(film_festival):
    """1 when the piece's embargo may not have lifted at the parameter `now`, else 0; with
    its film and, as `film_festival`, the film's festival joined.

    Never 0 for a piece the rules hold back: its own hold or its film's fixed instant still
    ahead; a film that may wait (`WAITING`) for a first public screening that has not started
    at least its offset ago (`longest` is `now` less the longest offset, `MAX_OFFSET_MINUTES`;
    a larger offset, however it got there, is left to the rules), or that has none. Never NULL
    either."""
    now = bindparam("now", type_=UTCDateTime())
    longest = bindparam("longest", type_=UTCDateTime())
    waits = tuple_(Film.embargo_rule, film_festival.default_embargo).in_(WAITING)
    # Screened by now, or, with an offset, by `longest`: one look at the film's screenings.
    cutoff = case((Film.embargo_offset_minutes == 0, now), else_=longest)
    screened = and_(Film.embargo_offset_minutes <= MAX_OFFSET_MINUTES, _screened_by(cutoff))
    return case(
        (and_(Piece.embargo_at.is_not(None), Piece.embargo_at > now), 1),
        (
            and_(
                Film.embargo_rule == EmbargoRule.FIXED,
                Film.embargo_at.is_not(None),
                Film.embargo_at > now,
            ),
            1,
        ),
        (and_(waits, not_(screened)), 1),
        else_=0,
    )


def _in_scope(one_festival: bool, excluding: bool) -> list:
    """Criteria of the pieces a list considers: ever made public and not spiked (in the
    festival `festival_id`, without the piece `exclude_id`, when asked)."""
    criteria = [
        Piece.published_revision_number.is_not(None),
        Piece.published_at.is_not(None),
        Piece.state != PieceState.SPIKED,
    ]
    if one_festival:
        criteria.append(Piece.festival_id == bindparam("festival_id"))
    if excluding:
        criteria.append(Piece.id != bindparam("exclude_id"))
    return criteria


@cache
def _candidates(one_festival: bool, excluding: bool, windowed: bool):
    """Pieces in scope newest first, as columns of `ix_pieces_public`, with `_may_be_held`
    (parameters `now`, `longest`). `windowed` takes `batch` of them from `skip` on, and the
    embargo test runs on those alone."""
    scope = _in_scope(one_festival, excluding)
    film_festival = aliased(Festival)
    query = (
        select(
            Piece.id,
            Piece.kind,
            Piece.festival_id,
            Piece.writer_id,
            Piece.slug,
            _FIRST_LIVE,
            _LAST_LIVE,
            _may_be_held(film_festival),
        )
        .select_from(Piece)
        .outerjoin(Film, Film.id == Piece.film_id)
        .outerjoin(film_festival, film_festival.id == Film.festival_id)
        .order_by(*_NEWEST_FIRST)
    )
    if not windowed:
        return query.where(*scope)
    newest = (
        select(Piece.id)
        .where(*scope)
        .order_by(*_NEWEST_FIRST)
        .offset(bindparam("skip"))
        .limit(bindparam("batch"))
        .subquery()
    )
    return query.join(newest, newest.c.id == Piece.id)


def _first_public_screening():
    """Start of the film's earliest public-facing screening still on: what a "first public
    screening" embargo waits for (`embargo.first_public_screening`)."""
    return (
        select(func.min(Screening.starts_at))
        .where(
            Screening.film_id == Film.id,
            Screening.kind.in_(PUBLIC_FACING),
            Screening.cancelled == false(),
        )
        .correlate(Film)
        .scalar_subquery()
    )


@cache
def _embargo_facts():
    """What `embargo_for` reads of the pieces `ids`: their own hold, their film's rule, the
    festival's default and the first public screening."""
    film_festival = aliased(Festival)
    return (
        select(
            Piece.id,
            Piece.embargo_at,
            Film.id,
            Film.embargo_rule,
            Film.embargo_at,
            Film.embargo_offset_minutes,
            Film.premiere_status,
            film_festival.default_embargo,
            _first_public_screening(),
        )
        .select_from(Piece)
        .outerjoin(Film, Film.id == Piece.film_id)
        .outerjoin(film_festival, film_festival.id == Film.festival_id)
        .where(Piece.id.in_(bindparam("ids", expanding=True)))
    )


def _embargoes(piece_ids: Sequence[int]) -> dict[int, datetime | None]:
    """The effective embargo of each piece (`pieces.services.embargo_for`), in one query."""
    embargoes = {}
    rows = db.session.execute(_embargo_facts(), {"ids": list(piece_ids)})
    for piece_id, own, film_id, rule, fixed_at, offset, premiere, default, first in rows:
        film_at = None
        if film_id is not None:
            # The earliest public screening stands for them all: it is the one the rule reads.
            screenings = [ScreeningTime(first, ScreeningKind.PUBLIC)] if first else []
            film_at = film_embargo(
                rule, fixed_at, offset, screenings, festival_default=default, premiere=premiere
            )
        embargoes[piece_id] = effective_embargo(film_at, own)
    return embargoes


@cache
def _lifted_facts(one_festival: bool, excluding: bool, by_ids: bool):
    """Per film rule, festival default, premiere status and offset, the latest own hold, fixed
    instant and first public screening of some pieces whose embargoes have all lifted: with
    `by_ids`, the pieces `ids`; else the pieces in scope but those `held` (the ones the rules
    ran on), and of them only those whose embargo can be later than `after` (the newest of
    their dates): a hold or fixed instant after it, a public screening after `since` (`after`
    less the longest offset). Years of pieces whose embargoes lifted before their last
    publication cost one look at an index each."""
    film_festival = aliased(Festival)
    if by_ids:
        criteria = [Piece.id.in_(bindparam("ids", expanding=True))]
    else:
        after = bindparam("after", type_=UTCDateTime())
        # Films with a public screening after `since`, and with a fixed embargo after `after`:
        # each read once (the first through `ix_screenings_festival_start`, festival by
        # festival), so that each piece costs a look at its index entry, not at its film.
        screened_since = select(Screening.film_id).where(
            Screening.festival_id.in_(select(Festival.id)),
            Screening.starts_at > bindparam("since", type_=UTCDateTime()),
            Screening.kind.in_(PUBLIC_FACING),
            Screening.cancelled == false(),
        )
        fixed = aliased(Film)
        fixed_after = select(fixed.id).where(
            fixed.embargo_rule == EmbargoRule.FIXED, fixed.embargo_at > after
        )
        criteria = [
            *_in_scope(one_festival, excluding),
            Piece.id.not_in(bindparam("held", expanding=True)),
            or_(
                Piece.embargo_at > after,
                Piece.film_id.in_(screened_since),
                Piece.film_id.in_(fixed_after),
            ),
        ]
    return (
        select(
            Film.embargo_rule,
            film_festival.default_embargo,
            Film.premiere_status,
            Film.embargo_offset_minutes,
            func.max(Piece.embargo_at),
            func.max(Film.embargo_at),
            func.max(_first_public_screening()),
        )
        .select_from(Piece)
        .outerjoin(Film, Film.id == Piece.film_id)
        .outerjoin(film_festival, film_festival.id == Film.festival_id)
        .where(*criteria)
        .group_by(
            Film.embargo_rule,
            film_festival.default_embargo,
            Film.premiere_status,
            Film.embargo_offset_minutes,
        )
    )


def _lifted(statement, params: dict) -> datetime | None:
    """The latest embargo instant of pieces whose embargoes have all lifted (`_lifted_facts`):
    their own holds, their films' fixed instants, and each first public screening plus its
    offset where the film's rule, resolved by `embargo.resolve_rule`, waits for it."""
    moments: list[datetime | None] = []
    for rule, default, premiere, offset, own, fixed_at, first in db.session.execute(
        statement, params
    ):
        moments.append(own)
        if rule is None:  # pieces without a film
            continue
        resolved = resolve_rule(rule, default, premiere).rule
        if resolved is EmbargoRule.FIXED:
            moments.append(fixed_at)
        elif resolved is EmbargoRule.FIRST_PUBLIC_SCREENING and first is not None:
            moments.append(first + timedelta(minutes=offset))
    return latest(*moments)


def live_listing(
    now: datetime,
    *,
    festival_id: int | None = None,
    limit: int | None = None,
    exclude_piece_id: int | None = None,
) -> Listing:
    """Live pieces at `now`, most recently published first (all festivals, or one), without
    their text, and the latest embargo that lifted on them.

    Three queries for any number of pieces (see above). Pieces whose embargo moved back into
    the future are left out. `limit` caps the result (feeds, "More in Film festivals"): a few
    more rows are read than needed, and more rounds only when many of them are held again.
    """
    one_festival, excluding = festival_id is not None, exclude_piece_id is not None
    params: dict = {
        "now": now,
        "longest": now - timedelta(minutes=MAX_OFFSET_MINUTES),
        "festival_id": festival_id,
        "exclude_id": exclude_piece_id,
    }
    held: dict[int, datetime | None] = {}
    live: list[Listed] = []
    considered: list[int] = []
    batch = (limit or 0) * 2 + 5
    params |= {"skip": 0, "batch": batch}
    while True:
        query = _candidates(one_festival, excluding, limit is not None)
        found = db.session.execute(query, params).all()
        considered += [row[0] for row in found]
        held |= _embargoes([row[0] for row in found if row[7]])
        live += [
            Listed._make(row[:7]) for row in found if not (row[7] and holds(held[row[0]], now))
        ]
        if limit is None or len(live) >= limit or len(found) < batch:
            break
        params["skip"] += batch
    if limit is not None:
        live = live[:limit]
    shown = {item.id for item in live}
    # The rules ran on the pieces that may have been held: their embargoes are at hand.
    lifted_here = [held[piece_id] for piece_id in held if piece_id in shown]
    if limit is None:
        after = max((item.updated_at for item in live), default=now)
        params |= {
            "held": list(held),
            "after": after,
            "since": after - timedelta(minutes=MAX_OFFSET_MINUTES),
        }
        lifted = _lifted(_lifted_facts(one_festival, excluding, False), params)
    else:
        ids = [piece_id for piece_id in shown if piece_id not in held]
        lifted = _lifted(_lifted_facts(False, False, True), {"ids": ids})
    return Listing(
        live,
        latest(lifted, *lifted_here),
        None if limit is None else considered,
        next_lift(held.values(), now),
    )


def next_lift(embargoes: Iterable[datetime | None], now: datetime) -> datetime | None:
    """The earliest of `embargoes` still ahead of `now` (UTC), None when none is."""
    ahead = [moment for moment in embargoes if moment is not None and holds(moment, now)]
    return min(ahead) if ahead else None


@cache
def _texts(with_body: bool):
    """The live text and writer's name of the pieces `ids`."""
    columns = [
        Revision.piece_id,
        Revision.headline,
        Revision.standfirst,
        Revision.star_rating,
        Piece.created_at,
        User.name,
    ]
    if with_body:
        columns.append(Revision.body)
    return (
        select(*columns)
        .select_from(Piece)
        .join(
            Revision,
            and_(
                Revision.piece_id == Piece.id,
                Revision.number == Piece.published_revision_number,
            ),
        )
        .outerjoin(User, User.id == Piece.writer_id)
        .where(Piece.id.in_(bindparam("ids", expanding=True)))
    )


def teasers(listed: Sequence[Listed], *, with_body: bool = False) -> list[Teaser]:
    """`listed` with their live text, festival and writer's name, in the same order: two
    queries whatever their number. `with_body` reads the Markdown body too (feeds); lists
    never do. A piece whose live revision is missing is left out."""
    if not listed:
        return []
    rows = db.session.execute(_texts(with_body), {"ids": [item.id for item in listed]})
    texts = {row[0]: row for row in rows}
    festival_ids = {item.festival_id for item in listed}
    festivals = {
        festival.id: festival
        for festival in db.session.scalars(select(Festival).where(Festival.id.in_(festival_ids)))
    }
    out = []
    for item in listed:
        text = texts.get(item.id)
        if text is not None:
            _, headline, standfirst, stars, created_at, writer, *body = text
            festival = festivals[item.festival_id]
            out.append(
                Teaser(item, festival, writer, headline, standfirst, stars, created_at, *body)
            )
    return out


@dataclass(frozen=True)
class Live:
    """Live pieces with their text (`teasers`), the latest embargo that lifted on them, and
    the pieces their listing read (`Listing`)."""

    items: list[Teaser]
    lifted: datetime | None
    considered: list[int] | None = None
    holds_until: datetime | None = None


def live_pieces(
    now: datetime,
    *,
    festival_id: int | None = None,
    limit: int | None = None,
    exclude_piece_id: int | None = None,
    with_body: bool = False,
) -> Live:
    """`live_listing`, then `teasers`: five queries."""
    listing = live_listing(
        now, festival_id=festival_id, limit=limit, exclude_piece_id=exclude_piece_id
    )
    return Live(
        teasers(listing.pieces, with_body=with_body),
        listing.lifted,
        listing.considered,
        listing.holds_until,
    )


@dataclass(frozen=True)
class Lookup:
    """What a public URL points at: a piece (any status) and the slug it lives at now."""

    piece: Piece | None
    current_slug: str | None


def find_by_slug(festival_slug: str, slug: str) -> Lookup:
    """The piece that has, or once had, `slug` in the festival; its current slug to redirect to."""
    piece_id = (
        select(PieceSlug.piece_id)
        .join(Festival, Festival.id == PieceSlug.festival_id)
        .where(Festival.slug == festival_slug, PieceSlug.slug == slug)
        .scalar_subquery()
    )
    piece = db.session.scalar(_public_query().where(Piece.id == piece_id))
    return Lookup(piece, piece.slug if piece is not None else None)


def public_piece(piece: Piece) -> PublicPiece | None:
    """The piece with its live text (None when it has no published revision)."""
    if piece.published_revision_number is None:
        return None
    text = db.session.scalar(
        select(Revision).where(
            Revision.piece_id == piece.id, Revision.number == piece.published_revision_number
        )
    )
    return PublicPiece(piece, text) if text is not None else None


def group_by_kind(pieces: Sequence[Teaser]) -> list[tuple[PieceKind, list[Teaser]]]:
    """Hub sections in house order, each newest first, empty kinds left out."""
    groups: dict[PieceKind, list[Teaser]] = {kind: [] for kind in HUB_KIND_ORDER}
    for item in pieces:
        groups[item.kind].append(item)
    return [(kind, items) for kind, items in groups.items() if items]


def festivals_with_coverage(listed: Sequence[Listed]) -> list[tuple[Festival, list[Listed]]]:
    """The festivals `listed` (`live_listing(now)`) belong to, newest edition first, each with
    its live pieces (newest first). One query whatever the number of pieces."""
    by_festival: dict[int, list[Listed]] = {}
    for item in listed:
        by_festival.setdefault(item.festival_id, []).append(item)
    if not by_festival:
        return []
    festivals = db.session.scalars(select(Festival).where(Festival.id.in_(by_festival))).all()
    ordered = sorted(festivals, key=lambda f: (f.start_date, f.name), reverse=True)
    return [(festival, by_festival[festival.id]) for festival in ordered]


@dataclass(frozen=True)
class FestivalCoverage:
    """A festival with live coverage, as the festivals index shows it."""

    festival: Festival
    count: int  # live pieces
    latest: list[Teaser]  # the newest few, newest first


@dataclass(frozen=True)
class Summary:
    """Every festival with live coverage, newest edition first; the newest date of a live
    piece and the latest embargo that lifted on one (as in `Listing`), for Last-Modified."""

    festivals: list[FestivalCoverage]
    updated_at: datetime | None
    lifted: datetime | None
    holds_until: datetime | None = None


@cache
def _summary_statement():
    """Per festival, its pieces in scope that need no rules (`_may_be_held` 0) counted, with
    their newest date and the newest `shown` of them; and every piece that may be held. One
    pass over `ix_pieces_public`, a few rows per festival out."""
    film_festival = aliased(Festival)
    pieces = (
        select(
            Piece.id,
            Piece.kind,
            Piece.festival_id,
            Piece.writer_id,
            Piece.slug,
            _FIRST_LIVE.label("first_live"),
            _LAST_LIVE.label("last_live"),
            _may_be_held(film_festival).label("held"),
        )
        .select_from(Piece)
        .outerjoin(Film, Film.id == Piece.film_id)
        .outerjoin(film_festival, film_festival.id == Film.festival_id)
        .where(*_in_scope(False, False))
        .subquery()
    )
    # One window for all three, so that the pieces are sorted once.
    window = {
        "partition_by": (pieces.c.festival_id, pieces.c.held),
        "order_by": (pieces.c.first_live.desc(), pieces.c.id.desc()),
    }
    whole = {**window, "rows": (None, None)}
    ranked = select(
        pieces,
        func.row_number().over(**window).label("rank"),
        func.count().over(**whole).label("pieces"),
        func.max(pieces.c.last_live).over(**whole).label("newest"),
    ).subquery()
    return select(ranked).where(or_(ranked.c.rank <= bindparam("shown"), ranked.c.held == 1))


def festival_summary(now: datetime, *, shown: int) -> Summary:
    """The festivals index at `now`: each festival with live coverage, how many live pieces it
    has and its newest `shown` with their text. Six queries, and no more rows read into
    Python than festivals times `shown` (and the few pieces the rules must look at), however
    many years of pieces the desk keeps."""
    longest = now - timedelta(minutes=MAX_OFFSET_MINUTES)
    rows = db.session.execute(
        _summary_statement(), {"now": now, "longest": longest, "shown": shown}
    )
    settled: list = []
    maybe: list = []
    for row in rows:
        (maybe if row.held else settled).append(row)
    held = _embargoes([row.id for row in maybe])
    live_maybe = [row for row in maybe if not holds(held[row.id], now)]
    counts: dict[int, int] = {}
    newest: dict[int, datetime] = {}
    candidates: dict[int, list] = {}
    for row in settled:
        counts[row.festival_id] = row.pieces
        newest[row.festival_id] = row.newest
        candidates.setdefault(row.festival_id, []).append(row)
    for row in live_maybe:
        counts[row.festival_id] = counts.get(row.festival_id, 0) + 1
        newest[row.festival_id] = max(newest.get(row.festival_id, row.last_live), row.last_live)
        candidates.setdefault(row.festival_id, []).append(row)
    updated_at = max(newest.values(), default=None)
    after = updated_at or now
    lifted_params = {
        "held": list(held),
        "after": after,
        "since": after - timedelta(minutes=MAX_OFFSET_MINUTES),
    }
    lifted = _lifted(_lifted_facts(False, False, False), lifted_params)
    lifted = latest(lifted, *(held[row.id] for row in live_maybe))
    newest_first = [
        sorted(rows, key=lambda row: (row.first_live, row.id), reverse=True)
        for rows in candidates.values()
    ]
    shown_listed = [Listed._make(row[:7]) for rows in newest_first for row in rows[:shown]]
    texts: dict[int, list[Teaser]] = {}
    for teaser in teasers(shown_listed):
        texts.setdefault(teaser.listed.festival_id, []).append(teaser)
    festivals = db.session.scalars(select(Festival).where(Festival.id.in_(counts))).all()
    ordered = sorted(festivals, key=lambda f: (f.start_date, f.name), reverse=True)
    return Summary(
        [FestivalCoverage(f, counts[f.id], texts.get(f.id, [])) for f in ordered],
        updated_at,
        lifted,
        next_lift(held.values(), now),
    )


@cache
def _last_change_statement(one_festival: bool, among: bool):
    criteria = [Piece.published_revision_number.is_not(None)]
    if one_festival:
        criteria.append(Piece.festival_id == bindparam("festival_id"))
    # A withdrawal or correction of any piece in scope counts, even with `among`: it is the
    # pieces' own covering index, read whole in no time.
    pieces_changed = select(func.max(Piece.updated_at)).where(*criteria).scalar_subquery()
    if among:
        criteria.append(Piece.id.in_(bindparam("among", expanding=True)))
    film_ids = select(Piece.film_id).where(*criteria, Piece.film_id.is_not(None))
    festival_ids = select(Piece.festival_id).where(*criteria)
    writer_ids = select(Piece.writer_id).where(*criteria, Piece.writer_id.is_not(None))
    return select(
        pieces_changed,
        select(func.max(Festival.updated_at))
        .where(Festival.id.in_(festival_ids))
        .scalar_subquery(),
        select(func.max(User.updated_at)).where(User.id.in_(writer_ids)).scalar_subquery(),
        select(func.max(Film.updated_at)).where(Film.id.in_(film_ids)).scalar_subquery(),
        select(func.max(Screening.updated_at))
        .where(Screening.film_id.in_(film_ids))
        .scalar_subquery(),
    )


def last_change(
    festival_id: int | None = None, *, among: Sequence[int] | None = None
) -> datetime | None:
    """The latest change of a piece that was ever public (in one festival or all), of its
    film or that film's screenings, its festival or its writer: what can take a piece off a
    page or feed (withdrawal, a moved embargo) or change what it shows (a festival's name, a
    byline) moves one of these. One statement.

    `among` limits films, screenings, festivals and writers to those of these pieces: what a
    list that shows the newest few needs (`Listing.considered`), since a piece can only enter
    or leave it from among the pieces its query read, or by a change of its own."""
    params: dict = {"festival_id": festival_id, "among": list(among or [])}
    statement = _last_change_statement(festival_id is not None, among is not None)
    return latest(*db.session.execute(statement, params).one())


def latest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def last_modified(pieces: Iterable[Dated], *others: datetime | None) -> datetime | None:
    """Last-Modified of a page or feed listing `pieces`: their dates and `others`: the
    embargoes that lifted on them (`Listing.lifted`) and the last change of what can take a
    piece off (`last_change()`), so it never goes back while the content changes, even when a
    piece leaves or comes back."""
    return latest(*(item.updated_at for item in pieces), *others)


# --- What every public page is built from ---------------------------------------------------


class Fingerprint(NamedTuple):
    """The latest change (UTC) and the number of rows of each table public pages read: pieces
    ever made public, films, screenings, festivals and users (bylines). Any write to them
    moves a latest change (every row has `updated_at`, set on each update) or a count (a
    deletion)."""

    pieces_changed: datetime | None
    pieces: int
    films_changed: datetime | None
    films: int
    screenings_changed: datetime | None
    screenings: int
    festivals_changed: datetime | None
    festivals: int
    users_changed: datetime | None
    users: int


@cache
def _fingerprint_statement():
    def changed_and_count(model, *criteria):
        return (
            select(func.max(model.updated_at)).where(*criteria).scalar_subquery(),
            select(func.count()).select_from(model).where(*criteria).scalar_subquery(),
        )

    # Pieces from `ix_pieces_published_updated`, films and screenings from their `updated_at`
    # indexes and counts: a few index pages whatever the desk's size.
    return select(
        *changed_and_count(Piece, Piece.published_revision_number.is_not(None)),
        *changed_and_count(Film),
        *changed_and_count(Screening),
        *changed_and_count(Festival),
        *changed_and_count(User),
    )


def public_fingerprint() -> Fingerprint:
    """What the public pages were built from, in one cheap statement (`Fingerprint`): equal
    fingerprints mean the same data, so a page built from it is still the page
    (`page_store`), but for the clock (embargoes lifting)."""
    return Fingerprint._make(db.session.execute(_fingerprint_statement()).one())
