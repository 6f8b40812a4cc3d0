"""`flask --app app backup FILE` / `restore FILE`: every row of every table back, on SQLite and
PostgreSQL and across them; refusals that leave the database as it was."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from coverage.extensions import db
from coverage.timeutil import utcnow
from tests.conftest import postgres_url
from tests.ops.conftest import HARD_TEXT, HEAD, OLDER, fill_every_table, stamp


def snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, all columns, in primary key order (as Python values)."""
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for table in db.metadata.sorted_tables
        }


def revision_texts(app: Flask) -> list[tuple]:
    from coverage.drafts.models import Revision

    with app.app_context():
        query = select(Revision.id, Revision.headline, Revision.standfirst, Revision.body)
        return [tuple(row) for row in db.session.execute(query.order_by(Revision.id))]


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def full_desk(app: Flask, stamped) -> Flask:
    """The suite's database at head, with a row in every table."""
    stamped(HEAD)
    with app.app_context():
        fill_every_table(utcnow())
        db.session.commit()
    return app


@pytest.fixture
def backup_file(full_desk: Flask, tmp_path) -> Path:
    path = tmp_path / "desk.backup.gz"
    result = run(full_desk, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def shared_backup(tmp_path_factory) -> Path:
    """A backup of a full desk on SQLite at head, made once for the tests that only need a
    file to restore (or damage)."""
    from coverage import create_app
    from coverage.config import config_for_tests

    folder = tmp_path_factory.mktemp("shared-backup")
    source = create_app(config_for_tests(f"sqlite:///{folder / 'source.sqlite'}"))
    with source.app_context():
        db.create_all()
        stamp(db.engine, HEAD)
        fill_every_table(utcnow())
        db.session.commit()
    path = folder / "desk.backup.gz"
    result = run(source, "backup", str(path))
    assert result.exit_code == 0, result.output
    with source.app_context():
        db.engine.dispose()
    return path


def other_kind(database_backend: str) -> str:
    return "sqlite" if database_backend == "postgresql" else "postgresql"


@pytest.mark.parametrize("target", ["same", "other"])
def test_round_trip_brings_back_every_row_of_every_table(
    full_desk, backup_file, make_database, database_backend, target
):
    kind = database_backend if target == "same" else other_kind(database_backend)
    second = make_database(kind)  # skips "other" when PostgreSQL is not configured

    result = run(second, "restore", str(backup_file))

    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    before, after = snapshot(full_desk), snapshot(second)
    empty = [name for name, rows in before.items() if not rows]
    assert empty == [], "fill_every_table must put a row in every table"
    after_audit = after.pop("audit_events")
    assert after == {name: rows for name, rows in before.items() if name != "audit_events"}
    # The restore is itself audited, after the events it brought back.
    assert after_audit[: len(before["audit_events"])] == before["audit_events"]
    assert after_audit[-1][2] == "backup_restored"
    assert revision_texts(second) == revision_texts(full_desk)
    assert any(row[3] == HARD_TEXT for row in revision_texts(second))


def test_restored_desk_creates_new_rows_after_the_restored_ids(
    full_desk, backup_file, make_database, database_backend
):
    """PostgreSQL sequences are moved past the restored ids: a new account gets a fresh id
    instead of a duplicate-key error."""
    from coverage.accounts import services as accounts
    from coverage.accounts.models import User

    second = make_database(database_backend)
    assert run(second, "restore", str(backup_file)).exit_code == 0
    with second.app_context():
        largest = db.session.scalar(select(func.max(User.id)))
        user = accounts.create_user("new@example.org", "New Person", "writer", "a long passphrase")
        db.session.commit()
        assert user.id == largest + 1


def test_sqlite_backup_restores_into_postgresql(make_database, tmp_path):
    if postgres_url() is None:
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    source = make_database("sqlite")
    with source.app_context():
        fill_every_table(utcnow())
        db.session.commit()
    path = tmp_path / "from-sqlite.gz"
    assert run(source, "backup", str(path)).exit_code == 0
    target = make_database("postgresql")

    result = run(target, "restore", str(path))

    assert result.exit_code == 0, result.output
    before, after = snapshot(source), snapshot(target)
    after.pop("audit_events")
    before.pop("audit_events")
    assert after == before


def test_restore_refuses_a_database_that_is_not_empty(shared_backup, make_database):
    second = make_database("sqlite")
    with second.app_context():
        from coverage.accounts import services as accounts

        accounts.create_user("someone@example.org", "Someone", "writer", "a long passphrase")
        db.session.commit()

    result = run(second, "restore", str(shared_backup))

    assert result.exit_code == 1
    assert "not empty" in result.output
    assert "--replace" in result.output
    assert [row[1] for row in snapshot(second)["users"]] == ["someone@example.org"]


def test_restore_with_replace_empties_the_database_first(full_desk, backup_file, make_database):
    second = make_database("sqlite")
    with second.app_context():
        from coverage.accounts import services as accounts

        accounts.create_user("someone@example.org", "Someone", "writer", "a long passphrase")
        db.session.commit()

    result = run(second, "restore", "--replace", str(backup_file))

    assert result.exit_code == 0, result.output
    emails = [row[1] for row in snapshot(second)["users"]]
    assert "someone@example.org" not in emails
    assert emails == [row[1] for row in snapshot(full_desk)["users"]]


def truncated(path: Path, tmp_path: Path) -> Path:
    damaged = tmp_path / "truncated.gz"
    data = path.read_bytes()
    damaged.write_bytes(data[: len(data) * 9 // 10])
    return damaged


def without_last_rows(path: Path, tmp_path: Path) -> Path:
    """A well-formed gzip file whose last lines (the final rows and the end marker) are gone:
    truncation that gzip's checksum cannot see."""
    damaged = tmp_path / "short.gz"
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    damaged.write_bytes(gzip.compress(b"".join(lines[:-3])))
    return damaged


def without_end_marker(path: Path, tmp_path: Path) -> Path:
    damaged = tmp_path / "no-end.gz"
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    damaged.write_bytes(gzip.compress(b"".join(lines[:-1])))
    return damaged


def not_gzip(path: Path, tmp_path: Path) -> Path:
    damaged = tmp_path / "notes.txt"
    damaged.write_text("This is not a backup.\n")
    return damaged


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncated, "damaged or not a gzip'ed backup"),
        (without_last_rows, "the file is damaged"),
        (without_end_marker, "incomplete"),
        (not_gzip, "damaged or not a gzip'ed backup"),
    ],
)
def test_a_damaged_file_restores_nothing(
    shared_backup, make_database, database_backend, tmp_path, damage, message
):
    second = make_database(database_backend)

    result = run(second, "restore", str(damage(shared_backup, tmp_path)))

    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was restored" in result.output
    assert all(rows == [] for rows in snapshot(second).values())


