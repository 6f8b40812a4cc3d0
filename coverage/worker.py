"""The background worker: publishes scheduled pieces when their time comes, reminds writers of
deadlines, builds daily digests and sends the email outbox, round after round.

`flask --app app worker` runs `run_worker` beside the web server (`make run` starts both) or as
one long-running process per machine in production; `--once` runs a single round for cron. Any
number of workers and cron runs may share one database: `publish_due` claims each piece under a
row lock with a conditional UPDATE, so none is published twice; reminders and digests exist once
by their unique keys; each email is claimed under a lease before it is sent (see
coverage.notifications.mailer), so none is sent twice.

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
    """What a run did: rounds run, rounds that failed, pieces published, deadline reminders
    and digests created, and emails sent, put off for a retry, or given up."""

    rounds: int = 0
    failed_rounds: int = 0
    published: int = 0
    last_round_failed: bool = False
    reminders: int = 0
    digests: int = 0
    emails_sent: int = 0
    emails_retried: int = 0
    emails_failed: int = 0

    def add(self, result: RoundResult) -> None:
        self.published += result.published
        self.reminders += result.reminders
        self.digests += result.digests
        self.emails_sent += result.emails_sent
        self.emails_retried += result.emails_retried
        self.emails_failed += result.emails_failed


@dataclass
class RoundResult:
    published: int = 0
    reminders: int = 0
    digests: int = 0
    emails_sent: int = 0
    emails_retried: int = 0
    emails_failed: int = 0


def published_line(piece, now: datetime) -> str:
    """The line printed for each piece published (by `publish-due` and the worker alike)."""
    from coverage.pieces.services import piece_title

    zone = piece.festival.timezone
    return f"published #{piece.id} {piece_title(piece)} at {format_in_zone(now, zone)}"


def run_round(
    app: Flask,
    now: datetime,
    report: Callable[[str], None],
    result: RoundResult | None = None,
) -> RoundResult:
    """One round at `now`: record the worker's heartbeat (coverage.ops.health), publish what is
    due, add the deadline reminders and daily digests due, then send the email outbox;
    `report` one line per piece published and a line for the mail ("sent 3 emails").

    Each step commits on its own, in its own app context (a fresh session, and a pooled
    connection checked with a ping: a database that restarted since the last round is
    reconnected), so a failing step holds up none of the others. After all ran, the first
    error is raised again (the round counts as failed); its step was rolled back. What the
    other steps did is in `result` (pass one to read it after a failure).
    """
    from coverage.audit.acts import record_scheduled_publications
    from coverage.audit.services import WORKER
    from coverage.notifications import mailer
    from coverage.notifications import services as notifications
    from coverage.ops.health import record_worker_heartbeat
    from coverage.pieces.services import publish_due

    result = result if result is not None else RoundResult()
    errors: list[BaseException] = []
    with app.app_context():
        try:
            # The heartbeat /health reports ("worker last seen"); its own step and commit, so
            # it says the worker is running even in a round whose other steps fail.
            record_worker_heartbeat(now)
            db.session.commit()
        except BaseException as error:
            _rollback_quietly()
            if not isinstance(error, Exception):
                raise
            errors.append(error)
    with app.app_context():
        try:
            published = publish_due(now)
            record_scheduled_publications(published, WORKER)
            # Described before the commit (which expires the objects), printed only after it.
            lines = [published_line(piece, now) for piece in published]
            db.session.commit()
        except BaseException as error:
            _rollback_quietly()
            if not isinstance(error, Exception):
                raise
            errors.append(error)
            lines = []
    for line in lines:
        report(line)
    result.published = len(lines)
    with app.app_context():
        try:
            result.reminders = notifications.remind(now)
            result.digests = notifications.build_digests(now, app.config["DIGEST_HOUR_UTC"])
            db.session.commit()
        except BaseException as error:
            _rollback_quietly()
            result.reminders = result.digests = 0
            if not isinstance(error, Exception):
                raise
            errors.append(error)
    if result.reminders:
        report(f"added {_count(result.reminders, 'deadline reminder')}")
    if result.digests:
        report(f"queued {_count(result.digests, 'daily digest')}")
    try:
        sending = mailer.send_due(app, now)
    except Exception as error:
        errors.append(error)
    else:
        result.emails_sent = sending.sent
        result.emails_retried = sending.retried
        result.emails_failed = sending.failed
        if sending.sent:
            report(f"sent {_count(sending.sent, 'email')}")
        if sending.retried:
            report(f"{_count(sending.retried, 'email')} to retry later: {sending.errors[-1]}")
        if sending.failed:
            report(f"gave up {_count(sending.failed, 'email')} the mail server refused")
    if errors:
        raise errors[0]
    return result


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def run_worker(
    app: Flask,
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    once: bool = False,
    stop_event: threading.Event | None = None,
    now: Callable[[], datetime] = utcnow,
    report: Callable[[str], None] = print,
) -> WorkerStats:
    """Run rounds (publish, remind, digest, send mail) until `stop_event` is set (or after one
    round when `once`).

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
        result = RoundResult()
        try:
            run_round(app, now(), report, result)
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
        stats.add(result)
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
