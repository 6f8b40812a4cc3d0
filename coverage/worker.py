"""The background worker: publishes scheduled pieces when their time comes, round after round.

`flask --app app worker` runs `run_worker` beside the web server (`make run` starts both) or as
one long-running process per machine in production; `--once` runs a single round for cron. Any
number of workers and cron runs may share one database: `publish_due` claims each piece under a
row lock with a conditional UPDATE, so none is published twice.

A round that fails (PostgreSQL restarting, SQLite busy) is rolled back, logged and simply tried
again next round: nothing is lost, because the work is the rows themselves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import DBAPIError

from coverage.extensions import db
from coverage.timeutil import format_in_zone, utcnow

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 15


@dataclass
class WorkerStats:
    """What a run did: rounds run, rounds that failed, and pieces published."""

    rounds: int = 0
    failed_rounds: int = 0
    published: int = 0
    last_round_failed: bool = False


def published_line(piece, now: datetime) -> str:
    """The line printed for each piece published (by `publish-due` and the worker alike)."""
    from coverage.pieces.services import piece_title

    zone = piece.festival.timezone
    return f"published #{piece.id} {piece_title(piece)} at {format_in_zone(now, zone)}"


def run_round(app: Flask, now: datetime, report: Callable[[str], None]) -> int:
    """Publish what is due at `now`, commit, then `report` one line per piece published.

    Runs in its own app context, so each round has a fresh session (and a pooled connection
    checked with a ping: a database that restarted since the last round is reconnected). Raises
    whatever the database raised, after rolling back; returns how many pieces were published.
    """
    from coverage.pieces.services import publish_due

    with app.app_context():
        try:
            published = publish_due(now)
            # Described before the commit (which expires the objects), printed only after it.
            lines = [published_line(piece, now) for piece in published]
            db.session.commit()
        except BaseException:
            _rollback_quietly()
            raise
    for line in lines:
        report(line)
    return len(lines)


def run_worker(
    app: Flask,
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    once: bool = False,
    stop_event: threading.Event | None = None,
    now: Callable[[], datetime] = utcnow,
    report: Callable[[str], None] = print,
) -> WorkerStats:
    """Run publishing rounds until `stop_event` is set (or after one round when `once`).

    `interval` is the pause in seconds between the end of one round and the start of the next,
    so a piece goes out at most `interval` seconds (plus one round) after its time. The pause is
    a wait on `stop_event`, so setting it (the command's SIGTERM/SIGINT handlers do) ends the
    loop at once when idle, or right after the round in progress, which is always finished and
    committed. A round that raises is logged and rolled back, and the loop goes on: a worker
    must outlive a database restart. `now` gives each round's time (tests pass a clock).
    """
    if interval <= 0:  # the command and WORKER_INTERVAL_SECONDS insist on at least 1 second
        raise ValueError("interval must be a positive number of seconds")
    stop = stop_event if stop_event is not None else threading.Event()
    stats = WorkerStats()
    retry = "" if once else f"; retrying in {interval} s"
    while True:
        stats.rounds += 1
        try:
            stats.published += run_round(app, now(), report)
            stats.last_round_failed = False
        except DBAPIError as error:
            # The database refused or went away: expected now and then, retried next round.
            stats.failed_rounds += 1
            stats.last_round_failed = True
            logger.error(
                "publishing round failed (database error%s): %s", retry, _first_line(error)
            )
        except Exception:
            # Anything else is a bug, logged in full; the next round tries again rather than
            # leaving every later piece unpublished.
            stats.failed_rounds += 1
            stats.last_round_failed = True
            logger.exception("publishing round failed%s", retry)
        if once or stop.is_set() or stop.wait(interval):
            return stats


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is discarded with the context
        logger.debug("rollback after a failed round failed too", exc_info=True)
