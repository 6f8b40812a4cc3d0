"""Reading published coverage: live pieces with their live text, found by URL, in constant queries.

Every public surface (piece page, hubs, Atom feeds, sitemap, "More in Film festivals") reads
through `live_pieces` or `find_public_piece`, and each asks `rules.public_status`, so they
agree on what readers may see. The text served is always the published revision: a correction
in progress never leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from coverage.accounts.models import User
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.embargo import is_held
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, PieceSlug
from coverage.pieces.services import embargo_for
from coverage.programme.models import Film, Screening
from coverage.public.rules import PublicStatus, public_status

# The order kinds appear in on a coverage hub.
HUB_KIND_ORDER = (
    PieceKind.REVIEW,
    PieceKind.INTERVIEW,
    PieceKind.FEATURE,
    PieceKind.ROUNDUP,
    PieceKind.NEWS,
)


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
    def slug(self) -> str:
        return self.piece.slug or f"piece-{self.piece.id}"


def _public_query():
    return select(Piece).options(
        selectinload(Piece.festival),
        selectinload(Piece.film).selectinload(Film.screenings),
        selectinload(Piece.writer),
        selectinload(Piece.interviewees),
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


def _live_texts(pieces: Sequence[Piece]) -> dict[int, Revision]:
    """The published revision of each piece, in one query."""
    ids = [piece.id for piece in pieces]
    if not ids:
        return {}
    revisions = db.session.scalars(
        select(Revision)
        .join(
            Piece,
            and_(
                Piece.id == Revision.piece_id,
                Piece.published_revision_number == Revision.number,
            ),
        )
        .where(Piece.id.in_(ids))
    )
    return {revision.piece_id: revision for revision in revisions}


def live_pieces(
    now: datetime,
    *,
    festival_id: int | None = None,
    limit: int | None = None,
    exclude_piece_id: int | None = None,
) -> list[PublicPiece]:
    """Live pieces, most recently published first (all festivals, or one).

    A constant number of queries for any number of pieces (the pieces, one per eager-loaded
    relation, their live revisions). Pieces whose embargo moved back into the future are left
    out. `limit` caps the result (for "More in Film festivals").
    """
    query = (
        _public_query()
        .where(
            Piece.published_revision_number.is_not(None),
            Piece.published_at.is_not(None),
            Piece.state != PieceState.SPIKED,
        )
        .order_by(
            func.coalesce(Piece.first_published_at, Piece.published_at).desc(), Piece.id.desc()
        )
    )
    if festival_id is not None:
        query = query.where(Piece.festival_id == festival_id)
    if exclude_piece_id is not None:
        query = query.where(Piece.id != exclude_piece_id)
    if limit is None:
        candidates = db.session.scalars(query).all()
        live = [piece for piece in candidates if status_of(piece, now) is PublicStatus.LIVE]
    else:
        # Some extra rows cover pieces hidden again by a moved embargo; more rounds only when
        # many are.
        live, offset, batch = [], 0, limit * 2 + 5
        while len(live) < limit:
            candidates = db.session.scalars(query.offset(offset).limit(batch)).all()
            live += [piece for piece in candidates if status_of(piece, now) is PublicStatus.LIVE]
            if len(candidates) < batch:
                break
            offset += batch
        live = live[:limit]
    texts = _live_texts(live)
    return [PublicPiece(piece, texts[piece.id]) for piece in live if piece.id in texts]


@dataclass(frozen=True)
class Lookup:
    """What a public URL points at: a piece (any status) and the slug it lives at now."""

    piece: Piece | None
    current_slug: str | None


def find_by_slug(festival_slug: str, slug: str) -> Lookup:
    """The piece that has, or once had, `slug` in the festival; its current slug to redirect to."""
    piece_id = db.session.scalar(
        select(PieceSlug.piece_id)
        .join(Festival, Festival.id == PieceSlug.festival_id)
        .where(Festival.slug == festival_slug, PieceSlug.slug == slug)
    )
    if piece_id is None:
        return Lookup(None, None)
    piece = db.session.scalar(_public_query().where(Piece.id == piece_id))
    return Lookup(piece, piece.slug if piece is not None else None)


def public_piece(piece: Piece) -> PublicPiece | None:
    """The piece with its live text (None when it has no published revision)."""
    text = _live_texts([piece]).get(piece.id)
    return PublicPiece(piece, text) if text is not None else None


def group_by_kind(pieces: Sequence[PublicPiece]) -> list[tuple[PieceKind, list[PublicPiece]]]:
    """Hub sections in house order, each newest first, empty kinds left out."""
    groups: dict[PieceKind, list[PublicPiece]] = {kind: [] for kind in HUB_KIND_ORDER}
    for item in pieces:
        groups[item.piece.kind].append(item)
    return [(kind, items) for kind, items in groups.items() if items]


def festivals_with_coverage(now: datetime) -> list[tuple[Festival, list[PublicPiece]]]:
    """Every festival with live coverage and its live pieces, newest festival edition first."""
    by_festival: dict[int, list[PublicPiece]] = {}
    festivals: dict[int, Festival] = {}
    for item in live_pieces(now):
        by_festival.setdefault(item.festival.id, []).append(item)
        festivals[item.festival.id] = item.festival
    ordered = sorted(festivals.values(), key=lambda f: (f.start_date, f.name), reverse=True)
    return [(festival, by_festival[festival.id]) for festival in ordered]


def last_change(festival_id: int | None = None) -> datetime | None:
    """The latest change of a piece that was ever public (in one festival or all), of its
    film or that film's screenings, its festival or its writer: what can take a piece off a
    page or feed (withdrawal, a moved embargo) or change what it shows (a festival's name, a
    byline) moves one of these. One statement."""
    criteria = [Piece.published_revision_number.is_not(None)]
    if festival_id is not None:
        criteria.append(Piece.festival_id == festival_id)
    film_ids = select(Piece.film_id).where(*criteria, Piece.film_id.is_not(None))
    festival_ids = select(Piece.festival_id).where(*criteria)
    writer_ids = select(Piece.writer_id).where(*criteria, Piece.writer_id.is_not(None))
    row = db.session.execute(
        select(
            select(func.max(Piece.updated_at)).where(*criteria).scalar_subquery(),
            select(func.max(Festival.updated_at))
            .where(Festival.id.in_(festival_ids))
            .scalar_subquery(),
            select(func.max(User.updated_at)).where(User.id.in_(writer_ids)).scalar_subquery(),
            select(func.max(Film.updated_at)).where(Film.id.in_(film_ids)).scalar_subquery(),
            select(func.max(Screening.updated_at))
            .where(Screening.film_id.in_(film_ids))
            .scalar_subquery(),
        )
    ).one()
    return latest(*row)


def latest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def last_modified(pieces: Sequence[PublicPiece], *others: datetime | None) -> datetime | None:
    """Last-Modified of a page or feed listing `pieces`: their dates, the embargoes that lifted
    on them, and `others` (such as `last_change()`), so it never goes back while the content
    changes, even when a piece leaves or comes back."""
    embargoes = [embargo_for(item.piece) for item in pieces]
    lifted = [moment for moment in embargoes if moment is not None and not is_held(moment)]
    return latest(*(item.updated_at for item in pieces), *lifted, *others)
