"""The public site at desk scale: every public page and feed in the same few queries whatever
the number of pieces and festivals, and Last-Modified still counting the embargoes that lift.

A desk keeps years of festivals; the public lists must not read more statements (nor whole
pieces) as it grows. The "many" side inserts 600 published pieces directly: more than one
batch of an eager load (500), so a count that grows with the pieces shows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import insert

from coverage.accounts.models import User
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FestivalFields
from coverage.timeutil import utcnow
from tests.conftest import count_page_queries, recorded_statements
from tests.public.conftest import PUBLISHED_AT, backdate_changes

HUB = "/film-festivals/test-festival-2021/"
RED_ROCKET = HUB + "red-rocket-review"
PAGES = (
    "/film-festivals/",
    HUB,
    RED_ROCKET,
    "/film-festivals/feed.atom",
    HUB + "feed.atom",
    "/sitemap.xml",
)
MOST_QUERIES = 15


def bulk_publish(app, users, festival_id: int, count: int, *, film_id: int | None = None):
    """`count` pieces published in the 2022 festival season, inserted as publishing leaves
    them (state, dates, live revision 1, slug), without the workflow: a desk's years."""
    start = datetime(2022, 2, 1, 9, 0, tzinfo=UTC)
    with app.app_context():
        writer = db.session.get(User, users["writer"])
        pieces = []
        for n in range(count):
            at = start + timedelta(hours=n)
            pieces.append(
                Piece(
                    kind=PieceKind.REVIEW if n % 3 else PieceKind.INTERVIEW,
                    festival_id=festival_id,
                    film_id=film_id,
                    writer_id=writer.id,
                    state=PieceState.PUBLISHED,
                    published_at=at,
                    first_published_at=at,
                    published_revision_number=1,
                    headline=f"Archive piece {n}",
                    slug=f"archive-piece-{n}",
                    body="Long copy. " * 300,
                    created_at=at - timedelta(days=1),
                    updated_at=at,
                )
            )
        db.session.add_all(pieces)
        db.session.flush()
        revisions = [
            {
                "piece_id": piece.id,
                "number": 1,
                "note": "Published",
                "headline": piece.headline,
                "standfirst": "From the archive.",
                "body": piece.body,
                "star_rating": 3,
                "created_at": piece.published_at,
            }
            for piece in pieces
        ]
        db.session.execute(insert(Revision), revisions)
        db.session.commit()


def another_festival(app, name: str, year: int) -> int:
    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name=name,
                edition=year,
                timezone="America/Toronto",
                start_date=date(year, 2, 1),
                end_date=date(year, 2, 12),
            )
        )
        db.session.commit()
        return festival.id


def counts(app, client) -> dict[str, int]:
    return {url: count_page_queries(app, client, url) for url in PAGES}


def test_every_public_page_runs_the_same_few_queries_for_two_pieces_or_six_hundred(
    app, client, users, programme, publish
):
    publish()
    publish(headline="Test Festival 2021: Red Rocket, again | Review", at=PUBLISHED_AT)
    client.get(PAGES[3])  # the install's first feed stores its UID domain, once ever
    few = counts(app, client)

    # Years more of the desk: two more festivals, hundreds of pieces, one held by its embargo.
    for name, year in (("Winter Festival", 2022), ("Spring Festival", 2023)):
        bulk_publish(app, users, another_festival(app, name, year), 300)
    held = publish(headline="Held back", at=PUBLISHED_AT + timedelta(hours=1))
    with app.app_context():  # the desk holds this one back again, on its own
        db.session.get(Piece, held).embargo_at = utcnow() + timedelta(days=1)
        db.session.commit()
    many = counts(app, client)

    index = client.get("/film-festivals/").get_data(as_text=True)
    assert "300 pieces" in index and "Held back" not in index
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert sitemap.count("<url>") == 1 + 3 + 2 + 600
    assert many == few
    assert max(many.values()) <= MOST_QUERIES, many


def test_lists_read_no_piece_bodies(app, client, users, programme, publish):
    publish()
    bulk_publish(app, users, programme["festival"], 3)

    def visit_lists() -> None:
        for url in ("/film-festivals/", HUB, "/sitemap.xml"):
            assert client.get(url).status_code == 200

    statements, _ = recorded_statements(app, visit_lists)
    assert not [s for s in statements if "pieces.body" in s or "revisions.body" in s]


def last_modified(client, url: str) -> datetime:
    response = client.get(url)
    assert response.status_code == 200, url
    return parsedate_to_datetime(response.headers["Last-Modified"])


def wait_for_screening(app, programme, starts_at: datetime, offset_minutes: int) -> None:
    """The film's embargo waits for its first public screening (moved to `starts_at`) plus
    `offset_minutes`; then the desk's other dates are set back to the publication."""
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        film.embargo_offset_minutes = offset_minutes
        screening = db.session.get(Screening, programme["public"])
        screening.starts_at, screening.ends_at = starts_at, starts_at + timedelta(hours=2)
        db.session.commit()
    backdate_changes(app, PUBLISHED_AT)


@pytest.mark.parametrize(
    "ago",
    [timedelta(hours=2), timedelta(days=30)],
    ids=["lifted-this-morning", "lifted-last-month"],
)
def test_last_modified_of_every_page_is_when_the_embargo_lifted(
    app, client, programme, publish, ago
):
    """A review went out, then its film's premiere moved later: readers saw it again when the
    new first public screening plus the embargo's offset had passed, which is when every page
    listing it changed, long after it was published."""
    publish()
    screening = (utcnow() - ago).replace(microsecond=0)
    wait_for_screening(app, programme, screening, 30)

    lifted = screening + timedelta(minutes=30)
    for url in PAGES:
        assert last_modified(client, url) == lifted, url


def test_a_piece_is_off_every_page_until_the_moved_premiere_and_its_offset_have_passed(
    app, client, programme, publish
):
    publish()
    wait_for_screening(app, programme, utcnow() - timedelta(minutes=10), 30)

    for url in PAGES[:2] + PAGES[3:]:
        assert "red-rocket" not in client.get(url).get_data(as_text=True), url
    assert client.get(RED_ROCKET).status_code == 404
