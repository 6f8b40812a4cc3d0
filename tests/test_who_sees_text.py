"""Who may see what of a piece (`can_read_text`), on every route and API resource that shows one.

Everyone who sees the programme sees every piece's plan facts (film, kind, writer, state, dates);
its text, revisions, comments and history notes are its writer's and the desk's only. The
fixture gives a colleague, Olly Other, three pieces full of secrets: a review in drafting (two
revisions, a comment and the editor's return note), an interview not tied to a film (with a
slot and a pull quote), and a published review reopened for correction. Wyn Writer, another
writer, must never see a secret; Olly and the desk must. A new route that shows a piece fails
`test_every_piece_route_is_in_the_table` until it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.accounts.services import issue_api_token
from coverage.drafts import services as drafts
from coverage.errors import NotPermitted
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind
from coverage.pieces.workflow import Action
from tests.api.test_api import bearer

WRITER, OWNER, EDITOR, ADMIN = "writer", "owner", "editor", "admin"
ROLES = (WRITER, OWNER, EDITOR, ADMIN)
READERS = (OWNER, EDITOR, ADMIN)
EMAILS = {
    WRITER: "writer@example.org",
    OWNER: "other@example.org",
    EDITOR: "editor@example.org",
    ADMIN: "admin@example.org",
}
# Every secret in the fixture: none may reach Wyn Writer, on any page or in any response.
SECRETS = (
    "SECRET HEADLINE",
    "SECRET STANDFIRST",
    "SECRET BODY",
    "SECRET COMMENT",
    "SECRET RETURN NOTE",
    "SECRET INTERVIEW",
    "SECRET QUOTE",
    "SECRET CORRECTION",
    "secret-headline",  # a slug made from a secret headline
)
LIVE_BODY = "LIVE BODY: Sean Baker's Texas comedy runs on nerve."
AT = datetime(2021, 10, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(app, programme, users, make_user) -> dict[str, int | str]:
    """Olly Other's three pieces (see the module docstring); ids and user ids by name."""
    other_id = make_user(Role.WRITER, EMAILS[OWNER], "Olly Other")
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        editor = db.session.get(User, users["editor"])
        olly = db.session.get(User, other_id)

        # A review in drafting: two revisions, a comment, and the editor's return note.
        theirs = pieces.create_piece(
            festival,
            editor,
            pieces.PlanFields(kind=PieceKind.REVIEW, film_id=programme["film"]),
            AT - timedelta(days=6),
        )
        pieces.assign(
            theirs,
            editor,
            pieces.PlanFields(
                kind=PieceKind.REVIEW,
                film_id=programme["film"],
                writer_id=olly.id,
                editor_id=editor.id,
                screening_id=programme["press"],
                due_at=AT - timedelta(days=2),
                word_target=500,
            ),
            AT - timedelta(days=6),
        )
        for number, body in enumerate(("first", "second"), start=1):
            drafts.save_draft(
                theirs,
                olly,
                drafts.Text(
                    "SECRET HEADLINE", "SECRET STANDFIRST", f"SECRET BODY, {body} draft.", 4
                ),
                base_version=theirs.version,
                now=AT - timedelta(days=4, hours=number),
            )
        pieces.transition(theirs, olly, Action.FILE, AT - timedelta(days=3))
        pieces.transition(theirs, editor, Action.TAKE_FOR_EDIT, AT - timedelta(days=3))
        pieces.transition(
            theirs, editor, Action.RETURN, AT - timedelta(days=2, hours=12), "SECRET RETURN NOTE"
        )
        drafts.add_comment(theirs, olly, "SECRET COMMENT: on it.", AT - timedelta(days=2))

        # An interview not tied to a film, with a slot and a pull quote.
        people = pieces.people_from_lines(festival, None, "Sean Baker, director")
        plan = pieces.PlanFields(
            kind=PieceKind.INTERVIEW,
            interviewee_ids=[person.id for person in people],
        )
        interview = pieces.create_piece(festival, editor, plan, AT - timedelta(days=6))
        pieces.assign(
            interview,
            editor,
            pieces.PlanFields(
                kind=PieceKind.INTERVIEW,
                interviewee_ids=[person.id for person in people],
                writer_id=olly.id,
                slot_starts_at=datetime(2021, 10, 9, 13, 0, tzinfo=UTC),
                slot_ends_at=datetime(2021, 10, 9, 13, 30, tzinfo=UTC),
                slot_place="BFI Southbank bar",
                due_at=datetime(2021, 10, 10, 13, 0, tzinfo=UTC),
            ),
            AT - timedelta(days=6),
        )
        drafts.save_draft(
            interview,
            olly,
            drafts.Text(
                "SECRET INTERVIEW HEADLINE", "", 'He says: "SECRET QUOTE about Texas."', None
            ),
            base_version=interview.version,
            now=AT - timedelta(days=3),
        )
        drafts.set_pull_quote(interview, olly, "SECRET QUOTE about Texas")

        # A published review, reopened for correction: the correction is not public.
        live = pieces.create_piece(
            festival,
            editor,
            pieces.PlanFields(kind=PieceKind.REVIEW, film_id=programme["film"]),
            AT - timedelta(days=2),
        )
        pieces.assign(
            live,
            editor,
            pieces.PlanFields(
                kind=PieceKind.REVIEW,
                film_id=programme["film"],
                writer_id=olly.id,
                editor_id=editor.id,
                due_at=AT - timedelta(days=1),
            ),
            AT - timedelta(days=2),
        )
        drafts.save_draft(
            live,
            olly,
            drafts.Text("Test Festival 2021: Red Rocket | Review", "", LIVE_BODY, 4),
            base_version=live.version,
            now=AT - timedelta(days=1, hours=2),
        )
        pieces.transition(live, olly, Action.FILE, AT - timedelta(days=1))
        pieces.transition(live, editor, Action.TAKE_FOR_EDIT, AT - timedelta(hours=3))
        pieces.transition(live, editor, Action.APPROVE, AT - timedelta(hours=2))
        pieces.transition(live, editor, Action.PUBLISH, AT)
        pieces.transition(live, editor, Action.CORRECT, AT + timedelta(days=1))
        drafts.save_draft(
            live,
            editor,
            drafts.Text("Test Festival 2021: Red Rocket | Review", "", "SECRET CORRECTION", 3),
            base_version=live.version,
            now=AT + timedelta(days=1, hours=1),
        )
        db.session.commit()
        return {
            "theirs": theirs.id,
            "interview": interview.id,
            "live": live.id,
            "owner_id": other_id,
            "slug": programme["slug"],
            "film": programme["film"],
            "festival": programme["festival"],
        }


