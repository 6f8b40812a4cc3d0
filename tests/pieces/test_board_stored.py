"""A festival's coverage board is built once per change of what it shows and kept
(coverage.fragments): changes to pieces, writers, the films a piece covers, interviewees,
people and rows deleted outright are seen at the next request; each viewer gets their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.festivals.models import Venue, VenueTravel
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, piece_films, piece_interviewees
from coverage.programme.models import Film, Person
from tests.conftest import count_statements, forget_built_pages, log_in, without_csrf_tokens
from tests.pieces.test_clash_override import busy_writer


def board_url(programme) -> str:
    return f"/festivals/{programme['slug']}/coverage"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def assign_review(app, programme, users) -> None:
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        piece.due_at = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
        db.session.commit()


def test_a_stored_board_is_the_same_page_for_fewer_queries(app, client, users, programme):
    assign_review(app, programme, users)
    log_in(client, "editor@example.org")
    url = board_url(programme)
    built_count, built = count_statements(app, lambda: client.get(url))
    stored_count, stored = count_statements(app, lambda: client.get(url))

    assert without_csrf_tokens(stored.get_data(as_text=True)) == without_csrf_tokens(
        built.get_data(as_text=True)
    )
    assert stored_count < built_count


def test_a_state_change_and_a_renamed_writer_are_seen_at_once(app, client, users, programme):
    assign_review(app, programme, users)
    log_in(client, "editor@example.org")
    url = board_url(programme)
    assert "Wyn Writer" in page(client, url) and "due Sat 9 11:00" in page(client, url)

    with app.app_context():
        db.session.get(Piece, programme["piece"]).state = PieceState.FILED
        db.session.commit()
    assert "due Sat 9 11:00" not in page(client, url)

    with app.app_context():
        db.session.get(User, users["writer"]).name = "Wyn Critic"
        db.session.commit()
    html = page(client, url)
    assert "Wyn Critic" in html and "Wyn Writer" not in html


def test_a_film_added_to_a_piece_without_touching_the_piece_shows_in_its_row(
    app, client, users, programme
):
    """Other films live in a table of their own, with no change time: its rows are counted
    and summed."""
    with app.app_context():
        film = Film(festival_id=programme["festival"], title="Second Feature")
        db.session.add(film)
        db.session.commit()
        film_id = film.id
    log_in(client, "editor@example.org")
    url = board_url(programme)
    assert ">Second Feature</a>" in page(client, f"{url}?uncovered=1")

    with app.app_context():
        db.session.execute(insert(piece_films).values(piece_id=programme["piece"], film_id=film_id))
        db.session.commit()

    assert ">Second Feature</a>" not in page(client, f"{url}?uncovered=1")


def test_an_interview_tied_to_no_film_is_titled_by_its_interviewees(app, client, users, programme):
    with app.app_context():
        person = Person(name="Agnes Varda")
        interview = Piece(festival_id=programme["festival"], kind=PieceKind.INTERVIEW)
        db.session.add_all([person, interview])
        db.session.commit()
        person_id, interview_id = person.id, interview.id
    log_in(client, "editor@example.org")
    url = board_url(programme)
    assert "Pieces not tied to a film" in page(client, url)

    with app.app_context():
        db.session.execute(
            insert(piece_interviewees).values(piece_id=interview_id, person_id=person_id)
        )
        db.session.commit()
    assert "Interview: Agnes Varda" in page(client, url)

    with app.app_context():
        db.session.get(Person, person_id).name = "Agnès Varda, director"
        db.session.commit()
    assert "Interview: Agnès Varda, director" in page(client, url)

    with app.app_context():
        db.session.execute(delete(Piece).where(Piece.id == interview_id))
        db.session.commit()
    assert "Pieces not tied to a film" not in page(client, url)


def test_each_viewer_gets_the_titles_they_may_read(app, client, users, make_user, programme):
    """A headline is text: the desk and the piece's writer see it, another writer sees the
    working title, even when the board was stored for someone who may read it."""
    with app.app_context():
        draft = Piece(
            festival_id=programme["festival"],
            kind=PieceKind.NEWS,
            writer_id=users["writer"],
            state=PieceState.DRAFTING,
            headline="Festival director resigns",
        )
        db.session.add(draft)
        db.session.commit()
    other = make_user("writer", "other@example.org", "Otto Other")
    assert other
    url = board_url(programme)
    editor = app.test_client()
    log_in(editor, "editor@example.org")
    assert "Festival director resigns" in page(editor, url)

    log_in(client, "other@example.org")
    html = page(client, url)
    assert "Festival director resigns" not in html and "News #" in html


WORSE = "⚠ assigned over a clash, now worse"


def assigned_over_a_clash(app, client, users, programme, minutes: tuple[int, int]):
    """The writer attends Belfast at the Odeon while Red Rocket's press screening runs at NFT1;
    the desk stores travel minutes for NFT1-Odeon and Odeon-Curzon and assigns the review
    anyway. Returns the travel form's address and field names."""
    busy_writer(app, programme, users)
    log_in(client, "editor@example.org")
    venues = f"/festivals/{programme['slug']}/venues"
    assert client.post_form(venues, {"venue-name": "Curzon Soho"}, page=venues).status_code == 302
    with app.app_context():
        curzon = db.session.scalar(select(Venue.id).where(Venue.name == "Curzon Soho"))
    pairs = [
        tuple(sorted((programme["nft1"], programme["odeon"]))),
        tuple(sorted((programme["odeon"], curzon))),
    ]
    fields = [f"pair-{first}-{second}" for first, second in pairs]
    travel = f"{venues}/travel"
    sent = dict(zip(fields, map(str, minutes), strict=True))
    assert client.post_form(travel, sent, page=venues).status_code == 302
    assign = f"/pieces/{programme['piece']}/assign"
    plan = {
        "writer_id": users["writer"],
        "screening_id": programme["press"],
        "confirm_clashes": "y",
    }
    assert client.post_form(assign, plan, page=assign).status_code == 302
    html = page(client, board_url(programme))
    assert "⚠ assigned over a clash" in html and "now worse" not in html
    return travel, venues, fields


