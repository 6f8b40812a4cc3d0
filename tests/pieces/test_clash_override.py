"""An "assign anyway" over a clash is recorded and shown, and not asked about again unless the
clash is new or worse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coverage.extensions import db
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import ClashOverride, Piece
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from tests.conftest import count_page_queries


def busy_writer(app, programme, users) -> dict[str, int]:
    """The writer already attends Belfast at the Odeon, 08:30-10:05 UTC on 8 October; the
    programme's Red Rocket press screening is 08:00-10:10 UTC at NFT1: they overlap."""
    with app.app_context():
        film = Film(festival_id=programme["festival"], title="Belfast", runtime_minutes=95)
        db.session.add(film)
        db.session.flush()
        busy = Screening(
            festival_id=programme["festival"],
            film_id=film.id,
            venue_id=programme["odeon"],
            starts_at=datetime(2021, 10, 8, 8, 30, tzinfo=UTC),
            ends_at=datetime(2021, 10, 8, 10, 5, tzinfo=UTC),
            kind=ScreeningKind.PRESS,
        )
        other = Piece(
            festival_id=programme["festival"],
            film_id=film.id,
            kind=PieceKind.REVIEW,
            state=PieceState.ASSIGNED,
            writer_id=users["writer"],
            screening=busy,
            due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
        )
        db.session.add_all([busy, other])
        db.session.commit()
        return {"busy": busy.id, "other": other.id}


def overrides(app, piece_id: int) -> list[tuple[str, int, int | None]]:
    with app.app_context():
        return [
            (o.description, o.shortfall_minutes, o.by_id)
            for o in db.session.scalars(
                select(ClashOverride).where(ClashOverride.piece_id == piece_id)
            )
        ]


def test_assign_anyway_is_recorded_and_shown(app, client, users, login, programme):
    busy_writer(app, programme, users)
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = {"writer_id": users["writer"], "screening_id": programme["press"]}
    asked = client.post_form(url, form, page=url)
    assert asked.status_code == 422
    assert "Assign anyway" in asked.get_data(as_text=True)
    assert overrides(app, programme["piece"]) == []

    assert client.post_form(url, {**form, "confirm_clashes": "y"}, page=url).status_code == 302
    [(description, shortfall, by)] = overrides(app, programme["piece"])
    assert description.startswith("Belfast (press screening) for Review: Belfast, Fri 8 Oct 09:30")
    assert description.endswith("at Odeon Luxe Leicester Square: they overlap by 100 min")
    assert by == users["editor"]
    assert shortfall == 100 + 15  # the overlap and the festival's default travel buffer

    piece_page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert "Assigned despite a clash (Wyn Writer): Belfast (press screening)" in piece_page
    assert "— by Ed Editor, at" in piece_page
    board = client.get(f"/festivals/{programme['slug']}/coverage").get_data(as_text=True)
    assert "⚠ assigned over a clash" in board
    load = client.get(f"/festivals/{programme['slug']}/load").get_data(as_text=True)
    assert "1 clash accepted" in load
    assert "they overlap by 100 min — by Ed Editor" in load


