from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.audit.actions import AuditAction
from coverage.audit.acts import festival_target
from coverage.audit.web import audit
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.festivals import services
from coverage.festivals.forms import (
    COMMON_ZONES,
    FestivalForm,
    MergeVenuesForm,
    TravelTableForm,
    VenueForm,
)
from coverage.festivals.models import Festival, Venue
from coverage.festivals.venue_names import (
    building_and_room,
    in_building_minutes,
    pair_field,
    read_travel_table,
    same_building,
    venue_sort_key,
)
from coverage.programme.schedule import festival_days
from coverage.programme.services import festival_counts, screening_counts_by_day
from coverage.timeutil import utcnow
from coverage.web import form_error, permission_required

bp = Blueprint("festivals", __name__, url_prefix="/festivals")


def get_festival(slug: str) -> Festival:
    festival = services.festival_by_slug(slug)
    if festival is None:
        abort(404, f"There is no festival at '{slug}'.")
    return festival


def get_festival_and(
    slug: str, columns: Callable[[ColumnElement[int]], list[ColumnElement]]
) -> tuple[Festival, tuple]:
    """The festival at `slug` (404 when there is none) and `columns(Festival.id)` (a page's
    fingerprint: `coverage.fragments`), read in the same query."""
    row = db.session.execute(_festival_and(columns), {"slug": slug}).first()
    if row is None:
        abort(404, f"There is no festival at '{slug}'.")
    festival, *values = row
    return festival, tuple(values)


@cache
def _festival_and(columns: Callable[[ColumnElement[int]], list[ColumnElement]]):
    # Built once per kind of page: composing a few dozen subqueries costs more than running them.
    return select(Festival, *columns(Festival.id)).where(Festival.slug == bindparam("slug"))


def get_venue(festival: Festival, venue_id: int) -> Venue:
    venue = db.session.get(Venue, venue_id)
    if venue is None or venue.festival_id != festival.id:
        abort(404, "That venue is not part of this festival.")
    return venue


