"""Pydantic models of the API: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from coverage import field_limits as limits
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.workflow import Action
from coverage.programme.kinds import (
    DefaultEmbargo,
    EmbargoRule,
    PersonRole,
    PremiereStatus,
    ScreeningKind,
)


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

# An id a primary key column can hold (PostgreSQL `integer`): a larger number is a 422 naming
# the field, never a database overflow.
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]

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


def text(maximum: int, *, required: bool = False, **extra) -> object:
    """A string field's constraints, from coverage.field_limits: stated in the OpenAPI document
    (`maxLength`, `minLength`) and refused with a 422 naming the field when broken."""
    return Field(min_length=1 if required else None, max_length=maximum, **extra)


# Text every input model takes: the same maxima as the columns, forms and services.
FestivalName = Annotated[str, text(limits.FESTIVAL_NAME, required=True)]
ZoneInput = Annotated[
    str,
    text(limits.TIMEZONE, required=True, description="An IANA time zone, e.g. Europe/London."),
]
SlugInput = Annotated[
    str,
    text(
        limits.FESTIVAL_SLUG,
        # What coverage.programme.rules accepts once it strips and lower-cases the value.
        pattern=r"^\s*(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)?\s*$",
        description="Lower-case letters, digits and single hyphens; empty: made from the name "
        "and edition.",
    ),
]
City = Annotated[str, text(limits.CITY)]
Website = Annotated[str, text(limits.WEBSITE, description="A full https:// address.")]
Organiser = Annotated[str, text(limits.ORGANISER, description="Who runs it, e.g. BFI.")]
Edition = Annotated[int, Field(ge=1890, le=2200, description="The edition's year, e.g. 2021.")]
BufferMinutes = Annotated[int, Field(ge=0, le=240)]
VenueName = Annotated[str, text(limits.VENUE_NAME, required=True)]
VenueAddress = Annotated[str, text(limits.VENUE_ADDRESS)]
FilmTitle = Annotated[str, text(limits.FILM_TITLE, required=True)]
OriginalTitle = Annotated[str, text(limits.FILM_TITLE)]
Directors = Annotated[str, text(limits.DIRECTORS)]
Countries = Annotated[str, text(limits.COUNTRIES)]
Section = Annotated[str, text(limits.SECTION)]
WebAddress = Annotated[str, text(limits.URL, description="A full https:// address.")]
Synopsis = Annotated[str, text(limits.SYNOPSIS)]
Year = Annotated[int, Field(ge=1880, le=2100)]
Runtime = Annotated[int, Field(ge=1, le=1500, description="Sets a screening's default end.")]
OffsetMinutes = Annotated[int, Field(ge=0, le=7 * 24 * 60)]
ScreeningNotes = Annotated[str, text(limits.SCREENING_NOTES)]
FestivalSlugRef = Annotated[str, text(limits.FESTIVAL_SLUG, description="A festival's slug.")]
Headline = Annotated[str, text(limits.HEADLINE)]
Standfirst = Annotated[str, text(limits.STANDFIRST)]
Body = Annotated[str, text(limits.BODY)]
PullQuote = Annotated[str, text(limits.PULL_QUOTE)]
SlotPlace = Annotated[str, text(limits.SLOT_PLACE)]
WordTarget = Annotated[int, Field(ge=1, le=20_000)]
StarRating = Annotated[int, Field(ge=1, le=5)]
# A piece covers a handful of films and people; the cap keeps one request's work bounded.
MAX_IDS = 100


class PageQuery(BaseModel):
    """Every list is paged: `limit` items (at most `MAX_LIMIT`) from page `page`. The `Link`
    header (RFC 8288) names the next and previous pages when there are some."""

    limit: int = Field(
        50, ge=1, le=200, description="How many items per page: 50 unless given, at most 200."
    )
    page: int = Field(1, ge=1, le=100_000, description="Which page, from 1.")


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
    organiser: str = Field(description="Who runs it, as the house style names it, e.g. BFI.")
    travel_buffer_minutes: int
    is_public: bool
    default_embargo: DefaultEmbargo = Field(
        DefaultEmbargo.NONE,
        description="The embargo of films whose own `embargo_rule` is `festival_default`: "
        "`none`, `first_public_screening`, or `premieres_first_public_screening` (world and "
        "international premieres only).",
    )


class FestivalIn(_Input):
    name: FestivalName
    edition: Edition
    timezone: ZoneInput
    start_date: date
    end_date: date
    slug: SlugInput = ""
    city: City = ""
    website: Website = ""
    organiser: Organiser = ""
    travel_buffer_minutes: BufferMinutes = 15
    is_public: bool = False
    default_embargo: DefaultEmbargo = Field(
        DefaultEmbargo.NONE,
        description="The embargo of films whose own `embargo_rule` is `festival_default`: "
        "`none`, `first_public_screening`, or `premieres_first_public_screening` (world and "
        "international premieres only).",
    )


class FestivalPatch(_Input):
    """Only the fields sent change; the rest keep their values."""

    name: FestivalName | None = None
    edition: Edition | None = None
    timezone: ZoneInput | None = None
    start_date: date | None = None
    end_date: date | None = None
    slug: SlugInput | None = None
    city: City | None = None
    website: Website | None = None
    organiser: Organiser | None = None
    travel_buffer_minutes: BufferMinutes | None = None
    is_public: bool | None = None
    default_embargo: DefaultEmbargo | None = None


class VenueOut(BaseModel):
    id: int
    name: str
    address: str


class VenueIn(_Input):
    name: VenueName
    address: VenueAddress = ""


class VenuePatch(_Input):
    name: VenueName | None = None
    address: VenueAddress | None = None


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
    release_date: date | None
    trailer_url: str
    url: str
    embargo_rule: EmbargoRule = Field(
        description="The film's own rule; `festival_default` follows the festival's "
        "`default_embargo`."
    )
    embargo_at: OffsetDateTime | None
    embargo_offset_minutes: int
    synopsis: str
    embargo_rule_in_force: EmbargoRule = Field(
        EmbargoRule.NONE,
        description="The rule the embargo follows now: the film's own, or the festival's "
        "default as it applies to the film's premiere status.",
    )
    embargo_rule_from: Literal["film", "festival"] = "film"


class FilmIn(_Input):
    title: FilmTitle
    original_title: OriginalTitle = ""
    directors: Directors = ""
    countries: Countries = ""
    year: Year | None = None
    runtime_minutes: Runtime | None = None
    section: Section = ""
    premiere_status: PremiereStatus = PremiereStatus.NONE
    release_date: date | None = None
    trailer_url: WebAddress = ""
    url: WebAddress = Field("", description="The festival's own page for the film.")
    embargo_rule: EmbargoRule = Field(
        EmbargoRule.FESTIVAL_DEFAULT,
        description="Unset, the film follows the festival's `default_embargo`.",
    )
    embargo_at: LocalOrOffsetDateTime | None = None
    embargo_offset_minutes: OffsetMinutes = 0
    synopsis: Synopsis = ""


class FilmPatch(_Input):
    """Only the fields sent change; `null` clears year, runtime, release date or embargo time."""

    title: FilmTitle | None = None
    original_title: OriginalTitle | None = None
    directors: Directors | None = None
    countries: Countries | None = None
    year: Year | None = None
    runtime_minutes: Runtime | None = None
    section: Section | None = None
    premiere_status: PremiereStatus | None = None
    release_date: date | None = None
    trailer_url: WebAddress | None = None
    url: WebAddress | None = None
    embargo_rule: EmbargoRule | None = None
    embargo_at: LocalOrOffsetDateTime | None = None
    embargo_offset_minutes: OffsetMinutes | None = None
    synopsis: Synopsis | None = None


class FilmQuery(PageQuery):
    q: str = Field(
        "", max_length=limits.DIRECTORS, description="Part of the title or the directors' names."
    )
    section: Section = ""


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
    warnings: list[str] = Field(
        default_factory=list,
        description=(
            "What looks like a data-entry mistake but is accepted: a screening longer than six "
            "hours (or than the film's own runtime and an hour)."
        ),
    )


class ScreeningIn(_Input):
    film_id: DbId
    venue_id: DbId
    starts_at: LocalOrOffsetDateTime
    ends_at: LocalOrOffsetDateTime | None = Field(
        None, description="Empty: the start plus the film's runtime."
    )
    kind: ScreeningKind = ScreeningKind.PUBLIC
    notes: ScreeningNotes = ""


class ScreeningPatch(_Input):
    """Only the fields sent change. Moving the start keeps the screening's length unless `ends_at`
    is sent; `ends_at: null` recomputes it from the film's runtime."""

    film_id: DbId | None = None
    venue_id: DbId | None = None
    starts_at: LocalOrOffsetDateTime | None = None
    ends_at: LocalOrOffsetDateTime | None = None
    kind: ScreeningKind | None = None
    notes: ScreeningNotes | None = None


