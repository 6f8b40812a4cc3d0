"""The HTTP load run (issue 14): gunicorn with 2 workers on 127.0.0.1, loaded by wrk.

gunicorn serves `app:app` from the project root with the app's own gunicorn settings when it
has them (`server_config`, as a deployment runs it), on the bench database, with a fixed
SECRET_KEY and development settings (plain HTTP: production's secure cookies would not come
back over it). For each endpoint wrk keeps 8 connections busy for `duration` seconds (2
threads); desk pages carry the session cookie of a log-in made through the form. Each
endpoint's requests per second is compared with the login page's, measured on the same server
in the same run. After the run, the peak resident memory (VmHWM) of each worker is read from
/proc.

wrk and gunicorn share the machine's cores: on 2 cores the figures are lower than a separate
load machine would show, for the reference and the pages alike.
"""

from __future__ import annotations

import http.cookiejar
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.data import BenchData
from bench.measure import CSRF_INPUT
from coverage import PROJECT_ROOT

CONNECTIONS = 8
THREADS = 2
WORKERS = 2
# wrk's default (2 s) would count a slow page's queued requests as timeouts, not as latency.
TIMEOUT = "60s"
SECRET_KEY = "bench-load-secret-key"
# The app's gunicorn settings, as production runs it (`gunicorn -c python:...`).
CONFIG_MODULE = "coverage.ops.gunicorn_conf"
Log = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One endpoint to load: `path` on the server, `authenticated`: with the editor's cookie."""

    key: str
    label: str
    path: str
    authenticated: bool = False


@dataclass(frozen=True)
class LoadResult:
    """wrk's figures for one endpoint: requests per second, latency percentiles (ms), the
    number of requests, those answered outside 2xx/3xx, and socket errors (timeouts too)."""

    key: str
    label: str
    rps: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    seconds: float


@dataclass
class LoadRun:
    """What the load part found. `skipped` says why it did not run (then nothing else is set);
    `peak_memory_mib` is the largest VmHWM over the workers."""

    results: list[LoadResult] = field(default_factory=list)
    peak_memory_mib: float | None = None
    workers: int = WORKERS
    connections: int = CONNECTIONS
    duration: float = 0.0
    skipped: str = ""
    server_log: Path | None = None
    gunicorn_config: str = ""
    notes: list[str] = field(default_factory=list)

    def get(self, key: str) -> LoadResult | None:
        return next((r for r in self.results if r.key == key), None)

    def ratio(self, key: str) -> float | None:
        """`key`'s requests per second as a fraction of the login page's."""
        result, login = self.get(key), self.get("login")
        if result is None or login is None or not login.rps:
            return None
        return result.rps / login.rps


def targets(data: BenchData) -> list[Target]:
    return [
        Target("login", "login page (reference)", "/login"),
        Target("day", "festival day view", data.day_path, authenticated=True),
        Target("board", "coverage board", data.board_path, authenticated=True),
        Target("public_piece", "public piece page", data.published_path),
        Target("feed_repeat", "festival feed, repeat without validators", data.festival_feed_path),
    ]


