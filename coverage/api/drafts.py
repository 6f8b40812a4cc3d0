"""`/api/v1/pieces/<id>/revisions` and `/comments`: a piece's saved texts and its conversation.

Text itself is saved with `PATCH /api/v1/pieces/<id>` (see `coverage.api.pieces`); every rule
lives in `coverage.drafts.services`. These handlers translate to JSON, commit once per successful
write, show times in the festival's own UTC offset, and render Markdown with the sanitising
renderer.
"""

from __future__ import annotations

from flask import current_app, request
from spectree import Response as SpecResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coverage.accounts.permissions import can_view_programme
from coverage.api import api_user, bp, errors
from coverage.api.pagination import page_of_statement, paged
from coverage.api.pieces import VIEW_REFUSED, _user_ref, find_piece
from coverage.api.programme import _iso
from coverage.api.schemas import (
    CommentIn,
    CommentOut,
    PageQuery,
    RevisionOut,
    RevisionSummary,
    ValidationProblem,
)
from coverage.api.spec import api
from coverage.drafts import services as drafts
from coverage.drafts.models import Comment, Revision
from coverage.drafts.rendering import render_markdown, word_count
from coverage.errors import NotPermitted
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.models import Piece
from coverage.pieces.services import READ_REFUSED, may_read_text
from coverage.timeutil import utcnow
from coverage.web import problem

TAGS = ["drafts"]
READ_ERRORS = errors(401, 403, 404)


@bp.before_request
def check_drafts_permission():
    """Runs after the token check (registered earlier), so `api_user()` is set by now."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or view.__module__ != __name__:
        return None
    if not can_view_programme(api_user().actor):
        return problem(403, VIEW_REFUSED, "Forbidden")
    return None


def readable_piece(piece_id: int) -> Piece:
    """The piece, if the token's user may read its text, revisions and comments
    (`can_read_text`: the desk any piece, a writer their own); a 404 or 403 otherwise."""
    piece = find_piece(piece_id)
    if not may_read_text(piece, api_user()):
        raise NotPermitted(READ_REFUSED)
    return piece


def _summary(revision: Revision, festival: Festival) -> dict:
    return {
        "number": revision.number,
        "created_at": _iso(revision.created_at, festival),
        "author": _user_ref(revision.author),
        "note": revision.note,
        "applied": revision.version is not None,
        "version": revision.version,
        "based_on_version": revision.based_on_version,
        "word_count": word_count(revision.body),
    }


def _comment_out(comment: Comment, festival: Festival) -> CommentOut:
    return CommentOut(
        id=comment.id,
        author=_user_ref(comment.author),
        created_at=_iso(comment.created_at, festival),
        body=comment.body,
        body_html=render_markdown(comment.body),
    )


# --- Revisions ------------------------------------------------------------------------------


@bp.get("/pieces/<int:piece_id>/revisions")
@api.validate(
    query=PageQuery, resp=SpecResponse(HTTP_200=list[RevisionSummary], **READ_ERRORS), tags=TAGS
)
def list_revisions(piece_id: int, query: PageQuery):
    """Every saved text of the piece, newest first; `applied` is false for a save that was kept
    but not applied because the piece had changed since the version it was based on. The
    piece's writer and the desk only; paged (`limit`, `page`, `Link` header)."""
    piece = readable_piece(piece_id)
    rows, more = page_of_statement(
        select(Revision)
        .options(selectinload(Revision.author))
        .where(Revision.piece_id == piece.id)
        .order_by(Revision.number.desc()),
        query,
    )
    summaries = [RevisionSummary(**_summary(revision, piece.festival)) for revision in rows]
    return paged(summaries, more, query)


@bp.get("/pieces/<int:piece_id>/revisions/<int:number>")
@api.validate(resp=SpecResponse(HTTP_200=RevisionOut, **READ_ERRORS), tags=TAGS)
def show_revision(piece_id: int, number: int):
    """One revision in full, with its body rendered as sanitised HTML: the piece's writer and
    the desk only."""
    piece = readable_piece(piece_id)
    revision = drafts.get_revision(piece, number)
    return RevisionOut(
        **_summary(revision, piece.festival),
        headline=revision.headline,
        standfirst=revision.standfirst,
        body=revision.body,
        star_rating=revision.star_rating,
        body_html=render_markdown(revision.body),
    )


# --- Comments -------------------------------------------------------------------------------


@bp.get("/pieces/<int:piece_id>/comments")
@api.validate(
    query=PageQuery, resp=SpecResponse(HTTP_200=list[CommentOut], **READ_ERRORS), tags=TAGS
)
def list_comments(piece_id: int, query: PageQuery):
    """The conversation on the piece, oldest first (an editor's return note is one of them):
    the piece's writer and the desk only; paged (`limit`, `page`, `Link` header)."""
    piece = readable_piece(piece_id)
    rows, more = page_of_statement(
        select(Comment)
        .options(selectinload(Comment.author))
        .where(Comment.piece_id == piece.id)
        .order_by(Comment.created_at, Comment.id),
        query,
    )
    return paged([_comment_out(comment, piece.festival) for comment in rows], more, query)


@bp.post("/pieces/<int:piece_id>/comments")
@api.validate(
    json=CommentIn,
    resp=SpecResponse(HTTP_201=CommentOut, HTTP_422=ValidationProblem, **errors(401, 403, 404)),
    tags=TAGS,
)
def create_comment(piece_id: int, json: CommentIn):
    """Add to the conversation: the piece's writer and the desk may; the body is Markdown."""
    piece = find_piece(piece_id)
    comment = drafts.add_comment(piece, api_user(), json.body, utcnow())
    db.session.commit()
    return _comment_out(comment, piece.festival), 201