class ScreeningQuery(PageQuery):
    day: date | None = Field(
        None, description="A festival-local calendar day (YYYY-MM-DD), DST-aware."
    )
    venue: DbId | None = Field(None, description="A venue id.")
    film: DbId | None = Field(None, description="A film id.")
    kind: ScreeningKind | None = None
    include_cancelled: bool = True


# --- Pieces -------------------------------------------------------------------------------


class UserRef(BaseModel):
    id: int
    name: str


class PersonRef(BaseModel):
    id: int
    name: str
    role: PersonRole


class PieceScreening(BaseModel):
    id: int
    starts_at: OffsetDateTime
    ends_at: OffsetDateTime
    venue: VenueRef
    kind: ScreeningKind
    cancelled: bool


class PieceSlot(BaseModel):
    """An interview slot."""

    starts_at: OffsetDateTime
    ends_at: OffsetDateTime
    place: str


HIDDEN_TEXT = "Null when the token's user may not read the piece's text (see `text_visible`)."


class PieceOut(BaseModel):
    id: int
    festival: str = Field(description="The festival's slug.")
    timezone: ZoneName
    kind: PieceKind
    state: PieceState
    title: str = Field(
        description=(
            "The headline, or a working title made from kind and film; always the working title "
            "when `text_visible` is false."
        )
    )
    film: FilmRef | None
    other_films: list[FilmRef]
    interviewees: list[PersonRef]
    writer: UserRef | None
    editor: UserRef | None
    text_visible: bool = Field(
        description=(
            "Whether the token's user may read this piece's text, revisions, comments and "
            "history notes: the desk any piece, a writer only their own. When false, the text "
            "fields (`headline`, `standfirst`, `body`, `star_rating`, `pull_quote`, "
            "`suggested_headline`, `decline_reason`) are null; the plan is still shown."
        )
    )
    headline: str | None = Field(description=HIDDEN_TEXT)
    standfirst: str | None = Field(description=HIDDEN_TEXT)
    body: str | None = Field(description=HIDDEN_TEXT)
    star_rating: int | None = Field(
        description="Reviews: 1 to 5 stars, null without a rating. " + HIDDEN_TEXT
    )
    word_target: int | None
    version: int = Field(
        description=(
            "Rises with every save of the text and every change of the plan; the piece's ETag "
            'is this number in quotes, e.g. `"7"`.'
        )
    )
    due_at: OffsetDateTime | None
    screening: PieceScreening | None = Field(description="The screening the writer attends.")
    slot: PieceSlot | None
    embargo_at: OffsetDateTime | None = Field(
        description=(
            "The effective embargo: the film's (following the programme), tightened by the "
            "piece's own. Null when there is none, or while it is held (see `embargo_held`)."
        )
    )
    embargo_held: bool = Field(
        description="The film's embargo waits for a first public screening that is not scheduled."
    )
    publish_at: OffsetDateTime | None = Field(description="A later time the desk chose.")
    published_at: OffsetDateTime | None = Field(
        description="When it last went live (a republished correction moves it)."
    )
    first_published_at: OffsetDateTime | None = Field(
        description="When it first went live: readers and feeds date it by this."
    )
    public_url: str | None = Field(
        description=(
            "Its address on the public site once it has one (set at approval); readers see it "
            "only while the piece is live. The address comes from the headline, so it is null "
            "when `text_visible` is false and the piece is not live."
        )
    )
    pull_quote: str | None = Field(
        description="Interviews: the line the suggested headline quotes. " + HIDDEN_TEXT
    )
    suggested_headline: str | None = Field(
        description=(
            f"{HIDDEN_TEXT} "
            "The house-style headline from the piece's facts (empty for features and news), "
            "e.g. `London Film Festival 2021: Red Rocket | Review`."
        )
    )
    release_notice: str | None = Field(
        description=(
            "Why the piece cannot go out yet (its embargo or chosen time), e.g. `The embargo for "
            "Red Rocket lifts at 18:30 on 10 October.`; null once it may."
        )
    )
    decline_reason: str | None = Field(description=HIDDEN_TEXT)
    actions: list[Action] = Field(
        description="The workflow actions the token's user may take now (a note may be needed)."
    )


