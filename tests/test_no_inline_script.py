"""No inline script, event handler or style in any page: text a user typed (a festival's name) can
only ever be text, and the Content-Security-Policy (coverage.security.headers: `script-src 'self'`,
`style-src 'self'`, no 'unsafe-inline') blocks nothing the desk needs."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from tests.public.conftest import publish  # noqa: F401  (fixture)

ATTACK = "'+(document.title='X')+'"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Script elements that are data, never run (and so outside script-src).
DATA_SCRIPTS = {"application/ld+json", "application/json"}


class InlineFinder(HTMLParser):
    """Collects, from real tags and attributes only (text that merely looks like a tag, escaped
    in a title or attribute value, is not a tag), what a policy without 'unsafe-inline' blocks:
    `code` for scripts, handlers and `javascript:` URLs; `style` for style attributes and
    blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code: list[str] = []
        self.style: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.code.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith(
                "javascript:"
            ):
                self.code.append(f"<{tag} {name}=javascript:>")
            if name == "style":
                self.style.append(f"<{tag} style>")
        if tag == "script" and "src" not in values and values.get("type") not in DATA_SCRIPTS:
            self.code.append("<script>")
        if tag == "style":
            self.style.append("<style>")

    handle_startendtag = handle_starttag


def _scan(page: str) -> InlineFinder:
    finder = InlineFinder()
    finder.feed(page)
    finder.close()
    return finder


def inline_code(page: str) -> list[str]:
    return _scan(page).code


def inline_style(page: str) -> list[str]:
    return _scan(page).style


@pytest.mark.parametrize(
    "template", sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))
)
def test_no_template_carries_inline_script_handler_or_style(template):
    """Every template, including pages no other test renders (error pages, the API docs)."""
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert inline_code(source) == [], template
    assert inline_style(source) == [], template


def test_the_scan_finds_each_kind_of_inline_code():
    assert inline_code('<button onclick="x()">') == ["<button onclick>"]
    assert inline_code("<script>alert(1)</script>") == ["<script>"]
    assert inline_code('<a href=" javascript:alert(1)">') == ["<a href=javascript:>"]
    assert inline_code('<script src="/static/app.js" defer></script>') == []
    assert inline_code('<script type="application/ld+json">{}</script>') == []
    assert inline_style('<p style="color: red">') == ["<p style>"]
    assert inline_style("<style>p { color: red }</style>") == ["<style>"]
    assert inline_style('<p class="styled" data-style="x">') == []
    # Escaped text is text: a headline quoting a tag in a meta element runs nothing.
    escaped = '<meta content="&lt;b onclick=&#34;x()&#34; style=&#34;a&#34;&gt;">'
    assert inline_code(escaped) == [] and inline_style(escaped) == []


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
        assert inline_style(page) == [], url
    page = client.get(f"/festivals/{slug}/edit").get_data(as_text=True)
    confirm = re.search(r'data-confirm="([^"]*)"', page).group(1)
    assert html.unescape(confirm) == f"Delete {ATTACK} 2021 with all its films and screenings?"


def test_new_secrets_are_selectable_without_inline_handlers(client, users, login):
    login("writer")
    created = client.post_form("/account/tokens", {"label": "phone"}, follow_redirects=True)
    page = created.get_data(as_text=True)
    assert "data-select-on-click" in page
    assert inline_code(page) == []


def test_public_pages_carry_no_inline_code_or_style_even_from_a_hostile_body(client, publish):  # noqa: F811
    """A critic's Markdown may hold raw HTML: the sanitiser must leave nothing the policy blocks."""
    publish(
        headline='Red Rocket <span style="color:red" onmouseover="x()">| Review</span>',
        body=(
            'A <span style="font-size:9em" onclick="steal()">loud</span> film.\n\n'
            "<style>body { display: none }</style>\n\n"
            "<script>document.title = 'X'</script>\n\n"
            "[trailer](javascript:alert(1))"
        ),
    )
    hub = client.get("/film-festivals/test-festival-2021/").get_data(as_text=True)
    # The piece's link (its slug holds no dot; the hub's feed link does).
    piece_url = re.search(r'href="(/film-festivals/test-festival-2021/[^"/.]+)"', hub).group(1)
    for url in (
        piece_url,
        "/film-festivals/test-festival-2021/",
        "/film-festivals/",
        "/api/v1/docs",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert inline_code(page) == [], url
        assert inline_style(page) == [], url
    piece = client.get(piece_url)
    assert piece.mimetype == "text/html"
    assert "loud" in piece.get_data(as_text=True)
