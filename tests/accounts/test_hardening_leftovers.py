"""Hardening leftovers: new secrets shown after a redirect (Post/Redirect/Get), the password
reset's own throttling label in the audit log, one title for every 422, the remember-me cookie
cleared with its attributes, and the command-line import in the audit log."""

from __future__ import annotations

import html
import re

from coverage.config import load_config
from tests.accounts.helpers import audit_rows, browser, sign_in
from tests.api.test_programme_api import FESTIVAL
from tests.conftest import PRODUCTION_ENV, log_in
from tests.programme import test_import as imports

API_SECRET = re.compile(r'value="(fcapi_[^"]+)"')
FEED_SECRET = re.compile(r"https?://[^\s\"'<>]+/calendars/(cal_[A-Za-z0-9_\-]+)\.ics")


# --- 1. New secrets: Post/Redirect/Get, shown once ------------------------------------------


def test_a_new_api_token_is_shown_once_after_a_redirect(app, client, users, login):
    login("editor")
    response = client.post_form("/account/tokens", {"token-label": "laptop"})
    # The POST answers with a redirect: a reload or "back" never posts again (nor mints a token).
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account#api-tokens")
    assert "fcapi_" not in response.get_data(as_text=True)
    page = client.get("/account").get_data(as_text=True)
    secret = API_SECRET.search(page).group(1)
    assert "Copy your new token now: it will not be shown again." in page
    reloaded = client.get("/account").get_data(as_text=True)
    assert secret not in reloaded and not API_SECRET.search(reloaded)
    assert "laptop" in reloaded  # still listed, so it can be revoked


def test_a_refused_token_form_is_still_answered_in_place(app, client, users, login):
    login("editor")
    response = client.post_form("/account/tokens", {"token-label": "x" * 500})
    assert response.status_code == 422
    assert "fcapi_" not in response.get_data(as_text=True)