def test_a_damaged_file_with_replace_keeps_the_data_there_was(
    shared_backup, make_database, database_backend, tmp_path
):
    """--replace deletes in the restore's own transaction: a bad file rolls the deletion back."""
    second = make_database(database_backend)
    with second.app_context():
        from coverage.accounts import services as accounts

        accounts.create_user("keep@example.org", "Keep Me", "writer", "a long passphrase")
        db.session.commit()

    result = run(second, "restore", "--replace", str(truncated(shared_backup, tmp_path)))

    assert result.exit_code == 1
    assert [row[1] for row in snapshot(second)["users"]] == ["keep@example.org"]


def test_a_row_that_does_not_decode_restores_nothing(shared_backup, make_database, tmp_path):
    lines = gzip.decompress(shared_backup.read_bytes()).splitlines(keepends=True)
    heading = next(i for i, line in enumerate(lines) if b'"table":"screenings"' in line)
    row = json.loads(lines[heading + 1])
    columns = json.loads(lines[heading])["columns"]
    row[columns.index("starts_at")] = "next Tuesday"
    lines[heading + 1] = json.dumps(row).encode() + b"\n"
    damaged = tmp_path / "bad-date.gz"
    damaged.write_bytes(gzip.compress(b"".join(lines)))
    second = make_database("sqlite")

    result = run(second, "restore", str(damaged))

    assert result.exit_code == 1
    assert "(screenings)" in result.output
    assert all(rows == [] for rows in snapshot(second).values())


@pytest.mark.parametrize("revision", [OLDER, None])
def test_restore_refuses_a_database_at_another_revision(
    shared_backup, make_database, database_backend, revision
):
    second = make_database(database_backend)
    with second.app_context():
        stamp(db.engine, revision)

    result = run(second, "restore", str(shared_backup))

    assert result.exit_code == 1
    assert f"schema revision {HEAD}" in result.output
    assert (revision or "none (never migrated)") in result.output
    assert all(rows == [] for rows in snapshot(second).values())


def test_backup_header_names_revision_time_and_counts(full_desk, backup_file):
    with gzip.open(backup_file, "rt") as lines:
        header = json.loads(next(lines))
    assert header["format"] == "festival-coverage-backup"
    assert header["version"] == 1
    assert header["alembic_revision"] == HEAD
    assert header["created_at"].endswith("+00:00")
    counts = {name: len(rows) for name, rows in snapshot(full_desk).items()}
    assert header["tables"] == counts


def test_backup_does_not_overwrite_a_file_without_force(full_desk, backup_file):
    before = backup_file.read_bytes()

    refused = run(full_desk, "backup", str(backup_file))
    forced = run(full_desk, "backup", "--force", str(backup_file))

    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert forced.exit_code == 0, forced.output
    assert (
        gzip.decompress(backup_file.read_bytes()).splitlines()[1:]
        == (gzip.decompress(before).splitlines()[1:])
    )