# --- The table --------------------------------------------------------------------------------


def _statuses(writer: int, owner: int, desk: int) -> dict[str, int]:
    return {WRITER: writer, OWNER: owner, EDITOR: desk, ADMIN: desk}


ALL_200 = _statuses(200, 200, 200)
READERS_ONLY = _statuses(403, 200, 200)


@dataclass(frozen=True)
class Row:
    """One route showing a piece: the status per role, and a secret a reader must see in it
    (None: nothing to look for). Wyn Writer must see no secret in any answer."""

    method: str
    rule: str  # the Flask rule, as in app.url_map
    url: str  # filled from the fixture
    statuses: dict[str, int]
    marker: str | None
    readers: tuple[str, ...] = READERS
    data: dict = field(default_factory=dict)
    api: bool = False


P = "<int:piece_id>"
TABLE = [
    # The piece page: plan facts for all, text, comments and notes for readers.
    Row("GET", f"/pieces/{P}", "/pieces/{theirs}", ALL_200, "SECRET RETURN NOTE"),
    Row("GET", f"/pieces/{P}", "/pieces/{live}", ALL_200, "SECRET CORRECTION"),
    Row("GET", f"/pieces/{P}", "/pieces/{interview}", ALL_200, "SECRET INTERVIEW HEADLINE"),
    # A refused step shows the piece page again (the writer may not file a colleague's piece).
    Row(
        "POST",
        f"/pieces/{P}/transitions",
        "/pieces/{theirs}/transitions",
        _statuses(409, 302, 409),
        "SECRET COMMENT",
        readers=(EDITOR, ADMIN),
        data={"action": "file"},
    ),
    # Revisions, one revision, a comparison.
    Row("GET", f"/pieces/{P}/revisions", "/pieces/{theirs}/revisions", READERS_ONLY, "SECRET"),
    Row(
        "GET",
        f"/pieces/{P}/revisions/<int:number>",
        "/pieces/{theirs}/revisions/2",
        READERS_ONLY,
        "SECRET BODY, second draft.",
    ),
    Row(
        "GET",
        f"/pieces/{P}/revisions/compare",
        "/pieces/{theirs}/revisions/compare?a=1&b=2",
        READERS_ONLY,
        "SECRET HEADLINE",
    ),
    Row(
        "GET",
        f"/pieces/{P}/revisions/<int:number>",
        "/pieces/{live}/revisions/3",
        READERS_ONLY,
        "SECRET CORRECTION",
    ),
    # The editor and its preview (and so the conflict page): whoever may write it now.
    Row("GET", f"/pieces/{P}/text", "/pieces/{theirs}/text", _statuses(403, 200, 403), "SECRET"),
    Row(
        "POST",
        f"/pieces/{P}/text",
        "/pieces/{theirs}/text",
        _statuses(403, 200, 403),
        "SECRET BODY, second draft.",
        data={
            "intent": "preview",
            "version": "1",
            "headline": "SECRET HEADLINE",
            "body": "SECRET BODY, second draft.",
        },
    ),
    Row("GET", f"/pieces/{P}/text", "/pieces/{live}/text", _statuses(403, 403, 200), "SECRET"),
    # The plan form is the desk's.
    Row(
        "GET",
        f"/pieces/{P}/assign",
        "/pieces/{theirs}/assign",
        _statuses(403, 403, 200),
        "SECRET HEADLINE",
    ),
    # CMS export: the live revision, to the piece's writer and the desk.
    Row("GET", f"/pieces/{P}/export.html", "/pieces/{live}/export.html", READERS_ONLY, "LIVE"),
    Row("GET", f"/pieces/{P}/export.md", "/pieces/{live}/export.md", READERS_ONLY, "LIVE"),
    # A one-off calendar file for the interview slot (a plan fact): the working title only.
    Row(
        "GET",
        f"/pieces/{P}/interview.ics",
        "/pieces/{interview}/interview.ics",
        ALL_200,
        "SECRET INTERVIEW HEADLINE",
    ),
    # Overviews that name pieces.
    Row(
        "GET",
        "/festivals/<slug>/coverage",
        "/festivals/{slug}/coverage",
        ALL_200,
        "SECRET INTERVIEW HEADLINE",  # not tied to a film: listed by title
    ),
    Row(
        "GET",
        "/festivals/<slug>/films/<int:film_id>",
        "/festivals/{slug}/films/{film}",
        ALL_200,
        "SECRET HEADLINE",
    ),
    Row(
        "GET", "/my-work", "/my-work", ALL_200, "SECRET RETURN NOTE", readers=(OWNER,)
    ),  # one's own pieces only
    Row("GET", "/festivals/<slug>/load", "/festivals/{slug}/load", _statuses(403, 403, 200), None),
    # The API.
    Row("GET", "/api/v1/pieces", "/api/v1/pieces", ALL_200, "SECRET BODY", api=True),
    Row(
        "GET",
        f"/api/v1/pieces/{P}",
        "/api/v1/pieces/{theirs}",
        ALL_200,
        "SECRET BODY, second draft.",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}",
        "/api/v1/pieces/{interview}",
        ALL_200,
        "SECRET QUOTE about Texas",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}",
        "/api/v1/pieces/{live}",
        ALL_200,
        "SECRET CORRECTION",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}/history",
        "/api/v1/pieces/{theirs}/history",
        ALL_200,
        "SECRET RETURN NOTE",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}/revisions",
        "/api/v1/pieces/{theirs}/revisions",
        READERS_ONLY,
        None,
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}/revisions/<int:number>",
        "/api/v1/pieces/{theirs}/revisions/1",
        READERS_ONLY,
        "SECRET BODY, first draft.",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}/comments",
        "/api/v1/pieces/{theirs}/comments",
        READERS_ONLY,
        "SECRET RETURN NOTE",
        api=True,
    ),
    Row(
        "GET",
        f"/api/v1/pieces/{P}/export",
        "/api/v1/pieces/{live}/export?format=markdown",
        READERS_ONLY,
        "LIVE",
        api=True,
    ),
    # A refused step is a problem; an allowed one answers with the piece.
    Row(
        "POST",
        f"/api/v1/pieces/{P}/transitions",
        "/api/v1/pieces/{theirs}/transitions",
        _statuses(409, 200, 409),
        "SECRET BODY",
        readers=(OWNER,),
        data={"action": "file"},
        api=True,
    ),
    # Clashes name the writer's commitments by working title, never the headline (they are
    # stored in "assign anyway" records others see); still, a writer asks only about themselves.
    Row(
        "GET",
        "/api/v1/writers/<int:writer_id>/clashes",
        "/api/v1/writers/{owner_id}/clashes?festival={slug}"
        "&start=2021-10-08T09:30&end=2021-10-08T10:00",
        READERS_ONLY,
        "Red Rocket (press screening) for Review: Red Rocket",
        api=True,
    ),
]

