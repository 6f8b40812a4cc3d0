"""Read, check, then write, without losing an update: on PostgreSQL and on SQLite alike.

Every write that depends on what it read (a save based on a version, a transition from a state,
a publishing round, an import planned against the programme) first takes the lock that makes its
reads current and keeps them so until it commits:

- PostgreSQL: `lock_row` is `SELECT ... FOR UPDATE` on the row the check is about, read again
  as committed; a second writer waits on the row, then reads what the first committed.
- SQLite has no row locks, and pysqlite opens a transaction only at the first INSERT, UPDATE or
  DELETE, so the reads a check makes belong to no transaction: two writers both read version 4
  and both write. `begin_write` starts the transaction with `BEGIN IMMEDIATE`, which takes the
  database's one write lock before anything is read; a second writer waits for it (at most
  `DATABASE_BUSY_TIMEOUT_SECONDS`), then reads what the first committed.

A web or API request that may change something (any method but GET, HEAD, OPTIONS) declares its
write intent before it reads anything, so on SQLite every transaction it runs is IMMEDIATE; the
CLI and the worker call the services, which call `begin_write` themselves. Reads outside a write
transaction stay what pysqlite makes them (each statement on its own), so pages are served while
someone writes. A write that waits longer than the timeout is answered 503 ("busy, nothing was
saved, try again"), never 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from coverage.extensions import db

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_SECONDS = 5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Session.info keys: the request's write intent, and what this transaction already did.
WRITE_INTENT = "coverage.write_intent"
TRANSACTION_NOTES = "coverage.transaction_notes"
BUSY_TITLE = "Busy"
BUSY_DETAIL = (
    "Someone else was saving at the same moment and it took too long, so nothing was saved. "
    "Try again in a moment."
)


def init_app(app: Flask) -> None:
    """Bound SQLite's waits for the write lock, declare write intent for changing requests, and
    answer a wait that ran out with 503."""
    seconds = float(app.config.get("DATABASE_BUSY_TIMEOUT_SECONDS", DEFAULT_BUSY_TIMEOUT_SECONDS))
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _busy_timeout(seconds))
    app.before_request(_declare_write_intent)
    app.teardown_request(_forget_write_intent)
    app.register_error_handler(OperationalError, _busy_or_error)


def _busy_timeout(seconds: float):
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # How long a statement (BEGIN IMMEDIATE, a write, COMMIT) waits for another
        # connection's lock before SQLite gives up with "database is locked".
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        cursor.close()

    return on_connect


def _declare_write_intent() -> None:
    if request.method not in SAFE_METHODS:
        db.session.info[WRITE_INTENT] = True


def _forget_write_intent(_error: BaseException | None = None) -> None:
    db.session.info.pop(WRITE_INTENT, None)


@event.listens_for(Session, "after_begin")
def _begin_immediate_when_declared(session: Session, _transaction: Any, connection: Connection):
    """A transaction of a request that declared write intent takes SQLite's write lock before
    its first statement."""
    if session.info.get(WRITE_INTENT):
        _immediate(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_notes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(TRANSACTION_NOTES, None)


def _immediate(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        # No write yet in this transaction (pysqlite begins one only at the first write), so
        # nothing read so far is relied on: take the write lock now, then read.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    # Otherwise this transaction has written already, so it holds the write lock since then.


def begin_write() -> None:
    """Declare that the current transaction reads, checks and then writes.

    On SQLite, take the database's write lock now (BEGIN IMMEDIATE); callers then read what
    they check again (`lock_row` does both). On PostgreSQL nothing happens here: the row lock
    that `lock_row` takes is the serialisation.
    """
    _immediate(db.session.connection())


def transaction_notes() -> dict[str, Any]:
    """A dict that lives as long as the current transaction: what it already locked or did."""
    return db.session.info.setdefault(TRANSACTION_NOTES, {})


def lock_row(instance: Any, statement=None) -> None:
    """Take `instance`'s row for writing and read it again as committed, once per transaction.

    `statement`, a SELECT of the instance's class filtered to its row, lets the caller reload
    related objects its check reads too (e.g. with `selectinload`).
    """
    state = inspect(instance)
    if state.identity is None:
        db.session.flush()  # a new row: its key comes with the INSERT
    mapper = state.mapper
    key = (mapper.class_.__name__, state.identity)
    locked = transaction_notes().setdefault("locked", set())
    if key in locked:
        return  # locked earlier in this transaction: what it reads now is current
    begin_write()
    if statement is None:
        conditions = [
            column == value
            for column, value in zip(mapper.primary_key, state.identity, strict=True)
        ]
        statement = select(mapper.class_).where(*conditions)
    db.session.scalars(
        statement.with_for_update(of=mapper.class_).execution_options(populate_existing=True)
    ).all()
    locked.add(key)


def is_busy(error: BaseException) -> bool:
    """Whether a database error is a wait for a lock that ran out."""
    message = str(getattr(error, "orig", error)).lower()
    return "database is locked" in message or "database table is locked" in message


def _busy_or_error(error: OperationalError):
    from coverage.web import render_error

    try:
        db.session.rollback()
    except Exception:  # the connection may be unusable; the session is discarded anyway
        log.debug("rollback after a database error failed", exc_info=True)
    # The request writes nothing more: the error page's reads must not wait for the lock again.
    _forget_write_intent()
    if not is_busy(error):
        log.exception("Database error on %s %s", request.method, request.path, exc_info=error)
        return render_error(
            500, "Internal Server Error", "Something went wrong on our side; it has been logged."
        )
    log.warning("Gave up waiting for the database lock on %s %s", request.method, request.path)
    response, status = render_error(503, BUSY_TITLE, BUSY_DETAIL)
    return response, status, {"Retry-After": "2"}
