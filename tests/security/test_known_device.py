"""The known-device cookie: a browser that logged in to an account before is exempt from the
account's ceiling of failures from every address, so strangers cannot lock the owner out; a
stolen cookie is limited on its own (OWASP "Slow Down Online Guessing Attacks with Device
Cookies")."""

from __future__ import annotations

import base64
import time
import types

import itsdangerous.timed
import pytest
from flask import Flask
from sqlalchemy import select

from coverage.audit.models import AuditEvent
from coverage.config import ConfigError, load_config
from coverage.extensions import db
from coverage.security import known_devices
from tests.conftest import PASSWORD, DeskClient, log_in

WRONG = "not the password at all"
COOKIE = known_devices.COOKIE_NAME
SECRET = "test-secret-key"  # config_for_tests's SECRET_KEY


def _from(app: Flask, address: str) -> DeskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _known_device(app: Flask, email: str, address: str = "198.51.100.10") -> str:
    """The `known_device` cookie a browser is given by logging in as `email`."""
    browser = _from(app, address)
    response = log_in(browser, email, PASSWORD)
    assert response.status_code == 302
    cookie = browser.get_cookie(COOKIE, domain="coverage.test", path="/login")
    assert cookie is not None, response.headers.getlist("Set-Cookie")
    return cookie.value


def _browser(app: Flask, address: str, cookie: str | None = None) -> DeskClient:
    browser = _from(app, address)
    if cookie is not None:
        browser.set_cookie(COOKIE, cookie, domain="coverage.test", path="/login")
    return browser


def _botnet_fails(app: Flask, email: str, times: int) -> None:
    for n in range(1, times + 1):
        assert log_in(_from(app, f"203.0.113.{n}"), email, WRONG).status_code == 401


def _set_cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def test_the_owners_known_browser_logs_in_past_a_botnets_ceiling(app, users):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "3 per hour"
    cookie = _known_device(app, "editor@example.org")
    _botnet_fails(app, "editor@example.org", 3)

    stranger = _browser(app, "192.0.2.44")
    refused = log_in(stranger, "editor@example.org", PASSWORD)
    assert refused.status_code == 429
    assert "Too many log-in attempts" in refused.get_data(as_text=True)

    # The owner, with the browser they logged in from before, now at another address.
    owner = _browser(app, "192.0.2.45", cookie)
    assert log_in(owner, "Editor@Example.org ", PASSWORD).status_code == 302
    assert owner.get("/my-work").status_code == 200


def test_a_known_browser_failing_is_not_counted_against_the_ceiling(app, users):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "3 per hour"
    cookie = _known_device(app, "editor@example.org")
    owner = _browser(app, "192.0.2.45", cookie)
    assert [log_in(owner, "editor@example.org", WRONG).status_code for _ in range(4)] == [401] * 4
    assert log_in(_browser(app, "192.0.2.46"), "editor@example.org", WRONG).status_code == 401


def _tampered(cookie: str) -> str:
    """The cookie with its signature's first character changed. Not the last: in base64 the
    last character of a 20-byte signature carries padding bits, and changing only those
    leaves the same signature (the test then failed one run in a few dozen)."""
    at = cookie.rindex(".") + 1
    first = cookie[at]
    return cookie[:at] + ("A" if first != "A" else "B") + cookie[at + 1 :]


def _payload_swapped(cookie: str, email: str) -> str:
    """The cookie's signature with a payload naming another account (a forger's try)."""
    payload = base64.urlsafe_b64encode(
        f'{{"e":"{known_devices.account_digest(email, SECRET)}","n":"x"}}'.encode()
    ).rstrip(b"=")
    return payload.decode() + cookie[cookie.index(".") :]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda app, genuine: _tampered(genuine), id="tampered signature"),
        pytest.param(
            lambda app, genuine: _payload_swapped(genuine, "editor@example.org"),
            id="payload swapped",
        ),
        pytest.param(
            lambda app, genuine: known_devices.issue("editor@example.org", "another-key"),
            id="signed with another key",
        ),
        pytest.param(
            lambda app, genuine: _known_device(app, "writer@example.org", "198.51.100.11"),
            id="issued for another account",
        ),
        pytest.param(lambda app, genuine: "editor@example.org", id="not a cookie at all"),
    ],
)
def test_a_forged_or_foreign_cookie_gives_no_exemption(app, users, forge):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "3 per hour"
    genuine = _known_device(app, "editor@example.org")
    forged = forge(app, genuine)
    _botnet_fails(app, "editor@example.org", 3)

    assert (
        log_in(_browser(app, "192.0.2.50", forged), "editor@example.org", PASSWORD).status_code
        == 429
    )
    assert (
        log_in(_browser(app, "192.0.2.51", genuine), "editor@example.org", PASSWORD).status_code
        == 302
    )


