"""The desk's main journey in a real browser, as its users take it.

An editor creates Cinemalaya 2023 and imports its published programme through the import page,
assigns a review over a clash warning; a critic on a phone-sized screen writes and files it; the
editor returns it with a note, the critic answers, the editor approves and publishes; a reader
sees it; the critic copies her calendar's webcal link. Locators are the ones people use (roles
and labels), so a change that breaks a user's path breaks this test.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips (or fails, in CI) with the reason
    Page = expect = None  # type: ignore[assignment,misc]

from tests.browser import conftest as browser_conftest
from tests.conftest import PASSWORD

CINEMALAYA = Path(__file__).resolve().parents[1] / "data" / "cinemalaya-2023-schedule.csv"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# A phone: the critic files from the festival, between screenings.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
HEADLINE = "Iti Mapukpukaw: a boy without a mouth, and a film that finds its voice"
STANDFIRST = "Carl Papa's rotoscoped debut feature is the strangest film at Cinemalaya."
BODY = "Rotoscoped animation gives the town a dreamlike flatness.\n\nThe ending lands hard."
NOTE = "Name the director in the first paragraph, please."


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()


def expect_status(page: Page, text: str) -> None:
    """A status message (a flash, say) saying `text` is on the page."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def open_piece_from_my_work(page: Page, title: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def take_action(page: Page, name: str, note: str = "") -> None:
    """Press one of the piece page's "Next steps" buttons, with a note if given."""
    steps = page.locator("#next-steps")
    if note:
        steps.get_by_label("Note").fill(note)
    steps.get_by_role("button", name=name, exact=True).click()


def screening_value(page: Page, starts: str) -> str:
    """The value of the "Screening to attend" option that starts at `starts` ("Sat 5 Aug 21:00")."""
    option = page.get_by_label("Screening to attend").locator("option", has_text=starts)
    value = option.get_attribute("value")
    assert value, f"no screening at {starts}"
    return value


def plan_review(page: Page, slug: str, film: str) -> None:
    page.goto(f"/festivals/{slug}/coverage")
    page.get_by_role("link", name=f"Plan a review of {film}").click()
    expect(page.get_by_label("Film", exact=True).locator("option:checked")).to_have_text(film)
    page.get_by_role("button", name="Create and assign").click()
    expect(page.get_by_role("heading", name=f"Assign: Review: {film}")).to_be_visible()


