"""The password policy (ASVS V2.1): the rule alone, then every way a password is set, and the
timing equaliser of a log-in with an unknown email."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from coverage.accounts import services
from coverage.accounts.models import User
from coverage.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from coverage.audit.models import AuditEvent
from coverage.extensions import db
from coverage.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, log_in

GOOD = "tram lantern oyster"

# --- The rule ---------------------------------------------------------------------------------


def test_the_rule_accepts_a_passphrase():
    assert password_problem(GOOD, email="nia@example.org", name="Nia Okafor") is None
    longest = "velvet harbour quietly " + "".join(chr(97 + i % 26) for i in range(300))
    assert password_problem(longest[:MAX_LENGTH]) is None


@pytest.mark.parametrize(
    "password,expected",
    [
        ("x" * (MIN_LENGTH - 1), "at least 12 characters"),
        ("festival", "at least 12 characters"),
        ("x" * (MAX_LENGTH + 1), "at most 200 characters"),
        # In zxcvbn's list of common passwords, whatever the case.
        ("qwerty123456", "most common passwords"),
        ("LeaveMeAlone", "most common passwords"),
        ("1q2w3e4r5t6y", "most common passwords"),
    ],
)
def test_the_rule_refuses_short_long_and_common_passwords(password, expected):
    problem = password_problem(password, label="The new password")
    assert problem is not None and problem.startswith("The new password ")
    assert expected in problem
    assert password not in problem


@pytest.mark.parametrize(
    "password",
    ["nia.okafor.reviews@example.org", "NIA.OKAFOR.REVIEWS", "Nia Okafor Reviews"],
)
def test_the_rule_refuses_the_email_its_local_part_and_the_name(password):
    problem = password_problem(
        password, email="nia.okafor.reviews@example.org", name="Nia Okafor Reviews"
    )
    assert problem == "Password must not be your email address or your name."


@pytest.mark.parametrize(
    "password",
    [
        "Sam Carter Sam Carter",  # the name twice: long enough, and no common password
        "carter.sam.carter",
        "samcarter2026!",
        "Festivaldesk Sam",  # the email's domain and the first name
    ],
)
def test_the_rule_refuses_passwords_made_of_the_accounts_own_words(password):
    problem = password_problem(password, email="sam.carter@festivaldesk.org", name="Sam Carter")
    assert problem == "Password must not be made of your email address or your name."


@pytest.mark.parametrize(
    ("password", "email", "name"),
    [
        ("sam_carter_2026", "sam.carter@example.com", "Sam Carter"),  # separators add nothing
        ("Carter.Sam.2026!", "sam.carter@example.com", "Sam Carter"),
        ("ｓａｍｃａｒｔｅｒ２０２６！", "sam.carter@example.com", "Sam Carter"),  # full-width
        ("maryjanesmith2026!", "mj@example.org", "Mary-Jane Smith"),
        ("seanobrien2026!", "sob@example.org", "Seán O'Brien"),
        ("jose\u0301garci\u0301a2026!", "jg@example.org", "José García"),  # typed decomposed
        ("samdesk2026!!!", "sam+desk@example.org", "Sam"),
        ("festivaldesk2026!", "s@festival-desk.co.uk", "Sam"),
    ],
)
def test_the_accounts_words_are_found_however_they_are_written(password, email, name):
    problem = password_problem(password, email=email, name=name)
    assert problem == "Password must not be made of your email address or your name."


def test_the_accounts_words_beside_unrelated_ones_are_accepted():
    problem = password_problem(
        "Carter walks the tram lantern", email="sam.carter@festivaldesk.org", name="Sam Carter"
    )
    assert problem is None


# --- Every way a password is set ---------------------------------------------------------------


def _create(client, password: str, email="new.critic@example.org", name="New Critic"):
    return client.post_form(
        "/admin/users",
        {"new-email": email, "new-name": name, "new-role": "writer", "new-password": password},
        page="/admin/users",
    )


def test_admin_cannot_create_an_account_with_a_common_password(app, client, users, login):
    login("admin")
    response = _create(client, "qwerty123456")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The password is one of the most common passwords" in page
    assert 'id="new-password-error"' in page  # shown at the field
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new.critic@example.org")) is None


def test_admin_cannot_create_an_account_whose_password_is_its_name(app, client, users, login):
    login("admin")
    response = _create(client, "Frances Ha Critic", name="Frances Ha Critic")
    assert response.status_code == 422
    assert "must not be your email address or your name" in response.get_data(as_text=True)


def _change(client, new: str, confirm: str | None = None):
    return client.post_form(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": new,
            "pw-confirm_password": new if confirm is None else confirm,
        },
    )


def test_changing_to_a_short_password_is_refused_at_the_field(app, client, users, login):
    login("writer")
    response = _change(client, "password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The new password must be at least 12 characters long." in page
    assert 'id="pw-new_password-error"' in page
    with app.app_context():
        user = db.session.get(User, users["writer"])
        assert services.check_password(user, PASSWORD)


def test_changing_to_ones_own_email_is_refused(app, client, users, login):
    login("writer")
    response = _change(client, "Writer@Example.org")
    assert response.status_code == 422
    assert "must not be your email address or your name" in response.get_data(as_text=True)


def test_create_user_command_refuses_a_common_password(app):
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
        input="password1234\n",
    )
    assert result.exit_code == 1
    assert "one of the most common passwords" in result.output
    assert "password1234" not in result.output


def test_the_demo_accounts_keep_their_documented_password(app, client):
    from coverage.demo import DEMO_PASSWORD, load_demo_data
    from coverage.timeutil import utcnow

    with app.app_context():
        load_demo_data(utcnow())
        db.session.commit()
    assert DEMO_PASSWORD == "festival"
    assert log_in(client, "critic@example.com", "festival").status_code == 302


# --- Passwords are never logged ---------------------------------------------------------------


def test_passwords_appear_in_no_log_line_audit_row_or_email(app, client, users, login, caplog):
    caplog.set_level(logging.DEBUG)
    log_in(client, "writer@example.org", "Wrong-Guess-Typed-Here")
    login("writer")
    _change(client, "Changed-To-This-One")
    client.post_form("/logout")
    login("admin")
    _create(client, "Initial-For-New-One")
    client.post_form("/logout")
    client.post_form("/password/reset", {"email": "writer@example.org"}, page="/password/reset")
    secrets = ["Wrong-Guess-Typed-Here", "Changed-To-This-One", "Initial-For-New-One", PASSWORD]
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent)))
        mails = list(db.session.scalars(select(OutboxMessage)))
    assert {e.action for e in events} >= {"login_failed", "password_changed", "account_created"}
    stored = " ".join(f"{e.actor_label} {e.target} {e.detail}" for e in events)
    stored += " ".join(m.body + m.subject for m in mails)
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in stored


# --- The timing equaliser ----------------------------------------------------------------------


def test_an_unknown_email_costs_one_hash_check_with_the_real_method(app, users, monkeypatch):
    checked: list[str] = []
    made: list[str] = []
    real_check, real_make = services.check_password_hash, services.generate_password_hash

    def check(stored: str, password: str) -> bool:
        checked.append(stored.split("$")[0])
        return real_check(stored, password)

    def make(password: str, method: str = "scrypt", **kwargs) -> str:
        made.append(method)
        return real_make(password, method=method, **kwargs)

    monkeypatch.setattr(services, "check_password_hash", check)
    monkeypatch.setattr(services, "generate_password_hash", make)
    with app.app_context():
        real_method = db.session.get(User, users["writer"]).password_hash.split("$")[0]
        services.check_login("nobody@example.org", "a guess")  # warms the equaliser once
        checked.clear()
        made.clear()
        assert services.check_login("nobody@example.org", "a guess").user is None
        assert services.check_login("writer@example.org", "a guess").user is None
    # One check each, against hashes of the same method and cost; nothing hashed per request.
    assert checked == [real_method, real_method]
    assert made == []


@pytest.mark.parametrize("weak", ["123456789012", "qwertyuiopasdf", "aaaaaaaaaaaaaaaa"])
def test_keyboard_runs_sequences_and_repeats_are_refused(app, client, users, login, weak):
    login("writer")
    response = _change(client, weak)
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, users["writer"])
        assert services.check_password(user, PASSWORD)
