"""Backup and restore: a consistent, portable snapshot of every table.

`flask --app app backup FILE` and `flask --app app restore FILE` (coverage.cli) call these.

The file is gzip'ed JSON lines, the same whichever database wrote or reads it, so a SQLite
desk's backup restores into PostgreSQL and back:

    {"format": "festival-coverage-backup", "version": 1, "created_at": "...Z",
     "alembic_revision": "0009_hardening", "source": "sqlite", "tables": {"users": 4, ...}}
    {"table": "users", "columns": ["id", "email", ...], "rows": 4}
    [1, "admin@example.com", ...]                      one JSON array per row
    ...                                                every table, in dependency order
    {"end": true, "tables": 30}

Values are encoded by column type, not by what the driver happened to return: instants as ISO
8601 UTC (`2021-10-08T08:00:00+00:00`), dates as ISO dates, bytes as base64, booleans as JSON
booleans, enums as the string stored in the database, numbers and text as themselves. The end
line, the per-table row counts and gzip's own checksum make a truncated file an error, never a
partial restore.

Consistency: every table is read in ONE read-only transaction, so the snapshot is of one moment
even while the desk is in use: PostgreSQL `REPEATABLE READ READ ONLY` (a snapshot at the first
query; writers are not blocked); SQLite an explicit `BEGIN` (pysqlite otherwise runs each SELECT
on its own), whose read lock holds the snapshot (writers wait, at most
DATABASE_BUSY_TIMEOUT_SECONDS, until the backup ends). Rows are streamed (`yield_per`), so memory
stays bounded whatever the size of the tables.

Pure SQLAlchemy Core: no Flask, no ORM session; the caller passes the engine or connection and
owns the restore's transaction (it commits the audit event with it).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum as PyEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    inspect,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator, TypeEngine

FORMAT_NAME = "festival-coverage-backup"
FORMAT_VERSION = 1
# Rows per fetch when reading and per INSERT batch when restoring: big enough to be quick,
# small enough that memory stays a few megabytes even with long revision texts.
BATCH_ROWS = 500


class BackupError(Exception):
    """A backup could not be written or restored; `message` says why, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: its schema revision, when it was made, the rows of each table."""

    alembic_revision: str | None
    created_at: datetime
    table_rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.table_rows.values())


# ---------------------------------------------------------------------------------------------
# Encoding values by column type


@dataclass(frozen=True)
class _Codec:
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _instant_to_text(value: datetime) -> str:
    # A naive value (a plain DateTime column) is written as it is; an aware one as UTC.
    return value.astimezone(UTC).isoformat() if value.tzinfo is not None else value.isoformat()


def _text_to_instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _enum_to_text(value: Any) -> str:
    return value.value if isinstance(value, PyEnum) else str(value)


def _expect(kind: type, name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        # bool is an int in Python; an integer column must not silently take true/false.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {name}, found {type(value).__name__}")
        return value

    return check


def _identity(value: Any) -> Any:
    return value


_DATETIME = _Codec(_instant_to_text, _text_to_instant)
_DATE = _Codec(date.isoformat, date.fromisoformat)
_BYTES = _Codec(
    lambda value: base64.b64encode(bytes(value)).decode("ascii"),
    lambda value: base64.b64decode(value, validate=True),
)
_ENUM = _Codec(_enum_to_text, _expect(str, "text"))
_BOOLEAN = _Codec(bool, _expect(bool, "true or false"))
_INTEGER = _Codec(int, _expect(int, "a whole number"))
_TEXT = _Codec(_identity, _expect(str, "text"))


def _codec(column_type: TypeEngine) -> _Codec | None:
    """How a column of this type is written to and read from the file; None: no encoding
    known (the backup refuses the table rather than write something it cannot restore)."""
    impl = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    # Order matters: Enum is a String, and so are the text types.
    for kind, codec in (
        (DateTime, _DATETIME),
        (Date, _DATE),
        (LargeBinary, _BYTES),
        (Enum, _ENUM),
        (Boolean, _BOOLEAN),
        (Integer, _INTEGER),
        (String, _TEXT),
    ):
        if isinstance(impl, kind):
            return codec
    return None


def _codecs(table: Table) -> list[_Codec]:
    codecs = []
    for column in table.columns:
        codec = _codec(column.type)
        if codec is None:
            raise BackupError(
                f"{table.name}.{column.name}: no backup encoding for the column type "
                f"{column.type!r}; add one to coverage/ops/backup.py"
            )
        codecs.append(codec)
    return codecs


# ---------------------------------------------------------------------------------------------
# Reading the database


VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py keeps it


def database_heads(connection: Connection) -> set[str]:
    """The database's Alembic revisions (one, unless branches were merged badly); empty
    without a version table (a database made by `create_all`, or never migrated).

    Read directly rather than through alembic's MigrationContext, which logs two INFO lines
    each time: a load balancer asking /health every few seconds would fill the logs."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    version = sql_table(VERSION_TABLE, sql_column("version_num"))
    return set(connection.execute(select(version.c.version_num)).scalars())


