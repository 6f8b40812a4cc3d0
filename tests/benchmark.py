"""`make bench`: timings of the heavy paths on a festival of realistic size.

A 1,600-screening, 400-film, 12-venue programme is imported from CSV, then the pages editors
live in are requested. Timings are printed, never asserted (tests assert query counts instead).
Uses a throwaway SQLite file, or the PostgreSQL in BENCH_DATABASE_URL.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select

from coverage import create_app
from coverage.accounts.roles import Role
from coverage.accounts.services import create_user, find_user_by_email
from coverage.calendars.kinds import FeedKind
from coverage.calendars.services import issue_feed_token
from coverage.config import config_for_tests
from coverage.extensions import db
from coverage.festivals.services import create_festival
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme import importer
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FestivalFields
from coverage.timeutil import utcnow

FILMS, SCREENINGS, VENUES, DAYS = 400, 1600, 12, 12


def programme_csv() -> bytes:
    lines = ["Film,Date,Time,Venue,Screen,Type,Runtime,Director,Section"]
    for n in range(SCREENINGS):
        day = 6 + n % DAYS
        slot = n // (VENUES * DAYS)  # up to 12 slots a day per screen, 2 hours apart
        lines.append(
            f"Film number {n % FILMS},2021-10-{day:02d},{9 + (slot % 7) * 2}:{(n % 4) * 5:02d},"
            f"Cinema {(n // DAYS) % VENUES // 4},Screen {(n // DAYS) % VENUES},"
            f"{'Press' if n % 5 == 0 else 'Public'},{85 + n % 50},Director {n % 97},"
            f"Strand {n % 9}"
        )
    return "\n".join(lines).encode()


def _add_pieces(festival) -> None:
    """800 pieces: a review and an interview of every film, spread over 20 writers."""
    writers = [
        create_user(f"writer{n}@example.org", f"Writer {n}", Role.WRITER, "bench password")
        for n in range(20)
    ]
    films = db.session.scalars(select(Film).where(Film.festival_id == festival.id)).all()
    screenings = {
        s.film_id: s for s in db.session.scalars(select(Screening).order_by(Screening.starts_at))
    }
    for n, film in enumerate(films):
        screening = screenings.get(film.id)
        for kind in (PieceKind.REVIEW, PieceKind.INTERVIEW):
            db.session.add(
                Piece(
                    festival=festival,
                    film=film,
                    kind=kind,
                    state=PieceState.ASSIGNED,
                    writer=writers[n % 20],
                    screening=screening if kind is PieceKind.REVIEW else None,
                    due_at=screening.ends_at + timedelta(hours=24) if screening else None,
                )
            )
    db.session.flush()


def _publish_reviews(festival) -> int:
    """Every review goes live (400), as publishing leaves them: a revision, a slug, dates."""
    from coverage.drafts.models import Revision
    from coverage.pieces.models import PieceSlug

    reviews = db.session.scalars(
        select(Piece).where(Piece.festival_id == festival.id, Piece.kind == PieceKind.REVIEW)
    ).all()
    start = datetime(2021, 10, 7, 9, 0, tzinfo=UTC)
    body = "\n\n".join(["A paragraph of criticism, *with emphasis*, about the film."] * 6)
    for n, piece in enumerate(reviews):
        at = start + timedelta(minutes=7 * n)
        piece.headline = f"Bench Festival 2021: Film number {n} | Review"
        piece.standfirst = "A standfirst of one sentence."
        piece.body = body
        piece.star_rating = 1 + n % 5
        piece.state = PieceState.PUBLISHED
        piece.slug = f"film-number-{n}-review"
        piece.published_at = piece.first_published_at = at
        piece.published_revision_number = 1
        db.session.add(
            Revision(
                piece=piece,
                number=1,
                version=1,
                headline=piece.headline,
                standfirst=piece.standfirst,
                body=body,
                star_rating=piece.star_rating,
                created_at=at,
            )
        )
        db.session.add(PieceSlug(festival_id=festival.id, piece_id=piece.id, slug=piece.slug))
    db.session.flush()
    return len(reviews)


def timed(label: str, action: Callable[[], object], repeat: int = 5) -> None:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"{label:<58} median {statistics.median(samples):8.1f} ms   max {max(samples):8.1f} ms")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    folder = tempfile.mkdtemp(prefix="coverage-bench-")
    url = url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
    app = create_app(config_for_tests(url))
    data = programme_csv()
    print(
        f"database: {url.split('@')[-1]}; {SCREENINGS} screenings, {FILMS} films, {VENUES} venues"
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_user("bench@example.org", "Bench", Role.EDITOR, "bench password")
        festival = create_festival(
            FestivalFields(
                name="Bench Festival",
                edition=2021,
                timezone="Europe/London",
                start_date=date(2021, 10, 6),
                end_date=date(2021, 10, 17),
            )
        )
        db.session.commit()
        slug = festival.slug
        timed(
            "import: parse + plan (preview), empty festival",
            lambda: importer.preview_import(festival, data),
            3,
        )
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        start = time.perf_counter()
        preview = importer.preview_import(festival, data)
        applied = importer.apply_plan(festival, preview.plan)
        db.session.commit()
        elapsed = (time.perf_counter() - start) * 1000
        event.remove(db.engine, "before_cursor_execute", listener)
        print(
            f"{'import: first import, write (' + str(applied.screenings_created) + ' created)':<58}"
            f" once   {elapsed:8.1f} ms   {len(statements)} statements"
        )
        timed(
            "import: re-import preview (all unchanged)",
            lambda: importer.preview_import(festival, data),
            3,
        )
        _add_pieces(festival)
        live = _publish_reviews(festival)
        _, feed_secret = issue_feed_token(
            find_user_by_email("bench@example.org"), FeedKind.FESTIVAL, festival, utcnow()
        )
        db.session.commit()
        db.session.remove()

    client = app.test_client()
    # CSRF is on in the bench app: log in through the form's token.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token:
        client.post(
            "/login",
            data={
                "email": "bench@example.org",
                "password": "bench password",
                "csrf_token": token.group(1),
            },
        )
    for label, path in [
        ("day view, busiest day (~134 screenings)", f"/festivals/{slug}/days/2021-10-06"),
        (
            "day view filtered by kind and title",
            f"/festivals/{slug}/days/2021-10-06?kind=press&q=1",
        ),
        ("festival page (counts per day)", f"/festivals/{slug}"),
        ("films list (400 films)", f"/festivals/{slug}/films"),
        ("film page", f"/festivals/{slug}/films/1"),
        ("coverage board (400 films, 800 pieces)", f"/festivals/{slug}/coverage"),
        ("writer load (800 pieces)", f"/festivals/{slug}/load"),
    ]:
        assert client.get(path).status_code == 200, path
        timed(label, lambda path=path: client.get(path))
    feed = f"/calendars/{feed_secret}.ics"
    first = client.get(feed)
    assert first.status_code == 200
    print(f"festival feed: {first.data.count(b'BEGIN:VEVENT')} events, {len(first.data)} bytes")
    timed("festival feed, full build (1,600 screenings)", lambda: client.get(feed))
    etag = first.headers["ETag"]
    assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
    timed(
        "festival feed, 304 (If-None-Match)",
        lambda: client.get(feed, headers={"If-None-Match": etag}),
    )

    reader = app.test_client()  # no login: what readers get
    hub = f"/film-festivals/{slug}/"
    for label, path in [
        ("public piece page (More in: 5 of 400 live)", f"{hub}film-number-7-review"),
        (f"public coverage hub ({live} live reviews)", hub),
        ("public festivals index", "/film-festivals/"),
        ("Atom, all festivals (latest 50)", "/film-festivals/feed.atom"),
        (f"Atom, one festival (latest 100 of {live})", f"{hub}feed.atom"),
        (f"sitemap ({live} pieces)", "/sitemap.xml"),
    ]:
        response = reader.get(path)
        assert response.status_code == 200, path
        timed(label, lambda path=path: reader.get(path))
        etag = response.headers["ETag"]
        timed(
            "  ... its 304 (If-None-Match)",
            lambda path=path, etag=etag: reader.get(path, headers={"If-None-Match": etag}),
        )


if __name__ == "__main__":
    main()
