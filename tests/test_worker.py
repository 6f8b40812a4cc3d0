"""The worker publishes scheduled pieces by itself, survives database errors and stops cleanly."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from coverage import PROJECT_ROOT
from coverage.config import ConfigError, load_config
from coverage.extensions import db
from coverage.pieces import services
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, Transition
from coverage.timeutil import utcnow
from coverage.worker import run_worker


def schedule(app, programme, users, headline: str, publish_at) -> int:
    """A scheduled review of the programme's film, to go out at `publish_at`; returns its id."""
    with app.app_context():
        piece = Piece(
            festival_id=programme["festival"],
            film_id=programme["film"],
            kind=PieceKind.REVIEW,
            writer_id=users["writer"],
            state=PieceState.SCHEDULED,
            headline=headline,
            body="Text",
            publish_at=publish_at,
        )
        db.session.add(piece)
        db.session.commit()
        return piece.id


@pytest.fixture
def worker_log(caplog, monkeypatch):
    """The worker's ERROR records. (Alembic's fileConfig, run by the migration tests, disables
    loggers that already exist, this one included; a real worker process never runs it.)"""
    monkeypatch.setattr(logging.getLogger("coverage.worker"), "disabled", False)
    caplog.set_level(logging.ERROR, logger="coverage.worker")
    return caplog


@pytest.fixture
def due_and_later(app, programme, users) -> tuple[int, int]:
    """A piece whose time came five minutes ago, and one due tomorrow."""
    now = utcnow()
    due = schedule(app, programme, users, "Due review", now - timedelta(minutes=5))
    later = schedule(app, programme, users, "Later review", now + timedelta(days=1))
    return due, later


def piece_row(app, piece_id: int) -> tuple[PieceState, object]:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        return piece.state, piece.published_at


def transitions(app, piece_id: int) -> list[tuple[str, str | None, str, int | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Transition).where(Transition.piece_id == piece_id).order_by(Transition.id)
        ).all()
        return [
            (row.action, row.from_state and row.from_state.value, row.to_state.value, row.actor_id)
            for row in rows
        ]


def test_one_round_publishes_what_is_due_and_leaves_the_rest(app, due_and_later):
    due, later = due_and_later
    clock = utcnow()
    lines: list[str] = []
    stats = run_worker(app, once=True, now=lambda: clock, report=lines.append)
    assert (stats.rounds, stats.published, stats.failed_rounds) == (1, 1, 0)
    assert piece_row(app, due) == (PieceState.PUBLISHED, clock)
    assert transitions(app, due) == [("publish_scheduled", "scheduled", "published", None)]
    assert piece_row(app, later) == (PieceState.SCHEDULED, None)
    assert transitions(app, later) == []
    assert len(lines) == 1 and lines[0].startswith(f"published #{due} Due review at ")


def test_worker_once_command_publishes_and_exits_0(app, due_and_later):
    due, later = due_and_later
    handlers = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"published #{due} Due review at " in result.output
    assert piece_row(app, due)[0] is PieceState.PUBLISHED
    assert piece_row(app, later)[0] is PieceState.SCHEDULED
    # The command puts back the signal handlers it installed.
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers


def test_a_database_error_is_logged_rolled_back_and_the_next_round_publishes(
    app, due_and_later, monkeypatch, worker_log
):
    due, later = due_and_later
    real_publish_due = services.publish_due
    calls = 0

    def flaky_publish_due(now):
        nonlocal calls
        calls += 1
        published = real_publish_due(now)  # claims the rows, then the connection "drops"
        if calls == 1:
            raise OperationalError(
                "UPDATE pieces ...", {}, Exception("server closed the connection")
            )
        return published

    monkeypatch.setattr(services, "publish_due", flaky_publish_due)
    stop = threading.Event()
    rounds = 0

    def clock():
        nonlocal rounds
        rounds += 1
        if rounds == 2:
            stop.set()  # the round still runs to the end; the loop ends after it
        return utcnow()

    lines: list[str] = []
    stats = run_worker(app, interval=0.01, stop_event=stop, now=clock, report=lines.append)
    assert (stats.rounds, stats.failed_rounds, stats.published) == (2, 1, 1)
    assert "database error" in worker_log.text and "server closed the connection" in worker_log.text
    # The first round's claim was rolled back, so the second one published the piece, once.
    assert piece_row(app, due)[0] is PieceState.PUBLISHED
    assert transitions(app, due) == [("publish_scheduled", "scheduled", "published", None)]
    assert piece_row(app, later)[0] is PieceState.SCHEDULED
    assert len(lines) == 1


def test_worker_once_exits_1_when_its_round_fails(app, due_and_later, monkeypatch, worker_log):
    due, _ = due_and_later

    def broken(now):
        raise OperationalError("SELECT ...", {}, Exception("could not connect to server"))

    monkeypatch.setattr(services, "publish_due", broken)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "could not connect to server" in worker_log.text
    assert piece_row(app, due)[0] is PieceState.SCHEDULED


def test_stop_set_during_a_round_finishes_that_round_then_stops(app, due_and_later):
    due, _ = due_and_later
    stop = threading.Event()

    def clock():
        stop.set()  # as a SIGTERM arriving mid-round would
        return utcnow()

    # An hour's interval: the loop must not wait it out once stopped.
    stats = run_worker(app, interval=3600, stop_event=stop, now=clock, report=lambda line: None)
    assert (stats.rounds, stats.published) == (1, 1)
    assert piece_row(app, due)[0] is PieceState.PUBLISHED


def test_the_stop_event_interrupts_the_wait_between_rounds(app, due_and_later):
    stop = threading.Event()
    started = threading.Event()
    outcome = {}

    def clock():
        started.set()
        return utcnow()

    def work():
        outcome["stats"] = run_worker(
            app, interval=3600, stop_event=stop, now=clock, report=lambda line: None
        )

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "the worker should stop without waiting out its interval"
    assert outcome["stats"].rounds == 1


def test_interval_setting(tmp_path):
    assert load_config(tmp_path, {})["WORKER_INTERVAL_SECONDS"] == 15
    assert load_config(tmp_path, {"WORKER_INTERVAL_SECONDS": ""})["WORKER_INTERVAL_SECONDS"] == 15
    assert load_config(tmp_path, {"WORKER_INTERVAL_SECONDS": " 5 "})["WORKER_INTERVAL_SECONDS"] == 5
    for nonsense in ("0", "-3", "1.5", "fast"):
        with pytest.raises(ConfigError, match="WORKER_INTERVAL_SECONDS"):
            load_config(tmp_path, {"WORKER_INTERVAL_SECONDS": nonsense})


def test_interval_option_must_be_at_least_a_second(app):
    result = app.test_cli_runner().invoke(args=["worker", "--interval", "0"])
    assert result.exit_code == 2
    assert "--interval" in result.output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_real_command_publishes_and_stops_on_a_signal(app, due_and_later, stop_signal):
    due, later = due_and_later
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COVERAGE_ENV": "development",
        "SECRET_KEY": "test-secret-key",
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--interval", "1"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30  # a cap against hanging, not a timing assertion
        while piece_row(app, due)[0] is not PieceState.PUBLISHED:
            if process.poll() is not None:
                pytest.fail(f"the worker exited early:\n{process.communicate()[1]}")
            assert time.monotonic() < deadline, "the worker did not publish the due piece"
            time.sleep(0.1)
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert f"published #{due} Due review at " in stdout
    assert "Worker stopped" in stderr
    assert transitions(app, due) == [("publish_scheduled", "scheduled", "published", None)]
    assert piece_row(app, later)[0] is PieceState.SCHEDULED
