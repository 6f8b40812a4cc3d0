"""`/api/v1/pieces` and `/api/v1/writers/.../clashes`: coverage planning and the workflow.

Every rule lives in the piece services and `coverage.pieces.workflow`; these handlers translate
JSON to their fields, commit once per successful write, and show times in the festival's own UTC
offset. A refused transition is the guard's own sentence as a 409 problem.

A piece's ETag is its version, which rises with every save of its text and every change of its
plan. A PATCH must send it back in If-Match, so that nobody overwrites what they have not seen:
text goes through `coverage.drafts.services.save_draft`, which keeps a stale save as an unapplied
revision instead of losing it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import current_app, request, url_for
from spectree import Response as SpecResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coverage.accounts.models import User
from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.api import api_user, bp, errors
from coverage.api.pagination import page_of_statement, paged
from coverage.api.programme import _changes, _instant, _iso, find_festival, find_venue
from coverage.api.schemas import (
    ClashesOut,
    ClashOut,
    ClashQuery,
    CommitmentOut,
    ExportQuery,
    FilmRef,
    HistoryEntry,
    IfMatchHeaders,
    PageQuery,
    PersonRef,
    PieceIn,
    PieceOut,
    PiecePatch,
    PieceQuery,
    PieceScreening,
    PieceSlot,
    PreconditionProblem,
    Problem,
    TransitionIn,
    TransitionOut,
    UserRef,
    ValidationProblem,
    VenueRef,
)
from coverage.api.spec import api
from coverage.audit.acts import audit_step
from coverage.drafts import services as drafts
from coverage.errors import InvalidInput, NotFound, NotPermitted, TransitionRefused
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival
from coverage.pieces import services
from coverage.pieces.embargo import is_held
from coverage.pieces.models import Piece, Transition
from coverage.pieces.workflow import Action, available_actions, embargo_refusal
from coverage.programme.models import Film, Screening
from coverage.public.export_views import export_document, export_response
from coverage.timeutil import utcnow
from coverage.web import absolute_url, problem

TAGS = ["pieces"]
PLAN_REFUSED = "Only an editor can change a piece's plan."
IF_MATCH_MISSING = (
    "Send If-Match with the piece's ETag (from GET) so a save cannot overwrite someone else's."
)
# PiecePatch fields that are the piece's text (saved as revisions); the rest are its plan.
TEXT_FIELDS = ("headline", "standfirst", "body", "star_rating")
_ETAG = re.compile(r'"(\d{1,18})"')
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


@bp.before_request
def check_pieces_permission():
    """Runs after the token check (registered earlier), so `api_user()` is set by now."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or view.__module__ != __name__:
        return None
    actor = api_user().actor
    if not can_view_programme(actor):
        return problem(403, VIEW_REFUSED, "Forbidden")
    if view.__name__ == "update_piece" and not can_edit_programme(actor):
        return _refuse_outsider_patch()
    return None


def _refuse_outsider_patch():
    """A writer may PATCH only the text of a piece they may write now; anyone else is refused
    before the body is validated, with the sentence for what they tried to change."""
    piece = db.session.get(Piece, (request.view_args or {}).get("piece_id"))
    user = api_user()
    if piece is None or drafts.may_write(piece, user):
        return None  # a 404, or a save: the handler decides
    sent = request.get_json(silent=True)
    if isinstance(sent, dict) and any(name in sent for name in TEXT_FIELDS):
        return problem(403, drafts.write_refusal(piece, user) or PLAN_REFUSED, "Forbidden")
    return problem(403, PLAN_REFUSED, "Forbidden")


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
    """Everything about a piece the user may see; expects it loaded by `services.piece_query()`
    (no lazy loads). The plan is everyone's; the text only for those who may read it
    (`can_read_text`): for anyone else its fields are null and the title is the working title."""
    festival = piece.festival
    facts = services.facts(piece)
    held = is_held(facts.embargo_at)
    readable = services.may_read_text(piece, user)

    def text(value):
        return value if readable else None

    return PieceOut(
        id=piece.id,
        festival=festival.slug,
        timezone=festival.timezone,
        kind=piece.kind,
        state=piece.state,
        title=services.title_for(piece, user),
        film=FilmRef(id=piece.film.id, title=piece.film.title) if piece.film else None,
        other_films=[FilmRef(id=film.id, title=film.title) for film in piece.other_films],
        interviewees=[
            PersonRef(id=person.id, name=person.name, role=person.role)
            for person in piece.interviewees
        ],
        writer=_user_ref(piece.writer),
        editor=_user_ref(piece.editor),
        text_visible=readable,
        headline=text(piece.headline),
        standfirst=text(piece.standfirst),
        body=text(piece.body),
        star_rating=text(piece.star_rating),
        word_target=piece.word_target,
        version=piece.version,
        due_at=_iso(piece.due_at, festival),
        screening=_screening(piece.screening, festival),
        slot=_slot(piece, festival),
        embargo_at=None if held else _iso(facts.embargo_at, festival),
        embargo_held=held,
        publish_at=_iso(piece.publish_at, festival),
        published_at=_iso(piece.published_at, festival),
        first_published_at=_iso(piece.first_published_at, festival),
        public_url=absolute_url("public.piece", festival_slug=festival.slug, piece_slug=piece.slug)
        if piece.slug and (readable or _is_live(piece, now))
        else None,
        pull_quote=text(piece.pull_quote),
        suggested_headline=text(services.house_headline(piece)),
        release_notice=embargo_refusal(facts, now),
        decline_reason=text(piece.decline_reason),
        actions=available_actions(facts, user.actor, now),
    )


