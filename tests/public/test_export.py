"""CMS export downloads from the desk: which text goes out, the two documents, who may have them."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from flask import render_template_string
from flask_login import login_user
from markdown_it import MarkdownIt

from coverage.accounts.models import User
from coverage.drafts import services as drafts
from coverage.drafts.rendering import render_markdown
from coverage.errors import Conflict
from coverage.extensions import db
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Screening
from coverage.public import export
from coverage.public.export import ExportFacts, ExportFormat, ExportSource
from tests.api import conftest as api_fixtures
from tests.public.conftest import PUBLISHED_AT, REVIEW_BODY

# Bearer headers by role, for the API's export (the fixture of tests/api).
tokens = api_fixtures.tokens

AT = datetime(2021, 10, 9, 9, 0, tzinfo=UTC)
HEADLINE = "Test Festival 2021: Red Rocket | Review"
STANDFIRST = "Sean Baker's Texas comedy runs on nerve and Simon Rex."
CANONICAL = "http://coverage.test/film-festivals/test-festival-2021/red-rocket-review"
MARKDOWN_KEYS = [
    "headline",
    "standfirst",
    "byline",
    "festival",
    "festival_slug",
    "film",
    "directors",
    "kind",
    "rating",
    "embargo",
    "published_at",
    "canonical_url",
    "tags",
]


def split_markdown(document: str) -> tuple[dict, str]:
    """The front matter (parsed by PyYAML, as a CMS would) and the body after it."""
    assert document.startswith("---\n")
    matter, separator, body = document[len("---\n") :].partition("\n---\n\n")
    assert separator, document
    return yaml.safe_load(matter), body


def url(piece_id: int, fmt: str) -> str:
    return f"/pieces/{piece_id}/export.{fmt}"


def advance(app, programme, users, until: PieceState, **text) -> int:
    """Take the programme's pitched review through the workflow up to `until` (drafting, filed,
    editing or ready), written by the `writer` fixture user; returns its id."""
    values = {"headline": HEADLINE, "standfirst": STANDFIRST, "body": REVIEW_BODY, "stars": 3}
    values |= text
    with app.app_context():
        piece = pieces.get_piece(programme["piece"])
        editor = db.session.get(User, users["editor"])
        writer = db.session.get(User, users["writer"])
        plan = pieces.PlanFields(
            kind=PieceKind.REVIEW,
            film_id=programme["film"],
            writer_id=writer.id,
            editor_id=editor.id,
            due_at=AT + timedelta(days=1),
        )
        pieces.assign(piece, editor, plan, AT)
        drafts.save_draft(
            piece,
            writer,
            drafts.Text(values["headline"], values["standfirst"], values["body"], values["stars"]),
            base_version=piece.version,
            now=AT + timedelta(hours=1),
        )
        steps = [(writer, Action.FILE), (editor, Action.TAKE_FOR_EDIT), (editor, Action.APPROVE)]
        for actor, action in steps:
            if piece.state is until:
                break
            pieces.transition(piece, actor, action, AT + timedelta(hours=2))
        assert piece.state is until
        db.session.commit()
        return piece.id


def reopen_with_correction(app, users, piece_id: int, body: str) -> None:
    """Reopen a published piece for correction and save a new body (not yet republished)."""
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        now = PUBLISHED_AT + timedelta(days=1)
        pieces.transition(piece, editor, Action.CORRECT, now)
        text = drafts.Text(piece.headline, piece.standfirst, body, piece.star_rating)
        drafts.save_draft(piece, editor, text, base_version=piece.version, now=now)
        db.session.commit()


def take(app, users, piece_id: int, action: Action, note: str = "") -> None:
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        pieces.transition(piece, editor, action, PUBLISHED_AT + timedelta(days=2), note)
        db.session.commit()


# --- The rule: which text, or a refusal ----------------------------------------------------


@pytest.mark.parametrize(
    "state,has_live,expected",
    [
        (PieceState.READY, False, ExportSource.CURRENT),
        (PieceState.SCHEDULED, False, ExportSource.CURRENT),
        # A correction approved (or scheduled) again: the text about to go out.
        (PieceState.READY, True, ExportSource.CURRENT),
        (PieceState.SCHEDULED, True, ExportSource.CURRENT),
        (PieceState.PUBLISHED, True, ExportSource.LIVE),
        (PieceState.PUBLISHED, False, ExportSource.CURRENT),
        # Reopened for correction: the published revision is still what readers see.
        (PieceState.EDITING, True, ExportSource.LIVE),
        (PieceState.DRAFTING, True, ExportSource.LIVE),
        (PieceState.FILED, True, ExportSource.LIVE),
    ],
)
def test_export_source(state, has_live, expected):
    assert export.export_source(state, has_live) is expected
    assert export.is_exportable(state, has_live)


@pytest.mark.parametrize(
    "state,has_live",
    [
        (PieceState.PITCHED, False),
        (PieceState.ASSIGNED, False),
        (PieceState.DRAFTING, False),
        (PieceState.FILED, False),
        (PieceState.EDITING, False),
        (PieceState.SPIKED, False),
        (PieceState.SPIKED, True),  # withdrawn: readers get 410, the CMS nothing
    ],
)
def test_export_refusal_says_why(state, has_live):
    with pytest.raises(Conflict) as refused:
        export.export_source(state, has_live)
    assert refused.value.message == (
        f"Only a ready or published piece can be exported; this one is {state.value}."
    )
    assert refused.value.status == 409
    assert not export.is_exportable(state, has_live)


def facts(**changes) -> ExportFacts:
    values = {
        "headline": HEADLINE,
        "standfirst": STANDFIRST,
        "body": "One.\n\nTwo.",
        "star_rating": 4,
        "kind": PieceKind.REVIEW,
        "byline": "Wyn Writer",
        "festival": "Test Festival 2021",
        "festival_slug": "test-festival-2021",
        "film": "Red Rocket",
        "directors": ["Sean Baker"],
        "embargo_at": None,
        "embargo_held": False,
        "published_at": None,
        "canonical_url": CANONICAL,
        "slug": "red-rocket-review",
    }
    return ExportFacts(**(values | changes))


@pytest.mark.parametrize(
    "headline",
    [
        '*Red Rocket*: "Mikey\'s back" | Review',
        "* Red Rocket: the 'best' film",
        '"Quoted": all of it',
        "- a list? no: a headline",
        "? key: value",
        "&anchor *alias !tag %directive @at `tick` | pipe > fold # hash",
        "yes",
        "null",
        "2021-10-10",
        "1e3",
        "Céline Sciamma: “Petite Maman” — 東京",
        "Trailing colon:",
        "a\\b \\n not a newline",
    ],
)
def test_front_matter_round_trips_awkward_text(headline):
    document = export.markdown_document(facts(headline=headline, standfirst=headline))
    matter, body = split_markdown(document)
    assert matter["headline"] == headline
    assert matter["standfirst"] == headline
    assert body == "One.\n\nTwo.\n"


def test_front_matter_keys_in_order_and_held_embargo():
    matter, _ = split_markdown(export.markdown_document(facts()))
    assert list(matter) == MARKDOWN_KEYS
    held, _ = split_markdown(export.markdown_document(facts(embargo_held=True)))
    assert held["embargo"] is None
    assert held["embargo_held"] is True
    assert list(held) == [*MARKDOWN_KEYS[:10], "embargo_held", *MARKDOWN_KEYS[10:]]


def test_only_reviews_carry_a_rating():
    matter, _ = split_markdown(export.markdown_document(facts(kind=PieceKind.NEWS, film=None)))
    assert matter["rating"] is None
    assert matter["tags"] == ["Film festivals", "Test Festival 2021", "News"]


def test_a_long_standfirst_stays_on_one_line():
    standfirst = "word " * 60 + "end"
    document = export.markdown_document(facts(standfirst=standfirst))
    assert f"standfirst: {standfirst}\n" in document


def test_times_are_utc_instants():
    london = datetime(2021, 10, 10, 18, 30).astimezone()  # any zone: the instant is what counts
    assert export.iso_utc(datetime(2021, 10, 10, 17, 30, 5, 999, tzinfo=UTC)) == (
        "2021-10-10T17:30:05Z"
    )
    assert export.iso_utc(london) == london.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert export.iso_utc(datetime(2021, 10, 10, 17, 30)) == "2021-10-10T17:30:00Z"  # naive: UTC
    assert export.iso_utc(None) is None


# --- Downloads ------------------------------------------------------------------------------


def test_html_download_is_the_sanitised_body(client, login, publish):
    piece_id = publish(body=REVIEW_BODY + "\n\n<script>alert(1)</script> [x](javascript:alert(1))")
    login("editor")
    response = client.get(url(piece_id, "html"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=red-rocket-review.html"
    fragment = response.get_data(as_text=True)
    assert fragment == render_markdown(
        REVIEW_BODY + "\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert fragment.startswith("<p>Sean Baker's camera")
    assert "<script" not in fragment and "javascript:" not in fragment
    assert (
        "<html" not in fragment and "<h1" not in fragment and "Red Rocket | Review" not in fragment
    )


def test_markdown_download_has_front_matter_then_the_body(app, client, login, publish):
    piece_id = publish()
    login("editor")
    response = client.get(url(piece_id, "md"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=red-rocket-review.md"
    matter, body = split_markdown(response.get_data(as_text=True))
    assert matter == {
        "headline": HEADLINE,
        "standfirst": STANDFIRST,
        "byline": "Wyn Writer",
        "festival": "Test Festival 2021",
        "festival_slug": "test-festival-2021",
        "film": "Red Rocket",
        "directors": ["Sean Baker"],
        "kind": "review",
        "rating": 4,
        "embargo": None,
        "published_at": "2021-10-12T09:00:00Z",
        "canonical_url": CANONICAL,
        "tags": ["Film festivals", "Test Festival 2021", "Red Rocket", "Review"],
    }
    assert list(matter) == MARKDOWN_KEYS
    assert body == REVIEW_BODY + "\n"
    # The canonical URL is where readers find it.
    public = client.get(matter["canonical_url"].removeprefix("http://coverage.test"))
    assert public.status_code == 200


HOSTILE_BODY = (
    REVIEW_BODY + "\n\nThe ending <script>alert(5)</script> lands.\n\n"
    '<iframe src="https://evil.example/"></iframe>\n\n'
    "Its poster says `<b>code</b>`; see <https://example.com/red-rocket>.\n"
)


def test_markdown_exports_carry_no_raw_html(client, login, publish, tokens):
    """A CMS rendering the Markdown with a CommonMark renderer (raw HTML allowed, the spec's
    default) shows the HTML typed into a body as text, as our renderer does, never runs it."""
    commonmark = MarkdownIt("commonmark")
    assert "<script" in commonmark.render(HOSTILE_BODY)  # the body as written would run it
    piece_id = publish(
        body=HOSTILE_BODY,
        headline="Red Rocket <img src=x onerror=alert(1)> | Review",
        standfirst="A <b>bold</b> comedy",
    )
    login("editor")
    web = client.get(url(piece_id, "md"))
    api = client.get(f"/api/v1/pieces/{piece_id}/export?format=markdown", headers=tokens["editor"])
    assert web.status_code == api.status_code == 200
    assert web.get_data() == api.get_data()
    matter, body = split_markdown(web.get_data(as_text=True))

    html = commonmark.render(body)
    assert "<script" not in html and "<iframe" not in html
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in html
    assert "&lt;iframe" in html
    # Code spans and autolinks still mean what they meant.
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html
    assert '<a href="https://example.com/red-rocket">' in html
    assert body.startswith(REVIEW_BODY + "\n\nThe ending &lt;script>alert(5)&lt;/script> lands.")
    assert render_markdown(body) == render_markdown(HOSTILE_BODY)

    assert matter["headline"] == "Red Rocket &lt;img src=x onerror=alert(1)> | Review"
    assert matter["standfirst"] == "A &lt;b>bold&lt;/b> comedy"
    assert "<img" not in commonmark.renderInline(matter["headline"])
    assert "<b>" not in commonmark.render(matter["standfirst"])

    # The HTML export is what it was: the sanitised body.
    fragment = client.get(url(piece_id, "html")).get_data(as_text=True)
    assert fragment == render_markdown(HOSTILE_BODY)
    assert "<script" not in fragment and "<iframe" not in fragment


def test_headline_with_colon_quotes_and_leading_star_round_trips(client, login, publish):
    headline = "*Red Rocket*: \"Mikey's back\" and it's a 'comedy': Review"
    piece_id = publish(headline=headline)
    login("writer")
    response = client.get(url(piece_id, "md"))
    assert response.status_code == 200
    matter, _ = split_markdown(response.get_data(as_text=True))
    assert matter["headline"] == headline
    slug = matter["canonical_url"].rsplit("/", 1)[-1]
    assert response.headers["Content-Disposition"] == f"attachment; filename={slug}.md"


def test_embargo_is_a_utc_instant_or_held(app, client, login, publish):
    piece_id = publish()
    login("editor")
    with app.app_context():
        # The programme moves after publication: the export follows it, as the public page does.
        film = db.session.get(Film, db.session.get(Piece, piece_id).film_id)
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        db.session.commit()
    matter, _ = split_markdown(client.get(url(piece_id, "md")).get_data(as_text=True))
    assert matter["embargo"] == "2021-10-10T17:30:00Z"  # 18:30 in London (BST)
    assert "embargo_held" not in matter
    with app.app_context():
        for screening in db.session.scalars(db.select(Screening)):
            screening.cancelled = True  # no public screening left: held
        db.session.commit()
    matter, _ = split_markdown(client.get(url(piece_id, "md")).get_data(as_text=True))
    assert matter["embargo"] is None
    assert matter["embargo_held"] is True


def test_a_piece_without_film_and_not_a_review(client, login, publish):
    piece_id = publish(kind=PieceKind.FEATURE, headline="Five films to see", film_id=None)
    login("editor")
    response = client.get(url(piece_id, "md"))
    assert response.headers["Content-Disposition"] == "attachment; filename=five-films-to-see.md"
    matter, _ = split_markdown(response.get_data(as_text=True))
    assert matter["film"] is None
    assert matter["directors"] == []
    assert matter["kind"] == "feature"
    assert matter["rating"] is None
    assert matter["tags"] == ["Film festivals", "Test Festival 2021", "Feature"]


def test_a_ready_piece_exports_its_current_text(app, client, login, programme, users):
    piece_id = advance(app, programme, users, PieceState.READY, body="Ready to go.")
    login("editor")
    matter, body = split_markdown(client.get(url(piece_id, "md")).get_data(as_text=True))
    assert body == "Ready to go.\n"
    assert matter["rating"] == 3
    assert matter["published_at"] is None
    # The slug is set at approval: the canonical URL is the address it will have.
    assert matter["canonical_url"] == CANONICAL
    assert client.get(url(piece_id, "html")).get_data(as_text=True) == "<p>Ready to go.</p>\n"


def test_a_corrected_piece_exports_the_live_revision(app, client, login, publish, users):
    piece_id = publish()
    reopen_with_correction(app, users, piece_id, "A correction in progress.")
    login("editor")
    markdown = client.get(url(piece_id, "md"))
    assert markdown.status_code == 200
    matter, body = split_markdown(markdown.get_data(as_text=True))
    assert body == REVIEW_BODY + "\n"
    assert "correction in progress" not in markdown.get_data(as_text=True)
    assert matter["published_at"] == "2021-10-12T09:00:00Z"
    fragment = client.get(url(piece_id, "html")).get_data(as_text=True)
    assert fragment == render_markdown(REVIEW_BODY)
    # Approved again, the correction is the text about to go out.
    take(app, users, piece_id, Action.APPROVE)
    _, body = split_markdown(client.get(url(piece_id, "md")).get_data(as_text=True))
    assert body == "A correction in progress.\n"


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_drafting_piece_is_refused(app, client, login, programme, users, fmt):
    piece_id = advance(app, programme, users, PieceState.DRAFTING)
    login("editor")
    response = client.get(url(piece_id, fmt))
    assert response.status_code == 409
    assert "Content-Disposition" not in response.headers
    assert response.mimetype == "text/html"
    assert "Only a ready or published piece can be exported; this one is drafting." in (
        html.unescape(response.get_data(as_text=True))
    )


def test_a_withdrawn_piece_is_refused(app, client, login, publish, users):
    piece_id = publish()
    take(app, users, piece_id, Action.WITHDRAW, note="Legal asked us to.")
    login("editor")
    response = client.get(url(piece_id, "md"))
    assert response.status_code == 409
    assert "this one is spiked." in response.get_data(as_text=True)


def test_an_unknown_piece_is_not_found(client, login, users):
    login("editor")
    assert client.get(url(999, "md")).status_code == 404


# --- Who may download -----------------------------------------------------------------------

LOGIN = "login"


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize(
    "role,expected",
    [("anonymous", LOGIN), ("writer", 200), ("other", 403), ("editor", 200), ("admin", 200)],
)
def test_download_permissions(client, login, make_user, publish, fmt, role, expected):
    piece_id = publish()  # written by the `writer` fixture user
    make_user("writer", "other@example.org", "Olly Other")
    if role != "anonymous":
        login(role)
    response = client.get(url(piece_id, fmt))
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        return
    assert response.status_code == expected
    if expected == 403:
        assert "Content-Disposition" not in response.headers
        page = html.unescape(response.get_data(as_text=True))
        assert export.EXPORT_REFUSED in page
        assert "Sean Baker's camera" not in page


def test_a_writer_is_refused_before_learning_the_state(app, client, login, make_user, programme):
    make_user("writer", "other@example.org", "Olly Other")
    login("other")
    # The programme's piece is pitched and not theirs: 403, not 409.
    assert client.get(url(programme["piece"], "md")).status_code == 403


# --- The piece page's card ------------------------------------------------------------------


def render_card(app, user_id: int, piece_id: int) -> str:
    with app.test_request_context("/"):
        login_user(db.session.get(User, user_id))
        piece = pieces.get_piece(piece_id)
        return render_template_string('{% include "pieces/_export.html" %}', piece=piece)


def test_card_offers_both_downloads_to_who_may_have_them(app, make_user, publish, users):
    piece_id = publish()
    other = make_user("writer", "other@example.org", "Olly Other")
    for who in ("writer", "editor", "admin"):
        card = render_card(app, users[who], piece_id)
        assert "Export for the CMS" in card
        assert f'href="/pieces/{piece_id}/export.html"' in card
        assert f'href="/pieces/{piece_id}/export.md"' in card
    assert "Export for the CMS" not in render_card(app, other, piece_id)


def test_card_is_hidden_when_the_piece_cannot_be_exported(app, programme, users):
    piece_id = advance(app, programme, users, PieceState.EDITING)
    assert render_card(app, users["editor"], piece_id).strip() == ""


def test_both_formats_name_the_same_file_stem():
    assert export.filename("red-rocket-review", ExportFormat.HTML) == "red-rocket-review.html"
    assert export.filename("red-rocket-review", ExportFormat.MARKDOWN) == "red-rocket-review.md"


@pytest.mark.parametrize(
    "changes",
    [
        {"film": "Belfast <img src=x onerror=alert(1)>"},
        {"directors": ["<script>alert(2)</script>"]},
        {"byline": "Nia <iframe src=x></iframe>"},
        {"festival": "LFF <style>body{}</style>"},
        # A stray backtick in one value pairs with one in the next when a renderer that does
        # not know front matter reads the lines as one paragraph.
        {
            "headline": "Notes on the `tick` ` mark",
            "standfirst": "Why ` <img src=x onerror=alert(document.domain)> ` matters",
        },
    ],
    ids=["film", "directors", "byline", "festival", "backticks-across-values"],
)
def test_no_front_matter_value_carries_a_live_tag_even_read_as_markdown(changes):
    document = export.markdown_document(facts(**changes))
    whole = MarkdownIt("commonmark").render(document)
    assert "<img" not in whole and "<script" not in whole
    assert "<iframe" not in whole and "<style" not in whole
    matter, _ = split_markdown(document)
    for value in matter.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                rendered = MarkdownIt("commonmark").renderInline(item)
                assert not any(tag in rendered for tag in ("<img", "<script", "<iframe"))
