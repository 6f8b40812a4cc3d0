"""Personal (writer) and desk (editor) feeds, and the one-off .ics files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule, PersonRole
from coverage.programme.models import Film, Person
from coverage.programme.rules import FestivalFields
from tests.calendars.helpers import (
    CALENDAR_TYPE,
    as_utc,
    assign_piece,
    feed_path,
    ical_events,
    icalendar_events,
    issue,
    move_screening,
    parse_icalendar,
    soon,
    unfolded_lines,
)
from tests.calendars.test_festival_feed import assert_zoned_and_complete

DOMAIN = "festival-coverage.local"
DUE = datetime(2021, 10, 9, 10, 10, tzinfo=UTC)
SLOT_START = datetime(2021, 10, 11, 13, 0, tzinfo=UTC)
SLOT_END = datetime(2021, 10, 11, 13, 45, tzinfo=UTC)


def uid(piece_id: int, what: str) -> str:
    return f"piece-{piece_id}-{what}@{DOMAIN}"


def add_interview(app, festival_id: int, writer_id: int, film_id: int | None = None) -> int:
    with app.app_context():
        person = Person(name="Sean Baker", role=PersonRole.DIRECTOR, film_id=film_id)
        piece = Piece(
            festival_id=festival_id,
            film_id=film_id,
            kind=PieceKind.INTERVIEW,
            state=PieceState.ASSIGNED,
            writer_id=writer_id,
            slot_starts_at=SLOT_START,
            slot_ends_at=SLOT_END,
            slot_place="Soho Hotel, Room 3",
            interviewees=[person],
        )
        db.session.add(piece)
        db.session.commit()
        return piece.id


def add_other_festival(app, writer_id: int) -> dict[str, int]:
    """A New York festival with a piece (a deadline) for the writer."""
    from coverage.festivals import services as festivals

    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Hudson Festival",
                edition=2022,
                timezone="America/New_York",
                start_date=date(2022, 6, 8),
                end_date=date(2022, 6, 19),
                city="New York",
            )
        )
        piece = Piece(
            festival=festival,
            kind=PieceKind.NEWS,
            state=PieceState.DRAFTING,
            writer_id=writer_id,
            headline="Hudson line-up news",
            due_at=datetime(2022, 6, 10, 16, 0, tzinfo=UTC),
        )
        db.session.add(piece)
        db.session.commit()
        return {"festival": festival.id, "piece": piece.id}


@pytest.fixture
def writer_schedule(app, users, make_user, programme):
    """The fixture review assigned to the writer, an interview, another writer's piece, and a
    piece at another festival."""
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    interview = add_interview(app, programme["festival"], users["writer"], programme["film"])
    other_writer = make_user("writer", "other@example.org", "Olga Other")
    with app.app_context():
        other = Piece(
            festival_id=programme["festival"],
            film_id=programme["film"],
            kind=PieceKind.FEATURE,
            state=PieceState.ASSIGNED,
            writer_id=other_writer,
            headline="Someone else's feature",
            screening_id=programme["public"],
            due_at=DUE + timedelta(days=1),
            slot_starts_at=SLOT_START + timedelta(days=1),
            slot_ends_at=SLOT_END + timedelta(days=1),
            slot_place="Elsewhere",
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    elsewhere = add_other_festival(app, users["writer"])
    return {
        "review": programme["piece"],
        "interview": interview,
        "other": other_id,
        "other_writer": other_writer,
        "elsewhere": elsewhere,
    }


def test_personal_feed_has_the_screening_deadline_and_interview_of_that_writer_only(
    app, client, users, programme, writer_schedule
):
    secret = issue(app, users["writer"], "personal")
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    body = response.data
    review, interview = writer_schedule["review"], writer_schedule["interview"]
    attend = uid(review, f"screening-{programme['press']}")
    deadline = uid(review, "deadline")
    slot = uid(interview, "interview")
    far_deadline = uid(writer_schedule["elsewhere"]["piece"], "deadline")
    loose, strict = icalendar_events(body), ical_events(body)
    assert set(loose) == set(strict)
    assert {attend, deadline, slot, far_deadline} <= set(strict)

    # The screening to attend: the press screening, 09:00 BST = 08:00 UTC.
    assert as_utc(strict[attend].dtstart) == datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
    assert as_utc(loose[attend].decoded("DTSTART")) == datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
    assert "Red Rocket" in strict[attend].summary
    assert strict[attend].location.startswith("BFI Southbank NFT1")

    # The deadline: a short timed event at the due time that reads as a deadline.
    assert strict[deadline].summary.startswith("DEADLINE:")
    assert as_utc(strict[deadline].dtstart) == DUE
    assert as_utc(loose[deadline].decoded("DTSTART")) == DUE
    length = strict[deadline].dtend - strict[deadline].dtstart
    assert timedelta(0) < length <= timedelta(minutes=30)

    # The interview slot.
    assert as_utc(strict[slot].dtstart) == SLOT_START
    assert as_utc(strict[slot].dtend) == SLOT_END
    assert strict[slot].location == "Soho Hotel, Room 3"
    assert "Sean Baker" in strict[slot].summary

    # Across festivals: the New York deadline, with its own zone.
    assert as_utc(strict[far_deadline].dtstart) == datetime(2022, 6, 10, 16, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=America/New_York:20220610T120000" in body
    assert_zoned_and_complete(body)
    zones = {str(tz["TZID"]) for tz in parse_icalendar(body).walk("VTIMEZONE")}
    assert {"Europe/London", "America/New_York"} <= zones

    # Nothing of the other writer's.
    other = writer_schedule["other"]
    assert not [u for u in strict if u.startswith(f"piece-{other}-")]
    assert b"Someone else" not in body
    assert all(event.url for event in strict.values())


def test_personal_feed_of_a_writer_with_nothing_assigned_is_an_empty_valid_calendar(
    app, client, users, programme
):
    secret = issue(app, users["writer"], "personal")
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    assert ical_events(response.data) == {}
    assert "X-WR-CALNAME" in "".join(unfolded_lines(response.data))


def test_personal_feed_refreshes_when_the_writer_gets_a_piece(app, client, users, programme):
    secret = issue(app, users["writer"], "personal")
    first = client.get(feed_path(secret))
    assign_piece(
        app, programme["piece"], users["writer"], screening_id=programme["press"], due_at=DUE
    )
    response = client.get(feed_path(secret), headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert uid(programme["piece"], "deadline") in ical_events(response.data)


def test_personal_feed_refreshes_when_the_attended_screening_moves(
    app, client, users, programme, writer_schedule
):
    secret = issue(app, users["writer"], "personal")
    first = client.get(feed_path(secret))
    attend = uid(writer_schedule["review"], f"screening-{programme['press']}")
    before = ical_events(first.data)[attend]
    move_screening(app, programme["press"], timedelta(hours=1))
    response = client.get(feed_path(secret), headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    after = ical_events(response.data)[attend]
    assert as_utc(after.dtstart) == datetime(2021, 10, 8, 9, 0, tzinfo=UTC)
    assert after.sequence > before.sequence


def test_personal_feed_refreshes_when_the_interviewees_change(
    app, client, users, programme, writer_schedule
):
    from coverage.pieces import services as piece_services
    from coverage.pieces.services import PlanFields

    secret = issue(app, users["writer"], "personal")
    first = client.get(feed_path(secret))
    slot = uid(writer_schedule["interview"], "interview")
    assert "Sean Baker" in ical_events(first.data)[slot].summary
    with app.app_context():
        from coverage.accounts.models import User

        piece = db.session.get(Piece, writer_schedule["interview"])
        person = Person(name="Bree Elrod", role=PersonRole.ACTOR, film_id=programme["film"])
        db.session.add(person)
        db.session.flush()
        piece_services.update_plan(
            piece,
            db.session.get(User, users["editor"]),
            PlanFields(
                kind=piece.kind,
                film_id=piece.film_id,
                interviewee_ids=[person.id],
                writer_id=piece.writer_id,
                due_at=piece.due_at,
                slot_starts_at=piece.slot_starts_at,
                slot_ends_at=piece.slot_ends_at,
                slot_place=piece.slot_place,
            ),
        )
        db.session.commit()
    fresh = client.get(feed_path(secret))
    assert "Bree Elrod" in ical_events(fresh.data)[slot].summary  # the content did change
    response = client.get(feed_path(secret), headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200


def test_desk_feed_has_every_deadline_interview_and_scheduled_publication_of_one_festival(
    app, client, users, programme, writer_schedule
):
    embargo = soon(72)
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = embargo
        scheduled = Piece(
            festival_id=programme["festival"],
            film_id=programme["film"],
            kind=PieceKind.REVIEW,
            state=PieceState.SCHEDULED,
            writer_id=writer_schedule["other_writer"],
            headline="Red Rocket, reviewed",
            body="Words.",
        )
        db.session.add(scheduled)
        db.session.commit()
        scheduled_id = scheduled.id
    secret = issue(app, users["editor"], "desk", programme["festival"])
    response = client.get(feed_path(secret))
    assert response.status_code == 200
    body = response.data
    loose, strict = icalendar_events(body), ical_events(body)
    assert set(loose) == set(strict)
    review, interview, other = (
        writer_schedule["review"],
        writer_schedule["interview"],
        writer_schedule["other"],
    )
    expected = {
        uid(review, "deadline"),
        uid(other, "deadline"),
        uid(interview, "interview"),
        uid(other, "interview"),
        uid(scheduled_id, "publication"),
    }
    assert expected <= set(strict)
    assert strict[uid(review, "deadline")].summary.startswith("DEADLINE:")
    assert as_utc(strict[uid(review, "deadline")].dtstart) == DUE
    assert as_utc(strict[uid(interview, "interview")].dtstart) == SLOT_START

    publication = strict[uid(scheduled_id, "publication")]
    assert publication.summary.startswith("PUBLISHES:")
    assert as_utc(publication.dtstart) == embargo
    assert as_utc(loose[uid(scheduled_id, "publication")].decoded("DTSTART")) == embargo

    # Only this festival, and no screenings-to-attend.
    far = writer_schedule["elsewhere"]["piece"]
    assert not [u for u in strict if u.startswith(f"piece-{far}-")]
    assert not [u for u in strict if "-screening-" in u]
    assert_zoned_and_complete(body)


def test_the_desk_feed_is_the_editors_a_demoted_editors_desk_feed_stops(
    app, client, users, programme
):
    from coverage.accounts.models import User
    from coverage.accounts.roles import Role

    secret = issue(app, users["editor"], "desk", programme["festival"])
    assert client.get(feed_path(secret)).status_code == 200
    with app.app_context():
        db.session.get(User, users["editor"]).role = Role.WRITER
        db.session.commit()
    assert client.get(feed_path(secret)).status_code == 404


def test_one_off_screening_ics(app, client, users, login, programme):
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}.ics"
    assert client.get(url).status_code in (302, 401)  # behind the login
    login("writer")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert '.ics"' in response.headers["Content-Disposition"]
    strict = ical_events(response.data)
    loose = icalendar_events(response.data)
    assert list(strict) == list(loose) == [f"screening-{programme['press']}@{DOMAIN}"]
    event = strict[f"screening-{programme['press']}@{DOMAIN}"]
    assert as_utc(event.dtstart) == datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
    assert event.location.startswith("BFI Southbank NFT1")
    assert_zoned_and_complete(response.data)
    assert not any(line.startswith("METHOD") for line in unfolded_lines(response.data))


def test_one_off_interview_ics(app, client, users, login, programme):
    interview = add_interview(app, programme["festival"], users["writer"], programme["film"])
    login("writer")
    response = client.get(f"/pieces/{interview}/interview.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert '.ics"' in response.headers["Content-Disposition"]
    strict = ical_events(response.data)
    assert list(strict) == [uid(interview, "interview")]
    event = strict[uid(interview, "interview")]
    assert (as_utc(event.dtstart), as_utc(event.dtend)) == (SLOT_START, SLOT_END)
    assert event.location == "Soho Hotel, Room 3"
    assert_zoned_and_complete(response.data)
    # A piece with no slot has no interview file.
    assert client.get(f"/pieces/{programme['piece']}/interview.ics").status_code == 404


def test_festival_of_the_token_is_used_not_another(app, client, users, programme):
    """A festival feed token lists only its own festival's screenings."""
    from tests.calendars.test_festival_feed import make_dst_festival

    make_dst_festival(app)
    secret = issue(app, users["writer"], "festival", programme["festival"])
    events = ical_events(client.get(feed_path(secret)).data)
    assert {e.summary.split(" · ")[0] for e in events.values()} == {"Red Rocket"}
    with app.app_context():
        assert db.session.query(Festival).count() == 2