def test_a_stolen_cookie_is_refused_after_the_device_limit(app, users):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "3 per hour"
    app.config["LOGIN_LIMIT_PER_KNOWN_DEVICE"] = "4 per hour"
    stolen = _known_device(app, "editor@example.org")
    # The thief spreads the guesses over addresses, under the per-address limits.
    statuses = [
        log_in(_browser(app, f"203.0.113.{n}", stolen), "editor@example.org", WRONG).status_code
        for n in range(1, 6)
    ]
    assert statuses == [401] * 4 + [429]
    refused = log_in(_browser(app, "203.0.113.77", stolen), "editor@example.org", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # A new log-in from the owner's browser would issue a new cookie; the stolen one stays spent.
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "login_throttled")
        ).all()
    assert details == ["More than 4 per hour for this device"]


def test_the_device_limit_does_not_touch_browsers_without_the_cookie(app, users):
    app.config["LOGIN_LIMIT_PER_KNOWN_DEVICE"] = "1 per hour"
    for n in range(1, 4):
        assert (
            log_in(_browser(app, f"203.0.113.{n}"), "editor@example.org", WRONG).status_code == 401
        )


def test_the_per_address_account_limit_still_applies_to_a_known_browser(app, users):
    cookie = _known_device(app, "editor@example.org")
    owner = _browser(app, "192.0.2.45", cookie)
    assert [log_in(owner, "editor@example.org", WRONG).status_code for _ in range(6)] == (
        [401] * 5 + [429]
    )


def test_the_cookie_is_httponly_lax_and_lasts_180_days(app, users):
    response = log_in(_from(app, "198.51.100.10"), "editor@example.org", PASSWORD)
    header = _set_cookie_header(response)
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in header.lower()
    assert f"Max-Age={180 * 24 * 60 * 60}" in header
    assert "secure" not in attributes  # plain HTTP in development and tests


def test_the_cookie_is_secure_when_cookies_are(app, users):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = log_in(_from(app, "198.51.100.10"), "editor@example.org", PASSWORD)
    assert "secure" in _set_cookie_header(response).lower().split("; ")


def test_a_failed_log_in_sets_no_cookie(app, users):
    response = log_in(_from(app, "198.51.100.10"), "editor@example.org", WRONG)
    assert response.status_code == 401
    assert not any(h.startswith(f"{COOKIE}=") for h in response.headers.getlist("Set-Cookie"))


def test_the_cookie_holds_no_email_in_clear(app, users):
    cookie = _known_device(app, "editor@example.org")
    payload = cookie.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    for text in (cookie, decoded):
        assert "editor" not in text.lower()
        assert "example.org" not in text.lower()
    assert set(known_devices.read(cookie, SECRET).__dict__) == {"account", "nonce"}


def test_each_log_in_issues_a_new_nonce(app, users):
    first = known_devices.read(_known_device(app, "editor@example.org"), SECRET)
    second = known_devices.read(_known_device(app, "editor@example.org"), SECRET)
    assert first is not None and second is not None
    assert first.account == second.account
    assert first.nonce != second.nonce


# --- the pure module -------------------------------------------------------------------------


def test_a_cookie_is_known_for_its_email_in_any_case_only():
    value = known_devices.issue("Editor@Example.org", SECRET)
    assert known_devices.known_for(value, " editor@example.org ", SECRET) is not None
    assert known_devices.known_for(value, "writer@example.org", SECRET) is None
    assert known_devices.known_for(value, "", SECRET) is None
    assert known_devices.known_for(value, "editor@example.org", "another-key") is None


def test_a_cookie_older_than_180_days_is_refused_on_reading(monkeypatch):
    value = known_devices.issue("editor@example.org", SECRET)
    later = time.time() + 181 * 24 * 60 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", types.SimpleNamespace(time=lambda: later))
    assert known_devices.read(value, SECRET) is None
    sooner = time.time() + 179 * 24 * 60 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", types.SimpleNamespace(time=lambda: sooner))
    assert known_devices.read(value, SECRET) is not None


@pytest.mark.parametrize("payload", [["a", "b"], {"e": "x"}, {"e": "", "n": "y"}, {"e": 1, "n": 2}])
def test_a_signed_value_of_another_shape_is_refused(payload):
    value = itsdangerous.URLSafeTimedSerializer(SECRET, salt=known_devices.SALT).dumps(payload)
    assert known_devices.read(value, SECRET) is None


def test_a_value_signed_with_another_salt_is_refused():
    value = itsdangerous.URLSafeTimedSerializer(SECRET, salt="other").dumps({"e": "x", "n": "y"})
    assert known_devices.read(value, SECRET) is None


def test_the_device_limit_is_a_setting_checked_at_start_up(tmp_path):
    config = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["LOGIN_LIMIT_PER_KNOWN_DEVICE"] == "10 per hour"
    with pytest.raises(ConfigError, match="LOGIN_LIMIT_PER_KNOWN_DEVICE"):
        load_config(tmp_path, {"LOGIN_LIMIT_PER_KNOWN_DEVICE": "ten", "SECRET_KEY": "x"})