def test_a_later_plan_edit_does_not_ask_again_but_a_new_clash_does(
    app, client, users, login, programme
):
    ids = busy_writer(app, programme, users)
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = {"writer_id": users["writer"], "screening_id": programme["press"]}
    client.post_form(url, {**form, "confirm_clashes": "y"}, page=url)
    assert len(overrides(app, programme["piece"])) == 1

    # Another field of the plan changes: the accepted clash is not raised again.
    saved = client.post_form(url, {**form, "word_target": "600"}, page=url)
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Piece, programme["piece"]).word_target == 600
    assert len(overrides(app, programme["piece"])) == 1

    # The other screening moves 20 minutes earlier: a bigger overlap is asked about again.
    with app.app_context():
        busy = db.session.get(Screening, ids["busy"])
        busy.starts_at -= timedelta(minutes=20)
        busy.ends_at -= timedelta(minutes=20)
        db.session.commit()
    asked = client.post_form(url, {**form, "word_target": "650"}, page=url)
    assert asked.status_code == 422
    assert "they overlap" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Piece, programme["piece"]).word_target == 600  # not saved
    client.post_form(url, {**form, "word_target": "650", "confirm_clashes": "y"}, page=url)
    assert [row[1] for row in overrides(app, programme["piece"])] == [115, 135]

    # A clash with another commitment is new, however small; the accepted one is marked so.
    with app.app_context():
        db.session.add(
            Piece(
                festival_id=programme["festival"],
                kind=PieceKind.INTERVIEW,
                state=PieceState.ASSIGNED,
                writer_id=users["writer"],
                slot_starts_at=datetime(2021, 10, 8, 10, 15, tzinfo=UTC),
                slot_ends_at=datetime(2021, 10, 8, 11, 0, tzinfo=UTC),
                slot_place="Soho Hotel",
                due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
            )
        )
        db.session.commit()
    asked = client.post_form(url, {**form, "word_target": "700"}, page=url)
    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert "only 5 min between them" in page
    assert "<strong>Accepted earlier:</strong> <strong>Red Rocket" in page
    client.post_form(url, {**form, "word_target": "700", "confirm_clashes": "y"}, page=url)
    latest = overrides(app, programme["piece"])[-1][0]
    assert "Soho Hotel: only 5 min between them; 15 min needed" in latest
    assert len(overrides(app, programme["piece"])) == 3


def add_overridden_pieces(app, programme, users, count: int) -> None:
    """`count` assigned pieces, each with a recorded clash override by the editor."""
    with app.app_context():
        for n in range(count):
            piece = Piece(
                festival_id=programme["festival"],
                film_id=programme["film"],
                kind=PieceKind.REVIEW,
                state=PieceState.ASSIGNED,
                writer_id=users["writer"],
                screening_id=programme["press"],
                due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
            )
            piece.clash_overrides.append(
                ClashOverride(
                    writer_id=users["writer"],
                    by_id=users["editor"] if n % 2 else users["admin"],
                    fingerprint=f"f{n}",
                    shortfall_minutes=10,
                    description=f"Clash {n}",
                )
            )
            db.session.add(piece)
        db.session.commit()


def test_board_and_load_query_counts_stay_flat_with_overrides(app, client, users, login, programme):
    login("writer")  # the board for a writer, who is no override's author
    board = f"/festivals/{programme['slug']}/coverage"
    add_overridden_pieces(app, programme, users, 2)
    client.get(board)
    few_board = count_page_queries(app, client, board)
    add_overridden_pieces(app, programme, users, 6)
    assert count_page_queries(app, client, board) == few_board
    client.post_form("/logout")
    login("admin")
    load = f"/festivals/{programme['slug']}/load"
    client.get(load)
    few_load = count_page_queries(app, client, load)
    add_overridden_pieces(app, programme, users, 6)
    page = client.get(load).get_data(as_text=True)
    assert "Clash 5" in page and "by Ed Editor" in page and "by Ada Admin" in page
    assert count_page_queries(app, client, load) == few_load


def move(app, screening_id: int, minutes: int) -> None:
    with app.app_context():
        busy = db.session.get(Screening, screening_id)
        busy.starts_at += timedelta(minutes=minutes)
        busy.ends_at += timedelta(minutes=minutes)
        db.session.commit()


