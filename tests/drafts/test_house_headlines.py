"""Headlines in house style on the desk: suggested per kind, a picked pull quote, fixed at
approval; and the writer's preview showing the reader's page, furniture included."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.models import Person
from tests.conftest import log_in

INTERVIEW_BODY = (
    "Sean Baker laughs before he answers.\n\n"
    "“I wanted it to feel like a summer that never ends,” he says of Texas City.\n\n"
    "> The refinery was the first character we cast.\n"
)


@pytest.fixture
def interview(app, users, programme) -> int:
    """An interview with Sean Baker about Red Rocket, in editing with the desk."""
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.kind = PieceKind.INTERVIEW
        piece.interviewees = [Person(name="Sean Baker", film_id=programme["film"])]
        piece.writer_id = users["writer"]
        piece.state = PieceState.EDITING
        piece.body = INTERVIEW_BODY
        db.session.commit()
        return piece.id


def editor_form(client, piece_id: int) -> tuple[str, dict]:
    page = client.get(f"/pieces/{piece_id}/text").get_data(as_text=True)
    fields = {
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
        "headline": html_lib.unescape(
            re.search(
                r'id="headline" maxlength="300" name="headline"[^>]*value="([^"]*)"', page
            ).group(1)
        ),
    }
    return page, fields


def post_text(client, piece_id: int, **data):
    payload = {"standfirst": "", "star_rating": "", "intent": "save"} | data
    return client.post_form(f"/pieces/{piece_id}/text", payload, page=f"/pieces/{piece_id}/text")


def test_a_new_review_starts_from_the_house_style_headline(app, client, users, programme):
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        db.session.commit()
    log_in(client, "writer@example.org")
    _, fields = editor_form(client, programme["piece"])
    assert fields["headline"] == "Test Festival 2021: Red Rocket | Review"


def test_the_editor_picks_a_pull_quote_from_the_body_for_the_interview_headline(
    app, client, users, interview
):
    log_in(client, "editor@example.org")
    page, fields = editor_form(client, interview)
    assert fields["headline"] == "Sean Baker on Red Rocket at Test Festival 2021"
    # The quotes in the body are offered to pick from.
    assert '<option value="I wanted it to feel like a summer that never ends,">' in page
    assert '<option value="The refinery was the first character we cast.">' in page

    quote = "I wanted it to feel like a summer that never ends,"
    suggested = post_text(
        client, interview, version=fields["version"], headline="", body=INTERVIEW_BODY,
        pull_quote=quote, intent="suggest",
    ).get_data(as_text=True)  # fmt: skip
    expected = (
        "“I wanted it to feel like a summer that never ends”: Sean Baker on Red Rocket at "
        "Test Festival 2021"
    )
    assert f'value="{html_lib.escape(expected)}"' in suggested
    with app.app_context():
        assert db.session.get(Piece, interview).headline == ""  # suggesting saves nothing

    saved = post_text(
        client, interview, version=fields["version"], headline=expected, body=INTERVIEW_BODY,
        pull_quote=quote,
    )  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, interview)
        assert piece.headline == expected
        assert piece.pull_quote == quote


@pytest.mark.parametrize(
    "quote",
    ["I never said this at all", "The refinery was the last character we cast."],
)
def test_a_pull_quote_not_in_the_body_is_refused_and_nothing_is_lost(
    app, client, users, interview, quote
):
    log_in(client, "editor@example.org")
    _, fields = editor_form(client, interview)
    response = post_text(
        client, interview, version=fields["version"], headline="Baker on Rex",
        body=INTERVIEW_BODY + "\nA new paragraph.", pull_quote=quote,
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pick the pull quote from the body: these words are not in it." in page
    assert "A new paragraph." in page  # the typed text is back in the form
    with app.app_context():
        assert db.session.get(Piece, interview).pull_quote == ""


def test_a_quote_typed_with_straight_quotes_and_other_spacing_is_found(app, client, interview):
    log_in(client, "editor@example.org")
    _, fields = editor_form(client, interview)
    response = post_text(
        client, interview, version=fields["version"], headline="x", body=INTERVIEW_BODY,
        pull_quote='"I wanted it to feel  like a SUMMER that never ends"',
    )  # fmt: skip
    assert response.status_code == 302


def test_the_headline_is_fixed_at_approval_until_the_desk_reopens_the_piece(
    app, client, users, interview
):
    with app.app_context():
        piece = db.session.get(Piece, interview)
        piece.state = PieceState.READY
        piece.headline = "Sean Baker on Red Rocket at Test Festival 2021"
        db.session.commit()
    log_in(client, "editor@example.org")
    page, fields = editor_form(client, interview)
    assert "The headline was fixed at approval." in page
    response = post_text(
        client, interview, version=fields["version"], headline="A new headline",
        body=INTERVIEW_BODY,
    )  # fmt: skip
    assert response.status_code == 422
    assert "The headline was fixed when the piece was approved" in response.get_data(as_text=True)

    # The body may still be touched up.
    fixed = post_text(
        client, interview, version=fields["version"], headline=fields["headline"],
        body=INTERVIEW_BODY + "\nOne more line.",
    )  # fmt: skip
    assert fixed.status_code == 302

    reopened = client.post_form(
        f"/pieces/{interview}/transitions", {"action": "reopen"}, page=f"/pieces/{interview}"
    )
    assert reopened.status_code == 302
    _, fields = editor_form(client, interview)
    again = post_text(
        client, interview, version=fields["version"], headline="A new headline",
        body=INTERVIEW_BODY,
    )  # fmt: skip
    assert again.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, interview)
        assert (piece.state, piece.headline) == (PieceState.EDITING, "A new headline")


def test_the_preview_is_the_readers_page_with_its_furniture(app, client, users, interview):
    with app.app_context():
        festival = db.session.get(Festival, db.session.get(Piece, interview).festival_id)
        festival.website = "https://festival.example/"
        festival.organiser = "Test Cinema Trust"
        db.session.commit()
    log_in(client, "editor@example.org")
    _, fields = editor_form(client, interview)
    page = post_text(
        client, interview, version=fields["version"], headline="Baker on *Red Rocket*",
        body=INTERVIEW_BODY, intent="preview",
    ).get_data(as_text=True)  # fmt: skip
    preview = page[page.index('aria-label="Preview"') :]
    assert '<li><a href="/film-festivals/">Film festivals</a></li>' in preview
    assert '<h1 class="article-headline">Baker on <em>Red Rocket</em></h1>' in preview
    assert '<p class="byline">Wyn Writer</p>' in preview
    assert "<em>Red Rocket does not have a UK release date yet.</em>" in preview
    assert "Read more reviews and interviews from our Test Festival 2021 coverage" in preview
    assert "visit the official Test Cinema Trust website" in preview
    with app.app_context():
        assert db.session.get(Piece, interview).headline == ""
