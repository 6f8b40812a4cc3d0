"""In-process measurements over the bench database, through the WSGI app (issue 14).

Every endpoint is requested with Flask's test client (or, for the CSV import, the importer is
called) as the server would run it: garbage collection on, the app's request log on. Each is
warmed first (a few untimed requests), then timed: median and p95 in milliseconds over
`Plan.samples` requests, the SQL statements of one request (a `before_cursor_execute` listener
on the app's engine, on an untimed request) and the response's size in bytes.

A page slow enough to break the run's time budget (see `Plan`) is timed fewer times, never
fewer than `Plan.min_samples`; its `Measurement.capped` says so and the report shows `n`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, inspect, select, text

from bench.data import BenchData
from bench.report import API, DESK, FEED, IMPORT, PUBLIC, PUBLIC_BUILT, REFERENCE
from coverage.calendars.views import feed_body_store
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.fragments import fragment_store
from coverage.programme import importer
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.public.views import page_store

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Tables where a calendar feed's state and stored bytes live; those that exist are emptied by
# `invalidate_feed_cache` (the bytes' table arrived with migration 0010).
FEED_CACHE_TABLES = ("calendar_feed_states", "calendar_feed_bodies")
# A warm request slower than this is worth a warning: 30 of them take minutes.
SLOW_WARNING_SECONDS = 2.0


@dataclass(frozen=True)
class Plan:
    """How many requests: `samples` timed per endpoint (the issue asks for at least 30), after up
    to `warmups` untimed ones (stopping after `warmup_seconds`, at least one).

    So that a page taking seconds cannot stretch the run past its 15 minutes: an endpoint still
    short of `samples` after `cap_seconds` of timing stops once it has `min_samples`; and when
    the warm requests say the timing would take more than `budget_seconds` in all, that cap is
    lowered (the same for every endpoint) until the estimate fits, `min_samples` still kept."""

    samples: int = 30
    warmups: int = 3
    warmup_seconds: float = 5.0
    cap_seconds: float = 60.0
    min_samples: int = 10
    budget_seconds: float = 420.0

    @classmethod
    def quick(cls) -> Plan:
        """A smoke run: a couple of minutes at full size, figures good to a factor of two."""
        return cls(
            samples=5,
            warmups=1,
            warmup_seconds=2.0,
            cap_seconds=10.0,
            min_samples=3,
            budget_seconds=90.0,
        )

    def estimate_seconds(self, warm_seconds: float, cap_seconds: float | None = None) -> float:
        """Timing one endpoint whose warm request took `warm_seconds`, stopped at `cap_seconds`
        (default: `self.cap_seconds`) once it has `min_samples`."""
        cap = self.cap_seconds if cap_seconds is None else cap_seconds
        full = self.samples * warm_seconds
        if full <= cap:
            return full
        return max(cap, min(self.samples, self.min_samples) * warm_seconds)

    def fitted_cap(self, warm_seconds: list[float]) -> float:
        """The per-endpoint cap (at most `cap_seconds`) whose estimate fits `budget_seconds`;
        0 when even `min_samples` of each overrun it (then each gets `min_samples`)."""

        def total(cap: float) -> float:
            return sum(self.estimate_seconds(w, cap) for w in warm_seconds)

        if total(self.cap_seconds) <= self.budget_seconds:
            return self.cap_seconds
        low, high = 0.0, self.cap_seconds
        for _ in range(40):
            middle = (low + high) / 2
            low, high = (middle, high) if total(middle) <= self.budget_seconds else (low, middle)
        return low


@dataclass(frozen=True)
class Outcome:
    """One answer: HTTP status (the CSV import: 200 when the preview can be applied, 422 when
    the file has errors) and body size in bytes (the import: the CSV file's size)."""

    status: int
    size: int


@dataclass
class Endpoint:
    """One thing to time. `call` makes one request; `prepare` runs untimed before each one
    (a fresh client, an emptied feed cache); `setup` runs once, untimed, before the timing
    starts (what earlier measurements may have undone)."""

    key: str
    label: str
    group: str
    call: Callable[[], Outcome]
    expect: tuple[int, ...] = (200,)
    prepare: Callable[[], None] | None = None
    setup: Callable[[], None] | None = None
    note: str = ""

    def once(self) -> Outcome:
        if self.prepare is not None:
            self.prepare()
        return self.call()


@dataclass
class Measurement:
    """An endpoint's figures: times in ms over `n` timed requests, `queries` and `size` (bytes)
    of one (the last untimed) request, every status seen (`statuses`: status -> count, the
    untimed requests' too)."""

    key: str
    label: str
    group: str
    n: int
    median_ms: float
    p95_ms: float
    queries: int
    size: int
    statuses: dict[int, int]
    expect: tuple[int, ...]
    warm_ms: float
    capped: bool = False
    note: str = ""

    @property
    def ok(self) -> bool:
        """Every answer had an expected status."""
        return set(self.statuses) <= set(self.expect)


@dataclass
class MeasureRun:
    """Every measurement, in the order measured, and what the run noticed (`warnings`)."""

    measurements: list[Measurement]
    plan: Plan
    seconds: float
    warnings: list[str] = field(default_factory=list)
    # Seconds of timing after which an endpoint stopped (once it had plan.min_samples).
    cap_seconds: float = 0.0
    # How the garbage collector was set while measuring (bench.__main__.server_gc).
    gc: str = ""
    # Milliseconds the server's between-requests hook took after each timed request (untimed
    # in the figures, as the workers run it once the response is written).
    between_ms: list[float] = field(default_factory=list)

    def get(self, key: str) -> Measurement | None:
        return next((m for m in self.measurements if m.key == key), None)


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank (for 30 samples, the 29th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# --- The app's state the measurements touch -------------------------------------------------


def invalidate_feed_cache(app: Flask) -> None:
    """Forget every calendar feed's stored state (ETag, Last-Modified) and stored bytes, so that
    the next request without validators is a full build, as the first request after a change.

    Deletes the rows of those `FEED_CACHE_TABLES` that exist in the app's database, and
    commits; empties this app's copies of feed bodies (`calendars.views.feed_body_store`)."""
    with app.app_context():
        feed_body_store().clear()
        if "bench.feed_cache_tables" not in app.extensions:
            app.extensions["bench.feed_cache_tables"] = _existing(FEED_CACHE_TABLES)
        for table in app.extensions["bench.feed_cache_tables"]:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()


def _existing(tables: tuple[str, ...]) -> tuple[str, ...]:
    present = set(inspect(db.engine).get_table_names())
    return tuple(table for table in tables if table in present)


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent on the app's engine inside the block (an executemany is one)."""
    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def log_in(client: FlaskClient, email: str, password: str) -> None:
    """Log `client` in through the form, with the page's CSRF token, as a browser does.
    Raises RuntimeError when the app does not answer with the redirect a log-in gives."""
    page = client.get("/login")
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"GET /login answered {page.status_code} without a CSRF token")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1)}
    )
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {email} answered {response.status_code}, not 302")


