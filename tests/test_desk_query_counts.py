"""The desk's pages at desk scale (issue 14): each costs the same few queries (at most 15)
however much the desk holds, and My work shows each section's most urgent items, not every
item of every year, with the way to the rest."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.drafts.models import Comment, Revision
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Venue
from coverage.pieces.inbox_rules import PAGE_SIZE, SHOWN
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import ClashOverride, Piece, Transition
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Person, Screening
from coverage.programme.rules import FestivalFields
from coverage.timeutil import utcnow
from tests.conftest import count_page_queries

S = PieceState
MOST = 15
BUSY_DAY = datetime(2021, 10, 12, 8, 0, tzinfo=UTC)  # 09:00 in London
LONG_AGO = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
_serial = count(1)


def _writer(tag: str) -> User:
    """A writer of their own (pages must not query once per person)."""
    n = next(_serial)
    user = User(
        email=f"{tag.lower()}{n}@example.org",
        name=f"{tag} Writer {n}",
        role=Role.WRITER,
        password_hash="unused",
    )
    db.session.add(user)
    return user


def grow(app, programme, users, films: int, tag: str) -> None:
    """`films` more films at the programme's festival, each with a press and a public screening
    on 12 October (the day view's day) and coverage in every state the desk pages show, by
    writers of their own: an overdue review attending the press screening (assigned over a
    clash), a filed interview with an interviewee, a ready feature covering the film among
    others, a declined pitch, a plain pitch, a scheduled review, one the editor is editing,
    and a news piece tied to no film. The fixture's writer gets an overdue review, a returned
    draft and an interview slot to attend."""
    with app.app_context():
        festival_id, editor = programme["festival"], users["editor"]
        venue = Venue(festival_id=festival_id, name=f"Screen {tag}")
        db.session.add(venue)
        for n in range(films):
            writer = _writer(tag)
            film = Film(festival_id=festival_id, title=f"{tag} film {n}", section=f"Strand {tag}")
            starts = BUSY_DAY + timedelta(minutes=5 * n)
            press = Screening(
                festival_id=festival_id,
                film=film,
                venue=venue,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=100),
                kind=ScreeningKind.PRESS,
            )
            public = Screening(
                festival_id=festival_id,
                film=film,
                venue=venue,
                starts_at=starts + timedelta(hours=3),
                ends_at=starts + timedelta(hours=3, minutes=100),
                kind=ScreeningKind.PUBLIC,
            )
            db.session.add_all([film, press, public])
            db.session.flush()

            def piece(kind: PieceKind, state: PieceState, **values) -> Piece:
                made = Piece(festival_id=festival_id, kind=kind, state=state, **values)
                db.session.add(made)
                return made

            review = piece(
                PieceKind.REVIEW,
                S.ASSIGNED,
                film_id=film.id,
                writer_id=writer.id,
                screening_id=press.id,
                due_at=LONG_AGO + timedelta(minutes=n),
            )
            review.transitions.append(
                Transition(action="assign", to_state=S.ASSIGNED, actor_id=editor)
            )
            review.clash_overrides.append(
                ClashOverride(
                    writer_id=writer.id,
                    by_id=editor,
                    fingerprint=f"{tag}{n}",
                    shortfall_minutes=10,
                    description=f"Clash {tag} {n}",
                )
            )
            interview = piece(PieceKind.INTERVIEW, S.FILED, film_id=film.id, writer_id=writer.id)
            interview.interviewees.append(Person(name=f"{tag} Director {n}", film_id=film.id))
            interview.transitions.append(
                Transition(action="file", to_state=S.FILED, actor_id=writer.id)
            )
            feature = piece(PieceKind.FEATURE, S.READY, writer_id=writer.id)
            feature.other_films.append(film)
            declined = piece(
                PieceKind.REVIEW, S.PITCHED, film_id=film.id, decline_reason=f"Busy {n}"
            )
            declined.transitions.append(
                Transition(action="decline", to_state=S.PITCHED, actor_id=writer.id)
            )
            piece(PieceKind.REVIEW, S.PITCHED, film_id=film.id, writer_id=writer.id)
            piece(
                PieceKind.REVIEW,
                S.SCHEDULED,
                film_id=film.id,
                writer_id=writer.id,
                publish_at=datetime(2031, 1, 2, 9, 30, tzinfo=UTC),
            )
            piece(
                PieceKind.INTERVIEW,
                S.EDITING,
                film_id=film.id,
                writer_id=writer.id,
                editor_id=editor,
            )
            piece(PieceKind.NEWS, S.DRAFTING, writer_id=writer.id, due_at=utcnow() + timedelta(1))
            # The fixture's writer: overdue, returned with notes, an interview still to attend.
            piece(
                PieceKind.REVIEW,
                S.ASSIGNED,
                film_id=film.id,
                writer_id=users["writer"],
                due_at=LONG_AGO,
            )
            returned = piece(
                PieceKind.REVIEW,
                S.DRAFTING,
                film_id=film.id,
                writer_id=users["writer"],
                due_at=utcnow() + timedelta(days=2),
            )
            returned.transitions.append(
                Transition(action="return", to_state=S.DRAFTING, actor_id=editor, note="Tighten")
            )
            slot = utcnow() + timedelta(days=1, minutes=n)
            piece(
                PieceKind.INTERVIEW,
                S.ASSIGNED,
                film_id=film.id,
                writer_id=users["writer"],
                due_at=utcnow() + timedelta(days=3),
                slot_starts_at=slot,
                slot_ends_at=slot + timedelta(minutes=30),
                slot_place="Hotel bar",
            )
        db.session.commit()


def lengthen(app, piece_id: int, steps: int, tag: str) -> None:
    """`steps` more revisions, comments and history steps on one piece, each by someone else."""
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        numbers = db.session.query(Revision).filter_by(piece_id=piece_id).count()
        for n in range(steps):
            person = _writer(tag)
            db.session.flush()
            db.session.add(
                Revision(
                    piece_id=piece_id,
                    number=numbers + n + 1,
                    author_id=person.id,
                    version=numbers + n + 1,
                    headline=f"Draft {numbers + n + 1}",
                    body=f"Paragraph {n}.\n\nAnother paragraph by {person.name}.",
                )
            )
            db.session.add(Comment(piece_id=piece_id, author_id=person.id, body=f"Note {n}"))
            piece.transitions.append(
                Transition(action="note", to_state=piece.state, actor_id=person.id)
            )
        db.session.commit()


def assert_flat(few: int, many: int) -> None:
    assert many == few, f"{few} queries with a little data, {many} with more"
    assert many <= MOST, f"{many} queries: at most {MOST}"


def running_festival(app) -> tuple[int, str]:
    """A festival running now (id, slug)."""
    today = utcnow().date()
    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Running Festival",
                edition=today.year,
                timezone="Europe/London",
                start_date=today - timedelta(days=2),
                end_date=today + timedelta(days=8),
            )
        )
        db.session.commit()
        return festival.id, festival.slug


def overdue(app, festival_id: int, writer_id: int, how_many: int, due: datetime, tag: str):
    with app.app_context():
        db.session.add_all(
            Piece(
                festival_id=festival_id,
                kind=PieceKind.NEWS,
                state=S.ASSIGNED,
                writer_id=writer_id,
                headline=f"{tag} {n:03d}",
                due_at=due + timedelta(minutes=n),
            )
            for n in range(how_many)
        )
        db.session.commit()


def section(page: str, key: str) -> str:
    match = re.search(rf'<section [^>]*id="{key}".*?</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(0)


# --- The pages ----------------------------------------------------------------------------


def test_day_view_for_an_editor_costs_the_same_queries_however_many_screenings(
    app, client, users, login, programme
):
    """The editor's day view asks whether cancelling each screening reaches a piece: once for
    the page, not once per screening."""
    login("editor")
    url = f"/festivals/{programme['slug']}/days/2021-10-12"
    grow(app, programme, users, 2, "Few")
    few = count_page_queries(app, client, url)
    grow(app, programme, users, 12, "Many")
    many = count_page_queries(app, client, url)
    page = client.get(url).get_data(as_text=True)
    assert "Many film 11" in page
    assert_flat(few, many)


def test_film_page_costs_the_same_queries_however_many_pieces_cover_it(
    app, client, users, login, programme
):
    login("editor")
    grow(app, programme, users, 1, "Film")
    with app.app_context():
        film_id = db.session.query(Film.id).filter_by(title="Film film 0").scalar()
    url = f"/festivals/{programme['slug']}/films/{film_id}"
    few = count_page_queries(app, client, url)
    # More coverage of the same film: interviews (their titles name the interviewees), and
    # features covering it among other films, by other writers.
    with app.app_context():
        for n in range(8):
            writer = _writer("Cover")
            db.session.flush()
            interview = Piece(
                festival_id=programme["festival"],
                film_id=film_id,
                kind=PieceKind.INTERVIEW,
                state=S.ASSIGNED,
                writer_id=writer.id,
            )
            interview.interviewees.append(Person(name=f"Actor {n}", film_id=film_id))
            feature = Piece(
                festival_id=programme["festival"],
                kind=PieceKind.FEATURE,
                state=S.PITCHED,
                writer_id=writer.id,
            )
            feature.other_films.append(db.session.get(Film, film_id))
            db.session.add_all([interview, feature])
        db.session.commit()
    many = count_page_queries(app, client, url)
    page = client.get(url).get_data(as_text=True)
    assert "Interview: Actor 7" in page and "Cover Writer" in page
    assert_flat(few, many)


def test_coverage_board_costs_the_same_queries_however_many_films_and_pieces(
    app, client, users, login, programme
):
    login("editor")
    url = f"/festivals/{programme['slug']}/coverage"
    grow(app, programme, users, 2, "Few")
    few = count_page_queries(app, client, url)
    grow(app, programme, users, 12, "Many")
    many = count_page_queries(app, client, url)
    page = client.get(url).get_data(as_text=True)
    assert "Many film 11" in page and re.search(r'<span class="who">Many Writer \d+', page)
    assert "Press Tue 12 09:55" in page and "Public Tue 12 12:55" in page
    assert_flat(few, many)


def test_an_editors_my_work_costs_the_same_queries_however_many_pieces(
    app, client, users, login, programme
):
    login("editor")
    grow(app, programme, users, 2, "Few")
    client.get("/my-work")  # first-use settings are stored once, not per page
    few = count_page_queries(app, client, "/my-work")
    grow(app, programme, users, 12, "Many")
    # Years of a desk: more waiting than a page of loading would take in one query.
    overdue(app, programme["festival"], users["admin"], 600, LONG_AGO, "Old")
    many = count_page_queries(app, client, "/my-work")
    page = client.get("/my-work").get_data(as_text=True)
    assert "Interview: Many Director 11" in page and "declined by Many Writer" in page
    assert_flat(few, many)


def test_a_writers_my_work_costs_the_same_queries_however_many_pieces(
    app, client, users, login, programme
):
    login("writer")
    grow(app, programme, users, 2, "Few")
    client.get("/my-work")
    few = count_page_queries(app, client, "/my-work")
    grow(app, programme, users, 12, "Many")
    overdue(app, programme["festival"], users["writer"], 600, LONG_AGO, "Old")
    many = count_page_queries(app, client, "/my-work")
    page = client.get("/my-work").get_data(as_text=True)
    assert "Tighten" in page and "Hotel bar" in page and "Old 599" in page
    assert_flat(few, many)


@pytest.mark.parametrize("page", ["piece", "revisions", "compare"])
def test_a_piece_its_revisions_and_compare_cost_the_same_queries_however_long_its_story(
    app, client, users, login, programme, page
):
    """Revisions, comments and history steps by many people: no query per person."""
    login("editor")
    piece_id = programme["piece"]
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        piece.state, piece.writer_id, piece.editor_id = S.FILED, users["writer"], users["editor"]
        piece.screening_id = programme["press"]
        db.session.commit()
    lengthen(app, piece_id, 2, "Few")
    urls = {
        "piece": f"/pieces/{piece_id}",
        "revisions": f"/pieces/{piece_id}/revisions",
        "compare": f"/pieces/{piece_id}/revisions/compare?a=1&b=2",
    }
    few = count_page_queries(app, client, urls[page])
    lengthen(app, piece_id, 10, "Many")
    many = count_page_queries(app, client, urls[page])
    text = client.get(urls[page]).get_data(as_text=True)
    if page != "compare":
        assert re.search(r"Many Writer \d+", text)
    assert_flat(few, many)


# --- My work at the scale of years -------------------------------------------------------


def test_my_work_shows_todays_overdue_first_and_the_rest_a_link_away(
    app, client, users, login, programme
):
    """Years of stale overdue assignments at festivals long over do not bury today's: the
    running festival's come first, the section shows its most urgent SHOWN with the total."""
    running, _ = running_festival(app)
    overdue(app, programme["festival"], users["writer"], SHOWN + 5, LONG_AGO, "Stale")
    overdue(app, running, users["writer"], 2, utcnow() - timedelta(hours=3), "Today")
    login("editor")
    page = client.get("/my-work").get_data(as_text=True)
    late = section(page, "overdue")
    titles = re.findall(r">((?:Stale|Today) \d{3})</a>", late)
    assert titles[:2] == ["Today 000", "Today 001"], titles[:3]
    assert titles[2] == "Stale 000", "then the festival over, its oldest first"
    assert len(titles) == SHOWN
    total = SHOWN + 7
    assert f'<span class="count">{total}</span>' in late
    assert f'href="/my-work/overdue">See all {total}</a>' in late
    assert f"Overdue assignments <strong>{total}</strong>" in page


def test_a_section_in_full_is_paged_with_links_to_the_next_and_previous(
    app, client, users, login, programme
):
    overdue(app, programme["festival"], users["writer"], PAGE_SIZE + 30, LONG_AGO, "Late")
    login("editor")
    first = client.get("/my-work/overdue")
    assert first.status_code == 200
    assert first.headers["Link"] == '</my-work/overdue?page=2>; rel="next"'
    html = first.get_data(as_text=True)
    titles = re.findall(r">(Late \d{3})</a>", html)
    assert titles == [f"Late {n:03d}" for n in range(PAGE_SIZE)]
    assert f"1–{PAGE_SIZE} of {PAGE_SIZE + 30}" in html and 'rel="next"' in html

    second = client.get("/my-work/overdue?page=2")
    assert second.headers["Link"] == '</my-work/overdue?page=1>; rel="prev"'
    titles = re.findall(r">(Late \d{3})</a>", second.get_data(as_text=True))
    assert titles == [f"Late {n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 30)]

    assert client.get("/my-work/overdue?page=3").status_code == 404
    assert client.get("/my-work/overdue?page=x").status_code == 404
    assert client.get("/my-work/nothing").status_code == 404
    empty = client.get("/my-work/scheduled")
    assert empty.status_code == 200 and "Nothing scheduled." in empty.get_data(as_text=True)
    assert "Link" not in empty.headers


def test_a_writer_has_no_desk_inbox_to_page_through(app, client, users, login, programme):
    login("writer")
    assert client.get("/my-work/overdue").status_code == 403


def test_a_writers_own_overdue_start_with_the_running_festival(
    app, client, users, login, programme
):
    running, _ = running_festival(app)
    overdue(app, programme["festival"], users["writer"], 3, LONG_AGO, "Stale")
    overdue(app, running, users["writer"], 1, utcnow() - timedelta(hours=1), "Today")
    login("writer")
    page = client.get("/my-work").get_data(as_text=True)
    mine = re.search(r"<h2>Overdue</h2>.*?</section>", page, re.S).group(0)
    assert re.findall(r">((?:Stale|Today) \d{3})</a>", mine) == [
        "Today 000",
        "Stale 000",
        "Stale 001",
        "Stale 002",
    ]


def test_running_festivals_come_first_then_the_most_recently_over():
    from coverage.pieces.inbox_rules import FestivalDates, festival_ranks

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    ranks = festival_ranks(
        [
            FestivalDates(1, date(2022, 6, 1), date(2022, 6, 12), "Europe/London"),
            FestivalDates(2, date(2026, 11, 4), date(2026, 11, 15), "Asia/Manila"),
            FestivalDates(3, date(2027, 2, 10), date(2027, 2, 21), "Europe/Berlin"),
            FestivalDates(4, date(2026, 11, 25), date(2026, 12, 5), "America/New_York"),
            # Its last day ends at 10:00 UTC on 1 December in Los Angeles: still running.
            FestivalDates(5, date(2026, 11, 20), date(2026, 11, 30), "America/Los_Angeles"),
        ],
        now,
    )
    assert sorted(ranks, key=ranks.get) == [5, 4, 3, 2, 1]
