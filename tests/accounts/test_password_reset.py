"""Password reset by email (ASVS V2.5): the same answer for any address, a single-use link that
expires, sent to the account's address with the site's public address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from coverage.accounts.models import PasswordReset, User
from coverage.accounts.tokens import hash_token
from coverage.extensions import db
from coverage.notifications.models import OutboxMessage
from coverage.timeutil import utcnow
from tests.accounts.helpers import api_token, api_works, browser, is_signed_in, sign_in
from tests.conftest import PASSWORD, log_in

NEW = "tram lantern oyster"
SENT = "If an account exists for that address, we have sent a link"
LINK = re.compile(r"https?://\S+/password/reset/([A-Za-z0-9_-]+)")


def _request(client, email: str):
    return client.post_form(
        "/password/reset",
        {"email": email},
        page="/password/reset",
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )


def _mails(app, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to is not None:
            query = query.where(OutboxMessage.recipient == to)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _link(app, client, email="writer@example.org") -> str:
    assert _request(client, email).status_code == 302
    body = _mails(app, email)[-1].body
    match = LINK.search(body)
    assert match, body
    return match.group(0)


def _path(link: str) -> str:
    return "/password/reset/" + link.rsplit("/", 1)[1]


def _reset(client, link: str, new: str = NEW, confirm: str | None = None):
    path = _path(link)
    return client.post_form(
        path,
        {"new_password": new, "confirm_password": new if confirm is None else confirm},
        page=path,
    )


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Forgot your password?" in page
    assert 'href="/password/reset"' in page
    assert "Email me a link" in client.get("/password/reset").get_data(as_text=True)


@pytest.mark.parametrize("email", ["writer@example.org", "nobody@example.org", "gone@example.org"])
def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    app, client, users, make_user, email
):
    make_user("writer", "gone@example.org", active=False)
    response = _request(client, email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert SENT in client.get("/login").get_data(as_text=True)
    sent = _mails(app)
    assert [m.recipient for m in sent] == ([email] if email == "writer@example.org" else [])


def test_the_email_carries_a_link_to_the_public_address_and_says_who_asked(app, client, users):
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.net"
    link = _link(app, client)
    assert link.startswith("https://desk.example.net/password/reset/")
    (mail,) = _mails(app)
    assert mail.subject == "Reset your festival desk password"
    assert "192.0.2.44" in mail.body and "writer@example.org" in mail.body
    assert "ignore this email: nothing changes" in mail.body
    assert "within 60 minutes" in mail.body
    secret = link.rsplit("/", 1)[1]
    with app.app_context():
        (row,) = db.session.scalars(select(PasswordReset))
        assert row.token_hash == hash_token(secret) and secret not in row.token_hash
        assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(minutes=60)


def test_the_link_sets_a_new_password_and_signs_out_everywhere(app, client, users):
    laptop = browser(app)
    sign_in(laptop, "writer@example.org", remember=True)
    secret = api_token(app, users["writer"])
    link = _link(app, client)

    opened = client.get(_path(link))
    # The secret leaves the address bar: the form lives at an address without it.
    assert opened.status_code == 302 and opened.headers["Location"] == "/password/reset/new"
    page = client.get("/password/reset/new")
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    assert link.rsplit("/", 1)[1] not in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post_form(
        "/password/reset/new",
        {"new_password": NEW, "confirm_password": NEW},
        page="/password/reset/new",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Log in with the new password." in client.get("/login").get_data(as_text=True)
    # Used up: the token-less form is gone from this browser too.
    assert client.get("/password/reset/new").status_code == 404

    assert not is_signed_in(laptop)
    assert not api_works(client, secret)
    assert log_in(client, "writer@example.org", PASSWORD).status_code == 401
    assert log_in(client, "writer@example.org", NEW).status_code == 302


def test_a_link_works_once(app, client, users):
    link = _link(app, client)
    assert _reset(client, link).status_code == 302
    again = client.get(_path(link))
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "has been used already" in page and "Ask for a new link" in page
    assert _reset(client, link, "another fine passphrase").status_code == 400
    assert log_in(client, "writer@example.org", NEW).status_code == 302


def test_using_one_link_cancels_the_others(app, client, users):
    first = _link(app, client)
    second = _link(app, client)
    assert _reset(client, second).status_code == 302
    response = client.get(_path(first))
    assert response.status_code == 404
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_an_expired_link_offers_a_new_one(app, client, users):
    link = _link(app, client)
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = _reset(client, link)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "has expired" in page and 'href="/password/reset"' in page
    assert log_in(client, "writer@example.org", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/password/reset/" + "A" * 43,  # well-formed, never issued
        "/password/reset/%ff%fe",  # not something we make
        "/password/reset/" + "x" * 5000,
        "/password/reset/%ED%A0%80",  # a lone surrogate's bytes
    ],
)
def test_unknown_links_are_not_found_never_a_500(client, users, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "This password reset link is not valid." in response.get_data(as_text=True)


def test_a_link_holding_a_nul_is_a_bad_request_not_a_500(client, users):
    # Refused before the view, like any request holding a NUL (coverage.web).
    response = client.get("/password/reset/%00%ff")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, users):
    link = _link(app, client)
    response = _reset(client, link, "password1234")
    assert response.status_code == 422
    assert "The new password is one of the most common passwords" in response.get_data(as_text=True)
    mismatch = _reset(client, link, NEW, "tram lantern oysters")
    assert mismatch.status_code == 422
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    assert _reset(client, link).status_code == 302


def test_a_link_for_an_account_deactivated_since_is_refused(app, client, users):
    link = _link(app, client)
    with app.app_context():
        db.session.get(User, users["writer"]).active = False
        db.session.commit()
    assert _reset(client, link).status_code == 404


def test_the_form_without_a_link_opened_asks_for_the_link_again(client, users):
    response = client.get("/password/reset/new")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Open the link from the password reset email again" in page
    assert 'href="/password/reset"' in page


def test_opening_a_used_link_leaves_no_form_behind(app, client, users):
    link = _link(app, client)
    assert client.get(_path(link)).status_code == 302
    other = app.test_client()
    assert _reset(other, link).status_code == 302  # used from another browser meanwhile
    response = client.get("/password/reset/new")
    assert response.status_code == 400
    assert "has been used already" in response.get_data(as_text=True)
    assert client.get("/password/reset/new").status_code == 404
