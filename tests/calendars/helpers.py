"""Helpers for the calendar-feed tests: issuing feed secrets, parsing with two parsers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
from ical.calendar_stream import IcsCalendarStream

from coverage.accounts.models import User
from coverage.calendars import services as calendars
from coverage.calendars.kinds import FeedKind
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow
from tests.conftest import count_statements  # noqa: F401  (re-exported for the feed tests)

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def issue(app, user_id: int, kind: str, festival_id: int | None = None) -> str:
    """A new feed secret for the user, as the settings page would make it."""
    with app.app_context():
        user = db.session.get(User, user_id)
        festival = db.session.get(Festival, festival_id) if festival_id else None
        _, secret = calendars.issue_feed_token(user, FeedKind(kind), festival, utcnow())
        db.session.commit()
        return secret


def feed_path(secret: str) -> str:
    return f"/calendars/{secret}.ics"


def parse_icalendar(body: bytes | str) -> icalendar.Calendar:
    data = body if isinstance(body, bytes) else body.encode()
    return icalendar.Calendar.from_ical(data)


def parse_ical(body: bytes | str):
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return IcsCalendarStream.calendar_from_ics(text)


def icalendar_events(body) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in parse_icalendar(body).walk("VEVENT")}


def ical_events(body) -> dict:
    return {e.uid: e for e in parse_ical(body).events}


def as_utc(moment: datetime) -> datetime:
    assert moment.tzinfo is not None, f"floating time {moment!r}"
    return moment.astimezone(UTC)


def unfolded_lines(body: bytes) -> list[str]:
    text = body.decode("utf-8")
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def assign_piece(
    app,
    piece_id: int,
    writer_id: int,
    *,
    state: PieceState = PieceState.ASSIGNED,
    screening_id: int | None = None,
    due_at: datetime | None = None,
    **fields,
) -> None:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        piece.writer_id = writer_id
        piece.state = state
        piece.screening_id = screening_id
        piece.due_at = due_at
        for name, value in fields.items():
            setattr(piece, name, value)
        db.session.commit()


def soon(hours: int = 48) -> datetime:
    return (utcnow() + timedelta(hours=hours)).replace(microsecond=0)


def move_screening(app, screening_id: int, by: timedelta) -> None:
    """Move a screening through the service the desk uses (same row, higher SEQUENCE)."""
    from coverage.programme import services as programme_services
    from coverage.programme.models import Screening

    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        programme_services.update_screening(
            screening,
            programme_services.ScreeningFields(
                film_id=screening.film_id,
                venue_id=screening.venue_id,
                starts_at=screening.starts_at + by,
                kind=screening.kind,
            ),
        )
        db.session.commit()


# --- The night the clocks go back (Europe/London, 29 October 2023) ---------------------------

LONDON = "Europe/London"
# 01:00-01:59 happens twice that night: first in BST (00:00-00:59 UTC), then in GMT (01:00-01:59
# UTC).
CLOCKS_BACK = datetime(2023, 10, 29, tzinfo=UTC)


def clocks_back_festival(app) -> dict[str, int | str]:
    """A London festival across the night the clocks go back: a venue and a 90-minute film."""
    from datetime import date

    from coverage.festivals import services as festivals
    from coverage.programme import services as programme_services
    from coverage.programme.rules import FestivalFields, FilmFields

    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Autumn Nights",
                edition=2023,
                timezone=LONDON,
                start_date=date(2023, 10, 25),
                end_date=date(2023, 10, 31),
                city="London",
            )
        )
        venue = festivals.create_venue(festival, "Prince Charles Cinema", "7 Leicester Place")
        film = programme_services.create_film(
            festival, FilmFields(title="Night Shift", directors="A. Director", runtime_minutes=90)
        )
        db.session.commit()
        return {"festival": festival.id, "slug": festival.slug, "venue": venue.id, "film": film.id}


def add_screening(app, night: dict, starts_at: datetime, ends_at: datetime | None = None) -> int:
    """A screening of the night's film through the desk's service (UTC instants)."""
    from coverage.programme import services as programme_services

    with app.app_context():
        festival = db.session.get(Festival, night["festival"])
        screening = programme_services.create_screening(
            festival,
            programme_services.ScreeningFields(
                film_id=night["film"],
                venue_id=night["venue"],
                starts_at=starts_at,
                ends_at=ends_at,
            ),
        )
        db.session.commit()
        return screening.id


def post_confirmed(client, url: str, page: str):
    """Post a programme change that pieces rely on: the desk is shown whom it reaches first
    (200), then confirms that very impact."""
    asked = client.post_form(url, {}, page=page)
    assert asked.status_code == 200, asked.status_code
    confirmed = re.search(r'name="confirmed" value="([^"]+)"', asked.get_data(as_text=True))
    assert confirmed, "no confirmation asked"
    return client.post_form(url, {"confirmed": confirmed.group(1)}, page=page)
