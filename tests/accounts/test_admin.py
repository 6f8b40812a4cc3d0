from __future__ import annotations

from sqlalchemy import select

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.extensions import db
from tests.conftest import log_in


def _user(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_an_account_that_can_log_in(app, client, users, login):
    login("admin")
    response = client.post_form(
        "/admin/users",
        {
            "new-email": "New.Critic@Example.org",
            "new-name": "New Critic",
            "new-role": "writer",
            "new-password": "long enough passphrase",
        },
        page="/admin/users",
    )
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Account created for New Critic (new.critic@example.org)." in page
    created = _user(app, "new.critic@example.org")
    assert created.role is Role.WRITER and created.active
    client.post_form("/logout")
    assert log_in(client, "new.critic@example.org", "long enough passphrase").status_code == 302


def test_create_account_errors_name_the_field(app, client, users, login):
    login("admin")
    response = client.post_form(
        "/admin/users",
        {
            "new-email": "editor@example.org",
            "new-name": "Dup",
            "new-role": "editor",
            "new-password": "long enough passphrase",
        },
        page="/admin/users",
    )
    assert response.status_code == 422
    assert "There is already an account for editor@example.org." in response.get_data(as_text=True)
    response = client.post_form(
        "/admin/users",
        {
            "new-email": "x@example.org",
            "new-name": "X",
            "new-role": "writer",
            "new-password": "short",
        },
        page="/admin/users",
    )
    assert response.status_code == 422
    assert "The password must be at least 12 characters long." in response.get_data(as_text=True)
    assert _user(app, "x@example.org") is None


def test_admin_changes_role_and_deactivates(app, client, users, login):
    login("admin")
    writer_id = users["writer"]
    response = client.post_form(
        f"/admin/users/{writer_id}",
        {f"u{writer_id}-role": "editor", f"u{writer_id}-active": ""},
        page="/admin/users",
    )
    assert response.status_code == 302
    writer = _user(app, "writer@example.org")
    assert writer.role is Role.EDITOR
    assert writer.active is False
    client.post_form("/logout")
    assert log_in(client, "writer@example.org").status_code == 401


def test_reactivating_an_account(app, client, users, make_user, login):
    gone = make_user("writer", "gone@example.org", active=False)
    login("admin")
    client.post_form(
        f"/admin/users/{gone}",
        {f"u{gone}-role": "writer", f"u{gone}-active": "y"},
        page="/admin/users",
    )
    assert _user(app, "gone@example.org").active is True


def test_admin_cannot_deactivate_or_demote_themselves(app, client, users, login):
    login("admin")
    me = users["admin"]
    client.post_form(
        f"/admin/users/{me}", {f"u{me}-role": "writer", f"u{me}-active": "y"}, page="/admin/users"
    )
    page = client.get("/admin/users").get_data(as_text=True)
    assert "You cannot deactivate or demote your own account" in page
    assert _user(app, "admin@example.org").role is Role.ADMIN


def test_demoting_another_admin_works_while_one_remains(app, client, users, make_user, login):
    second = make_user("admin", "second@example.org")
    login("admin")
    client.post_form(
        f"/admin/users/{second}",
        {f"u{second}-role": "editor", f"u{second}-active": "y"},
        page="/admin/users",
    )
    assert _user(app, "second@example.org").role is Role.EDITOR


def test_deactivated_accounts_are_kept_not_deleted(app, client, users, login):
    login("admin")
    writer_id = users["writer"]
    client.post_form(
        f"/admin/users/{writer_id}", {f"u{writer_id}-role": "writer"}, page="/admin/users"
    )
    page = client.get("/admin/users").get_data(as_text=True)
    assert "writer@example.org" in page
    assert 'class="deactivated"' in page


def test_editor_and_writer_cannot_manage_accounts(app, client, users, login):
    login("editor")
    assert client.get("/admin/users").status_code == 403
    response = client.post_form(
        "/admin/users",
        {
            "new-email": "sneaky@example.org",
            "new-name": "S",
            "new-role": "admin",
            "new-password": "long enough passphrase",
        },
    )
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)
    assert _user(app, "sneaky@example.org") is None