# Routes of a piece that show none of it beyond what their own rule allows, and why.
NOT_SHOWING = {
    ("POST", f"/pieces/{P}/presence"): "whoever may write it now; answers names only",
    ("POST", f"/pieces/{P}/comments"): "may_comment (the same rule) refuses, then redirects",
    ("POST", f"/pieces/{P}/revisions/<int:number>/restore"): "whoever may write it now",
    ("POST", f"/pieces/{P}/assign"): "the desk's, like GET; redirects",
    ("POST", f"/api/v1/pieces/{P}/comments"): "may_comment: 403 (tests/api/test_drafts_api.py)",
    ("PATCH", f"/api/v1/pieces/{P}"): "whoever may write or plan it: tests/api",
}


def _unfolded(text: str) -> str:
    """iCalendar folds long lines: a secret must not hide across a fold."""
    return text.replace("\r\n ", "").replace("\n ", "")


def _fill(url: str, ids: dict) -> str:
    return url.format(**ids)


def test_every_piece_route_is_in_the_table(app):
    in_table = {(row.method, row.rule) for row in TABLE}
    routes = set()
    for rule in app.url_map.iter_rules():
        if "piece_id" in rule.rule or rule.rule.startswith(("/api/v1/pieces", "/api/v1/writers")):
            routes |= {(method, rule.rule) for method in rule.methods - {"HEAD", "OPTIONS"}}
    # POST /api/v1/pieces creates the caller's own pitch (or the desk's piece): nothing of others.
    routes.discard(("POST", "/api/v1/pieces"))
    missing = routes - in_table - set(NOT_SHOWING)
    assert missing == set(), "add these routes to TABLE (or NOT_SHOWING, with the reason)"
    every = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods}
    assert (in_table | set(NOT_SHOWING)) - every == set(), "these routes no longer exist"


