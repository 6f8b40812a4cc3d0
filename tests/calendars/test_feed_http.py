"""Feeds over HTTP: headers, conditional GETs answered cheaply, and tolerant content negotiation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from coverage.extensions import db
from coverage.festivals.models import Venue
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from tests.calendars.helpers import (
    CALENDAR_TYPE,
    count_statements,
    feed_path,
    issue,
    parse_ical,
    parse_icalendar,
)


def test_headers_of_a_token_feed(client, festival_feed):
    response = client.get(feed_path(festival_feed))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    disposition = response.headers["Content-Disposition"]
    assert "filename=" in disposition and '.ics"' in disposition
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert last_modified.tzinfo is not None
    assert "private" in response.headers["Cache-Control"]


def test_if_none_match_with_the_etag_is_a_304_with_an_empty_body(client, festival_feed):
    first = client.get(feed_path(festival_feed))
    response = client.get(
        feed_path(festival_feed), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == first.headers["ETag"]
    # Another ETag gets the full calendar.
    other = client.get(feed_path(festival_feed), headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.data == first.data


def test_the_etag_changes_when_a_screening_moves(app, client, programme, festival_feed):
    first = client.get(feed_path(festival_feed))
    with app.app_context():
        screening = db.session.get(Screening, programme["press"])
        screening.starts_at += timedelta(hours=1)
        screening.ends_at += timedelta(hours=1)
        screening.sequence += 1
        db.session.commit()
    response = client.get(
        feed_path(festival_feed), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert response.status_code == 200
    assert response.headers["ETag"] != first.headers["ETag"]


def _add_screenings(app, programme, count: int, batch: str) -> None:
    with app.app_context():
        venue = Venue(festival_id=programme["festival"], name=f"Screen {batch}", address="x")
        films = [
            Film(festival_id=programme["festival"], title=f"Film {batch}{n}") for n in range(count)
        ]
        db.session.add_all([venue, *films])
        db.session.flush()
        base = datetime(2021, 10, 7, 9, 0, tzinfo=UTC)
        db.session.add_all(
            Screening(
                festival_id=programme["festival"],
                film_id=film.id,
                venue_id=venue.id,
                starts_at=base + timedelta(hours=n),
                ends_at=base + timedelta(hours=n, minutes=90),
                kind=ScreeningKind.PUBLIC,
            )
            for n, film in enumerate(films)
        )
        db.session.commit()


def test_the_304_path_runs_fewer_queries_than_a_build_and_does_not_grow(
    app, client, programme, festival_feed
):
    _add_screenings(app, programme, 1, "A")  # 3 screenings
    url = feed_path(festival_feed)
    full, response = count_statements(app, lambda: client.get(url))
    assert response.status_code == 200
    etag = {"If-None-Match": response.headers["ETag"]}
    cheap, response = count_statements(app, lambda: client.get(url, headers=etag))
    assert response.status_code == 304
    assert cheap < full, (cheap, full)

    _add_screenings(app, programme, 57, "B")  # 60 screenings
    response = client.get(url)
    assert len(parse_icalendar(response.data).walk("VEVENT")) == 60
    etag = {"If-None-Match": response.headers["ETag"]}
    cheap_many, response = count_statements(app, lambda: client.get(url, headers=etag))
    assert response.status_code == 304
    assert cheap_many == cheap, (cheap, cheap_many)


def test_if_modified_since_at_or_after_last_modified_is_a_304(client, festival_feed):
    first = client.get(feed_path(festival_feed))
    last_modified = parsedate_to_datetime(first.headers["Last-Modified"])
    for since in (last_modified, last_modified + timedelta(days=1)):
        response = client.get(
            feed_path(festival_feed),
            headers={"If-Modified-Since": format_datetime(since, usegmt=True)},
        )
        assert response.status_code == 304, since
        assert response.data == b""
    earlier = format_datetime(last_modified - timedelta(seconds=1), usegmt=True)
    response = client.get(feed_path(festival_feed), headers={"If-Modified-Since": earlier})
    assert response.status_code == 200


def test_token_feeds_of_every_kind_are_private(app, client, users, programme):
    for kind, festival in (("festival", programme["festival"]), ("personal", None)):
        response = client.get(feed_path(issue(app, users["writer"], kind, festival)))
        assert response.status_code == 200
        assert "private" in response.headers["Cache-Control"], kind
        assert response.headers["Content-Type"] == CALENDAR_TYPE
    desk = client.get(feed_path(issue(app, users["editor"], "desk", programme["festival"])))
    assert desk.status_code == 200
    assert "private" in desk.headers["Cache-Control"]
    assert desk.headers["Content-Type"] == CALENDAR_TYPE


def test_accept_headers_still_get_the_calendar(client, festival_feed):
    for accept in ("application/json", "text/html", "text/html,application/xhtml+xml;q=0.9"):
        response = client.get(feed_path(festival_feed), headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["Content-Type"] == CALENDAR_TYPE
        assert response.data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_google_calendar_importer_gets_the_calendar(client, festival_feed):
    response = client.get(
        feed_path(festival_feed),
        headers={"User-Agent": "Google-Calendar-Importer", "Accept": "*/*"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert len(parse_ical(response.data).events) == 2


def test_a_revoked_tokens_url_is_a_404(app, client, users, login, programme, festival_feed):
    from coverage.calendars.models import FeedToken

    assert client.get(feed_path(festival_feed)).status_code == 200
    login("editor")
    with app.app_context():
        token_id = db.session.query(FeedToken.id).scalar()
    response = client.post_form(f"/account/feeds/{token_id}/revoke", {})
    assert response.status_code == 302
    client.post_form("/logout")
    response = client.get(feed_path(festival_feed))
    assert response.status_code == 404
    assert response.headers["Content-Type"] != CALENDAR_TYPE
