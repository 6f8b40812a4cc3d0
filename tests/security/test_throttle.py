"""Log-in throttling: per account (failures), per address (attempts), 429 with Retry-After,
counters shared through the database, the same answer for an unknown email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from coverage import create_app
from coverage.accounts.models import RateLimitCounter
from coverage.audit.models import AuditEvent
from coverage.config import ConfigError, config_for_tests, load_config
from coverage.extensions import db
from coverage.security.limits_storage import PURGE_BATCH, DatabaseStorage, storage_key
from coverage.security.throttle import retry_after_seconds, wait_phrase
from coverage.timeutil import utcnow
from tests.conftest import CSRF_INPUT, PASSWORD, DeskClient, log_in

WRONG = "not the password at all"


def _fail(client: DeskClient, email: str, times: int) -> list[int]:
    return [log_in(client, email, WRONG).status_code for _ in range(times)]


def _retry_after(response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def _without_tokens(html: str) -> str:
    """A page with its CSRF token (random per session) blanked out."""
    return CSRF_INPUT.sub("csrf", html)


def test_sixth_wrong_password_is_refused_with_429_and_retry_after(app, client, users):
    assert _fail(client, "editor@example.org", 5) == [401] * 5
    response = log_in(client, "editor@example.org", WRONG)
    assert response.status_code == 429
    seconds = _retry_after(response)
    assert 0 < seconds <= 15 * 60
    page = response.get_data(as_text=True)
    assert "Too many log-in attempts" in page
    assert re.search(r"Try again in 1[45] minutes \(after \d\d:\d\d UTC\)", page), page


def test_right_password_during_the_lock_is_also_refused(app, client, users):
    _fail(client, "editor@example.org", 5)
    response = log_in(client, "editor@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    # Not logged in: the desk still sends this browser to the log-in page.
    assert client.get("/my-work").status_code == 302


def test_a_correct_log_in_is_not_counted_against_the_account(app, client, users):
    for _ in range(8):
        assert log_in(client, "writer@example.org").status_code == 302
        client.post_form("/logout")
    assert _fail(client, "writer@example.org", 5) == [401] * 5


def test_another_account_from_the_same_address_works_until_the_address_limit(app, client, users):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "8 per 15 minutes"
    _fail(client, "editor@example.org", 5)
    assert log_in(client, "editor@example.org", PASSWORD).status_code == 429
    # Attempts 7 and 8 from this address, for another account: still answered.
    assert log_in(client, "writer@example.org", WRONG).status_code == 401
    assert log_in(client, "writer@example.org", PASSWORD).status_code == 302
    client.post_form("/logout")
    # The ninth attempt from this address is refused, whoever it is for.
    response = log_in(client, "admin@example.org", PASSWORD)
    assert response.status_code == 429
    assert _retry_after(response) > 0
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(other, "admin@example.org", PASSWORD).status_code == 302


def test_an_unknown_email_is_throttled_the_same(app, client, users):
    assert _fail(client, "nobody@example.org", 5) == [401] * 5
    response = log_in(client, "nobody@example.org", PASSWORD)
    assert response.status_code == 429
    assert _retry_after(response) > 0


def test_the_email_is_matched_whatever_its_case_and_spaces(app, client, users):
    _fail(client, "editor@example.org", 3)
    _fail(client, "  EDITOR@Example.org ", 2)
    assert log_in(client, "Editor@example.org", PASSWORD).status_code == 429


def test_unknown_email_and_wrong_password_get_the_same_answer(app, client, users):
    def answers(email: str) -> tuple[list[tuple[int, str]], str | None]:
        fresh = app.test_client()
        fresh.environ_base["REMOTE_ADDR"] = f"198.51.100.{len(email)}"
        pages = []
        for _ in range(6):
            response = log_in(fresh, email, WRONG)
            body = _without_tokens(response.get_data(as_text=True)).replace(email, "EMAIL")
            pages.append((response.status_code, body))
        return pages, response.headers.get("Retry-After")

    known, known_retry = answers("editor@example.org")
    unknown, unknown_retry = answers("nobody@example.org")
    assert [status for status, _ in known] == [401] * 5 + [429]
    assert known == unknown
    assert known_retry is not None and unknown_retry is not None


def test_counters_are_shared_by_two_app_servers_on_one_database(app, users):
    """Two app instances (two servers) on the same database count the same attempts."""
    second = create_app(dict(app.config))
    second.test_client_class = DeskClient
    first_client, second_client = app.test_client(), second.test_client()
    assert _fail(first_client, "editor@example.org", 3) == [401] * 3
    assert _fail(second_client, "editor@example.org", 2) == [401] * 2
    assert log_in(first_client, "editor@example.org", PASSWORD).status_code == 429
    assert log_in(second_client, "editor@example.org", PASSWORD).status_code == 429
    with second.app_context():
        db.engine.dispose()


def test_the_lock_ends_with_its_window(app, client, users):
    _fail(client, "editor@example.org", 5)
    assert log_in(client, "editor@example.org", PASSWORD).status_code == 429
    with app.app_context():
        db.session.execute(
            update(RateLimitCounter).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert log_in(client, "editor@example.org", PASSWORD).status_code == 302


def test_a_throttled_log_in_is_audited_once_per_window(app, client, users):
    _fail(client, "editor@example.org", 5)
    for _ in range(3):
        assert log_in(client, "Editor@example.org", PASSWORD).status_code == 429
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_throttled")
        ).all()
        assert [(e.actor_label, e.target, e.ip_address) for e in events] == [
            ("editor@example.org", "log-in", "127.0.0.1")
        ]
        assert "5 per 15 minutes" in events[0].detail


def test_the_password_reset_request_is_throttled_per_email(app, client, users):
    url = _reset_url(app)
    if url is None:
        pytest.skip("no password-reset request route yet")
    for _ in range(3):
        response = client.post_form(url, {"email": "editor@example.org"}, page=url)
        assert response.status_code < 400, response.status_code
    response = client.post_form(url, {"email": "editor@example.org"}, page=url)
    assert response.status_code == 429
    assert _retry_after(response) > 0
    assert "Too many password reset attempts" in response.get_data(as_text=True)


def test_the_password_reset_request_is_throttled_per_address(app, client, users):
    url = _reset_url(app)
    if url is None:
        pytest.skip("no password-reset request route yet")
    app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"] = "2 per hour"
    for email in ("editor@example.org", "writer@example.org"):
        assert client.post_form(url, {"email": email}, page=url).status_code < 400
    response = client.post_form(url, {"email": "admin@example.org"}, page=url)
    assert response.status_code == 429


def _reset_url(app: Flask) -> str | None:
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.endswith("request_password_reset") and "POST" in rule.methods:
                return rule.rule
    return None


# --- the storage itself --------------------------------------------------------------------


@pytest.fixture
def storage(app: Flask) -> DatabaseStorage:
    with app.app_context():
        return DatabaseStorage("coverage+db://", engine=db.engine)


def test_storage_counts_in_a_window_and_restarts_after_it(app, storage):
    assert storage.incr("k", 60) == 1
    assert storage.incr("k", 60, amount=2) == 3
    assert storage.get("k") == 3
    assert 0 < storage.get_expiry("k") - utcnow().timestamp() <= 60
    with app.app_context():
        db.session.execute(
            update(RateLimitCounter).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check() is True


def test_storage_keys_longer_than_the_column_are_digested(storage):
    long_key = "LIMITER/account:" + "x" * 400
    assert len(storage_key(long_key)) <= 255
    assert storage.incr(long_key, 60) == 1
    assert storage.incr(long_key, 60) == 2
    assert storage.get(long_key) == 2


def test_storage_purges_expired_counters_a_batch_at_a_time(app, storage):
    past = utcnow() - timedelta(minutes=1)
    with app.app_context():
        db.session.add_all(
            RateLimitCounter(key=f"old-{n}", count=1, expires_at=past)
            for n in range(PURGE_BATCH + 5)
        )
        db.session.commit()
    storage.incr("fresh", 60)  # a new window: a purge of at most one batch
    with app.app_context():
        left = db.session.scalar(
            select(func.count())
            .select_from(RateLimitCounter)
            .where(RateLimitCounter.expires_at <= utcnow())
        )
    assert left == 5
    assert storage.get("fresh") == 1


@pytest.mark.parametrize("name", ["LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS"])
def test_a_limit_that_is_no_rate_is_refused_at_start_up(tmp_path, name):
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, {name: "five a minute", "SECRET_KEY": "x"})
    config = load_config(tmp_path, {name: "10 per hour", "SECRET_KEY": "x"})
    assert config[name] == "10 per hour"


def test_tests_keep_the_default_limits(tmp_path):
    assert "LOGIN_LIMIT_PER_ACCOUNT" not in config_for_tests("sqlite://")


def test_counting_after_a_view_that_left_its_transaction_open_does_not_wait(app, users):
    """On SQLite a changing request's session holds the one write lock from its first read; a
    failure counted on the counters' own connection must not wait for it (503 after the busy
    timeout) but find the transaction ended."""
    from coverage.accounts.models import User
    from coverage.security.throttle import login_limits

    server = create_app(
        {**app.config, "DATABASE_BUSY_TIMEOUT_SECONDS": 1, "WTF_CSRF_ENABLED": False}
    )

    def reads_then_refuses():
        db.session.scalar(select(User.id))  # a read inside the request's write transaction
        return "no", 401

    server.add_url_rule(
        "/reads-then-refuses", view_func=login_limits(reads_then_refuses), methods=["POST"]
    )
    client = server.test_client()
    statuses = [
        client.post("/reads-then-refuses", data={"email": "editor@example.org"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    with server.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "reset_at,now,seconds", [(1000.0, 100.0, 900), (100.2, 100.0, 1), (99.0, 100.0, 1)]
)
def test_retry_after_is_whole_seconds_rounded_up_and_never_zero(reset_at, now, seconds):
    assert retry_after_seconds(reset_at, now) == seconds


def test_the_wait_is_told_in_minutes_rounded_up_with_the_utc_time():
    until = datetime(2021, 10, 8, 14, 32, 5, tzinfo=UTC)
    assert wait_phrase(61, until) == "Try again in 2 minutes (after 14:32 UTC)."
    assert wait_phrase(1, until) == "Try again in 1 minute (after 14:32 UTC)."


def _from(app: Flask, address: str) -> DeskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_strangers_failing_from_other_addresses_cannot_lock_the_owner_out(app, users):
    # A fresh-eyes tester's attack: five wrong passwords for the admin from five addresses.
    for n in range(1, 6):
        assert _fail(_from(app, f"203.0.113.{n}"), "admin@example.org", 1) == [401]
    owner = _from(app, "198.51.100.50")
    assert log_in(owner, "admin@example.org", PASSWORD).status_code == 302


def test_the_address_that_failed_stays_locked_for_that_account(app, users):
    guesser = _from(app, "203.0.113.9")
    assert _fail(guesser, "editor@example.org", 5) == [401] * 5
    assert log_in(guesser, "editor@example.org", PASSWORD).status_code == 429
    assert log_in(_from(app, "198.51.100.9"), "editor@example.org", PASSWORD).status_code == 302


def test_guessing_spread_over_many_addresses_meets_the_account_ceiling(app, users):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "8 per hour"
    for n in range(1, 9):
        assert _fail(_from(app, f"203.0.113.{n}"), "writer@example.org", 1) == [401]
    refused = log_in(_from(app, "203.0.113.99"), "writer@example.org", WRONG)
    assert refused.status_code == 429
    assert _retry_after(refused) > 0


def test_a_log_in_without_an_email_is_refused_by_the_form_and_logs_no_limiter_error(
    app, client, users, caplog
):
    caplog.set_level("WARNING")
    for _ in range(3):
        response = client.post_form("/login", {"email": "", "password": "x"}, page="/login")
        assert response.status_code == 422  # the form again, with its error
    assert "Enter your email address." in response.get_data(as_text=True)
    assert not [r for r in caplog.records if "Skipping limit" in r.getMessage()]
    # The address limit still counts them: it has a key.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) >= 1
