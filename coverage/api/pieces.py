"""`/api/v1/pieces` and `/api/v1/writers/.../clashes`: coverage planning and the workflow.

Every rule lives in the piece services and `coverage.pieces.workflow`; these handlers translate
JSON to their fields, commit once per successful write, and show times in the festival's own UTC
offset. A refused transition is the guard's own sentence as a 409 problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, request, url_for
from spectree import Response as SpecResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coverage.accounts.models import User
from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.api import api_user, bp, errors
from coverage.api.programme import _changes, _created, _instant, _iso, find_festival, find_venue
from coverage.api.schemas import (
    ClashesOut,
    ClashOut,
    ClashQuery,
    CommitmentOut,
    FilmRef,
    HistoryEntry,
    PersonRef,
    PieceIn,
    PieceOut,
    PiecePatch,
    PieceQuery,
    PieceScreening,
    PieceSlot,
    TransitionIn,
    TransitionOut,
    UserRef,
    ValidationProblem,
    VenueRef,
)
from coverage.api.spec import api
from coverage.errors import InvalidInput, NotFound, NotPermitted, TransitionRefused
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival
from coverage.pieces import services
from coverage.pieces.embargo import is_held
from coverage.pieces.models import Piece, Transition
from coverage.pieces.workflow import Action, available_actions, embargo_refusal
from coverage.programme.models import Film, Screening
from coverage.timeutil import utcnow
from coverage.web import problem

TAGS = ["pieces"]
PLAN_REFUSED = "Only an editor can change a piece's plan."
VIEW_REFUSED = "This account cannot see coverage."
CLASHES_REFUSED = "Only an editor can check another writer's clashes."

# Actions that are never a client's to take: the guard would allow some of them otherwise.
NOT_HERE = {
    Action.START: (
        "Drafting starts by itself when the assigned writer first saves the text: it happens by "
        "saving text, not as a transition."
    ),
    Action.PUBLISH_SCHEDULED: (
        "A scheduled piece publishes itself when its time comes: that happens by the "
        "publish-due job, not as a transition."
    ),
}

# PlanFields a PATCH may clear with `null`; the rest keep their value when left out.
PLAN_NULLABLE = frozenset(
    {
        "film_id",
        "writer_id",
        "editor_id",
        "due_at",
        "screening_id",
        "slot_starts_at",
        "slot_ends_at",
        "word_target",
        "embargo_at",
        "publish_at",
    }
)
PLAN_TIMES = ("due_at", "slot_starts_at", "slot_ends_at", "embargo_at", "publish_at")

_DESK_ONLY: set[str] = set()
F = TypeVar("F", bound=Callable[..., Any])


def desk_only(view: F) -> F:
    _DESK_ONLY.add(view.__name__)
    return view


@bp.before_request
def check_pieces_permission():
    """Runs after the token check (registered earlier), so `api_user()` is set by now."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or view.__module__ != __name__:
        return None
    actor = api_user().actor
    if view.__name__ in _DESK_ONLY and not can_edit_programme(actor):
        return problem(403, PLAN_REFUSED, "Forbidden")
    if not can_view_programme(actor):
        return problem(403, VIEW_REFUSED, "Forbidden")
    return None


# --- Lookups and output ---------------------------------------------------------------------


def find_piece(piece_id: int) -> Piece:
    piece = services.get_piece(piece_id)
    if piece is None:
        raise NotFound(f"There is no piece {piece_id}; it may have been deleted.")
    return piece


def _user_ref(user: User | None) -> UserRef | None:
    return None if user is None else UserRef(id=user.id, name=user.name)


def _screening(screening: Screening | None, festival: Festival) -> PieceScreening | None:
    if screening is None:
        return None
    return PieceScreening(
        id=screening.id,
        starts_at=_iso(screening.starts_at, festival),
        ends_at=_iso(screening.ends_at, festival),
        venue=VenueRef(id=screening.venue.id, name=screening.venue.name),
        kind=screening.kind,
        cancelled=screening.cancelled,
    )


def _slot(piece: Piece, festival: Festival) -> PieceSlot | None:
    if piece.slot_starts_at is None or piece.slot_ends_at is None:
        return None
    return PieceSlot(
        starts_at=_iso(piece.slot_starts_at, festival),
        ends_at=_iso(piece.slot_ends_at, festival),
        place=piece.slot_place,
    )


