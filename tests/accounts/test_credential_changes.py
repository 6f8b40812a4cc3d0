"""A password change ends the user's other sessions and revokes their API tokens; an admin's
role change or deactivation ends all of the target's sessions and revokes their API tokens.
Calendar subscriptions keep working: a feed's permission is checked each time it is read."""

from __future__ import annotations

from tests.accounts.helpers import api_token, api_works, browser, is_signed_in, sign_in
from tests.calendars.helpers import feed_path, issue
from tests.conftest import PASSWORD, log_in

NEW = "tram lantern oyster"


def _change_password(client):
    return client.post_form(
        "/account/password",
        {"pw-current_password": PASSWORD, "pw-new_password": NEW, "pw-confirm_password": NEW},
    )


def test_the_password_form_warns_how_many_api_tokens_go(app, client, users, login):
    api_token(app, users["writer"], "one")
    api_token(app, users["writer"], "two")
    login("writer")
    page = client.get("/account").get_data(as_text=True)
    assert (
        "Changing your password signs you out on your other devices and revokes your "
        "2 API tokens." in page
    )


def test_a_password_change_ends_other_sessions_and_revokes_api_tokens(app, client, users):
    laptop = browser(app)
    sign_in(laptop, "writer@example.org", remember=True)
    secret = api_token(app, users["writer"])
    feed = issue(app, users["writer"], "personal")
    sign_in(client, "writer@example.org")

    response = _change_password(client)
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "You are signed out on your other devices and your 1 API token has been revoked." in (
        page
    )
    assert is_signed_in(client)  # this browser stays in
    assert not is_signed_in(laptop)
    assert not api_works(client, secret)
    assert client.get(feed_path(feed)).status_code == 200  # the calendar keeps working
    assert "revokes your 0 API tokens" not in page
    assert "signs you out on your other devices." in page


def test_a_refused_password_change_ends_nothing(app, client, users):
    laptop = browser(app)
    sign_in(laptop, "writer@example.org")
    secret = api_token(app, users["writer"])
    sign_in(client, "writer@example.org")
    response = client.post_form(
        "/account/password",
        {"pw-current_password": "not it", "pw-new_password": NEW, "pw-confirm_password": NEW},
    )
    assert response.status_code == 422
    assert is_signed_in(laptop)
    assert api_works(client, secret)


def _update(client, user_id: int, role: str, active: bool):
    data = {f"u{user_id}-role": role}
    if active:
        data[f"u{user_id}-active"] = "y"
    response = client.post_form(f"/admin/users/{user_id}", data, page="/admin/users")
    assert response.status_code == 302
    return client.get("/admin/users").get_data(as_text=True)


def test_a_role_change_signs_the_person_out_and_revokes_their_api_tokens(app, client, users):
    writer = browser(app)
    sign_in(writer, "writer@example.org", remember=True)
    secret = api_token(app, users["writer"])
    feed = issue(app, users["writer"], "personal")
    sign_in(client, "admin@example.org")

    page = _update(client, users["writer"], "editor", active=True)
    assert (
        "Wyn Writer: Section editor, active. Signed out on every device (1 session ended); "
        "1 API token revoked." in page
    )
    assert not is_signed_in(writer)
    assert not api_works(client, secret)
    assert client.get(feed_path(feed)).status_code == 200
    # They log in again, now as an editor.
    assert log_in(writer, "writer@example.org").status_code == 302


def test_a_deactivation_signs_the_person_out_and_revokes_their_api_tokens(app, client, users):
    editor = browser(app)
    sign_in(editor, "editor@example.org")
    secret = api_token(app, users["editor"])
    sign_in(client, "admin@example.org")

    page = _update(client, users["editor"], "editor", active=False)
    assert "Ed Editor: Section editor, deactivated. Signed out on every device" in page
    assert not is_signed_in(editor)
    assert not api_works(client, secret)


def test_saving_an_unchanged_account_signs_nobody_out(app, client, users):
    writer = browser(app)
    sign_in(writer, "writer@example.org")
    secret = api_token(app, users["writer"])
    sign_in(client, "admin@example.org")
    page = _update(client, users["writer"], "writer", active=True)
    assert "Wyn Writer: Critic / writer, active." in page
    assert "Signed out" not in page
    assert is_signed_in(writer)
    assert api_works(client, secret)


def test_the_accounts_page_warns_before_a_role_change(app, client, users, login):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "signs them out on every device and revokes their API tokens" in page
    assert "data-confirm=\"Save Wyn Writer's role and status?" in page
