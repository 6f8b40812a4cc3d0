"""A feed polled without validators (as Google's fetcher polls) is served from the bytes stored
for its ETag, shared by every app server through the database, and rebuilt once it changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coverage import create_app
from coverage.calendars import feeds
from coverage.calendars.models import FeedBody
from coverage.extensions import db
from coverage.programme.models import Film
from tests.calendars.helpers import feed_path, icalendar_events, move_screening, parse_icalendar
from tests.conftest import count_statements


def _no_builds(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the feed was built again")

    for name in ("festival_feed", "personal_feed", "desk_feed"):
        monkeypatch.setattr(feeds, name, refuse)


def test_a_repeat_request_without_validators_is_served_from_the_stored_bytes(
    app, client, festival_feed, monkeypatch
):
    url = feed_path(festival_feed)
    first = client.get(url)
    assert first.status_code == 200

    _no_builds(monkeypatch)
    statements, again = count_statements(app, lambda: client.get(url))

    assert again.status_code == 200
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    # The token, the fingerprint, the feed state and the stored body: nothing is built.
    assert statements <= 6


def test_a_change_is_served_at_once_and_stored_in_place_of_the_old_bytes(
    app, client, programme, festival_feed
):
    url = feed_path(festival_feed)
    first = client.get(url)
    move_screening(app, programme["press"], timedelta(hours=2))

    moved = client.get(url)

    assert moved.headers["ETag"] != first.headers["ETag"]
    assert moved.data != first.data
    events = icalendar_events(moved.data)
    assert len(events) == len(icalendar_events(first.data))
    with app.app_context():
        rows = db.session.execute(select(FeedBody.etag, FeedBody.body)).all()
    assert rows == [(moved.headers["ETag"], moved.data)]
    assert client.get(url).data == moved.data


def test_a_film_renamed_reaches_the_feed_polled_without_validators(
    app, client, programme, festival_feed
):
    url = feed_path(festival_feed)
    client.get(url)
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.title = "Red Rocket (restored)"
        db.session.commit()

    body = client.get(url).data

    summaries = [str(e.get("summary")) for e in parse_icalendar(body).walk("VEVENT")]
    assert summaries and all("Red Rocket (restored)" in s for s in summaries)


def test_every_app_server_shares_the_stored_bytes(app, client, festival_feed, monkeypatch):
    url = feed_path(festival_feed)
    first = client.get(url)
    # A second app server: another app object over the same database, nothing in memory shared.
    other = create_app(app.config.copy())

    _no_builds(monkeypatch)
    response = other.test_client().get(url)

    assert response.status_code == 200 and response.data == first.data


@pytest.mark.parametrize("kind", ["personal", "desk"])
def test_the_other_feeds_are_stored_too(app, client, users, programme, kind, monkeypatch):
    from tests.calendars.helpers import assign_piece, issue, soon

    assign_piece(
        app,
        programme["piece"],
        users["writer"],
        screening_id=programme["press"],
        due_at=soon(),
    )
    who = users["writer"] if kind == "personal" else users["editor"]
    festival_id = None if kind == "personal" else programme["festival"]
    url = feed_path(issue(app, who, kind, festival_id))
    first = client.get(url)
    assert first.status_code == 200

    _no_builds(monkeypatch)
    assert client.get(url).data == first.data
