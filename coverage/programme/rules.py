"""What a valid festival, venue and film look like: pure checks shared by forms, API and CLI.

Each `clean_*` function takes what a user typed (already split into typed fields) and returns a
cleaned copy or raises `InvalidInput` naming the field, so every entry point says the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime

from slugify import slugify as python_slugify

from coverage import field_limits as limits
from coverage.errors import InvalidInput
from coverage.programme.kinds import DefaultEmbargo, EmbargoRule, PremiereStatus
from coverage.timeutil import is_valid_timezone

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Words that fixed routes use beside /festivals/<slug> (the create form is /festivals/new): a
# festival with one of these slugs could not be reached. Kept short and explicit.
RESERVED_SLUGS = frozenset({"new", "edit", "delete", "import", "feed", "static", "api"})
MAX_FESTIVAL_DAYS = 60


def slugify(text: str) -> str:
    """`London Film Festival 2021` -> `london-film-festival-2021`: transliterated to ASCII by
    python-slugify, so `東京国際映画祭` keeps a readable address instead of vanishing."""
    return python_slugify(text)


def festival_slug(name: str, edition: int) -> str:
    base = slugify(name)
    return base if base.endswith(str(edition)) else f"{base}-{edition}".strip("-")


def check_url(value: str, field: str) -> str:
    value = value.strip()
    if value and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value, re.IGNORECASE):
        raise InvalidInput("Enter a full web address starting with https://.", field=field)
    return value


def _require(value: str, field: str, what: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"Enter {what}.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"Keep it under {max_length} characters.", field=field)
    return value


@dataclass(frozen=True)
class FestivalFields:
    name: str
    edition: int
    timezone: str
    start_date: date
    end_date: date
    slug: str = ""
    city: str = ""
    website: str = ""
    # Named in the house-style footer: "visit the official BFI website".
    organiser: str = ""
    travel_buffer_minutes: int = 15
    is_public: bool = False
    # The embargo of the films whose own rule is left to the festival.
    default_embargo: DefaultEmbargo = DefaultEmbargo.NONE


def clean_festival(fields: FestivalFields) -> FestivalFields:
    """Protects the calendar maths: a real IANA zone, dates in order, a usable slug."""
    name = _require(fields.name, "name", "the festival's name", 200)
    if not 1890 <= fields.edition <= 2200:
        raise InvalidInput("Enter the edition's year, e.g. 2021.", field="edition")
    zone = fields.timezone.strip()
    if not is_valid_timezone(zone):
        raise InvalidInput(
            f"'{zone}' is not a time zone we know. Use an IANA name such as Europe/London, "
            "America/Toronto or Asia/Manila.",
            field="timezone",
        )
    if abs(fields.start_date.year - fields.edition) > 1:
        raise InvalidInput(
            f"The {fields.edition} edition cannot start on {fields.start_date:%-d %B %Y}: "
            "check the year.",
            field="start_date",
        )
    if fields.end_date < fields.start_date:
        raise InvalidInput("The festival cannot end before it starts.", field="end_date")
    if (fields.end_date - fields.start_date).days >= MAX_FESTIVAL_DAYS:
        raise InvalidInput(
            f"A festival longer than {MAX_FESTIVAL_DAYS} days is probably a typo in a date.",
            field="end_date",
        )
    slug = fields.slug.strip().lower() or festival_slug(name, fields.edition)
    if not SLUG_PATTERN.match(slug) or len(slug) > 120:
        raise InvalidInput(
            "Use lower-case letters, digits and single hyphens, e.g. london-film-festival-2021.",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput(
            f"'{slug}' is a page of the desk (/festivals/{slug}); choose another slug.",
            field="slug",
        )
    if not 0 <= fields.travel_buffer_minutes <= 240:
        raise InvalidInput("Enter between 0 and 240 minutes.", field="travel_buffer_minutes")
    # The columns' sizes (coverage.field_limits): a longer value is a field error on every
    # entry point, never a database error.
    limits.check_length(fields.city.strip(), limits.CITY, "city")
    limits.check_length(fields.website.strip(), limits.WEBSITE, "website")
    return replace(
        fields,
        name=name,
        timezone=zone,
        slug=slug,
        city=fields.city.strip(),
        website=check_url(fields.website, "website"),
        organiser=_organiser(fields.organiser),
    )


def _organiser(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > 200:
        raise InvalidInput("Keep the organiser's name under 200 characters.", field="organiser")
    return name


def clean_venue_name(name: str) -> str:
    return _require(name, "name", "the venue's name", 200)


def clean_venue_address(address: str) -> str:
    """The address, trimmed; refused naming `address` when longer than its maximum."""
    address = address.strip()
    limits.check_length(address, limits.VENUE_ADDRESS, "address")
    return address


def check_travel_minutes(minutes: int) -> int:
    if not 0 <= minutes <= 600:
        raise InvalidInput("Enter between 0 and 600 minutes.", field="minutes")
    return minutes


@dataclass(frozen=True)
class FilmFields:
    title: str
    original_title: str = ""
    directors: str = ""
    countries: str = ""
    year: int | None = None
    runtime_minutes: int | None = None
    section: str = ""
    premiere_status: PremiereStatus = PremiereStatus.NONE
    release_date: date | None = None
    trailer_url: str = ""
    url: str = ""
    # Unset, the film follows its festival's default embargo.
    embargo_rule: EmbargoRule = EmbargoRule.FESTIVAL_DEFAULT
    embargo_at: datetime | None = None
    embargo_offset_minutes: int = 0
    synopsis: str = ""


# The film's text columns and their sizes: refused with a field error when longer.
_FILM_TEXT_LIMITS = {
    "original_title": limits.FILM_TITLE,
    "directors": limits.DIRECTORS,
    "countries": limits.COUNTRIES,
    "section": limits.SECTION,
    "trailer_url": limits.URL,
    "url": limits.URL,
    "synopsis": limits.SYNOPSIS,
}


def clean_film(fields: FilmFields) -> FilmFields:
    """A film's facts as the desk relies on them: runtime sets screening ends, embargo gates
    publishing, so both must make sense."""
    title = _require(fields.title, "title", "the film's title", 300)
    if fields.year is not None and not 1880 <= fields.year <= 2100:
        raise InvalidInput("Enter a year between 1880 and 2100, or leave it empty.", field="year")
    if fields.runtime_minutes is not None and not 1 <= fields.runtime_minutes <= 1500:
        raise InvalidInput(
            "Enter the runtime in minutes (1-1500), or leave it empty.", field="runtime_minutes"
        )
    if fields.embargo_rule is EmbargoRule.FIXED and fields.embargo_at is None:
        raise InvalidInput("Enter the date and time the embargo lifts.", field="embargo_at")
    if not 0 <= fields.embargo_offset_minutes <= 7 * 24 * 60:
        raise InvalidInput(
            "Enter between 0 and 10080 minutes (a week).", field="embargo_offset_minutes"
        )
    for field, maximum in _FILM_TEXT_LIMITS.items():
        limits.check_length(getattr(fields, field).strip(), maximum, field)
    return replace(
        fields,
        title=title,
        original_title=fields.original_title.strip(),
        directors=fields.directors.strip(),
        countries=fields.countries.strip(),
        section=fields.section.strip(),
        trailer_url=check_url(fields.trailer_url, "trailer_url"),
        url=check_url(fields.url, "url"),
        embargo_at=fields.embargo_at if fields.embargo_rule is EmbargoRule.FIXED else None,
        embargo_offset_minutes=(
            fields.embargo_offset_minutes
            if fields.embargo_rule is EmbargoRule.FIRST_PUBLIC_SCREENING
            else 0
        ),
        synopsis=fields.synopsis.strip(),
    )


# What people type for the same mark: typographic, straight, prime and modifier-letter quotes,
# and every dash and hyphen (en, em, minus, non-breaking...). Guillemets count as double quotes.
_SAME_MARK = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u0060\u00b4\uff07", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
        **dict.fromkeys(
            "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b", "-"
        ),
        # Ligatures NFKC keeps as letters; French and Latin titles are retyped with two.
        "\u0153": "oe",
        "\u00e6": "ae",
    }
)
# Invisible characters (soft hyphen, zero-width spaces and joiners, direction marks, BOM) and
# control characters: never the difference between two titles.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_AROUND_DASH = re.compile(r" ?- ?")


def name_key(name: str) -> str:
    """How the importer recognises a film or venue already in the festival, however it was
    retyped: case, spacing, Unicode forms (composed or decomposed accents, full-width letters,
    ligatures such as ﬁ and œ), typographic quotes and dashes, and invisible characters are
    ignored.

    Letters are not: accents stay ('Papa' and 'Papá', 'Ma' and 'Mã' can be two films), as do
    punctuation other than quotes and dashes. Two films wrongly merged lose a screening without
    anyone noticing, while a duplicate is shown in the preview (see `loose_key`).
    """
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", name)).translate(_SAME_MARK)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = " ".join(text.translate(_SAME_MARK).split())
    # "Venue – Screen", "Venue - Screen" and "Venue-Screen" are typed for the same thing.
    return _AROUND_DASH.sub("-", text)


def title_key(title: str) -> str:
    """How the importer recognises a film already in the festival (see `name_key`)."""
    return name_key(title)


def loose_key(name: str) -> str:
    """Letters and digits only, accents dropped: two names with the same loose key but different
    `name_key`s are probably one name retyped ('Amelie' for 'Amélie', 'Spiderman' for
    'Spider-Man'). Used only to point that out, never to match."""
    decomposed = unicodedata.normalize("NFKD", name_key(name))
    return "".join(char for char in decomposed if char.isalnum())