def programme_csv(app: Flask, slug: str) -> bytes:
    """The festival's own programme as a CSV file, one row per screening (1,600 at full size),
    in the columns festivals publish: title, local date and time, venue, kind, runtime,
    director, section. Importing it again plans every screening as unchanged."""
    kinds = {
        ScreeningKind.PRESS: "Press",
        ScreeningKind.PRESS_INDUSTRY: "Press & industry",
        ScreeningKind.PUBLIC: "Public",
        ScreeningKind.GALA: "Gala",
    }
    with app.app_context():
        festival = db.session.scalars(select(Festival).where(Festival.slug == slug)).one()
        zone = ZoneInfo(festival.timezone)
        rows = db.session.execute(
            select(Screening.starts_at, Screening.kind, Film, Venue.name)
            .join(Film, Screening.film_id == Film.id)
            .join(Venue, Screening.venue_id == Venue.id)
            .where(Screening.festival_id == festival.id)
            .order_by(Screening.starts_at, Screening.id)
        ).all()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Film", "Date", "Time", "Venue", "Type", "Runtime", "Director", "Section"])
        for starts_at, kind, film, venue in rows:
            local = starts_at.astimezone(zone)
            writer.writerow(
                [
                    film.title,
                    local.date().isoformat(),
                    local.strftime("%H:%M"),
                    venue,
                    kinds[kind],
                    film.runtime_minutes or "",
                    film.directors,
                    film.section,
                ]
            )
        db.session.remove()
    return out.getvalue().encode()


