"""Fixtures: an app and a fresh database per test, a client, users of every role, log-in helpers.

Set DATABASE_URL to a PostgreSQL URL to run the suite there (as `.ci/run` does); the schema is
created once and every table emptied after each test. Without it, each test gets its own SQLite
file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coverage import create_app
from coverage.accounts import services as accounts
from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.config import config_for_tests, normalise_database_url
from coverage.extensions import db

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def without_csrf_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: a token is signed with the second it was made
    in, so two servings of one stored page differ there and nowhere else."""
    return CSRF_INPUT.sub('name="csrf_token" value=""', html)


#: The least environment a production start-up accepts (`coverage.config.load_config`).
PRODUCTION_ENV = {
    "COVERAGE_ENV": "production",
    "SECRET_KEY": "k" * 32,
    "PUBLIC_BASE_URL": "https://coverage.test",
}


def _compile_url_builders_once() -> None:
    """Every test creates an app, and werkzeug compiles two URL-building functions for each of
    its rules (an AST and `compile` per rule: nine tenths of `create_app`, some 90 ms a test).
    A builder depends only on the rule's parsed parts, its defaults and whether it appends
    unknown arguments; it takes the rule (and through it the app's converters) as its first
    argument and holds nothing else. So the suite compiles each distinct one once and every
    app binds the same function to its own rule, as werkzeug itself does."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def compile_once(self: Rule, append_unknown: bool = True):
        defaults = tuple(sorted((self.defaults or {}).items(), key=repr))
        key = (self.rule, tuple(self._trace), repr(defaults), append_unknown)
        builder = compiled.get(key)
        if builder is None:
            builder = compiled[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = compile_once  # type: ignore[method-assign]


_compile_url_builders_once()


def _postgres_base_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return normalise_database_url(url) if url.startswith("postgres") else None


def postgres_url() -> str | None:
    """The PostgreSQL database this test process uses: DATABASE_URL's, or under pytest-xdist a
    database of each worker's own beside it (`<name>_gw0`), since tests empty every table."""
    base = _postgres_base_url()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if base is None or not worker:
        return base
    url = make_url(base)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def _worker_database() -> Iterator[None]:
    """Create this xdist worker's PostgreSQL database for the run and drop it afterwards."""
    url = postgres_url()
    if url is None or url == _postgres_base_url():
        yield
        return
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def database_backend() -> str:
    return "postgresql" if postgres_url() else "sqlite"


class DeskClient(FlaskClient):
    """A test client that posts forms the way a browser does: with the page's CSRF token."""

    def csrf_token(self, page: str = "/account") -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_INPUT.search(html)
        if match is None:
            html = self.get("/login").get_data(as_text=True)
            match = CSRF_INPUT.search(html)
        assert match, "no CSRF token found on the page"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict | None = None, page: str = "/account", **kwargs):
        payload = dict(data or {})
        payload["csrf_token"] = self.csrf_token(page)
        return self.post(url, data=payload, **kwargs)


_pg_schema_ready = False


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    global _pg_schema_ready
    url = postgres_url() or f"sqlite:///{tmp_path / 'test.sqlite'}"
    app = create_app(config_for_tests(url))
    # Every calendar the suite serialises is also written by icalendar and must match byte for
    # byte (coverage.calendars.feeds.Feed.to_ical; a mismatch is checked for below).
    app.config["ICAL_CROSSCHECK"] = True
    app.test_client_class = DeskClient
    with app.app_context():
        if postgres_url():
            if not _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready = True
        else:
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if postgres_url():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    # Also when a view turned the mismatch into a 500 page.
    assert not app.extensions.get("ical_crosscheck_failures"), "calendar differs from icalendar"


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> DeskClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_user(app: Flask):
    """Create a user and return its id (objects do not outlive an app context)."""

    def make(
        role: Role | str = Role.WRITER,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
    ) -> int:
        role = Role(role)
        with app.app_context():
            count = db.session.query(User).count()
            user = accounts.create_user(
                email or f"{role.value}{count + 1}@example.org",
                name or f"{role.value.capitalize()} {count + 1}",
                role,
                password,
            )
            user.active = active
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def users(make_user) -> dict[str, int]:
    """One account of each role, keyed by role name."""
    return {
        "admin": make_user(Role.ADMIN, "admin@example.org", "Ada Admin"),
        "editor": make_user(Role.EDITOR, "editor@example.org", "Ed Editor"),
        "writer": make_user(Role.WRITER, "writer@example.org", "Wyn Writer"),
    }


