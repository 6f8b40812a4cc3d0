"""Every text field of the web forms has its maximum from coverage.field_limits: an over-long
value is a field error on a 422 page that keeps what was typed, never a database error (issue
13, "text field lengths"); the services refuse it too, whatever the caller."""

from __future__ import annotations

import pytest

from coverage import field_limits as limits
from coverage.drafts import services as drafts
from coverage.errors import InvalidInput
from coverage.extensions import db
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow
from tests.conftest import log_in


def _too_long(maximum: int, letter: str = "x") -> str:
    return "Begins here. " + letter * (maximum - 12)  # one character over


@pytest.fixture
def drafting(app, users, programme) -> int:
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.DRAFTING
        db.session.commit()
        return piece.id


@pytest.mark.parametrize(
    ("field", "maximum"), [("body", limits.BODY), ("standfirst", limits.STANDFIRST)]
)
def test_an_over_long_draft_field_is_a_field_error_keeping_the_text(
    app, client, drafting, field, maximum
):
    log_in(client, "writer@example.org")
    page = f"/pieces/{drafting}/text"
    with app.app_context():
        version = str(db.session.get(Piece, drafting).version)
    data = {"version": version, "headline": "H", "standfirst": "", "body": "", field: ""}
    data[field] = _too_long(maximum)
    response = client.post_form(page, {**data, "intent": "save"}, page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Field cannot be longer than {maximum} characters." in html
    assert data[field] in html  # kept as typed
    with app.app_context():
        assert db.session.get(Piece, drafting).body == ""


@pytest.mark.parametrize(
    ("url", "data", "field", "maximum"),
    [
        (
            "/festivals/{slug}/venues/{nft1}/edit",
            {"name": "BFI Southbank NFT1"},
            "address",
            limits.VENUE_ADDRESS,
        ),
        (
            "/festivals/{slug}/films/new",
            {"title": "Anora", "premiere_status": "none", "embargo_rule": "festival_default"},
            "synopsis",
            limits.SYNOPSIS,
        ),
    ],
)
def test_an_over_long_programme_field_is_a_field_error_keeping_the_text(
    client, users, programme, url, data, field, maximum
):
    log_in(client, "editor@example.org")
    url = url.format(**programme)
    typed = _too_long(maximum)
    response = client.post_form(url, {**data, field: typed}, page=url)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Field cannot be longer than {maximum} characters." in html
    assert typed in html


def test_an_over_long_comment_is_refused_on_the_piece_page_keeping_it(client, drafting):
    log_in(client, "writer@example.org")
    typed = _too_long(limits.COMMENT)
    url = f"/pieces/{drafting}/comments"
    response = client.post_form(url, {"body": typed}, page=f"/pieces/{drafting}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Field cannot be longer than {limits.COMMENT} characters." in html
    assert typed in html


@pytest.mark.parametrize(
    ("state", "action", "maximum"),
    [
        (PieceState.ASSIGNED, "decline", limits.DECLINE_REASON),
        (PieceState.EDITING, "return", limits.TRANSITION_NOTE),
    ],
)
def test_an_over_long_transition_note_is_refused_keeping_it(
    app, client, users, drafting, state, action, maximum
):
    with app.app_context():
        piece = db.session.get(Piece, drafting)
        piece.state = state
        db.session.commit()
    log_in(client, "writer@example.org" if action == "decline" else "editor@example.org")
    typed = _too_long(maximum)
    response = client.post_form(
        f"/pieces/{drafting}/transitions",
        {"action": action, "note": typed, "state": state.value},
        page=f"/pieces/{drafting}",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"at most {maximum:,}" in html
    assert typed in html
    with app.app_context():
        assert db.session.get(Piece, drafting).state is state


def test_the_draft_service_refuses_what_the_form_would(app, users, drafting):
    with app.app_context():
        piece = db.session.get(Piece, drafting)
        writer = piece.writer
        text = drafts.Text("H", "", "x" * (limits.BODY + 1), None)
        with pytest.raises(InvalidInput) as refused:
            drafts.save_draft(piece, writer, text, base_version=piece.version, now=utcnow())
        assert refused.value.field == "body"
        with pytest.raises(InvalidInput) as refused:
            drafts.add_comment(piece, writer, "y" * (limits.COMMENT + 1), utcnow())
        assert refused.value.field == "body"
