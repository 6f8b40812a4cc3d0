"""The longest text each field takes, in characters: one table for the models' column sizes,
the web forms' `Length` validators, the API's schemas (and so the OpenAPI document) and the
README. A value over its maximum is refused with an error naming the field, never truncated.

Pure: no Flask, no database.
"""

from __future__ import annotations

from typing import Final

from coverage.errors import InvalidInput

# Accounts
EMAIL: Final = 254  # RFC 5321's longest forward path
PERSON_NAME: Final = 120
API_TOKEN_LABEL: Final = 80
PASSWORD: Final = 200  # long passphrases welcome; a cap keeps hashing bounded

# Festivals and venues
FESTIVAL_NAME: Final = 200
FESTIVAL_SLUG: Final = 120
TIMEZONE: Final = 64  # IANA names are at most 30-odd characters; the column holds 64
CITY: Final = 120
ORGANISER: Final = 200
WEBSITE: Final = 500
VENUE_NAME: Final = 200
VENUE_ADDRESS: Final = 1_000

# Programme
FILM_TITLE: Final = 300
DIRECTORS: Final = 500
COUNTRIES: Final = 300
SECTION: Final = 200
URL: Final = 500
SYNOPSIS: Final = 10_000
SCREENING_NOTES: Final = 5_000
PERSON_NOTES: Final = 5_000

# Pieces and drafts
HEADLINE: Final = 300
STANDFIRST: Final = 1_000
PULL_QUOTE: Final = 200  # the house-style headline (at most 300) quotes it whole
# About 30,000 words: longer than any festival piece, small enough to diff and render at once.
BODY: Final = 200_000
REVISION_NOTE: Final = 200
SLOT_PLACE: Final = 300
INTERVIEWEES: Final = 2_000  # "Name, role", one a line
DECLINE_REASON: Final = 2_000
TRANSITION_NOTE: Final = 5_000
COMMENT: Final = 10_000


def check_length(value: str | None, maximum: int, field: str, label: str | None = None) -> None:
    """Raise InvalidInput naming `field` when `value` is longer than `maximum` characters."""
    if value is not None and len(value) > maximum:
        name = label or field.replace("_", " ").capitalize()
        raise InvalidInput(
            f"{name} is too long: {len(value):,} characters, at most {maximum:,}.", field=field
        )
