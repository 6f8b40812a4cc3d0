"""Calendar feeds built with icalendar: festival, personal and desk schedules.

Each feed is read in a fixed number of queries. Everything a client keys on is derived from
stored data, never from the request or the clock: UIDs from ids and a configured domain,
SEQUENCE from change counters, LAST-MODIFIED and DTSTAMP from the real change time. So an
unchanged calendar serialises to identical bytes and a refresh never duplicates an event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coverage.accounts.models import User
from coverage.calendars.vtimezone import add_timezones
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.pieces.embargo import is_held
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.pieces.services import COMMITTED_STATES, facts, piece_title
from coverage.pieces.workflow import release_time
from coverage.programme.models import Film, Screening
from coverage.timeutil import format_in_zone, to_zone

PRODID = "-//festival-coverage//Festival desk calendars//EN"
DEADLINE_MINUTES = 15
PUBLICATION_MINUTES = 15
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Raise when the feed format changes, so cached copies (ETags) are refreshed.
FORMAT_VERSION = "2"
CANCELLED_PREFIX = "CANCELLED: "
# Control characters (C0, DEL, C1) and Unicode line/paragraph separators: none may reach a
# content line, whatever is stored (a raw newline makes icalendar refuse the whole feed).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: object) -> str:
    """Stored text as one line of calendar TEXT: control characters become single spaces."""
    text = str(value)
    if not _CONTROL.search(text):
        return text
    return re.sub(r" {2,}", " ", _CONTROL.sub(" ", text)).strip()


def text_lines(value: object) -> list[str]:
    """Stored multi-line text as clean lines (any kind of line break splits)."""
    return [one_line(line) for line in str(value).splitlines()]


@dataclass
class Links:
    """Builds absolute URLs for event URL properties (the app's public address)."""

    base_url: str
    uid_domain: str

    def film(self, festival: Festival, film_id: int) -> str:
        return f"{self.base_url}/festivals/{quote(festival.slug, safe='')}/films/{film_id}"

    def piece(self, piece_id: int) -> str:
        return f"{self.base_url}/pieces/{piece_id}"


@dataclass
class Feed:
    name: str
    description: str
    filename: str
    events: list[Event] = field(default_factory=list)
    zones: list[tuple[str, datetime, datetime]] = field(default_factory=list)

    def to_ical(self) -> bytes:
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name, description = one_line(self.name), one_line(self.description)
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        add_timezones(
            calendar,
            sorted(
                {(zone, first.date(), last.date()) for zone, first, last in self.zones},
            ),
        )
        for event in self.events:
            calendar.add_component(event)
        return calendar.to_ical()


def _stamp(moment: datetime | None) -> datetime:
    return (moment or EPOCH).astimezone(UTC).replace(microsecond=0)


def _location(venue: Venue | None, place: str = "") -> str:
    if venue is None:
        return place
    return f"{venue.name}, {venue.address}" if venue.address else venue.name


def names_unambiguously(local: datetime) -> bool:
    """Whether a wall-clock time with its TZID names this one instant.

    Not in the hour the clocks go back: 01:30 on 29 October 2023 in Europe/London is 00:30 UTC
    and 01:30 UTC, and RFC 5545 reads a repeated local time as the first of the two, so the
    second cannot be written that way (and clients disagree about the first)."""
    return local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset()


def _add_times(event: Event, start: datetime, end: datetime, zone: str) -> None:
    """DTSTART and DTEND in the festival's TZID (its VTIMEZONE is in the calendar), except that
    an instant local time cannot name is written in UTC (RFC 5545 lets the two forms mix).

    Not a DURATION for such an end: RFC 5545 makes PT1H30M exact, but parsers that add it to a
    zoned start on the wall clock (Python's aware arithmetic does; so does the `ical` library)
    would turn 00:30 BST + 90 minutes into 02:00 GMT, the very error this avoids."""
    for name, moment in (("dtstart", start), ("dtend", end)):
        local = to_zone(moment, zone)
        event.add(name, local if names_unambiguously(local) else moment.astimezone(UTC))


def _event(
    *,
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    zone: str,
    changed_at: datetime | None,
    sequence: int,
    location: str,
    url: str,
    details: list[str],
    cancelled: bool = False,
) -> Event:
    event = Event()
    event.add("uid", uid)
    # Several apps ignore STATUS: a cancelled event says so in its title, in every feed.
    event.add("summary", (CANCELLED_PREFIX if cancelled else "") + one_line(summary))
    # Local times with the festival's TZID (a VTIMEZONE is added for it): no floating times.
    _add_times(event, start, end, zone)
    stamp = _stamp(changed_at)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if one_line(location):
        event.add("location", one_line(location))
    event.add("url", url)
    lines = [one_line(detail) for detail in details]
    event.add("description", "\n".join([*lines, url]))
    return event


def _zone_range(festival: Festival) -> tuple[str, datetime, datetime]:
    first = datetime.combine(festival.start_date, datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(festival.end_date, datetime.min.time(), tzinfo=UTC)
    return festival.timezone, first, last


def _extend(zones: list, zone: str, moment: datetime) -> None:
    zones.append((zone, moment, moment))


# --- Festival feed --------------------------------------------------------------------------


def _screening_query(festival_id: int):
    return (
        select(Screening)
        .where(Screening.festival_id == festival_id)
        .options(selectinload(Screening.film), selectinload(Screening.venue))
        .order_by(Screening.starts_at, Screening.id)
    )


def festival_feed(festival: Festival, links: Links) -> Feed:
    feed = Feed(
        name=f"{festival.display_name} · screenings",
        description=f"Every screening of {festival.display_name}, in {festival.timezone} time.",
        filename=f"{festival.slug}.ics",
        zones=[_zone_range(festival)],
    )
    for screening in db.session.scalars(_screening_query(festival.id)):
        feed.events.append(screening_event(festival, screening, links))
        _extend(feed.zones, festival.timezone, screening.starts_at)
    return feed


def screening_event(festival: Festival, screening: Screening, links: Links) -> Event:
    film = screening.film
    details = [
        f"{film.title} ({screening.kind.label} screening)",
        ", ".join(part for part in (film.directors, film.countries, str(film.year or "")) if part),
        f"{film.runtime_minutes} min" if film.runtime_minutes else "",
        film.section,
        *text_lines(screening.notes),
        f"Starts {format_in_zone(screening.starts_at, festival.timezone)}",
    ]
    return _event(
        uid=f"screening-{screening.id}@{links.uid_domain}",
        summary=f"{film.title} · {screening.kind.label}",
        start=screening.starts_at,
        end=screening.ends_at,
        zone=festival.timezone,
        changed_at=screening.updated_at,
        sequence=screening.sequence,
        location=_location(screening.venue),
        url=links.film(festival, film.id),
        details=[line for line in details if line],
        cancelled=screening.cancelled,
    )


# --- Piece events (personal and desk feeds) -------------------------------------------------


def _piece_query():
    return select(Piece).options(
        selectinload(Piece.festival),
        selectinload(Piece.writer),
        selectinload(Piece.film).selectinload(Film.screenings),
        selectinload(Piece.interviewees),
        selectinload(Piece.screening).selectinload(Screening.venue),
        selectinload(Piece.screening).selectinload(Screening.film),
    )


def _deadline_event(piece: Piece, links: Links, *, for_desk: bool) -> Event:
    festival = piece.festival
    title = piece_title(piece)
    who = f" ({piece.writer.name})" if for_desk and piece.writer else ""
    return _event(
        uid=f"piece-{piece.id}-deadline@{links.uid_domain}",
        summary=f"DEADLINE: {title}{who}",
        start=piece.due_at,
        end=piece.due_at + timedelta(minutes=DEADLINE_MINUTES),
        zone=festival.timezone,
        changed_at=piece.calendar_changed_at or piece.created_at,
        sequence=piece.calendar_sequence,
        location="",
        url=links.piece(piece.id),
        details=[
            f"Copy due for {title}: {format_in_zone(piece.due_at, festival.timezone)}",
            f"{piece.kind.label} for {festival.display_name}"
            + (f", {piece.word_target} words" if piece.word_target else ""),
        ],
        cancelled=piece.state is PieceState.SPIKED,
    )


def _attend_event(piece: Piece, links: Links) -> Event:
    screening = piece.screening
    festival = piece.festival
    changed = max(_stamp(screening.updated_at), _stamp(piece.calendar_changed_at))
    return _event(
        uid=f"piece-{piece.id}-screening-{screening.id}@{links.uid_domain}",
        summary=f"{screening.film.title} · {screening.kind.label} (for {piece_title(piece)})",
        start=screening.starts_at,
        end=screening.ends_at,
        zone=festival.timezone,
        changed_at=changed,
        sequence=screening.sequence + piece.calendar_sequence,
        location=_location(screening.venue),
        url=links.piece(piece.id),
        details=[
            f"Screening to attend for {piece_title(piece)}",
            f"Copy due {format_in_zone(piece.due_at, festival.timezone)}" if piece.due_at else "",
        ],
        cancelled=screening.cancelled or piece.state is PieceState.SPIKED,
    )


def _interview_event(
    piece: Piece, links: Links, *, for_desk: bool, title: str | None = None
) -> Event:
    """`title` replaces the piece's own (its headline) for someone who may not read its text:
    feeds go to the piece's writer or the desk, a one-off file to anyone logged in."""
    festival = piece.festival
    people = ", ".join(f"{p.name} ({p.role.value})" for p in piece.interviewees)
    who = f" ({piece.writer.name})" if for_desk and piece.writer else ""
    title = title or piece_title(piece)
    return _event(
        uid=f"piece-{piece.id}-interview@{links.uid_domain}",
        summary=f"Interview: {people or title}{who}",
        start=piece.slot_starts_at,
        end=piece.slot_ends_at,
        zone=festival.timezone,
        changed_at=piece.calendar_changed_at or piece.created_at,
        sequence=piece.calendar_sequence,
        location=piece.slot_place,
        url=links.piece(piece.id),
        details=[line for line in (title, people) if line],
        cancelled=piece.state is PieceState.SPIKED,
    )


def _publication_event(piece: Piece, moment: datetime, links: Links) -> Event:
    festival = piece.festival
    film = piece.film
    # The moment follows the film's embargo (and its screenings): both counters only rise.
    film_sequence = film.embargo_sequence if film is not None else 0
    changed = _stamp(piece.calendar_changed_at or piece.created_at)
    if film is not None:
        changed = max(changed, _stamp(film.updated_at))
    return _event(
        uid=f"piece-{piece.id}-publication@{links.uid_domain}",
        summary=f"PUBLISHES: {piece_title(piece)}",
        start=moment,
        end=moment + timedelta(minutes=PUBLICATION_MINUTES),
        zone=festival.timezone,
        changed_at=changed,
        sequence=piece.calendar_sequence + film_sequence,
        location="",
        url=links.piece(piece.id),
        details=[
            f"Scheduled to publish {format_in_zone(moment, festival.timezone)}"
            " (when its embargo lifts)",
        ],
    )


def _piece_events(piece: Piece, links: Links, *, for_desk: bool) -> Iterable[Event]:
    if piece.due_at is not None and piece.writer_id is not None:
        yield _deadline_event(piece, links, for_desk=for_desk)
    if not for_desk and piece.screening is not None:
        yield _attend_event(piece, links)
    if piece.slot_starts_at is not None and piece.slot_ends_at is not None:
        yield _interview_event(piece, links, for_desk=for_desk)
    if for_desk and piece.state is PieceState.SCHEDULED:
        moment = release_time(facts(piece))
        if moment is not None and not is_held(moment):
            yield _publication_event(piece, moment, links)


def personal_feed(user: User, links: Links) -> Feed:
    """A writer's screenings to attend, interview slots and deadlines, across festivals."""
    feed = Feed(
        name=f"{user.name} · festival schedule",
        description="Screenings to attend, interviews and copy deadlines, in festival time.",
        filename="my-festival-schedule.ics",
    )
    pieces = db.session.scalars(
        _piece_query()
        .where(
            Piece.writer_id == user.id,
            Piece.state.in_([*COMMITTED_STATES, PieceState.PUBLISHED, PieceState.SPIKED]),
        )
        .order_by(Piece.id)
    )
    for piece in pieces:
        for event in _piece_events(piece, links, for_desk=False):
            feed.events.append(event)
            _extend(feed.zones, piece.festival.timezone, event.decoded("dtstart"))
    return feed


def desk_feed(festival: Festival, links: Links) -> Feed:
    """Every deadline, interview and scheduled publication of one festival, for the desk."""
    feed = Feed(
        name=f"{festival.display_name} · desk",
        description=(
            f"Deadlines, interviews and scheduled publications for {festival.display_name}."
        ),
        filename=f"{festival.slug}-desk.ics",
        zones=[_zone_range(festival)],
    )
    pieces = db.session.scalars(
        _piece_query().where(Piece.festival_id == festival.id).order_by(Piece.id)
    )
    for piece in pieces:
        for event in _piece_events(piece, links, for_desk=True):
            feed.events.append(event)
            _extend(feed.zones, festival.timezone, event.decoded("dtstart"))
    return feed


# --- Cheap fingerprints for conditional GETs ------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    etag: str
    last_modified: datetime


def _fingerprint(parts: Iterable[object], last: datetime | None) -> Fingerprint:
    digest = hashlib.sha256(
        "|".join([FORMAT_VERSION, *(str(part) for part in parts)]).encode()
    ).hexdigest()[:32]
    return Fingerprint(f'"{digest}"', _stamp(last))


def festival_fingerprint(festival: Festival, links: Links) -> Fingerprint:
    """What the festival feed depends on, in one aggregate query: answers 304 cheaply."""
    row = db.session.execute(
        select(
            func.count(Screening.id),
            func.max(Screening.updated_at),
            func.coalesce(func.sum(Screening.sequence), 0),
            select(func.max(Film.updated_at))
            .where(Film.festival_id == festival.id)
            .scalar_subquery(),
            select(func.max(Venue.updated_at))
            .where(Venue.festival_id == festival.id)
            .scalar_subquery(),
        ).where(Screening.festival_id == festival.id)
    ).one()
    moments = [m for m in (row[1], row[3], row[4], festival.updated_at) if m is not None]
    return _fingerprint(
        (festival.id, festival.updated_at, *row, links.base_url, links.uid_domain),
        max(moments) if moments else None,
    )


def _pieces_fingerprint(criteria, parts: list[object]) -> Fingerprint:
    row = db.session.execute(
        select(
            func.count(Piece.id),
            func.max(Piece.updated_at),
            func.coalesce(func.sum(Piece.calendar_sequence), 0),
        ).where(*criteria)
    ).one()
    # Screenings and films the pieces point at can move or change their embargo.
    film_ids = select(Piece.film_id).where(*criteria).scalar_subquery()
    screening_ids = select(Piece.screening_id).where(*criteria).scalar_subquery()
    programme = db.session.execute(
        select(
            select(func.max(Screening.updated_at))
            .where((Screening.id.in_(screening_ids)) | (Screening.film_id.in_(film_ids)))
            .scalar_subquery(),
            select(func.max(Film.updated_at)).where(Film.id.in_(film_ids)).scalar_subquery(),
            select(func.max(Venue.updated_at)).scalar_subquery(),
        )
    ).one()
    moments = [m for m in (row[1], *programme) if m is not None]
    return _fingerprint((*parts, *row, *programme), max(moments) if moments else None)


def personal_fingerprint(user: User, links: Links) -> Fingerprint:
    return _pieces_fingerprint(
        [Piece.writer_id == user.id], [user.id, user.name, links.base_url, links.uid_domain]
    )


def desk_fingerprint(festival: Festival, links: Links) -> Fingerprint:
    return _pieces_fingerprint(
        [Piece.festival_id == festival.id],
        [festival.id, festival.updated_at, links.base_url, links.uid_domain],
    )


def single_event_calendar(name: str, event: Event, zone: str, moment: datetime) -> bytes:
    """A one-off "add to calendar" file for one screening or interview."""
    feed = Feed(name=name, description=name, filename="event.ics", events=[event])
    feed.zones.append((zone, moment, moment))
    return feed.to_ical()
