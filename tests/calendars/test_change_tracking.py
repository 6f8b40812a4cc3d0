"""Edges of change tracking: cancelled attended screenings, publication events that follow the
programme, weak validators, and query counts of the piece feeds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from coverage.extensions import db
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme import services as programme_services
from coverage.programme.kinds import EmbargoRule, ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FilmFields
from tests.calendars.helpers import (
    as_utc,
    assign_piece,
    count_statements,
    feed_path,
    ical_events,
    icalendar_events,
    issue,
    post_confirmed,
)

DOMAIN = "festival-coverage.local"
DUE = datetime(2021, 10, 9, 10, 10, tzinfo=UTC)


def test_a_cancelled_screening_to_attend_is_cancelled_in_the_personal_feed(
    app, client, users, login, programme
):
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    secret = issue(app, users["writer"], "personal")
    attend = f"piece-{programme['piece']}-screening-{programme['press']}@{DOMAIN}"
    first = client.get(feed_path(secret))
    before = ical_events(first.data)[attend]
    login("editor")
    page = f"/festivals/{programme['slug']}/days/2021-10-08"
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}/cancel"
    assert post_confirmed(client, url, page).status_code == 302
    client.post_form("/logout")
    response = client.get(feed_path(secret), headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    after = ical_events(response.data)[attend]
    assert str(icalendar_events(response.data)[attend]["STATUS"]) == "CANCELLED"
    assert after.sequence > before.sequence


def test_the_feed_url_answers_get_only(client, festival_feed):
    assert client.post(feed_path(festival_feed)).status_code == 405
    assert client.put(feed_path(festival_feed)).status_code == 405
    assert client.head(feed_path(festival_feed)).status_code == 200


def test_a_weak_copy_of_the_etag_is_still_a_match(client, festival_feed):
    etag = client.get(feed_path(festival_feed)).headers["ETag"]
    response = client.get(feed_path(festival_feed), headers={"If-None-Match": f"W/{etag}"})
    assert response.status_code == 304


def _scheduled_review(app, programme, rule: EmbargoRule, **film_fields) -> int:
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = rule
        for name, value in film_fields.items():
            setattr(film, name, value)
        piece = db.session.get(Piece, programme["piece"])
        piece.state = PieceState.SCHEDULED
        piece.headline = "Red Rocket, reviewed"
        piece.body = "Words."
        db.session.commit()
        return piece.id


def _publication(client, secret: str, piece_id: int):
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    return ical_events(response.data)[f"piece-{piece_id}-publication@{DOMAIN}"]


def _film_fields(film: Film, **changes) -> FilmFields:
    fields = {
        "title": film.title,
        "directors": film.directors,
        "runtime_minutes": film.runtime_minutes,
        "embargo_rule": film.embargo_rule,
        "embargo_at": film.embargo_at,
        "embargo_offset_minutes": film.embargo_offset_minutes,
    }
    fields.update(changes)
    return FilmFields(**fields)


def test_a_fixed_embargo_that_moves_moves_the_publication_with_a_higher_sequence(
    app, client, users, programme
):
    embargo = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    piece_id = _scheduled_review(app, programme, EmbargoRule.FIXED, embargo_at=embargo)
    secret = issue(app, users["editor"], "desk", programme["festival"])
    before = _publication(client, secret, piece_id)
    assert as_utc(before.dtstart) == embargo
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        programme_services.update_film(
            film, _film_fields(film, embargo_at=embargo + timedelta(days=1))
        )
        db.session.commit()
    after = _publication(client, secret, piece_id)
    assert as_utc(after.dtstart) == embargo + timedelta(days=1)
    assert after.sequence > before.sequence


def test_a_moved_embargo_gives_the_publication_a_new_last_modified(app, client, users, programme):
    embargo = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    piece_id = _scheduled_review(app, programme, EmbargoRule.FIXED, embargo_at=embargo)
    secret = issue(app, users["editor"], "desk", programme["festival"])
    before = _publication(client, secret, piece_id)
    time.sleep(1.1)  # so the change is in a later second than the piece's last change
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        programme_services.update_film(
            film, _film_fields(film, embargo_at=embargo + timedelta(days=1))
        )
        db.session.commit()
        changed = db.session.get(Film, programme["film"]).updated_at.replace(microsecond=0)
    after = _publication(client, secret, piece_id)
    assert as_utc(after.last_modified) > as_utc(before.last_modified)
    assert as_utc(after.last_modified) >= changed


def test_the_publication_sequence_never_falls_when_a_screening_is_deleted(
    app, client, users, programme
):
    piece_id = _scheduled_review(app, programme, EmbargoRule.FIRST_PUBLIC_SCREENING)
    with app.app_context():
        public = db.session.get(Screening, programme["public"])
        later = programme_services.create_screening(
            public.festival,
            programme_services.ScreeningFields(
                film_id=public.film_id,
                venue_id=public.venue_id,
                starts_at=datetime(2021, 10, 12, 17, 0, tzinfo=UTC),
                kind=ScreeningKind.PUBLIC,
            ),
        )
        # The first public screening moves a day later (its SEQUENCE becomes 1) ...
        programme_services.update_screening(
            public,
            programme_services.ScreeningFields(
                film_id=public.film_id,
                venue_id=public.venue_id,
                starts_at=public.starts_at + timedelta(days=1),
                kind=public.kind,
            ),
        )
        db.session.commit()
        assert later.id
    secret = issue(app, users["editor"], "desk", programme["festival"])
    before = _publication(client, secret, piece_id)
    assert as_utc(before.dtstart) == datetime(2021, 10, 11, 17, 30, tzinfo=UTC)
    with app.app_context():
        # ... then is dropped: the embargo now lifts with the 12 October screening.
        programme_services.delete_screening(db.session.get(Screening, programme["public"]))
        db.session.commit()
    after = _publication(client, secret, piece_id)
    assert as_utc(after.dtstart) == datetime(2021, 10, 12, 17, 0, tzinfo=UTC)
    assert after.sequence > before.sequence, (before.sequence, after.sequence)


def _add_pieces(app, programme, writer_id: int, count: int) -> None:
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        for n in range(count):
            new_film = programme_services.create_film(
                film.festival, FilmFields(title=f"Film {n}-{count}", runtime_minutes=90)
            )
            screening = programme_services.create_screening(
                film.festival,
                programme_services.ScreeningFields(
                    film_id=new_film.id,
                    venue_id=programme["nft1"],
                    starts_at=datetime(2021, 10, 7, 8, 0, tzinfo=UTC) + timedelta(hours=n),
                    kind=ScreeningKind.PRESS,
                ),
            )
            db.session.add(
                Piece(
                    festival_id=programme["festival"],
                    film_id=new_film.id,
                    kind=PieceKind.REVIEW,
                    state=PieceState.ASSIGNED,
                    writer_id=writer_id,
                    screening_id=screening.id,
                    due_at=DUE + timedelta(hours=n),
                    slot_starts_at=DUE + timedelta(hours=n, minutes=30),
                    slot_ends_at=DUE + timedelta(hours=n, minutes=50),
                    slot_place="Lobby",
                )
            )
        db.session.commit()


@pytest.mark.parametrize("kind", ["personal", "desk"])
def test_the_piece_feeds_run_a_constant_number_of_queries(app, client, users, programme, kind):
    owner = users["editor"]
    secret = issue(app, owner, kind, programme["festival"] if kind == "desk" else None)
    # The install's first feed stores its UID domain (once ever): not part of what is measured.
    client.get(feed_path(secret))
    _add_pieces(app, programme, owner, 2)
    few, response = count_statements(app, lambda: client.get(feed_path(secret)))
    assert response.status_code == 200
    small = len(ical_events(response.data))
    _add_pieces(app, programme, owner, 25)
    many, response = count_statements(app, lambda: client.get(feed_path(secret)))
    assert response.status_code == 200
    assert len(ical_events(response.data)) > small
    assert many == few, (few, many)
    # Reads: token, fingerprint (2), feed state, stored body, pieces, interviewees (the desk's
    # also its films' screenings); writes: the feed state and the stored body.
    assert many <= 10, many