def _is_live(piece: Piece, now: datetime) -> bool:
    """Readers can see it now, so its address (made from the headline) is public anyway."""
    from coverage.public.rules import PublicStatus
    from coverage.public.services import status_of

    return piece.published_at is not None and status_of(piece, now) is PublicStatus.LIVE


def _fresh(piece_id: int) -> PieceOut:
    """The piece as committed, loaded again in one go."""
    return piece_out(find_piece(piece_id), api_user(), utcnow())


def etag(version: int) -> str:
    """A strong entity tag: the piece's version in quotes."""
    return f'"{version}"'


def _with_etag(body: PieceOut, status: int = 200, **headers: str):
    return body, status, {"ETag": etag(body.version), **headers}


# --- Input helpers --------------------------------------------------------------------------


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
    """Pieces, oldest first, filtered by festival slug, writer, state, kind or film; paged
    (`limit`, `page`, `Link` header)."""
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
    rows, more = page_of_statement(statement, query)
    return paged([piece_out(piece, user, now) for piece in rows], more, query)


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
    return _with_etag(_fresh(piece.id), 201, Location=url_for("api.show_piece", piece_id=piece.id))


@bp.get("/pieces/<int:piece_id>")
@api.validate(resp=SpecResponse(HTTP_200=PieceOut, **READ_ERRORS), tags=TAGS)
def show_piece(piece_id: int):
    """One piece: its plan, text, effective embargo, and the actions you may take now.

    The `ETag` header is the piece's version in quotes: send it as If-Match to PATCH."""
    return _with_etag(piece_out(find_piece(piece_id), api_user(), utcnow()))


@bp.patch("/pieces/<int:piece_id>")
@api.validate(
    json=PiecePatch,
    headers=IfMatchHeaders,
    resp=SpecResponse(
        HTTP_200=PieceOut,
        # An editor took the piece before the writer's save: kept as `revision`, not applied.
        HTTP_409=PreconditionProblem,
        HTTP_412=PreconditionProblem,
        HTTP_428=Problem,
        **WRITE_ERRORS,
    ),
    tags=TAGS,
)
def update_piece(piece_id: int, json: PiecePatch):
    """Change some of a piece's plan (the desk) and its text (whoever may write it now).

    Send `If-Match` with the ETag from GET: without it the answer is 428. When the piece has
    moved on since that version the answer is 412 and nothing is overwritten; text that differs
    from the piece's is kept as an unapplied revision, named in the 412 body. A matching save
    answers with the piece and its new ETag. Changing the writer does not assign.
    A writer may save a filed piece until an editor takes it for editing; a save that arrives
    after the take is 409, its text kept as an unapplied revision named in the body."""
    piece = find_piece(piece_id)
    user = api_user()
    changes = _changes(json, PLAN_NULLABLE | {"star_rating"})
    text_sent = {name: changes.pop(name) for name in TEXT_FIELDS if name in changes}
    pull_quote = changes.pop("pull_quote", None)
    if changes and not services.is_desk(user):
        raise NotPermitted(PLAN_REFUSED)
    if (text_sent or pull_quote is not None) and not drafts.may_write(piece, user):
        raise NotPermitted(drafts.write_refusal(piece, user) or PLAN_REFUSED)
    header = request.headers.get("If-Match")
    if header is None:
        return problem(428, IF_MATCH_MISSING)
    services.lock_piece(piece)  # the check and the save see the same, committed, version
    if header.strip() == "*":
        base: int | None = piece.version
    else:
        match = _ETAG.fullmatch(header.strip())
        base = int(match.group(1)) if match else None
    if base is None:
        return _precondition_failed(
            piece,
            f"If-Match must be the piece's ETag as GET sends it, e.g. {etag(piece.version)}, "
            "or *. Nothing was saved.",
        )
    text = replace(drafts.Text.of(piece), **text_sent)
    if base != piece.version:
        return _stale(piece, user, text if text_sent else None, base)
    if text_sent:
        result = drafts.save_draft(piece, user, text, base_version=base, now=utcnow())
        if result.status is drafts.SaveStatus.CONFLICT:
            # Someone saved between the check and the save: kept, not applied.
            db.session.commit()
            return _kept_not_applied(piece, base, result.revision)
        if result.status is drafts.SaveStatus.TAKEN:
            # An editor took the piece between the check and the save: kept, not applied.
            db.session.commit()
            return _taken(result.revision)
    if pull_quote is not None:
        # Checked against the body as saved just now: a refusal undoes the whole request.
        drafts.set_pull_quote(piece, user, pull_quote)
    if changes:
        # A changed plan is a new version (one per request, text and plan alike): the service
        # steps it, so that a plan changed on the web pages changes the ETag too.
        _update_plan(piece, user, changes)
    db.session.commit()
    return _with_etag(_fresh(piece_id))


