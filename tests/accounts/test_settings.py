from __future__ import annotations

import re

from sqlalchemy import select

from coverage.accounts.models import ApiToken, User
from coverage.accounts.tokens import hash_token
from coverage.extensions import db
from tests.conftest import PASSWORD, DeskClient, log_in


def test_change_own_password(app, client, users, login):
    login("writer")
    response = client.post_form(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": "a new passphrase here",
            "pw-confirm_password": "a new passphrase here",
        },
    )
    assert response.status_code == 302
    assert "Your password has been changed" in client.get("/account").get_data(as_text=True)
    client.post_form("/logout")
    assert log_in(client, "writer@example.org", PASSWORD).status_code == 401
    assert log_in(client, "writer@example.org", "a new passphrase here").status_code == 302


def test_change_password_needs_the_current_one(client, users, login):
    login("writer")
    response = client.post_form(
        "/account/password",
        {
            "pw-current_password": "not it",
            "pw-new_password": "a new passphrase here",
            "pw-confirm_password": "a new passphrase here",
        },
    )
    assert response.status_code == 422
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_change_password_confirmation_must_match(client, users, login):
    login("writer")
    response = client.post_form(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": "a new passphrase here",
            "pw-confirm_password": "another one!",
        },
    )
    assert response.status_code == 422
    assert "The passwords differ." in response.get_data(as_text=True)


def test_password_change_signs_out_other_devices(app, users, login, client):
    other: DeskClient = app.test_client()
    assert log_in(other, "writer@example.org").status_code == 302
    login("writer")
    client.post_form(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": "a new passphrase here",
            "pw-confirm_password": "a new passphrase here",
        },
    )
    assert client.get("/account").status_code == 200  # this browser stays in
    assert other.get("/account").status_code == 302  # the other one is out


def _create_token(client, label="my script") -> str:
    # Created, then shown once on the settings page the POST redirects to.
    created = client.post_form("/account/tokens", {"token-label": label}, follow_redirects=True)
    html = created.get_data(as_text=True)
    match = re.search(r'value="(fcapi_[^"]+)"', html)
    assert match, html
    return match.group(1)


def test_api_token_is_shown_once_and_stored_hashed(app, client, users, login):
    login("editor")
    secret = _create_token(client)
    assert secret not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == hash_token(secret)
        assert secret not in (stored.token_hash, stored.hint)
        assert stored.label == "my script"
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def test_revoked_api_token_stops_working(app, client, users, login):
    login("editor")
    secret = _create_token(client)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post_form(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert "revoked; it no longer works" in client.get("/account").get_data(as_text=True)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_cannot_revoke_someone_elses_token(app, client, users, login):
    with app.app_context():
        from coverage.accounts.services import issue_api_token

        issue_api_token(db.session.get(User, users["editor"]), "editor's")
        db.session.commit()
        token_id = db.session.scalar(select(ApiToken.id))
    login("writer")
    assert client.post_form(f"/account/tokens/{token_id}/revoke").status_code == 403
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
