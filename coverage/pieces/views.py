"""Coverage planning pages: the board, writer load, my work, and a piece's own page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.audit.acts import audit_step
from coverage.drafts import services as drafts
from coverage.drafts.forms import CommentForm
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.festivals.views import get_festival, get_festival_and
from coverage.fragments import page_with, stored_fragment
from coverage.pieces import board as boards
from coverage.pieces import inbox, inbox_rules, services
from coverage.pieces.embargo import is_held
from coverage.pieces.forms import AssignForm, PieceForm, TransitionForm
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.pieces.workflow import (
    MANUAL_ACTIONS,
    Action,
    available_actions,
    embargo_refusal,
    release_time,
)
from coverage.programme.models import Film
from coverage.programme.schedule import local_to_utc_as_shown
from coverage.public.views import build_article
from coverage.timeutil import format_in_zone, to_zone, utcnow
from coverage.web import enum_or_none, form_error, id_param, permission_required

bp = Blueprint("pieces", __name__)


@bp.app_template_global("piece_title")
def piece_title_global(piece: Piece) -> str:
    """The headline for those who may read the piece's text, else its working title."""
    return services.title_for(piece, current_user)


@bp.app_template_global("accepted_clash")
def accepted_clash_global(read: services.OverrideNow) -> str:
    """An "assign anyway" record's clash as the current user may see it."""
    return services.accepted_clash_text(read, current_user)


@bp.app_template_global("desk_counts")
def desk_counts_global() -> dict[str, int] | None:
    """The top bar's counts for an editor (filed copy waiting, overdue assignments), else None.
    Asked by base.html only for a logged-in desk user, so public and anonymous pages run no
    query for it; computed once per request."""
    if not (current_user.is_authenticated and services.is_desk(current_user)):
        return None
    if "desk_counts" not in g:
        filed, overdue = boards.desk_counts(utcnow())
        g.desk_counts = {"filed": filed, "overdue": overdue}
    return g.desk_counts


# An id no row has: stands in for the id while `link_pattern` builds a link once.
_STAND_IN_ID = 2_147_483_647


@bp.app_template_global("link_pattern")
def link_pattern(endpoint: str, field: str, **values) -> str:
    """`url_for(endpoint, **values)` with `field` (an int id) left as "{}", to fill with
    `.format(id)`: a page listing hundreds of rows (the board's chips, a day's screenings,
    My work's lines) builds each kind of link once, as url_for costs more than the rest of a
    row. Any other brace in the URL is percent-encoded, so the only "{}" is the id's."""
    url = url_for(endpoint, **{field: _STAND_IN_ID}, **values)
    assert url.count(str(_STAND_IN_ID)) == 1, url
    return url.replace(str(_STAND_IN_ID), "{}")


def load_piece(piece_id: int) -> Piece:
    piece = services.get_piece(piece_id)
    if piece is None:
        abort(404, "There is no such piece; it may have been deleted.")
    return piece


def _naive_local(moment: datetime | None, zone: str) -> datetime | None:
    return to_zone(moment, zone).replace(tzinfo=None) if moment is not None else None


# --- Overviews ------------------------------------------------------------------------------


@bp.route("/festivals/<slug>/coverage")
@permission_required(can_view_programme)
def board(slug: str):
    festival, fingerprint = get_festival_and(slug, boards.board_fingerprint_columns)
    # Built once per change of what the board shows, for each address (filters) and viewer:
    # a headline shows only to those who may read the text (`coverage.fragments`).
    body = stored_fragment(
        ("pieces.board", festival.id, request.full_path, current_user.id),
        fingerprint,
        lambda csrf_token: _board_body(festival, csrf_token),
    )
    return page_with("pieces/board.html", body, festival=festival)


def _board_body(festival: Festival, csrf_token) -> str:
    filters = boards.BoardFilters(
        uncovered=request.args.get("uncovered") == "1",
        section=request.args.get("section", ""),
        writer_id=id_param(request.args, "writer"),
        state=enum_or_none(PieceState, request.args.get("state")),
    )
    return render_template(
        "pieces/_board_body.html",
        festival=festival,
        board=boards.coverage_board(festival, filters),
        filters=filters,
        kinds=list(PieceKind),
        states=list(PieceState),
        csrf_token=csrf_token,
    )


