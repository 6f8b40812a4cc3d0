from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.festivals import services
from coverage.festivals.forms import COMMON_ZONES, FestivalForm, TravelForm, VenueForm
from coverage.festivals.models import Festival, Venue
from coverage.programme.schedule import festival_days
from coverage.programme.services import festival_counts, screening_counts_by_day
from coverage.web import form_error, permission_required

bp = Blueprint("festivals", __name__, url_prefix="/festivals")


def get_festival(slug: str) -> Festival:
    festival = services.festival_by_slug(slug)
    if festival is None:
        abort(404, f"There is no festival at '{slug}'.")
    return festival


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
        services.delete_festival(festival)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("festivals.show", slug=slug))
    db.session.commit()
    flash(f"{name} and its programme were deleted.")
    return redirect(url_for("festivals.index"))


def _venues_page(festival: Festival, venue_form=None, travel_form=None, status: int = 200):
    venues = db.session.scalars(
        select(Venue).where(Venue.festival_id == festival.id).order_by(Venue.name)
    ).all()
    travel_form = travel_form or TravelForm(prefix="travel")
    choices = [SelectChoice(venue.id, venue.name) for venue in venues]
    travel_form.from_venue.choices = choices
    travel_form.to_venue.choices = choices
    travel = services.travel_minutes(festival)
    names = {venue.id: venue.name for venue in venues}
    pairs = sorted(
        ((names[a], names[b], minutes) for (a, b), minutes in travel.items() if a < b),
        key=lambda row: (row[0], row[1]),
    )
    return render_template(
        "festivals/venues.html",
        festival=festival,
        venues=venues,
        venue_form=venue_form or VenueForm(prefix="venue"),
        travel_form=travel_form,
        travel_pairs=pairs,
    ), status


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
    festival = get_festival(slug)
    form = TravelForm(prefix="travel")
    choices = [SelectChoice(venue.id, venue.name) for venue in festival.venues]
    form.from_venue.choices = choices
    form.to_venue.choices = choices
    if form.validate_on_submit():
        try:
            services.set_travel_minutes(
                get_venue(festival, form.from_venue.data),
                get_venue(festival, form.to_venue.data),
                form.minutes.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash("Travel time saved.")
            return redirect(url_for("festivals.venues", slug=slug))
    return _venues_page(festival, travel_form=form, status=422)


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
