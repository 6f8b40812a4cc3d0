"""The benchmark's measuring and reporting (bench.measure, bench.report, bench.load's parsing)
on a tiny desk: every endpoint of issue 14 answers as it should, the report names every target,
and writing RESULTS.md keeps the earlier runs. No load run here (no wrk, no gunicorn).

On a SQLite file of its own; on PostgreSQL too when DATABASE_URL names one (in a database of
its own beside it, created and dropped here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from bench import measure, report
from bench.data import BenchData, Sizes, bench_config, ensure_database
from bench.load import LoadResult, LoadRun, parse_wrk
from coverage import create_app
from coverage.calendars.views import feed_body_store
from coverage.config import normalise_database_url
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.programme import importer

TINY = Sizes(
    festivals=2,
    venues=3,
    films=20,
    screenings=40,
    writers=4,
    editors=2,
    pieces=30,
    published=6,
    comments=10,
)
EVERY_ENDPOINT = [
    "login",
    "day",
    "day_built",
    "film",
    "board",
    "board_built",
    "my_work_editor",
    "my_work_writer",
    "piece",
    "revisions",
    "compare",
    "public_piece",
    "hub",
    "atom_festival",
    "atom_all",
    "sitemap",
    "hub_built",
    "atom_festival_built",
    "sitemap_built",
    "feed_uncached",
    "feed_304",
    "feed_repeat",
    "personal_feed",
    "api_pieces",
    "import_preview",
]
FEW = measure.Plan(samples=2, warmups=1, warmup_seconds=0.0, cap_seconds=60.0, min_samples=1)


def _postgres_url() -> str | None:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return None
    url = make_url(normalise_database_url(base))
    name = f"{url.database}_bench_smoke_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(request, tmp_path_factory) -> Iterator[tuple[BenchData, Flask]]:
    """A tiny bench desk and the app the benchmark measures it with."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'desk.sqlite'}"
        server = None
    else:
        url = _postgres_url()
        if url is None:
            pytest.skip("DATABASE_URL names no PostgreSQL database")
        server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = make_url(url).database
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        data = ensure_database(url, sizes=TINY, log=lambda _line: None)
        app = create_app(bench_config(data.url))
        yield data, app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if server is not None:
            with server.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )
            server.dispose()


BETWEEN_CALLS: list[int] = []


@pytest.fixture(scope="module")
def measured(desk) -> measure.MeasureRun:
    data, app = desk
    BETWEEN_CALLS.clear()
    return measure.run(
        app, data, FEW, log=lambda _line: None, between=lambda: BETWEEN_CALLS.append(1)
    )


def test_every_endpoint_of_the_issue_answers_as_expected(desk, measured):
    data, _ = desk
    by_key = {m.key: m for m in measured.measurements}

    assert list(by_key) == EVERY_ENDPOINT
    assert measured.warnings == []
    for m in measured.measurements:
        # Two timed requests and the counted one, every one answered as expected.
        assert m.n == 2 and sum(m.statuses.values()) == 3, m.key
        assert m.ok, (m.key, m.statuses)
        assert m.median_ms > 0 and m.p95_ms >= m.median_ms, m.key
    assert by_key["feed_304"].statuses == {304: 3} and by_key["feed_304"].size == 0
    assert by_key["login"].queries == 0
    assert by_key["my_work_editor"].queries > 0 and by_key["sitemap"].size > 0
    # Stored pages (and desk parts) are timed as stored and as built after a change; a stored
    # public page is one query.
    for page in ("day", "board", "hub", "atom_festival", "sitemap"):
        stored, built = by_key[page], by_key[f"{page}_built"]
        assert stored.queries < built.queries, page
        assert stored.size == built.size > 0, page
    assert by_key["hub"].queries == by_key["sitemap"].queries == 1
    # A full build of every event, whether rebuilt or served again without validators.
    assert by_key["feed_uncached"].size == by_key["feed_repeat"].size > 0
    assert by_key["import_preview"].statuses == {200: 3}
    # The server's work between requests ran after every request, and only the timed ones'
    # durations are kept (one warm and two timed requests an endpoint).
    assert len(BETWEEN_CALLS) == 3 * len(EVERY_ENDPOINT)
    assert len(measured.between_ms) == 2 * len(EVERY_ENDPOINT)
    assert by_key["import_preview"].label == f"CSV import dry run ({TINY.screenings} rows)"
    assert by_key["day"].label == (f"festival day view ({data.busiest_day_screenings} screenings)")