@bp.route("/festivals/<slug>/load")
@permission_required(can_edit_programme)
def load(slug: str):
    festival = get_festival(slug)
    return render_template("pieces/load.html", festival=festival, load=boards.writer_load(festival))


@bp.route("/my-work")
@login_required
def my_work():
    now = utcnow()
    return render_template(
        "pieces/my_work.html", work=boards.my_work(current_user, now), now=now, is_held=is_held
    )


@bp.route("/my-work/<key>")
@login_required
def inbox_section(key: str):
    """One section of the desk's inbox in full, a page at a time (`?page=2`), with a `Link`
    header naming the neighbouring pages. The desk's only: a writer has no inbox."""
    if not services.is_desk(current_user):
        abort(403, "Only the desk has an inbox; your own work is on My work.")
    page = request.args.get("page", "1")
    if not page.isdigit():
        abort(404, "There is no such page.")
    section = inbox.inbox_section(current_user, utcnow(), key, int(page))
    if section is None:
        abort(404, "There is no such section of My work, or no such page of it.")

    def page_url(number: int) -> str:
        return url_for("pieces.inbox_section", key=key, page=number)

    prev_url = page_url(section.page - 1) if section.page > 1 else None
    next_url = page_url(section.page + 1) if section.page < section.pages else None
    neighbours = ((next_url, "next"), (prev_url, "prev"))
    links = [f'<{url}>; rel="{rel}"' for url, rel in neighbours if url]
    first = (section.page - 1) * inbox_rules.PAGE_SIZE + 1
    body = render_template(
        "pieces/inbox_section.html",
        section=section,
        first=first,
        last=first + len(section.items) - 1,
        prev_url=prev_url,
        next_url=next_url,
        is_held=is_held,
    )
    return body, 200, ({"Link": ", ".join(links)} if links else {})


# --- Creating -------------------------------------------------------------------------------


def _piece_form(festival: Festival, **kwargs) -> PieceForm:
    form = PieceForm(**kwargs)
    films = db.session.scalars(
        select(Film).where(Film.festival_id == festival.id).order_by(Film.title)
    ).all()
    form.film_id.choices = [SelectChoice("", "— no film —")] + [
        SelectChoice(film.id, film.title) for film in films
    ]
    form.other_film_ids.choices = [SelectChoice(film.id, film.title) for film in films]
    return form


