"""Feeds at the edges: the hour the clocks repeat, removals seen by If-Modified-Since, cancelled
titles, a UID domain that never moves, and stored text that can never break a feed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select, update

from coverage import create_app
from coverage.accounts.models import User
from coverage.config import config_for_tests
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.identity import InstallSetting
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Person, Screening
from coverage.timeutil import utcnow
from tests.calendars.helpers import (
    add_screening,
    as_utc,
    assign_piece,
    clocks_back_festival,
    feed_path,
    ical_events,
    icalendar_events,
    issue,
    post_confirmed,
    unfolded_lines,
)
from tests.calendars.test_festival_feed import assert_zoned_and_complete
from tests.calendars.test_personal_and_desk import add_interview
from tests.conftest import DeskClient

DOMAIN = "festival-coverage.local"
DUE = datetime(2021, 10, 9, 10, 10, tzinfo=UTC)


def ok(client, url: str, **kwargs) -> bytes:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


def event_lines(body: bytes, uid: str) -> list[str]:
    """The unfolded content lines of the event with this UID."""
    lines = unfolded_lines(body)
    events, current = {}, None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            events[next(x for x in current if x.startswith("UID:"))[4:]] = current
            current = None
        elif current is not None:
            current.append(line)
    return events[uid]


def both_instants(body: bytes, uid: str) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the event as both parsers read them; they must agree."""
    strict = ical_events(body)[uid]
    loose = icalendar_events(body)[uid]
    start, end = as_utc(strict.dtstart), as_utc(strict.end)
    assert as_utc(loose.start) == start
    assert as_utc(loose.end) == end
    return start, end


# --- The hour the clocks go back ----------------------------------------------------------


def test_a_screening_ending_in_the_repeated_hour_keeps_its_90_minutes(app, client, users):
    """00:30 BST on 29 October 2023 plus 90 minutes is 01:00 GMT, the *second* 01:00: written
    as local 01:00 with a TZID, RFC 5545 reads the first one, and calendars showed 30 minutes."""
    night = clocks_back_festival(app)
    start = datetime(2023, 10, 28, 23, 30, tzinfo=UTC)  # 00:30 BST, 29 October
    screening = add_screening(app, night, start)  # the film runs 90 minutes
    secret = issue(app, users["editor"], "festival", night["festival"])
    body = ok(client, feed_path(secret))
    uid = f"screening-{screening}@{DOMAIN}"

    assert both_instants(body, uid) == (start, datetime(2023, 10, 29, 1, 0, tzinfo=UTC))
    lines = event_lines(body, uid)
    assert "DTSTART;TZID=Europe/London:20231029T003000" in lines  # unambiguous: stays local
    assert "DTEND:20231029T010000Z" in lines  # the second 01:00, by its UTC name
    assert_zoned_and_complete(body)


