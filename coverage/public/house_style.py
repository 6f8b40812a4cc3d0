"""House style: the text the publication writes the same way every time, made from desk facts.

Headline patterns per kind of piece, the release footer for the publication's home market, and
the furniture lines under every piece (coverage hub, festival website, trailer). Pure: no Flask,
no database. The public page, the writer's preview, the CMS export and the API all call these,
so a house-style change is one edit here.

The patterns are the publication's own (see `docs/design.md`, "Published output"):

- review:    ``London Film Festival 2021: Red Rocket | Review``
- interview: ``“It's really complicated…”: A, B and C on Hijra at Red Sea International Film
  Festival 2025``
- roundup:   ``London Film Festival 2021: Highlights and interviews with A and B``
- feature and news have no pattern: their headline is written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slugify import slugify

from coverage.pieces.kinds import PieceKind

SECTION_NAME = "Film festivals"
# The desk's headline column and every save refuse longer headlines: a suggestion must fit.
MAX_HEADLINE = 300


@dataclass(frozen=True)
class Market:
    """How the house style names a home market: "a UK release date", "UK cinemas"."""

    code: str
    with_article: str  # "a UK", "an Irish": the article depends on how the name is said
    adjective: str  # "UK", "Irish"


# Markets an English-language publication is likely to call home; any other code is used as
# written ("a FR release date") rather than refused, so a new market needs no code change.
MARKETS = {
    "UK": Market("UK", "a UK", "UK"),
    "IE": Market("IE", "an Irish", "Irish"),
    "US": Market("US", "a US", "US"),
    "CA": Market("CA", "a Canadian", "Canadian"),
    "AU": Market("AU", "an Australian", "Australian"),
    "NZ": Market("NZ", "a New Zealand", "New Zealand"),
    "IN": Market("IN", "an Indian", "Indian"),
    "PH": Market("PH", "a Philippine", "Philippine"),
    "ZA": Market("ZA", "a South African", "South African"),
}


def market(code: str) -> Market:
    """The home market named by a setting such as ``UK`` (``GB`` is the same market)."""
    key = (code or "UK").strip().upper()
    key = "UK" if key == "GB" else key
    return MARKETS.get(key, Market(key, f"a {key}", key))


def join_names(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: the house style has no serial comma."""
    names = [name.strip() for name in names if name and name.strip()]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def ordinal(day: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``12th``, ``13th``, ``21st``, ``22nd``."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def long_date(day: date) -> str:
    """``11th February 2022``: ordinal day, full month name, year."""
    return f"{ordinal(day.day)} {day.strftime('%B')} {day.year}"


def festival_edition(festival_name: str, edition: int) -> str:
    return f"{festival_name} {edition}"


def _clean_quote(quote: str) -> str:
    """A pull quote without the quotation marks or final comma the editor may have copied."""
    quote = " ".join(quote.split())
    quote = quote.strip("\"'“”‘’«»„ ")
    return quote.rstrip(",;:")


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary with an ellipsis so that it is at most `limit` long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut}…"


def suggested_headline(
    kind: PieceKind,
    *,
    festival_name: str,
    edition: int,
    film_title: str = "",
    names: Sequence[str] = (),
    pull_quote: str = "",
) -> str:
    """The house-style headline for a piece, or ``""`` where the style has no pattern
    (features and news) or a fact it needs is missing (a review without its film).

    Never longer than `MAX_HEADLINE` characters: a long pull quote is shortened at a word, with
    an ellipsis, so the names and the film always stay whole."""
    festival = festival_edition(festival_name, edition)
    people = join_names(names)
    if kind is PieceKind.REVIEW:
        return _shorten(f"{festival}: {film_title} | Review", MAX_HEADLINE) if film_title else ""
    if kind is PieceKind.INTERVIEW:
        if not people:
            return ""
        subject = (
            f"{people} on {film_title} at {festival}" if film_title else f"{people} at {festival}"
        )
        quote = _clean_quote(pull_quote)
        if not quote:
            return _shorten(subject, MAX_HEADLINE)
        room = MAX_HEADLINE - len(subject) - len("“”: ")
        if room < 20:  # no quote worth the name fits beside so many names
            return _shorten(subject, MAX_HEADLINE)
        return f"“{_shorten(quote, room)}”: {subject}"
    if kind is PieceKind.ROUNDUP:
        if people:
            return _shorten(f"{festival}: Highlights and interviews with {people}", MAX_HEADLINE)
        return f"{festival}: Highlights"
    return ""


def release_footer(
    film_title: str, release_date: date | None, home_market: Market, today: date
) -> str | None:
    """The line under a review about its film's release in the home market.

    No date: ``Red Rocket does not have a UK release date yet.``; a date today or ahead:
    ``Belfast is released in UK cinemas on 21st January 2022.``; a date already past: nothing
    (the film is in cinemas, the line would read as stale)."""
    if not film_title:
        return None
    if release_date is None:
        return f"{film_title} does not have {home_market.with_article} release date yet."
    if release_date < today:
        return None
    return (
        f"{film_title} is released in {home_market.adjective} cinemas on {long_date(release_date)}."
    )


@dataclass(frozen=True)
class FurnitureLine:
    """One line under the piece: text around a link whose words are ``link_text``."""

    before: str
    link_text: str
    url: str
    after: str = ""
    label: str = ""  # accessible name of a link whose visible words ("here") say little


def hub_line(festival: str, hub_url: str) -> FurnitureLine:
    return FurnitureLine(
        f"Read more reviews and interviews from our {festival} coverage ",
        "here",
        hub_url,
        ".",
        f"All our {festival} coverage",
    )


def festival_website_line(organiser: str, website: str) -> FurnitureLine | None:
    """``For further information about the festival visit the official BFI website here.``"""
    if not website:
        return None
    who = f"official {organiser.strip()} website" if organiser.strip() else "official website"
    return FurnitureLine(
        f"For further information about the festival visit the {who} ",
        "here",
        website,
        ".",
        f"The {who} of the festival",
    )


def trailer_line(film_title: str, trailer_url: str) -> FurnitureLine | None:
    if not trailer_url or not film_title:
        return None
    return FurnitureLine(
        f"Watch the trailer for {film_title} ",
        "here",
        trailer_url,
        ".",
        f"Trailer for {film_title}",
    )


def slug_of(text: str, max_length: int = 120) -> str:
    """A readable URL segment from a headline: ``red-rocket-review``.

    python-slugify transliterates (``Céline`` -> ``celine``, Japanese to romaji) and cuts at a
    word boundary; never empty (``piece`` when nothing readable is left)."""
    return slugify(text, max_length=max_length, word_boundary=True) or "piece"


def piece_slug(headline: str, festival_name: str, edition: int) -> str:
    """The piece's URL segment: its headline without the festival name the URL already holds.

    ``London Film Festival 2021: Red Rocket | Review`` -> ``red-rocket-review``."""
    slug = slug_of(headline)
    prefix = slug_of(festival_edition(festival_name, edition))
    if slug.startswith(prefix + "-") and len(slug) > len(prefix) + 1:
        slug = slug[len(prefix) + 1 :]
    return slug
