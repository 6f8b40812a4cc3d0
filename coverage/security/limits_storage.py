"""A `limits` storage backend on the desk's own database (table `rate_limit_counters`).

The app keeps no state in the process and several app servers share one database, so the
counters Flask-Limiter keeps (log-in failures per account, attempts per address) live there:
every server counts the same attempts, and a restart forgets nothing. Select it with
`RATELIMIT_STORAGE_URI=coverage+db://` (the default); `redis://...` works instead (with the
`redis` package) where a Redis is at hand.

Only the fixed-window strategy is supported (`incr`, `get`, `get_expiry`): one row per key holds
the window's count and its end. Each call runs on a connection of its own (`engine.begin()`),
committed at once, so a counter never rides on, commits or rolls back the request's session.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from limits.storage import Storage
from sqlalchemy import case, delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from coverage.accounts.models import RateLimitCounter
from coverage.timeutil import utcnow
from coverage.upsert import dialect_insert

SCHEME = "coverage+db"
KEY_LENGTH = 255  # RateLimitCounter.key
# Expired rows deleted at most per new window started: purging stays a small, bounded part of
# the request that happens to start a window, and the table cannot grow without end.
PURGE_BATCH = 100

_counters = RateLimitCounter.__table__


def storage_key(key: str) -> str:
    """The row key for a limiter key: the key itself, or a digest when it is longer than the
    column (an email typed into the log-in form may be 254 characters before the limiter's
    prefix and scope)."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in `rate_limit_counters`, shared by every app server.

    `engine` is an Engine, or a callable returning one; by default the current Flask app's
    (`db.engine`), so one limiter serves whichever app handles the request.
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Engine | Callable[[], Engine] | None = None,
        **options: float | str | bool,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from coverage.extensions import db

            return db.engine
        if isinstance(self._engine, Engine):
            return self._engine
        return self._engine()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's count in its window and return the new count; a key with
        no row, or whose window (`expiry` seconds from its first hit) has ended, starts a new
        window at `amount`. One atomic INSERT .. ON CONFLICT DO UPDATE, so two servers counting
        the same key at the same moment both count."""
        now = utcnow()
        engine = self.engine
        statement = dialect_insert(engine.dialect.name, _counters).values(
            key=storage_key(key), count=amount, expires_at=now + timedelta(seconds=expiry)
        )
        window_over = _counters.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[_counters.c.key],
            set_={
                "count": case(
                    (window_over, statement.excluded.count),
                    else_=_counters.c.count + statement.excluded.count,
                ),
                "expires_at": case(
                    (window_over, statement.excluded.expires_at), else_=_counters.c.expires_at
                ),
            },
        ).returning(_counters.c.count)
        with engine.begin() as connection:
            count = int(connection.execute(statement).scalar_one())
            if count == amount:
                # A window began: a good moment to clear a few that ended.
                _purge_expired(connection, now)
        return count

    def get(self, key: str) -> int:
        """The key's count in its current window (0 when none is running)."""
        now = utcnow()
        with self.engine.connect() as connection:
            count = connection.execute(
                select(_counters.c.count).where(
                    _counters.c.key == storage_key(key), _counters.c.expires_at > now
                )
            ).scalar_one_or_none()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in seconds since the epoch (now when none is running)."""
        with self.engine.connect() as connection:
            expires_at: datetime | None = connection.execute(
                select(_counters.c.expires_at).where(_counters.c.key == storage_key(key))
            ).scalar_one_or_none()
        now = time.time()
        if expires_at is None:
            return now
        return max(now, expires_at.timestamp())

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(func.count()).select_from(_counters)).scalar_one()
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; returns how many there were."""
        with self.engine.begin() as connection:
            return connection.execute(delete(_counters)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with self.engine.begin() as connection:
            connection.execute(delete(_counters).where(_counters.c.key == storage_key(key)))


def _purge_expired(connection: Connection, now: datetime) -> int:
    """Delete at most PURGE_BATCH counters whose window ended. On PostgreSQL rows another
    server is deleting or counting are skipped (SKIP LOCKED), so purges never wait on or
    deadlock with each other."""
    expired = (
        select(_counters.c.key)
        .where(_counters.c.expires_at <= now)
        .order_by(_counters.c.expires_at)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    return connection.execute(delete(_counters).where(_counters.c.key.in_(expired))).rowcount
