"""The benchmark's report: the machine, every figure, and each of issue 14's targets met or not.

Plain Python (no app, no database): `render` turns what `bench.measure` and `bench.load` found
into a Markdown section, printed on stdout and put on top of bench/RESULTS.md by
`write_results`, which keeps every earlier run below it for comparison.
"""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.load import LoadRun
    from bench.measure import Measurement, MeasureRun

# What a measurement is, for the targets (`bench.measure.Endpoint.group`).
REFERENCE, DESK, PUBLIC, FEED, API, IMPORT = "reference", "desk", "public", "feed", "api", "import"
# Public pages timed as the first request after a change builds them (a stored page is served
# to every request after it: coverage.page_store).
PUBLIC_BUILT = "public-built"

# Issue 14's targets.
MAX_QUERIES = 15
DESK_P95_MS = 150.0
PUBLIC_P95_MS = 30.0
FEED_UNCACHED_MS = 150.0
FEED_304_X_LOGIN = 2.0
FEED_REPEAT_X_LOGIN = 3.0
THROUGHPUT_OF_LOGIN = 0.25
# Today's cost per screening of the festival feed (the issue: 0.30 ms); "keep it linear".
FEED_MS_PER_SCREENING = 0.30

MET, NOT_MET, NOT_MEASURED = "met", "NOT met", "not measured"
# A load run whose answers were errors more often than this measured no throughput.
ERRORS_TOLERATED = 0.01

TITLE = """# Benchmark results

What `make bench` (`python -m bench`) measured on the desk-scale database of issue 14: 20
festivals of 1,600 screenings each, 10,000 pieces, 3,000 of them published. Each run is a
section, the newest first; earlier runs stay below for comparison. Compare runs of the same
machine and database only.

How to read a run: *In-process* times each page through the WSGI app, warm, in one process
(no network): median and p95 in milliseconds over `n` requests (at least 30; a page so slow
that 30 requests would break the run's 15 minutes is timed fewer times, at least 10, and its
`n` says so), the SQL statements one request sends, and the response's size. `× login` is the
median as a multiple of the login page's, the trivial reference. *Over HTTP* is gunicorn (2
workers) under wrk (8 connections, 20 s per endpoint): requests per second, as a fraction of
the login page's on the same server in the same run; on a 2-core machine wrk shares the cores
with the workers. *Targets* are the issue's, each marked met or NOT met with the value
measured. Where a target is missed, what limits it is written under the run."""


# --- The machine ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    """Where and when: `date` in UTC, CPU cores and model, Python, the database and its
    version, the commit (short hash, `+ changes` when the work tree differs from it), and the
    load average when the run started (other work on the machine skews every figure)."""

    date: datetime
    cores: int
    cpu: str
    python: str
    database: str
    commit: str
    load_average: str = ""


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
    except OSError:
        found = None
    return found.group(1).strip() if found else (platform.processor() or "unknown CPU")


def git_commit(root: Path) -> str:
    """The checked-out commit's short hash (read-only git commands); "unknown" outside git."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + changes" if changed else commit


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return ""
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def busy_warning(load_at_start: str, cores: int) -> str | None:
    """A warning when other work was keeping the machine's cores busy as the run started
    (1-minute load average above half the cores): then every time is inflated."""
    try:
        one = float(load_at_start.split()[0])
    except (IndexError, ValueError):
        return None
    if one <= cores / 2:
        return None
    return (
        f"the machine was busy when the run started (load average {one:.2f} on {cores} cores): "
        "other processes shared the cores, so every time here is inflated, the reference's "
        "too; compare ratios rather than milliseconds, and rerun on a quiet machine"
    )


def machine(
    database: str, root: Path, now: datetime | None = None, load_at_start: str = ""
) -> Machine:
    """This machine now; `database` is the name and version (e.g. "SQLite 3.40.1"),
    `load_at_start` the load average when the run started (`load_average()`)."""
    return Machine(
        date=(now or datetime.now(UTC)).replace(microsecond=0),
        cores=os.cpu_count() or 1,
        cpu=cpu_model(),
        python=platform.python_version(),
        database=database,
        commit=git_commit(root),
        load_average=load_at_start,
    )