@bp.route("/festivals/<slug>/pieces/new", methods=["GET", "POST"])
@permission_required(can_view_programme)
def create(slug: str):
    festival = get_festival(slug)
    form = _piece_form(festival)
    if request.method == "GET":
        form.film_id.data = id_param(request.args, "film")
        chosen = enum_or_none(PieceKind, request.args.get("kind")) or PieceKind.REVIEW
        form.kind.data = chosen.value
    if form.validate_on_submit():
        kind = PieceKind(form.kind.data)
        try:
            film = db.session.get(Film, form.film_id.data) if form.film_id.data else None
            # Interviewees belong to interviews: another kind ignores what the field sent.
            lines = (form.interviewees.data or "") if kind.has_interview else ""
            people = services.people_from_lines(festival, film, lines)
            piece = services.create_piece(
                festival,
                current_user,
                services.PlanFields(
                    kind=kind,
                    film_id=form.film_id.data,
                    other_film_ids=form.other_film_ids.data or [],
                    interviewee_ids=[person.id for person in people],
                    headline=form.headline.data or "",
                ),
                utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            if services.is_desk(current_user):
                flash("Piece created. Assign it to a writer.")
                return redirect(url_for("pieces.assign", piece_id=piece.id))
            flash("Pitch sent: an editor will pick it up.")
            return redirect(url_for("pieces.show", piece_id=piece.id))
    status = 422 if request.method == "POST" else 200
    kind = enum_or_none(PieceKind, form.kind.data) or PieceKind.REVIEW
    return render_template(
        "pieces/new.html", festival=festival, form=form, kind=kind, kinds=list(PieceKind)
    ), status


# --- A piece --------------------------------------------------------------------------------


def _dates(piece: Piece) -> dict[str, str | None]:
    """The dates the desk keeps apart: seeing the film (or the interview), copy due, going out.
    `sees` and `interview` are None where the piece has none and its kind does not call for
    one."""
    zone = piece.festival.timezone
    sees = None
    if piece.screening is not None:
        s = piece.screening
        state = " (cancelled)" if s.cancelled else ""
        when = format_in_zone(s.starts_at, zone)
        sees = f"{when} · {s.kind.label} screening at {s.venue.name}{state}"
    elif piece.kind.attends_screening:
        sees = "Not set"
    interview = None
    if piece.slot_starts_at is not None and piece.slot_ends_at is not None:
        start = to_zone(piece.slot_starts_at, zone)
        end = format_in_zone(piece.slot_ends_at, zone, "%H:%M")
        interview = f"{start:%a %d %b %Y, %H:%M}–{end}"
        interview += f", {piece.slot_place}" if piece.slot_place else ", place not set"
    elif piece.kind.has_interview:
        interview = "Not set"
    due = format_in_zone(piece.due_at, zone) if piece.due_at else "Not set"
    facts = services.facts(piece)
    moment = release_time(facts)
    if piece.state is PieceState.PUBLISHED and piece.published_at:
        out = f"Published {format_in_zone(piece.published_at, zone)}"
    elif moment is None:
        out = "Any time: no embargo"
    else:
        refusal = embargo_refusal(facts, datetime.min.replace(tzinfo=moment.tzinfo))
        out = refusal or format_in_zone(moment, zone)
        if piece.state is PieceState.SCHEDULED:
            out = f"Scheduled. {out}"
    return {
        "sees": sees,
        "interview": interview,
        "due": due,
        "out": out,
        "embargo": services.embargo_source(piece),
    }


def _piece_page(piece: Piece, transition_form=None, status: int = 200, comment_form=None):
    """Plan facts for everyone; text, comments and history notes only for those who may read
    them (`can_read_text`): another writer sees the working title and the steps, nothing said."""
    now = utcnow()
    facts = services.facts(piece)
    available = available_actions(facts, current_user.actor, now)
    actions = [a for a in available if a is not Action.ASSIGN]
    readable = services.may_read_text(piece, current_user)
    return render_template(
        "pieces/show.html",
        piece=piece,
        festival=piece.festival,
        title=services.title_for(piece, current_user),
        readable=readable,
        dates=_dates(piece),
        actions=actions,
        note_actions=[a.label.lower() for a in actions if a.needs_note],
        forward=[a for a in actions if a not in QUIET_ACTIONS],
        backward=[a for a in actions if a in QUIET_ACTIONS],
        publish_confirm=_publish_confirm(piece, facts, now) if Action.PUBLISH in actions else "",
        can_assign=Action.ASSIGN in available
        or (piece.state is PieceState.PITCHED and services.is_desk(current_user)),
        can_plan=services.is_desk(current_user)
        and piece.state not in (PieceState.PUBLISHED, PieceState.SPIKED),
        can_write=_can_write(piece),
        transition_form=transition_form or TransitionForm(),
        comments=drafts.comments_of(piece) if readable else [],
        can_comment=drafts.may_comment(piece, current_user),
        comment_form=comment_form or CommentForm(),
        others=drafts.others_editing(piece, current_user, now),
        article=build_article(
            piece,
            piece,
            now,
            published_at=piece.first_published_at,
            updated_at=piece.published_at,
        )
        if readable
        else None,
        public=_public_facts(piece, now, readable),
        history=services.history_of(piece),
        overrides_now=services.piece_overrides_now(piece),
    ), status


# Steps back or out (the piece leaves the way to readers): quieter buttons, after the others,
# so the strongest button on the page is the step forward.
QUIET_ACTIONS = (
    Action.RETURN,
    Action.REOPEN,
    Action.DECLINE,
    Action.UNSCHEDULE,
    Action.SPIKE,
    Action.WITHDRAW,
)


def _publish_confirm(piece: Piece, facts, now: datetime) -> str:
    """What the Publish button asks before it goes: now for readers, or scheduled for when."""
    title = services.piece_title(piece)
    moment = release_time(facts)
    zone = piece.festival.timezone
    if moment is not None and moment > now:
        sentence = embargo_refusal(facts, now) or ""
        return (
            f"Publish '{title}'? It is scheduled for {format_in_zone(moment, zone)} and goes "
            f"live for readers then, by itself. {sentence}"
        ).strip()
    return f"Publish '{title}' now? It goes live for readers at once ({format_in_zone(now, zone)})."


def _public_facts(piece: Piece, now: datetime, readable: bool = True) -> dict | None:
    """What readers see of this piece: its public address and since when it is live. The
    address comes from the headline, so others see it only while readers can."""
    if piece.published_at is None or piece.slug is None:
        return None
    from coverage.public.services import status_of

    status = status_of(piece, now).value
    if not readable and status != "live":
        return None
    from coverage.web import absolute_url

    return {
        "status": status,
        # Hidden because the film lost every public screening: its embargo cannot lift.
        "held": is_held(services.embargo_for(piece)),
        "url": absolute_url(
            "public.piece", festival_slug=piece.festival.slug, piece_slug=piece.slug
        ),
        "since": piece.first_published_at or piece.published_at,
    }


def _can_write(piece: Piece) -> bool:
    return drafts.may_write(piece, current_user)


@bp.route("/pieces/<int:piece_id>")
@permission_required(can_view_programme)
def show(piece_id: int):
    return _piece_page(load_piece(piece_id))


@bp.route("/pieces/<int:piece_id>/transitions", methods=["POST"])
@permission_required(can_view_programme)
def take_transition(piece_id: int):
    piece = load_piece(piece_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400, "Choose an action.")
    action = enum_or_none(Action, form.action.data)
    # Starting happens by saving text, scheduled publishing by the job, assigning on its form.
    if action is None or action not in MANUAL_ACTIONS or action is Action.ASSIGN:
        abort(400, "That is not an action you can take here.")
    # The state the page showed when the button was pressed: a piece someone else moved on since
    # is not stepped from a state its editor never saw.
    seen = enum_or_none(PieceState, request.form.get("state"))
    try:
        outcome = services.transition(
            piece, current_user, action, utcnow(), form.note.data or "", seen_state=seen
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _piece_page(load_piece(piece_id), transition_form=form, status=error.status)
    audit_step(piece, outcome, form.note.data or "")
    db.session.commit()
    if outcome.target is PieceState.SCHEDULED:
        facts = services.facts(piece)
        sentence = embargo_refusal(facts, utcnow()) or ""
        flash(f"Scheduled, not yet published. {sentence} It will publish itself then.")
    else:
        flash(f"{action.label}: the piece is now {outcome.target.value}.")
    return redirect(url_for("pieces.show", piece_id=piece.id))


def _assign_form(piece: Piece, **kwargs) -> AssignForm:
    form = AssignForm(**kwargs)
    writers = services.writers()
    form.writer_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(user.id, f"{user.name} ({user.role.value})") for user in writers
    ]
    form.editor_id.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(user.id, user.name) for user in services.desk_users()
    ]
    zone = piece.festival.timezone
    form.screening_id.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(
            s.id,
            f"{format_in_zone(s.starts_at, zone, '%a %-d %b %H:%M')} · {s.kind.label} · "
            f"{s.venue.name}",
        )
        for s in services.screening_choices(piece.film)
    ]
    return form