def _update_plan(piece: Piece, user: User, changes: dict[str, Any]):
    festival = piece.festival
    for name in PLAN_TIMES:
        if name in changes:
            changes[name] = _instant(changes[name], festival, name)
    plan = replace(services.plan_of(piece), **changes)
    if "due_at" not in changes:
        plan = _with_default_due(plan)
    services.update_plan(piece, user, plan)


def _precondition_failed(piece: Piece, detail: str, **extra: Any):
    response = problem(412, detail, **extra)
    response.headers["ETag"] = etag(piece.version)
    return response


def _stale(piece: Piece, user: User, text: drafts.Text | None, base: int):
    """If-Match names an older version: overwrite nothing, keep any text that differs."""
    changed = f"The piece has changed since version {base} (it is at version {piece.version} now)"
    if text is not None:
        result = drafts.save_draft(piece, user, text, base_version=base, now=utcnow())
        if result.status is drafts.SaveStatus.CONFLICT:
            db.session.commit()
            return _kept_not_applied(piece, base, result.revision)
        if result.status is drafts.SaveStatus.TAKEN:
            db.session.commit()
            return _taken(result.revision)
        # Unchanged, or applied because only the plan changed since then: a failed
        # precondition changes nothing, so undo it; the client still holds its text.
        db.session.rollback()
    return _precondition_failed(
        piece, f"{changed}: nothing was saved. GET it and send your changes with its new ETag."
    )


def _taken(revision):
    return problem(
        409,
        "An editor took this piece for editing before your save, so your text was not "
        f"applied: it is kept as revision {revision.number}. Ask the editor to make the change "
        "(POST a comment).",
        revision=revision.number,
    )


def _kept_not_applied(piece: Piece, base: int, revision):
    return _precondition_failed(
        piece,
        f"The piece has changed since version {base} (it is at version {piece.version} now), "
        f"so nothing was overwritten: your text was kept as revision {revision.number}, not "
        "applied. GET the piece, merge, and send it again with its new ETag.",
        revision=revision.number,
    )


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
    audit_step(piece, outcome, json.note or "")
    db.session.commit()
    piece_now = _fresh(piece_id)
    result = TransitionOut(
        action=outcome.action, from_=outcome.source, to=outcome.target, piece=piece_now
    )
    return result, 200, {"ETag": etag(piece_now.version)}


@bp.get("/pieces/<int:piece_id>/history")
@api.validate(
    query=PageQuery, resp=SpecResponse(HTTP_200=list[HistoryEntry], **READ_ERRORS), tags=TAGS
)
def piece_history(piece_id: int, query: PageQuery):
    """Every step of the piece, oldest first: when, what, by whom and why (the why only for the
    piece's writer and the desk); paged (`limit`, `page`, `Link` header)."""
    piece = db.session.get(Piece, piece_id)
    if piece is None:
        raise NotFound(f"There is no piece {piece_id}; it may have been deleted.")
    festival = piece.festival
    steps, more = page_of_statement(
        select(Transition)
        .options(selectinload(Transition.actor))
        .where(Transition.piece_id == piece_id)
        .order_by(Transition.created_at, Transition.id),
        query,
    )
    # Every step is a plan fact; why it was taken is the conversation (`can_read_text`).
    readable = services.may_read_text(piece, api_user())
    entries = [
        HistoryEntry(
            at=_iso(step.created_at, festival),
            action=step.action,
            from_=step.from_state,
            to=step.to_state,
            by=_user_ref(step.actor),
            note=step.note if readable else None,
        )
        for step in steps
    ]
    return paged(entries, more, query)


# --- CMS export -----------------------------------------------------------------------------


@bp.get("/pieces/<int:piece_id>/export")
@api.validate(
    query=ExportQuery,
    resp=SpecResponse(
        HTTP_200=(
            None,
            "The export as `text/html; charset=utf-8` (format=html) or "
            "`text/markdown; charset=utf-8` (format=markdown).",
        ),
        HTTP_409=Problem,
        HTTP_422=ValidationProblem,
        **READ_ERRORS,
    ),
    tags=TAGS,
)
def export_piece(piece_id: int, query: ExportQuery):
    """The piece for the publication's CMS: the body as a sanitised HTML fragment, or Markdown
    with YAML front matter. A ready or scheduled piece exports its current text, a published
    one (or one reopened for correction) its live revision; any other piece is 409. The desk
    may export any piece, a writer their own."""
    piece = find_piece(piece_id)
    body, _ = export_document(piece, api_user(), query.format)
    return export_response(body, query.format)


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