def database_revision(connection: Connection) -> str | None:
    """`database_heads` joined by commas, or None when there are none."""
    return ",".join(sorted(database_heads(connection))) or None


def _row_count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _snapshot_connection(engine: Engine) -> Connection:
    """A connection whose transaction (begun by the caller) reads one consistent snapshot."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return engine.connect()


def _begin_snapshot(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only before a write, so each SELECT would otherwise see
        # the database as of its own moment; BEGIN makes them one read transaction.
        connection.exec_driver_sql("BEGIN")


def _dumps(value: Any) -> bytes:
    # ensure_ascii: a lone surrogate in stored text still makes a valid UTF-8 file.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _ordered(table: Table):
    key = list(table.primary_key.columns) or list(table.columns)
    return select(table).order_by(*key)


def write_backup(
    engine: Engine, metadata: MetaData, out: IO[bytes], *, now: datetime
) -> BackupSummary:
    """Write a gzip'ed snapshot of every table of `metadata` to the binary stream `out`.

    Reads everything in one read-only transaction (see the module docstring); rows are
    streamed in batches of BATCH_ROWS. `now` (tz-aware) is the time written in the header.
    Raises BackupError for a column type it cannot encode (before writing anything) and lets
    database errors (SQLAlchemyError) through.
    """
    tables = list(metadata.sorted_tables)
    codecs = {table.name: _codecs(table) for table in tables}
    connection = _snapshot_connection(engine)
    try:
        with connection.begin():
            _begin_snapshot(connection)
            revision = database_revision(connection)
            counts = {table.name: _row_count(connection, table) for table in tables}
            summary = BackupSummary(revision, now.astimezone(UTC), counts)
            with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as archive:
                archive.write(
                    _dumps(
                        {
                            "format": FORMAT_NAME,
                            "version": FORMAT_VERSION,
                            "created_at": summary.created_at.isoformat(),
                            "alembic_revision": revision,
                            "source": engine.dialect.name,
                            "tables": counts,
                        }
                    )
                )
                for table in tables:
                    _write_table(connection, table, codecs[table.name], counts[table.name], archive)
                archive.write(_dumps({"end": True, "tables": len(tables)}))
    finally:
        connection.close()
    return summary


def _write_table(
    connection: Connection, table: Table, codecs: list[_Codec], expected: int, archive: IO[bytes]
) -> None:
    archive.write(
        _dumps({"table": table.name, "columns": [c.name for c in table.columns], "rows": expected})
    )
    written = 0
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(_ordered(table))
    for row in result:
        archive.write(
            _dumps(
                [
                    None if value is None else codec.encode(value)
                    for codec, value in zip(codecs, row, strict=True)
                ]
            )
        )
        written += 1
    if written != expected:  # the snapshot moved under us: a bug, never a silent bad backup
        raise BackupError(f"{table.name}: counted {expected} rows but read {written}")


def write_backup_file(
    engine: Engine, metadata: MetaData, path: Path, *, now: datetime
) -> BackupSummary:
    """`write_backup` into `path`, atomically: written to a temporary file beside it and moved
    into place only when complete, so a failed backup never leaves a file that looks good."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            summary = write_backup(engine, metadata, out, now=now)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