def _fill_assign_form(form: AssignForm, piece: Piece) -> None:
    zone = piece.festival.timezone
    form.writer_id.data = piece.writer_id
    form.editor_id.data = piece.editor_id or (
        current_user.id if services.is_desk(current_user) else None
    )
    choices = services.screening_choices(piece.film)
    form.screening_id.data = piece.screening_id or (
        choices[0].id if choices and piece.kind is PieceKind.REVIEW else None
    )
    form.slot_starts_at.data = _naive_local(piece.slot_starts_at, zone)
    form.slot_ends_at.data = _naive_local(piece.slot_ends_at, zone)
    form.slot_place.data = piece.slot_place
    form.due_at.data = _naive_local(piece.due_at, zone)
    form.word_target.data = piece.word_target
    form.embargo_at.data = _naive_local(piece.embargo_at, zone)
    form.publish_at.data = _naive_local(piece.publish_at, zone)


def _local_as_stored(form: AssignForm, piece: Piece, name: str) -> datetime | None:
    """The instant in form field `name`; a time sent back as the form showed the piece's stored
    one keeps that instant, so a deadline stored in the hour the clocks go back (a default 24
    hours after a late screening, say) never locks the form as "happens twice"."""
    value = getattr(form, name).data
    if value is None:
        return None
    return local_to_utc_as_shown(
        value, piece.festival.timezone, shown=getattr(piece, name), field=name
    )


