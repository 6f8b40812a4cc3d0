"""GET /health for load balancers: database reachable, migrations current, worker last seen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from coverage import create_app
from coverage.config import config_for_tests
from coverage.extensions import db
from coverage.ops.health import record_worker_heartbeat
from coverage.timeutil import utcnow
from coverage.worker import run_round
from tests.ops.conftest import HEAD, OLDER


def heartbeat(app: Flask, age: timedelta) -> None:
    with app.app_context():
        record_worker_heartbeat(utcnow() - age)
        db.session.commit()


def test_ok_when_database_and_migrations_are_current_and_the_worker_ran(app, client, stamped):
    stamped(HEAD)
    run_round(app, utcnow(), report=lambda line: None)  # the worker's round writes the heartbeat

    response = client.get("/health")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["warnings"] == []
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["migrations"] == {"status": "ok"}
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["worker"]["seconds_ago"] < 60
    text = response.get_data(as_text=True)
    assert HEAD not in text  # no revision ids, library versions or settings
    assert "sqlite" not in text.lower() and "postgres" not in text.lower()


def test_the_worker_heartbeat_is_an_upsert(app, client, stamped):
    stamped(HEAD)
    heartbeat(app, timedelta(hours=2))
    heartbeat(app, timedelta(seconds=5))

    worker = client.get("/health").get_json()["checks"]["worker"]

    assert worker["state"] == "ok"
    assert worker["seconds_ago"] < 60


@pytest.mark.parametrize(
    ("revision", "detail"),
    [(OLDER, "behind this code's migrations"), (None, "no migrations applied")],
)
def test_503_when_the_database_is_behind_the_code(app, client, stamped, revision, detail):
    stamped(revision)
    heartbeat(app, timedelta(0))

    response = client.get("/health")

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert detail in body["detail"]
    assert body["checks"]["migrations"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


def test_a_database_ahead_of_the_code_is_a_warning_during_a_rolling_deploy(app, client, stamped):
    stamped("9999_from_newer_code")
    heartbeat(app, timedelta(0))

    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json()["warnings"] == ["migrations"]


@pytest.mark.parametrize(
    ("age", "state"),
    [(None, "never_seen"), (timedelta(minutes=6), "stale"), (timedelta(minutes=4), "ok")],
)
def test_worker_last_seen_is_reported_but_only_warns(app, client, stamped, age, state):
    stamped(HEAD)
    if age is not None:
        heartbeat(app, age)

    response = client.get("/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"]["worker"]["state"] == state
    assert body["warnings"] == ([] if state == "ok" else ["worker"])
    if age is not None:
        assert abs(body["checks"]["worker"]["seconds_ago"] - age.total_seconds()) < 60


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/for/health/coverage.sqlite",  # cannot be opened
        "postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/coverage",  # closed port
    ],
)
def test_503_not_500_when_the_database_is_unreachable(tmp_path, url):
    app = create_app(config_for_tests(url))

    response = app.test_client().get("/health")

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["checks"]["database"] == {"status": "fail", "detail": "the database is unreachable"}
    text = response.get_data(as_text=True)
    assert "nonexistent-directory" not in text and "secret-pw" not in text and "nobody" not in text