# --- The targets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One target: what it asks (`target`), what was measured (`value`) and `result`: MET,
    NOT_MET or NOT_MEASURED."""

    target: str
    value: str
    result: str


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _over(rows: Sequence[Measurement], figure: str, limit: float, unit: str) -> tuple[str, bool]:
    """The worst row by `figure` and the rows over `limit`, in words; and whether all are in."""
    worst = max(rows, key=lambda m: getattr(m, figure))
    over = [m for m in rows if getattr(m, figure) > limit]

    def show(m: Measurement) -> str:
        value = getattr(m, figure)
        return f"{m.label} {_ms(value) if unit == 'ms' else f'{value:,}'}"

    if not over:
        return f"all {len(rows)} within; worst {show(worst)}", True
    listed = "; ".join(show(m) for m in sorted(over, key=lambda m: -getattr(m, figure)))
    return f"{len(over)} of {len(rows)} over: {listed}", False


def _result(ok: bool) -> str:
    return MET if ok else NOT_MET


def checks(measured: MeasureRun | None, load: LoadRun | None, screenings: int) -> list[Check]:
    """Every target of issue 14, in the issue's order, judged on what was measured (a target
    whose figures are missing, from `--only`, `--no-load` or a failed load run, or whose load
    run answered errors more than ERRORS_TOLERATED of the time, is NOT_MEASURED)."""
    rows = measured.measurements if measured else []
    by_key = {m.key: m for m in rows}
    login = by_key.get("login")
    found: list[Check] = []

    def group_check(target: str, groups: set[str], figure: str, limit: float, unit: str) -> None:
        chosen = [m for m in rows if m.group in groups]
        if not chosen:
            found.append(Check(target, "", NOT_MEASURED))
            return
        value, ok = _over(chosen, figure, limit, unit)
        found.append(Check(target, value, _result(ok)))

    group_check(
        f"every page and feed in at most {MAX_QUERIES} queries a request",
        {REFERENCE, DESK, PUBLIC, PUBLIC_BUILT, FEED},
        "queries",
        MAX_QUERIES,
        "queries",
    )
    group_check(f"desk pages: p95 ≤ {DESK_P95_MS:.0f} ms", {DESK}, "p95_ms", DESK_P95_MS, "ms")
    group_check(
        f"public pages: p95 ≤ {PUBLIC_P95_MS:.0f} ms", {PUBLIC}, "p95_ms", PUBLIC_P95_MS, "ms"
    )
    group_check(
        f"public pages built after a change (stricter reading): p95 ≤ {PUBLIC_P95_MS:.0f} ms",
        {PUBLIC_BUILT},
        "p95_ms",
        PUBLIC_P95_MS,
        "ms",
    )
    uncached = by_key.get("feed_uncached")
    target = f"festival feed ({screenings:,} events) uncached: median ≤ {FEED_UNCACHED_MS:.0f} ms"
    if uncached is None:
        found.append(Check(target, "", NOT_MEASURED))
    else:
        found.append(
            Check(
                target,
                f"{_ms(uncached.median_ms)} (p95 {_ms(uncached.p95_ms)})",
                _result(uncached.median_ms <= FEED_UNCACHED_MS),
            )
        )
    for key, limit, what in (
        ("feed_304", FEED_304_X_LOGIN, "its 304 (If-None-Match)"),
        ("feed_repeat", FEED_REPEAT_X_LOGIN, "a repeat request without validators"),
    ):
        row = by_key.get(key)
        target = f"festival feed, {what}: median ≤ {limit:g}× the login page's"
        if row is None or login is None or not login.median_ms:
            found.append(Check(target, "", NOT_MEASURED))
            continue
        times = row.median_ms / login.median_ms
        value = f"{_ms(row.median_ms)} = {times:.1f}× login ({_ms(login.median_ms)})"
        found.append(Check(target, value, _result(times <= limit)))
    for key, label in (
        ("day", "festival day view"),
        ("board", "coverage board"),
        ("public_piece", "public piece page"),
    ):
        target = f"throughput of the {label} ≥ {THROUGHPUT_OF_LOGIN:.0%} of the login page's"
        ratio = load.ratio(key) if load is not None else None
        result = load.get(key) if load is not None else None
        reference = load.get("login") if load is not None else None
        if ratio is None or result is None or reference is None:
            found.append(Check(target, "", NOT_MEASURED))
            continue
        value = f"{result.rps:,.1f} req/s = {ratio:.1%} of login's {reference.rps:,.1f}"
        failed = result.non_2xx_3xx + reference.non_2xx_3xx
        if failed > ERRORS_TOLERATED * (result.requests + reference.requests):
            # Requests per second of error pages say nothing about the page's throughput.
            value += f"; {failed:,} answers were not 2xx/3xx"
            found.append(Check(target, value, NOT_MEASURED))
            continue
        found.append(Check(target, value, _result(ratio >= THROUGHPUT_OF_LOGIN)))
    target = (
        f"feeds grow linearly: festival feed uncached ≤ {FEED_MS_PER_SCREENING:.2f} ms per "
        "screening (today's rate)"
    )
    if uncached is None or not screenings:
        found.append(Check(target, "", NOT_MEASURED))
    else:
        per = uncached.median_ms / screenings
        value = f"{per:.3f} ms per screening ({_ms(uncached.median_ms)} / {screenings:,})"
        found.append(Check(target, value, _result(per <= FEED_MS_PER_SCREENING)))
    return found


# --- Rendering ------------------------------------------------------------------------------


@dataclass
class Report:
    """One run: `heading` names it (the date, the database, and "quick" or "partial" runs),
    `data` describes the bench database in a line, `seconds` is the whole run."""

    machine: Machine
    data: str
    measured: MeasureRun | None
    load: LoadRun | None
    checks: list[Check]
    seconds: float
    kind: str = ""
    warnings: Sequence[str] = ()

    @property
    def heading(self) -> str:
        stamp = self.machine.date.strftime("%Y-%m-%d %H:%M UTC")
        kind = f", {self.kind}" if self.kind else ""
        return f"## {stamp}: {self.machine.database}, {self.machine.cores} cores{kind}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """A Markdown table padded to line up in a terminal too; `right`: right-aligned columns."""
    # At least 3: a Markdown rule needs a dash besides the colon.
    widths = [max(3, *(len(str(c)) for c in column)) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [("-" * (w - 1) + ":") if i in right else "-" * w for i, w in enumerate(widths)]
    return [line(header), "| " + " | ".join(rule) + " |", *(line(r) for r in rows)]


def _statuses(m: Measurement) -> str:
    shown = "/".join(str(s) for s in sorted(m.statuses))
    return shown if m.ok else f"{shown} (expected {'/'.join(map(str, m.expect))})"


def _in_process(measured: MeasureRun) -> list[str]:
    login = next((m for m in measured.measurements if m.key == "login"), None)
    rows = []
    for m in measured.measurements:
        times = f"{m.median_ms / login.median_ms:,.1f}" if login and login.median_ms else ""
        n = f"{m.n}*" if m.capped else str(m.n)
        rows.append(
            [
                m.label,
                n,
                f"{m.median_ms:,.1f}",
                f"{m.p95_ms:,.1f}",
                times,
                str(m.queries),
                f"{m.size:,}",
                _statuses(m),
            ]
        )
    header = ["endpoint", "n", "median ms", "p95 ms", "× login", "queries", "bytes", "status"]
    lines = table(header, rows, {1, 2, 3, 4, 5, 6})
    plan = measured.plan
    lines.append("")
    lines.append(
        f"n: timed requests ({plan.samples} asked, after up to {plan.warmups} untimed); "
        f"`*`: stopped after {measured.cap_seconds:.0f} s of timing (at least "
        f"{plan.min_samples} requests). Queries and bytes: one (untimed) request. "
        f"Took {measured.seconds / 60:.1f} min."
    )
    notes = [f"garbage collection: {measured.gc}"] if measured.gc else []
    if measured.between_ms:
        after = sorted(measured.between_ms)
        nearest_p95 = after[max(0, math.ceil(0.95 * len(after)) - 1)]
        notes.append(
            f"the hook between requests took (not in the figures above): median "
            f"{statistics.median(after):.1f} ms, p95 {nearest_p95:.1f} ms, longest "
            f"{after[-1]:.1f} ms"
        )
    notes += [f"{m.label}: {m.note}" for m in measured.measurements if m.note]
    lines += [f"- {note}" for note in notes]
    return lines


def _over_http(load: LoadRun) -> list[str]:
    if load.skipped:
        return [f"Not run: {load.skipped}."]
    rows = []
    for r in load.results:
        ratio = load.ratio(r.key)
        # No request finished in time: wrk's latency figures are zeros, not measurements.
        finished = r.requests > 0
        rows.append(
            [
                r.label,
                f"{r.rps:,.1f}",
                f"{ratio:.1%}" if ratio is not None else "",
                f"{r.latency_p50_ms:,.1f}" if finished and r.latency_p50_ms is not None else "",
                f"{r.latency_p99_ms:,.1f}" if finished and r.latency_p99_ms is not None else "",
                f"{r.requests:,}",
                f"{r.non_2xx_3xx:,}",
                f"{r.socket_errors:,}",
            ]
        )
    header = [
        "endpoint",
        "req/s",
        "of login",
        "p50 ms",
        "p99 ms",
        "requests",
        "non-2xx/3xx",
        "socket errors",
    ]
    lines = table(header, rows, {1, 2, 3, 4, 5, 6, 7})
    memory = f"{load.peak_memory_mib:,.0f} MiB" if load.peak_memory_mib is not None else "unknown"
    config = f", with {load.gunicorn_config}" if load.gunicorn_config else ""
    lines += [
        "",
        f"gunicorn, {load.workers} sync workers{config}; wrk, {load.connections} connections, "
        f"{load.duration:.0f} s per endpoint, on the same machine: wrk and the workers share "
        "its cores. Desk pages carry an editor's session cookie. Peak memory of a worker "
        f"(VmHWM, the largest of the {load.workers}): {memory}.",
    ]
    lines += [f"- {note}" for note in load.notes]
    return lines


def render(report: Report) -> str:
    """The run as a Markdown section (starting with its `## ` heading)."""
    m = report.machine
    lines = [
        report.heading,
        "",
        f"- date: {m.date.strftime('%Y-%m-%d %H:%M:%S')} UTC; "
        f"whole run {report.seconds / 60:.1f} min",
        f"- machine: {m.cores} cores ({m.cpu}); Python {m.python}; {m.database}; commit {m.commit}",
        f"- data: {report.data}",
        *(
            [f"- load average (1, 5, 15 min) at the start: {m.load_average}"]
            if m.load_average
            else []
        ),
        "",
        "### In-process (WSGI, warm)",
        "",
    ]
    lines += _in_process(report.measured) if report.measured else ["Not run."]
    lines += ["", "### Over HTTP", ""]
    lines += _over_http(report.load) if report.load else ["Not run (--no-load)."]
    lines += ["", "### Targets (issue 14)", ""]
    marks = {MET: "met", NOT_MET: "**NOT met**", NOT_MEASURED: "not measured"}
    lines += table(
        ["target", "measured", "result"],
        [[c.target, c.value, marks[c.result]] for c in report.checks],
        set(),
    )
    if report.warnings:
        lines += ["", "Warnings:", ""]
        lines += [f"- {warning}" for warning in report.warnings]
    return "\n".join(lines) + "\n"


def write_results(path: Path, section: str) -> None:
    """Put `section` on top of the runs in `path` (after its title paragraph, before the first
    `## ` heading), keeping every earlier run; a new file starts with TITLE."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    first_run = re.search(r"^## ", text, re.M)
    head, earlier = (
        (text[: first_run.start()], text[first_run.start() :])
        if first_run
        else (
            text,
            "",
        )
    )
    head = head.strip() or TITLE
    parts = [head, section.strip()] + ([earlier.strip()] if earlier.strip() else [])
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
