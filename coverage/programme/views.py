"""Programme pages: the day view, films, and editing films and screenings."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.errors import DomainError, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.festivals.venue_names import venue_sort_key
from coverage.festivals.views import get_festival, get_festival_and
from coverage.fragments import page_with, stored_fragment
from coverage.programme import services
from coverage.programme.forms import FilmForm, ScreeningForm
from coverage.programme.impact import Impact, change_headline, describe_embargo
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.programme.schedule import (
    edited_interval,
    festival_days,
    local_interval,
    long_screening_warning,
)
from coverage.timeutil import to_zone, utcnow
from coverage.web import enum_or_none, form_error, id_param, permission_required, safe_next_url

bp = Blueprint("programme", __name__, url_prefix="/festivals/<slug>")


@bp.app_context_processor
def _programme_helpers() -> dict:
    def cancel_reaches(screening: Screening) -> bool:
        # A page listing screenings asks for all of them at once (`_know_cancel_reach`); any
        # other is asked alone, cached per request.
        known = g.get("cancel_reach")
        if known is not None and screening.id in known:
            return known[screening.id]
        return services.cancel_reaches(screening, g.setdefault("programme_cache", {}))

    return {"cancel_reaches": cancel_reaches}


def _know_cancel_reach(screenings: list[Screening]) -> None:
    """Work out at once, for the page's Cancel buttons (editors only), which of `screenings`
    reach a piece when cancelled: a few queries for the page instead of some per screening."""
    if can_edit_programme(current_user.actor):
        reaching = services.cancels_reaching(screenings)
        g.cancel_reach = {s.id: s.id in reaching for s in screenings}


def get_film(festival: Festival, film_id: int) -> Film:
    film = db.session.get(Film, film_id)
    if film is None or film.festival_id != festival.id:
        abort(404, "That film is not part of this festival.")
    return film


def get_screening(festival: Festival, screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.festival_id != festival.id:
        abort(404, "That screening is not part of this festival.")
    return screening


def _day_url(screening: Screening) -> str:
    local_day = to_zone(screening.starts_at, screening.festival.timezone).date()
    return url_for("programme.day", slug=screening.festival.slug, day=local_day.isoformat())


# --- Day view -------------------------------------------------------------------------------


@bp.route("/days/<day>")
@permission_required(can_view_programme)
def day(slug: str, day: str):
    festival, fingerprint = get_festival_and(slug, services.festival_fingerprint_columns)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404, f"'{day}' is not a date; use the form 2021-10-10.")
    # The schedule is built once per change of the festival's programme and pieces, for each
    # address (day and filters) and each of what a viewer may do (`coverage.fragments`).
    can_edit = can_edit_programme(current_user.actor)
    body = stored_fragment(
        ("programme.day", festival.id, request.full_path, can_edit),
        fingerprint,
        lambda csrf_token: _day_body(festival, chosen, csrf_token),
    )
    return page_with("programme/day.html", body, festival=festival, day=chosen)


def _day_body(festival: Festival, chosen: date, csrf_token) -> str:
    filters = services.DayFilters(
        venue_id=id_param(request.args, "venue"),
        kind=enum_or_none(ScreeningKind, request.args.get("kind")),
        section=request.args.get("section", ""),
        query=request.args.get("q", ""),
    )
    schedule = services.day_schedule(festival, chosen, filters)
    _know_cancel_reach([s for group in schedule.groups for s in group.screenings])
    days = festival_days(festival.start_date, festival.end_date)
    venues = sorted(
        db.session.scalars(select(Venue).where(Venue.festival_id == festival.id)),
        key=lambda venue: venue_sort_key(venue.name),
    )
    return render_template(
        "programme/_day_body.html",
        festival=festival,
        schedule=schedule,
        filters=filters,
        days=days,
        venues=venues,
        sections=services.festival_sections(festival),
        kinds=list(ScreeningKind),
        csrf_token=csrf_token,
    )


@bp.route("/days")
@permission_required(can_view_programme)
def first_day(slug: str):
    festival = get_festival(slug)
    return redirect(url_for("programme.day", slug=slug, day=festival.start_date.isoformat()))


# --- Films ----------------------------------------------------------------------------------


@bp.route("/films")
@permission_required(can_view_programme)
def films(slug: str):
    festival = get_festival(slug)
    query = request.args.get("q", "")
    section = request.args.get("section", "")
    return render_template(
        "programme/films.html",
        festival=festival,
        films=services.films_of(festival, query=query, section=section),
        sections=services.festival_sections(festival),
        query=query,
        section=section,
    )


@bp.route("/films/<int:film_id>")
@permission_required(can_view_programme)
def film(slug: str, film_id: int):
    festival = get_festival(slug)
    film = services.film_with_screenings(festival, film_id)
    if film is None:
        abort(404, "That film is not part of this festival.")
    _know_cancel_reach(list(film.screenings))
    from coverage.pieces.services import film_embargo_text  # pieces build on the programme

    return render_template(
        "programme/film.html",
        festival=festival,
        film=film,
        pieces=film_pieces(film),
        embargo_text=film_embargo_text(film),
    )


def film_pieces(film: Film) -> list:
    """Every piece covering the film, as its main film or among others, with what its line
    shows (title, writer): two queries however many, no piece's text read."""
    from sqlalchemy import or_

    from coverage.pieces.inbox import line_options
    from coverage.pieces.models import Piece, piece_films

    covering = select(piece_films.c.piece_id).where(piece_films.c.film_id == film.id)
    return list(
        db.session.scalars(
            select(Piece)
            .where(or_(Piece.film_id == film.id, Piece.id.in_(covering)))
            .options(*line_options())
            .order_by(Piece.id)
        ).unique()
    )


