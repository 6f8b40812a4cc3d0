"""CMS export downloads on the desk's piece page, and the loading both they and the API use.

`/pieces/<id>/export.html` and `/pieces/<id>/export.md` need a login; the rules (which text,
who may) are in `coverage.public.export`. `export_document` is shared with
`GET /api/v1/pieces/{id}/export`, so the two never differ.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from coverage.accounts.models import User
from coverage.accounts.permissions import can_view_programme
from coverage.errors import Conflict, NotPermitted
from coverage.pieces.embargo import is_held
from coverage.pieces.models import Piece
from coverage.pieces.services import embargo_for, slug_on_publication
from coverage.pieces.views import load_piece
from coverage.public import export
from coverage.public.export import ExportFacts, ExportFormat, ExportSource
from coverage.public.services import public_piece
from coverage.web import absolute_url, permission_required

bp = Blueprint("cms_export", __name__, url_prefix="/pieces/<int:piece_id>")


# --- Shared with the API --------------------------------------------------------------------


def has_live_revision(piece: Piece) -> bool:
    """The piece went live at least once and a published revision is recorded."""
    return piece.published_revision_number is not None and piece.published_at is not None


def check_may_export(piece: Piece, user: User) -> None:
    if not export.may_export(user.actor, piece.writer_id):
        raise NotPermitted(export.EXPORT_REFUSED)


def export_facts(piece: Piece) -> ExportFacts:
    """The facts of an exportable piece, with the text the rule picks; a `Conflict` otherwise.

    Expects the piece loaded by `coverage.pieces.services.get_piece` (festival, film with its
    screenings, writer), and a request (the canonical URL is absolute)."""
    source = export.export_source(piece.state, has_live_revision(piece))
    text = piece
    if source is ExportSource.LIVE:
        live = public_piece(piece)
        if live is None:
            raise Conflict(
                f"The live revision {piece.published_revision_number} of this piece is missing, "
                "so there is nothing published to export."
            )
        text = live.text
    festival = piece.festival
    film = piece.film
    # Approved text goes out at the address its headline gives it (a corrected headline moves
    # the page when it is republished); a live revision is where readers have it now.
    slug = slug_on_publication(piece) if source is ExportSource.CURRENT else piece.slug
    embargo = embargo_for(piece)
    held = is_held(embargo)
    return ExportFacts(
        headline=text.headline,
        standfirst=text.standfirst,
        body=text.body,
        star_rating=text.star_rating,
        kind=piece.kind,
        byline=piece.writer.name if piece.writer is not None else None,
        festival=festival.display_name,
        festival_slug=festival.slug,
        film=film.title if film is not None else None,
        directors=export.directors_of(film.directors) if film is not None else [],
        embargo_at=None if held else embargo,
        embargo_held=held,
        published_at=piece.published_at,
        canonical_url=absolute_url("public.piece", festival_slug=festival.slug, piece_slug=slug)
        if slug
        else None,
        slug=slug or f"piece-{piece.id}",
    )


def export_document(piece: Piece, user: User, fmt: ExportFormat) -> tuple[str, str]:
    """The export in `fmt` and its file name, after the permission and state checks (in that
    order: someone who may not read the text does not learn its state)."""
    check_may_export(piece, user)
    facts = export_facts(piece)
    return export.render(facts, fmt), export.filename(facts.slug, fmt)


def export_response(body: str, fmt: ExportFormat, *, download_as: str | None = None):
    response = current_app.response_class(body, mimetype=fmt.mimetype)  # adds charset=utf-8
    if download_as is not None:
        response.headers.set("Content-Disposition", "attachment", filename=download_as)
    return response


# --- Downloads ------------------------------------------------------------------------------


def _download(piece_id: int, fmt: ExportFormat):
    # A refusal is a domain error: the error pages make it a 403 or 409 page with its sentence.
    piece = load_piece(piece_id)
    body, name = export_document(piece, current_user, fmt)
    return export_response(body, fmt, download_as=name)


@bp.get("/export.html")
@permission_required(can_view_programme)
def html(piece_id: int):
    return _download(piece_id, ExportFormat.HTML)


@bp.get("/export.md")
@permission_required(can_view_programme)
def markdown(piece_id: int):
    return _download(piece_id, ExportFormat.MARKDOWN)


@bp.app_template_global("export_available")
def export_available(piece: Piece) -> bool:
    """Whether the piece page offers the downloads: exportable, and to this user."""
    return bool(
        current_user.is_authenticated
        and export.may_export(current_user.actor, piece.writer_id)
        and export.is_exportable(piece.state, has_live_revision(piece))
    )
