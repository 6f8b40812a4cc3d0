"""The desk-scale benchmark's data builder (bench.data), at a tiny scale: what it builds, that
a second call reuses the database as it is, and that the app serves what it built.

Always on a SQLite file of its own, whatever DATABASE_URL says: this is about the builder."""

from __future__ import annotations

from dataclasses import replace

from markupsafe import escape
from sqlalchemy import create_engine, func, select

from bench.data import Sizes, bench_config, ensure_database
from coverage import create_app
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece

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


def test_builds_a_tiny_desk_reuses_it_and_the_app_serves_it(tmp_path):
    path = tmp_path / "desk.sqlite"
    url = f"sqlite:///{path}"
    progress: list[str] = []

    data = ensure_database(url, sizes=TINY, log=progress.append)

    assert not data.reused and data.build_seconds > 0 and data.sqlite_path == path
    assert any(line.startswith("bench data: schema (migrations)") for line in progress)
    counts = data.counts
    assert (counts.festivals, counts.venues, counts.films, counts.screenings) == (2, 6, 40, 80)
    assert (counts.users, counts.pieces, counts.published, counts.comments) == (7, 30, 6, 10)
    engine = create_engine(url)
    with engine.connect() as connection:
        states = set(connection.scalars(select(Piece.state).distinct()))
        per_piece = connection.execute(
            select(Revision.piece_id, func.count()).group_by(Revision.piece_id)
        ).all()
        headline = connection.scalar(
            select(Piece.headline).where(Piece.slug == data.published_path.rsplit("/", 1)[1])
        )
    engine.dispose()
    assert states == set(PieceState)
    assert per_piece and {revisions for _, revisions in per_piece} == {3}
    assert counts.revisions == 3 * len(per_piece)
    assert data.revision_numbers == (1, 2, 3)

    built_at = path.stat().st_mtime_ns
    progress.clear()
    again = ensure_database(url, sizes=TINY, log=progress.append)

    assert again.reused and again.build_seconds == 0 and progress == []
    assert path.stat().st_mtime_ns == built_at
    assert replace(again, reused=False, build_seconds=data.build_seconds) == data

    app = create_app(bench_config(url))
    reader = app.test_client()
    page = reader.get(data.published_path)
    assert page.status_code == 200
    assert str(escape(headline)) in page.get_data(as_text=True)
    feed = reader.get(data.festival_feed_path)
    assert feed.status_code == 200
    assert feed.data.count(b"BEGIN:VEVENT") == TINY.screenings == data.festival_screenings
    api = reader.get("/api/v1/pieces", headers={"Authorization": f"Bearer {data.api_token}"})
    assert api.status_code == 200
    with app.app_context():
        db.engine.dispose()