# --- wrk ------------------------------------------------------------------------------------


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str, key: str, label: str) -> LoadResult:
    """wrk's report (run with --latency) read into a LoadResult. Raises ValueError when it has
    no Requests/sec line (wrk failed)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if rps is None:
        raise ValueError(f"wrk printed no Requests/sec:\n{output}")
    done = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    return LoadResult(
        key=key,
        label=label,
        rps=float(rps.group(1)),
        latency_p50_ms=_ms(percentiles["50"]) if "50" in percentiles else None,
        latency_p99_ms=_ms(percentiles["99"]) if "99" in percentiles else None,
        requests=int(done.group(1)) if done else 0,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        seconds=_ms(done.group(2) + done.group(3)) / 1000 if done else 0.0,
    )


def run_wrk(url: str, duration: float, cookie: str | None) -> str:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={TIMEOUT}",
        "--latency",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    finished = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 120, check=False
    )
    return finished.stdout + finished.stderr


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn() -> str:
    beside = Path(sys.executable).with_name("gunicorn")
    return str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")


def server_config() -> str:
    """The gunicorn settings a deployment uses (README, *Production*): the module
    CONFIG_MODULE when the app has one, else none given (gunicorn then reads a
    `gunicorn.conf.py` in the project root if there is one)."""
    return f"python:{CONFIG_MODULE}" if importlib.util.find_spec(CONFIG_MODULE) else ""


def server_environment(url: str) -> dict[str, str]:
    """What the workers run with: this environment, the bench database, development mode, a
    fixed key, and nothing that would put a proxy in front of 127.0.0.1."""
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=url,
        COVERAGE_ENV="development",
        SECRET_KEY=SECRET_KEY,
        SESSION_COOKIE_SECURE="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_for_health(base: str, server: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    """Until /health answers 200; RuntimeError if the server exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            with opener.open(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /health within {seconds:.0f} s")


def settle(base: str, seconds: float = 180.0) -> None:
    """Wait until the workers have answered what wrk left queued (a slow page's backlog would
    eat into the next endpoint's run): one /health request per worker at once, all answered."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def health(_: int) -> None:
        with opener.open(f"{base}/health", timeout=seconds) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(health, range(WORKERS)))


def session_cookie(base: str, email: str, password: str) -> str:
    """Log in through the form (GET for the CSRF token, POST) and return the Cookie header
    the browser would now send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
    )
    with opener.open(f"{base}/login", timeout=30) as page:
        match = CSRF_INPUT.search(page.read().decode())
    if match is None:
        raise RuntimeError("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": match.group(1)}
    ).encode()
    try:
        opener.open(f"{base}/login", data=form, timeout=30)
        raise RuntimeError("logging in answered 200, not the 302 of a log-in")
    except urllib.error.HTTPError as answer:
        # The cookie processor has already taken the answer's cookies into the jar.
        if answer.code != 302:
            raise RuntimeError(f"logging in answered {answer.code}, not 302") from None
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def worker_pids(master: int) -> list[int]:
    """The master's children (the workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        return [int(pid) for pid in children.read_text().split()]
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return found


def peak_memory_mib(pid: int) -> float | None:
    """VmHWM (peak resident set) of `pid` in MiB, None when /proc does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


def stop(server: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """SIGTERM the master (gunicorn's graceful stop), SIGKILL it if it lingers."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# --- The run --------------------------------------------------------------------------------


def run(
    data: BenchData,
    *,
    duration: float = 20.0,
    log_dir: Path,
    log: Log = print,
    only: set[str] | None = None,
) -> LoadRun:
    """Start gunicorn, load each endpoint (`only`: those keys, the login page always) for
    `duration` seconds, read the workers' peak memory, stop gunicorn. A missing wrk, or a
    server that never answers, gives a LoadRun whose `skipped` says so."""
    if shutil.which("wrk") is None:
        return LoadRun(skipped="wrk is not installed (apt-get install wrk; `make bench` tries)")
    log_dir.mkdir(parents=True, exist_ok=True)
    server_log = log_dir / "gunicorn.log"
    # Named relative to the project in what the report shows.
    shown_log = (
        server_log.relative_to(PROJECT_ROOT)
        if server_log.is_relative_to(PROJECT_ROOT)
        else server_log
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = server_config()
    outcome = LoadRun(duration=duration, server_log=server_log, gunicorn_config=config)
    command = [_gunicorn(), *(["--config", config] if config else [])]
    command += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "app:app"]
    with server_log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=server_environment(data.url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_for_health(base, server)
            cookie = session_cookie(base, data.editor_email, data.password)
        except RuntimeError as exc:
            outcome.skipped = f"{exc} (see {shown_log})"
            return outcome
        log(f"  gunicorn: {WORKERS} workers on {base}, pid {server.pid}")
        for target in targets(data):
            if only is not None and target.key not in only and target.key != "login":
                continue
            url = f"{base}{target.path}"
            output = run_wrk(url, duration, cookie if target.authenticated else None)
            settle(base)
            try:
                result = parse_wrk(output, target.key, target.label)
            except ValueError:
                outcome.notes.append(f"{target.label}: wrk failed: {output.strip()[:300]}")
                log(f"  WARNING: {outcome.notes[-1]}")
                continue
            outcome.results.append(result)
            if result.non_2xx_3xx or result.socket_errors:
                outcome.notes.append(
                    f"over HTTP, {result.label} answered {result.non_2xx_3xx:,} of "
                    f"{result.requests:,} requests outside 2xx/3xx, with "
                    f"{result.socket_errors:,} socket errors (see {shown_log})"
                )
            log(
                f"  {result.label}: {result.rps:,.1f} req/s, {result.requests:,} requests, "
                f"{result.non_2xx_3xx} non-2xx/3xx, {result.socket_errors} socket errors"
            )
        peaks = [peak_memory_mib(pid) for pid in worker_pids(server.pid)]
        measured = [peak for peak in peaks if peak is not None]
        outcome.peak_memory_mib = max(measured) if measured else None
    finally:
        stop(server)
    return outcome
