from __future__ import annotations

import pytest

from coverage.accounts.models import User
from coverage.extensions import db
from tests.conftest import PASSWORD, log_in


def test_login_page_has_named_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in html
    assert 'name="password"' in html
    assert 'name="csrf_token"' in html


def test_login_lands_on_my_work(client, users):
    # The inbox is what needs doing: the desk starts there, not at the festival list.
    response = log_in(client, "editor@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-work")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "My work" in html and "Ed Editor" in html


def test_the_home_page_of_a_signed_in_user_is_my_work(client, users):
    log_in(client, "writer@example.org")
    assert client.get("/").headers["Location"].endswith("/my-work")
    assert client.get("/login").headers["Location"].endswith("/my-work")


def test_email_is_case_insensitive(client, users):
    assert log_in(client, "  Editor@Example.ORG ").status_code == 302


@pytest.mark.parametrize(
    "email,password", [("editor@example.org", "wrong password"), ("nobody@example.org", PASSWORD)]
)
def test_wrong_password_and_unknown_email_get_the_same_message(client, users, email, password):
    response = log_in(client, email, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Wrong email or password." in html
    assert client.get("/festivals/").status_code == 302


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/account", "/account"),
        ("/festivals/?x=1", "/festivals/?x=1"),
        ("https://evil.example.com/", "/my-work"),
        ("//evil.example.com/", "/my-work"),
        ("/\\evil.example.com", "/my-work"),
        ("javascript:alert(1)", "/my-work"),
    ],
)
def test_next_redirects_only_within_the_site(client, users, next_url, expected):
    token = client.csrf_token("/login")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": "writer@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected or location.endswith("coverage.test" + expected)


def test_pages_need_a_login_and_come_back_after_it(client, users):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    token = client.csrf_token("/login")
    response = client.post(
        "/login?next=/account",
        data={"email": "writer@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/account")


def test_login_without_csrf_token_is_refused(client, users):
    response = client.post("/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert client.get("/festivals/").status_code == 302


def test_deactivated_account_cannot_log_in(client, make_user):
    make_user("writer", "gone@example.org", active=False)
    response = log_in(client, "gone@example.org")
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/festivals/").status_code == 302


def test_deactivation_ends_open_sessions(app, client, users, login):
    login("writer")
    assert client.get("/festivals/").status_code == 200
    with app.app_context():
        writer = db.session.get(User, users["writer"])
        writer.active = False
        db.session.commit()
    assert client.get("/festivals/").status_code == 302


def test_logout_is_a_post_with_csrf(client, users, login):
    login("editor")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/festivals/").status_code == 302


def test_passwords_are_hashed(app, users):
    with app.app_context():
        user = db.session.get(User, users["editor"])
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
