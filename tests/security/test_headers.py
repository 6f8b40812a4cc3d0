"""Security and caching headers (coverage.security.headers): what a browser and a cache see on
each area's pages: desk, log-in, public, feeds, API, error pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from coverage import create_app
from coverage.config import config_for_tests, load_config
from coverage.extensions import db
from tests.conftest import PASSWORD

PIECE = "/film-festivals/test-festival-2021/red-rocket-review"
HUB = "/film-festivals/test-festival-2021/"
HTML_ONLY = ("script-src", "style-src", "img-src", "form-action", "base-uri", "object-src")


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: (part[1] if len(part) > 1 else "") for part in parts}


def assert_security_headers(response, *, html: bool) -> None:
    """Every header a browser needs, whatever the area; the full policy on HTML only."""
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer"}
    permissions = headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions
    assert "clipboard-write=(self)" in permissions
    csp = policy(response)
    assert csp["frame-ancestors"] == "'none'"
    if html:
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'"
        assert csp["style-src"] == "'self'"
        assert csp["object-src"] == "'none'"
        assert csp["form-action"] == "'self'"
        assert csp["base-uri"] == "'self'"
    else:
        assert csp["default-src"] == "'none'"
        assert not set(HTML_ONLY) & set(csp)
    assert "Strict-Transport-Security" not in headers  # not in development


def log_in_remembered(client, email: str) -> None:
    response = client.post_form(
        "/login", {"email": email, "password": PASSWORD, "remember": "y"}, page="/login"
    )
    assert response.status_code == 302
    assert client.get_cookie("remember_token", domain="coverage.test") is not None


# --- Desk pages ---------------------------------------------------------------------------


def test_a_desk_page_carries_every_header_and_is_never_stored(client, users, login):
    login("writer")
    response = client.get("/my-work")
    assert response.status_code == 200
    assert_security_headers(response, html=True)
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_account_page_with_its_secrets_is_never_stored(client, users, login):
    login("editor")
    response = client.post_form("/account/tokens", {"label": "laptop"}, follow_redirects=True)
    assert response.status_code == 200
    assert "fcapi_" in response.get_data(as_text=True)  # the new token, shown once
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_page_carries_every_header_and_is_never_stored(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "no-store"


# --- Error pages ----------------------------------------------------------------------------


def test_a_not_found_page_carries_every_header(client, users, login):
    login("writer")
    response = client.get("/pieces/99999")
    assert response.status_code == 404
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_refused_csrf_token_page_carries_every_header(client, users, login):
    login("writer")
    response = client.post("/account/tokens", data={"label": "no token"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "no-store"


# --- Public pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PIECE, HUB, "/film-festivals/"])
def test_public_pages_carry_every_header_and_may_be_cached_publicly(client, publish, url):
    publish()
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["ETag"]
    assert "Set-Cookie" not in response.headers


def test_a_public_page_sets_no_cookie_for_a_reader_holding_only_remember_me(client, users, publish):
    """Flask-Login restores a session from the remember-me cookie on any render; a page that a
    shared cache keeps must not carry that session's Set-Cookie (nor vary on the cookie)."""
    publish()
    log_in_remembered(client, "editor@example.org")
    client.delete_cookie("session", domain="coverage.test")
    response = client.get(PIECE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")
    # Nothing is lost: the desk restores the session from the same cookie.
    desk = client.get("/my-work")
    assert desk.status_code == 200
    assert "session=" in " ".join(desk.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "url,status", [(HUB, 200), ("/film-festivals/", 200), (HUB + "no-such-review", 404)]
)
def test_other_public_pages_set_no_cookie_for_a_reader_holding_only_remember_me(
    client, users, publish, url, status
):
    publish()
    log_in_remembered(client, "writer@example.org")
    client.delete_cookie("session", domain="coverage.test")
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("url", ["/film-festivals/feed.atom", "/sitemap.xml"])
def test_public_feeds_carry_the_minimal_policy_and_may_be_cached_publicly(client, publish, url):
    publish()
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


def test_a_missing_public_page_is_cached_briefly_like_the_pages(client, programme):
    response = client.get("/film-festivals/test-festival-2021/no-such-review")
    assert response.status_code == 404
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


# --- Calendar feeds -------------------------------------------------------------------------


def test_a_secret_calendar_feed_is_private_with_its_etag_and_sends_no_referrer(
    client, festival_feed
):
    response = client.get(f"/calendars/{festival_feed}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers["ETag"]
    # The secret is the address itself: never sent on in a Referer header.
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_public_festival_calendar_may_be_cached_publicly(app, client, programme):
    from coverage.festivals.models import Festival

    with app.app_context():
        db.session.get(Festival, programme["festival"]).is_public = True
        db.session.commit()
    response = client.get(f"/calendars/public/{programme['slug']}.ics")
    assert response.status_code == 200
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["ETag"]
    assert "Set-Cookie" not in response.headers


def test_a_one_off_calendar_download_keeps_its_own_caching(client, users, login, programme):
    login("writer")
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}.ics"
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_password_reset_page_sends_no_referrer(client):
    response = client.get("/password/reset/" + "A" * 43)  # well-formed, never issued
    assert response.mimetype == "text/html"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert_security_headers(response, html=True)
    assert response.headers["Cache-Control"] == "no-store"


# --- API ------------------------------------------------------------------------------------


def test_an_api_response_is_never_stored_and_varies_by_token(client, tokens):
    response = client.get("/api/v1/me", headers=tokens["writer"])
    assert response.status_code == 200
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]


def test_an_api_problem_is_never_stored_and_varies_by_token(client):
    response = client.get("/api/v1/festivals")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert_security_headers(response, html=False)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]


# --- Static files ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/static/app.js", "/static/swagger-ui/swagger-ui-bundle.js"])
def test_static_files_keep_flasks_revalidated_caching(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers


# --- Scripts: no inline code allowed, anywhere ---------------------------------------------


def test_no_page_allows_inline_or_evaluated_script(client, users, login, publish, tokens):
    publish()
    responses = [client.get("/login"), client.get(PIECE), client.get("/api/v1/docs")]
    responses.append(client.get("/api/v1/me", headers=tokens["editor"]))
    login("editor")
    responses += [client.get("/my-work"), client.get("/pieces/99999")]
    for response in responses:
        csp = policy(response)
        for directive in ("script-src", "default-src"):
            sources = csp.get(directive, "")
            assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
        assert "'unsafe-inline'" not in csp.get("style-src", "")


# --- HSTS -----------------------------------------------------------------------------------


def production_app(tmp_path: Path, database_url: str, **environment: str):
    env = {
        "COVERAGE_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "PUBLIC_BASE_URL": "https://coverage.test",
        **environment,
    }
    config = load_config(tmp_path, env)
    config.update(config_for_tests(database_url))
    return create_app(config)


@pytest.fixture
def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def test_hsts_is_sent_in_production_over_https(tmp_path, database_url):
    client = production_app(tmp_path, database_url).test_client()
    for url in ("/login", "/api/v1/openapi.json"):
        response = client.get(url, base_url="https://coverage.test")
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_hsts_is_not_sent_in_production_without_secure_cookies(tmp_path, database_url):
    app = production_app(tmp_path, database_url, SESSION_COOKIE_SECURE="false")
    response = app.test_client().get("/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
