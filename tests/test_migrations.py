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


def test_upgrade_keeps_release_dates_and_gives_published_pieces_their_addresses(
    empty_database_url,
):
    """Migration 0006 renames the UK release date to the home market's, keeping the dates, and
    gives pieces published before public pages existed a slug and a first publication time."""
    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade(revision="0005_calendar_sequences")
        stamp = "2021-10-12 09:00:00"
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO festivals (id, name, edition, slug, city, timezone, start_date, "
                    "end_date, website, travel_buffer_minutes, is_public, created_at, updated_at) "
                    "VALUES (1, 'London Film Festival', 2021, 'lff-2021', '', 'Europe/London', "
                    "'2021-10-06', '2021-10-17', '', 15, false, :t, :t)"
                ),
                {"t": stamp},
            )
            connection.execute(
                text(
                    "INSERT INTO films (id, festival_id, title, original_title, directors, "
                    "countries, section, premiere_status, uk_release_date, trailer_url, url, "
                    "embargo_rule, embargo_offset_minutes, synopsis, created_at, updated_at) "
                    "VALUES (1, 1, 'Belfast', '', '', '', '', 'none', '2022-01-21', '', '', "
                    "'none', 0, '', :t, :t)"
                ),
                {"t": stamp},
            )
            for piece_id, published in ((1, stamp), (2, stamp), (3, None)):
                connection.execute(
                    text(
                        "INSERT INTO pieces (id, kind, festival_id, film_id, state, headline, "
                        "standfirst, body, slot_place, decline_reason, version, created_at, "
                        "updated_at, published_at, published_revision_number) VALUES (:id, "
                        "'review', 1, 1, :state, 'London Film Festival 2021: Belfast | Review', "
                        "'', 'Text.', '', '', 1, :t, :t, :published, :number)"
                    ),
                    {
                        "id": piece_id,
                        "t": stamp,
                        "state": "published" if published else "editing",
                        "published": published,
                        "number": 1 if published else None,
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            # SQLite hands back the text it stores, PostgreSQL a date.
            released = connection.execute(text("SELECT release_date FROM films")).scalar_one()
            assert str(released) == "2022-01-21"
            rows = connection.execute(
                text("SELECT id, slug, first_published_at IS NOT NULL FROM pieces ORDER BY id")
            ).all()
            assert [tuple(row) for row in rows] == [
                (1, "belfast-review", True),
                (2, "belfast-review-2", True),
                (3, None, False),
            ]
            history = connection.execute(
                text("SELECT piece_id, slug FROM piece_slugs ORDER BY piece_id")
            ).all()
            assert [tuple(row) for row in history] == [
                (1, "belfast-review"),
                (2, "belfast-review-2"),
            ]
        downgrade(revision="0005_calendar_sequences")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT uk_release_date FROM films")).scalar_one()
        db.engine.dispose()