def _film_form_page(festival: Festival, form: FilmForm, film: Film | None):
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programme/film_form.html", festival=festival, form=form, film=film
    ), status


@bp.route("/films/new", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def create_film(slug: str):
    festival = get_festival(slug)
    form = FilmForm()
    if form.validate_on_submit():
        try:
            film = services.create_film(festival, form.to_fields(festival.timezone))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{film.title} added. Now add its screenings.")
            return redirect(url_for("programme.film", slug=slug, film_id=film.id))
    return _film_form_page(festival, form, None)


@bp.route("/films/<int:film_id>/edit", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def edit_film(slug: str, film_id: int):
    festival = get_festival(slug)
    film = get_film(festival, film_id)
    form = FilmForm(obj=film)
    if request.method == "GET" and film.embargo_at is not None:
        form.embargo_at.data = to_zone(film.embargo_at, festival.timezone).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            services.update_film(film, form.to_fields(festival.timezone, film.embargo_at))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{film.title} saved.")
            return redirect(url_for("programme.film", slug=slug, film_id=film.id))
    return _film_form_page(festival, form, film)


@bp.route("/films/<int:film_id>/delete", methods=["POST"])
@permission_required(can_edit_programme)
def delete_film(slug: str, film_id: int):
    festival = get_festival(slug)
    film = get_film(festival, film_id)
    title = film.title
    try:
        removed = services.delete_film(film)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("programme.film", slug=slug, film_id=film_id))
    db.session.commit()
    flash(f"{title} deleted, with {removed} screening{'s' if removed != 1 else ''}.")
    return redirect(url_for("programme.films", slug=slug))


# --- Screenings -----------------------------------------------------------------------------


def _screening_form(festival: Festival, **kwargs) -> ScreeningForm:
    form = ScreeningForm(**kwargs)
    films = db.session.scalars(
        select(Film).where(Film.festival_id == festival.id).order_by(Film.title)
    ).all()
    venues = db.session.scalars(
        select(Venue).where(Venue.festival_id == festival.id).order_by(Venue.name)
    ).all()
    form.film_id.choices = [SelectChoice(film.id, film.title) for film in films]
    form.venue_id.choices = [SelectChoice(venue.id, venue.name) for venue in venues]
    return form


def _screening_fields(
    festival: Festival, form: ScreeningForm, screening: Screening | None = None
) -> services.ScreeningFields:
    """The form's screening; editing, an end left as shown moves with the start (length kept).

    A screening that becomes longer than LONG_SCREENING is refused until the editor ticks
    `confirm_long` (a length already stored, and so confirmed, is not asked about again)."""
    film = get_film(festival, form.film_id.data)
    if screening is None:
        starts_at, ends_at = local_interval(
            form.day.data,
            form.start_time.data,
            form.end_time.data,
            festival.timezone,
            film.runtime_minutes,
        )
    else:
        starts_at, ends_at = edited_interval(
            form.day.data,
            form.start_time.data,
            form.end_time.data,
            festival.timezone,
            film.runtime_minutes,
            current=(screening.starts_at, screening.ends_at),
        )
    warning = long_screening_warning(starts_at, ends_at, festival.timezone, film.runtime_minutes)
    unchanged = screening is not None and (
        ends_at - starts_at == screening.ends_at - screening.starts_at
    )
    if warning and not unchanged and not form.confirm_long.data:
        form.ask_long = True  # the page offers the confirmation with the warning, only then
        raise InvalidInput(warning, field="end_time")
    return services.ScreeningFields(
        film_id=film.id,
        venue_id=form.venue_id.data,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=ScreeningKind(form.kind.data),
        notes=form.notes.data or "",
    )


def _screening_form_page(
    festival: Festival, form: ScreeningForm, screening: Screening | None, status: int | None = None
):
    status = status or (422 if request.method == "POST" else 200)
    return render_template(
        "programme/screening_form.html",
        festival=festival,
        form=form,
        screening=screening,
        ask_long=getattr(form, "ask_long", False),
    ), status


@bp.route("/screenings/new", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def create_screening(slug: str):
    festival = get_festival(slug)
    form = _screening_form(festival)
    if request.method == "GET":
        form.film_id.data = id_param(request.args, "film")
        form.day.data = festival.start_date
    if not form.film_id.choices or not form.venue_id.choices:
        flash("Add at least one film and one venue before adding screenings.", "error")
    if form.validate_on_submit():
        try:
            screening = services.create_screening(festival, _screening_fields(festival, form))
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Screening of {screening.film.title} added.")
            return redirect(url_for("programme.film", slug=slug, film_id=screening.film_id))
    return _screening_form_page(festival, form, None)


@bp.route("/screenings/<int:screening_id>/edit", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def edit_screening(slug: str, screening_id: int):
    festival = get_festival(slug)
    screening = get_screening(festival, screening_id)
    form = _screening_form(festival, obj=screening)
    if request.method == "GET":
        starts = to_zone(screening.starts_at, festival.timezone)
        ends = to_zone(screening.ends_at, festival.timezone)
        form.day.data = starts.date()
        form.start_time.data = starts.time().replace(tzinfo=None)
        form.end_time.data = ends.time().replace(tzinfo=None)
        form.kind.data = screening.kind.value
    if request.method == "POST" and request.form.get("revise"):
        # "Go back" from the confirmation: the form again, as the editor had typed it.
        return _screening_form_page(festival, form, screening, status=200)
    if form.validate_on_submit():
        try:
            fields = _screening_fields(festival, form, screening)
            services.lock_screening(screening)
            impact = services.impact_of_update(screening, fields)
            if _needs_confirmation(impact):
                return _confirmation_page(festival, impact, request.path, _echoed(), revise=True)
            services.update_screening(screening, fields, actor=_user(), now=utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Screening of {screening.film.title} saved.{_told(impact)}")
            return redirect(url_for("programme.film", slug=slug, film_id=screening.film_id))
    return _screening_form_page(festival, form, screening)


# --- Confirming a change that reaches people --------------------------------------------------

_VERBS = {
    "moved": "move",
    "cancelled": "cancel",
    "restored": "restore",
    "deleted": "delete",
    "changed": "change",
}


def _user():
    return current_user._get_current_object()


def _needs_confirmation(impact: Impact) -> bool:
    """A change that reaches pieces is shown first; it goes ahead only when the editor confirms
    the very impact that is current now (one changed meanwhile is shown again)."""
    return bool(impact) and request.form.get("confirmed") != impact.fingerprint()


def _echoed() -> list[tuple[str, str]]:
    """The posted values, carried through the confirmation as hidden fields."""
    skip = {"csrf_token", "confirmed", "revise"}
    return [(name, value) for name, value in request.form.items(multi=True) if name not in skip]


def _confirmation_page(
    festival: Festival,
    impact: Impact,
    action: str,
    hidden: list[tuple[str, str]],
    *,
    revise: bool = False,
    back_url: str = "",
):
    verb = _VERBS[change_headline(impact)]
    told = [
        f"{user.name} ({'writer' if user.id == item.piece.writer_id else 'editor'} of "
        f"“{item.piece.title}”)"
        for item, user in services.recipients(impact, _user())
    ]
    return render_template(
        "programme/screening_confirm.html",
        festival=festival,
        impact=impact,
        verb=verb,
        action=action,
        hidden=hidden,
        revise=revise,
        back_url=back_url,
        told=told,
        clashes=services.new_clashes(festival, impact),
        confirm_label=f"{verb.capitalize()} and notify" if told else f"{verb.capitalize()} it",
        changed_meanwhile=bool(request.form.get("confirmed")),
        describe_embargo=describe_embargo,
    )


def _told(impact: Impact) -> str:
    names = list(dict.fromkeys(user.name for _item, user in services.recipients(impact, _user())))
    return f" Notified: {', '.join(names)}." if names else ""


def _back_to(screening: Screening) -> str:
    return safe_next_url(request.form.get("back")) or _day_url(screening)


@bp.route("/screenings/<int:screening_id>/cancel", methods=["POST"])
@permission_required(can_edit_programme)
def cancel_screening(slug: str, screening_id: int):
    """Cancel; when pieces rely on the screening, a page naming them asks first (the button's
    own dialog asks otherwise)."""
    festival = get_festival(slug)
    screening = get_screening(festival, screening_id)
    services.lock_screening(screening)
    impact = services.impact_of_cancel(screening)
    if not screening.cancelled and _needs_confirmation(impact):
        return _confirmation_page(
            festival, impact, request.path, _echoed(), back_url=_back_to(screening)
        )
    services.cancel_screening(screening, actor=_user(), now=utcnow())
    db.session.commit()
    flash(
        f"Screening of {screening.film.title} cancelled. It stays listed, struck through."
        f"{_told(impact)}"
    )
    return redirect(_back_to(screening))


@bp.route("/screenings/<int:screening_id>/restore", methods=["POST"])
@permission_required(can_edit_programme)
def restore_screening(slug: str, screening_id: int):
    """Restore; a restored first public screening can bring an embargo forward, so the pieces
    it reaches are named first."""
    festival = get_festival(slug)
    screening = get_screening(festival, screening_id)
    services.lock_screening(screening)
    impact = services.impact_of_restore(screening)
    if screening.cancelled and _needs_confirmation(impact):
        return _confirmation_page(
            festival, impact, request.path, _echoed(), back_url=_back_to(screening)
        )
    services.restore_screening(screening, actor=_user(), now=utcnow())
    db.session.commit()
    flash(f"Screening of {screening.film.title} restored.{_told(impact)}")
    return redirect(_back_to(screening))


@bp.route("/screenings/<int:screening_id>/delete", methods=["POST"])
@permission_required(can_edit_programme)
def delete_screening(slug: str, screening_id: int):
    festival = get_festival(slug)
    screening = get_screening(festival, screening_id)
    film_id = screening.film_id
    back = url_for("programme.film", slug=slug, film_id=film_id)
    try:
        services.lock_screening(screening)
        # Refused while a piece sends a writer to it: the service says which.
        if not services.pieces_referring_to(screenings=[screening]):
            impact = services.impact_of_delete(screening)
            if _needs_confirmation(impact):
                return _confirmation_page(festival, impact, request.path, [], back_url=back)
        impact = services.delete_screening(screening, actor=_user(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Screening deleted.{_told(impact)}")
    return redirect(back)
