"""Public pages served as built while nothing they show has changed (coverage.page_store).

A stored page costs one query; any write to what it shows (a withdrawal, a byline, a deleted
screening, rows inserted with old dates), an embargo lifting or a release day passing on the
clock alone, and the minute's lifetime each make the next request build it again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.page_store import MAX_AGE_SECONDS, PageStore, StoredPage
from coverage.pieces.workflow import Action
from coverage.programme.kinds import EmbargoRule, ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.public import house_style, views
from coverage.timeutil import utcnow
from tests.conftest import count_statements
from tests.public.conftest import editor_does, set_film_embargo
from tests.public.test_query_counts import bulk_publish

HUB = "/film-festivals/test-festival-2021/"
PIECE = HUB + "red-rocket-review"
PAGES = (
    "/film-festivals/",
    HUB,
    PIECE,
    "/film-festivals/feed.atom",
    HUB + "feed.atom",
    "/sitemap.xml",
)


@pytest.fixture
def clock(monkeypatch):
    """`clock(instant)` sets the time the public views read; `clock()` goes back to real time."""

    def set_to(instant: datetime | None = None) -> None:
        if instant is None:
            monkeypatch.setattr(views, "utcnow", utcnow)
        else:
            monkeypatch.setattr(views, "utcnow", lambda: instant)

    return set_to


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_stored_page_is_one_query_and_the_same_bytes(app, client, publish, built_seconds_later):
    publish()
    for url in PAGES:
        first = client.get(url)
        count, again = count_statements(app, lambda url=url: client.get(url))
        assert count == 1, url
        assert again.data == first.data, url
        assert again.headers["ETag"] == first.headers["ETag"], url
        assert again.headers["Last-Modified"] == first.headers["Last-Modified"], url
        assert again.headers["Content-Type"] == first.headers["Content-Type"], url
        etag = first.headers["ETag"]
        count, unchanged = count_statements(
            app, lambda url=url, etag=etag: client.get(url, headers={"If-None-Match": etag})
        )
        assert (count, unchanged.status_code, unchanged.data) == (1, 304, b""), url


def test_a_withdrawal_takes_the_piece_off_every_stored_page_at_once(app, client, users, publish):
    piece_id = publish()
    for url in PAGES:
        assert "red-rocket-review" in text_of(client, url), url

    editor_does(app, users, piece_id, Action.WITHDRAW, utcnow(), note="Legal")

    for url in PAGES[:2] + PAGES[3:]:
        assert "red-rocket-review" not in text_of(client, url), url
    assert client.get(PIECE).status_code == 410


def test_a_renamed_writer_gets_the_new_byline_on_stored_pages(app, client, users, publish):
    publish()
    assert "Wyn Writer" in text_of(client, HUB)
    with app.app_context():
        db.session.get(User, users["writer"]).name = "Wyn Critic"
        db.session.commit()
    for url in (HUB, PIECE, HUB + "feed.atom"):
        page = text_of(client, url)
        assert "Wyn Critic" in page and "Wyn Writer" not in page, url


def test_a_deleted_screening_that_moves_the_embargo_is_seen(app, client, programme, publish):
    """The film waits for its first public screening: the one that had passed is deleted
    outright (no other row written), the next is years ahead, so the review is held again."""
    publish()
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        film.embargo_offset_minutes = 0
        past = db.session.get(Screening, programme["public"])
        db.session.add(
            Screening(
                festival_id=past.festival_id,
                film_id=past.film_id,
                venue_id=past.venue_id,
                starts_at=datetime(2099, 10, 10, 18, tzinfo=UTC),
                ends_at=datetime(2099, 10, 10, 20, tzinfo=UTC),
                kind=ScreeningKind.PUBLIC,
            )
        )
        db.session.commit()
    for url in PAGES:
        assert "red-rocket-review" in text_of(client, url), url

    with app.app_context():
        db.session.execute(delete(Screening).where(Screening.id == programme["public"]))
        db.session.commit()

    for url in PAGES[:2] + PAGES[3:]:
        assert "red-rocket-review" not in text_of(client, url), url
    assert client.get(PIECE).status_code == 404


def test_pieces_inserted_with_old_dates_are_seen(app, client, users, programme, publish):
    """Rows whose dates are older than anything stored (an import of the archive) change no
    latest date: their number does."""
    publish()
    assert "archive-piece-0" not in text_of(client, "/sitemap.xml")
    bulk_publish(app, users, programme["festival"], 2)
    sitemap = text_of(client, "/sitemap.xml")
    assert "archive-piece-0" in sitemap and "archive-piece-1" in sitemap
    assert "Archive piece 1" in text_of(client, HUB)


def test_an_embargo_lifting_on_the_clock_alone_puts_the_piece_on_stored_pages(
    app, client, programme, publish, clock
):
    lifts = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    publish()
    set_film_embargo(app, programme["film"], lifts)
    clock(lifts - timedelta(seconds=1))
    for url in PAGES[:2] + PAGES[3:]:
        assert "red-rocket-review" not in text_of(client, url), url
    assert client.get(PIECE).status_code == 404

    clock(lifts)  # nothing written since; the minute's lifetime has not run out either

    for url in PAGES:
        assert "red-rocket-review" in text_of(client, url), url


def test_the_release_line_goes_at_midnight_after_release_day(
    app, client, programme, publish, clock
):
    release = date(2031, 3, 14)
    publish()
    with app.app_context():
        db.session.get(Film, programme["film"]).release_date = release
        db.session.commit()
    clock(datetime(2031, 3, 14, 23, 59, 30, tzinfo=UTC))
    assert "released in UK cinemas on 14th March 2031" in text_of(client, PIECE)

    clock(datetime(2031, 3, 15, 0, 0, tzinfo=UTC))

    assert "released in UK cinemas" not in text_of(client, PIECE)


@pytest.mark.parametrize(
    "release",
    [date.max, date.max - timedelta(days=1)],
    ids=["the-calendars-last-day", "the-day-before"],
)
def test_a_release_date_at_the_end_of_the_calendar_is_served(
    app, client, programme, publish, release
):
    """A release day typed as 9999-12-31 has no midnight after it: the page still answers,
    with its release line, stored or built."""
    publish()
    with app.app_context():
        db.session.get(Film, programme["film"]).release_date = release
        db.session.commit()
    line = f"released in UK cinemas on {house_style.long_date(release)}."
    for _ in range(2):
        response = client.get(PIECE)
        assert response.status_code == 200
        assert line in response.get_data(as_text=True)


def test_a_stored_page_says_its_age_so_shared_caches_keep_it_a_minute_from_its_build(
    app, client, publish, clock
):
    publish()
    built = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    clock(built)
    first = client.get(HUB)
    assert "Age" not in first.headers
    assert first.headers["Cache-Control"] == "public, max-age=60"
    clock(built + timedelta(seconds=42))
    later = client.get(HUB)
    assert later.headers["Age"] == "42"
    assert later.headers["ETag"] == first.headers["ETag"]


def test_a_stored_page_is_built_again_after_a_minute_and_never_for_an_earlier_clock(
    app, client, publish, clock
):
    publish()
    built = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    clock(built)
    client.get(HUB)
    clock(built + timedelta(seconds=MAX_AGE_SECONDS - 1))
    assert count_statements(app, lambda: client.get(HUB))[0] == 1

    clock(built + timedelta(seconds=MAX_AGE_SECONDS))
    assert count_statements(app, lambda: client.get(HUB))[0] > 1

    clock(built - timedelta(seconds=1))
    assert count_statements(app, lambda: client.get(HUB))[0] > 1


def test_absolute_links_follow_the_address_each_page_was_asked_on(app, client, publish):
    """Without PUBLIC_BASE_URL absolute links are the request's own scheme and host: a page
    stored for one address is never served to another."""
    publish()
    assert "<loc>http://coverage.test/film-festivals/" in text_of(client, "/sitemap.xml")
    secure = client.get("/sitemap.xml", base_url="https://coverage.test").get_data(as_text=True)
    assert "<loc>https://coverage.test/film-festivals/" in secure
    assert "http://coverage.test/" not in secure


# --- The store itself -----------------------------------------------------------------------


def page(body: bytes, *, built_at: datetime, holds_until: datetime | None = None) -> StoredPage:
    return StoredPage.of(
        body,
        content_type="text/plain",
        last_modified=None,
        fingerprint="f1",
        built_at=built_at,
        holds_until=holds_until,
    )


NOON = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def test_the_store_drops_the_least_recently_used_pages_beyond_its_bytes():
    store = PageStore(max_bytes=10)
    store.put("a", page(b"aaaa", built_at=NOON))
    store.put("b", page(b"bbbb", built_at=NOON))
    assert store.get("a", "f1", NOON) is not None  # "a" is now the most recently used
    store.put("c", page(b"cccc", built_at=NOON))

    assert store.get("b", "f1", NOON) is None
    assert store.get("a", "f1", NOON).body == b"aaaa"
    assert store.get("c", "f1", NOON).body == b"cccc"
    assert store.size_bytes == 8

    store.put("huge", page(b"x" * 11, built_at=NOON))
    assert store.get("huge", "f1", NOON) is None and store.size_bytes == 8


def test_a_stored_page_serves_only_its_fingerprint_before_it_holds_until():
    store = PageStore()
    store.put("a", page(b"body", built_at=NOON, holds_until=NOON + timedelta(seconds=30)))
    assert store.get("a", "f2", NOON) is None  # and it is dropped
    assert len(store) == 0

    store.put("a", page(b"body", built_at=NOON, holds_until=NOON + timedelta(seconds=30)))
    assert store.get("a", "f1", NOON + timedelta(seconds=29)) is not None
    assert store.get("a", "f1", NOON + timedelta(seconds=30)) is None
