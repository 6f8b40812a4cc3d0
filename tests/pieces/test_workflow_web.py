"""The desk plans a review end to end in the browser, and publish-due publishes it."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from coverage.drafts.models import Comment
from coverage.extensions import db
from coverage.pieces import services
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, Transition
from coverage.programme.kinds import EmbargoRule, ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.timeutil import utcnow
from tests.conftest import count_page_queries, log_in


def piece_state(app, piece_id: int) -> PieceState:
    with app.app_context():
        return db.session.get(Piece, piece_id).state


def act(client, piece_id: int, action: str, note: str = ""):
    page = f"/pieces/{piece_id}"
    return client.post_form(f"{page}/transitions", {"action": action, "note": note}, page=page)


def flashes(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_review_from_plan_to_publication(app, client, users, programme):
    slug = programme["slug"]
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
        db.session.commit()
        embargo = film.embargo_at

    # The editor plans a review of Red Rocket and assigns it: the press screening is offered
    # first and the due time defaults to a day after it ends.
    log_in(client, "editor@example.org")
    new = f"/festivals/{slug}/pieces/new"
    response = client.post_form(new, {"kind": "review", "film_id": programme["film"]}, page=new)
    assert response.status_code == 302
    piece_id = int(re.search(r"/pieces/(\d+)/assign", response.headers["Location"]).group(1))
    assign_page = client.get(f"/pieces/{piece_id}/assign").get_data(as_text=True)
    press_option = re.search(
        r'<option selected value="(\d+)">Fri 8 Oct 09:00 London time · Press', assign_page
    )
    assert press_option, "the press screening is proposed first"
    response = client.post_form(
        f"/pieces/{piece_id}/assign",
        {"writer_id": users["writer"], "screening_id": programme["press"], "word_target": "450"},
        page=f"/pieces/{piece_id}/assign",
    )
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        assert piece.state is PieceState.ASSIGNED
        # Press screening 09:00-11:10 BST on 8 October; due 24 hours after it ends.
        assert piece.due_at == datetime(2021, 10, 9, 10, 10, tzinfo=UTC)
    page = client.get(f"/pieces/{piece_id}").get_data(as_text=True)
    assert "Fri 08 Oct 2021, 09:00 London time · Press screening at BFI Southbank NFT1" in page
    assert "Sat 09 Oct 2021, 11:10 London time" in page  # copy due
    assert "The embargo for Red Rocket lifts at" in page  # may go out

    # The writer declines, with a reason the editor then sees.
    client.post_form("/logout")
    log_in(client, "writer@example.org")
    # The note's hint names only what this writer can do here.
    writer_page = client.get(f"/pieces/{piece_id}").get_data(as_text=True)
    assert '<span class="muted">(required to decline)</span>' in writer_page
    refused = act(client, piece_id, "decline")
    assert refused.status_code == 409
    assert "Say why you are declining" in refused.get_data(as_text=True)
    assert act(client, piece_id, "decline", "I am on a jury that morning").status_code == 302
    assert piece_state(app, piece_id) is PieceState.PITCHED
    client.post_form("/logout")
    log_in(client, "editor@example.org")
    assign_page = client.get(f"/pieces/{piece_id}/assign").get_data(as_text=True)
    assert "Wyn Writer declined this on" in assign_page
    assert ": I am on a jury that morning" in assign_page
    # Giving it back to the writer who declined it is confirmed first.
    client.post_form(
        f"/pieces/{piece_id}/assign",
        {
            "writer_id": users["writer"],
            "screening_id": programme["public"],
            "confirm_clashes": "y",
        },
        page=f"/pieces/{piece_id}/assign",
    )
    assert piece_state(app, piece_id) is PieceState.ASSIGNED

    # An editor cannot approve a piece nobody has edited; the message says which can be.
    refused = act(client, piece_id, "approve").get_data(as_text=True)
    assert "An assigned piece cannot be approved (only an editing one)." in refused

    # The editor cannot file for the writer.
    response = act(client, piece_id, "file")
    assert "An assigned piece cannot be filed (only a drafting one)." in response.get_data(
        as_text=True
    )

    # The writer writes (which starts drafting) and files.
    client.post_form("/logout")
    log_in(client, "writer@example.org")
    text = f"/pieces/{piece_id}/text"
    form = client.get(text).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    saved = client.post_form(
        text,
        {
            "version": version,
            "headline": "",
            "standfirst": "",
            "body": "A hustler comes home.",
            "star_rating": "4",
        },
        page=text,
    )
    assert saved.status_code == 302
    assert piece_state(app, piece_id) is PieceState.DRAFTING
    assert act(client, piece_id, "file").status_code == 302
    assert piece_state(app, piece_id) is PieceState.FILED

    # The editor takes it, returns it with a note (which becomes a comment), the writer
    # files again, and the editor approves once it has a headline.
    client.post_form("/logout")
    log_in(client, "editor@example.org")
    assert act(client, piece_id, "take_for_edit").status_code == 302
    assert act(client, piece_id, "return", "Say more about Simon Rex").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Comment.body)) == "Say more about Simon Rex"
    client.post_form("/logout")
    log_in(client, "writer@example.org")
    assert "Say more about Simon Rex" in client.get("/my-work").get_data(as_text=True)
    act(client, piece_id, "file")
    client.post_form("/logout")
    log_in(client, "editor@example.org")
    act(client, piece_id, "take_for_edit")
    refused = act(client, piece_id, "approve")
    assert "Give the piece a headline before approving it." in refused.get_data(as_text=True)
    text_form = client.get(text).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', text_form).group(1)
    client.post_form(
        text,
        {
            "version": version,
            "headline": "Red Rocket review",
            "standfirst": "",
            "body": "A hustler comes home. Simon Rex is superb.",
            "star_rating": "4",
        },
        page=text,
    )
    assert act(client, piece_id, "approve").status_code == 302

    # Publishing before the embargo schedules it instead, saying when it will go out.
    response = act(client, piece_id, "publish")
    assert "Scheduled, not yet published. The embargo for Red Rocket lifts at" in flashes(
        client, response
    )
    assert piece_state(app, piece_id) is PieceState.SCHEDULED

    # publish-due does nothing before the embargo, then publishes it once.
    with app.app_context():
        assert services.publish_due(utcnow()) == []
        published = services.publish_due(embargo + timedelta(minutes=1))
        db.session.commit()
        assert [piece.id for piece in published] == [piece_id]
        assert services.publish_due(embargo + timedelta(minutes=2)) == []
        piece = db.session.get(Piece, piece_id)
        assert piece.state is PieceState.PUBLISHED
        actions = [t.action for t in piece.transitions]
    assert actions == [
        "pitch",
        "assign",
        "decline",
        "assign",
        "start",
        "file",
        "take_for_edit",
        "return",
        "file",
        "take_for_edit",
        "approve",
        "publish",
        "publish_scheduled",
    ]
    history = client.get(f"/pieces/{piece_id}").get_data(as_text=True)
    assert "I am on a jury that morning" in history
    assert "Publishing job" in history


def test_embargo_rule_follows_the_first_public_screening(app, client, users, programme):
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        film.embargo_offset_minutes = 0
        piece = db.session.get(Piece, programme["piece"])
        assert services.embargo_for(piece) == datetime(2021, 10, 10, 17, 30, tzinfo=UTC)
        # Move the public screening a day later: the embargo moves with it.
        public = db.session.get(Screening, programme["public"])
        public.starts_at += timedelta(days=1)
        public.ends_at += timedelta(days=1)
        db.session.flush()
        db.session.refresh(film)
        assert services.embargo_for(piece) == datetime(2021, 10, 11, 17, 30, tzinfo=UTC)


def test_assigning_shows_clashes_and_needs_confirmation(app, client, users, programme):
    slug = programme["slug"]
    with app.app_context():
        # The writer already attends a screening at the Odeon that ends 11:00 BST on 8 October.
        other_film = Film(festival_id=programme["festival"], title="Belfast", runtime_minutes=98)
        db.session.add(other_film)
        db.session.flush()
        busy = Screening(
            festival_id=programme["festival"],
            film_id=other_film.id,
            venue_id=programme["odeon"],
            starts_at=datetime(2021, 10, 8, 8, 30, tzinfo=UTC),
            ends_at=datetime(2021, 10, 8, 10, 5, tzinfo=UTC),
            kind=ScreeningKind.PRESS,
        )
        db.session.add(busy)
        db.session.add(
            Piece(
                festival_id=programme["festival"],
                film_id=other_film.id,
                kind=PieceKind.REVIEW,
                state=PieceState.ASSIGNED,
                writer_id=users["writer"],
                screening=busy,
                due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
            )
        )
        db.session.commit()
    log_in(client, "editor@example.org")
    url = f"/pieces/{programme['piece']}/assign"
    form = {"writer_id": users["writer"], "screening_id": programme["press"]}
    response = client.post_form(url, form, page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Clashes with the writer" in page
    assert "Belfast (press screening)" in page
    assert "they overlap" in page
    assert piece_state(app, programme["piece"]) is PieceState.PITCHED
    response = client.post_form(url, {**form, "confirm_clashes": "y"}, page=url)
    assert response.status_code == 302
    assert piece_state(app, programme["piece"]) is PieceState.ASSIGNED
    del slug


def test_board_shows_each_film_with_its_pieces_and_counts(app, client, users, programme):
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        piece.due_at = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
        db.session.add(Film(festival_id=programme["festival"], title="Unwatched"))
        db.session.commit()
    log_in(client, "editor@example.org")
    board = f"/festivals/{programme['slug']}/coverage"
    page = client.get(board).get_data(as_text=True)
    assert "Wyn Writer" in page and "due Sat 9 11:00" in page
    assert "Press Fri 8 09:00" in page and "Public Sun 10 18:30" in page
    # Each empty kind's "+" says what it plans, in English a screen reader can read out.
    assert 'aria-label="Plan an interview of Unwatched"' in page
    assert 'aria-label="Plan a review of Unwatched"' in page
    uncovered = client.get(f"{board}?uncovered=1").get_data(as_text=True)
    assert "Unwatched" in uncovered and "Red Rocket" not in uncovered
    by_state = client.get(f"{board}?state=assigned").get_data(as_text=True)
    assert "Red Rocket" in by_state and "Unwatched" not in by_state
    load = client.get(f"/festivals/{programme['slug']}/load").get_data(as_text=True)
    assert "Wyn Writer" in load


def count_queries(app, client, url: str) -> int:
    return count_page_queries(app, client, url)


def add_films_and_pieces(app, programme, users, films: int, prefix: str) -> None:
    with app.app_context():
        rows = [
            Film(festival_id=programme["festival"], title=f"{prefix} {n}", section="Debate")
            for n in range(films)
        ]
        db.session.add_all(rows)
        db.session.flush()
        for n, film in enumerate(rows):
            db.session.add(
                Screening(
                    festival_id=programme["festival"],
                    film_id=film.id,
                    venue_id=programme["nft1"],
                    starts_at=datetime(2021, 10, 12, 9, 0, tzinfo=UTC) + timedelta(minutes=n),
                    ends_at=datetime(2021, 10, 12, 11, 0, tzinfo=UTC) + timedelta(minutes=n),
                    kind=ScreeningKind.PRESS,
                )
            )
            for kind in (PieceKind.REVIEW, PieceKind.INTERVIEW):
                db.session.add(
                    Piece(
                        festival_id=programme["festival"],
                        film_id=film.id,
                        kind=kind,
                        writer_id=users["writer"],
                        state=PieceState.ASSIGNED,
                        due_at=datetime(2021, 10, 13, 9, 0, tzinfo=UTC),
                    )
                )
        db.session.commit()


def test_board_and_load_query_counts_do_not_grow(app, client, users, login, programme):
    login("editor")
    board = f"/festivals/{programme['slug']}/coverage"
    load = f"/festivals/{programme['slug']}/load"
    add_films_and_pieces(app, programme, users, 2, "Few")
    few = (count_queries(app, client, board), count_queries(app, client, load))
    add_films_and_pieces(app, programme, users, 40, "Many")
    many = (count_queries(app, client, board), count_queries(app, client, load))
    assert "Many 39" in client.get(board).get_data(as_text=True)
    assert many == few


def schedule_pieces(app, programme, users, count: int) -> list[int]:
    past = utcnow() - timedelta(minutes=5)
    with app.app_context():
        pieces = [
            Piece(
                festival_id=programme["festival"],
                film_id=programme["film"],
                kind=PieceKind.REVIEW,
                writer_id=users["writer"],
                state=PieceState.SCHEDULED,
                headline=f"Review {n}",
                body="Text",
                publish_at=past,
            )
            for n in range(count)
        ]
        db.session.add_all(pieces)
        db.session.commit()
        return [piece.id for piece in pieces]


def test_publish_due_command_prints_what_it_published(app, users, programme):
    ids = schedule_pieces(app, programme, users, 2)
    result = app.test_cli_runner().invoke(args=["publish-due"])
    assert result.exit_code == 0, result.output
    assert f"published #{ids[0]} Review 0 at" in result.output
    assert "2 pieces published." in result.output
    again = app.test_cli_runner().invoke(args=["publish-due"])
    assert "0 pieces published." in again.output


def test_publish_due_racing_publishes_each_piece_once(app, users, programme):
    ids = schedule_pieces(app, programme, users, 30)
    barrier = threading.Barrier(4)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                published = services.publish_due(utcnow())
                db.session.commit()
                results.append([piece.id for piece in published])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    published = [piece_id for batch in results for piece_id in batch]
    assert sorted(published) == sorted(ids), "every piece published, none twice"
    with app.app_context():
        counts = db.session.execute(
            select(Transition.piece_id, func.count())
            .where(Transition.action == "publish_scheduled")
            .group_by(Transition.piece_id)
        ).all()
        assert dict(counts) == dict.fromkeys(ids, 1)


def test_a_correction_keeps_the_published_version_live(app, client, users, programme):
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.READY
        piece.headline = "Red Rocket review"
        piece.body = "First published text."
        db.session.commit()
    log_in(client, "editor@example.org")
    assert act(client, programme["piece"], "publish").status_code == 302
    assert act(client, programme["piece"], "correct").status_code == 302
    text = f"/pieces/{programme['piece']}/text"
    version = re.search(
        r'name="version" type="hidden" value="(\d+)"', client.get(text).get_data(as_text=True)
    ).group(1)
    client.post_form(
        text,
        {
            "version": version,
            "headline": "Red Rocket review",
            "standfirst": "",
            "body": "Corrected text.",
            "star_rating": "",
        },
        page=text,
    )
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert "Revision 1" in page and "stays live until the correction is published" in page
    with app.app_context():
        from coverage.drafts.models import Revision

        live = db.session.scalar(select(Revision).where(Revision.number == 1))
        assert live.body == "First published text."
        assert db.session.get(Piece, programme["piece"]).state is PieceState.EDITING