# ---------------------------------------------------------------------------------------------
# Restoring


@dataclass
class _Reader:
    """The file's lines as JSON values; any damage (not gzip, truncated, not JSON) is a
    BackupError naming the line."""

    stream: IO[bytes]
    line_number: int = 0

    def lines(self) -> Iterator[Any]:
        try:
            with gzip.GzipFile(fileobj=self.stream, mode="rb") as archive:
                for raw in archive:
                    self.line_number += 1
                    yield json.loads(raw)
        except (OSError, EOFError, zlib.error) as error:
            # gzip.BadGzipFile is an OSError; a file cut short is an EOFError.
            raise BackupError(
                f"The file is damaged or not a gzip'ed backup (after line {self.line_number}): "
                f"{error}"
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BackupError(
                f"Line {self.line_number} of the backup is not valid JSON: {error}"
            ) from None


def _read_header(lines: Iterator[Any]) -> dict[str, Any]:
    header = next(lines, None)
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT_NAME
        or not isinstance(header.get("tables"), dict)
    ):
        raise BackupError("The file is not a festival-coverage backup (its first line is not one).")
    counts = header["tables"]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()):
        raise BackupError("The backup's header is damaged (its row counts are not numbers).")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup is in format version {header.get('version')!r}; this version of the "
            f"desk reads version {FORMAT_VERSION}."
        )
    return header


def _check_tables(header: dict[str, Any], tables: list[Table]) -> None:
    expected = {table.name for table in tables}
    found = set(header["tables"])
    if found != expected:
        missing = ", ".join(sorted(expected - found)) or "none"
        unknown = ", ".join(sorted(found - expected)) or "none"
        raise BackupError(
            f"The backup's tables are not this database's (missing: {missing}; unknown: {unknown})."
        )


def _describe_rows(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counts.items() if count)


def restore_backup(
    connection: Connection, metadata: MetaData, stream: IO[bytes], *, replace: bool = False
) -> BackupSummary:
    """Load the backup read from the binary `stream` into the database of `connection`.

    Runs inside the caller's transaction and never commits: on any error the caller rolls back
    and the database is as it was. Refuses (BackupError) a file that is not a backup of this
    format, one whose Alembic revision is not the database's (restore into a database migrated
    to the same revision), and a database that holds any row unless `replace`, which deletes
    every row first. Inserts table by table in dependency order in batches of BATCH_ROWS, sets
    PostgreSQL's id sequences past the restored ids, then checks every table's row count
    against the header. Returns the backup's summary.
    """
    tables = list(metadata.sorted_tables)
    by_name = {table.name: table for table in tables}
    reader = _Reader(stream)
    lines = reader.lines()
    header = _read_header(lines)
    theirs = header.get("alembic_revision")
    ours = database_revision(connection)
    if theirs != ours:
        raise BackupError(
            f"The backup is of schema revision {theirs or 'none (never migrated)'} but this "
            f"database is at {ours or 'none (never migrated)'}; migrate an empty database to "
            f"{theirs or 'the same revision'} (flask --app app db upgrade {theirs or ''}) "
            "and restore into that."
        )
    _check_tables(header, tables)
    expected: dict[str, int] = {name: int(count) for name, count in header["tables"].items()}

    present = {table.name: _row_count(connection, table) for table in tables}
    if any(present.values()):
        if not replace:
            raise BackupError(
                f"The database is not empty ({_describe_rows(present)} rows); restore goes "
                "into an empty database, or pass --replace to delete everything in it first."
            )
        for table in reversed(tables):  # children before their parents
            connection.execute(table.delete())

    restored: list[str] = []
    ended = False
    line = next(lines, None)
    while line is not None:
        if isinstance(line, dict) and line.get("end") is True:
            ended = True
            break
        if not isinstance(line, dict) or "table" not in line:
            raise BackupError(f"Line {reader.line_number} of the backup is not a table heading.")
        table = by_name.get(line["table"])
        if table is None or table.name in restored:
            raise BackupError(
                f"Line {reader.line_number}: unexpected table {line['table']!r} in the backup."
            )
        line = _restore_table(connection, table, line, lines, reader, expected[table.name])
        restored.append(table.name)
    if not ended or next(lines, None) is not None:
        raise BackupError("The backup file is incomplete: it ends before its end marker.")
    if set(restored) != set(by_name):
        missing = ", ".join(sorted(set(by_name) - set(restored)))
        raise BackupError(f"The backup file has no rows section for: {missing}.")

    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, tables)
    actual = {table.name: _row_count(connection, table) for table in tables}
    wrong = {name: count for name, count in actual.items() if count != expected[name]}
    if wrong:
        details = ", ".join(f"{name}: {wrong[name]} (expected {expected[name]})" for name in wrong)
        raise BackupError(f"Row counts after the restore do not match the backup: {details}.")
    created = header.get("created_at")
    return BackupSummary(
        theirs,
        datetime.fromisoformat(created) if isinstance(created, str) else datetime.now(UTC),
        actual,
    )