def piece_out(piece: Piece, user: User, now: datetime) -> PieceOut:
    """Everything about a piece; expects it loaded by `services.piece_query()` (no lazy loads)."""
    festival = piece.festival
    facts = services.facts(piece)
    held = is_held(facts.embargo_at)
    return PieceOut(
        id=piece.id,
        festival=festival.slug,
        timezone=festival.timezone,
        kind=piece.kind,
        state=piece.state,
        title=services.piece_title(piece),
        film=FilmRef(id=piece.film.id, title=piece.film.title) if piece.film else None,
        other_films=[FilmRef(id=film.id, title=film.title) for film in piece.other_films],
        interviewees=[
            PersonRef(id=person.id, name=person.name, role=person.role)
            for person in piece.interviewees
        ],
        writer=_user_ref(piece.writer),
        editor=_user_ref(piece.editor),
        headline=piece.headline,
        standfirst=piece.standfirst,
        body=piece.body,
        star_rating=piece.star_rating,
        word_target=piece.word_target,
        version=piece.version,
        due_at=_iso(piece.due_at, festival),
        screening=_screening(piece.screening, festival),
        slot=_slot(piece, festival),
        embargo_at=None if held else _iso(facts.embargo_at, festival),
        embargo_held=held,
        publish_at=_iso(piece.publish_at, festival),
        published_at=_iso(piece.published_at, festival),
        release_notice=embargo_refusal(facts, now),
        decline_reason=piece.decline_reason,
        actions=available_actions(facts, user.actor, now),
    )


def _fresh(piece_id: int) -> PieceOut:
    """The piece as committed, loaded again in one go."""
    return piece_out(find_piece(piece_id), api_user(), utcnow())


# --- Input helpers --------------------------------------------------------------------------


def _current_plan(piece: Piece) -> services.PlanFields:
    lists = {
        "other_film_ids": [film.id for film in piece.other_films],
        "interviewee_ids": [person.id for person in piece.interviewees],
    }
    values = {
        f.name: lists[f.name] if f.name in lists else getattr(piece, f.name)
        for f in fields(services.PlanFields)
    }
    return services.PlanFields(**values)


def _with_default_due(plan: services.PlanFields) -> services.PlanFields:
    """As on the assign page: without a due time, copy is due a day after seeing the film."""
    if plan.due_at is not None:
        return plan
    screening = db.session.get(Screening, plan.screening_id) if plan.screening_id else None
    return replace(plan, due_at=services.default_due(screening, plan.slot_ends_at))


WRITE_ERRORS = errors(401, 403, 404)
READ_ERRORS = errors(401, 403, 404)

# --- Pieces ---------------------------------------------------------------------------------


@bp.get("/pieces")
@api.validate(
    query=PieceQuery, resp=SpecResponse(HTTP_200=list[PieceOut], **READ_ERRORS), tags=TAGS
)
def list_pieces(query: PieceQuery):
    """Pieces, oldest first, filtered by festival slug, writer, state, kind or film."""
    statement = services.piece_query().order_by(Piece.id)
    if query.festival is not None:
        statement = statement.where(Piece.festival_id == find_festival(query.festival).id)
    if query.writer is not None:
        statement = statement.where(Piece.writer_id == query.writer)
    if query.state is not None:
        statement = statement.where(Piece.state == query.state)
    if query.kind is not None:
        statement = statement.where(Piece.kind == query.kind)
    if query.film is not None:
        statement = statement.where(
            or_(Piece.film_id == query.film, Piece.other_films.any(Film.id == query.film))
        )
    user, now = api_user(), utcnow()
    return [piece_out(piece, user, now) for piece in db.session.scalars(statement)]


@bp.post("/pieces")
@api.validate(json=PieceIn, resp=SpecResponse(HTTP_201=PieceOut, **WRITE_ERRORS), tags=TAGS)
def create_piece(json: PieceIn):
    """Pitch a piece (writers: it is theirs, planning fields are ignored) or plan one (desk).

    A new piece is `pitched`; the desk assigns it with the `assign` transition.
    """
    festival = festivals.festival_by_slug(json.festival)
    if festival is None:
        raise InvalidInput(f"There is no festival '{json.festival}'.", field="festival")
    values = json.model_dump(exclude={"festival"})
    for name in PLAN_TIMES:
        values[name] = _instant(values[name], festival, name)
    plan = _with_default_due(services.PlanFields(**values))
    piece = services.create_piece(festival, api_user(), plan, utcnow())
    db.session.commit()
    return _created(_fresh(piece.id), url_for("api.show_piece", piece_id=piece.id))


@bp.get("/pieces/<int:piece_id>")
@api.validate(resp=SpecResponse(HTTP_200=PieceOut, **READ_ERRORS), tags=TAGS)
def show_piece(piece_id: int):
    """One piece: its plan, text, effective embargo, and the actions you may take now."""
    return piece_out(find_piece(piece_id), api_user(), utcnow())


