"""What refers to a programme object: deleting something pieces rely on is refused by name."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.models import Piece, piece_films
from coverage.programme.models import Film, Screening


def pieces_referring_to(
    *,
    festival: Festival | None = None,
    film: Film | None = None,
    screenings: list[Screening] | None = None,
) -> list[Piece]:
    query = select(Piece).options(selectinload(Piece.writer), selectinload(Piece.film))
    if festival is not None:
        query = query.where(Piece.festival_id == festival.id)
    elif film is not None:
        in_other_films = select(piece_films.c.piece_id).where(piece_films.c.film_id == film.id)
        screening_ids = select(Screening.id).where(Screening.film_id == film.id)
        query = query.where(
            or_(
                Piece.film_id == film.id,
                Piece.id.in_(in_other_films),
                Piece.screening_id.in_(screening_ids),
            )
        )
    elif screenings:
        query = query.where(Piece.screening_id.in_([s.id for s in screenings]))
    else:
        return []
    return list(db.session.scalars(query.order_by(Piece.id)))


def describe_piece(piece: Piece) -> str:
    if piece.headline:
        name = f"“{piece.headline}”"
    elif piece.film is not None:
        name = f"{piece.kind.label} of {piece.film.title}"
    else:
        name = f"{piece.kind.label} #{piece.id}"
    writer = f" by {piece.writer.name}" if piece.writer is not None else ""
    return f"{name}{writer} ({piece.state.label.lower()})"


def describe_pieces(pieces: list[Piece], limit: int = 3) -> str:
    """`2 pieces (Review of Red Rocket by Ana (assigned), …)`: enough to find them."""
    shown = ", ".join(describe_piece(piece) for piece in pieces[:limit])
    more = f" and {len(pieces) - limit} more" if len(pieces) > limit else ""
    noun = "piece" if len(pieces) == 1 else "pieces"
    return f"{len(pieces)} {noun} ({shown}{more})"
