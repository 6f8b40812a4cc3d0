"""Pure rules of operations: request ids, which path segments are secrets, worker freshness.

No Flask, no database: the web layer (coverage.ops.request_log, coverage.ops.health) asks these.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

# An incoming X-Request-ID (from a proxy or load balancer) is kept only when it cannot smuggle
# anything into a log line or a header: 1-64 characters of [A-Za-z0-9._-].
REQUEST_ID_MAX_LENGTH = 64
_SAFE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{REQUEST_ID_MAX_LENGTH}}}")

# URL rule arguments that carry a secret (a calendar feed's token, a password reset token):
# their value is written as REDACTED in logs. Matched by the route's argument *name*, so a new
# route with a `<token>` or `<secret>` segment is redacted without a change here.
SECRET_VIEW_ARGUMENTS = frozenset({"secret", "token", "reset_token", "feed_token"})
REDACTED = "***"

# The worker runs a round every WORKER_INTERVAL_SECONDS (15 s by default) and a cron
# `worker --once` every minute; 5 minutes without a heartbeat is several missed rounds.
WORKER_STALE_AFTER = timedelta(minutes=5)


def request_id_from_header(value: str | None) -> str:
    """The request id: the incoming header's when it is 1-64 safe characters, else a new
    uuid4 hex (32 characters). Never raises."""
    if value is not None and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def redacted_arguments(view_args: Mapping[str, object]) -> dict[str, object]:
    """`view_args` with every secret argument's value replaced by REDACTED."""
    return {
        name: REDACTED if name in SECRET_VIEW_ARGUMENTS else value
        for name, value in view_args.items()
    }


def has_secret_argument(argument_names: frozenset[str] | set[str]) -> bool:
    """Whether a URL rule with these arguments carries a secret in its path."""
    return bool(SECRET_VIEW_ARGUMENTS & set(argument_names))


class WorkerState(StrEnum):
    """What the health endpoint says of the background worker."""

    OK = "ok"
    STALE = "stale"
    NEVER_SEEN = "never_seen"


def worker_state(
    last_seen: datetime | None, now: datetime, stale_after: timedelta = WORKER_STALE_AFTER
) -> WorkerState:
    """OK when the worker's last heartbeat is at most `stale_after` old, STALE when older,
    NEVER_SEEN when no worker ever ran against this database. Both datetimes are tz-aware.

    A heartbeat from the future (clocks of two machines disagree) counts as OK: the worker is
    evidently alive."""
    if last_seen is None:
        return WorkerState.NEVER_SEEN
    return WorkerState.OK if now - last_seen <= stale_after else WorkerState.STALE


def parse_heartbeat(value: str | None) -> datetime | None:
    """The stored heartbeat (ISO 8601 with an offset) as a tz-aware datetime; None when absent
    or unreadable (treated as never seen rather than failing the health check)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
