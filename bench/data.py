"""The desk-scale benchmark's database: years of festivals, as a real desk keeps them.

`ensure_database(url)` returns a database holding, by default (`Sizes()`, issue 14):
20 festivals from 2022 to 2026 in 6 time zones (two of them crossing a change of summer time),
each with 12 venues, 400 films and 1,600 screenings (32,000 in all); 60 writers, 10 editors and
an admin; 10,000 pieces in every workflow state with their history (transitions), 3 revisions
each for the pieces that have copy, a few thousand comments, and 3,000 published pieces with
exactly the fields publishing sets. A festival feed, a personal feed and an API token are issued.

The database is SQLite at `bench/.data/desk-v{DATA_VERSION}.sqlite` unless a URL is given
(`DATABASE_URL`, PostgreSQL). It is reused when it already holds this version's data (recorded
in `install_settings` under `bench_data_version`, with the sizes and the schema's migration
head); otherwise it is wiped and built again: schema by the real migrations, rows by bulk
inserts, from `random.Random(SEED)` and fixed instants (never "now"), so two builds hold the
same rows. The one exception is the salt of the single password hash.

`python -m bench.data [--rebuild]` builds or reuses it and prints what `BenchData` holds.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, case, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from coverage import PROJECT_ROOT, create_app
from coverage.accounts.models import ApiToken, User
from coverage.accounts.roles import Role
from coverage.accounts.tokens import hash_token
from coverage.calendars.kinds import FeedKind
from coverage.calendars.models import FeedToken
from coverage.config import config_for_tests, normalise_database_url
from coverage.drafts.models import Comment, Revision
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue, VenueTravel
from coverage.identity import InstallSetting
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, PieceSlug, Transition, piece_films, piece_interviewees
from coverage.pieces.services import DEFAULT_DUE_AFTER
from coverage.programme.kinds import (
    DefaultEmbargo,
    EmbargoRule,
    PersonRole,
    PremiereStatus,
    ScreeningKind,
)
from coverage.programme.models import Film, Person, Screening
from coverage.programme.rules import FestivalFields, clean_festival
from coverage.public import house_style

# Bump when the rows the builder makes change shape or meaning: every bench database is rebuilt.
DATA_VERSION = 1
SEED = 20261130
PASSWORD = "bench password"
VERSION_KEY = "bench_data_version"
DATA_DIR = Path(__file__).resolve().parent / ".data"
MIGRATIONS = PROJECT_ROOT / "migrations"
# Rows per INSERT executemany: large enough to amortise the round trip, small enough that a
# chunk of revisions (~4.5 KB each) stays a few MB.
CHUNK = 2_000
# Every instant the builder writes is derived from these or the festivals' dates, never from
# the clock, so that two builds are identical.
ACCOUNTS_CREATED = datetime(2021, 12, 1, 9, 0, tzinfo=UTC)
TOKENS_CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Scheduled pieces wait for a "publish no earlier than" years ahead: the data is fixed while the
# clock moves on, and a worker run against the bench database must not publish them.
SCHEDULED_FROM = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
FESTIVAL_DAYS = 12

Log = Callable[[str], None]


# --- What is built, and what the measuring code gets back -----------------------------------


@dataclass(frozen=True)
class Sizes:
    """How much to build. The defaults are the issue's desk; tests use a tiny one.

    Per festival: `venues`, `films`, `screenings`. In all: `festivals` (at most 20, the most
    recent ones of the plan), `writers`, `editors` (plus one admin), `pieces`, `published`
    (of those pieces), `comments` (editors' notes on returned drafts included)."""

    festivals: int = 20
    venues: int = 12
    films: int = 400
    screenings: int = 1_600
    writers: int = 60
    editors: int = 10
    pieces: int = 10_000
    published: int = 3_000
    comments: int = 3_000

    def __post_init__(self) -> None:
        if not 1 <= self.festivals <= len(EDITIONS):
            raise ValueError(f"festivals must be 1 to {len(EDITIONS)}")
        if self.screenings < self.films or self.venues < 1 or self.writers < 1:
            raise ValueError("every film needs a screening; venues and writers at least 1")
        if self.editors < 1 or not 0 <= self.published <= self.pieces:
            raise ValueError("at least one editor; published at most pieces")
        if self.pieces - self.published < len(SITUATIONS):
            raise ValueError(f"at least {len(SITUATIONS)} unpublished pieces (one per state)")

    @property
    def key(self) -> str:
        return "/".join(f"{name}={value}" for name, value in asdict(self).items())


@dataclass(frozen=True)
class Counts:
    """Rows in the database (`published`: pieces in state published)."""

    festivals: int
    venues: int
    films: int
    screenings: int
    users: int
    pieces: int
    published: int
    revisions: int
    comments: int
    transitions: int


@dataclass(frozen=True)
class BenchData:
    """What the measuring code needs: where the database is, and the things to request.

    The festival is the busiest (most pieces); `busiest_day` is its local date (ISO) with the
    most screenings. `piece_id` has 3 revisions (`revision_numbers`) of differing text;
    `published_path` is a live review's public address. Secrets are the plain tokens."""

    url: str
    sqlite_path: Path | None
    data_version: int
    reused: bool
    build_seconds: float
    festival_slug: str
    festival_screenings: int
    busiest_day: str
    busiest_day_screenings: int
    film_id: int
    piece_id: int
    revision_numbers: tuple[int, ...]
    published_path: str
    editor_email: str
    writer_email: str
    password: str
    festival_feed_secret: str
    personal_feed_secret: str
    api_token: str
    counts: Counts

    @property
    def day_path(self) -> str:
        return f"/festivals/{self.festival_slug}/days/{self.busiest_day}"

    @property
    def film_path(self) -> str:
        return f"/festivals/{self.festival_slug}/films/{self.film_id}"

    @property
    def board_path(self) -> str:
        return f"/festivals/{self.festival_slug}/coverage"

    @property
    def piece_path(self) -> str:
        return f"/pieces/{self.piece_id}"

    @property
    def revisions_path(self) -> str:
        return f"/pieces/{self.piece_id}/revisions"

    @property
    def compare_path(self) -> str:
        return (
            f"/pieces/{self.piece_id}/revisions/compare"
            f"?a={self.revision_numbers[0]}&b={self.revision_numbers[-1]}"
        )

    @property
    def hub_path(self) -> str:
        return f"/film-festivals/{self.festival_slug}/"

    @property
    def festival_feed_path(self) -> str:
        return f"/calendars/{self.festival_feed_secret}.ics"

    @property
    def personal_feed_path(self) -> str:
        return f"/calendars/{self.personal_feed_secret}.ics"

    def summary(self) -> str:
        shown = make_url(self.url).render_as_string(hide_password=True)
        how = "reused" if self.reused else f"built in {self.build_seconds:.1f} s"
        lines = [f"bench data v{self.data_version}: {shown} ({how})"]
        lines += [f"  {name}: {value:,}" for name, value in asdict(self.counts).items()]
        lines += [
            f"  busiest festival: {self.festival_slug} ({self.festival_screenings:,} screenings)",
            f"  busiest day: {self.busiest_day} ({self.busiest_day_screenings} screenings) "
            f"{self.day_path}",
            f"  film: {self.film_path}",
            f"  piece: {self.piece_path}  compare: {self.compare_path}",
            f"  public piece: {self.published_path}  hub: {self.hub_path}",
            f"  editor: {self.editor_email}  writer: {self.writer_email}  "
            f"password: {self.password!r}",
            f"  festival feed: {self.festival_feed_path}",
            f"  personal feed: {self.personal_feed_path}",
            f"  API token: {self.api_token}",
        ]
        return "\n".join(lines)


def bench_config(url: str) -> dict[str, object]:
    """The app settings the benchmark runs with: the test overrides (fixed secret key, cheap
    hashing for new passwords) with CSRF protection on, as in production, so the measuring code
    logs in through the form with its token."""
    return {**config_for_tests(url), "WTF_CSRF_ENABLED": True}


def default_url() -> str:
    return f"sqlite:///{DATA_DIR / f'desk-v{DATA_VERSION}.sqlite'}"


def ensure_database(
    url: str | None = None,
    *,
    sizes: Sizes | None = None,
    rebuild: bool = False,
    log: Log = print,
) -> BenchData:
    """The bench database at `url` (None: the SQLite file under bench/.data), reused when it
    already holds this DATA_VERSION's data of these `sizes` on the current schema, else wiped
    and built (a few minutes at full size; progress lines go to `log`). `rebuild` forces a
    build. A PostgreSQL database must exist; its tables are dropped."""
    sizes = sizes or Sizes()
    url = normalise_database_url(url) if url else default_url()
    wanted = _stamp(sizes)
    stored = None if rebuild else _stored_stamp(url)
    if stored == wanted:
        return describe(url, reused=True, build_seconds=0.0)
    if stored is not None:
        log(f"bench data: rebuilding ({stored!r} is not {wanted!r})")
    started = time.perf_counter()
    _wipe(url)
    _build(url, sizes, wanted, log)
    seconds = time.perf_counter() - started
    log(f"bench data: done… {seconds:.1f} s")
    return describe(url, reused=False, build_seconds=seconds)


# --- Reuse, wipe, build ---------------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).resolve()


def _migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _stamp(sizes: Sizes) -> str:
    """What a reusable database records: data version, seed, sizes and schema head (a new
    migration means the rows must be made again for the new schema)."""
    return f"v{DATA_VERSION} seed={SEED} {sizes.key} schema={_migration_head()}"


def _stored_stamp(url: str) -> str | None:
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("install_settings"):
                return None
            return connection.execute(
                select(InstallSetting.value).where(InstallSetting.key == VERSION_KEY)
            ).scalar()
    finally:
        engine.dispose()


def _wipe(url: str) -> None:
    """SQLite: delete the file. Otherwise drop every table, alembic_version included."""
    path = _sqlite_path(url)
    if path is not None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        metadata.drop_all(bind=engine)
    finally:
        engine.dispose()


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Alembic's env.py calls logging.config.fileConfig, which replaces the root handlers and
    disables every logger that exists. Put the process's logging back afterwards, so that code
    measuring in this process logs (and pays for logging) as the app does."""
    root = logging.getLogger()
    root_state = (list(root.handlers), root.level)
    loggers = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers[:] = root_state[0]
        root.setLevel(root_state[1])
        for name, (disabled, level, handlers, propagate) in loggers.items():
            logger = logging.getLogger(name)
            logger.disabled, logger.propagate = disabled, propagate
            logger.setLevel(level)
            logger.handlers[:] = handlers


# Tables whose ids the builder writes itself: PostgreSQL's sequences must be moved past them.
_ID_TABLES = (
    "users",
    "festivals",
    "venues",
    "venue_travel",
    "films",
    "people",
    "screenings",
    "pieces",
    "piece_slugs",
    "transitions",
    "revisions",
    "comments",
    "feed_tokens",
    "api_tokens",
)


def _build(url: str, sizes: Sizes, stamp: str, log: Log) -> None:
    from flask_migrate import upgrade

    started = time.perf_counter()

    def progress(what: str) -> None:
        log(f"bench data: {what}… {time.perf_counter() - started:.1f} s")

    app = create_app(bench_config(url))
    with app.app_context():
        with _logging_kept():
            upgrade()
        progress("schema (migrations)")
        session = db.session
        desk = _Desk(sizes)
        desk.write(session, progress)
        if db.engine.dialect.name == "postgresql":
            for table in _ID_TABLES:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )
        # Recorded last, in the same transaction: a build that died half-way is never reused.
        session.execute(
            insert(InstallSetting),
            [{"key": VERSION_KEY, "value": stamp, "created_at": TOKENS_CREATED}],
        )
        session.commit()
        session.remove()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would have done by the time a real desk had this much data: the
            # statistics, and the visibility map that lets counts read an index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            progress("vacuum analyze")
        db.engine.dispose()


# --- Reading back what the measuring code needs ---------------------------------------------


def describe(url: str, *, reused: bool = True, build_seconds: float = 0.0) -> BenchData:
    """What `ensure_database` returns, read from the database (a few cheap queries): the
    tokens' owners and festival say which writer, editor and festival the builder chose."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return _describe(session, url, reused, build_seconds)
    finally:
        engine.dispose()


def _describe(session: Session, url: str, reused: bool, build_seconds: float) -> BenchData:
    def first_token(kind: FeedKind) -> FeedToken:
        token = session.scalars(
            select(FeedToken).where(FeedToken.kind == kind).order_by(FeedToken.id)
        ).first()
        if token is None:
            raise RuntimeError(f"the bench database has no {kind.value} feed token")
        return token

    festival_token = first_token(FeedKind.FESTIVAL)
    personal_token = first_token(FeedKind.PERSONAL)
    api_token = session.scalars(select(ApiToken).order_by(ApiToken.id)).first()
    assert api_token is not None, "the bench database has no API token"
    festival = session.get(Festival, festival_token.festival_id)
    assert festival is not None
    zone = ZoneInfo(festival.timezone)
    starts = session.scalars(
        select(Screening.starts_at).where(Screening.festival_id == festival.id)
    )
    per_day = Counter(moment.astimezone(zone).date() for moment in starts)
    day, day_count = max(per_day.items(), key=lambda item: (item[1], -item[0].toordinal()))
    of_festival = Piece.festival_id == festival.id
    film_id = session.scalar(
        select(Piece.film_id)
        .where(of_festival, Piece.film_id.is_not(None))
        .group_by(Piece.film_id)
        .order_by(func.count().desc(), Piece.film_id)
        .limit(1)
    )
    # A piece in editing: its three revisions all differ (writer, writer, editor).
    piece_id = session.scalar(
        select(Piece.id)
        .join(Revision, Revision.piece_id == Piece.id)
        .where(of_festival)
        .group_by(Piece.id, Piece.state)
        .having(func.count(Revision.id) == 3)
        .order_by(case((Piece.state == PieceState.EDITING, 0), else_=1), Piece.id)
        .limit(1)
    )
    live_slug = session.scalar(
        select(Piece.slug)
        .where(of_festival, Piece.state == PieceState.PUBLISHED)
        .order_by(
            case((Piece.kind == PieceKind.REVIEW, 0), else_=1),
            Piece.first_published_at.desc(),
            Piece.id.desc(),
        )
        .limit(1)
    )
    if film_id is None or piece_id is None or live_slug is None:
        raise RuntimeError(f"{festival.slug} lacks a film with pieces, revisions or a live piece")
    numbers = tuple(
        session.scalars(
            select(Revision.number).where(Revision.piece_id == piece_id).order_by(Revision.number)
        )
    )

    def count(*criteria: Any, of: Any) -> int:
        return session.scalar(select(func.count()).select_from(of).where(*criteria)) or 0

    counts = Counts(
        festivals=count(of=Festival),
        venues=count(of=Venue),
        films=count(of=Film),
        screenings=count(of=Screening),
        users=count(of=User),
        pieces=count(of=Piece),
        published=count(Piece.state == PieceState.PUBLISHED, of=Piece),
        revisions=count(of=Revision),
        comments=count(of=Comment),
        transitions=count(of=Transition),
    )
    editor = session.get(User, api_token.user_id)
    writer = session.get(User, personal_token.user_id)
    assert editor is not None and writer is not None
    return BenchData(
        url=url,
        sqlite_path=_sqlite_path(url),
        data_version=DATA_VERSION,
        reused=reused,
        build_seconds=build_seconds,
        festival_slug=festival.slug,
        festival_screenings=sum(per_day.values()),
        busiest_day=day.isoformat(),
        busiest_day_screenings=day_count,
        film_id=film_id,
        piece_id=piece_id,
        revision_numbers=numbers,
        published_path=f"/film-festivals/{festival.slug}/{live_slug}",
        editor_email=editor.email,
        writer_email=writer.email,
        password=PASSWORD,
        festival_feed_secret=_secret("cal", "festival-feed"),
        personal_feed_secret=_secret("cal", "personal-feed"),
        api_token=_secret("fcapi", "api-token"),
        counts=counts,
    )


def _secret(prefix: str, purpose: str) -> str:
    """A token secret derived from the seed, shaped like `tokens.new_token`'s. The database
    keeps only its hash, as the app does; deriving it (rather than storing it anywhere) is what
    lets a reused database hand the secret back."""
    digest = hashlib.sha256(f"bench-{SEED}-{purpose}".encode()).digest()
    return f"{prefix}_{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


# --- The festivals --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    name: str
    city: str
    zone: str
    organiser: str
    buildings: tuple[str, ...]
    hotels: tuple[str, ...]


SERIES = {
    "harbourside": _Series(
        "Harbourside Film Festival",
        "Sydney",
        "Australia/Sydney",
        "Harbourside Screen Society",
        ("State Picture Palace", "Quayside Cinemas", "Paddington Town Hall", "Dendy Rooms"),
        ("Harbour View Hotel", "The Rocks Lodge"),
    ),
    "pacific": _Series(
        "Pacific Film Festival",
        "Los Angeles",
        "America/Los_Angeles",
        "Pacific Film Foundation",
        ("Sunset Theatres", "Vista Playhouse", "Figueroa Cinema Centre", "Westwood Hall"),
        ("Hotel Alvarado", "Laurel Court"),
    ),
    "thames": _Series(
        "Thames Film Festival",
        "London",
        "Europe/London",
        "Thames Film Trust",
        ("Riverside Picturehouse", "Southbank Arts Centre", "Regent Cinema", "Bankside Rooms"),
        ("The Strand Hotel", "Waterloo House"),
    ),
    "manila": _Series(
        "Manila Bay Film Festival",
        "Manila",
        "Asia/Manila",
        "Manila Bay Film Council",
        ("Bayfront Cineplex", "Intramuros Theatre", "Makati Film House", "Diliman Screens"),
        ("Hotel Escolta", "Roxas Suites"),
    ),
    "spree": _Series(
        "Spree Film Festival",
        "Berlin",
        "Europe/Berlin",
        "Spree Filmfest e.V.",
        ("Kino am Ufer", "Palast Mitte", "Haus der Bilder", "Studio Kreuzberg"),
        ("Hotel Oberbaum", "Pension Lindenhof"),
    ),
    "hudson": _Series(
        "Hudson Film Festival",
        "New York",
        "America/New_York",
        "Hudson Film Society",
        ("Lincoln Screening Rooms", "Canal Street Cinema", "Astor Hall", "Chelsea Film Forum"),
        ("The Gramercy Arms", "Hotel Bowery"),
    ),
}

# Chronological; each runs FESTIVAL_DAYS days. Thames 2026 spans the last Sunday of October and
# Hudson 2025 the first Sunday of November (clocks go back); no other edition changes offset.
EDITIONS: tuple[tuple[str, date], ...] = (
    ("harbourside", date(2022, 6, 8)),
    ("pacific", date(2022, 6, 15)),
    ("thames", date(2022, 10, 5)),
    ("manila", date(2022, 11, 9)),
    ("spree", date(2023, 2, 15)),
    ("pacific", date(2023, 6, 14)),
    ("hudson", date(2023, 9, 27)),
    ("manila", date(2023, 11, 8)),
    ("spree", date(2024, 2, 14)),
    ("harbourside", date(2024, 6, 5)),
    ("thames", date(2024, 10, 9)),
    ("manila", date(2024, 11, 6)),
    ("spree", date(2025, 2, 12)),
    ("pacific", date(2025, 6, 11)),
    ("hudson", date(2025, 10, 29)),
    ("manila", date(2025, 11, 12)),
    ("spree", date(2026, 2, 11)),
    ("harbourside", date(2026, 6, 10)),
    ("thames", date(2026, 10, 15)),
    ("manila", date(2026, 11, 4)),
)
# The desk's biggest edition (most pieces: the one the benchmark measures).
FLAGSHIP = ("thames", 2026)
# How busy each festival day is (opening weekend and the middle weekend peak).
DAY_SHAPE = (0.6, 1.0, 1.3, 1.25, 0.95, 0.9, 0.9, 1.0, 1.2, 1.1, 0.85, 0.55)


def crosses_offset_change(zone: str, start: date) -> bool:
    """Whether the zone's UTC offset differs between the festival's first and last noon."""
    tz = ZoneInfo(zone)
    first = datetime.combine(start, wall_time(12), tz).utcoffset()
    last = datetime.combine(start + timedelta(days=FESTIVAL_DAYS - 1), wall_time(12), tz)
    return first != last.utcoffset()


# --- Words ----------------------------------------------------------------------------------


def _words(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


ADJECTIVES = _words(
    "quiet restless luminous patient furious tender brittle generous haunted wry lucid "
    "sprawling taut playful sombre sun-bleached nocturnal feverish careful bold modest "
    "lyrical stubborn mournful nimble steady wistful fierce gentle dry"
)
NOUNS = _words(
    "harbour orchard lighthouse winter lantern river kitchen archive island garden ferry "
    "ceremony tide passage season estate workshop highway market rooftop quarry lagoon "
    "library train bakery vineyard border signal"
)
PLACES = _words(
    "Marseille Cebu Lagos Valparaíso Tbilisi Oaxaca Gdańsk Hokkaido Kraków Dakar Porto Izmir "
    "Mindanao Tromsø Cork Jaffna Antwerp Bukhara Recife Galway"
)
FIRST_NAMES = _words(
    "Ana Tomás Mei Kwame Ines Joon Priya Lars Amara Diego Sofia Ravi Noor Elena Kofi Hana "
    "Mateo Leila Oskar Yuki Farah Bruno Maya Tariq Clara Emeka Lucia Arjun Zara Felix Ayumi "
    "Jonas Marisol Idris Greta Santiago Nadia Pavel Esi Rafael"
)
LAST_NAMES = _words(
    "Reyes Okafor Lindqvist Tanaka Moreau Haddad Kowalski Mensah Santos Novak Ibarra Chen "
    "Adeyemi Larsen Dubois Kaur Romero Petrov Nakamura Alvarez Osei Bauer Castillo Ferreira "
    "Hoang Mbeki Sato Varga Quispe Nilsson Aziz Marin Delgado Kim Oduya Rossi Halvorsen Tran "
    "Barros Wójcik"
)
COUNTRIES = _words(
    "France|Philippines|Nigeria|Chile|Georgia|Mexico|Poland|Japan|Senegal|Portugal|Turkey|"
    "Norway|Ireland|Sri Lanka|Belgium|Uzbekistan|Brazil|United Kingdom|United States|Germany",
    "|",
)
SECTIONS = (
    "Official Competition",
    "First Features",
    "Documentary",
    "Shorts Programme",
    "Midnight",
    "Restorations",
    "Special Presentations",
    "Horizons",
    "Family",
)

# Sentence templates: @T the film's title (in italics), @D its director, @F the festival, @A and
# @B adjectives, @N a noun. @A/@B/@N are filled when the pool is made; the rest per piece.
REVIEW_SENTENCES = (
    "@T opens on a @A image of a @N, and the film never quite lets go of it.",
    "@D keeps the camera at a @A distance, which suits a story this @B.",
    "The performances are @A throughout; the lead finds something @B in every silence.",
    "There is a @A sequence at a @N, halfway through, that the whole film seems built around.",
    "Not every idea lands, and the middle stretch feels @A where it wants to be @B.",
    "The score is @A, sometimes too insistent, but it gives the @N scenes their pulse.",
    "What lingers is the @A texture of the thing: the light on the @N, the rain on a roof.",
    "@D has made a @A film about a @N, and a @B one about the people who live beside it.",
    "By the final act, @T has earned its @A ending, even if the road there is uneven.",
    "The screenplay is @A with exposition, trusting the audience to follow a @B thread.",
    "It is hard to think of a @A debut at @F this year.",
    "The cinematography favours @A close-ups, and the @N becomes a character of its own.",
    "A subplot about a @N goes nowhere, which is a pity in a film otherwise this @A.",
    "The editing is @A, cutting away just before each scene says too much.",
    "Comparisons with earlier festival favourites are inevitable, but @T is @A on its own terms.",
    "At twenty minutes shorter it would be @A; as it is, it is merely @B.",
    "The supporting cast is @A, especially in a dinner scene that turns @B without warning.",
    "@D's previous work was @A; this is @B, and braver for it.",
    "The @N motif returns in the last shot, and it lands with a @A force.",
    "Few films at @F have been this @A about grief, or this @B about joy.",
    "The sound design does @A work, layering the hum of a @N under every conversation.",
    "Some will find the pacing @A; others will surrender to its @B rhythm.",
)
INTERVIEW_SENTENCES = (
    "@D speaks about @T in a @A voice, pausing often to find the right word.",
    "We meet in a hotel lounge near the festival centre, the morning after a @A premiere.",
    "Asked about the @N scenes, @D laughs: “That was the @A part. We shot it in two nights.”",
    "“Every film is a @A negotiation with money and weather,” @D says.",
    "The conversation turns to casting, and to the @A luck of finding the right face.",
    "“@T started as a short about a @N,” @D explains. “It grew @A from there.”",
    "@D is @A about the reception at @F so far, and @B about what comes next.",
    "“I grew up next to a @N,” @D says. “You never stop hearing it.”",
    "The financing took six years, @D says, and a @A amount of patience.",
    "“The actors taught me to be @A,” @D says. “I arrived far too @B.”",
    "On the question of influences, @D is @A: “Everyone steals. The trick is to steal well.”",
    "Talk of awards makes @D visibly @A; the next film is already in the edit.",
)
NEWS_SENTENCES = (
    "@F has announced a @A addition to its programme: a late screening of @T.",
    "Tickets for the @A gala sold out within an hour, the festival said.",
    "The jury, chaired by @D, will announce its prizes on the closing night.",
    "A @A queue formed outside the @N screening long before the doors opened.",
    "Organisers said attendance was up on last year, with @A demand for the midnight strand.",
    "The festival confirmed that @T will screen again on the final weekend.",
    "Press accreditation has been extended after a @A number of applications.",
    "A restored print of a @A classic will close the festival.",
)
STANDFIRSTS = (
    "@D's @A drama is one of the @B surprises of @F.",
    "A @A, @B film that deserves a life well beyond the festival circuit.",
    "@D talks about @T, six years in the making, and the @N at its heart.",
    "@T is @A, uneven and impossible to forget.",
    "The @A story behind the film everyone at @F is talking about.",
)
COMMENTS = (
    "Can we tighten the second paragraph? It repeats the opening.",
    "Lovely piece. Check the spelling of the director's name against the programme.",
    "Is the running time right? The festival site says something different.",
    "I'd move the paragraph about the score up; it's the strongest thing here.",
    "Headline is fine for now; we'll fix it at approval.",
    "The embargo lifts after the gala, so no rush on this one.",
    "Could you add a line on where else it's screening?",
    "Nice. I've trimmed about fifty words from the ending.",
    "Quote in paragraph four needs checking against your recording.",
    "We have a photo from the premiere; I'll attach it in the CMS.",
    "Thanks, this is in good shape. Taking it now.",
    "Star rating feels a notch high given the review, is it deliberate?",
)
RETURN_NOTES = (
    "The middle section needs work: say what the film is about before what it does.",
    "Please cut to the word target and check the quotes against your recording.",
    "It reads as a synopsis for too long; get to your opinion by the third paragraph.",
    "Good start, but the ending trails off. Give it a final judgement.",
)
DECLINE_REASONS = (
    "I have a clash with the jury screening that afternoon.",
    "I know the director personally; someone else should review it.",
    "I'm covering the competition strand that day and can't fit it in.",
)
SPIKE_REASONS = (
    "Film withdrawn from the programme.",
    "We already have a review of this film.",
    "Distributor embargo conflict; not worth the trouble.",
    "Overtaken by events.",
)
FEATURE_HEADLINES = (
    "Why @T is the film everyone at @F is talking about",
    "@D and the @A art of the @N",
    "Five things we learned at @F this week",
    "The @A return of the festival @N film",
    "Inside the @A programme of @F",
)
NEWS_HEADLINES = (
    "@F adds late screening of @T",
    "@F gala sells out in an hour",
    "@D to chair the jury at @F",
    "@F confirms closing film",
)


# --- The generator --------------------------------------------------------------------------

# What a piece has been through, as dealt out across the desk (published comes on top).
SITUATIONS: dict[str, int] = {
    "pitched_by_desk": 560,
    "pitched_by_writer": 560,
    "declined": 280,
    "assigned": 1_400,
    "drafting": 900,
    "returned": 300,
    "filed": 900,
    "editing": 700,
    "ready": 500,
    "scheduled": 300,
    "spiked": 600,
}
SPIKED_FROM = {
    "pitched_by_desk": 3,
    "assigned": 3,
    "drafting": 2,
    "filed": 1,
    "editing": 1,
    "ready": 1,
}


def _shares(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder), each at least `minimum`."""
    free = total - minimum * len(weights)
    scale = sum(weights)
    exact = [free * weight / scale for weight in weights]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for index in by_remainder[: free - sum(counts)]:
        counts[index] += 1
    return [count + minimum for count in counts]


@dataclass
class _Text:
    headline: str
    standfirst: str
    body: str
    star_rating: int | None


@dataclass
class _FilmFacts:
    id: int
    title: str
    director: str
    # (person id, name): the director(s) first, then any actor.
    people: list[tuple[int, str]]
    screenings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Story:
    """One piece's history as it happens: transitions and revisions at a moving clock."""

    piece_id: int
    at: datetime
    state: PieceState | None = None
    version: int = 1
    calendar_sequence: int = 0
    calendar_changed_at: datetime | None = None
    text: _Text | None = None
    transitions: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)

    def wait(self, rng: random.Random, low_minutes: int, high_minutes: int) -> None:
        self.at += timedelta(minutes=rng.randint(low_minutes, high_minutes))

    def step(self, action: str, to: PieceState, actor: int | None, note: str = "") -> None:
        self.transitions.append(
            {
                "piece_id": self.piece_id,
                "from_state": self.state,
                "to_state": to,
                "action": action,
                "actor_id": actor,
                "note": note,
                "created_at": self.at,
            }
        )
        if self.state is not None:  # every step after the pitch moves its calendar events
            self.calendar_sequence += 1
            self.calendar_changed_at = self.at
        self.state = to

    def save(self, author: int | None, text: _Text) -> None:
        """A text save (drafts.save_draft): a new version, recorded as the next revision."""
        self.version += 1
        self._revision(author, text, self.version - 1, "Saved")
        self.text = text

    def snapshot(self, author: int | None) -> int:
        """Publication's revision (services.snapshot_revision): the live text; its number."""
        assert self.text is not None
        self._revision(author, self.text, self.version, "Published")
        return len(self.revisions)

    def comment(self, author: int | None, body: str) -> None:
        self.comments.append(
            {"piece_id": self.piece_id, "author_id": author, "body": body, "created_at": self.at}
        )

    def _revision(self, author: int | None, text: _Text, based_on: int, note: str) -> None:
        self.revisions.append(
            {
                "piece_id": self.piece_id,
                "number": len(self.revisions) + 1,
                "author_id": author,
                "based_on_version": based_on,
                "version": self.version,
                "note": note,
                "headline": text.headline,
                "standfirst": text.standfirst,
                "body": text.body,
                "star_rating": text.star_rating,
                "created_at": self.at,
            }
        )


class _Desk:
    """Makes the rows, festival by festival, and inserts them as it goes (memory stays at one
    festival's worth: its revisions are the bulk, ~4.5 KB each)."""

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self.rng = random.Random(SEED)
        self.ids: Counter[str] = Counter()
        self.sentences = {
            "review": self._pool(REVIEW_SENTENCES, 30),
            "interview": self._pool(INTERVIEW_SENTENCES, 40),
            "news": self._pool(NEWS_SENTENCES, 40),
            "standfirst": self._pool(STANDFIRSTS, 20),
        }

    # -- ids, names and words --

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _pool(self, templates: Sequence[str], variants: int) -> list[str]:
        rng = self.rng
        pool = []
        for template in templates:
            for _ in range(variants):
                adjective, other = rng.sample(ADJECTIVES, 2)
                sentence = template.replace("@A", adjective).replace("@B", other)
                pool.append(sentence.replace("@N", rng.choice(NOUNS)))
        return pool

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def film_title(self, taken: set[str]) -> str:
        rng = self.rng
        while True:
            pattern = rng.randrange(7)
            adjective = rng.choice(ADJECTIVES).capitalize()
            noun = rng.choice(NOUNS).capitalize()
            place = rng.choice(PLACES)
            title = (
                f"The {adjective} {noun}",
                f"{noun} of {place}",
                f"A {noun} in {place}",
                f"{rng.choice(FIRST_NAMES)}",
                f"{adjective} {noun}s",
                f"After the {noun}",
                f"{rng.choice(FIRST_NAMES)} and the {noun}",
            )[pattern]
            if title not in taken:
                taken.add(title)
                return title

    # -- text --

    def paragraphs(self, kind: str, count: int) -> list[list[str]]:
        rng = self.rng
        pool = self.sentences[kind]
        return [[rng.choice(pool) for _ in range(rng.randint(4, 6))] for _ in range(count)]

    def revise(self, kind: str, paragraphs: list[list[str]], changes: int) -> list[list[str]]:
        """An edit of the text: sentences rewritten, a paragraph cut, one added."""
        rng = self.rng
        pool = self.sentences[kind]
        new = [list(paragraph) for paragraph in paragraphs]
        for _ in range(changes):
            paragraph = new[rng.randrange(len(new))]
            paragraph[rng.randrange(len(paragraph))] = rng.choice(pool)
        if len(new) > 3 and rng.random() < 0.5:
            del new[rng.randrange(1, len(new))]
        if rng.random() < 0.6:
            added = [rng.choice(pool) for _ in range(rng.randint(3, 5))]
            new.insert(rng.randrange(1, len(new) + 1), added)
        return new

    @staticmethod
    def render(paragraphs: list[list[str]], facts: dict[str, str]) -> str:
        body = "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)
        for marker, value in facts.items():
            body = body.replace(marker, value)
        return body

    # -- writing --

    def write(self, session: Session, progress: Callable[[str], None]) -> None:
        sizes = self.sizes
        password_hash = generate_password_hash(PASSWORD)  # once: hashing is the slow part
        users = self.users(password_hash)
        _insert(session, User, users)
        self.editors = [u["id"] for u in users if u["role"] is Role.EDITOR]
        self.desk = [*self.editors, next(u["id"] for u in users if u["role"] is Role.ADMIN)]
        self.writers = [u["id"] for u in users if u["role"] is Role.WRITER]
        # A few prolific critics, a long tail of occasional ones.
        self.writer_weights = [1 / (1 + rank * 0.08) for rank in range(len(self.writers))]
        progress(f"users ({len(users)})")

        editions = EDITIONS[len(EDITIONS) - sizes.festivals :]
        festivals = [self.festival(series, start) for series, start in editions]
        _insert(session, Festival, festivals)
        progress(f"festivals ({len(festivals)})")
        crossing = [
            f["slug"] for f in festivals if crosses_offset_change(f["timezone"], f["start_date"])
        ]
        weights = []
        for series, start in editions:
            weight = 1 + 0.25 * (start.year - 2022)
            weights.append(weight * (1.6 if (series, start.year) == FLAGSHIP else 1))
        piece_counts = _shares(sizes.pieces, weights)
        flagship = max(range(len(festivals)), key=lambda i: (piece_counts[i], i))
        situations = self.deal(piece_counts, flagship)
        comment_quota = _shares(sizes.comments, piece_counts)
        self.flagship_writers: Counter[int] = Counter()

        for index, festival in enumerate(festivals):
            films = self.programme(session, festival)
            made = self.pieces(
                session, festival, films, situations[index], comment_quota[index], index == flagship
            )
            progress(
                f"festival {index + 1}/{len(festivals)} {festival['slug']} "
                f"({sizes.screenings:,} screenings, {made:,} pieces)"
            )

        self.tokens(session, festivals[flagship]["id"])
        progress(f"tokens (offset changes in {', '.join(crossing) or 'none'})")

    def users(self, password_hash: str) -> list[dict[str, Any]]:
        people = [("admin@bench.example", "Bench Admin", Role.ADMIN)]
        people += [
            (f"editor{n}@bench.example", self.person_name(), Role.EDITOR)
            for n in range(1, self.sizes.editors + 1)
        ]
        people += [
            (f"writer{n}@bench.example", self.person_name(), Role.WRITER)
            for n in range(1, self.sizes.writers + 1)
        ]
        return [
            {
                "id": self.next_id("users"),
                "email": email,
                "name": name,
                "password_hash": password_hash,
                "role": role,
                "active": True,
                "session_token": f"bench{self.rng.getrandbits(160):040x}",
                "created_at": ACCOUNTS_CREATED,
                "updated_at": ACCOUNTS_CREATED,
            }
            for email, name, role in people
        ]

    def festival(self, key: str, start: date) -> dict[str, Any]:
        series = SERIES[key]
        # The app's own rules make the slug and check the zone and dates.
        cleaned = clean_festival(
            FestivalFields(
                name=series.name,
                edition=start.year,
                timezone=series.zone,
                start_date=start,
                end_date=start + timedelta(days=FESTIVAL_DAYS - 1),
                city=series.city,
                website=f"https://{key}-film-festival.example/{start.year}",
                organiser=series.organiser,
                is_public=start.year % 2 == 0,
                default_embargo=DefaultEmbargo.NONE,
            )
        )
        created = datetime.combine(start - timedelta(days=60), wall_time(10), UTC)
        row = asdict(cleaned)
        row.update(id=self.next_id("festivals"), created_at=created, updated_at=created)
        return row

    def deal(self, piece_counts: list[int], flagship: int) -> list[list[str]]:
        """Each festival's situations: published and every other situation in proportion,
        shuffled across the desk; the flagship gets at least one of each."""
        rest = self.sizes.pieces - self.sizes.published
        counts = _shares(rest, list(SITUATIONS.values()), minimum=1)
        pool = ["published"] * self.sizes.published
        for name, count in zip(SITUATIONS, counts, strict=True):
            pool += [name] * count
        self.rng.shuffle(pool)
        dealt: list[list[str]] = [[] for _ in piece_counts]
        for name in ("published", *SITUATIONS):
            if name in pool and len(dealt[flagship]) < piece_counts[flagship]:
                pool.remove(name)
                dealt[flagship].append(name)
        for index, count in enumerate(piece_counts):
            while len(dealt[index]) < count:
                dealt[index].append(pool.pop())
            self.rng.shuffle(dealt[index])
        return dealt

    def programme(self, session: Session, festival: dict[str, Any]) -> list[_FilmFacts]:
        """Venues (with travel times), films with their people, and screenings."""
        rng, sizes = self.rng, self.sizes
        series = next(s for s in SERIES.values() if s.name == festival["name"])
        zone = ZoneInfo(festival["timezone"])
        created = festival["created_at"]
        screens_per_building = max(1, -(-sizes.venues // len(series.buildings)))
        venues = []
        for n in range(sizes.venues):
            building = series.buildings[n // screens_per_building % len(series.buildings)]
            venues.append(
                {
                    "id": self.next_id("venues"),
                    "festival_id": festival["id"],
                    "name": f"{building} Screen {n % screens_per_building + 1}",
                    "address": f"{rng.randint(1, 240)} {rng.choice(NOUNS).capitalize()} Street, "
                    f"{festival['city']}",
                    "created_at": created,
                    "updated_at": created,
                    "_building": building,
                }
            )
        travel = [
            {
                "id": self.next_id("venue_travel"),
                "from_venue_id": a["id"],
                "to_venue_id": b["id"],
                "minutes": rng.randint(10, 35),
            }
            for i, a in enumerate(venues)
            for b in venues[i + 1 :]
            if a["_building"] != b["_building"]
        ]
        films, people, screenings, facts = [], [], [], []
        titles: set[str] = set()
        sections = rng.sample(SECTIONS, min(len(SECTIONS), 8))
        per_film = _shares(sizes.screenings, [1] * sizes.films)
        day_weights = [shape * rng.uniform(0.8, 1.2) for shape in DAY_SHAPE]
        for count in per_film:
            film_id = self.next_id("films")
            title = self.film_title(titles)
            directors = [self.person_name() for _ in range(2 if rng.random() < 0.1 else 1)]
            runtime = rng.randint(80, 150)
            premiere = rng.choices(list(PremiereStatus), [3, 2, 2, 1, 6])[0]
            release = (
                festival["start_date"] + timedelta(days=rng.randint(30, 300))
                if rng.random() < 0.4
                else None
            )
            slug = house_style.slug_of(title)
            films.append(
                {
                    "id": film_id,
                    "festival_id": festival["id"],
                    "title": title,
                    "original_title": "",
                    "directors": ", ".join(directors),
                    "countries": ", ".join(rng.sample(COUNTRIES, rng.choice((1, 1, 2)))),
                    "year": festival["edition"] - rng.choice((0, 0, 1)),
                    "runtime_minutes": runtime,
                    "section": rng.choice(sections),
                    "premiere_status": premiere,
                    "release_date": release,
                    "trailer_url": f"https://video.example/watch/{film_id:06d}"
                    if rng.random() < 0.5
                    else "",
                    "url": f"{festival['website']}/films/{slug}",
                    "embargo_rule": EmbargoRule.FESTIVAL_DEFAULT,
                    "embargo_at": None,
                    "embargo_offset_minutes": 0,
                    "embargo_sequence": 0,
                    "synopsis": self.render(
                        self.paragraphs("review", 1), {"@T": title, "@D": directors[0]}
                    ),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            cast = [(name, PersonRole.DIRECTOR) for name in directors]
            if rng.random() < 0.3:
                cast.append((self.person_name(), PersonRole.ACTOR))
            person_ids = []
            for name, role in cast:
                person_ids.append((self.next_id("people"), name))
                people.append(
                    {
                        "id": person_ids[-1][0],
                        "name": name,
                        "role": role,
                        "film_id": film_id,
                        "notes": "",
                        "created_at": created,
                    }
                )
            fact = _FilmFacts(film_id, title, directors[0], person_ids)
            days = sorted(rng.choices(range(FESTIVAL_DAYS), day_weights, k=count))
            for n, day in enumerate(days):
                if n == 0 and count > 1:
                    kind = rng.choice(
                        (ScreeningKind.PRESS, ScreeningKind.PRESS, ScreeningKind.PRESS_INDUSTRY)
                    )
                    minute = 9 * 60 + 15 * rng.randint(0, 10)  # 09:00 to 11:30
                else:
                    gala = n == 1 and premiere in (
                        PremiereStatus.WORLD,
                        PremiereStatus.INTERNATIONAL,
                    )
                    kind = ScreeningKind.GALA if gala else ScreeningKind.PUBLIC
                    latest = (23 * 60 + 30 - runtime) // 15
                    minute = 15 * rng.randint(11 * 4, latest)  # from 11:00, over by 23:30
                local = datetime.combine(
                    festival["start_date"] + timedelta(days=day),
                    wall_time(minute // 60, minute % 60),
                    zone,
                )
                starts = local.astimezone(UTC)
                cancelled = rng.random() < 0.01
                screening = {
                    "festival_id": festival["id"],
                    "film_id": film_id,
                    "venue_id": venues[rng.randrange(len(venues))]["id"],
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=runtime),
                    "kind": kind,
                    "cancelled": cancelled,
                    "notes": "Cancelled: the print did not arrive." if cancelled else "",
                    "sequence": 1 if cancelled else 0,
                    "created_at": created,
                    "updated_at": starts - timedelta(days=2) if cancelled else created,
                }
                screenings.append(screening)
                fact.screenings.append(screening)
            facts.append(fact)
        # Ids in programme order, as an import of the festival's file would give them.
        screenings.sort(key=lambda s: (s["starts_at"], s["venue_id"], s["film_id"]))
        for screening in screenings:
            screening["id"] = self.next_id("screenings")
        for venue in venues:
            del venue["_building"]
        _insert(session, Venue, venues)
        _insert(session, VenueTravel, travel)
        _insert(session, Film, films)
        _insert(session, Person, people)
        _insert(session, Screening, screenings)
        return facts

    def pieces(
        self,
        session: Session,
        festival: dict[str, Any],
        films: list[_FilmFacts],
        situations: list[str],
        comment_quota: int,
        flagship: bool,
    ) -> int:
        rng = self.rng
        count = len(situations)
        reviews = min(round(count * 0.6), len(films))
        kinds = [PieceKind.REVIEW] * reviews + rng.choices(
            [PieceKind.INTERVIEW, PieceKind.FEATURE, PieceKind.NEWS, PieceKind.ROUNDUP],
            [50, 20, 18, 12],
            k=count - reviews,
        )
        rng.shuffle(kinds)
        reviewed = iter(rng.sample(films, reviews))
        rows, stories, interviewees, others, slugs = [], [], [], [], []
        taken_slugs: set[str] = set()
        for kind, situation in zip(kinds, situations, strict=True):
            film = next(reviewed) if kind is PieceKind.REVIEW else None
            piece, story, people, other_films = self.piece(festival, films, kind, film, situation)
            slug = piece["slug"]
            if slug is not None:
                wanted, number = slug, 2
                while slug in taken_slugs:  # as services.assign_slug numbers a taken slug
                    slug, number = f"{wanted}-{number}", number + 1
                taken_slugs.add(slug)
                piece["slug"] = slug
                slugs.append(
                    {
                        "id": self.next_id("piece_slugs"),
                        "festival_id": festival["id"],
                        "piece_id": piece["id"],
                        "slug": slug,
                        "created_at": piece.pop("_slug_at"),
                    }
                )
            else:
                piece.pop("_slug_at")
            rows.append(piece)
            stories.append(story)
            interviewees += [{"piece_id": piece["id"], "person_id": p} for p in people]
            others += [{"piece_id": piece["id"], "film_id": f} for f in other_films]
            if flagship and piece["writer_id"] is not None:
                self.flagship_writers[piece["writer_id"]] += 1
        self.add_comments(stories, comment_quota)
        _insert(session, Piece, rows)
        _insert(session, piece_interviewees, interviewees)
        _insert(session, piece_films, others)
        _insert(session, PieceSlug, slugs)
        for name, model in (
            ("transitions", Transition),
            ("revisions", Revision),
            ("comments", Comment),
        ):
            batch = [row for story in stories for row in getattr(story, name)]
            for row in batch:
                row["id"] = self.next_id(name)
            _insert(session, model, batch)
        return count

    def piece(
        self,
        festival: dict[str, Any],
        films: list[_FilmFacts],
        kind: PieceKind,
        film: _FilmFacts | None,
        situation: str,
    ) -> tuple[dict[str, Any], _Story, list[int], list[int]]:
        """One piece's plan, history and text, as the workflow would have left it."""
        rng = self.rng
        zone = ZoneInfo(festival["timezone"])
        start = festival["start_date"]
        editor = rng.choice(self.desk)
        writer = rng.choices(self.writers, self.writer_weights)[0]
        screening = None
        names: list[str] = []
        slot: tuple[datetime, datetime, str] | None = None
        people: list[int] = []
        other_films: list[int] = []
        if kind is PieceKind.REVIEW:
            assert film is not None
            press = [s for s in film.screenings if not s["kind"].is_public_facing]
            screening = press[0] if press and rng.random() < 0.8 else rng.choice(film.screenings)
            seen = screening["ends_at"]
        elif kind is PieceKind.INTERVIEW:
            film = rng.choice(films)
            people = [person for person, _ in film.people[: rng.choice((1, 1, 2))]]
            names = [name for _, name in film.people[: len(people)]]
            local = datetime.combine(
                start + timedelta(days=rng.randint(1, FESTIVAL_DAYS - 2)),
                wall_time(rng.randint(10, 17), rng.choice((0, 30))),
                zone,
            )
            begins = local.astimezone(UTC)
            series = next(s for s in SERIES.values() if s.name == festival["name"])
            place = rng.choice((*series.hotels, f"Press centre, {series.buildings[0]}"))
            slot = (begins, begins + timedelta(minutes=rng.choice((30, 45, 60))), place)
            seen = slot[1]
        else:
            if kind is not PieceKind.ROUNDUP and rng.random() < 0.5:
                film = rng.choice(films)
            if kind in (PieceKind.FEATURE, PieceKind.ROUNDUP):
                wanted = rng.randint(2, 3) if kind is PieceKind.FEATURE else rng.randint(4, 6)
                chosen = rng.sample(films, min(wanted, len(films)))
                other_films = [f.id for f in chosen if film is None or f.id != film.id]
            day = start + timedelta(days=rng.randint(1, FESTIVAL_DAYS - 1))
            seen = datetime.combine(day, wall_time(rng.randint(12, 19)), zone).astimezone(UTC)
        due = seen + DEFAULT_DUE_AFTER
        piece_id = self.next_id("pieces")
        created = seen - timedelta(hours=rng.randint(3 * 24, 21 * 24))
        story = _Story(piece_id, created)
        # -- the history, step by step (see coverage.pieces.workflow.TRANSITIONS) --
        before_spike = rng.choices(list(SPIKED_FROM), list(SPIKED_FROM.values()))[0]
        path = before_spike if situation == "spiked" else situation
        writes = path in ("drafting", "returned", "filed", "editing", "ready", "scheduled")
        texts = self.texts(festival, kind, film, names) if writes or path == "published" else []
        pitcher = writer if path == "pitched_by_writer" else editor
        story.step("pitch", PieceState.PITCHED, pitcher)
        has_writer = path != "pitched_by_desk"
        decline_reason = ""
        published_number = None
        published_at = None
        slug_at = None
        editor_id = None
        publish_at = None
        if path not in ("pitched_by_desk", "pitched_by_writer"):
            story.at = created + (seen - created) * rng.uniform(0.1, 0.6)
            story.version += 1  # the plan (writer, due, screening) saved with the assignment
            story.step("assign", PieceState.ASSIGNED, editor)
        if path == "declined":
            story.wait(rng, 30, 24 * 60)
            decline_reason = rng.choice(DECLINE_REASONS)
            story.step("decline", PieceState.PITCHED, writer, decline_reason)
            has_writer = False
        if texts:
            story.at = seen
            story.wait(rng, 60, 10 * 60)
            story.save(writer, texts[0])
            story.step("start", PieceState.DRAFTING, writer)
        if path in ("drafting", "filed"):
            story.wait(rng, 30, 8 * 60)
            story.save(writer, texts[1])
            story.wait(rng, 30, 6 * 60)
            story.save(writer, texts[2])
        elif path in ("returned", "editing", "ready", "scheduled"):
            story.wait(rng, 30, 8 * 60)
            story.save(writer, texts[1])
        if path in ("returned", "filed", "editing", "ready", "scheduled", "published"):
            story.wait(rng, 5, 60)
            story.step("file", PieceState.FILED, writer)
        if path in ("returned", "editing", "ready", "scheduled", "published"):
            story.wait(rng, 30, 12 * 60)
            editor_id = editor
            story.step("take_for_edit", PieceState.EDITING, editor)
        if path == "returned":
            story.wait(rng, 10, 90)
            note = rng.choice(RETURN_NOTES)
            story.comment(editor, note)  # a return's note joins the conversation
            story.step("return", PieceState.DRAFTING, editor, note)
            story.wait(rng, 60, 12 * 60)
            story.save(writer, texts[2])
        elif path in ("editing", "ready", "scheduled"):
            story.wait(rng, 10, 90)
            story.save(editor, texts[2])
        elif path == "published":
            story.wait(rng, 10, 90)
            story.save(editor, texts[1])
        if path in ("ready", "scheduled", "published"):
            story.wait(rng, 5, 60)
            slug_at = story.at  # approval gives the piece its address
            story.step("approve", PieceState.READY, editor)
            story.wait(rng, 5, 6 * 60)
        if path == "scheduled":
            publish_at = SCHEDULED_FROM + timedelta(hours=piece_id % 5000)
            story.step("publish", PieceState.SCHEDULED, editor)
        if path == "published":
            published_at = story.at
            story.step("publish", PieceState.PUBLISHED, editor)
            published_number = story.snapshot(editor)
        if situation == "spiked":
            story.wait(rng, 60, 3 * 24 * 60)
            story.step("spike", PieceState.SPIKED, editor, rng.choice(SPIKE_REASONS))
        text = story.text or _Text("", "", "", None)
        assigned = has_writer and path != "pitched_by_writer"
        piece = {
            "id": piece_id,
            "kind": kind,
            "festival_id": festival["id"],
            "film_id": film.id if film is not None else None,
            "writer_id": writer if has_writer else None,
            "editor_id": editor_id,
            "state": story.state,
            "state_before_spike": story.transitions[-2]["to_state"]
            if situation == "spiked"
            else None,
            "due_at": due if assigned else None,
            "embargo_at": None,
            "publish_at": publish_at,
            "published_at": published_at,
            "first_published_at": published_at,
            "published_revision_number": published_number,
            "calendar_sequence": story.calendar_sequence,
            "calendar_changed_at": story.calendar_changed_at,
            "word_target": {"review": 600, "interview": 1200, "news": 400}.get(kind.value, 1000),
            "headline": text.headline,
            "slug": self.slug(festival, text.headline) if slug_at is not None else None,
            "_slug_at": slug_at,
            "pull_quote": texts[3].headline if kind is PieceKind.INTERVIEW and texts else "",
            "standfirst": text.standfirst,
            "body": text.body,
            "star_rating": text.star_rating,
            "screening_id": screening["id"] if screening is not None and assigned else None,
            "slot_starts_at": slot[0] if slot and assigned else None,
            "slot_ends_at": slot[1] if slot and assigned else None,
            "slot_place": slot[2] if slot and assigned else "",
            "decline_reason": decline_reason,
            "version": story.version,
            "created_by_id": pitcher,
            "created_at": created,
            "updated_at": story.at,
        }
        return piece, story, people, other_films

    def slug(self, festival: dict[str, Any], headline: str) -> str:
        return house_style.piece_slug(headline, festival["name"], festival["edition"])

    def texts(
        self, festival: dict[str, Any], kind: PieceKind, film: _FilmFacts | None, names: list[str]
    ) -> list[_Text]:
        """Three successive texts (draft, revised, edited), and a fourth holding only the pull
        quote of an interview in its headline."""
        rng = self.rng
        edition = house_style.festival_edition(festival["name"], festival["edition"])
        title = film.title if film is not None else rng.choice(PLACES) + " Stories"
        director = film.director if film is not None else self.person_name()
        facts = {"@T": f"*{title}*", "@D": director, "@F": edition}
        plain = {"@T": title, "@D": director, "@F": edition}
        source = {PieceKind.INTERVIEW: "interview", PieceKind.NEWS: "news"}.get(kind, "review")
        size = rng.randint(3, 5) if kind is PieceKind.NEWS else rng.randint(7, 10)
        drafts = [self.paragraphs(source, size)]
        drafts.append(self.revise(source, drafts[0], rng.randint(3, 6)))
        drafts.append(self.revise(source, drafts[1], rng.randint(2, 5)))
        quote = ""
        if kind is PieceKind.INTERVIEW:
            quote = f"I wanted the {rng.choice(NOUNS)} to feel {rng.choice(ADJECTIVES)}"
            for draft in drafts:
                draft[1].insert(1, f"“{quote},” @D says.")
        stars = rng.choices((1, 2, 3, 4, 5), (1, 3, 6, 7, 3))[0]
        house = house_style.suggested_headline(
            kind,
            festival_name=festival["name"],
            edition=festival["edition"],
            film_title=title,
            names=names,
            pull_quote=quote,
        )
        if kind is PieceKind.FEATURE:
            house = self.render([[rng.choice(FEATURE_HEADLINES)]], plain)
        elif kind is PieceKind.NEWS:
            house = self.render([[rng.choice(NEWS_HEADLINES)]], plain)
        elif kind is PieceKind.ROUNDUP:
            house = f"{edition}: Highlights of day {rng.randint(1, FESTIVAL_DAYS)}"
        house = house.replace("@A", rng.choice(ADJECTIVES)).replace("@N", rng.choice(NOUNS))
        house = house or f"{edition}: {title}"
        working = house if rng.random() < 0.7 else f"{title}: {kind.label.lower()}"
        standfirst = self.render([[rng.choice(self.sentences["standfirst"])]], plain)
        rating = stars if kind is PieceKind.REVIEW else None
        later = min(5, max(1, stars + rng.choice((-1, 0, 0, 1)))) if rating else None
        return [
            _Text(working, "", self.render(drafts[0], facts), rating),
            _Text(house, standfirst, self.render(drafts[1], facts), later),
            _Text(house, standfirst, self.render(drafts[2], facts), later),
            _Text(quote, "", "", None),
        ]

    def add_comments(self, stories: list[_Story], quota: int) -> None:
        """Notes on pieces with copy (at a moment of their life), up to the festival's quota,
        counting the notes that returned drafts already carry."""
        rng = self.rng
        quota -= sum(len(story.comments) for story in stories)
        candidates = [story for story in stories if story.revisions] or stories
        for _ in range(max(0, quota)):
            story = rng.choice(candidates)
            first = (story.revisions or story.transitions)[0]
            writer = story.revisions[0]["author_id"] if story.revisions else None
            authors = self.desk if writer is None else [*self.desk, writer]
            story.comments.append(
                {
                    "piece_id": story.piece_id,
                    "author_id": rng.choice(authors),
                    "body": rng.choice(COMMENTS),
                    "created_at": first["created_at"]
                    + (story.at - first["created_at"]) * rng.random(),
                }
            )
        for story in stories:
            story.comments.sort(key=lambda comment: comment["created_at"])

    def tokens(self, session: Session, festival_id: int) -> None:
        """The festival feed (an editor's) of the busiest festival, the personal feed of the
        writer with most pieces there, and the editor's API token; secrets from `_secret`."""
        editor = self.editors[0]
        writer = min(self.flagship_writers, key=lambda w: (-self.flagship_writers[w], w))
        feeds = [
            (editor, FeedKind.FESTIVAL, festival_id, _secret("cal", "festival-feed")),
            (writer, FeedKind.PERSONAL, None, _secret("cal", "personal-feed")),
        ]
        _insert(
            session,
            FeedToken,
            [
                {
                    "id": self.next_id("feed_tokens"),
                    "user_id": user,
                    "kind": kind,
                    "festival_id": festival,
                    "token_hash": hash_token(secret),
                    "created_at": TOKENS_CREATED,
                    "revoked_at": None,
                }
                for user, kind, festival, secret in feeds
            ],
        )
        secret = _secret("fcapi", "api-token")
        _insert(
            session,
            ApiToken,
            [
                {
                    "id": self.next_id("api_tokens"),
                    "user_id": editor,
                    "label": "Benchmark",
                    "token_hash": hash_token(secret),
                    "hint": secret[:10],
                    "created_at": TOKENS_CREATED,
                    "last_used_at": None,
                    "revoked_at": None,
                }
            ],
        )


def _insert(session: Session, target: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk INSERT in chunks (executemany): no per-object ORM work for the big tables."""
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(target), rows[start : start + CHUNK])


# --- Command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.data",
        description="Build (or reuse) the desk-scale bench database: SQLite under bench/.data, "
        "or the PostgreSQL database in DATABASE_URL.",
    )
    parser.add_argument("--rebuild", action="store_true", help="build even if it is current")
    arguments = parser.parse_args(argv)
    data = ensure_database(os.environ.get("DATABASE_URL") or None, rebuild=arguments.rebuild)
    print(data.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