def test_a_new_calendar_address_is_shown_once_after_a_redirect(app, client, users, login):
    login("writer")
    response = client.post_form("/account/feeds", {"kind": "personal"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account#calendars")
    assert not FEED_SECRET.search(response.get_data(as_text=True))
    page = html.unescape(client.get("/account").get_data(as_text=True))
    secret = FEED_SECRET.search(page).group(1)
    assert f"webcal://coverage.test/calendars/{secret}.ics" in page
    assert "Your address for your personal schedule" in page
    reloaded = client.get("/account").get_data(as_text=True)
    assert secret not in reloaded
    assert "My schedule (all festivals)" in reloaded  # listed, so it can be stopped
    assert client.get(f"/calendars/{secret}.ics").status_code == 200


def _session_contents(app, client) -> dict:
    cookie = client.get_cookie("session", domain="coverage.test")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_a_secret_not_yet_shown_leaves_the_session_at_logout(app, client, users, login):
    login("editor")
    assert client.post_form("/account/tokens", {"token-label": "t"}).status_code == 303
    assert "fcapi_" in str(_session_contents(app, client))  # waiting for the next page view
    # Logging out instead of viewing it (from another page): the logged-out cookie keeps nothing.
    assert client.post_form("/logout", page="/notifications").status_code == 302
    assert "fcapi_" not in str(_session_contents(app, client))
    login("writer")
    assert not API_SECRET.search(client.get("/account").get_data(as_text=True))


# --- 2. Throttled password-reset requests have their own audit label -------------------------


def test_a_throttled_password_reset_is_audited_as_such_and_filterable(app, users):
    anonymous = browser(app)
    for _ in range(3):
        sent = anonymous.post_form(
            "/password/reset", {"email": "editor@example.org"}, page="/password/reset"
        )
        assert sent.status_code == 302
    refused = anonymous.post_form(
        "/password/reset", {"email": "editor@example.org"}, page="/password/reset"
    )
    assert refused.status_code == 429
    assert audit_rows(app, "login_throttled") == []
    (event,) = audit_rows(app, "password_reset_throttled")
    assert event.actor_label == "editor@example.org" and event.target == "password reset"

    admin = browser(app)
    assert log_in(admin, "admin@example.org").status_code == 302
    page = html.unescape(admin.get("/admin/audit").get_data(as_text=True))
    assert (
        '<option value="password_reset_throttled">'
        "Password reset refused: too many requests</option>" in page
    )
    filtered = admin.get("/admin/audit", query_string={"action": "password_reset_throttled"})
    text = html.unescape(filtered.get_data(as_text=True))
    assert "Password reset refused: too many requests" in text.split("<tbody>", 1)[1]
    assert "Log-in refused" not in text.split("<tbody>", 1)[1]


# --- 3. One title for every 422 on the API ---------------------------------------------------


def test_every_422_on_the_api_carries_rfc_9110s_title(app, client, users):
    from tests.accounts.helpers import api_token

    editor = {"Authorization": f"Bearer {api_token(app, users['editor'])}"}
    answers = {
        # pydantic (spectree) finds required fields missing
        "validation": client.post("/api/v1/festivals", json={"name": "x"}, headers=editor),
        # the domain refuses the time zone (InvalidInput naming the field)
        "domain": client.post(
            "/api/v1/festivals", json=FESTIVAL | {"timezone": "Europe/Londn"}, headers=editor
        ),
        # the body check refuses a JSON array
        "body": client.post("/api/v1/festivals", json=[FESTIVAL], headers=editor),
    }
    for name, response in answers.items():
        assert response.status_code == 422, name
        assert response.mimetype == "application/problem+json", name
        assert response.get_json()["title"] == "Unprocessable Content", name


# --- 4. Logging out clears the remember-me cookie with its attributes -------------------------


def _remember_cookie(response) -> str:
    (cookie,) = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    ]
    return cookie


def test_logout_clears_the_remember_cookie_httponly_and_samesite(app, client, users):
    sign_in(client, "writer@example.org", remember=True)
    response = client.post_form("/logout")
    assert response.status_code == 302
    cookie = _remember_cookie(response)
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cookie and "Max-Age=0" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development: plain http
    assert client.get_cookie("remember_token", domain="coverage.test") is None


def test_logout_clears_the_remember_cookie_as_secure_in_production(app, client, users, tmp_path):
    production = load_config(tmp_path, PRODUCTION_ENV)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        app.config[key] = production[key]
    sign_in(client, "writer@example.org", remember=True)
    cookie = _remember_cookie(client.post_form("/logout"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_without_remember_me_sets_no_remember_cookie(app, client, users):
    sign_in(client, "writer@example.org")
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert not [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    ]


# --- 5. The command-line import is audited --------------------------------------------------


def test_the_import_command_is_recorded_as_the_command_line(app):
    slug = imports.create_cinemalaya(app)
    dry = imports.import_file(app, slug, imports.CINEMALAYA, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert audit_rows(app, "programme_imported") == []  # a dry run writes nothing
    result = imports.import_file(app, slug, imports.CINEMALAYA)
    assert result.exit_code == 0, result.output
    (event,) = audit_rows(app, "programme_imported")
    assert event.user_agent == "command line" and event.actor_label == "command line"
    assert event.actor_id is None and event.ip_address == ""
    assert f"({slug})" in event.target
    assert event.detail == (
        "cinemalaya-2023-schedule.csv: films 12 created, 0 updated; venues 7 created; "
        "screenings 215 created, 0 updated"
    )


def test_a_refused_import_command_is_not_recorded(app, tmp_path):
    slug = imports.create_cinemalaya(app)
    broken = tmp_path / "broken.csv"
    broken.write_text("Film,Date\nRed Rocket,not a date\n")
    assert imports.import_file(app, slug, broken).exit_code != 0
    assert audit_rows(app, "programme_imported") == []


def test_a_programme_file_over_the_upload_limit_is_413_content_too_large(
    app, client, users, login, programme
):
    from tests.programme.test_import import upload

    app.config["MAX_CONTENT_LENGTH"] = 4096
    login("editor")
    response = upload(client, programme["slug"], b"Film,Date\n" + b"x" * 8192)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    # RFC 9110's name (werkzeug still says "Request Entity Too Large").
    assert "Content Too Large" in page and "Entity" not in page
    assert "Programme files may be at most" in page


def test_a_password_reset_while_signed_in_clears_the_remember_cookie_the_same_way(
    app, client, users
):
    from tests.accounts.test_password_reset import _link, _path, _reset

    sign_in(client, "writer@example.org", remember=True)
    link = _link(app, client)
    client.get(_path(link))  # the link moves into the session: /password/reset/new
    response = _reset(client, "/password/reset/new")

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    cookie = _remember_cookie(response)
    assert "Max-Age=0" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