@bp.route("/")
@permission_required(can_view_programme)
def index():
    festivals = db.session.scalars(
        select(Festival).order_by(Festival.start_date.desc(), Festival.name)
    ).all()
    return render_template("festivals/index.html", festivals=festivals)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def create():
    form = FestivalForm()
    if form.validate_on_submit():
        try:
            festival = services.create_festival(form.to_fields())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{festival.display_name} created. Add its venues, or import its programme.")
            return redirect(url_for("festivals.show", slug=festival.slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "festivals/form.html", form=form, festival=None, zones=COMMON_ZONES
    ), status


@bp.route("/<slug>")
@permission_required(can_view_programme)
def show(slug: str):
    festival = get_festival(slug)
    per_day = screening_counts_by_day(festival)
    days = festival_days(festival.start_date, festival.end_date)
    # Press screenings often run before the festival opens; list those days too.
    extra = sorted(day for day in per_day if day not in set(days))
    return render_template(
        "festivals/show.html",
        festival=festival,
        counts=festival_counts(festival),
        days=[(day, per_day.get(day, 0)) for day in sorted([*days, *extra])],
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def edit(slug: str):
    festival = get_festival(slug)
    form = FestivalForm(obj=festival)
    if form.validate_on_submit():
        try:
            services.update_festival(festival, form.to_fields())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{festival.display_name} saved.")
            return redirect(url_for("festivals.show", slug=festival.slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "festivals/form.html", form=form, festival=festival, zones=COMMON_ZONES
    ), status


@bp.route("/<slug>/delete", methods=["POST"])
@permission_required(can_edit_programme)
def delete(slug: str):
    festival = get_festival(slug)
    name = festival.display_name
    try:
        audit(AuditAction.FESTIVAL_DELETED, target=festival_target(festival))
        services.delete_festival(festival)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("festivals.show", slug=slug))
    db.session.commit()
    flash(f"{name} and its programme were deleted.")
    return redirect(url_for("festivals.index"))


# Up to this many venues the travel table shows every pair at once (66 inputs for 12); a larger
# festival edits the pairs of one venue at a time, so the page stays usable on a phone.
TRAVEL_TABLE_ALL_PAIRS = 16


def sorted_venues(festival: Festival) -> list[Venue]:
    """The festival's venues, rooms of one building together (venue_names.venue_sort_key)."""
    venues = db.session.scalars(
        select(Venue).where(Venue.festival_id == festival.id).options(selectinload(Venue.aliases))
    ).all()
    return sorted(venues, key=lambda venue: (venue_sort_key(venue.name), venue.id))


def _travel_rows(festival: Festival, venues: list[Venue], typed: dict[str, str] | None):
    """The travel table: for each venue, its pairs with the venues after it (or, for a large
    festival, the chosen venue's pairs with every other). Each pair: the other venue, the
    input's name, its value (as typed, else the stored minutes) and the default it falls back
    to."""
    stored = services.stored_travel_minutes(festival)
    buffer = festival.travel_buffer_minutes
    walk = in_building_minutes(buffer)

    def cell(first: Venue, second: Venue) -> dict:
        name = pair_field(first.id, second.id)
        default = walk if same_building(first.name, second.name) else buffer
        if typed is not None and name in typed:
            value = typed[name]
        else:
            minutes = stored.get((first.id, second.id))
            value = "" if minutes is None else str(minutes)
        return {"venue": second, "field": name, "value": value, "default": default}

    if len(venues) <= TRAVEL_TABLE_ALL_PAIRS:
        return None, [
            (venue, [cell(venue, other) for other in venues[index + 1 :]])
            for index, venue in enumerate(venues[:-1])
        ]
    chosen_id = request.values.get("from", type=int)
    chosen = next((venue for venue in venues if venue.id == chosen_id), venues[0])
    return chosen, [(chosen, [cell(chosen, other) for other in venues if other is not chosen])]


def _venues_page(
    festival: Festival,
    venue_form=None,
    travel_typed: dict[str, str] | None = None,
    travel_errors: dict[str, str] | None = None,
    merge_form=None,
    status: int = 200,
):
    venues = sorted_venues(festival)
    chosen, travel_rows = _travel_rows(festival, venues, travel_typed)
    merge_form = merge_form or MergeVenuesForm(prefix="merge")
    _merge_choices(merge_form, venues)
    return render_template(
        "festivals/venues.html",
        festival=festival,
        venues=venues,
        buildings={venue.id: building_and_room(venue.name) for venue in venues},
        venue_form=venue_form or VenueForm(prefix="venue"),
        travel_form=TravelTableForm(prefix="travel"),
        travel_rows=travel_rows,
        travel_from=chosen,
        travel_errors=travel_errors or {},
        in_building=in_building_minutes(festival.travel_buffer_minutes),
        merge_form=merge_form,
    ), status


def _merge_choices(form: MergeVenuesForm, venues: list[Venue]) -> None:
    choices = [SelectChoice(venue.id, venue.name) for venue in venues]
    form.sources.choices = choices
    form.target.choices = choices


@bp.route("/<slug>/venues", methods=["GET", "POST"])
@permission_required(can_view_programme)
def venues(slug: str):
    festival = get_festival(slug)
    if request.method == "GET":
        return _venues_page(festival)
    if not can_edit_programme(current_user.actor):
        abort(403)
    form = VenueForm(prefix="venue")
    if form.validate_on_submit():
        try:
            venue = services.create_venue(festival, form.name.data, form.address.data or "")
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Venue {venue.name} added.")
            return redirect(url_for("festivals.venues", slug=slug))
    return _venues_page(festival, venue_form=form, status=422)


@bp.route("/<slug>/venues/travel", methods=["POST"])
@permission_required(can_edit_programme)
def set_travel(slug: str):
    """Save the whole travel table in one POST; a bad input names its pair and keeps every
    value typed."""
    festival = get_festival(slug)
    form = TravelTableForm(prefix="travel")
    if not form.validate_on_submit():
        abort(400, "The form had expired. Reload the venues page and try again.")
    names = {venue.id: venue.name for venue in festival.venues}
    typed = {key: value for key, value in request.form.items() if key.startswith("pair-")}
    table = read_travel_table(typed, names)
    if not table.minutes and not table.errors:
        flash("No travel times were sent: add a second venue first.", "error")
        return _venues_page(festival, status=422)
    if table.errors:
        return _venues_page(festival, travel_typed=typed, travel_errors=table.errors, status=422)
    changed = services.save_travel_table(festival, table.minutes)
    db.session.commit()
    flash(f"Travel times saved ({changed} pair{'s' if changed != 1 else ''} changed).")
    chosen = request.form.get("from", type=int)
    return redirect(url_for("festivals.venues", slug=slug, **({"from": chosen} if chosen else {})))


@bp.route("/<slug>/venues/merge", methods=["POST"])
@permission_required(can_edit_programme)
def merge_venues(slug: str):
    """Merge venues: the first POST shows what moves and asks to confirm; the second merges."""
    festival = get_festival(slug)
    venues = sorted_venues(festival)
    form = MergeVenuesForm(prefix="merge")
    _merge_choices(form, venues)
    if not form.validate_on_submit():
        return _venues_page(festival, merge_form=form, status=422)
    by_id = {venue.id: venue for venue in venues}
    target = by_id[form.target.data]
    sources = [by_id[venue_id] for venue_id in form.sources.data if venue_id != target.id]
    if not sources:
        form.sources.errors = [f"Tick at least one venue other than {target.name}."]
        return _venues_page(festival, merge_form=form, status=422)
    if form.confirmed.data != "1":
        return render_template(
            "festivals/venue_merge.html",
            festival=festival,
            form=form,
            target=target,
            sources=sources,
            moving=services.merge_counts(sources),
        )
    names = ", ".join(venue.name for venue in sources)
    try:
        moved = services.merge_venues(festival, target, sources, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("festivals.venues", slug=slug))
    db.session.commit()
    flash(
        f"{names} merged into {target.name}: {moved} screening{'s' if moved != 1 else ''} "
        "moved; the old names are remembered for the next import."
    )
    return redirect(url_for("festivals.venues", slug=slug))


@bp.route("/<slug>/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def edit_venue(slug: str, venue_id: int):
    festival = get_festival(slug)
    venue = get_venue(festival, venue_id)
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        try:
            services.update_venue(venue, form.name.data, form.address.data or "")
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Venue {venue.name} saved.")
            return redirect(url_for("festivals.venues", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "festivals/venue_form.html", festival=festival, venue=venue, form=form
    ), status


@bp.route("/<slug>/venues/<int:venue_id>/delete", methods=["POST"])
@permission_required(can_edit_programme)
def delete_venue(slug: str, venue_id: int):
    festival = get_festival(slug)
    venue = get_venue(festival, venue_id)
    name = venue.name
    try:
        services.delete_venue(venue)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Venue {name} deleted.")
    return redirect(url_for("festivals.venues", slug=slug))
