"""`/api/v1/festivals/...`: the programme (festivals, venues, films, screenings) over the API.

Every rule lives in the festival and programme services; these handlers translate JSON to their
fields, commit once per successful write, and show times in the festival's own UTC offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields, replace
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, request, url_for
from pydantic import BaseModel
from spectree import Response as SpecResponse
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from coverage.accounts.permissions import can_edit_programme, can_view_programme
from coverage.api import api_user, bp, errors
from coverage.api.pagination import page_of_list, page_of_statement, paged
from coverage.api.schemas import (
    FestivalIn,
    FestivalOut,
    FestivalPatch,
    FilmIn,
    FilmOut,
    FilmPatch,
    FilmQuery,
    FilmRef,
    PageQuery,
    ScreeningIn,
    ScreeningOut,
    ScreeningPatch,
    ScreeningQuery,
    VenueIn,
    VenueOut,
    VenuePatch,
    VenueRef,
)
from coverage.api.spec import api
from coverage.errors import InvalidInput, NotFound
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival, Venue
from coverage.pieces.embargo import resolve_rule
from coverage.programme import services as programme
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FestivalFields, FilmFields
from coverage.programme.schedule import (
    festival_day_bounds,
    local_to_utc,
    long_screening_warning,
)
from coverage.timeutil import to_zone, utcnow
from coverage.web import problem

TAGS = ["programme"]
EDIT_REFUSED = "Only editors and admins can change the programme."
VIEW_REFUSED = "This account cannot see the programme."

# Views that change the programme, by name; refused (403) before their body is validated.
_WRITES: set[str] = set()
F = TypeVar("F", bound=Callable[..., Any])


def desk_only(view: F) -> F:
    _WRITES.add(view.__name__)
    return view


@bp.before_request
def check_programme_permission():
    """Runs after the token check (registered later), so `api_user()` is set by now."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or view.__module__ != __name__:
        return None
    actor = api_user().actor
    if view.__name__ in _WRITES and not can_edit_programme(actor):
        return problem(403, EDIT_REFUSED, "Forbidden")
    if not can_view_programme(actor):
        return problem(403, VIEW_REFUSED, "Forbidden")
    return None


# --- Lookups and output ---------------------------------------------------------------------


def find_festival(slug: str) -> Festival:
    festival = festivals.festival_by_slug(slug)
    if festival is None:
        raise NotFound(f"There is no festival '{slug}'.")
    return festival


def find_venue(festival: Festival, venue_id: int) -> Venue:
    venue = db.session.get(Venue, venue_id)
    if venue is None or venue.festival_id != festival.id:
        raise NotFound(f"{festival.display_name} has no venue {venue_id}.")
    return venue


def find_film(festival: Festival, film_id: int) -> Film:
    film = db.session.get(Film, film_id)
    if film is None or film.festival_id != festival.id:
        raise NotFound(f"{festival.display_name} has no film {film_id}.")
    return film