def _plan_from(form: AssignForm, piece: Piece) -> services.PlanFields:
    """The plan the form asks for. Fields the piece's kind does not use (a screening for an
    interview, a slot for a review) are dropped, even if a stale or hand-made form sends them."""
    kind = piece.kind
    if not kind.has_interview:
        form.slot_starts_at.data = form.slot_ends_at.data = None
        form.slot_place.data = ""
    if not kind.attends_screening:
        form.screening_id.data = None
    slot_start = _local_as_stored(form, piece, "slot_starts_at")
    slot_end = _local_as_stored(form, piece, "slot_ends_at")
    screening = (
        db.session.get(services.Screening, form.screening_id.data)
        if form.screening_id.data
        else None
    )
    due = _local_as_stored(form, piece, "due_at") or services.default_due(screening, slot_end)
    return services.PlanFields(
        kind=piece.kind,
        film_id=piece.film_id,
        other_film_ids=[film.id for film in piece.other_films],
        interviewee_ids=[person.id for person in piece.interviewees],
        writer_id=form.writer_id.data,
        editor_id=form.editor_id.data,
        due_at=due,
        screening_id=form.screening_id.data,
        slot_starts_at=slot_start,
        slot_ends_at=slot_end,
        slot_place=form.slot_place.data or "",
        word_target=form.word_target.data,
        embargo_at=_local_as_stored(form, piece, "embargo_at"),
        publish_at=_local_as_stored(form, piece, "publish_at"),
    )


@bp.route("/pieces/<int:piece_id>/assign", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def assign(piece_id: int):
    """Plan a piece and, while it is pitched, assign it. Clashes are shown before saving."""
    piece = load_piece(piece_id)
    if piece.state in (PieceState.PUBLISHED, PieceState.SPIKED):
        flash(f"A {piece.state.value} piece's plan is closed.", "error")
        return redirect(url_for("pieces.show", piece_id=piece.id))
    form = _assign_form(piece)
    if request.method == "GET":
        _fill_assign_form(form, piece)
        form.based_on.data = services.plan_digest(piece)
    clashes, new_clashes = [], []
    declined = services.last_decline(piece)
    back_to_decliner = False
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        # A form from before plans were fingerprinted has none: nothing to compare it with.
        based_on = form.based_on.data or None
        try:
            plan = _plan_from(form, piece)
            if plan.writer_id is not None:
                candidate = services.candidate_commitment(
                    piece.festival,
                    screening_id=plan.screening_id,
                    slot_starts_at=plan.slot_starts_at,
                    slot_ends_at=plan.slot_ends_at,
                    slot_place=plan.slot_place,
                    what=services.piece_title(piece),
                )
                if candidate is not None:
                    clashes = services.clashes_for(
                        piece.festival, plan.writer_id, candidate, exclude_piece_id=piece.id
                    )
            # A clash the desk already assigned over (and no worse now) is not asked again.
            new_clashes = (
                services.unaccepted_clashes(piece, plan.writer_id, clashes) if clashes else []
            )
            # Giving it back to the writer who declined it is confirmed, like a clash.
            back_to_decliner = declined is not None and plan.writer_id == declined.actor_id
            if (new_clashes or back_to_decliner) and not form.confirm_clashes.data:
                flash(
                    "This clashes with the writer's other commitments. Check, then confirm."
                    if new_clashes
                    else "This writer declined the piece. Check, then confirm.",
                    "error",
                )
            else:
                now = utcnow()
                if piece.state is PieceState.PITCHED and plan.writer_id is not None:
                    services.assign(piece, current_user, plan, now, based_on=based_on)
                    message = "Assigned."
                else:
                    services.update_plan(piece, current_user, plan, based_on=based_on)
                    message = "Plan saved."
                if new_clashes and plan.writer_id is not None:
                    services.accept_clashes(piece, current_user, plan.writer_id, new_clashes, now)
                    message += " The clash is recorded on the piece."
                db.session.commit()
                flash(message)
                return redirect(url_for("pieces.show", piece_id=piece.id))
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            piece = load_piece(piece_id)
            if isinstance(error, services.PlanChanged):
                # The form keeps this editor's changes; saving it again now replaces theirs.
                form.based_on.data = services.plan_digest(piece)
                status = error.status
    return render_template(
        "pieces/assign.html",
        piece=piece,
        festival=piece.festival,
        title=services.piece_title(piece),
        form=form,
        clashes=clashes,
        new_clashes=new_clashes,
        declined=declined,
        back_to_decliner=back_to_decliner,
    ), status
