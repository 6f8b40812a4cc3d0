"""`GET /health`: what a load balancer asks before sending this server traffic.

Three checks, in one short database connection:

- database: reachable (`SELECT 1`);
- migrations: the database's Alembic revision is the head of migrations/ (this code's schema);
- worker: when the background worker last ran a round (its heartbeat, written each round into
  `install_settings` under `worker_last_seen`).

200 `{"status": "ok", "checks": {...}}` while the database answers and its schema is this
code's; 503 (problem+json, with the same checks) when the database is unreachable or behind the
code's migrations, since every page would fail. Two findings are warnings that keep the 200:

- a stale or never-seen worker: pages are served without it (only scheduled publishing and
  email wait), and taking every web server out of the load balancer would not restart the
  worker, it would take the site down too. Monitor the check's `status` to alert someone.
- a database *ahead* of this code (a revision migrations/ does not know): the deploy order is
  "migrate, then start the new code", so old servers see that during every rolling deploy and
  must keep serving until they are replaced.

No login (a load balancer has none), no secrets, no library versions or revision ids, no
error text (which may name hosts or users; it is logged instead). `Cache-Control: no-store`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from coverage.extensions import db
from coverage.identity import InstallSetting
from coverage.ops.backup import database_heads
from coverage.ops.rules import WorkerState, parse_heartbeat, worker_state
from coverage.timeutil import utcnow
from coverage.upsert import dialect_insert
from coverage.web import problem

WORKER_HEARTBEAT_KEY = "worker_last_seen"

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
# Migration files do not change while a process runs: read migrations/ once per directory.
_script_cache: dict[str, ScriptDirectory] = {}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _script() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"]
    directory = str(migrate.directory)
    script = _script_cache.get(directory)
    if script is None:
        script = ScriptDirectory.from_config(migrate.migrate.get_config(directory))
        _script_cache[directory] = script
    return script


def _migrations_check(connection: Connection) -> dict[str, Any]:
    script = _script()
    heads = set(script.get_heads())
    current = database_heads(connection)
    if current == heads:
        return {"status": "ok"}
    if not current:
        return {"status": "fail", "detail": "the database has no migrations applied"}
    try:
        for revision in current:
            script.get_revision(revision)
    except CommandError:
        return {"status": "warn", "detail": "the database is ahead of this code's migrations"}
    return {"status": "fail", "detail": "the database is behind this code's migrations"}


def _worker_check(connection: Connection) -> dict[str, Any]:
    stored = connection.execute(
        select(InstallSetting.value).where(InstallSetting.key == WORKER_HEARTBEAT_KEY)
    ).scalar_one_or_none()
    last_seen = parse_heartbeat(stored)
    now = utcnow()
    state = worker_state(last_seen, now)
    check: dict[str, Any] = {
        "status": "ok" if state is WorkerState.OK else "warn",
        "state": state.value,
    }
    if last_seen is not None:
        check["last_seen"] = last_seen.isoformat()
        check["seconds_ago"] = max(0, int((now - last_seen).total_seconds()))
    return check


def run_checks() -> dict[str, dict[str, Any]]:
    """Every check's result (`status` ok, warn or fail, with details); never raises for a
    database that is down, which is a result like any other."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks = {"database": {"status": "ok"}}
            checks["migrations"] = _migrations_check(connection)
            checks["worker"] = _worker_check(connection)
            return checks
    except SQLAlchemyError as error:
        log.warning("health check: the database is unreachable: %s", error)
        return {
            "database": {"status": "fail", "detail": "the database is unreachable"},
            "migrations": {"status": "unknown"},
            "worker": {"status": "unknown"},
        }


@bp.get("/health")
def health() -> Response:
    """The load balancer's check; see the module docstring for what 200 and 503 mean."""
    checks = run_checks()
    failed = [name for name, check in checks.items() if check["status"] == "fail"]
    if failed:
        detail = "; ".join(checks[name]["detail"] for name in failed)
        response = problem(503, f"Not ready: {detail}.", "Service Unavailable", checks=checks)
    else:
        warnings = [name for name, check in checks.items() if check["status"] == "warn"]
        response = jsonify({"status": "ok", "checks": checks, "warnings": warnings})
    response.headers["Cache-Control"] = "no-store"
    return response


def record_worker_heartbeat(now: datetime) -> None:
    """Store `now` (tz-aware) as the worker's last round, in the caller's transaction.

    One upsert (INSERT ... ON CONFLICT DO UPDATE, on PostgreSQL and SQLite alike), so several
    workers and cron runs write it without a read-then-write race."""
    value = now.astimezone(UTC).isoformat()
    statement = dialect_insert(db.engine.dialect.name, InstallSetting).values(
        key=WORKER_HEARTBEAT_KEY, value=value, created_at=now
    )
    db.session.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={"value": value})
    )
