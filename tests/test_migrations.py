"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from coverage import create_app
from coverage.config import config_for_tests
from coverage.extensions import db
from tests.conftest import postgres_url


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    base = postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"coverage_mig_{uuid.uuid4().hex[:10]}"
    server = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_migrations_match_the_models(empty_database_url):
    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "users",
            "festivals",
            "venues",
            "films",
            "screenings",
            "pieces",
            "revisions",
            "transitions",
            "comments",
            "feed_tokens",
            "api_tokens",
            "people",
        } <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