def _restore_table(
    connection: Connection,
    table: Table,
    heading: dict[str, Any],
    lines: Iterator[Any],
    reader: _Reader,
    expected: int,
) -> Any:
    """Insert the rows that follow `heading`; return the first line after them (the next
    table's heading or the end marker), or None at the end of the file."""
    names = heading.get("columns")
    ours = [column.name for column in table.columns]
    if not isinstance(names, list) or sorted(map(str, names)) != sorted(ours):
        raise BackupError(
            f"{table.name}: the backup's columns {names!r} are not this database's {ours!r}."
        )
    if heading.get("rows") != expected:
        raise BackupError(
            f"{table.name}: the table heading says {heading.get('rows')!r} rows, the header "
            f"{expected}."
        )
    codecs = [_codec(table.columns[name].type) for name in names]
    batch: list[dict[str, Any]] = []
    count = 0
    line = next(lines, None)
    while isinstance(line, list):
        if len(line) != len(names):
            raise BackupError(
                f"Line {reader.line_number} ({table.name}): {len(line)} values for "
                f"{len(names)} columns."
            )
        try:
            row = {
                name: None if value is None else codec.decode(value)
                for name, codec, value in zip(names, codecs, line, strict=True)
            }
        except (ValueError, TypeError, binascii.Error) as error:
            raise BackupError(f"Line {reader.line_number} ({table.name}): {error}") from None
        batch.append(row)
        count += 1
        if len(batch) >= BATCH_ROWS:
            _insert(connection, table, batch)
            batch = []
        line = next(lines, None)
    if batch:
        _insert(connection, table, batch)
    if count != expected:
        raise BackupError(
            f"{table.name}: the backup holds {count} rows but its header says {expected}; the "
            "file is damaged."
        )
    return line


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    try:
        connection.execute(table.insert(), rows)
    except SQLAlchemyError as error:
        first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"{table.name}: the database refused a row: {first_line}") from None


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Rows were inserted with their ids, which does not advance PostgreSQL's sequences: set
    each past the largest restored id, or the next insert would collide with a restored row."""
    quote = connection.dialect.identifier_preparer
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        column = quote.quote(key[0].name)
        table_name = quote.format_table(table)
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence(%(table)s, %(column)s), "
            f"COALESCE(MAX({column}), 0) + 1, false) FROM {table_name}",
            {"table": table_name, "column": key[0].name},
        )
