"""Helpers for the operations tests: throwaway second databases, an Alembic stamp without
running migrations/env.py (whose logging.fileConfig would disable the app's loggers), and a desk
with a row in every table."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url

from coverage import PROJECT_ROOT, create_app
from coverage.config import config_for_tests
from coverage.extensions import db
from tests.conftest import DeskClient, postgres_url

HEAD = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()
OLDER = "0008_desk_day"


def stamp(engine: Engine, revision: str | None) -> None:
    """Set the database's Alembic revision (None: no version table, as after create_all)."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if revision is not None:
            connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            )
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})


@pytest.fixture
def stamped(app: Flask) -> Iterator[Callable[[str | None], None]]:
    """`stamped(revision)` stamps the suite's database; the version table is dropped after the
    test (on PostgreSQL the database outlives the test)."""
    with app.app_context():
        engine = db.engine
    yield lambda revision: stamp(engine, revision)
    stamp(engine, None)


@pytest.fixture
def make_database(tmp_path) -> Iterator[Callable[[str], Flask]]:
    """`make_database("sqlite" | "postgresql")`: an app on a fresh, empty database with the
    schema created and stamped at head; PostgreSQL databases are dropped after the test."""
    created: list[str] = []
    apps: list[Flask] = []

    def make(kind: str) -> Flask:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'second-{uuid.uuid4().hex[:8]}.sqlite'}"
        else:
            base = postgres_url()
            if base is None:
                pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
            name = f"coverage_ops_{uuid.uuid4().hex[:10]}"
            server = _server(base)
            with server.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
            created.append(name)
            url = make_url(base).set(database=name).render_as_string(hide_password=False)
        second = create_app(config_for_tests(url))
        second.test_client_class = DeskClient
        with second.app_context():
            db.create_all()
            stamp(db.engine, HEAD)
        apps.append(second)
        return second

    yield make
    for second in apps:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()
    if created:
        server = _server(postgres_url() or "")
        with server.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _server(base: str) -> Engine:
    return create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")


# A revision text that exercises the encoding: accents, CJK, an emoji, quotes, a tab, CRLF
# turned to LF by the app, a backslash, and length.
HARD_TEXT = (
    "Sean Baker’s *Red Rocket* — “a hustler’s homecoming”.\n\n"
    'Texas City, 2016: 日本語, emoji 🚀, tab\there, back\\slash, "quotes".\n' + "word " * 4000
)


def fill_every_table(now: datetime) -> None:
    """The demo desk (festivals, films, screenings, pieces in every state with revisions,
    comments, transitions, notifications, users) plus a row in every table it leaves empty."""
    from coverage.accounts import services as accounts
    from coverage.accounts.models import LoginSession, PasswordReset, RateLimitCounter, User
    from coverage.audit.actions import AuditAction
    from coverage.audit.services import COMMAND_LINE, record
    from coverage.calendars import services as calendars
    from coverage.calendars.kinds import FeedKind
    from coverage.calendars.models import FeedBody, FeedState
    from coverage.demo import load_demo_data
    from coverage.drafts.models import Comment, EditPresence, Revision
    from coverage.festivals.models import Festival, FestivalSlug, Venue, VenueAlias
    from coverage.identity import InstallSetting
    from coverage.notifications.models import EmailPreference, OutboxMessage
    from coverage.notifications.rules import Delivery
    from coverage.pieces.models import ClashOverride, Piece
    from coverage.programme.models import Film, ProgrammeUpload

    load_demo_data(now)
    db.session.flush()
    editor = db.session.scalar(select(User).where(User.email == "editor@example.com"))
    critic = db.session.scalar(select(User).where(User.email == "critic@example.com"))
    festival = db.session.scalars(select(Festival).order_by(Festival.id)).first()
    venue = db.session.scalars(select(Venue).where(Venue.festival_id == festival.id)).first()
    # The piece with the most revisions gets one more, with text that tests the encoding.
    piece_id, number = db.session.execute(
        select(Revision.piece_id, func.max(Revision.number))
        .group_by(Revision.piece_id)
        .order_by(func.count().desc(), Revision.piece_id)
        .limit(1)
    ).one()
    piece = db.session.get(Piece, piece_id)
    films = db.session.scalars(select(Film).where(Film.festival_id == festival.id)).all()
    exact = datetime(2021, 10, 8, 9, 30, 12, 345678, tzinfo=UTC)  # microseconds survive

    db.session.add(
        Revision(
            piece=piece,
            number=number + 1,
            author_id=critic.id,
            headline="Hard text",
            body=HARD_TEXT,
            standfirst="",
            created_at=exact,
        )
    )
    db.session.add(Comment(piece=piece, author_id=editor.id, body="Tighten the ending ✂"))
    calendars.issue_feed_token(critic, FeedKind.PERSONAL, None, now)
    calendars.issue_feed_token(editor, FeedKind.DESK, festival, now)
    accounts.issue_api_token(editor, "backup test")
    record(AuditAction.LOGIN, actor=editor, origin=COMMAND_LINE, detail="from the test")
    db.session.add_all(
        [
            FeedState(scope="festival:1", etag='"abc"', last_modified=exact),
            FeedBody(scope="festival:1", etag='"abc"', body=b"BEGIN:VCALENDAR\r\n", built_at=exact),
            InstallSetting(key="uid_domain", value="desk.example.com"),
            RateLimitCounter(key="login:editor@example.com", count=3, expires_at=now),
            EmailPreference(
                user_id=critic.id, off_kinds="deadline", delivery=Delivery.DAILY_DIGEST
            ),
            FestivalSlug(festival_id=festival.id, slug="old-slug-2021"),
            LoginSession(user_id=editor.id, token_hash="a" * 64, remember=True),
            PasswordReset(
                user_id=critic.id, token_hash="b" * 64, expires_at=now + timedelta(hours=1)
            ),
            OutboxMessage(
                user_id=critic.id,
                recipient="critic@example.com",
                subject="Assigned",
                body="You have a review.",
                dedupe_key="assign:1",
            ),
            ProgrammeUpload(
                festival_id=festival.id,
                uploaded_by_id=editor.id,
                filename="programme.csv",
                content=bytes(range(256)) + b"\xff\x00",
                parsed='{"rows": []}',
            ),
            VenueAlias(festival_id=festival.id, key="nft1", spelling="NFT 1", venue_id=venue.id),
            ClashOverride(
                piece_id=piece.id,
                writer_id=critic.id,
                by_id=editor.id,
                fingerprint="f" * 64,
                shortfall_minutes=40,
                description="They overlap",
            ),
            EditPresence(piece_id=piece.id, user_id=editor.id),
        ]
    )
    piece.other_films.extend(films[1:3])
    db.session.flush()
