"""No inline script or event handler in any page: text a user typed (a festival's name) can only
ever be text, and a Content-Security-Policy without 'unsafe-inline' will work."""

from __future__ import annotations

import html
import re

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece

HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
ATTACK = "'+(document.title='X')+'"


def inline_code(page: str) -> list[str]:
    found = [match.group(0) for match in HANDLER.finditer(page)]
    for match in SCRIPT.finditer(page):
        attributes = match.group(1)
        if "src=" not in attributes and "application/ld+json" not in attributes:
            found.append(match.group(0))
    return found


def test_desk_pages_carry_no_inline_script_even_with_hostile_names(
    app, client, users, login, programme
):
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        festival.name = ATTACK
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["editor"]
        piece.state = PieceState.DRAFTING
        db.session.commit()
    login("editor")
    slug, film, screening = programme["slug"], programme["film"], programme["press"]
    pages = [
        f"/festivals/{slug}/edit",
        f"/festivals/{slug}/films/{film}/edit",
        f"/festivals/{slug}/screenings/{screening}/edit",
        f"/festivals/{slug}",
        f"/festivals/{slug}/coverage",
        f"/pieces/{programme['piece']}",
        f"/pieces/{programme['piece']}/text",
        "/account",
        "/festivals/new",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert inline_code(page) == [], url
    page = client.get(f"/festivals/{slug}/edit").get_data(as_text=True)
    confirm = re.search(r'data-confirm="([^"]*)"', page).group(1)
    assert html.unescape(confirm) == f"Delete {ATTACK} 2021 with all its films and screenings?"


def test_new_secrets_are_selectable_without_inline_handlers(client, users, login):
    login("writer")
    page = client.post_form("/account/tokens", {"label": "phone"}).get_data(as_text=True)
    assert "data-select-on-click" in page
    assert inline_code(page) == []