def test_every_instant_local_time_cannot_name_is_written_so_that_it_can(app, client, users, login):
    """A start or an end in the repeated hour goes out in UTC (either occurrence: clients
    disagree about the first): screenings, deadlines and one-off downloads alike."""
    night = clocks_back_festival(app)
    second = datetime(2023, 10, 29, 1, 30, tzinfo=UTC)  # 01:30 GMT, the second 01:30
    late = add_screening(app, night, second, second + timedelta(hours=1))  # ends 02:30 GMT
    first = datetime(2023, 10, 29, 0, 10, tzinfo=UTC)  # 01:10 BST, the first 01:10
    with app.app_context():
        piece = Piece(
            festival_id=night["festival"],
            film_id=night["film"],
            kind=PieceKind.REVIEW,
            state=PieceState.ASSIGNED,
            writer_id=users["writer"],
            due_at=first,  # a 15-minute deadline: 01:10-01:25 BST, both in the repeated hour
        )
        db.session.add(piece)
        db.session.commit()
        piece_id = piece.id

    festival_body = ok(
        client, feed_path(issue(app, users["editor"], "festival", night["festival"]))
    )
    screening_uid = f"screening-{late}@{DOMAIN}"
    assert both_instants(festival_body, screening_uid) == (second, second + timedelta(hours=1))
    lines = event_lines(festival_body, screening_uid)
    assert "DTSTART:20231029T013000Z" in lines
    assert "DTEND;TZID=Europe/London:20231029T023000" in lines  # 02:30 happens once
    assert_zoned_and_complete(festival_body)

    personal = ok(client, feed_path(issue(app, users["writer"], "personal")))
    deadline_uid = f"piece-{piece_id}-deadline@{DOMAIN}"
    assert both_instants(personal, deadline_uid) == (first, first + timedelta(minutes=15))
    assert {"DTSTART:20231029T001000Z", "DTEND:20231029T002500Z"} <= set(
        event_lines(personal, deadline_uid)
    )
    desk = ok(client, feed_path(issue(app, users["editor"], "desk", night["festival"])))
    assert both_instants(desk, deadline_uid) == (first, first + timedelta(minutes=15))

    login("editor")
    download = ok(client, f"/festivals/{night['slug']}/screenings/{late}.ics")
    assert both_instants(download, screening_uid) == (second, second + timedelta(hours=1))
    # Away from that night, nothing changes: local times with the TZID.
    other = add_screening(app, night, datetime(2023, 10, 27, 18, 0, tzinfo=UTC))
    body = ok(client, feed_path(issue(app, users["editor"], "festival", night["festival"])))
    lines = event_lines(body, f"screening-{other}@{DOMAIN}")
    assert "DTSTART;TZID=Europe/London:20231027T190000" in lines
    assert "DTEND;TZID=Europe/London:20231027T203000" in lines


def _review_for(app, night: dict) -> int:
    with app.app_context():
        piece = Piece(festival_id=night["festival"], film_id=night["film"], kind=PieceKind.REVIEW)
        db.session.add(piece)
        db.session.commit()
        return piece.id


def test_the_plan_form_saves_again_when_the_default_deadline_lands_in_the_repeated_hour(
    app, client, users, login
):
    night = clocks_back_festival(app)
    # Midnight BST on Saturday 28 October, 90 minutes: ends 01:30 BST (00:30 UTC), so copy is
    # due 24 hours later, at 00:30 UTC on Sunday: 01:30 BST, the first of the two 01:30s.
    screening = add_screening(app, night, datetime(2023, 10, 27, 23, 0, tzinfo=UTC))
    piece_id = _review_for(app, night)
    due = datetime(2023, 10, 29, 0, 30, tzinfo=UTC)
    login("editor")
    url = f"/pieces/{piece_id}/assign"
    form = {"writer_id": users["writer"], "screening_id": screening}
    assert client.post_form(url, form, page=url).status_code == 302
    with app.app_context():
        assert db.session.get(Piece, piece_id).due_at == due

    page = client.get(url).get_data(as_text=True)
    assert 'value="2023-10-29T01:30"' in page  # shown as the festival's clocks read it
    resent = {**form, "due_at": "2023-10-29T01:30", "word_target": "800"}
    response = client.post_form(url, resent, page=url)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        assert piece.due_at == due  # the same instant, not refused, not guessed
        assert piece.word_target == 800

    # A repeated-hour time the editor types anew is still refused with the clear message.
    response = client.post_form(url, {**resent, "due_at": "2023-10-29T01:45"}, page=url)
    assert response.status_code == 422
    assert "happens twice in Europe/London" in response.get_data(as_text=True)