def count_statements(app: Flask, action) -> tuple[int, object]:
    """How many SQL statements `action()` runs, and what it returned (query-count tests)."""
    statements, result = recorded_statements(app, action)
    return len(statements), result


def recorded_statements(app: Flask, action) -> tuple[list[str], object]:
    """The SQL statements `action()` runs, in order, and what it returned."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements, result


def count_page_queries(app: Flask, client: DeskClient, url: str, **kwargs) -> int:
    """Statements run to build and serve one GET (which must succeed). Pages and page parts
    stored by an earlier request are forgotten first: the count is of the page being built."""
    forget_built_pages(app)
    count, response = count_statements(app, lambda: client.get(url, **kwargs))
    assert response.status_code == 200, url
    return count


def forget_built_pages(app: Flask) -> None:
    """Empty the app's stores of built public pages, desk page parts and calendar feed bodies
    (`coverage.page_store`, `coverage.fragments`, `calendars.views.feed_body_store`)."""
    from coverage.calendars.views import feed_body_store
    from coverage.fragments import fragment_store
    from coverage.public.views import page_store

    with app.app_context():
        page_store().clear()
        fragment_store().clear()
        feed_body_store().clear()


def log_in(client: DeskClient, email: str, password: str = PASSWORD):
    return client.post_form("/login", {"email": email, "password": password}, page="/login")


@pytest.fixture
def login(client: DeskClient, app: Flask):
    """`login("editor")` logs the client in as that fixture user (or an email)."""

    def do(who: str, password: str = PASSWORD):
        email = who if "@" in who else f"{who}@example.org"
        response = log_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


TEST_FESTIVAL_SLUG = "test-festival-2021"
SAMPLE_CSV = (
    b"Film,Date,Time,Venue,Type,Runtime\n"
    b"Red Rocket,2021-10-08,09:00,BFI Southbank NFT1,Press,130\n"
    b"Belfast,10/10/2021,6:15 PM,Odeon Luxe Leicester Square,Public,98\n"
)


@pytest.fixture
def programme(app: Flask) -> dict[str, int | str]:
    """A small London festival (Europe/London, 6-17 Oct 2021): two venues, a film with a press
    and a public screening, an uploaded CSV awaiting confirmation and a pitched, unassigned
    review of the film. Returns ids by name."""
    from datetime import date, datetime

    from coverage.festivals import services as festivals
    from coverage.programme import importer
    from coverage.programme import services as programme_services
    from coverage.programme.kinds import ScreeningKind
    from coverage.programme.rules import FestivalFields, FilmFields
    from coverage.programme.schedule import local_to_utc

    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Test Festival",
                edition=2021,
                timezone="Europe/London",
                start_date=date(2021, 10, 6),
                end_date=date(2021, 10, 17),
                city="London",
            )
        )
        nft1 = festivals.create_venue(festival, "BFI Southbank NFT1", "Belvedere Road, SE1 8XT")
        odeon = festivals.create_venue(
            festival, "Odeon Luxe Leicester Square", "24-26 Leicester Sq"
        )
        film = programme_services.create_film(
            festival, FilmFields(title="Red Rocket", directors="Sean Baker", runtime_minutes=130)
        )
        press = programme_services.create_screening(
            festival,
            programme_services.ScreeningFields(
                film_id=film.id,
                venue_id=nft1.id,
                starts_at=local_to_utc(datetime(2021, 10, 8, 9, 0), "Europe/London"),
                kind=ScreeningKind.PRESS,
            ),
        )
        public = programme_services.create_screening(
            festival,
            programme_services.ScreeningFields(
                film_id=film.id,
                venue_id=odeon.id,
                starts_at=local_to_utc(datetime(2021, 10, 10, 18, 30), "Europe/London"),
                kind=ScreeningKind.PUBLIC,
            ),
        )
        upload_id = importer.store_upload(festival, None, "sample.csv", SAMPLE_CSV)
        from coverage.pieces.kinds import PieceKind
        from coverage.pieces.models import Piece

        piece = Piece(festival=festival, film=film, kind=PieceKind.REVIEW)
        db.session.add(piece)
        db.session.commit()
        return {
            "slug": festival.slug,
            "festival": festival.id,
            "nft1": nft1.id,
            "odeon": odeon.id,
            "film": film.id,
            "press": press.id,
            "public": public.id,
            "upload": upload_id,
            "piece": piece.id,
        }