@bp.patch("/pieces/<int:piece_id>")
@api.validate(json=PiecePatch, resp=SpecResponse(HTTP_200=PieceOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def update_piece(piece_id: int, json: PiecePatch):
    """Change some of a piece's plan (editors and admins); it is not assigned by this."""
    piece = find_piece(piece_id)
    festival = piece.festival
    changes = _changes(json, PLAN_NULLABLE)
    for name in PLAN_TIMES:
        if name in changes:
            changes[name] = _instant(changes[name], festival, name)
    plan = replace(_current_plan(piece), **changes)
    if "due_at" not in changes:
        plan = _with_default_due(plan)
    services.update_plan(piece, api_user(), plan)
    db.session.commit()
    return _fresh(piece_id)


@bp.post("/pieces/<int:piece_id>/transitions")
@api.validate(
    json=TransitionIn,
    resp=SpecResponse(HTTP_200=TransitionOut, HTTP_409=ValidationProblem, **errors(401, 403, 404)),
    tags=TAGS,
)
def take_transition(piece_id: int, json: TransitionIn):
    """Take a workflow step. A refusal is 409 with the reason; a missing note names `note`."""
    piece = find_piece(piece_id)
    if json.action in NOT_HERE:
        raise TransitionRefused(NOT_HERE[json.action])
    try:
        outcome = services.transition(piece, api_user(), json.action, utcnow(), json.note)
    except TransitionRefused as error:
        if error.field is None:
            raise
        db.session.rollback()
        field_errors = [{"field": error.field, "message": error.message}]
        return problem(error.status, error.message, error.title, errors=field_errors)
    db.session.commit()
    return TransitionOut(
        action=outcome.action,
        from_=outcome.source,
        to=outcome.target,
        piece=_fresh(piece_id),
    )


@bp.get("/pieces/<int:piece_id>/history")
@api.validate(resp=SpecResponse(HTTP_200=list[HistoryEntry], **READ_ERRORS), tags=TAGS)
def piece_history(piece_id: int):
    """Every step of the piece, oldest first: when, what, by whom and why."""
    piece = db.session.get(Piece, piece_id)
    if piece is None:
        raise NotFound(f"There is no piece {piece_id}; it may have been deleted.")
    festival = piece.festival
    steps = db.session.scalars(
        select(Transition)
        .options(selectinload(Transition.actor))
        .where(Transition.piece_id == piece_id)
        .order_by(Transition.created_at, Transition.id)
    )
    return [
        HistoryEntry(
            at=_iso(step.created_at, festival),
            action=step.action,
            from_=step.from_state,
            to=step.to_state,
            by=_user_ref(step.actor),
            note=step.note,
        )
        for step in steps
    ]


# --- Clashes --------------------------------------------------------------------------------


@bp.get("/writers/<int:writer_id>/clashes")
@api.validate(query=ClashQuery, resp=SpecResponse(HTTP_200=ClashesOut, **READ_ERRORS), tags=TAGS)
def writer_clashes(writer_id: int, query: ClashQuery):
    """What a candidate interval would clash with in the writer's commitments at a festival:
    overlaps, and gaps shorter than the travel time between places. Writers may ask about
    themselves; the desk about anyone."""
    user = api_user()
    if not services.is_desk(user) and user.id != writer_id:
        raise NotPermitted(CLASHES_REFUSED)
    if db.session.get(User, writer_id) is None:
        raise NotFound(f"There is no writer {writer_id}.")
    festival = find_festival(query.festival)
    if query.venue is not None:
        find_venue(festival, query.venue)
    start = _instant(query.start, festival, "start")
    end = _instant(query.end, festival, "end")
    assert start is not None and end is not None
    if end <= start:
        raise InvalidInput("The end must be after the start.", field="end")
    candidate = services.candidate_commitment(
        festival,
        screening_id=None,
        slot_starts_at=start,
        slot_ends_at=end,
        slot_place=query.place,
        venue_id=query.venue,
        what="The candidate",
    )
    assert candidate is not None
    clashes = services.clashes_for(
        festival, writer_id, candidate, exclude_piece_id=query.exclude_piece
    )
    return ClashesOut(
        clashes=[
            ClashOut(
                other=CommitmentOut(
                    what=clash.other.what,
                    starts_at=_iso(clash.other.starts_at, festival),
                    ends_at=_iso(clash.other.ends_at, festival),
                    place=clash.other.place,
                    piece_id=clash.other.piece_id,
                ),
                overlap=clash.overlap,
                gap_minutes=clash.gap_minutes,
                needed_minutes=clash.needed_minutes,
                reason=clash.reason,
            )
            for clash in clashes
        ]
    )
