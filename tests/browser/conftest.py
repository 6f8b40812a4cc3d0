"""Browser journeys: Playwright for Python driving Debian's chromium against a live server.

The suite's `app` fixture (its own SQLite file, or PostgreSQL under DATABASE_URL) is served by
werkzeug in a thread on 127.0.0.1. The browser is the Debian package at /usr/bin/chromium
(`.ci/run` installs it), launched through `executable_path`: `playwright install` downloads a
browser build of its own, which neither CI nor a developer's machine can fetch.

Without chromium (or the playwright package) the tests skip with the reason, unless
COVERAGE_REQUIRE_BROWSER is set, as `.ci/run` does: there a missing browser fails the run rather
than passing it silently. When a browser test fails, every page still open is saved as
tests/browser/artifacts/<test>-<n>.png, and the report lists the files.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Response

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Every wait of a step (a click, a navigation, an expectation) gives up after this long, so a
# broken journey fails in seconds instead of hanging CI.
STEP_TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    """Skip for want of a browser, or fail where one is required (CI sets the variable)."""
    if os.environ.get("COVERAGE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and COVERAGE_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"{reason} (`.ci/run` installs it; apt-get install chromium)")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over real HTTP on 127.0.0.1 and a free port; yields its base URL.

    The test config's SERVER_NAME ("coverage.test", for the test client's URLs) is dropped, as
    werkzeug matches routes against it and the browser asks for 127.0.0.1:<port>."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class Journal:
    """What went wrong in the pages while the user went on: console errors (CSP violations
    among them: chromium reports each as one), uncaught script errors, and stylesheets, scripts
    or fetches the server refused.

    A page answered 4xx on purpose (a form refused with 422) is the journey's business, not a
    problem: chromium's console line for it ("Failed to load resource") is left out here, and
    responses are judged by `response` instead."""

    problems: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            where = message.page.url if message.page else "?"
            self.problems.append(f"console error on {where}: {message.text}")

    def page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def response(self, response: Response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} for {response.url}")
            return
        if response.status < 400 or response.request.resource_type == "document":
            return
        # The browser asks for /favicon.ico on its own; no page of ours links one.
        if urlsplit(response.url).path == "/favicon.ico":
            return
        self.problems.append(f"{response.status} for {response.url}")


def require_chromium() -> Path:
    """The chromium to drive, once both it and Playwright are known to be there; otherwise the
    test skips, or fails where COVERAGE_REQUIRE_BROWSER is set."""
    if not CHROMIUM.exists():
        _unavailable(f"no chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    return CHROMIUM


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright; skipped (or failed, in CI) if absent."""
    chromium = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, journal: Journal
) -> Callable[..., BrowserContext]:
    """`new_context(**options)`: a fresh browser profile (no cookies) on the live server, whose
    pages report console and script errors to `journal`. Options go to `browser.new_context`."""

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.on("console", journal.console)
        context.on("weberror", lambda web_error: journal.page_error(web_error.error))
        context.on("response", journal.response)
        return context

    return make


def _screenshot_name(test_name: str, number: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', test_name)}-{number}.png"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On a failed browser test, keep a full-page screenshot of every open page as a file and
    name the files in the report (the pages close when the fixtures are torn down)."""
    outcome = yield
    report = outcome.get_result()
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or browser is None:
        return
    saved: list[str] = []
    number = 0
    for context in browser.contexts:
        for page in context.pages:
            number += 1
            path = ARTIFACTS / _screenshot_name(item.name, number)
            try:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(path), full_page=True, timeout=5_000)
            except Exception as error:  # a crashed page must not hide the test's own failure
                saved.append(f"{path}: not saved ({error})")
            else:
                saved.append(f"{path} ({page.url})")
    if saved:
        report.sections.append(("browser screenshots", "\n".join(saved)))
        print("\nbrowser screenshots:\n" + "\n".join(saved))
    journal = item.funcargs.get("journal")
    if journal is not None and journal.problems:
        report.sections.append(("browser problems", "\n".join(journal.problems)))