class PieceQuery(PageQuery):
    festival: FestivalSlugRef | None = None
    writer: DbId | None = Field(None, description="The assigned writer's user id.")
    state: PieceState | None = None
    kind: PieceKind | None = None
    film: DbId | None = Field(None, description="A film id: the piece's film or one it covers.")


_DUE_DESCRIPTION = "Empty: a day after the screening or the interview slot ends."


class PieceIn(_Input):
    """A writer's pitch, or a piece the desk plans. Writers may send only the pitch fields
    (festival, kind, films, interviewees, headline); the planning fields are the desk's and are
    ignored for writers, whose pitch is theirs to write."""

    festival: Annotated[str, text(limits.FESTIVAL_SLUG, required=True)] = Field(
        description="The festival's slug."
    )
    kind: PieceKind
    film_id: DbId | None = None
    other_film_ids: list[DbId] = Field([], max_length=MAX_IDS)
    interviewee_ids: list[DbId] = Field([], max_length=MAX_IDS)
    headline: Headline = ""
    writer_id: DbId | None = None
    editor_id: DbId | None = None
    due_at: LocalOrOffsetDateTime | None = Field(None, description=_DUE_DESCRIPTION)
    screening_id: DbId | None = None
    slot_starts_at: LocalOrOffsetDateTime | None = None
    slot_ends_at: LocalOrOffsetDateTime | None = None
    slot_place: SlotPlace = ""
    word_target: WordTarget | None = None
    embargo_at: LocalOrOffsetDateTime | None = Field(
        None, description="Tightens the film's embargo for this piece; never loosens it."
    )
    publish_at: LocalOrOffsetDateTime | None = None


