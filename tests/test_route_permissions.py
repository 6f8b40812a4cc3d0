"""Every route, with every role and logged out: the status a user gets.

A new route fails `test_every_route_is_in_the_table` until its row is added here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coverage.accounts.models import ApiToken, User
from coverage.accounts.services import issue_api_token
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.programme.models import Screening

ANON, WRITER, EDITOR, ADMIN = "anonymous", "writer", "editor", "admin"
LOGIN = "login"  # a redirect to the login page

# (method, url template) -> expected status per role. {token} is a token of the acting user,
# {other} another account's id.
TABLE: dict[tuple[str, str], dict[str, int | str]] = {
    ("GET", "/"): {ANON: 302, WRITER: 302, EDITOR: 302, ADMIN: 302},
    ("GET", "/login"): {ANON: 200, WRITER: 302, EDITOR: 302, ADMIN: 302},
    ("POST", "/login"): {ANON: 422, WRITER: 302, EDITOR: 302, ADMIN: 302},
    ("POST", "/logout"): {ANON: LOGIN, WRITER: 302, EDITOR: 302, ADMIN: 302},
    ("GET", "/account"): {ANON: LOGIN, WRITER: 200, EDITOR: 200, ADMIN: 200},
    ("POST", "/account/password"): {ANON: LOGIN, WRITER: 422, EDITOR: 422, ADMIN: 422},
    # A new token is shown on the settings page after a redirect (Post/Redirect/Get).
    ("POST", "/account/tokens"): {ANON: LOGIN, WRITER: 303, EDITOR: 303, ADMIN: 303},
    ("POST", "/account/tokens/{token}/revoke"): {ANON: LOGIN, WRITER: 302, EDITOR: 302, ADMIN: 302},
    # Ending a session: {number} is 1, the acting user's own current session (logout ends it).
    ("POST", "/account/sessions/{number}/end"): {ANON: LOGIN, WRITER: 404, EDITOR: 404, ADMIN: 404},
    # Password reset is for anyone; an empty request is refused, an unknown link is not found.
    ("GET", "/password/reset"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    ("POST", "/password/reset"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 422),
    ("GET", "/password/reset/{secret}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 404),
    ("POST", "/password/reset/{secret}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 404),
    ("GET", "/password/reset/new"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 404),
    ("POST", "/password/reset/new"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 404),
    # Email choices: an empty form lacks the delivery choice (422, nothing saved).
    ("POST", "/account/email"): {ANON: LOGIN, WRITER: 422, EDITOR: 422, ADMIN: 422},
    # Everyone has their own notifications; opening one needs which (400 without).
    ("GET", "/notifications"): {ANON: LOGIN, WRITER: 200, EDITOR: 200, ADMIN: 200},
    ("POST", "/notifications/open"): {ANON: LOGIN, WRITER: 400, EDITOR: 400, ADMIN: 400},
    ("POST", "/notifications/read-all"): {ANON: LOGIN, WRITER: 302, EDITOR: 302, ADMIN: 302},
    ("GET", "/admin/users"): {ANON: LOGIN, WRITER: 403, EDITOR: 403, ADMIN: 200},
    ("POST", "/admin/users"): {ANON: LOGIN, WRITER: 403, EDITOR: 403, ADMIN: 422},
    ("POST", "/admin/users/{other}"): {ANON: LOGIN, WRITER: 403, EDITOR: 403, ADMIN: 302},
    # The audit log is the admins' (who did what, from where).
    ("GET", "/admin/audit"): {ANON: LOGIN, WRITER: 403, EDITOR: 403, ADMIN: 200},
    ("GET", "/festivals/"): {ANON: LOGIN, WRITER: 200, EDITOR: 200, ADMIN: 200},
    **{
        (method, url): {ANON: LOGIN, WRITER: writer, EDITOR: desk, ADMIN: desk}
        for method, url, writer, desk in [
            # Everyone logged in reads the programme.
            ("GET", "/festivals/{slug}", 200, 200),
            ("GET", "/festivals/{slug}/venues", 200, 200),
            ("GET", "/festivals/{slug}/days", 302, 302),
            ("GET", "/festivals/{slug}/days/{day}", 200, 200),
            ("GET", "/festivals/{slug}/films", 200, 200),
            ("GET", "/festivals/{slug}/films/{film}", 200, 200),
            # Editing is the desk's; an empty form is refused with 422, not saved.
            ("GET", "/festivals/new", 403, 200),
            ("POST", "/festivals/new", 403, 422),
            ("GET", "/festivals/{slug}/edit", 403, 200),
            ("POST", "/festivals/{slug}/edit", 403, 422),
            ("POST", "/festivals/{slug}/delete", 403, 302),
            ("POST", "/festivals/{slug}/venues", 403, 422),
            ("POST", "/festivals/{slug}/venues/travel", 403, 422),
            # Nothing ticked to merge: refused with the form, nothing merged.
            ("POST", "/festivals/{slug}/venues/merge", 403, 422),
            ("GET", "/festivals/{slug}/venues/{venue}/edit", 403, 200),
            # Fields missing from a post keep their saved values (WTForms reads the object).
            ("POST", "/festivals/{slug}/venues/{venue}/edit", 403, 302),
            ("POST", "/festivals/{slug}/venues/{venue}/delete", 403, 302),
            ("GET", "/festivals/{slug}/films/new", 403, 200),
            ("POST", "/festivals/{slug}/films/new", 403, 422),
            ("GET", "/festivals/{slug}/films/{film}/edit", 403, 200),
            ("POST", "/festivals/{slug}/films/{film}/edit", 403, 422),
            ("POST", "/festivals/{slug}/films/{film}/delete", 403, 302),
            ("GET", "/festivals/{slug}/screenings/new", 403, 200),
            ("POST", "/festivals/{slug}/screenings/new", 403, 422),
            ("GET", "/festivals/{slug}/screenings/{screening}/edit", 403, 200),
            ("POST", "/festivals/{slug}/screenings/{screening}/edit", 403, 422),
            ("POST", "/festivals/{slug}/screenings/{screening}/cancel", 403, 302),
            ("POST", "/festivals/{slug}/screenings/{screening}/restore", 403, 302),
            ("POST", "/festivals/{slug}/screenings/{screening}/delete", 403, 302),
            ("GET", "/festivals/{slug}/import", 403, 200),
            ("POST", "/festivals/{slug}/import", 403, 422),
            ("GET", "/festivals/{slug}/import/{upload}", 403, 200),
            # A confirm without the preview's fingerprint is refused.
            ("POST", "/festivals/{slug}/import/{upload}", 403, 400),
            # Coverage planning: everyone reads the board and pieces, writers pitch.
            ("GET", "/festivals/{slug}/coverage", 200, 200),
            ("GET", "/festivals/{slug}/load", 403, 200),
            ("GET", "/my-work", 200, 200),
            # One section of the desk's inbox in full: the desk's (a writer has no inbox).
            ("GET", "/my-work/{key}", 403, 200),
            ("GET", "/festivals/{slug}/pieces/new", 200, 200),
            ("POST", "/festivals/{slug}/pieces/new", 422, 422),
            ("GET", "/pieces/{piece}", 200, 200),
            ("POST", "/pieces/{piece}/transitions", 400, 400),
            ("GET", "/pieces/{piece}/assign", 403, 200),
            ("POST", "/pieces/{piece}/assign", 403, 302),
            # The fixture's piece is pitched: nobody writes its text yet.
            ("GET", "/pieces/{piece}/text", 403, 403),
            ("POST", "/pieces/{piece}/text", 403, 403),
            ("POST", "/pieces/{piece}/presence", 403, 403),
            ("POST", "/pieces/{piece}/revisions/{number}/restore", 403, 403),
            # Text, revisions and comments are the piece's writer's and the desk's
            # (can_read_text): nobody writes the fixture's piece, so a writer is refused.
            # Every role with a piece of another writer: tests/test_who_sees_text.py.
            ("GET", "/pieces/{piece}/revisions", 403, 200),
            ("GET", "/pieces/{piece}/revisions/{number}", 403, 404),  # none saved yet
            ("GET", "/pieces/{piece}/revisions/compare", 403, 400),  # choose two first
            # Calendars: one-off files need a login; feeds are found by their secret alone.
            ("GET", "/festivals/{slug}/screenings/{screening}.ics", 200, 200),
            ("GET", "/pieces/{piece}/interview.ics", 404, 404),  # the review has no slot
            ("POST", "/account/feeds", 400, 400),  # no kind chosen
            ("POST", "/account/feeds/{token}/revoke", 403, 403),  # not one of theirs
            # An empty comment is refused with a message on the piece page.
            ("POST", "/pieces/{piece}/comments", 302, 302),
        ]
    },
    # The API never uses the session: every role without a bearer token gets 401.
    ("GET", "/api/v1/me"): {ANON: 401, WRITER: 401, EDITOR: 401, ADMIN: 401},
    ("GET", "/api/v1/openapi.json"): {ANON: 200, WRITER: 200, EDITOR: 200, ADMIN: 200},
    ("GET", "/api/v1/docs"): {ANON: 200, WRITER: 200, EDITOR: 200, ADMIN: 200},
    # A feed's secret is its only key: an unknown one (or a private festival) is not found.
    ("GET", "/calendars/{secret}.ics"): {ANON: 404, WRITER: 404, EDITOR: 404, ADMIN: 404},
    ("GET", "/calendars/public/{slug}.ics"): {ANON: 404, WRITER: 404, EDITOR: 404, ADMIN: 404},
    **{
        (method, f"/api/v1/festivals{url}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 401)
        for method, url in [
            ("GET", ""),
            ("POST", ""),
            ("GET", "/{slug}"),
            ("GET", "/{slug}/venues"),
            ("POST", "/{slug}/venues"),
            ("GET", "/{slug}/venues/{venue}"),
            ("GET", "/{slug}/films"),
            ("POST", "/{slug}/films"),
            ("GET", "/{slug}/films/{film}"),
            ("GET", "/{slug}/screenings"),
            ("POST", "/{slug}/screenings"),
            ("GET", "/{slug}/screenings/{screening}"),
            ("POST", "/{slug}/screenings/{screening}/cancel"),
            ("POST", "/{slug}/screenings/{screening}/restore"),
        ]
    },
    # This table's client sends every non-GET method as a form POST, and these URLs take no
    # POST: routing refuses it (405) before the API's token check. Role checks over PATCH with
    # a bearer token are in tests/api/test_programme_api.py.
    **{
        ("PATCH", f"/api/v1/festivals{url}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 405)
        for url in [
            "/{slug}",
            "/{slug}/venues/{venue}",
            "/{slug}/films/{film}",
            "/{slug}/screenings/{screening}",
        ]
    },
    # Pieces and clashes over the API: bearer tokens only, as above.
    **{
        (method, f"/api/v1{url}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 401)
        for method, url in [
            ("GET", "/pieces"),
            ("POST", "/pieces"),
            ("GET", "/pieces/{piece}"),
            ("POST", "/pieces/{piece}/transitions"),
            ("GET", "/pieces/{piece}/history"),
            ("GET", "/writers/{other}/clashes"),
            ("GET", "/pieces/{piece}/revisions"),
            ("GET", "/pieces/{piece}/revisions/{number}"),
            ("GET", "/pieces/{piece}/comments"),
            ("POST", "/pieces/{piece}/comments"),
        ]
    },
    # Published coverage is for readers: no login. The fixture's piece is only pitched, so its
    # address is not found; its festival's hub says there is nothing to read yet.
    ("GET", "/film-festivals/"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    ("GET", "/film-festivals/{slug}/"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    ("GET", "/film-festivals/{slug}/{piece_slug}"): dict.fromkeys(
        (ANON, WRITER, EDITOR, ADMIN), 404
    ),
    ("GET", "/film-festivals/feed.atom"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    ("GET", "/film-festivals/{slug}/feed.atom"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    ("GET", "/sitemap.xml"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 200),
    # The load balancer's check needs no login; the test database has no Alembic version, so
    # "migrations behind" (503). tests/ops/test_health.py covers the 200.
    ("GET", "/health"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 503),
    # CMS export: the piece's writer and the desk; the fixture's piece is not ready yet (409).
    ("GET", "/pieces/{piece}/export.html"): {ANON: LOGIN, WRITER: 403, EDITOR: 409, ADMIN: 409},
    ("GET", "/pieces/{piece}/export.md"): {ANON: LOGIN, WRITER: 403, EDITOR: 409, ADMIN: 409},
    ("GET", "/api/v1/pieces/{piece}/export"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 401),
    # Sent as a form POST, which this URL does not take (see the programme's PATCH rows above);
    # the role checks over PATCH are in tests/api/test_pieces_api.py.
    ("PATCH", "/api/v1/pieces/{piece}"): dict.fromkeys((ANON, WRITER, EDITOR, ADMIN), 405),
}

SKIPPED_ENDPOINTS = {"static", "api_docs.asset"}  # files: Swagger UI's are public like ours


PLACEHOLDERS = {
    "<int:token_id>": "{token}",
    "<int:user_id>": "{other}",
    "<slug>": "{slug}",
    "<festival_slug>": "{slug}",
    "<piece_slug>": "{piece_slug}",
    "<day>": "{day}",
    "<int:venue_id>": "{venue}",
    "<int:film_id>": "{film}",
    "<int:screening_id>": "{screening}",
    "<int:upload_id>": "{upload}",
    "<int:piece_id>": "{piece}",
    "<int:number>": "{number}",
    "<int:session_id>": "{number}",
    "<token>": "{secret}",
    "<secret>": "{secret}",
    "<int:writer_id>": "{other}",
    "<key>": "{key}",
}


def _flask_rule_to_template(rule: str) -> str:
    for converter, placeholder in PLACEHOLDERS.items():
        rule = rule.replace(converter, placeholder)
    return rule


def _fill(url: str, programme: dict, token_id: int, other: int) -> str:
    return url.format(
        token=token_id,
        other=other,
        slug=programme["slug"],
        day="2021-10-10",
        venue=programme["nft1"],
        film=programme["film"],
        screening=programme["press"],
        upload=programme["upload"],
        piece=programme["piece"],
        number=1,
        secret="cal_not-a-real-secret",
        piece_slug="red-rocket-review",
        key="pitched",
    )


def test_every_route_is_in_the_table(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _flask_rule_to_template(rule.rule)))
    assert routes - set(TABLE) == set(), "add these routes to TABLE"
    assert set(TABLE) - routes == set(), "TABLE lists routes that no longer exist"


CASES = [(method, url, role) for (method, url) in TABLE for role in (ANON, WRITER, EDITOR, ADMIN)]


@pytest.mark.parametrize("method,url,role", CASES)
def test_route_status_by_role(app, client, users, login, programme, method, url, role):
    other = users["writer"] if role != WRITER else users["editor"]
    if role != ANON:
        login(role)
    with app.app_context():
        owner = db.session.get(User, users[role]) if role != ANON else db.session.get(User, other)
        token, _ = issue_api_token(owner, "table")
        db.session.commit()
        token_id = token.id
    target = _fill(url, programme, token_id, other)
    expected = TABLE[(method, url)][role]
    if method == "GET":
        response = client.get(target)
    else:
        response = client.post_form(target, page="/login" if role == ANON else "/account")
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("method,url", [key for key in TABLE if key[0] == "POST"])
def test_every_form_post_needs_a_csrf_token(app, client, users, login, programme, method, url):
    login("admin")
    with app.app_context():
        token, _ = issue_api_token(db.session.get(User, users["admin"]), "csrf")
        db.session.commit()
        token_id = token.id
    target = _fill(url, programme, token_id, users["writer"])
    response = client.post(target, data={})
    if url.startswith("/api/"):
        return
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    with app.app_context():
        # Nothing changed: the token is live and the other account untouched.
        assert db.session.get(ApiToken, token_id).revoked_at is None
        assert db.session.get(User, users["writer"]).active is True
        assert db.session.scalar(select(User).where(User.email == "")) is None
        assert db.session.get(Festival, programme["festival"]) is not None
        assert db.session.get(Screening, programme["press"]).cancelled is False
