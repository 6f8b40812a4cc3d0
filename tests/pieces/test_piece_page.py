"""The piece page and its forms: the strongest button is the step forward, publishing asks
first, an interview reads as an interview, and each kind shows only its own fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from coverage.extensions import db
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Person
from coverage.timeutil import format_in_zone, utcnow


def set_piece(app, piece_id: int, **values) -> None:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        for name, value in values.items():
            setattr(piece, name, value)
        db.session.commit()


def button(page: str, action: str) -> str:
    match = re.search(rf'<button type="submit" name="action" value="{action}"[^>]*>', page)
    assert match, f"no {action} button"
    return match.group(0)


def ready_review(app, programme, users) -> int:
    set_piece(
        app,
        programme["piece"],
        state=PieceState.READY,
        writer_id=users["writer"],
        headline="Red Rocket review: a hustler comes home",
        body="Text.",
    )
    return programme["piece"]


def test_publish_asks_first_and_says_it_goes_live_now(app, client, users, login, programme):
    piece_id = ready_review(app, programme, users)
    login("editor")
    page = client.get(f"/pieces/{piece_id}").get_data(as_text=True)
    publish = button(page, "publish")
    assert 'class="primary"' in publish
    assert (
        'data-confirm="Publish &#39;Red Rocket review: a hustler comes home&#39; now? '
        "It goes live for readers at once" in publish
    )
    # Steps back and out are quieter than the step forward.
    assert 'class="quiet"' in button(page, "reopen")
    assert 'class="danger-outline"' in button(page, "spike")
    assert page.index('value="publish"') < page.index('value="spike"')


def test_publish_before_the_embargo_says_when_it_goes_live(app, client, users, login, programme):
    piece_id = ready_review(app, programme, users)
    embargo = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = embargo
        db.session.commit()
    login("editor")
    publish = button(client.get(f"/pieces/{piece_id}").get_data(as_text=True), "publish")
    when = format_in_zone(embargo, "Europe/London")
    assert f"It is scheduled for {when} and goes live for readers then" in publish


def test_editing_offers_approve_strongest_and_return_quieter(app, client, users, login, programme):
    set_piece(
        app,
        programme["piece"],
        state=PieceState.EDITING,
        writer_id=users["writer"],
        headline="Red Rocket review",
        body="x",
    )
    login("editor")
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert 'class="primary"' in button(page, "approve")
    assert 'class="quiet"' in button(page, "return")
    assert "data-confirm" not in button(page, "approve")


def test_an_interview_slot_reads_as_an_interview(app, client, users, login, programme):
    set_piece(
        app,
        programme["piece"],
        kind=PieceKind.INTERVIEW,
        writer_id=users["writer"],
        state=PieceState.ASSIGNED,
        slot_starts_at=datetime(2021, 10, 9, 13, 0, tzinfo=UTC),
        slot_ends_at=datetime(2021, 10, 9, 13, 45, tzinfo=UTC),
        slot_place="Soho Hotel",
    )
    login("editor")
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    end = format_in_zone(datetime(2021, 10, 9, 13, 45, tzinfo=UTC), "Europe/London", "%H:%M")
    assert f"<dt>Interview</dt><dd>Sat 09 Oct 2021, 14:00–{end}, Soho Hotel" in page
    assert "Sees the film" not in page
    # The plan form asks for the slot, not a screening.
    form = client.get(f"/pieces/{programme['piece']}/assign").get_data(as_text=True)
    assert "Interview slot" in form and 'name="screening_id"' not in form


def test_a_review_plan_has_a_screening_and_no_slot(app, client, users, login, programme):
    login("editor")
    url = f"/pieces/{programme['piece']}/assign"
    form = client.get(url).get_data(as_text=True)
    assert 'name="screening_id"' in form and "Interview slot" not in form
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert "<dt>Sees the film</dt><dd>Not set" in page and "<dt>Interview</dt>" not in page
    # A slot sent for a review anyway (an old or hand-made form) is not stored.
    response = client.post_form(
        url,
        {
            "writer_id": users["writer"],
            "screening_id": programme["press"],
            "slot_starts_at": "2021-10-09T14:00",
            "slot_ends_at": "2021-10-09T15:00",
            "slot_place": "Soho Hotel",
        },
        page=url,
    )
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        assert piece.screening_id == programme["press"]
        assert (piece.slot_starts_at, piece.slot_place) == (None, "")


def test_new_piece_form_shows_interviewees_for_interviews_only(
    app, client, users, login, programme
):
    login("editor")
    new = f"/festivals/{programme['slug']}/pieces/new"
    review = client.get(f"{new}?kind=review").get_data(as_text=True)
    assert '<div data-kinds="interview" hidden>' in review
    interview = client.get(f"{new}?kind=interview").get_data(as_text=True)
    assert '<div data-kinds="interview">' in interview
    assert f'href="{new}?kind=interview' in review  # choosing the kind works without script

    lines = "Sean Baker, director"
    client.post_form(new, {"kind": "review", "film_id": programme["film"], "interviewees": lines})
    client.post_form(
        new, {"kind": "interview", "film_id": programme["film"], "interviewees": lines}
    )
    with app.app_context():
        pieces = {
            piece.kind: piece
            for piece in db.session.query(Piece).filter(Piece.id != programme["piece"])
        }
        assert pieces[PieceKind.REVIEW].interviewees == []
        assert [p.name for p in pieces[PieceKind.INTERVIEW].interviewees] == ["Sean Baker"]
        assert db.session.query(Person).count() == 1
