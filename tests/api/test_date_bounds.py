"""Dates and times are range-checked where they enter: a year typed wrong is refused naming the
field, a failed request stores nothing, and a bad row stored earlier never takes a page down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coverage.extensions import db
from coverage.pieces.models import Piece
from coverage.programme.models import Screening
from tests.calendars.helpers import feed_path, issue


def screening_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Screening))


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z", "2031-10-10T18:30:00+01:00"],
)
def test_a_screening_far_from_its_festival_is_refused_and_nothing_is_stored(
    app, client, programme, editor, starts_at
):
    before = screening_count(app)
    response = client.post(
        f"/api/v1/festivals/{programme['slug']}/screenings",
        json={"film_id": programme["film"], "venue_id": programme["nft1"], "starts_at": starts_at},
        headers=editor,
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][0]["field"] == "starts_at"
    assert screening_count(app) == before
    listed = client.get(f"/api/v1/festivals/{programme['slug']}/screenings", headers=editor)
    assert listed.status_code == 200


def test_a_deadline_in_year_one_is_refused_on_the_assign_form(app, client, users, login, programme):
    login("editor")
    response = client.post_form(
        f"/pieces/{programme['piece']}/assign",
        {"writer_id": users["writer"], "due_at": "0001-01-01T12:00", "screening_id": ""},
        page=f"/pieces/{programme['piece']}/assign",
    )
    assert response.status_code == 422
    assert "check the year" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Piece, programme["piece"]).due_at is None
    secret = issue(app, users["editor"], "desk", programme["festival"])
    assert client.get(feed_path(secret)).status_code == 200


def test_a_bad_instant_stored_before_the_checks_never_takes_a_page_down(
    app, client, users, login, programme
):
    with app.app_context():
        screening = db.session.get(Screening, programme["press"])
        screening.starts_at = datetime(1, 1, 1, 0, 0, tzinfo=UTC)
        db.session.commit()
    login("editor")
    slug = programme["slug"]
    for url in (
        f"/festivals/{slug}",
        f"/festivals/{slug}/films/{programme['film']}",
        f"/festivals/{slug}/screenings/{programme['press']}/edit",
        f"/festivals/{slug}/coverage",
    ):
        assert client.get(url).status_code == 200, url
    secret = issue(app, users["editor"], "festival", programme["festival"])
    assert client.get(feed_path(secret)).status_code == 200


def test_a_publication_time_years_after_the_festival_is_accepted(
    app, client, programme, editor, users
):
    from tests.api.test_pieces_api import patch, piece_url

    response = patch(
        client, piece_url(programme), {"publish_at": "2026-12-01T09:00:00+00:00"}, editor
    )
    assert response.status_code == 200, response.get_json()
    refused = patch(client, piece_url(programme), {"due_at": "2026-12-01T09:00:00+00:00"}, editor)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "due_at"
