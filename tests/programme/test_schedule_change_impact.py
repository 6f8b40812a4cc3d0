"""Moving, cancelling or deleting a screening that pieces rely on: the desk is asked first, with
the pieces and writers named, and the people affected are told (in the app and by email)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.notifications.models import Notification, OutboxMessage
from coverage.notifications.rules import NoticeKind
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.pieces.services import embargo_for
from coverage.programme import importer
from coverage.programme.kinds import DefaultEmbargo, EmbargoRule
from coverage.programme.models import Film, Screening
from coverage.timeutil import format_in_zone
from tests.api.test_api import bearer
from tests.calendars.helpers import assign_piece

ZONE = "Europe/London"
PRESS_AT = datetime(2021, 10, 8, 8, 0, tzinfo=UTC)  # 09:00 BST
PUBLIC_AT = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)  # 18:30 BST
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def edit_url(programme, screening: str) -> str:
    return f"/festivals/{programme['slug']}/screenings/{programme[screening]}/edit"


def action_url(programme, screening: str, action: str) -> str:
    return f"/festivals/{programme['slug']}/screenings/{programme[screening]}/{action}"


def move_form(programme, venue: str, day: str, start: str, end: str = "") -> dict:
    return {
        "film_id": programme["film"],
        "venue_id": programme[venue],
        "day": day,
        "start_time": start,
        "end_time": end,
        "kind": "press" if venue == "nft1" else "public",
        "notes": "",
    }


def hidden_fields(page: str) -> dict:
    """What the confirmation's form posts back (CSRF token aside: post_form adds it)."""
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
    fields.pop("csrf_token", None)
    return fields


def starts_at(app, screening_id: int) -> datetime:
    with app.app_context():
        return db.session.get(Screening, screening_id).starts_at


def notices(app) -> list[tuple[str, str, str, str]]:
    """(recipient's email, kind, subject, body) of every in-app notice."""
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        return [(n.user.email, n.kind, n.subject, n.body) for n in rows]


def outbox(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(m.recipient, m.subject) for m in rows]


def attend_press(app, programme, users, **fields) -> None:
    """The fixture's review, assigned to Wyn Writer, who sees the press screening."""
    assign_piece(
        app,
        programme["piece"],
        users["writer"],
        screening_id=programme["press"],
        due_at=PRESS_AT + timedelta(days=1),
        editor_id=users["editor"],
        **fields,
    )


