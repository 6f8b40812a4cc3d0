"""`python -m bench` (`make bench`): the desk-scale benchmark of issue 14, in one run.

Builds or reuses the bench database (SQLite under bench/.data, or the PostgreSQL database in
DATABASE_URL), times every endpoint in-process (`bench.measure`), loads a few of them over HTTP
with gunicorn and wrk (`bench.load`), then prints the report and puts it on top of
bench/RESULTS.md (`bench.report`). The app's own log lines go to bench/.data/app.log and
gunicorn's to bench/.data/gunicorn.log, not to the terminal.

Exits 1 when an endpoint answered with a status it should not have; a missed target is a
figure, not a failure.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import text

from bench import load, measure, report
from bench.data import DATA_DIR, BenchData, bench_config, ensure_database
from coverage import PROJECT_ROOT, create_app
from coverage.extensions import db

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
KEYS = (
    "day",
    "film",
    "board",
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
    "feed_uncached",
    "feed_304",
    "feed_repeat",
    "personal_feed",
    "api_pieces",
    "import_preview",
)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The desk-scale benchmark (issue 14): in-process timings, an HTTP load run, "
        "and the targets met or not. SQLite under bench/.data unless DATABASE_URL is set.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 5 requests per endpoint, 3 s of load each; writes no results",
    )
    parser.add_argument("--no-load", action="store_true", help="skip the HTTP load run")
    parser.add_argument(
        "--only",
        metavar="KEYS",
        help="comma-separated endpoints to measure (the login page always is): " + ", ".join(KEYS),
    )
    parser.add_argument(
        "--results",
        type=Path,
        help=f"where to write the results (default: {RESULTS.relative_to(PROJECT_ROOT)} "
        "for a full run; quick and --only runs write none unless given)",
    )
    parser.add_argument("--no-results", action="store_true", help="write no results file")
    parser.add_argument("--rebuild", action="store_true", help="build the data even if current")
    arguments = parser.parse_args(argv)
    if arguments.only:
        chosen = {key.strip() for key in arguments.only.split(",") if key.strip()}
        unknown = chosen - set(KEYS) - {"login"}
        if unknown:
            known = ", ".join(KEYS)
            parser.error(f"unknown endpoint(s) {', '.join(sorted(unknown))}; known: {known}")
        arguments.only = chosen
    return arguments


def quiet_app_log(path: Path) -> None:
    """The app logs every request on stderr; send those lines to `path` instead (still written,
    and so still paid for, as a server would)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = path.open("a", encoding="utf-8")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (
            sys.stderr,
            sys.__stderr__,
        ):
            handler.setStream(stream)


def server_gc() -> str:
    """Set this process's garbage collector as the app's gunicorn workers set theirs (its
    `post_worker_init` hook, when the app's gunicorn settings have one), so the in-process
    figures are the server's; returns what was done, for the report."""
    if importlib.util.find_spec(load.CONFIG_MODULE) is None:
        return "Python's default settings (the app has no gunicorn settings module)"
    hook = getattr(importlib.import_module(load.CONFIG_MODULE), "post_worker_init", None)
    if hook is None:
        return f"Python's default settings ({load.CONFIG_MODULE} leaves them)"
    hook(None)
    return (
        f"as in the gunicorn workers ({load.CONFIG_MODULE}.post_worker_init): thresholds "
        f"{gc.get_threshold()}, {gc.get_freeze_count():,} objects frozen"
    )


def server_between_requests() -> tuple[Callable[[], object] | None, str]:
    """What the app's gunicorn workers do once a response is written (their `post_request`
    hook, called as gunicorn calls it), to run after every in-process request, untimed; and
    what that is, for the report."""
    if importlib.util.find_spec(load.CONFIG_MODULE) is None:
        return None, ""
    hook = getattr(importlib.import_module(load.CONFIG_MODULE), "post_request", None)
    if hook is None:
        return None, ""
    return (
        lambda: hook(None, None, None, None),
        f"{load.CONFIG_MODULE}.post_request runs after each request, untimed, as the workers "
        "run it once the response is written",
    )


def database_name(url: str) -> str:
    """ "SQLite 3.40.1" or "PostgreSQL 15.10", read from the database itself."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                return f"SQLite {connection.scalar(text('select sqlite_version()'))}"
            if engine.dialect.name == "postgresql":
                version = connection.scalar(text("show server_version"))
                return f"PostgreSQL {str(version).split()[0]}"
            return engine.dialect.name
    finally:
        engine.dispose()


def data_line(data: BenchData) -> str:
    c = data.counts
    how = "reused" if data.reused else f"built in {data.build_seconds:.0f} s"
    return (
        f"bench data v{data.data_version} ({how}): {c.festivals} festivals, {c.films:,} films, "
        f"{c.screenings:,} screenings, {c.users} people, {c.pieces:,} pieces "
        f"({c.published:,} published), {c.revisions:,} revisions, {c.comments:,} comments; "
        f"measured on {data.festival_slug}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse(argv)
    started = time.perf_counter()
    load_at_start = report.load_average()
    only: set[str] | None = arguments.only or None
    print("== bench data")
    data = ensure_database(os.environ.get("DATABASE_URL") or None, rebuild=arguments.rebuild)
    print(data.summary())
    database = database_name(data.url)

    app = create_app(bench_config(data.url))
    quiet_app_log(DATA_DIR / "app.log")
    plan = measure.Plan.quick() if arguments.quick else measure.Plan()
    print(f"== in-process, through the WSGI app ({plan.samples} requests each)")
    collector = server_gc()
    between, between_note = server_between_requests()
    if between_note:
        collector += f"; {between_note}"
    print(f"  garbage collection: {collector}")
    measured = measure.run(app, data, plan, only=only, between=between)
    measured.gc = collector
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    load_run = None
    if not arguments.no_load:
        duration = 3.0 if arguments.quick else 20.0
        print(f"== over HTTP: gunicorn and wrk, {duration:.0f} s per endpoint")
        load_run = load.run(data, duration=duration, log_dir=DATA_DIR, only=only)
        if load_run.skipped:
            print(f"  THE LOAD PART DID NOT RUN: {load_run.skipped}")

    kinds = []
    if arguments.quick:
        kinds.append("quick")
    if only:
        kinds.append(f"only {', '.join(sorted(only))}")
    if arguments.no_load:
        kinds.append("in-process only")
    busy = report.busy_warning(load_at_start, os.cpu_count() or 1)
    # The load run's own notes are shown with its table.
    warnings = [*([busy] if busy else []), *measured.warnings]
    result = report.Report(
        machine=report.machine(database, PROJECT_ROOT, load_at_start=load_at_start),
        data=data_line(data),
        measured=measured,
        load=load_run,
        checks=report.checks(measured, load_run, data.festival_screenings),
        seconds=time.perf_counter() - started,
        kind="; ".join(kinds),
        warnings=warnings,
    )
    section = report.render(result)
    print()
    print(section)
    target = arguments.results
    if target is None and not (arguments.quick or only):
        target = RESULTS
    if target is not None and not arguments.no_results:
        report.write_results(target, section)
        print(f"written to {target}")
    return 0 if all(m.ok for m in measured.measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