class PiecePatch(_Input):
    """Only the fields sent change; `null` clears a film, person, time, screening, target or
    star rating. The plan fields are the desk's; the text fields (headline, standfirst, body,
    star_rating) belong to whoever may write the text now: the assigned writer while it is
    drafted, the desk once it is filed. Every text save is a revision. Changing the writer does
    not assign: take the `assign` transition for that."""

    kind: PieceKind | None = None
    film_id: DbId | None = None
    other_film_ids: list[DbId] | None = Field(None, max_length=MAX_IDS)
    interviewee_ids: list[DbId] | None = Field(None, max_length=MAX_IDS)
    headline: Headline | None = Field(None, description="Text: saved as a revision.")
    standfirst: Standfirst | None = Field(None, description="Text: saved as a revision.")
    body: Body | None = Field(None, description="Text (Markdown): saved as a revision.")
    star_rating: StarRating | None = Field(
        None, description="Text (reviews only, 1 to 5; `null` for none): saved as a revision."
    )
    pull_quote: PullQuote | None = Field(
        None,
        description=(
            "Interviews: the line of the body the house-style headline quotes (422 when the "
            "body does not contain it; empty to clear)."
        ),
    )
    writer_id: DbId | None = None
    editor_id: DbId | None = None
    due_at: LocalOrOffsetDateTime | None = Field(None, description=_DUE_DESCRIPTION)
    screening_id: DbId | None = None
    slot_starts_at: LocalOrOffsetDateTime | None = None
    slot_ends_at: LocalOrOffsetDateTime | None = None
    slot_place: SlotPlace | None = None
    word_target: WordTarget | None = None
    embargo_at: LocalOrOffsetDateTime | None = None
    publish_at: LocalOrOffsetDateTime | None = None


