"""Defects a tester found in the programme and venue work: clashes a move creates, the double
confirmation on cancelling, placeholder and decorated venue names, and venue merges."""

from __future__ import annotations

from datetime import UTC, datetime

from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.extensions import db
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.timeutil import format_in_zone
from tests.api.test_api import bearer
from tests.programme.test_schedule_change_impact import (
    attend_press,
    edit_url,
    move_form,
)

ZONE = "Europe/London"
SLOT_START = datetime(2021, 10, 8, 14, 0, tzinfo=UTC)  # 15:00 BST
SLOT_END = datetime(2021, 10, 8, 14, 45, tzinfo=UTC)


def interview_slot(app, programme, users) -> None:
    """Wyn Writer also interviews someone at 15:00–15:45 BST on the press screening's day."""
    with app.app_context():
        piece = Piece(
            festival_id=programme["festival"],
            kind=PieceKind.INTERVIEW,
            state=PieceState.ASSIGNED,
            writer_id=users["writer"],
            headline="Dennis Abad",
            slot_starts_at=SLOT_START,
            slot_ends_at=SLOT_END,
            slot_place="Press office",
        )
        db.session.add(piece)
        db.session.commit()


def test_moving_an_attended_screening_names_the_new_clash(app, client, users, login, programme):
    attend_press(app, programme, users)
    interview_slot(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    # 09:00 → 14:00 BST, ends 16:10: overlaps the 15:00–15:45 interview by 45 min.
    page = client.post_form(url, move_form(programme, "nft1", "2021-10-08", "14:00"), page=url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Wyn Writer then has Interview slot for" in text
    assert format_in_zone(SLOT_END, ZONE, "%H:%M") in text
    assert "15:00–" in text and "overlaps by 45 min" in text


def test_a_move_creating_no_clash_names_none(app, client, users, login, programme):
    attend_press(app, programme, users)
    interview_slot(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    page = client.post_form(url, move_form(programme, "nft1", "2021-10-08", "10:00"), page=url)
    text = page.get_data(as_text=True)
    assert "Move this screening of Red Rocket?" in text
    assert "then has" not in text


def test_the_api_move_warns_of_the_new_clash(app, client, users, programme):
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "tests")
        db.session.commit()
    attend_press(app, programme, users)
    interview_slot(app, programme, users)
    response = client.patch(
        f"/api/v1/festivals/{programme['slug']}/screenings/{programme['press']}",
        json={"starts_at": "2021-10-08T14:00:00"},
        headers=bearer(secret),
    )
    assert response.status_code == 200, response.get_json()
    warnings = response.get_json()["warnings"]
    assert any("Wyn Writer then has Interview slot" in w and "overlaps by" in w for w in warnings)


def test_cancel_button_asks_in_a_dialog_only_when_nobody_relies_on_it(
    app, client, users, login, programme
):
    attend_press(app, programme, users)
    login("editor")
    page = client.get(f"/festivals/{programme['slug']}/films/{programme['film']}")
    text = page.get_data(as_text=True)
    # The press screening is attended: the naming page asks, so no dialog first.
    assert 'data-confirm="Cancel the press screening of Red Rocket' not in text
    # The public one reaches nobody: the dialog is the only question.
    assert 'data-confirm="Cancel the public screening of Red Rocket' in text


# --- Venue names ---------------------------------------------------------------------------


def test_notes_in_asterisks_underscores_and_brackets_come_off_the_venue():
    from coverage.festivals.venue_names import VenueSpelling, split_venue

    assert split_venue("Cinema 9 *English subtitles*") == VenueSpelling(
        "Cinema 9", "English subtitles"
    )
    assert split_venue("Main Hall _EN subs_") == VenueSpelling("Main Hall", "EN subs")
    assert split_venue("Main Hall [Q&A]") == VenueSpelling("Main Hall", "Q&A")
    assert split_venue("Main Hall {Q&A}") == VenueSpelling("Main Hall", "Q&A")
    assert split_venue("Cinema_1") == VenueSpelling("Cinema_1", "")


def test_placeholder_and_screen_only_venues_are_warned_about_naming_the_row(app, tmp_path):
    from tests.programme.test_import import create_cinemalaya, import_file

    slug = create_cinemalaya(app)
    path = tmp_path / "tba.csv"
    path.write_text(
        "film,date,time,venue,screen\n"
        "Maria,Aug 5,6:15 PM,PICC,Cinema Rizal\n"
        "Iti Mapukpukaw,Aug 5,9:00 PM,(TBA),\n"
        "Bulawan,Aug 6,9:00 PM,TBC,\n"
        "Tether,Aug 6,6:00 PM,-,\n"
        "Gitling,Aug 7,6:00 PM,,Studio 2\n",
        "utf-8",
    )
    result = import_file(app, slug, path)
    out = result.output + (result.stderr or "")
    for row, cell in ((3, "(TBA)"), (4, "TBC"), (5, "-")):
        assert f"row {row}, column venue: The venue is '{cell}', a placeholder" in out
    assert "row 6, column venue: The venue is blank; only the screen 'Studio 2'" in out


def test_merge_review_copy_agrees_with_one_screening_and_one_name(
    app, client, users, login, programme
):
    # Merging the Odeon (one screening, no other spelling) into NFT1.
    login("editor")
    page = f"/festivals/{programme['slug']}/venues"
    choice = {"merge-sources": [str(programme["odeon"])], "merge-target": str(programme["nft1"])}
    text = client.post_form(f"{page}/merge", choice, page=page).get_data(as_text=True)
    assert "1 screening</strong> moves to" in text
    assert "is remembered as" in text and "are remembered" not in text