def test_screening_and_film_forms_save_times_stored_in_the_repeated_hour(app, client, users, login):
    """Another form that showed a repeated-hour time: a screening entered in UTC through the
    API at the second 01:30, and a film's fixed embargo at the second 01:15."""
    night = clocks_back_festival(app)
    second = datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
    screening = add_screening(app, night, second)
    embargo = datetime(2023, 10, 29, 1, 15, tzinfo=UTC)
    with app.app_context():
        film = db.session.get(Film, night["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = embargo
        db.session.commit()
    login("editor")
    url = f"/festivals/{night['slug']}/screenings/{screening}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="01:30"' in page
    form = {
        "film_id": night["film"],
        "venue_id": night["venue"],
        "day": "2023-10-29",
        "start_time": "01:30",
        "end_time": "03:00",
        "kind": "public",
        "notes": "Late show",
    }
    response = client.post_form(url, form, page=url)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Screening, screening)
        assert (saved.starts_at, saved.ends_at) == (second, second + timedelta(minutes=90))
        assert saved.notes == "Late show" and saved.sequence == 0

    film_url = f"/festivals/{night['slug']}/films/{night['film']}/edit"
    film_form = {
        "title": "Night Shift",
        "runtime_minutes": "90",
        "premiere_status": "none",
        "embargo_rule": "fixed",
        "embargo_at": "2023-10-29T01:15",
        "embargo_offset_minutes": "0",
        "synopsis": "Now with a synopsis.",
    }
    response = client.post_form(film_url, film_form, page=film_url)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        film = db.session.get(Film, night["film"])
        assert film.embargo_at == embargo and film.synopsis == "Now with a synopsis."


# --- Last-Modified rises with every change, removals included ------------------------------


def _since(client, url: str, earlier) -> object:
    return client.get(url, headers={"If-Modified-Since": earlier.headers["Last-Modified"]})


def _modified(response) -> datetime:
    return parsedate_to_datetime(response.headers["Last-Modified"])


def test_if_modified_since_alone_sees_a_declined_piece_leave(app, client, users, programme):
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    url = feed_path(issue(app, users["writer"], "personal"))
    first = client.get(url)
    assert len(ical_events(first.data)) == 2  # the screening to attend and the deadline
    assert _since(client, url, first).status_code == 304
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        writer = db.session.get(User, users["writer"])
        pieces.transition(piece, writer, Action.DECLINE, utcnow(), "On a jury that day")
        db.session.commit()

    after = _since(client, url, first)  # Apple Calendar: If-Modified-Since, no If-None-Match
    assert after.status_code == 200
    assert ical_events(after.data) == {}
    assert _modified(after) > _modified(first)
    assert _since(client, url, after).status_code == 304  # and steady again


def test_if_modified_since_alone_sees_reassignments_and_deleted_screenings(
    app, client, users, login, make_user, programme, festival_feed
):
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    personal = feed_path(issue(app, users["writer"], "personal"))
    festival = feed_path(festival_feed)
    first_personal, first_festival = client.get(personal), client.get(festival)

    other = make_user("writer", "other@example.org", "Olga Other")
    assign_piece(app, programme["piece"], other, screening_id=programme["press"], due_at=DUE)
    login("editor")
    page = f"/festivals/{programme['slug']}/days/2021-10-10"
    delete = f"/festivals/{programme['slug']}/screenings/{programme['public']}/delete"
    assert client.post_form(delete, {}, page=page).status_code == 302
    client.post_form("/logout")

    reassigned = _since(client, personal, first_personal)
    assert reassigned.status_code == 200 and ical_events(reassigned.data) == {}
    deleted = _since(client, festival, first_festival)
    assert deleted.status_code == 200
    assert set(ical_events(deleted.data)) == {f"screening-{programme['press']}@{DOMAIN}"}
    assert _modified(deleted) > _modified(first_festival)


# --- Cancelled events say so in their titles ----------------------------------------------


def _summaries(body: bytes, uid: str) -> tuple[str, str]:
    return str(icalendar_events(body)[uid]["SUMMARY"]), ical_events(body)[uid].summary


def test_a_cancelled_screening_to_attend_says_so_in_its_title(
    app, client, users, login, programme, festival_feed
):
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    secret = issue(app, users["writer"], "personal")
    login("editor")
    page = f"/festivals/{programme['slug']}/days/2021-10-08"
    cancel = f"/festivals/{programme['slug']}/screenings/{programme['press']}/cancel"
    assert post_confirmed(client, cancel, page).status_code == 302
    client.post_form("/logout")

    body = ok(client, feed_path(secret))
    attend = f"piece-{programme['piece']}-screening-{programme['press']}@{DOMAIN}"
    for summary in _summaries(body, attend):
        assert summary.startswith("CANCELLED: Red Rocket · Press")
    assert str(icalendar_events(body)[attend]["STATUS"]) == "CANCELLED"
    deadline = f"piece-{programme['piece']}-deadline@{DOMAIN}"
    assert not any(s.startswith("CANCELLED") for s in _summaries(body, deadline))
    # The festival feed says it once, as it always did.
    festival = ok(client, feed_path(festival_feed))
    for summary in _summaries(festival, f"screening-{programme['press']}@{DOMAIN}"):
        assert summary == "CANCELLED: Red Rocket · Press"


def test_a_spiked_pieces_deadline_and_interview_say_cancelled_in_every_feed(
    app, client, users, programme
):
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    interview = add_interview(app, programme["festival"], users["writer"], programme["film"])
    with app.app_context():
        editor = db.session.get(User, users["editor"])
        for piece_id in (programme["piece"], interview):
            pieces.transition(
                db.session.get(Piece, piece_id), editor, Action.SPIKE, utcnow(), "Dropped"
            )
        db.session.commit()
    personal = ok(client, feed_path(issue(app, users["writer"], "personal")))
    desk = ok(client, feed_path(issue(app, users["editor"], "desk", programme["festival"])))
    cancelled = {
        f"piece-{programme['piece']}-deadline@{DOMAIN}": (personal, desk),
        f"piece-{programme['piece']}-screening-{programme['press']}@{DOMAIN}": (personal,),
        f"piece-{interview}-interview@{DOMAIN}": (personal, desk),
    }
    for uid, bodies in cancelled.items():
        for body in bodies:
            for summary in _summaries(body, uid):
                assert summary.startswith("CANCELLED: "), (uid, summary)
            assert str(icalendar_events(body)[uid]["STATUS"]) == "CANCELLED"


# --- The UID domain is fixed at first use -------------------------------------------------


def _same_database_app(app, **settings):
    """Another app server (or the same after a restart) on this database, with new settings."""
    other = create_app({**config_for_tests(app.config["SQLALCHEMY_DATABASE_URI"]), **settings})
    other.test_client_class = DeskClient
    return other


def _stored_domain(app) -> str | None:
    with app.app_context():
        return db.session.get(InstallSetting, "uid_domain").value


def test_setting_public_base_url_later_keeps_every_uid(app, client, programme, festival_feed):
    """Following the README's production step after people subscribed renames nothing."""
    before = ok(client, feed_path(festival_feed))
    uids = set(ical_events(before))
    assert uids and all(uid.endswith(f"@{DOMAIN}") for uid in uids)
    assert _stored_domain(app) == DOMAIN

    later = _same_database_app(app, PUBLIC_BASE_URL="https://desk.example.com")
    try:
        body = ok(later.test_client(), feed_path(festival_feed))
        assert set(ical_events(body)) == uids
        assert set(icalendar_events(body)) == uids
        # Links do follow the new address.
        assert "https://desk.example.com/festivals/" in body.decode()
    finally:
        with later.app_context():
            db.engine.dispose()


def test_the_first_domain_stored_wins_over_any_later_setting(
    app, client, users, programme, festival_feed, caplog
):
    """First use with PUBLIC_BASE_URL set stores its host; a CALENDAR_UID_DOMAIN set later is
    logged and ignored, for calendars and single downloads alike."""
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.com"
    first = ok(client, feed_path(festival_feed))
    assert all(uid.endswith("@desk.example.com") for uid in ical_events(first))
    assert _stored_domain(app) == "desk.example.com"

    later = _same_database_app(app, CALENDAR_UID_DOMAIN="calendars.example.org")
    try:
        with caplog.at_level(logging.WARNING, logger="coverage.identity"):
            body = ok(later.test_client(), feed_path(festival_feed))
        assert set(ical_events(body)) == set(ical_events(first))
        assert "calendars.example.org" in caplog.text and "keeping desk.example.com" in caplog.text
        with later.app_context():
            assert db.session.scalars(select(InstallSetting.value)).all() == ["desk.example.com"]
    finally:
        with later.app_context():
            db.engine.dispose()


# --- Stored text never breaks a feed ------------------------------------------------------


def _store_raw(app, model, **values) -> None:
    """Write text as an old row or a bulk path may have stored it, past today's cleaning."""
    with app.app_context():
        db.session.execute(update(model).values(**values))
        db.session.commit()


def _every_feed_and_download(app, client, users, login, programme, interview: int) -> list:
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    bodies = [
        ok(client, feed_path(issue(app, users["editor"], "festival", programme["festival"]))),
        ok(client, feed_path(issue(app, users["writer"], "personal"))),
        ok(client, feed_path(issue(app, users["editor"], "desk", programme["festival"]))),
    ]
    login("editor")
    bodies.append(ok(client, f"/festivals/{programme['slug']}/screenings/{programme['press']}.ics"))
    bodies.append(ok(client, f"/pieces/{interview}/interview.ics"))
    for body in bodies:
        # Both parsers read every event; no control character reached a content line.
        assert set(ical_events(body)) == set(icalendar_events(body))
        for line in unfolded_lines(body):
            assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in line), repr(line)
    return bodies


