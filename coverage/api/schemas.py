"""Pydantic models of the API: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from coverage.programme.kinds import EmbargoRule, PremiereStatus, ScreeningKind


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class FieldError(BaseModel):
    field: str = Field(description="Where the error is, e.g. `due_at` or `films.0.title`.")
    message: str


class ValidationProblem(Problem):
    """A request that failed validation: one entry per field."""

    errors: list[FieldError] = []


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str = Field(description="admin, editor or writer")
    active: bool


# --- Programme ----------------------------------------------------------------------------

OffsetDateTime = Annotated[
    str,
    Field(
        description="ISO 8601 with the festival's UTC offset, e.g. `2021-10-10T18:30:00+01:00`.",
        json_schema_extra={"format": "date-time"},
    ),
]
LocalOrOffsetDateTime = Annotated[
    datetime,
    Field(
        description=(
            "ISO 8601. With an offset it is that instant; without one it is the festival's "
            "local wall-clock time (refused if a DST change skips or repeats it)."
        )
    ),
]
ZoneName = Annotated[str, Field(description="The festival's IANA time zone, e.g. Europe/London.")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FestivalOut(BaseModel):
    slug: str
    name: str
    edition: int
    city: str
    timezone: ZoneName
    start_date: date
    end_date: date
    website: str
    travel_buffer_minutes: int
    is_public: bool


class FestivalIn(_Input):
    name: str
    edition: int = Field(description="The edition's year, e.g. 2021.")
    timezone: ZoneName
    start_date: date
    end_date: date
    slug: str = Field("", description="Empty: made from the name and edition.")
    city: str = ""
    website: str = ""
    travel_buffer_minutes: int = 15
    is_public: bool = False


class FestivalPatch(_Input):
    """Only the fields sent change; the rest keep their values."""

    name: str | None = None
    edition: int | None = None
    timezone: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    slug: str | None = None
    city: str | None = None
    website: str | None = None
    travel_buffer_minutes: int | None = None
    is_public: bool | None = None


class VenueOut(BaseModel):
    id: int
    name: str
    address: str


class VenueIn(_Input):
    name: str
    address: str = ""


class VenuePatch(_Input):
    name: str | None = None
    address: str | None = None


class FilmOut(BaseModel):
    id: int
    festival: str = Field(description="The festival's slug.")
    timezone: ZoneName
    title: str
    original_title: str
    directors: str
    countries: str
    year: int | None
    runtime_minutes: int | None
    section: str
    premiere_status: PremiereStatus
    uk_release_date: date | None
    trailer_url: str
    url: str
    embargo_rule: EmbargoRule
    embargo_at: OffsetDateTime | None
    embargo_offset_minutes: int
    synopsis: str


class FilmIn(_Input):
    title: str
    original_title: str = ""
    directors: str = ""
    countries: str = ""
    year: int | None = None
    runtime_minutes: int | None = Field(None, description="Sets a screening's default end.")
    section: str = ""
    premiere_status: PremiereStatus = PremiereStatus.NONE
    uk_release_date: date | None = None
    trailer_url: str = ""
    url: str = Field("", description="The festival's own page for the film.")
    embargo_rule: EmbargoRule = EmbargoRule.NONE
    embargo_at: LocalOrOffsetDateTime | None = None
    embargo_offset_minutes: int = 0
    synopsis: str = ""


class FilmPatch(_Input):
    """Only the fields sent change; `null` clears year, runtime, release date or embargo time."""

    title: str | None = None
    original_title: str | None = None
    directors: str | None = None
    countries: str | None = None
    year: int | None = None
    runtime_minutes: int | None = None
    section: str | None = None
    premiere_status: PremiereStatus | None = None
    uk_release_date: date | None = None
    trailer_url: str | None = None
    url: str | None = None
    embargo_rule: EmbargoRule | None = None
    embargo_at: LocalOrOffsetDateTime | None = None
    embargo_offset_minutes: int | None = None
    synopsis: str | None = None


class FilmQuery(BaseModel):
    q: str = Field("", description="Part of the title or the directors' names.")
    section: str = ""


class FilmRef(BaseModel):
    id: int
    title: str


class VenueRef(BaseModel):
    id: int
    name: str


class ScreeningOut(BaseModel):
    id: int
    festival: str = Field(description="The festival's slug.")
    film: FilmRef
    venue: VenueRef
    starts_at: OffsetDateTime
    ends_at: OffsetDateTime
    timezone: ZoneName
    kind: ScreeningKind
    cancelled: bool
    notes: str
    sequence: int = Field(
        description="Calendar SEQUENCE: rises when time, place or status changes."
    )


class ScreeningIn(_Input):
    film_id: int
    venue_id: int
    starts_at: LocalOrOffsetDateTime
    ends_at: LocalOrOffsetDateTime | None = Field(
        None, description="Empty: the start plus the film's runtime."
    )
    kind: ScreeningKind = ScreeningKind.PUBLIC
    notes: str = ""


class ScreeningPatch(_Input):
    """Only the fields sent change. Moving the start keeps the screening's length unless `ends_at`
    is sent; `ends_at: null` recomputes it from the film's runtime."""

    film_id: int | None = None
    venue_id: int | None = None
    starts_at: LocalOrOffsetDateTime | None = None
    ends_at: LocalOrOffsetDateTime | None = None
    kind: ScreeningKind | None = None
    notes: str | None = None


class ScreeningQuery(BaseModel):
    day: date | None = Field(
        None, description="A festival-local calendar day (YYYY-MM-DD), DST-aware."
    )
    venue: int | None = Field(None, description="A venue id.")
    film: int | None = Field(None, description="A film id.")
    kind: ScreeningKind | None = None
    include_cancelled: bool = True
