"""/sitemap.xml (sitemaps.org 0.9): the index, hubs with live coverage and every live piece."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceState
from coverage.pieces.workflow import Action
from coverage.public.feed_views import build_sitemap
from coverage.timeutil import utcnow
from tests.conftest import count_page_queries
from tests.public.conftest import PUBLISHED_AT, piece_row, second_festival, set_film_embargo

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://coverage.test"
INDEX = f"{BASE}/film-festivals/"
HUB = f"{BASE}/film-festivals/test-festival-2021/"
REVIEW = f"{HUB}red-rocket-review"


def read_sitemap(client, **kwargs) -> dict[str, datetime | None]:
    """{loc: lastmod} in document order."""
    response = client.get("/sitemap.xml", **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    urls = {}
    for url in root.findall("s:url", NS):
        lastmod = url.findtext("s:lastmod", namespaces=NS)
        urls[url.findtext("s:loc", namespaces=NS)] = (
            datetime.fromisoformat(lastmod) if lastmod else None
        )
    return urls


def test_sitemap_lists_the_index_hubs_with_coverage_and_live_pieces_with_lastmod(
    app, client, publish
):
    second_festival(app)  # a festival without coverage: no hub in the sitemap
    publish()
    publish(headline="Test Festival 2021: Red Rocket, again", at=PUBLISHED_AT + timedelta(days=2))

    urls = read_sitemap(client)

    assert list(urls) == [INDEX, HUB, f"{HUB}red-rocket-again", REVIEW]
    newest = PUBLISHED_AT + timedelta(days=2)
    assert urls == {
        INDEX: newest,
        HUB: newest,
        f"{HUB}red-rocket-again": newest,
        REVIEW: PUBLISHED_AT,
    }
    assert all(lastmod.tzinfo is not None for lastmod in urls.values())


def test_sitemap_lastmod_follows_a_republished_correction(app, client, users, publish):
    from coverage.drafts import services as drafts

    piece_id = publish()
    corrected_at = PUBLISHED_AT + timedelta(days=5)
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        pieces.transition(piece, editor, Action.CORRECT, corrected_at)
        text = drafts.Text(piece.headline, "A new standfirst.", piece.body, piece.star_rating)
        drafts.save_draft(piece, editor, text, base_version=piece.version, now=corrected_at)
        pieces.transition(piece, editor, Action.APPROVE, corrected_at)
        pieces.transition(piece, editor, Action.PUBLISH, corrected_at)
        db.session.commit()

    urls = read_sitemap(client)

    assert urls[REVIEW] == urls[HUB] == urls[INDEX] == corrected_at


def test_sitemap_with_no_live_coverage_holds_the_index_alone(client, programme):
    assert read_sitemap(client) == {INDEX: None}


def test_withdrawn_and_embargoed_pieces_are_not_in_the_sitemap(
    app, client, users, programme, publish
):
    withdrawn = publish(headline="Test Festival 2021: Withdrawn")
    publish()
    with app.app_context():
        piece = pieces.get_piece(withdrawn)
        pieces.transition(
            piece, db.session.get(User, users["editor"]), Action.WITHDRAW, utcnow(), note="Legal"
        )
        db.session.commit()

    assert list(read_sitemap(client)) == [INDEX, HUB, REVIEW]

    set_film_embargo(app, programme["film"], utcnow() + timedelta(days=1))
    assert list(read_sitemap(client)) == [INDEX]

    set_film_embargo(app, programme["film"], utcnow() - timedelta(minutes=1))
    assert list(read_sitemap(client)) == [INDEX, HUB, REVIEW]


def test_scheduled_piece_enters_the_sitemap_once_published(app, client, programme, publish):
    set_film_embargo(app, programme["film"], PUBLISHED_AT + timedelta(hours=6))
    piece_id = publish()
    assert piece_row(app, piece_id).state is PieceState.SCHEDULED
    assert list(read_sitemap(client)) == [INDEX]

    with app.app_context():
        pieces.publish_due(utcnow())
        db.session.commit()

    assert list(read_sitemap(client)) == [INDEX, HUB, REVIEW]


def test_unchanged_sitemap_answers_304_to_its_etag(client, publish, built_seconds_later):
    publish()
    first = client.get("/sitemap.xml")

    assert first.headers["Last-Modified"]
    assert client.get("/sitemap.xml").data == first.data
    cached = client.get("/sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304


def test_sitemap_escapes_what_it_writes():
    body = build_sitemap(
        [("https://example.com/a?b=1&c=<2>", datetime(2021, 10, 12, 10, 0, 0, 500, tzinfo=UTC))]
    )

    assert b"&amp;c=&lt;2&gt;" in body
    url = ET.fromstring(body).find("s:url", NS)
    assert url.findtext("s:loc", namespaces=NS) == "https://example.com/a?b=1&c=<2>"
    assert url.findtext("s:lastmod", namespaces=NS) == "2021-10-12T10:00:00+00:00"


def test_sitemap_queries_do_not_grow_with_the_number_of_pieces(app, client, publish):
    publish()
    one = count_page_queries(app, client, "/sitemap.xml")
    for hour in range(1, 6):
        publish(at=PUBLISHED_AT + timedelta(hours=hour), headline=f"Red Rocket, take {hour}")

    assert count_page_queries(app, client, "/sitemap.xml") == one
    assert len(read_sitemap(client)) == 8