# --- What is measured -----------------------------------------------------------------------


def endpoints(app: Flask, data: BenchData) -> list[Endpoint]:
    """The issue's list, in the order measured. Logs the editor and the writer in."""
    editor = app.test_client()
    log_in(editor, data.editor_email, data.password)
    writer = app.test_client()
    log_in(writer, data.writer_email, data.password)
    reader = app.test_client()  # anonymous: what readers, feed readers and the API get

    def get(client: FlaskClient, path: str, **headers: str) -> Callable[[], Outcome]:
        def call() -> Outcome:
            response = client.get(path, headers=headers)
            return Outcome(response.status_code, len(response.data))

        return call

    fresh: dict[str, FlaskClient] = {}

    def new_visitor() -> None:
        fresh["client"] = app.test_client()

    def login_page() -> Outcome:
        response = fresh["client"].get("/login")
        return Outcome(response.status_code, len(response.data))

    feed = data.festival_feed_path
    etag: dict[str, str] = {}

    def full_feed() -> None:
        # A full answer, which leaves the feed's state and stored bytes as a server keeps them.
        response = reader.get(feed)
        etag["value"] = response.headers.get("ETag", "")

    def feed_304() -> Outcome:
        response = reader.get(feed, headers={"If-None-Match": etag["value"]})
        return Outcome(response.status_code, len(response.data))

    def invalidate() -> None:
        invalidate_feed_cache(app)

    def stored(path: str, client: FlaskClient = reader) -> Callable[[], None]:
        # One request first, so that every counted and timed one finds the page stored.
        return lambda: client.get(path).close()

    def forget_pages() -> None:
        with app.app_context():
            page_store().clear()

    def forget_fragments() -> None:
        with app.app_context():
            fragment_store().clear()

    built = "stored pages or parts forgotten before each request: the first request after a change"

    csv_file = programme_csv(app, data.festival_slug)
    rows = csv_file.count(b"\n") - 1

    def import_preview() -> Outcome:
        with app.app_context():
            festival = db.session.scalars(
                select(Festival).where(Festival.slug == data.festival_slug)
            ).one()
            preview = importer.preview_import(festival, csv_file)
            db.session.rollback()
            db.session.remove()
        return Outcome(200 if preview.can_apply else 422, len(csv_file))

    api = "/api/v1/pieces?limit=100"
    bearer = {"Authorization": f"Bearer {data.api_token}"}
    events = data.festival_screenings
    return [
        Endpoint("login", "login page (reference)", REFERENCE, login_page, prepare=new_visitor),
        Endpoint(
            "day",
            f"festival day view ({data.busiest_day_screenings} screenings)",
            DESK,
            get(editor, data.day_path),
            setup=stored(data.day_path, editor),
        ),
        Endpoint(
            "day_built",
            "festival day view, built",
            DESK,
            get(editor, data.day_path),
            prepare=forget_fragments,
            note=built,
        ),
        Endpoint("film", "film page", DESK, get(editor, data.film_path)),
        Endpoint(
            "board",
            "coverage board",
            DESK,
            get(editor, data.board_path),
            setup=stored(data.board_path, editor),
        ),
        Endpoint(
            "board_built",
            "coverage board, built",
            DESK,
            get(editor, data.board_path),
            prepare=forget_fragments,
            note=built,
        ),
        Endpoint("my_work_editor", "My work, an editor", DESK, get(editor, "/my-work")),
        Endpoint("my_work_writer", "My work, a writer", DESK, get(writer, "/my-work")),
        Endpoint("piece", "piece page", DESK, get(editor, data.piece_path)),
        Endpoint("revisions", "piece revisions", DESK, get(editor, data.revisions_path)),
        Endpoint("compare", "revision compare", DESK, get(editor, data.compare_path)),
        Endpoint(
            "public_piece",
            "public piece page",
            PUBLIC,
            get(reader, data.published_path),
            setup=stored(data.published_path),
        ),
        Endpoint(
            "hub",
            "public festival hub",
            PUBLIC,
            get(reader, data.hub_path),
            setup=stored(data.hub_path),
        ),
        Endpoint(
            "atom_festival",
            "Atom feed, the festival",
            PUBLIC,
            get(reader, f"{data.hub_path}feed.atom"),
            setup=stored(f"{data.hub_path}feed.atom"),
        ),
        Endpoint(
            "atom_all",
            "Atom feed, all festivals",
            PUBLIC,
            get(reader, "/film-festivals/feed.atom"),
            setup=stored("/film-festivals/feed.atom"),
        ),
        Endpoint(
            "sitemap",
            "sitemap",
            PUBLIC,
            get(reader, "/sitemap.xml"),
            setup=stored("/sitemap.xml"),
        ),
        Endpoint(
            "hub_built",
            "public festival hub, built",
            PUBLIC_BUILT,
            get(reader, data.hub_path),
            prepare=forget_pages,
            note=built,
        ),
        Endpoint(
            "atom_festival_built",
            "Atom feed, the festival, built",
            PUBLIC_BUILT,
            get(reader, f"{data.hub_path}feed.atom"),
            prepare=forget_pages,
            note=built,
        ),
        Endpoint(
            "sitemap_built",
            "sitemap, built",
            PUBLIC_BUILT,
            get(reader, "/sitemap.xml"),
            prepare=forget_pages,
            note=built,
        ),
        Endpoint(
            "feed_uncached",
            f"festival feed, uncached ({events:,} events)",
            FEED,
            get(reader, feed),
            prepare=invalidate,
            note="feed state and stored bytes deleted before each request",
        ),
        Endpoint(
            "feed_304",
            "festival feed, 304 (If-None-Match)",
            FEED,
            feed_304,
            expect=(304,),
            setup=full_feed,
        ),
        Endpoint(
            "feed_repeat",
            "festival feed, repeat without validators",
            FEED,
            get(reader, feed),
            setup=full_feed,
            note="as Google's fetcher asks: no If-None-Match, nothing changed",
        ),
        Endpoint(
            "personal_feed",
            "personal feed, uncached",
            FEED,
            get(reader, data.personal_feed_path),
            prepare=invalidate,
        ),
        Endpoint("api_pieces", "pieces API list (limit=100)", API, get(reader, api, **bearer)),
        Endpoint(
            "import_preview",
            f"CSV import dry run ({rows:,} rows)",
            IMPORT,
            import_preview,
            note="importer.preview_import of the festival's own programme; size is the file's",
        ),
    ]


