"""Text is normalised where it enters: no NUL byte ever reaches the database, single-line fields
(names, titles, headlines) lose control characters, and nothing stored can break a page or feed."""

from __future__ import annotations

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.models import Piece
from coverage.programme.models import Film
from coverage.textclean import clean_line, clean_multiline
from tests.calendars.helpers import feed_path, issue, parse_ical, parse_icalendar


@pytest.mark.parametrize(
    "raw,line",
    [
        ("Red\nRocket", "Red Rocket"),
        ("Red\r\nRocket", "Red Rocket"),
        ("Red\x00Rocket", "Red Rocket"),
        ("Tab\tseparated", "Tab separated"),
        ("Line\u2028separator", "Line separator"),
        ("C1\x85control", "C1 control"),
        ("Ame\u0301lie", "Amélie"),
        ("  kept as typed  ", "  kept as typed  "),
        ("\u202eweiver\u202c review", "weiver review"),
    ],
)
def test_a_single_line_field_loses_control_characters(raw, line):
    assert clean_line(raw) == line


def test_multiline_text_keeps_its_lines_but_never_a_nul():
    assert clean_multiline("One\n\n\tTwo\x00 three\x07") == "One\n\n\tTwo three"


def test_an_api_body_with_a_nul_byte_is_refused_naming_the_field(
    app, client, programme, editor, writer, users
):
    """PostgreSQL cannot store NUL in text; the API says so instead of silently changing it."""
    from tests.api.test_pieces_api import in_editing, patch, piece_url

    in_editing(app, client, programme, editor, writer, users)
    response = patch(client, piece_url(programme), {"body": "Paragraph\x00 one.\n\nTwo."}, editor)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "body"
    assert "NUL" in response.get_json()["detail"]
    with app.app_context():
        assert "Paragraph" not in db.session.get(Piece, programme["piece"]).body


def test_a_nul_in_a_name_is_refused_naming_the_field(client, programme, editor):
    response = client.patch(
        f"/api/v1/festivals/{programme['slug']}", json={"name": "Test\x00"}, headers=editor
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "name", "message": response.get_json()["errors"][0]["message"]}
    ]
    assert "NUL" in response.get_json()["errors"][0]["message"]


def test_multiline_api_text_keeps_its_lines_and_a_headline_loses_them(
    app, client, programme, editor, writer, users
):
    from tests.api.test_pieces_api import in_editing, patch, piece_url

    in_editing(app, client, programme, editor, writer, users)
    response = patch(
        client,
        piece_url(programme),
        {"headline": "Red\nRocket\x07 review", "body": "Paragraph\x07 one.\n\nTwo."},
        editor,
    )
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        assert (piece.headline, piece.body) == ("Red Rocket review", "Paragraph one.\n\nTwo.")


def test_names_with_newlines_are_stored_on_one_line_and_the_feed_still_serves(
    app, client, programme, editor, users
):
    renamed = client.patch(
        f"/api/v1/festivals/{programme['slug']}",
        json={"name": "Test\nFestival\x07"},
        headers=editor,
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["name"] == "Test Festival"
    film = client.patch(
        f"/api/v1/festivals/{programme['slug']}/films/{programme['film']}",
        json={"title": "Red\r\nRocket"},
        headers=editor,
    )
    assert film.status_code == 200, film.get_json()
    with app.app_context():
        assert db.session.get(Festival, programme["festival"]).name == "Test Festival"
        assert db.session.get(Film, programme["film"]).title == "Red Rocket"
    secret = issue(app, users["editor"], "festival", programme["festival"])
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    parse_icalendar(response.data)
    parse_ical(response.data)


def test_a_write_the_database_refuses_as_a_duplicate_is_a_422_naming_the_field(
    app, client, programme, editor, monkeypatch
):
    """Two requests taking the same unique value at once: the constraint decides (simulated
    here by skipping the friendly check that a race would slip past)."""
    from coverage.festivals import services as festival_services
    from coverage.programme.rules import FestivalFields

    with app.app_context():
        from datetime import date

        festival_services.create_festival(
            FestivalFields(
                name="Other",
                edition=2021,
                timezone="Europe/London",
                start_date=date(2021, 10, 1),
                end_date=date(2021, 10, 2),
                slug="taken-2021",
            )
        )
        db.session.commit()
    monkeypatch.setattr(festival_services, "_check_slug_free", lambda slug, festival_id: None)
    response = client.patch(
        f"/api/v1/festivals/{programme['slug']}", json={"slug": "taken-2021"}, headers=editor
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "slug"
    assert "'taken-2021' already exists" in response.get_json()["detail"]
    assert client.get(f"/api/v1/festivals/{programme['slug']}", headers=editor).status_code == 200