def test_the_csv_is_the_festivals_own_programme(desk):
    data, app = desk
    csv_file = measure.programme_csv(app, data.festival_slug)

    assert csv_file.count(b"\n") == TINY.screenings + 1
    with app.app_context():
        festival = db.session.scalars(
            select(Festival).where(Festival.slug == data.festival_slug)
        ).one()
        preview = importer.preview_import(festival, csv_file)
        db.session.remove()
    assert preview.can_apply
    assert preview.plan is not None and preview.plan.screenings_unchanged == TINY.screenings
    assert not preview.plan.screenings_to_create and not preview.plan.films_to_create


def test_invalidating_the_feed_cache_makes_the_next_request_a_full_build(desk):
    data, app = desk
    client = app.test_client()
    assert client.get(data.festival_feed_path).status_code == 200

    def rows() -> dict[str, int]:
        """Rows of the feed tables this schema has (the stored bodies' came with 0010)."""
        with app.app_context():
            present = set(inspect(db.engine).get_table_names())
            counts = {
                table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in measure.FEED_CACHE_TABLES
                if table in present
            }
            db.session.remove()
        return counts

    assert rows()["calendar_feed_states"] >= 1
    measure.invalidate_feed_cache(app)

    assert set(rows().values()) == {0}
    with app.app_context():  # nor a copy in this app server's memory
        assert len(feed_body_store()) == 0
    assert client.get(data.festival_feed_path).status_code == 200
    assert rows()["calendar_feed_states"] >= 1


def _load(login_rps: float, others: float, board_errors: int = 0) -> LoadRun:
    def result(key: str, rps: float) -> LoadResult:
        errors = board_errors if key == "board" else 0
        return LoadResult(key, key, rps, 5.0, 9.0, int(rps * 20), errors, 0, 20.0)

    keys = ["day", "board", "public_piece", "feed_repeat"]
    return LoadRun(
        results=[result("login", login_rps), *(result(key, others) for key in keys)],
        peak_memory_mib=150.0,
        duration=20.0,
    )


def test_the_report_names_every_target_and_figure(desk, measured):
    data, _ = desk
    load = _load(400.0, 40.0)
    checks = report.checks(measured, load, data.festival_screenings)
    section = report.render(
        report.Report(
            machine=report.Machine(
                datetime(2026, 12, 1, 9, 30, tzinfo=UTC), 2, "Test CPU", "3.11.7", "SQLite 3", "abc"
            ),
            data="tiny",
            measured=measured,
            load=load,
            checks=checks,
            seconds=75.0,
        )
    )

    assert section.startswith("## 2026-12-01 09:30 UTC: SQLite 3, 2 cores\n")
    for target in (
        "every page and feed in at most 15 queries a request",
        "desk pages: p95 ≤ 150 ms",
        "public pages: p95 ≤ 30 ms",
        "public pages built after a change (stricter reading): p95 ≤ 30 ms",
        f"festival feed ({data.festival_screenings} events) uncached: median ≤ 150 ms",
        "festival feed, its 304 (If-None-Match): median ≤ 2× the login page's",
        "festival feed, a repeat request without validators: median ≤ 3× the login page's",
        "throughput of the festival day view ≥ 25% of the login page's",
        "throughput of the coverage board ≥ 25% of the login page's",
        "throughput of the public piece page ≥ 25% of the login page's",
        "feeds grow linearly: festival feed uncached ≤ 0.30 ms per screening",
    ):
        assert target in section
    assert len(checks) == 11
    assert all(c.result in (report.MET, report.NOT_MET) for c in checks)
    # 40 of 400 requests a second: a tenth of the login page's, a quarter asked for.
    throughput = [c for c in checks if c.target.startswith("throughput")]
    assert {c.value for c in throughput} == {"40.0 req/s = 10.0% of login's 400.0"}
    assert {c.result for c in throughput} == {report.NOT_MET}
    for m in measured.measurements:
        assert m.label in section
    assert "Peak memory of a worker (VmHWM, the largest of the 2): 150 MiB" in section
    assert "the hook between requests took (not in the figures above): median" in section