class TransitionIn(_Input):
    action: Action = Field(
        description=(
            "`start` happens by saving text and `publish_scheduled` by the publish-due job: "
            "both are refused here."
        )
    )
    note: str = Field(
        "",
        max_length=limits.TRANSITION_NOTE,
        description="Required to decline, return, spike or restore.",
    )


class TransitionOut(BaseModel):
    """The step taken and the piece as it is now."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    action: Action
    from_: PieceState = Field(alias="from")
    to: PieceState
    piece: PieceOut


class HistoryEntry(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    at: OffsetDateTime
    action: str = Field(description="`pitch` for the creation, else a workflow action.")
    from_: PieceState | None = Field(alias="from")
    to: PieceState
    by: UserRef | None = Field(description="Null for the publish-due job.")
    note: str | None = Field(
        description=(
            "Why (a decline, return, spike or withdrawal note); null when the token's user may "
            "not read the piece's conversation (another writer's piece)."
        )
    )


class ClashQuery(BaseModel):
    festival: Annotated[str, text(limits.FESTIVAL_SLUG, required=True)] = Field(
        description="The festival's slug."
    )
    start: LocalOrOffsetDateTime
    end: LocalOrOffsetDateTime
    venue: DbId | None = Field(None, description="The candidate's venue id, if a programme venue.")
    place: str = Field(
        "", max_length=limits.SLOT_PLACE, description="A free-text place when it is not a venue."
    )
    exclude_piece: DbId | None = Field(
        None, description="A piece whose own commitment should not count (the one being planned)."
    )


class CommitmentOut(BaseModel):
    what: str
    starts_at: OffsetDateTime
    ends_at: OffsetDateTime
    place: str
    piece_id: int | None


class ClashOut(BaseModel):
    other: CommitmentOut
    overlap: bool
    gap_minutes: int = Field(description="Minutes between the two; negative when they overlap.")
    needed_minutes: int = Field(description="Travel time needed between the two places.")
    reason: str


class ClashesOut(BaseModel):
    clashes: list[ClashOut]


# --- Drafts -------------------------------------------------------------------------------


class IfMatchHeaders(BaseModel):
    """Documents the precondition; its absence and mismatches are answered by the handler
    (428 and 412), not by validation."""

    if_match: str | None = Field(
        None,
        alias="If-Match",
        max_length=100,
        description=(
            'Required: the piece\'s ETag from GET, e.g. `"7"` (or `*` for whatever is current). '
            "Without it the answer is 428; with an older version it is 412 and nothing is "
            "overwritten."
        ),
    )


class PreconditionProblem(Problem):
    """A PATCH whose If-Match is not the piece's current ETag: nothing was overwritten."""

    revision: int | None = Field(
        None,
        description=(
            "When the request's text differed from the piece's, it was kept as this revision "
            "(not applied), so nothing typed is lost."
        ),
    )


class RevisionSummary(BaseModel):
    number: int
    created_at: OffsetDateTime
    author: UserRef | None = Field(description="Null for text kept from before revisions.")
    note: str = Field(description="What made it: a save, a restore, a conflict, a publication.")
    applied: bool = Field(
        description="False for a save that was kept but not applied (it lost a race)."
    )
    version: int | None = Field(description="The piece version it became; null if not applied.")
    based_on_version: int | None = Field(description="The piece version the save started from.")
    word_count: int


class RevisionOut(RevisionSummary):
    headline: str
    standfirst: str
    body: str
    star_rating: int | None
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")


class CommentIn(_Input):
    body: str = Field(
        min_length=1, max_length=limits.COMMENT, description="Markdown; up to 10,000 characters."
    )


class CommentOut(BaseModel):
    id: int
    author: UserRef | None
    created_at: OffsetDateTime
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")


# --- CMS export ---------------------------------------------------------------------------

# Imported here, not at the top, so this section stays one block appended to the file.
from coverage.public.export import ExportFormat  # noqa: E402


class ExportQuery(BaseModel):
    format: ExportFormat = Field(
        description=(
            "`html`: the body as a sanitised HTML fragment (`text/html`). `markdown`: YAML front "
            "matter (headline, standfirst, byline, festival, film, rating, embargo, canonical "
            "URL, tags), then the body Markdown as written (`text/markdown`)."
        )
    )
