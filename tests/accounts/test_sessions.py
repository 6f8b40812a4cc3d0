"""Server-side sessions: logout ends them everywhere, cookies are what ASVS V3.4 asks, and the
settings page lists each browser with a way to end it."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select, update

from coverage.accounts.models import LoginSession, User
from coverage.accounts.tokens import hash_token
from coverage.config import load_config
from coverage.extensions import db
from coverage.timeutil import utcnow
from tests.accounts.helpers import (
    FIREFOX_LINUX,
    SAFARI_IPHONE,
    browser,
    copy_cookie,
    is_signed_in,
    sign_in,
)
from tests.conftest import PRODUCTION_ENV, count_statements


def _sessions(app, user_id: int) -> list[LoginSession]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(LoginSession)
                .where(LoginSession.user_id == user_id)
                .order_by(LoginSession.id)
            )
        )
        db.session.expunge_all()
        return rows


# --- Logout ends the session on the server ---------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_logout(app, client, users):
    assert sign_in(client, "writer@example.org").status_code == 302
    thief = browser(app)
    copy_cookie(client, thief, "session")
    assert is_signed_in(thief)  # the copy works while the session lives

    response = client.post_form("/logout")
    assert "You are logged out on every device." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert not is_signed_in(thief)
    assert _sessions(app, users["writer"]) == []


def test_a_copied_remember_me_cookie_stops_working_after_logout(app, client, users):
    sign_in(client, "writer@example.org", remember=True)
    thief = browser(app)
    copy_cookie(client, thief, "remember_token")  # only the year-long cookie, no session
    assert is_signed_in(thief)

    client.post_form("/logout")
    assert not is_signed_in(thief)


def test_logout_ends_the_sessions_of_every_device(app, client, users):
    phone = browser(app)
    sign_in(phone, "editor@example.org", remember=True, user_agent=SAFARI_IPHONE)
    sign_in(client, "editor@example.org")
    assert len(_sessions(app, users["editor"])) == 2
    client.post_form("/logout")
    assert not is_signed_in(phone)
    assert _sessions(app, users["editor"]) == []


def test_the_cookie_holds_a_secret_whose_hash_alone_is_stored(app, client, users):
    sign_in(client, "writer@example.org", remember=True)
    remember = client.get_cookie("remember_token", domain="coverage.test").value
    secret = remember.split("|")[0]  # Flask-Login signs "<id>|<digest>"
    (row,) = _sessions(app, users["writer"])
    assert row.token_hash == hash_token(secret)
    assert secret not in row.token_hash
    assert str(users["writer"]) != secret  # not the account's id


# --- A new session identifier at every log-in -------------------------------------------------


def test_each_login_is_a_new_session_and_drops_what_was_in_the_old_one(app, client, users):
    with client.session_transaction() as planted:
        planted["planted_before_login"] = "by someone else"
    sign_in(client, "writer@example.org")
    with client.session_transaction() as after:
        assert "planted_before_login" not in after
        first_id = after["_user_id"]
    other = browser(app)
    sign_in(other, "writer@example.org")
    with other.session_transaction() as second:
        assert second["_user_id"] != first_id
    rows = _sessions(app, users["writer"])
    assert len(rows) == 2 and rows[0].token_hash != rows[1].token_hash


def test_a_deactivated_account_is_signed_out_even_with_a_live_session(app, client, users):
    sign_in(client, "writer@example.org")
    with app.app_context():
        db.session.get(User, users["writer"]).active = False
        db.session.commit()
    assert not is_signed_in(client)


def test_last_seen_is_written_at_most_every_five_minutes(app, client, users):
    sign_in(client, "writer@example.org")

    def session_updates() -> int:
        statements: list[str] = []
        from sqlalchemy import event

        with app.app_context():
            engine = db.engine

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/festivals/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return sum(1 for s in statements if s.startswith("UPDATE login_sessions"))

    assert session_updates() == 0
    assert session_updates() == 0
    long_ago = utcnow() - timedelta(minutes=6)
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=long_ago))
        db.session.commit()
    assert session_updates() == 1
    (row,) = _sessions(app, users["writer"])
    assert row.last_seen_at > long_ago + timedelta(minutes=5)
    assert session_updates() == 0


def test_a_page_view_costs_one_query_for_the_session(app, client, users):
    sign_in(client, "writer@example.org")
    client.get("/festivals/")
    count, response = count_statements(app, lambda: client.get("/festivals/"))
    assert response.status_code == 200
    sign_in(browser(app), "writer@example.org")  # a second session changes nothing here
    again, _ = count_statements(app, lambda: client.get("/festivals/"))
    assert again == count


# --- The settings page: where you are logged in -----------------------------------------------


def test_settings_list_each_browser_and_mark_this_device(app, client, users):
    phone = browser(app)
    sign_in(phone, "editor@example.org", user_agent=SAFARI_IPHONE, address="198.51.100.20")
    sign_in(client, "editor@example.org", user_agent=FIREFOX_LINUX, address="203.0.113.7")
    page = client.get("/account", headers={"User-Agent": FIREFOX_LINUX}).get_data(as_text=True)
    assert "Where you are logged in" in page
    assert "Firefox on Linux" in page and "203.0.113.7" in page
    assert "Safari on iPhone" in page and "198.51.100.20" in page
    assert page.count("this device") == 1
    phone_session = _sessions(app, users["editor"])[0]
    assert f"/account/sessions/{phone_session.id}/end" in page


def test_ending_another_session_signs_that_browser_out(app, client, users):
    phone = browser(app)
    sign_in(phone, "editor@example.org", remember=True, user_agent=SAFARI_IPHONE)
    sign_in(client, "editor@example.org")
    phone_session = _sessions(app, users["editor"])[0]
    response = client.post_form(f"/account/sessions/{phone_session.id}/end")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Session ended (Safari on iPhone" in page
    assert not is_signed_in(phone)
    assert is_signed_in(client)


def test_nobody_ends_someone_elses_session(app, client, users):
    other = browser(app)
    sign_in(other, "writer@example.org")
    writer_session = _sessions(app, users["writer"])[0]
    sign_in(client, "editor@example.org")
    response = client.post_form(f"/account/sessions/{writer_session.id}/end")
    assert response.status_code == 404
    assert is_signed_in(other)


def test_ending_a_session_needs_the_csrf_token(app, client, users):
    other = browser(app)
    sign_in(other, "writer@example.org")
    sign_in(client, "writer@example.org")
    first = _sessions(app, users["writer"])[0]
    assert client.post(f"/account/sessions/{first.id}/end").status_code == 400
    assert is_signed_in(other)


# --- Cookie attributes (ASVS V3.4) -----------------------------------------------------------


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(app, client, users):
    cookies = _set_cookies(sign_in(client, "writer@example.org", remember=True))
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # development: plain http works


def test_cookies_are_secure_in_production(app, client, users, tmp_path):
    production = load_config(tmp_path, PRODUCTION_ENV)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        assert production[key] is True
        app.config[key] = production[key]
    cookies = _set_cookies(sign_in(client, "writer@example.org", remember=True))
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name]


# --- Idle sessions end (ASVS V3.3.2) ---------------------------------------------------------


def _idle(app, hours: float) -> None:
    with app.app_context():
        db.session.execute(
            update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=hours))
        )
        db.session.commit()


def test_a_session_idle_for_twelve_hours_is_over(app, client, users):
    sign_in(client, "writer@example.org")
    _idle(app, 11)
    assert is_signed_in(client)
    _idle(app, 13)
    assert not is_signed_in(client)


def test_keep_me_signed_in_lasts_thirty_days_idle(app, client, users):
    response = sign_in(client, "writer@example.org", remember=True)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert abs(expires - (utcnow() + timedelta(days=30))) < timedelta(hours=1)
    _idle(app, 24 * 29)
    assert is_signed_in(client)
    _idle(app, 24 * 31)
    assert not is_signed_in(client)


def test_sessions_that_are_over_leave_the_list_at_the_next_login(app, client, users):
    for _ in range(3):
        sign_in(browser(app), "writer@example.org")
    _idle(app, 13)
    sign_in(client, "writer@example.org")
    assert len(_sessions(app, users["writer"])) == 1
    page = client.get("/account").get_data(as_text=True)
    assert page.count("this device") == 1 and "/account/sessions/" not in page


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
    ],
)
def test_the_sessions_list_names_the_browser_a_person_knows(user_agent, label):
    from coverage.accounts.sessions import browser_label

    assert browser_label(user_agent) == label