def test_throughput_of_error_pages_is_not_a_measurement(desk, measured):
    data, _ = desk
    load = _load(400.0, 200.0, board_errors=4_000)

    checks = {c.target: c for c in report.checks(measured, load, data.festival_screenings)}

    board = checks["throughput of the coverage board ≥ 25% of the login page's"]
    assert board.result == report.NOT_MEASURED
    assert board.value.endswith("; 4,000 answers were not 2xx/3xx")
    day = checks["throughput of the festival day view ≥ 25% of the login page's"]
    assert (day.result, day.value) == (report.MET, "200.0 req/s = 50.0% of login's 400.0")


def test_a_run_without_load_says_the_throughput_was_not_measured(desk, measured):
    data, _ = desk
    checks = report.checks(measured, None, data.festival_screenings)
    skipped = LoadRun(skipped="wrk is not installed")

    section = report.render(
        report.Report(
            machine=report.machine("SQLite 3", Path.cwd()),
            data="tiny",
            measured=measured,
            load=skipped,
            checks=checks,
            seconds=1.0,
        )
    )

    assert [c.result for c in checks if c.target.startswith("throughput")] == [
        report.NOT_MEASURED
    ] * 3
    assert "Not run: wrk is not installed." in section


def test_writing_results_puts_the_new_run_on_top_and_keeps_the_earlier_ones(tmp_path):
    path = tmp_path / "RESULTS.md"

    report.write_results(path, "## 2026-11-01 10:00 UTC: SQLite 3, 2 cores\n\nfirst run\n")
    first = path.read_text()
    assert first.startswith(report.TITLE + "\n\n## 2026-11-01")

    path.write_text(first.replace(report.TITLE, "# Results\n\nHow to read them, in our words."))
    report.write_results(path, "## 2026-11-02 10:00 UTC: SQLite 3, 2 cores\n\nsecond run\n")
    report.write_results(path, "## 2026-11-03 10:00 UTC: SQLite 3, 2 cores\n\nthird run\n")

    text = path.read_text()
    assert text.startswith("# Results\n\nHow to read them, in our words.\n\n## 2026-11-03")
    assert report.TITLE not in text
    positions = [text.index(f"{which} run") for which in ("third", "second", "first")]
    assert positions == sorted(positions)


WRK_OUTPUT = """Running 20s test @ http://127.0.0.1:40000/festivals/x/coverage
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.50s   200.00ms   2.10s    70.00%
    Req/Sec     3.00      1.00     5.00     80.00%
  Latency Distribution
     50%    1.45s
     75%    1.60s
     90%    1.80s
     99%    2.05s
  106 requests in 20.04s, 48.90MB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:      5.29
Transfer/sec:      2.44MB
"""


def test_wrk_figures_are_read_with_errors_and_non_2xx_counted():
    result = parse_wrk(WRK_OUTPUT, "board", "coverage board")

    assert (result.rps, result.requests, result.non_2xx_3xx, result.socket_errors) == (
        5.29,
        106,
        3,
        2,
    )
    assert (result.latency_p50_ms, result.latency_p99_ms) == (1450.0, 2050.0)
    assert result.seconds == pytest.approx(20.04)
    with pytest.raises(ValueError):
        parse_wrk("unable to connect to 127.0.0.1:40000 Connection refused", "x", "x")


def test_a_busy_machine_is_called_out():
    warning = report.busy_warning("7.51 7.19 6.36", cores=2)

    assert warning is not None and "load average 7.51 on 2 cores" in warning
    assert report.busy_warning("0.40 0.35 0.30", cores=2) is None
    assert report.busy_warning("", cores=2) is None
