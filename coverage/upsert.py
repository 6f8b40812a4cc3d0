"""INSERT … ON CONFLICT for the two databases the desk runs on.

Several app servers share one database, so a row that "is written the first time it is needed"
(a feed's state, a setting, a counter) can be written by two requests at once. An INSERT that
leaves (or updates) the row another request stored first makes that race harmless without a
read-then-write or a lock. PostgreSQL and SQLite (3.24+) spell it the same way in SQLAlchemy,
through their dialects' own `insert`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect_name: str, table: Any):
    """`insert(table)` of the named dialect ("postgresql" or "sqlite"): a statement with
    `.on_conflict_do_nothing()` and `.on_conflict_do_update()`. NotImplementedError for any
    other database (the desk supports these two)."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect_name}")