def test_a_newline_in_a_festival_name_film_title_or_headline_never_breaks_a_feed(
    app, client, users, login, programme
):
    interview = add_interview(app, programme["festival"], users["writer"], programme["film"])
    _store_raw(app, Festival, name="Test\nFestival")
    _store_raw(app, Film, title="Red\nRocket")
    _store_raw(app, Piece, headline="Red Rocket,\nreviewed")
    festival, personal, desk, download, _ = _every_feed_and_download(
        app, client, users, login, programme, interview
    )
    press = f"screening-{programme['press']}@{DOMAIN}"
    for summary in _summaries(festival, press):
        assert summary == "Red Rocket · Press"
    assert _summaries(download, press)[1] == "Red Rocket · Press"
    assert b"X-WR-CALNAME:Test Festival 2021" in festival
    deadline = f"piece-{programme['piece']}-deadline@{DOMAIN}"
    assert "Red Rocket, reviewed" in _summaries(desk, deadline)[1]


CONTROL = ["\r", "\x00", "\x0b", "\x0c", "\x1b", "\t", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_any_control_character_anywhere_in_stored_text_never_breaks_a_feed(
    app, client, users, login, programme, database_backend, char
):
    if char == "\x00" and database_backend == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL at all")
    interview = add_interview(app, programme["festival"], users["writer"], programme["film"])
    text = f"A{char}B{char}"
    _store_raw(app, Festival, name=text)
    _store_raw(app, Film, title=text, directors=text, section=text)
    _store_raw(app, Venue, address=text)
    _store_raw(app, Screening, notes=f"Q&A{char}after\nwith guests")
    _store_raw(app, Piece, headline=text, slot_place=text)
    _store_raw(app, Person, name=text)
    _store_raw(app, User, name=text)
    bodies = _every_feed_and_download(app, client, users, login, programme, interview)
    press = f"screening-{programme['press']}@{DOMAIN}"
    assert _summaries(bodies[0], press) == ("A B · Press", "A B · Press")
    interview_uid = f"piece-{interview}-interview@{DOMAIN}"
    assert ical_events(bodies[2])[interview_uid].location == "A B"
    notes = str(icalendar_events(bodies[0])[press]["DESCRIPTION"]).split("\n")
    # Line breaks in multi-line text stay line breaks; other controls become spaces.
    assert "with guests" in notes
    assert notes[4:6] == ["Q&A", "after"] or "Q&A after" in notes

    # Even the festival's slug, which names the download.
    _store_raw(app, Festival, slug=f"test{char}festival")
    secret = issue(app, users["editor"], "festival", programme["festival"])
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'inline; filename="test-festival.ics"'
    assert set(ical_events(response.data)) == set(icalendar_events(response.data))
