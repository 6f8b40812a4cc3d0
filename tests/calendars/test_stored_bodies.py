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
from tests.conftest import count_statements, forget_built_pages, recorded_statements


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
    # The token, the fingerprint and the feed state; the bytes are this server's copy.
    assert statements == 3


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
    statements, response = recorded_statements(other, lambda: other.test_client().get(url))

    assert response.status_code == 200 and response.data == first.data
    # It has no copy of its own yet: it reads the one in the database, then keeps it.
    assert sum("FROM calendar_feed_bodies" in statement for statement in statements) == 1
    statements, again = recorded_statements(other, lambda: other.test_client().get(url))
    assert again.data == first.data
    assert not any("calendar_feed_bodies" in statement for statement in statements)


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


def _another_server_inserts_first(app, table: str, row: dict) -> list[str]:
    """Just before this request's INSERT into `table`, another server (another connection)
    commits `row` there: the race of two app servers serving a feed's first request. Returns
    the list the hook appends the table to when it fired."""
    from sqlalchemy import event, insert

    fired: list[str] = []
    target = db.metadata.tables[table]

    def before(connection, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            return
        fired.append(table)
        with connection.engine.connect() as other:
            other.execute(insert(target).values(**row))
            other.commit()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
    return fired


def test_two_servers_serving_a_feeds_first_request_at_once_both_answer_it(
    app, client, festival_feed
):
    from datetime import UTC, datetime

    from coverage.calendars.models import FeedState

    url = feed_path(festival_feed)
    scope = _scope_of(app, client, url)
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    fired = _another_server_inserts_first(
        app, "calendar_feed_states", {"scope": scope, "etag": '"other"', "last_modified": earlier}
    )

    response = client.get(url)

    assert fired == ["calendar_feed_states"]
    assert response.status_code == 200
    assert icalendar_events(response.data)
    with app.app_context():
        # The other server's row stands; the next request brings it up to date.
        assert db.session.get(FeedState, scope).etag == '"other"'
    again = client.get(url)
    assert again.status_code == 200 and again.data == response.data
    with app.app_context():
        assert db.session.get(FeedState, scope).etag == again.headers["ETag"]


def test_two_servers_storing_a_feeds_first_body_at_once_keep_one(
    app, client, festival_feed, database_backend
):
    from datetime import UTC, datetime

    if database_backend == "sqlite":
        pytest.skip("on SQLite the UPDATE before the INSERT holds the write lock: no race")
    url = feed_path(festival_feed)
    scope = _scope_of(app, client, url)
    fired = _another_server_inserts_first(
        app,
        "calendar_feed_bodies",
        {"scope": scope, "etag": '"other"', "body": b"theirs", "built_at": datetime.now(UTC)},
    )

    response = client.get(url)

    assert fired == ["calendar_feed_bodies"]
    assert response.status_code == 200 and icalendar_events(response.data)
    with app.app_context():
        assert db.session.execute(select(FeedBody.scope)).scalars().all() == [scope]


def _scope_of(app, client, url: str) -> str:
    """The scope the feed at `url` is kept under: served once, then its rows and this server's
    copy removed, so the next request is the feed's first again."""
    from sqlalchemy import delete

    from coverage.calendars.models import FeedState

    assert client.get(url).status_code == 200
    with app.app_context():
        scope = db.session.scalars(select(FeedState.scope)).one()
        db.session.execute(delete(FeedBody))
        db.session.execute(delete(FeedState))
        db.session.commit()
    forget_built_pages(app)  # and this server's copy of the body
    return scope


def test_a_304_costs_three_queries_the_token_the_fingerprint_and_the_feed_state(
    app, client, festival_feed
):
    url = feed_path(festival_feed)
    etag = client.get(url).headers["ETag"]

    statements, response = count_statements(
        app, lambda: client.get(url, headers={"If-None-Match": etag})
    )

    assert response.status_code == 304
    assert statements == 3


def _writer_due(app, users, programme) -> None:
    from datetime import UTC, datetime

    from tests.calendars.helpers import assign_piece

    assign_piece(
        app,
        programme["piece"],
        users["writer"],
        screening_id=programme["press"],
        due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
    )


def test_a_personal_feed_follows_its_festivals_new_name_and_time_zone(
    app, client, users, programme, login
):
    """The writer's events name the festival and keep its time zone; the festival's edit form
    changes both. Served again, and by a second server, the stored bytes are not."""
    from tests.calendars.helpers import issue

    _writer_due(app, users, programme)
    url = feed_path(issue(app, users["writer"], "personal"))
    first = app.test_client().get(url)
    assert b"Test Festival 2021" in first.data and b"TZID=Europe/London" in first.data

    login("editor")
    edit = f"/festivals/{programme['slug']}/edit"
    form = {
        "name": "Thames Festival",
        "edition": "2021",
        "timezone": "America/Toronto",
        "start_date": "2021-10-06",
        "end_date": "2021-10-17",
        "slug": programme["slug"],
        "city": "London",
        "travel_buffer_minutes": "15",
        "default_embargo": "none",
    }
    assert client.post_form(edit, form, page=edit).status_code == 302

    for server in (app, create_app(app.config.copy())):
        body = server.test_client().get(url).data
        assert b"Thames Festival 2021" in body and b"Test Festival 2021" not in body
        assert b"TZID=America/Toronto" in body and b"TZID=Europe/London" not in body


def test_a_desk_feed_follows_a_writer_renamed(app, client, users, programme):
    """The desk's events name the writer: a rename reaches the stored feed."""
    from coverage.accounts.models import User
    from tests.calendars.helpers import issue

    _writer_due(app, users, programme)
    url = feed_path(issue(app, users["editor"], "desk", programme["festival"]))
    assert b"(Wyn Writer)" in client.get(url).data
    with app.app_context():
        db.session.get(User, users["writer"]).name = "Wyn Critic"
        db.session.commit()

    body = client.get(url).data
    assert b"(Wyn Critic)" in body and b"Wyn Writer" not in body