def test_a_travel_table_saved_in_one_go_with_changes_that_cancel_out_is_seen(
    app, client, users, programme
):
    """Found by a tester: NFT1-Odeon 15 -> 30 and Odeon-Curzon 30 -> 15 in one save left a plain
    sum of the rows as it was, and the board kept the clash as it had been."""
    travel, venues, fields = assigned_over_a_clash(app, client, users, programme, (15, 30))

    sent = dict(zip(fields, ("30", "15"), strict=True))
    assert client.post_form(travel, sent, page=venues).status_code == 302

    assert WORSE in page(client, board_url(programme))


def test_two_travel_rows_swapping_their_minutes_is_seen(app, client, users, programme):
    travel, venues, fields = assigned_over_a_clash(app, client, users, programme, (15, 30))
    with app.app_context():
        rows = db.session.scalars(select(VenueTravel).order_by(VenueTravel.id)).all()
        rows[0].minutes, rows[1].minutes = rows[1].minutes, rows[0].minutes
        db.session.commit()

    stored = page(client, board_url(programme))
    forget_built_pages(app)
    assert without_csrf_tokens(stored) == without_csrf_tokens(page(client, board_url(programme)))
    assert WORSE in stored


def test_a_stored_board_goes_out_whole_with_its_length_and_charset(app, client, users, programme):
    """The stored part is written after the page's head as it is (`fragments.page_with`): the
    response still says how long it is and how it is encoded, built or stored."""
    assign_review(app, programme, users)
    log_in(client, "editor@example.org")
    url = board_url(programme)
    for _ in ("built", "stored"):
        response = client.get(url)
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(response.headers["Content-Length"]) == len(response.data)
        html = response.get_data(as_text=True)
        assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
        assert html.count("<main") == 1 and "Wyn Writer" in html
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == len(response.data)