CASES = [
    pytest.param(row, role, id=f"{row.method} {row.url} as {role}")
    for row in TABLE
    for role in ROLES
]


@pytest.mark.parametrize("row,role", CASES)
def test_who_sees_what_of_a_piece(app, client, users, desk, login, row, role):
    url = _fill(row.url, desk)
    if row.api:
        user_id = desk["owner_id"] if role == OWNER else users[role]
        with app.app_context():
            _, secret = issue_api_token(db.session.get(User, user_id), "visibility")
            db.session.commit()
        headers = bearer(secret)
        if row.method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, json=row.data, headers=headers)
    else:
        login(EMAILS[role])
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.post_form(url, row.data, page=f"/pieces/{desk['theirs']}")
    expected = row.statuses[role]
    assert response.status_code == expected, response.get_data(as_text=True)[:800]
    text = _unfolded(response.get_data(as_text=True))
    if role == WRITER:
        leaked = [secret for secret in SECRETS if secret in text]
        assert leaked == [], f"{role} sees {leaked}"
    elif expected == 200 and row.marker and role in row.readers:
        assert row.marker in text


# --- What another writer still sees -----------------------------------------------------------


def test_a_colleague_sees_the_plan_of_the_piece_not_its_words(client, desk, login):
    login(EMAILS[WRITER])
    page = client.get(f"/pieces/{desk['theirs']}").get_data(as_text=True)
    # Plan facts: working title, film, writer, state, dates, word target, the steps taken.
    assert "Review: Red Rocket" in page
    assert "Olly Other" in page and "Drafting" in page
    assert "Fri 08 Oct 2021, 09:00 London time · Press screening at BFI Southbank NFT1" in page
    assert "Sun 10 Oct 2021, 10:00 London time" in page  # copy due
    assert "500 wanted" in page
    assert "return" in page and "editing → drafting" in page
    # Nothing said or written: no text, rating, revisions link, comments or notes.
    assert "★" not in page
    assert f"/pieces/{desk['theirs']}/revisions" not in page
    assert "Add comment" not in page
    assert "for Olly Other and the desk" in page