def find_screening(festival: Festival, screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.festival_id != festival.id:
        raise NotFound(f"{festival.display_name} has no screening {screening_id}.")
    return screening


def _iso(moment: datetime | None, festival: Festival) -> str | None:
    return None if moment is None else to_zone(moment, festival.timezone).isoformat()


def festival_out(festival: Festival) -> FestivalOut:
    return FestivalOut(
        slug=festival.slug,
        name=festival.name,
        edition=festival.edition,
        city=festival.city,
        timezone=festival.timezone,
        start_date=festival.start_date,
        end_date=festival.end_date,
        website=festival.website,
        organiser=festival.organiser,
        travel_buffer_minutes=festival.travel_buffer_minutes,
        is_public=festival.is_public,
        default_embargo=festival.default_embargo,
    )


def venue_out(venue: Venue) -> VenueOut:
    return VenueOut(id=venue.id, name=venue.name, address=venue.address)


def _film_fields(film: Film) -> FilmFields:
    return FilmFields(**{f.name: getattr(film, f.name) for f in fields(FilmFields)})


def film_out(film: Film, festival: Festival) -> FilmOut:
    values = asdict(_film_fields(film))
    values["embargo_at"] = _iso(film.embargo_at, festival)
    in_force = resolve_rule(film.embargo_rule, festival.default_embargo, film.premiere_status)
    return FilmOut(
        id=film.id,
        festival=festival.slug,
        timezone=festival.timezone,
        embargo_rule_in_force=in_force.rule,
        embargo_rule_from=in_force.source.value,
        **values,
    )


def screening_out(screening: Screening, festival: Festival) -> ScreeningOut:
    long = long_screening_warning(
        screening.starts_at, screening.ends_at, festival.timezone, screening.film.runtime_minutes
    )
    return ScreeningOut(
        id=screening.id,
        festival=festival.slug,
        film=FilmRef(id=screening.film.id, title=screening.film.title),
        venue=VenueRef(id=screening.venue.id, name=screening.venue.name),
        starts_at=_iso(screening.starts_at, festival),
        ends_at=_iso(screening.ends_at, festival),
        timezone=festival.timezone,
        kind=screening.kind,
        cancelled=screening.cancelled,
        notes=screening.notes,
        sequence=screening.sequence,
        warnings=[long] if long else [],
    )


# --- Input helpers --------------------------------------------------------------------------


def _changes(patch: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sent; `null` only where clearing the value means something."""
    sent = patch.model_dump(include=patch.model_fields_set)
    for name, value in sent.items():
        if value is None and name not in nullable:
            raise InvalidInput(
                f"{name} cannot be null; leave it out to keep its current value.", field=name
            )
    return sent


def _instant(value: datetime | None, festival: Festival, field: str) -> datetime | None:
    """An instant from an API datetime: with an offset as given, without as festival-local."""
    return None if value is None else local_to_utc(value, festival.timezone, field=field)


@contextmanager
def _api_field_names(**renamed: str) -> Iterator[None]:
    """Services name some fields as the HTML form does; report them by the API's names."""
    try:
        yield
    except InvalidInput as error:
        if error.field in renamed:
            error.field = renamed[error.field]
        raise


def _created(body: BaseModel, location: str):
    return body, 201, {"Location": location}


WRITE_ERRORS = errors(401, 403, 404)
READ_ERRORS = errors(401, 404)

# --- Festivals ------------------------------------------------------------------------------


@bp.get("/festivals")
@api.validate(
    query=PageQuery, resp=SpecResponse(HTTP_200=list[FestivalOut], **errors(401)), tags=TAGS
)
def list_festivals(query: PageQuery):
    """Festivals, newest first; paged (`limit`, `page`, `Link` header)."""
    rows, more = page_of_statement(
        select(Festival).order_by(Festival.start_date.desc(), Festival.name, Festival.id), query
    )
    return paged([festival_out(festival) for festival in rows], more, query)


@bp.post("/festivals")
@api.validate(
    json=FestivalIn,
    resp=SpecResponse(HTTP_201=FestivalOut, **errors(401, 403)),
    tags=TAGS,
)
@desk_only
def create_festival(json: FestivalIn):
    """Create a festival (editors and admins)."""
    festival = festivals.create_festival(FestivalFields(**json.model_dump()))
    db.session.commit()
    return _created(festival_out(festival), url_for("api.show_festival", slug=festival.slug))


@bp.get("/festivals/<slug>")
@api.validate(resp=SpecResponse(HTTP_200=FestivalOut, **READ_ERRORS), tags=TAGS)
def show_festival(slug: str):
    """One festival."""
    return festival_out(find_festival(slug))


@bp.patch("/festivals/<slug>")
@api.validate(
    json=FestivalPatch, resp=SpecResponse(HTTP_200=FestivalOut, **WRITE_ERRORS), tags=TAGS
)
@desk_only
def update_festival(slug: str, json: FestivalPatch):
    """Change some of a festival's fields (editors and admins)."""
    festival = find_festival(slug)
    current = FestivalFields(**{f.name: getattr(festival, f.name) for f in fields(FestivalFields)})
    festivals.update_festival(festival, replace(current, **_changes(json)))
    db.session.commit()
    return festival_out(festival)


# --- Venues ---------------------------------------------------------------------------------


@bp.get("/festivals/<slug>/venues")
@api.validate(query=PageQuery, resp=SpecResponse(HTTP_200=list[VenueOut], **READ_ERRORS), tags=TAGS)
def list_venues(slug: str, query: PageQuery):
    """A festival's venues, by name; paged (`limit`, `page`, `Link` header)."""
    festival = find_festival(slug)
    rows, more = page_of_statement(
        select(Venue).where(Venue.festival_id == festival.id).order_by(Venue.name, Venue.id),
        query,
    )
    return paged([venue_out(venue) for venue in rows], more, query)


@bp.post("/festivals/<slug>/venues")
@api.validate(json=VenueIn, resp=SpecResponse(HTTP_201=VenueOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def create_venue(slug: str, json: VenueIn):
    """Add a venue to a festival (editors and admins)."""
    festival = find_festival(slug)
    venue = festivals.create_venue(festival, json.name, json.address)
    db.session.commit()
    return _created(venue_out(venue), url_for("api.show_venue", slug=slug, venue_id=venue.id))


@bp.get("/festivals/<slug>/venues/<int:venue_id>")
@api.validate(resp=SpecResponse(HTTP_200=VenueOut, **READ_ERRORS), tags=TAGS)
def show_venue(slug: str, venue_id: int):
    """One venue."""
    return venue_out(find_venue(find_festival(slug), venue_id))


@bp.patch("/festivals/<slug>/venues/<int:venue_id>")
@api.validate(json=VenuePatch, resp=SpecResponse(HTTP_200=VenueOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def update_venue(slug: str, venue_id: int, json: VenuePatch):
    """Rename a venue or change its address (editors and admins)."""
    venue = find_venue(find_festival(slug), venue_id)
    merged = {"name": venue.name, "address": venue.address} | _changes(json)
    festivals.update_venue(venue, merged["name"], merged["address"])
    db.session.commit()
    return venue_out(venue)


# --- Films ----------------------------------------------------------------------------------

FILM_NULLABLE = frozenset({"year", "runtime_minutes", "release_date", "embargo_at"})


@bp.get("/festivals/<slug>/films")
@api.validate(query=FilmQuery, resp=SpecResponse(HTTP_200=list[FilmOut], **READ_ERRORS), tags=TAGS)
def list_films(slug: str, query: FilmQuery):
    """A festival's films by title; `q` searches titles and directors, `section` filters;
    paged (`limit`, `page`, `Link` header)."""
    festival = find_festival(slug)
    films = programme.films_of(festival, query=query.q, section=query.section)
    page, more = page_of_list(films, query)
    return paged([film_out(film, festival) for film in page], more, query)


@bp.post("/festivals/<slug>/films")
@api.validate(json=FilmIn, resp=SpecResponse(HTTP_201=FilmOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def create_film(slug: str, json: FilmIn):
    """Add a film to a festival (editors and admins)."""
    festival = find_festival(slug)
    values = json.model_dump()
    values["embargo_at"] = _instant(json.embargo_at, festival, "embargo_at")
    film = programme.create_film(festival, FilmFields(**values))
    db.session.commit()
    return _created(film_out(film, festival), url_for("api.show_film", slug=slug, film_id=film.id))


@bp.get("/festivals/<slug>/films/<int:film_id>")
@api.validate(resp=SpecResponse(HTTP_200=FilmOut, **READ_ERRORS), tags=TAGS)
def show_film(slug: str, film_id: int):
    """One film."""
    festival = find_festival(slug)
    return film_out(find_film(festival, film_id), festival)


@bp.patch("/festivals/<slug>/films/<int:film_id>")
@api.validate(json=FilmPatch, resp=SpecResponse(HTTP_200=FilmOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def update_film(slug: str, film_id: int, json: FilmPatch):
    """Change some of a film's fields (editors and admins)."""
    festival = find_festival(slug)
    film = find_film(festival, film_id)
    changes = _changes(json, FILM_NULLABLE)
    if "embargo_at" in changes:
        changes["embargo_at"] = _instant(json.embargo_at, festival, "embargo_at")
    programme.update_film(film, replace(_film_fields(film), **changes))
    db.session.commit()
    return film_out(film, festival)


# --- Screenings -----------------------------------------------------------------------------


@bp.get("/festivals/<slug>/screenings")
@api.validate(
    query=ScreeningQuery, resp=SpecResponse(HTTP_200=list[ScreeningOut], **READ_ERRORS), tags=TAGS
)
def list_screenings(slug: str, query: ScreeningQuery):
    """A festival's screenings in time order, filtered by local day, venue, film or kind;
    paged (`limit`, `page`, `Link` header)."""
    festival = find_festival(slug)
    statement = (
        select(Screening)
        .join(Screening.film)
        .join(Screening.venue)
        .options(contains_eager(Screening.film), contains_eager(Screening.venue))
        .where(Screening.festival_id == festival.id)
        .order_by(Screening.starts_at, Venue.name, Screening.id)
    )
    if query.day is not None:
        start, end = festival_day_bounds(query.day, festival.timezone)
        statement = statement.where(Screening.starts_at >= start, Screening.starts_at < end)
    if query.venue is not None:
        statement = statement.where(Screening.venue_id == query.venue)
    if query.film is not None:
        statement = statement.where(Screening.film_id == query.film)
    if query.kind is not None:
        statement = statement.where(Screening.kind == query.kind)
    if not query.include_cancelled:
        statement = statement.where(Screening.cancelled.is_(False))
    rows, more = page_of_statement(statement, query)
    return paged([screening_out(s, festival) for s in rows], more, query)


@bp.post("/festivals/<slug>/screenings")
@api.validate(json=ScreeningIn, resp=SpecResponse(HTTP_201=ScreeningOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def create_screening(slug: str, json: ScreeningIn):
    """Add a screening (editors and admins); times without an offset are festival-local."""
    festival = find_festival(slug)
    fields_ = programme.ScreeningFields(
        film_id=json.film_id,
        venue_id=json.venue_id,
        starts_at=_instant(json.starts_at, festival, "starts_at"),
        ends_at=_instant(json.ends_at, festival, "ends_at"),
        kind=json.kind,
        notes=json.notes,
    )
    with _api_field_names(end_time="ends_at", day="starts_at"):
        screening = programme.create_screening(festival, fields_)
    db.session.commit()
    location = url_for("api.show_screening", slug=slug, screening_id=screening.id)
    return _created(screening_out(screening, festival), location)


@bp.get("/festivals/<slug>/screenings/<int:screening_id>")
@api.validate(resp=SpecResponse(HTTP_200=ScreeningOut, **READ_ERRORS), tags=TAGS)
def show_screening(slug: str, screening_id: int):
    """One screening."""
    festival = find_festival(slug)
    return screening_out(find_screening(festival, screening_id), festival)


@bp.patch("/festivals/<slug>/screenings/<int:screening_id>")
@api.validate(
    json=ScreeningPatch, resp=SpecResponse(HTTP_200=ScreeningOut, **WRITE_ERRORS), tags=TAGS
)
@desk_only
def update_screening(slug: str, screening_id: int, json: ScreeningPatch):
    """Move or correct a screening (editors and admins): same id, higher `sequence`.

    Moving the start keeps the screening's length unless `ends_at` is sent; `ends_at: null`
    recomputes the end from the film's runtime.

    Unlike the web form, the API does not ask for confirmation when pieces rely on the
    screening: sending the change is the caller's decision. Their writers (and, when a
    first-public-screening embargo moves, their editors) are notified as on the web.
    """
    festival = find_festival(slug)
    screening = find_screening(festival, screening_id)
    changes = _changes(json, frozenset({"ends_at"}))
    starts_at = _instant(json.starts_at, festival, "starts_at") or screening.starts_at
    if "ends_at" in changes:
        ends_at = _instant(json.ends_at, festival, "ends_at")
    else:
        ends_at = starts_at + (screening.ends_at - screening.starts_at)
    fields_ = programme.ScreeningFields(
        film_id=changes.get("film_id", screening.film_id),
        venue_id=changes.get("venue_id", screening.venue_id),
        starts_at=starts_at,
        ends_at=ends_at,
        kind=changes.get("kind", screening.kind),
        notes=changes.get("notes", screening.notes),
    )
    with _api_field_names(end_time="ends_at", day="starts_at"):
        programme.lock_screening(screening)
        # Named before the move: the writers' other commitments as they were.
        clashes = programme.new_clashes(festival, programme.impact_of_update(screening, fields_))
        programme.update_screening(screening, fields_, actor=api_user(), now=utcnow())
    db.session.commit()
    out = screening_out(screening, festival)
    out.warnings.extend(clashes)
    return out


@bp.post("/festivals/<slug>/screenings/<int:screening_id>/cancel")
@api.validate(resp=SpecResponse(HTTP_200=ScreeningOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def cancel_screening(slug: str, screening_id: int):
    """Cancel a screening (editors and admins); it stays listed with `cancelled: true`.

    No confirmation is asked: the writers attending it, and the people of pieces whose embargo
    follows it, are notified as on the web."""
    festival = find_festival(slug)
    screening = find_screening(festival, screening_id)
    programme.cancel_screening(screening, actor=api_user(), now=utcnow())
    db.session.commit()
    return screening_out(screening, festival)


@bp.post("/festivals/<slug>/screenings/<int:screening_id>/restore")
@api.validate(resp=SpecResponse(HTTP_200=ScreeningOut, **WRITE_ERRORS), tags=TAGS)
@desk_only
def restore_screening(slug: str, screening_id: int):
    """Restore a cancelled screening (editors and admins); whom it affects is notified."""
    festival = find_festival(slug)
    screening = find_screening(festival, screening_id)
    programme.restore_screening(screening, actor=api_user(), now=utcnow())
    db.session.commit()
    return screening_out(screening, festival)