# --- Timing ---------------------------------------------------------------------------------


Log = Callable[[str], None]


@dataclass
class Warmed:
    """What the untimed requests found: the last one's `seconds` (the estimate of a warm
    request), its SQL statement count and outcome, and every status seen."""

    seconds: float
    queries: int
    outcome: Outcome
    statuses: Counter[int]


Between = Callable[[], object]


def warm(app: Flask, endpoint: Endpoint, plan: Plan, between: Between | None = None) -> Warmed:
    """`setup`, then untimed requests (up to `plan.warmups`, at least one, until
    `plan.warmup_seconds` have passed), each with its SQL statements counted and followed by
    `between` (the server's work between two requests)."""
    if endpoint.setup is not None:
        endpoint.setup()
    started = time.perf_counter()
    statuses: Counter[int] = Counter()
    for _ in range(max(1, plan.warmups)):
        if endpoint.prepare is not None:
            endpoint.prepare()
        with counting_queries(app) as statements:
            before = time.perf_counter()
            outcome = endpoint.call()
            seconds = time.perf_counter() - before
        statuses[outcome.status] += 1
        if between is not None:
            between()
        if time.perf_counter() - started >= plan.warmup_seconds:
            break
    return Warmed(seconds, len(statements), outcome, statuses)


def measure(
    endpoint: Endpoint,
    plan: Plan,
    warmed: Warmed,
    cap_seconds: float,
    between: Between | None = None,
    between_ms: list[float] | None = None,
) -> Measurement:
    """Time `endpoint`: `plan.samples` requests, or fewer (at least `plan.min_samples`) once
    `cap_seconds` have passed. Queries and size are those of the last warm request. After each
    request, `between` runs untimed, as a server runs its hook once the response is written;
    its milliseconds are added to `between_ms`."""
    if endpoint.setup is not None:
        endpoint.setup()
    samples: list[float] = []
    statuses = Counter(warmed.statuses)
    started = time.perf_counter()
    while len(samples) < plan.samples:
        if endpoint.prepare is not None:
            endpoint.prepare()
        before = time.perf_counter()
        outcome = endpoint.call()
        samples.append(time.perf_counter() - before)
        statuses[outcome.status] += 1
        if between is not None:
            before = time.perf_counter()
            between()
            if between_ms is not None:
                between_ms.append((time.perf_counter() - before) * 1000)
        if len(samples) >= plan.min_samples and time.perf_counter() - started > cap_seconds:
            break
    return Measurement(
        key=endpoint.key,
        label=endpoint.label,
        group=endpoint.group,
        n=len(samples),
        median_ms=statistics.median(samples) * 1000,
        p95_ms=p95(samples) * 1000,
        queries=warmed.queries,
        size=warmed.outcome.size,
        statuses=dict(statuses),
        expect=endpoint.expect,
        warm_ms=warmed.seconds * 1000,
        capped=len(samples) < plan.samples,
        note=endpoint.note,
    )