def test_the_writer_of_the_piece_sees_everything_said_to_them(client, desk, login):
    login(EMAILS[OWNER])
    page = client.get(f"/pieces/{desk['theirs']}").get_data(as_text=True)
    assert "SECRET HEADLINE" in page and "SECRET STANDFIRST" in page
    assert "SECRET BODY, second draft." in page
    assert "★★★★" in page and "4 of 500" in page
    assert page.count("SECRET RETURN NOTE") == 2  # the comment and the history note
    assert "SECRET COMMENT" in page and "Add comment" in page


def test_the_api_shows_a_colleague_the_plan_with_the_text_null(app, client, users, desk):
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["writer"]), "visibility")
        db.session.commit()
    shown = client.get(f"/api/v1/pieces/{desk['theirs']}", headers=bearer(secret)).get_json()
    assert shown["text_visible"] is False
    assert shown["title"] == "Review: Red Rocket"
    assert shown["writer"]["name"] == "Olly Other" and shown["state"] == "drafting"
    assert shown["film"]["title"] == "Red Rocket" and shown["due_at"].startswith("2021-10-10")
    assert shown["word_target"] == 500
    for name in (
        "headline",
        "standfirst",
        "body",
        "star_rating",
        "pull_quote",
        "suggested_headline",
        "decline_reason",
    ):
        assert shown[name] is None, name
    history = client.get(
        f"/api/v1/pieces/{desk['theirs']}/history", headers=bearer(secret)
    ).get_json()
    assert [step["action"] for step in history][-1] == "return"
    assert {step["note"] for step in history} == {None}
    # A live piece's address is public anyway (its headline is), unlike its correction.
    live = client.get(f"/api/v1/pieces/{desk['live']}", headers=bearer(secret)).get_json()
    assert live["public_url"].endswith("/film-festivals/test-festival-2021/red-rocket-review")
    assert live["body"] is None and live["text_visible"] is False
    refused = client.get(f"/api/v1/pieces/{desk['theirs']}/comments", headers=bearer(secret))
    assert refused.status_code == 403
    assert "Only the piece's writer and the desk" in refused.get_json()["detail"]


def test_feeds_carry_only_the_pieces_their_holder_may_read(app, client, users, desk):
    from tests.calendars.helpers import feed_path, issue

    writer_feed = client.get(feed_path(issue(app, users["writer"], "personal")))
    assert writer_feed.status_code == 200
    text = _unfolded(writer_feed.get_data(as_text=True))
    assert [secret for secret in SECRETS if secret in text] == []
    owner_feed = client.get(feed_path(issue(app, desk["owner_id"], "personal")))
    assert "SECRET HEADLINE" in _unfolded(owner_feed.get_data(as_text=True))
    with pytest.raises(NotPermitted, match="Only editors subscribe to the desk calendar"):
        issue(app, users["writer"], "desk", desk["festival"])
