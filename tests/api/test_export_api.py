"""`GET /api/v1/pieces/{id}/export`: the CMS export over the API, as a client sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from coverage.accounts.models import User
from coverage.api.schemas import ExportQuery
from coverage.drafts import services as drafts
from coverage.drafts.rendering import render_markdown
from coverage.extensions import db
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind
from coverage.pieces.workflow import Action
from coverage.public.export import EXPORT_REFUSED
from tests.api.test_api import assert_problem
from tests.public import conftest as published
from tests.public.conftest import PUBLISHED_AT, REVIEW_BODY

# The `publish` fixture of tests/public: a piece taken through the workflow to publication.
publish = published.publish


def export_url(piece_id: int, fmt: str | None = None) -> str:
    query = f"?format={fmt}" if fmt is not None else ""
    return f"/api/v1/pieces/{piece_id}/export{query}"


def test_markdown_export(client, tokens, publish):
    piece_id = publish()
    response = client.get(export_url(piece_id, "markdown"), headers=tokens["editor"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    document = response.get_data(as_text=True)
    matter, separator, body = document.removeprefix("---\n").partition("\n---\n\n")
    assert separator
    front = yaml.safe_load(matter)
    assert front["headline"] == "Test Festival 2021: Red Rocket | Review"
    assert front["byline"] == "Wyn Writer"
    assert front["rating"] == 4
    assert front["canonical_url"] == (
        "http://coverage.test/film-festivals/test-festival-2021/red-rocket-review"
    )
    assert body == REVIEW_BODY + "\n"


def test_html_export(client, tokens, publish):
    piece_id = publish()
    response = client.get(export_url(piece_id, "html"), headers=tokens["writer"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.get_data(as_text=True) == render_markdown(REVIEW_BODY)


def test_api_and_web_downloads_are_the_same_bytes(client, tokens, login, publish):
    piece_id = publish(headline='*Red Rocket*: "Mikey\'s back" | Review')
    login("editor")
    for fmt, extension in (("html", "html"), ("markdown", "md")):
        api = client.get(export_url(piece_id, fmt), headers=tokens["editor"])
        web = client.get(f"/pieces/{piece_id}/export.{extension}")
        assert api.status_code == web.status_code == 200
        assert api.get_data() == web.get_data()


@pytest.mark.parametrize(
    "query,message",
    [
        (None, "Field required"),
        ("pdf", "Input should be 'html' or 'markdown'"),
        ("", "Input should be 'html' or 'markdown'"),
        ("HTML", "Input should be 'html' or 'markdown'"),
    ],
)
def test_format_is_required_and_checked(client, tokens, publish, query, message):
    piece_id = publish()
    response = client.get(export_url(piece_id, query), headers=tokens["editor"])
    body = assert_problem(response, 422, "format")
    assert body["errors"] == [{"field": "format", "message": message}]


def test_a_piece_not_ready_is_a_conflict(client, tokens, programme):
    response = client.get(export_url(programme["piece"], "markdown"), headers=tokens["editor"])
    assert_problem(
        response, 409, "Only a ready or published piece can be exported; this one is pitched."
    )


def test_a_corrected_piece_exports_its_live_revision(app, client, tokens, publish, users):
    piece_id = publish()
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        now = PUBLISHED_AT + timedelta(days=1)
        pieces.transition(piece, editor, Action.CORRECT, now)
        text = drafts.Text(piece.headline, piece.standfirst, "Not yet.", piece.star_rating)
        drafts.save_draft(piece, editor, text, base_version=piece.version, now=now)
        db.session.commit()
    response = client.get(export_url(piece_id, "html"), headers=tokens["editor"])
    assert response.status_code == 200
    assert response.get_data(as_text=True) == render_markdown(REVIEW_BODY)


def test_an_interview_has_no_rating(client, tokens, publish):
    piece_id = publish(kind=PieceKind.INTERVIEW, headline="Sean Baker on Red Rocket")
    response = client.get(export_url(piece_id, "markdown"), headers=tokens["admin"])
    front = yaml.safe_load(response.get_data(as_text=True).split("\n---\n", 1)[0][4:])
    assert front["kind"] == "interview"
    assert front["rating"] is None
    assert front["tags"][-1] == "Interview"


@pytest.mark.parametrize(
    "who,status", [("admin", 200), ("editor", 200), ("writer", 200), ("other", 403)]
)
def test_who_may_export(client, tokens, publish, who, status):
    piece_id = publish()  # written by the `writer` token's user
    response = client.get(export_url(piece_id, "markdown"), headers=tokens[who])
    if status == 200:
        assert response.status_code == 200
    else:
        assert_problem(response, status, EXPORT_REFUSED)


def test_refused_before_the_state_is_told(client, tokens, programme):
    """A writer who may not read the piece learns nothing about it, not even its state."""
    response = client.get(export_url(programme["piece"], "markdown"), headers=tokens["other"])
    assert_problem(response, 403, EXPORT_REFUSED)


def test_without_a_token_or_piece(client, tokens, publish):
    piece_id = publish()
    response = client.get(export_url(piece_id, "markdown"))
    assert_problem(response, 401, "Bearer")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get(export_url(999, "html"), headers=tokens["editor"]), 404, "999")


def test_session_cookies_do_not_authenticate(client, login, publish):
    piece_id = publish()
    login("editor")
    assert client.get(export_url(piece_id, "html")).status_code == 401


def test_export_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/pieces/{piece_id}/export"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "format")
    assert parameter["in"] == "query"
    assert parameter["required"] is True
    # The enum is a nested definition of ExportQuery (resolved only in the first document a
    # process builds: spectree's nested definitions are lifted once, see coverage/api/spec.py).
    ref = parameter["schema"]["$ref"]
    assert ref.startswith("#/components/schemas/ExportQuery.") and ref.endswith(".ExportFormat")
    formats = ExportQuery.model_json_schema()["$defs"]["ExportFormat"]["enum"]
    assert formats == ["html", "markdown"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "text/markdown" in operation["responses"]["200"]["description"]