def run(
    app: Flask,
    data: BenchData,
    plan: Plan | None = None,
    *,
    only: set[str] | None = None,
    log: Log = print,
    between: Between | None = None,
) -> MeasureRun:
    """Warm every endpoint (`only`: those keys, the login page always), fit the timing to the
    plan's budget and log the estimate, then time each. `between` runs after every request,
    untimed (the server's hook once a response is written). Warnings: slow endpoints, a
    lowered cap, unexpected statuses."""
    plan = plan or Plan()
    started = time.perf_counter()
    chosen = [
        endpoint
        for endpoint in endpoints(app, data)
        if only is None or endpoint.key in only or endpoint.group == REFERENCE
    ]
    warnings: list[str] = []
    warmed: dict[str, Warmed] = {}
    for endpoint in chosen:
        warmed[endpoint.key] = warm(app, endpoint, plan, between)
        log(f"  warm: {endpoint.label}: {warmed[endpoint.key].seconds * 1000:,.1f} ms")
    cap = plan.fitted_cap([w.seconds for w in warmed.values()])
    for endpoint in chosen:
        seconds = warmed[endpoint.key].seconds
        if seconds > SLOW_WARNING_SECONDS:
            warnings.append(
                f"{endpoint.label} takes {seconds:.1f} s warm: {plan.samples} requests would "
                f"take {plan.samples * seconds / 60:.1f} min; timed for about "
                f"{plan.estimate_seconds(seconds, cap):.0f} s (at least {plan.min_samples} "
                "requests)"
            )
            log(f"  WARNING: {warnings[-1]}")
    if cap < plan.cap_seconds:
        warnings.append(
            f"the timing would overrun its {plan.budget_seconds / 60:.0f} min: endpoints stop "
            f"after {cap:.0f} s of timing (at least {plan.min_samples} requests), not "
            f"{plan.cap_seconds:.0f} s"
        )
        log(f"  WARNING: {warnings[-1]}")
    estimate = sum(plan.estimate_seconds(w.seconds, cap) for w in warmed.values())
    log(f"  estimate: {estimate / 60:.1f} min of timed requests")
    measurements = []
    between_ms: list[float] = []
    for endpoint in chosen:
        measurement = measure(endpoint, plan, warmed[endpoint.key], cap, between, between_ms)
        measurements.append(measurement)
        log(
            f"  {measurement.label}: median {measurement.median_ms:,.1f} ms, "
            f"p95 {measurement.p95_ms:,.1f} ms, n={measurement.n}, "
            f"{measurement.queries} queries, {measurement.size:,} bytes"
        )
        if not measurement.ok:
            warnings.append(
                f"{measurement.label} answered {measurement.statuses}, expected "
                f"{' or '.join(map(str, measurement.expect))}"
            )
            log(f"  WARNING: {warnings[-1]}")
    return MeasureRun(
        measurements,
        plan,
        time.perf_counter() - started,
        warnings,
        cap,
        between_ms=between_ms,
    )