def test_import_assign_write_return_publish_read_and_subscribe(new_context, journal, users):
    # 1. The editor, at a desk, creates the festival and imports its published programme.
    editor = new_context(**DESKTOP).new_page()
    log_in(editor, "editor@example.org")
    editor.get_by_role("navigation", name="Main").get_by_role("link", name="Festivals").click()
    editor.get_by_role("link", name="New festival").click()
    editor.get_by_label("Name").fill("Cinemalaya")
    editor.get_by_label("Edition (year)").fill("2023")
    editor.get_by_label("City").fill("Manila")
    editor.get_by_label("Time zone").fill("Asia/Manila")
    editor.get_by_label("First day").fill("2023-08-04")
    editor.get_by_label("Last day").fill("2023-08-13")
    editor.get_by_role("button", name="Create festival").click()
    expect(editor.get_by_role("heading", name="Cinemalaya 2023", level=1)).to_be_visible()
    slug = editor.url.rstrip("/").rsplit("/", 1)[-1]

    editor.get_by_role("navigation", name="Cinemalaya 2023").get_by_role(
        "link", name="Import"
    ).click()
    editor.get_by_label("Programme file (CSV)").set_input_files(str(CINEMALAYA))
    editor.get_by_role("button", name="Upload and preview").click()
    expect(editor.get_by_role("heading", name="Import preview")).to_be_visible()
    expect(editor.get_by_text("215 rows read")).to_be_visible()
    expect(editor.get_by_role("heading", name="Problems: 0 errors, 7 warnings")).to_be_visible()
    # The rows whose weekday disagrees with their date are shown as warnings, row by row.
    warning = editor.get_by_role("row").filter(
        has=editor.get_by_role("cell", name="28", exact=True)
    )
    expect(warning).to_contain_text("Warning")
    expect(editor.get_by_text("12 new films")).to_be_visible()
    editor.get_by_role("button", name="Import", exact=True).click()
    expect_status(editor, "12 films created")
    expect(editor.get_by_text("215 screenings", exact=True)).to_be_visible()
    assert journal.problems == []

    # 2. Two reviews of films showing at 21:00 on 5 August: the second clashes with the first.
    plan_review(editor, slug, "Maria")
    editor.get_by_label("Writer").select_option(label="Wyn Writer (writer)")
    editor.get_by_label("Screening to attend").select_option(
        screening_value(editor, "Sat 5 Aug 21:00")
    )
    editor.get_by_role("button", name="Assign", exact=True).click()
    expect_status(editor, "Assigned.")

    plan_review(editor, slug, "Iti Mapukpukaw")
    editor.get_by_label("Writer").select_option(label="Wyn Writer (writer)")
    editor.get_by_label("Screening to attend").select_option(
        screening_value(editor, "Sat 5 Aug 21:00")
    )
    editor.get_by_role("button", name="Assign", exact=True).click()
    clashes = editor.get_by_role("alert").filter(
        has=editor.get_by_role("heading", name="Clashes with the writer's other commitments")
    )
    expect(clashes).to_contain_text("Review: Maria")
    editor.get_by_label("Assign anyway, despite the clashes above").check()
    editor.get_by_role("button", name="Assign", exact=True).click()
    expect_status(editor, "Assigned. The clash is recorded on the piece.")
    piece_path = urllib.parse.urlsplit(editor.url).path
    assert journal.problems == []

    # 3. The critic, on her phone, writes the review and files it.
    critic = new_context(**PHONE, permissions=["clipboard-read", "clipboard-write"]).new_page()
    log_in(critic, "writer@example.org")
    open_piece_from_my_work(critic, "Review: Iti Mapukpukaw")
    critic.get_by_role("link", name="Write", exact=True).tap()
    critic.get_by_label("Headline").fill(HEADLINE)
    critic.get_by_label("Standfirst").fill(STANDFIRST)
    critic.get_by_label("Body (Markdown)").fill(BODY)
    critic.get_by_role("button", name="Save").tap()
    expect_status(critic, "Saved as revision 1.")
    critic.get_by_role("link", name="Back to the piece").tap()
    take_action(critic, "File")
    expect_status(critic, "the piece is now filed")
    assert journal.problems == []

    # 4. The editor takes it, returns it with a note; the critic answers and files again.
    editor.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    filed = editor.locator("#filed")
    expect(filed.get_by_role("link", name=HEADLINE)).to_be_visible()
    filed.get_by_role("button", name="Take for edit").click()
    editor.goto(piece_path)
    take_action(editor, "Return to writer", note=NOTE)
    expect_status(editor, "the piece is now drafting")

    critic.get_by_role("navigation", name="Main").get_by_role("link", name="My work").tap()
    returned = critic.get_by_role("heading", name="Returned with notes").locator("..")
    expect(returned).to_contain_text(NOTE)
    returned.get_by_role("link", name=HEADLINE).tap()
    critic.get_by_role("link", name="Write", exact=True).tap()
    expect(critic.get_by_role("region", name="The editor's note")).to_contain_text(NOTE)
    critic.get_by_label("Body (Markdown)").fill("Carl Papa directs. " + BODY)
    critic.get_by_role("button", name="Save").tap()
    expect_status(critic, "Saved as revision 2.")
    critic.get_by_role("link", name="Back to the piece").tap()
    take_action(critic, "File")
    expect_status(critic, "the piece is now filed")

    editor.goto(piece_path)
    take_action(editor, "Take for editing")
    expect_status(editor, "the piece is now editing")
    take_action(editor, "Approve")
    expect_status(editor, "the piece is now ready")
    editor.once("dialog", lambda dialog: dialog.accept())
    take_action(editor, "Publish")
    expect_status(editor, "the piece is now published")
    public_link = editor.get_by_role("region", name="Publication").get_by_role("link")
    public_url = public_link.get_attribute("href")
    assert public_url and public_url.startswith("http://127.0.0.1:")
    assert journal.problems == []

    # 5. A reader, logged out, reads it.
    reader = new_context(**DESKTOP).new_page()
    reader.goto(public_url)
    expect(reader.get_by_role("heading", name=HEADLINE, level=1)).to_be_visible()
    expect(reader.get_by_text("Carl Papa directs.")).to_be_visible()
    expect(reader.get_by_text("The ending lands hard.")).to_be_visible()

    # 6. The critic copies her schedule's webcal link; it serves her calendar.
    critic.get_by_role("navigation", name="Main").get_by_role("link", name="Wyn Writer").tap()
    critic.get_by_role("button", name="New address for my schedule").tap()
    critic.get_by_role("button", name="Copy the webcal link").tap()
    expect(critic.get_by_role("button", name="Copied", exact=True)).to_be_visible()
    copied = critic.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("webcal://127.0.0.1:"), copied
    with urllib.request.urlopen("http://" + copied.removeprefix("webcal://"), timeout=10) as got:
        assert got.status == 200
        assert got.headers["Content-Type"].startswith("text/calendar")
        calendar = got.read().decode()
    assert "BEGIN:VCALENDAR" in calendar
    assert "Iti Mapukpukaw" in calendar
    assert journal.problems == []


def test_a_failed_browser_test_leaves_a_screenshot_of_each_open_page(
    new_context, browser, tmp_path, monkeypatch
):
    """The report hook, given a failed call, saves every open page as a PNG and names it."""
    monkeypatch.setattr(browser_conftest, "ARTIFACTS", tmp_path / "artifacts")
    for path in ("/login", "/film-festivals/"):
        new_context(**DESKTOP).new_page().goto(path)
    report = SimpleNamespace(when="call", failed=True, sections=[])
    item = SimpleNamespace(name="test_journey[sqlite]", funcargs={"browser": browser})
    hook = browser_conftest.pytest_runtest_makereport(item, None)
    next(hook)
    with pytest.raises(StopIteration):
        hook.send(SimpleNamespace(get_result=lambda: report))
    shots = sorted((tmp_path / "artifacts").iterdir())
    assert [shot.name for shot in shots] == [
        "test_journey_sqlite_-1.png",
        "test_journey_sqlite_-2.png",
    ]
    assert all(shot.read_bytes().startswith(b"\x89PNG") for shot in shots)
    title, text = report.sections[0]
    assert title == "browser screenshots"
    assert str(shots[0]) in text and "/film-festivals/" in text


def test_without_chromium_the_journeys_skip_unless_the_browser_is_required(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("COVERAGE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium at .*no-chromium"):
        browser_conftest.require_chromium()
    # CI (`.ci/run`) sets the variable: a missing browser is a failure there, never a skip.
    monkeypatch.setenv("COVERAGE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="COVERAGE_REQUIRE_BROWSER is set"):
        browser_conftest.require_chromium()