def test_moving_an_attended_screening_asks_first_then_tells_the_writer(
    app, client, users, login, programme
):
    attend_press(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    form = move_form(programme, "nft1", "2021-10-08", "14:00", "11:10")
    page = client.post_form(url, form, page=url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Move this screening of Red Rocket?" in text
    assert "Review: Red Rocket" in text and "Wyn Writer" in text
    assert "Attends this screening" in text
    assert format_in_zone(PRESS_AT, ZONE) in text
    assert format_in_zone(PRESS_AT + timedelta(hours=5), ZONE) in text
    assert "Move and notify" in text
    # Nothing changed yet, and nobody was told.
    assert starts_at(app, programme["press"]) == PRESS_AT
    assert notices(app) == [] and outbox(app) == []

    confirmed = client.post_form(url, hidden_fields(text), page=url)
    assert confirmed.status_code == 302
    assert starts_at(app, programme["press"]) == PRESS_AT + timedelta(hours=5)
    followed = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Notified: Wyn Writer." in followed

    ((email, kind, subject, body),) = notices(app)
    assert (email, kind) == ("writer@example.org", NoticeKind.SCHEDULE_CHANGED)
    old, new = format_in_zone(PRESS_AT, ZONE), format_in_zone(PRESS_AT + timedelta(hours=5), ZONE)
    assert subject == f"Screening moved: Red Rocket, {old} → {new}"
    assert "BFI Southbank NFT1" in body and "“Review: Red Rocket”" in body
    assert "by Ed Editor" in body
    assert outbox(app) == [("writer@example.org", subject)]


def test_going_back_keeps_what_was_typed_and_saves_nothing(app, client, users, login, programme):
    attend_press(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    form = move_form(programme, "odeon", "2021-10-09", "16:45", "18:55")
    page = client.post_form(url, form, page=url).get_data(as_text=True)
    assert "Odeon Luxe Leicester Square" in page
    back = client.post_form(url, {**hidden_fields(page), "revise": "1"}, page=url)
    text = back.get_data(as_text=True)
    assert back.status_code == 200
    assert 'value="16:45"' in text and 'value="2021-10-09"' in text
    assert starts_at(app, programme["press"]) == PRESS_AT
    assert notices(app) == []


def test_a_change_made_meanwhile_is_shown_again(app, client, users, login, programme, make_user):
    attend_press(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    page = client.post_form(url, move_form(programme, "nft1", "2021-10-08", "12:00"), page=url)
    confirmation = hidden_fields(page.get_data(as_text=True))

    # Meanwhile another writer is sent to the same screening.
    other = make_user("writer", "olly@example.org", "Olly Other")
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        film = db.session.get(Film, programme["film"])
        db.session.add(
            Piece(
                festival=festival,
                film=film,
                kind="interview",
                state=PieceState.ASSIGNED,
                writer_id=other,
                screening_id=programme["press"],
            )
        )
        db.session.commit()

    again = client.post_form(url, confirmation, page=url)
    text = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "changed since you looked" in text and "Olly Other" in text
    assert starts_at(app, programme["press"]) == PRESS_AT
    assert client.post_form(url, hidden_fields(text), page=url).status_code == 302
    assert starts_at(app, programme["press"]) == PRESS_AT + timedelta(hours=3)
    assert sorted(n[0] for n in notices(app)) == ["olly@example.org", "writer@example.org"]


def test_cancelling_an_attended_screening_asks_then_tells_the_writer(
    app, client, users, login, programme
):
    attend_press(app, programme, users, state=PieceState.DRAFTING)
    login("editor")
    url = action_url(programme, "press", "cancel")
    back = f"/festivals/{programme['slug']}/days/2021-10-08"
    page = client.post_form(url, {"back": back})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cancel this screening of Red Rocket?" in text
    assert "Wyn Writer" in text and "Cancelled (it stays listed" in text
    assert f'href="{back}"' in text  # Go back
    with app.app_context():
        assert db.session.get(Screening, programme["press"]).cancelled is False
    assert notices(app) == []

    done = client.post_form(url, hidden_fields(text))
    assert done.status_code == 302 and done.headers["Location"] == back
    with app.app_context():
        assert db.session.get(Screening, programme["press"]).cancelled is True
    ((email, _kind, subject, body),) = notices(app)
    assert email == "writer@example.org"
    assert subject.startswith("Screening cancelled: Red Rocket")
    assert "Now: cancelled" in body
    assert [r for r, _ in outbox(app)] == ["writer@example.org"]


def test_cancelling_a_screening_nobody_relies_on_asks_only_in_the_button(
    app, client, users, login, programme
):
    login("editor")
    film_page = client.get(f"/festivals/{programme['slug']}/films/{programme['film']}")
    assert 'data-confirm="Cancel the press screening of Red Rocket' in film_page.get_data(
        as_text=True
    )
    response = client.post_form(action_url(programme, "press", "cancel"), {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Screening, programme["press"]).cancelled is True
    assert notices(app) == []


def test_an_unaffected_screening_moves_without_a_confirmation(app, client, users, login, programme):
    # The fixture's review is pitched with no screening and the film has no embargo rule.
    login("editor")
    url = edit_url(programme, "public")
    form = move_form(programme, "odeon", "2021-10-11", "20:00", "22:10")
    assert client.post_form(url, form, page=url).status_code == 302
    assert starts_at(app, programme["public"]) == datetime(2021, 10, 11, 19, 0, tzinfo=UTC)
    assert notices(app) == []


def first_public_screening_embargo(app, programme, users, *, from_festival=False) -> None:
    """Red Rocket's reviews wait for its first public screening (its own rule, or the
    festival's default it follows); a ready review of it, by Wyn Writer, edited by Ada Admin
    (so the editor making the change is not its editor)."""
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        if from_festival:
            film.embargo_rule = EmbargoRule.FESTIVAL_DEFAULT
            film.festival.default_embargo = DefaultEmbargo.FIRST_PUBLIC_SCREENING
        else:
            film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        db.session.commit()
    assign_piece(
        app,
        programme["piece"],
        users["writer"],
        state=PieceState.READY,
        editor_id=users["admin"],
        headline="Red Rocket review",
    )


@pytest.mark.parametrize("from_festival", [False, True], ids=["film-rule", "festival-default"])
def test_moving_the_first_public_screening_later_moves_the_embargo_and_names_the_piece(
    app, client, users, login, programme, from_festival
):
    first_public_screening_embargo(app, programme, users, from_festival=from_festival)
    login("editor")
    url = edit_url(programme, "public")
    page = client.post_form(
        url, move_form(programme, "odeon", "2021-10-11", "20:00", "22:10"), page=url
    )
    text = page.get_data(as_text=True)
    later = datetime(2021, 10, 11, 19, 0, tzinfo=UTC)
    assert page.status_code == 200
    assert "Red Rocket review" in text and "Ada Admin" in text and "Wyn Writer" in text
    assert "Embargo follows this screening" in text
    assert f"{format_in_zone(PUBLIC_AT, ZONE)} → {format_in_zone(later, ZONE)}" in text
    assert client.post_form(url, hidden_fields(text), page=url).status_code == 302

    with app.app_context():
        assert embargo_for(db.session.get(Piece, programme["piece"])) == later
    told = notices(app)
    assert sorted(email for email, *_ in told) == ["admin@example.org", "writer@example.org"]
    assert all("its embargo follows this screening" in body for *_, body in told)
    assert len(outbox(app)) == 2


def test_deleting_a_screening_an_embargo_follows_asks_and_tells(
    app, client, users, login, programme
):
    first_public_screening_embargo(app, programme, users)
    login("editor")
    url = action_url(programme, "public", "delete")
    page = client.post_form(url, {})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Delete this screening of Red Rocket?" in text and "Red Rocket review" in text
    assert "held until a public screening is scheduled" in text
    with app.app_context():
        assert db.session.get(Screening, programme["public"]) is not None

    assert client.post_form(url, hidden_fields(text)).status_code == 302
    with app.app_context():
        assert db.session.get(Screening, programme["public"]) is None
    assert sorted(email for email, *_ in notices(app)) == [
        "admin@example.org",
        "writer@example.org",
    ]


def test_deleting_an_attended_screening_is_still_refused(app, client, users, login, programme):
    attend_press(app, programme, users)
    login("editor")
    response = client.post_form(action_url(programme, "press", "delete"), {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted" in page and "Cancel it instead" in page
    with app.app_context():
        assert db.session.get(Screening, programme["press"]) is not None
    assert notices(app) == []


def test_the_api_moves_without_asking_and_tells_the_writer(app, client, users, programme):
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "tests")
        db.session.commit()
    editor = bearer(secret)
    attend_press(app, programme, users)
    response = client.patch(
        f"/api/v1/festivals/{programme['slug']}/screenings/{programme['press']}",
        json={"starts_at": "2021-10-08T10:30:00"},
        headers=editor,
    )
    assert response.status_code == 200, response.get_json()
    assert starts_at(app, programme["press"]) == PRESS_AT + timedelta(minutes=90)
    ((email, kind, subject, _body),) = notices(app)
    assert (email, kind) == ("writer@example.org", NoticeKind.SCHEDULE_CHANGED)
    assert "Red Rocket" in subject
    assert outbox(app) == [("writer@example.org", subject)]

    cancelled = client.post(
        f"/api/v1/festivals/{programme['slug']}/screenings/{programme['press']}/cancel",
        headers=editor,
    )
    assert cancelled.status_code == 200
    assert notices(app)[-1][2].startswith("Screening cancelled: Red Rocket")


def test_a_reimport_that_moves_an_attended_screening_tells_the_writer(app, users, programme):
    attend_press(app, programme, users)
    moved = (
        b"Film,Date,Time,Venue,Type,Runtime\n"
        b"Red Rocket,2021-10-08,09:30,BFI Southbank NFT1,Press,130\n"
        b"Red Rocket,2021-10-10,18:30,Odeon Luxe Leicester Square,Public,130\n"
    )
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        _preview, applied = importer.apply_import(festival, moved)
        db.session.commit()
    assert applied.screenings_updated == 1
    assert starts_at(app, programme["press"]) == PRESS_AT + timedelta(minutes=30)
    ((email, _kind, subject, _body),) = notices(app)
    assert email == "writer@example.org" and subject.startswith("Screening moved: Red Rocket")
