"""schema.org JSON-LD for a published piece: pure, so the page and its tests build the same object.

A review is a schema.org `Review` (https://schema.org/Review) whose `itemReviewed` is a `Movie`
(name, director, dateCreated) with a `reviewRating` when the critic gave stars; every other kind
is an `Article` (https://schema.org/Article). Google's film-review guidelines ask for exactly
these properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FilmFacts:
    title: str
    directors: Sequence[str]
    year: int | None
    url: str = ""


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def piece_json_ld(
    *,
    is_review: bool,
    headline: str,
    description: str,
    url: str,
    published_at: datetime,
    modified_at: datetime,
    author: str | None,
    publisher: str,
    section: str,
    film: FilmFacts | None,
    stars: int | None,
    keywords: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON-LD object (a dict ready for `json.dumps`); instants are UTC ISO 8601."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Review" if is_review and film is not None else "Article",
        "headline": headline,
        "name": headline,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": _iso(published_at),
        "dateModified": _iso(modified_at),
        "publisher": {"@type": "Organization", "name": publisher},
        "articleSection": section,
    }
    if description:
        data["description"] = description
    if author:
        data["author"] = {"@type": "Person", "name": author}
    if keywords:
        data["keywords"] = ", ".join(keywords)
    if data["@type"] == "Review" and film is not None:
        movie: dict[str, Any] = {"@type": "Movie", "name": film.title}
        if film.directors:
            movie["director"] = [{"@type": "Person", "name": name} for name in film.directors]
        if film.year:
            movie["dateCreated"] = str(film.year)
        if film.url:
            movie["sameAs"] = film.url
        data["itemReviewed"] = movie
        if stars:
            data["reviewRating"] = {
                "@type": "Rating",
                "ratingValue": stars,
                "bestRating": 5,
                "worstRating": 1,
            }
    return data
