"""Account events land in the audit log with who, what and from where, committed with the act."""

from __future__ import annotations

import re

from sqlalchemy import select

from coverage.accounts.models import ApiToken, LoginSession
from coverage.extensions import db
from tests.accounts.helpers import FIREFOX_LINUX, audit_rows, browser, sign_in
from tests.conftest import PASSWORD, log_in

NEW = "tram lantern oyster"


def test_a_login_is_recorded_with_its_address_and_browser(app, client, users):
    sign_in(client, "editor@example.org", address="198.51.100.9", user_agent=FIREFOX_LINUX)
    (event,) = audit_rows(app, "login")
    assert event.actor_id == users["editor"] and event.actor_label == "editor@example.org"
    assert event.ip_address == "198.51.100.9" and event.user_agent == FIREFOX_LINUX


def test_a_wrong_password_is_recorded_against_the_account_and_still_answers_401(app, client, users):
    response = log_in(client, "Editor@Example.org", "not the password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    (event,) = audit_rows(app, "login_failed")
    assert event.actor_id == users["editor"]
    assert event.actor_label == "editor@example.org"
    assert event.detail == "wrong password"


def test_an_unknown_email_is_recorded_as_typed_with_the_same_answer(app, client, users):
    response = log_in(client, "nobody@example.org", PASSWORD)
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    (event,) = audit_rows(app, "login_failed")
    assert event.actor_id is None and event.actor_label == "nobody@example.org"


def test_a_deactivated_accounts_attempt_is_recorded(app, client, make_user):
    make_user("writer", "gone@example.org", active=False)
    assert log_in(client, "gone@example.org").status_code == 401
    (event,) = audit_rows(app, "login_failed")
    assert event.detail == "account deactivated"


def test_logout_and_ending_a_session_are_recorded(app, client, users):
    phone = browser(app)
    sign_in(phone, "writer@example.org")
    sign_in(client, "writer@example.org")
    with app.app_context():
        phone_id = db.session.scalar(select(LoginSession.id).order_by(LoginSession.id))
    client.post_form(f"/account/sessions/{phone_id}/end")
    client.post_form("/logout")
    (ended,) = audit_rows(app, "session_ended")
    assert ended.actor_id == users["writer"] and ended.target == f"session {phone_id}"
    assert "Firefox on Linux" in ended.detail
    (logout,) = audit_rows(app, "logout")
    assert logout.actor_id == users["writer"] and logout.detail == "1 session ended"


def test_password_change_and_api_tokens_are_recorded(app, client, users, login):
    login("writer")
    created = client.post_form(
        "/account/tokens", {"token-label": "my script"}, follow_redirects=True
    )
    html = created.get_data(as_text=True)
    assert re.search(r'value="(fcapi_[^"]+)"', html)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post_form(f"/account/tokens/{token_id}/revoke")
    client.post_form(
        "/account/password",
        {"pw-current_password": PASSWORD, "pw-new_password": NEW, "pw-confirm_password": NEW},
    )
    (created,) = audit_rows(app, "api_token_created")
    (revoked,) = audit_rows(app, "api_token_revoked")
    assert "my script" in created.target and "my script" in revoked.target
    assert created.actor_id == revoked.actor_id == users["writer"]
    (changed,) = audit_rows(app, "password_changed")
    assert changed.detail == "0 other sessions ended, 0 API tokens revoked"


def test_a_refused_password_change_records_nothing(app, client, users, login):
    login("writer")
    client.post_form(
        "/account/password",
        {"pw-current_password": "wrong", "pw-new_password": NEW, "pw-confirm_password": NEW},
    )
    assert audit_rows(app, "password_changed") == []


def test_account_creation_role_changes_and_deactivation_are_recorded(app, client, users, login):
    login("admin")
    client.post_form(
        "/admin/users",
        {
            "new-email": "new@example.org",
            "new-name": "New Critic",
            "new-role": "writer",
            "new-password": NEW,
        },
        page="/admin/users",
    )
    writer = users["writer"]
    client.post_form(f"/admin/users/{writer}", {f"u{writer}-role": "editor"}, page="/admin/users")
    client.post_form(
        f"/admin/users/{writer}",
        {f"u{writer}-role": "editor", f"u{writer}-active": "y"},
        page="/admin/users",
    )
    (created,) = audit_rows(app, "account_created")
    assert created.target == "new@example.org" and created.actor_id == users["admin"]
    (role,) = audit_rows(app, "role_changed")
    assert role.target == "writer@example.org" and role.detail == "writer -> editor"
    assert [e.target for e in audit_rows(app, "account_deactivated")] == ["writer@example.org"]
    assert [e.target for e in audit_rows(app, "account_reactivated")] == ["writer@example.org"]


def test_a_refused_account_change_records_nothing(app, client, users, login):
    login("admin")
    me = users["admin"]
    client.post_form(f"/admin/users/{me}", {f"u{me}-role": "writer"}, page="/admin/users")
    assert audit_rows(app, "role_changed") == audit_rows(app, "account_deactivated") == []


def test_password_reset_request_and_use_are_recorded(app, client, users):
    for email in ("writer@example.org", "nobody@example.org"):
        client.post_form("/password/reset", {"email": email}, page="/password/reset")
    requested = audit_rows(app, "password_reset_requested")
    assert [(e.actor_label, e.actor_id) for e in requested] == [
        ("writer@example.org", users["writer"]),
        ("nobody@example.org", None),
    ]
    from coverage.notifications.models import OutboxMessage

    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body))
    path = "/password/reset/" + re.search(r"/password/reset/([A-Za-z0-9_-]+)", body).group(1)
    client.post_form(path, {"new_password": NEW, "confirm_password": NEW}, page=path)
    (reset,) = audit_rows(app, "password_reset")
    assert reset.actor_id == users["writer"]


def test_create_user_command_is_recorded_as_the_command_line(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "c@example.org",
            "--name",
            "C",
            "--role",
            "writer",
            "--password-stdin",
        ],
        input=NEW + "\n",
    )
    assert result.exit_code == 0, result.output
    (event,) = audit_rows(app, "account_created")
    assert event.user_agent == "command line" and event.target == "c@example.org"