def test_an_accepted_clash_is_shown_as_it_is_now(app, client, users, login, programme):
    ids = busy_writer(app, programme, users)
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = {
        "writer_id": users["writer"],
        "screening_id": programme["press"],
        "confirm_clashes": "y",
    }
    assert client.post_form(url, form, page=url).status_code == 302
    piece_url = f"/pieces/{programme['piece']}"
    board = f"/festivals/{programme['slug']}/coverage"
    load = f"/festivals/{programme['slug']}/load"

    # The other screening moves 20 minutes earlier: the overlap grows from 100 to 120 min.
    move(app, ids["busy"], -20)
    page = client.get(piece_url).get_data(as_text=True)
    assert "now worse:" in page and "they overlap by 120 min" in page
    assert "⚠ assigned over a clash, now worse" in client.get(board).get_data(as_text=True)
    load_page = client.get(load).get_data(as_text=True)
    assert "1 clash accepted" in load_page and "now worse:" in load_page

    # It moves to the afternoon: no clash any more; the record stays, the warnings go.
    move(app, ids["busy"], 6 * 60)
    page = client.get(piece_url).get_data(as_text=True)
    assert "Assigned despite a clash (no longer clashing since the times changed)" in page
    assert "now worse" not in page
    assert "⚠ assigned over a clash" not in client.get(board).get_data(as_text=True)
    load_page = client.get(load).get_data(as_text=True)
    assert "clash accepted" not in load_page
    assert "(no longer clashing since the times changed)" in load_page


SECRET = "Branagh's boyhood, told too sweetly"


def headline_other(app, piece_id: int) -> None:
    with app.app_context():
        db.session.get(Piece, piece_id).headline = SECRET
        db.session.commit()


def test_a_worse_clash_names_the_other_piece_by_its_working_title(
    app, client, users, login, programme, make_user
):
    # The writer's other piece has a headline: its text, which another writer may not read.
    ids = busy_writer(app, programme, users)
    headline_other(app, ids["other"])
    make_user("writer", "other.writer@example.org", "Olu Other")
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = {"writer_id": users["writer"], "screening_id": programme["press"]}
    asked = client.post_form(url, form, page=url).get_data(as_text=True)
    assert "Belfast (press screening) for Review: Belfast" in asked
    client.post_form(url, {**form, "confirm_clashes": "y"}, page=url)
    [(description, _, _)] = overrides(app, programme["piece"])
    assert SECRET not in description
    move(app, ids["busy"], -20)

    client.post_form("/logout")
    login("other.writer@example.org")
    board = client.get(f"/festivals/{programme['slug']}/coverage").get_data(as_text=True)
    assert "now worse: Belfast (press screening) for Review: Belfast" in board
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert "now worse:" in page and "they overlap by 120 min" in page
    assert SECRET.replace("'", "&#39;") not in board + page
    assert SECRET not in board + page


def test_a_record_naming_a_headline_is_shown_only_to_who_may_read_it(
    app, client, users, login, programme, make_user
):
    # A record made before descriptions used working titles names the other piece's headline.
    ids = busy_writer(app, programme, users)
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = {"writer_id": users["writer"], "screening_id": programme["press"]}
    client.post_form(url, {**form, "confirm_clashes": "y"}, page=url)
    legacy = f"Belfast (press screening) for Secret headline {SECRET}, Fri 8 Oct: they overlap"
    with app.app_context():
        override = db.session.scalars(select(ClashOverride)).one()
        override.description = legacy
        db.session.commit()
    make_user("writer", "other.writer@example.org", "Olu Other")
    board_url = f"/festivals/{programme['slug']}/coverage"
    piece_url = f"/pieces/{programme['piece']}"

    for reader in ("editor", "writer"):  # the desk, and the writer whose diary it is
        client.post_form("/logout")
        login(reader)
        page = client.get(piece_url).get_data(as_text=True)
        assert "Secret headline" in page, reader
        assert "Secret headline" in client.get(board_url).get_data(as_text=True), reader

    client.post_form("/logout")
    login("other.writer@example.org")
    page = client.get(piece_url).get_data(as_text=True)
    board = client.get(board_url).get_data(as_text=True)
    assert "Secret headline" not in page + board
    # Still standing: they see it described as it is now, by working titles.
    assert "Assigned despite a clash (Wyn Writer): Belfast (press screening) for Review" in page
    assert "⚠ assigned over a clash" in board

    move(app, ids["busy"], 6 * 60)  # gone: only its size is left to show them
    page = client.get(piece_url).get_data(as_text=True)
    assert "Secret headline" not in page
    assert "a clash with another of the writer&#39;s commitments, 115 min short" in page
