"""Calendar feeds: festival, personal and desk schedules, and one-off event files.

Each feed is read in a fixed number of queries, its events become light records
(`ical_writer.EventRecord`), and `ical_writer` writes them in the bytes icalendar would write
(a 1,600-event feed in a fraction of icalendar's time); `Feed.to_ical_with_icalendar` is that
reference, which the test suite compares on every feed it serialises (`ICAL_CROSSCHECK`).

Everything a client keys on is derived from stored data, never from the request or the clock:
UIDs from ids and a configured domain, SEQUENCE from change counters, LAST-MODIFIED and DTSTAMP
from the real change time. So an unchanged calendar serialises to identical bytes and a refresh
never duplicates an event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote

from flask import current_app, has_app_context
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from coverage.accounts.models import User
from coverage.calendars import ical_writer
from coverage.calendars.ical_writer import EventRecord
from coverage.calendars.vtimezone import add_timezones, merge_ranges, vtimezone_ical
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.pieces.embargo import is_held
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.pieces.services import COMMITTED_STATES, facts, piece_title
from coverage.pieces.workflow import release_time
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.timeutil import format_in_zone, to_zone

PRODID = "-//festival-coverage//Festival desk calendars//EN"
DEADLINE_MINUTES = 15
PUBLICATION_MINUTES = 15
REFRESH_INTERVAL = timedelta(hours=1)
PUBLISHED_TTL = "PT1H"
#: Where `Feed.to_ical` lists mismatches with icalendar under ICAL_CROSSCHECK (in app.extensions).
CROSSCHECK_FAILURES = "ical_crosscheck_failures"
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


@lru_cache(maxsize=1024)
def _path_segment(text: str) -> str:
    """`text` percent-encoded as one URL path segment (cached: a feed repeats its festival's
    slug in every event)."""
    return quote(text, safe="")


@dataclass
class Links:
    """Builds absolute URLs for event URL properties (the app's public address)."""

    base_url: str
    uid_domain: str

    def film(self, festival: Festival, film_id: int) -> str:
        return f"{self.base_url}/festivals/{_path_segment(festival.slug)}/films/{film_id}"

    def piece(self, piece_id: int) -> str:
        return f"{self.base_url}/pieces/{piece_id}"


@dataclass
class Feed:
    """One calendar: its name and description (stored text, made one line when written), its
    events in order, and the zones and dates its VTIMEZONEs must cover."""

    name: str
    description: str
    filename: str
    events: list[EventRecord] = field(default_factory=list)
    #: (IANA zone, first, last): the calendar carries a VTIMEZONE per zone covering the dates.
    zones: list[tuple[str, datetime, datetime]] = field(default_factory=list)

    def _zone_ranges(self) -> list[tuple[str, date, date]]:
        ranges = merge_ranges((zone, first.date(), last.date()) for zone, first, last in self.zones)
        return [(zone, *ranges[zone]) for zone in sorted(ranges)]

    def to_ical(self) -> bytes:
        """The calendar as UTF-8 bytes, identical to `to_ical_with_icalendar()`.

        With `ICAL_CROSSCHECK` in the app's config (the test suite sets it) both are built and
        an AssertionError names the first line where they differ; its message is also appended
        to `app.extensions[CROSSCHECK_FAILURES]`, since the app answers any error in a view
        with a 500 page."""
        body = ical_writer.calendar(
            prodid=PRODID,
            name=one_line(self.name),
            description=one_line(self.description),
            refresh_interval=REFRESH_INTERVAL,
            published_ttl=PUBLISHED_TTL,
            timezones=[vtimezone_ical(*zone) for zone in self._zone_ranges()],
            events=self.events,
        )
        if has_app_context() and current_app.config.get("ICAL_CROSSCHECK"):
            try:
                assert_same_calendar(body, self.to_ical_with_icalendar())
            except AssertionError as error:
                # A view's error becomes a 500 page: kept too, for the test app to fail on.
                current_app.extensions.setdefault(CROSSCHECK_FAILURES, []).append(str(error))
                raise
        return body

    def to_ical_with_icalendar(self) -> bytes:
        """The reference serialisation: icalendar components built from the same records, as
        every feed was written before `ical_writer` (ten times slower and more)."""
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name, description = one_line(self.name), one_line(self.description)
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", PUBLISHED_TTL)
        add_timezones(calendar, self._zone_ranges())
        for event in self.events:
            calendar.add_component(icalendar_event(event))
        return calendar.to_ical()


def icalendar_event(record: EventRecord) -> Event:
    """The icalendar VEVENT for a record, built property by property (the reference path)."""
    event = Event()
    event.add("uid", record.uid)
    event.add("summary", record.summary)
    event.add("dtstart", record.dtstart)
    event.add("dtend", record.dtend)
    event.add("dtstamp", record.stamp)
    event.add("last-modified", record.stamp)
    event.add("sequence", record.sequence)
    event.add("status", record.status)
    if record.location:
        event.add("location", record.location)
    event.add("url", record.url)
    event.add("description", record.description)
    return event


def assert_same_calendar(ours: bytes, reference: bytes) -> None:
    """AssertionError naming the first differing content line (as written, folds included)."""
    if ours == reference:
        return
    mine, theirs = ours.split(b"\r\n"), reference.split(b"\r\n")
    for number, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        if a != b:
            raise AssertionError(
                f"ical_writer differs from icalendar at line {number}: {a!r} != {b!r}"
            )
    raise AssertionError(
        f"ical_writer wrote {len(mine)} lines, icalendar {len(theirs)}: "
        f"{mine[len(theirs) :]!r} / {theirs[len(mine) :]!r}"
    )


def _stamp(moment: datetime | None) -> datetime:
    return (moment or EPOCH).astimezone(UTC).replace(microsecond=0)


def _location(venue: Venue | None, place: str = "") -> str:
    if venue is None:
        return place
    return _place(venue.name, venue.address)


def _place(name: str | None, address: str | None) -> str:
    """A venue as LOCATION: its name, then its address if it has one ("" without a venue)."""
    if name is None:
        return ""
    return f"{name}, {address}" if address else name


def names_unambiguously(local: datetime) -> bool:
    """Whether a wall-clock time with its TZID names this one instant.

    Not in the hour the clocks go back: 01:30 on 29 October 2023 in Europe/London is 00:30 UTC
    and 01:30 UTC, and RFC 5545 reads a repeated local time as the first of the two, so the
    second cannot be written that way (and clients disagree about the first)."""
    return local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset()


def _written_time(moment: datetime, zone: str) -> datetime:
    """DTSTART or DTEND: local time in the festival's zone (its VTIMEZONE is in the calendar),
    except that an instant local time cannot name is written in UTC (RFC 5545 lets the two forms
    mix).

    Not a DURATION for such an end: RFC 5545 makes PT1H30M exact, but parsers that add it to a
    zoned start on the wall clock (Python's aware arithmetic does; so does the `ical` library)
    would turn 00:30 BST + 90 minutes into 02:00 GMT, the very error this avoids."""
    local = to_zone(moment, zone)
    return local if names_unambiguously(local) else moment.astimezone(UTC)


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
) -> EventRecord:
    stamp = _stamp(changed_at)
    lines = [one_line(detail) for detail in details]
    return EventRecord(
        uid=uid,
        # Several apps ignore STATUS: a cancelled event says so in its title, in every feed.
        summary=(CANCELLED_PREFIX if cancelled else "") + one_line(summary),
        # Local times with the festival's TZID (a VTIMEZONE is added for it): no floating times.
        dtstart=_written_time(start, zone),
        dtend=_written_time(end, zone),
        stamp=stamp,
        sequence=sequence,
        status="CANCELLED" if cancelled else "CONFIRMED",
        location=one_line(location),
        url=url,
        description="\n".join([*lines, url]),
    )


def _zone_range(festival: Festival) -> tuple[str, datetime, datetime]:
    first = datetime.combine(festival.start_date, datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(festival.end_date, datetime.min.time(), tzinfo=UTC)
    return festival.timezone, first, last


def _extend(zones: list, zone: str, moment: datetime) -> None:
    zones.append((zone, moment, moment))


# --- Festival feed --------------------------------------------------------------------------


class ScreeningFacts(NamedTuple):
    """What a screening's event is made of: the screening's, its film's and its venue's
    columns, flat, so that the festival feed reads them as plain rows (an ORM object per
    screening, film and venue costs more than the whole event)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    kind: ScreeningKind
    cancelled: bool
    notes: str
    sequence: int
    updated_at: datetime | None
    film_id: int
    film_title: str
    directors: str
    countries: str
    year: int | None
    runtime_minutes: int | None
    section: str
    venue_name: str | None
    venue_address: str | None

    @classmethod
    def of(cls, screening: Screening) -> ScreeningFacts:
        film, venue = screening.film, screening.venue
        return cls(
            screening.id,
            screening.starts_at,
            screening.ends_at,
            screening.kind,
            screening.cancelled,
            screening.notes,
            screening.sequence,
            screening.updated_at,
            film.id,
            film.title,
            film.directors,
            film.countries,
            film.year,
            film.runtime_minutes,
            film.section,
            venue.name if venue is not None else None,
            venue.address if venue is not None else None,
        )


def _screening_rows(festival_id: int):
    """Every screening of the festival as ScreeningFacts columns, in programme order: one
    query."""
    return (
        select(
            Screening.id,
            Screening.starts_at,
            Screening.ends_at,
            Screening.kind,
            Screening.cancelled,
            Screening.notes,
            Screening.sequence,
            Screening.updated_at,
            Film.id,
            Film.title,
            Film.directors,
            Film.countries,
            Film.year,
            Film.runtime_minutes,
            Film.section,
            Venue.name,
            Venue.address,
        )
        .join(Film, Screening.film_id == Film.id)
        .outerjoin(Venue, Screening.venue_id == Venue.id)
        .where(Screening.festival_id == festival_id)
        .order_by(Screening.starts_at, Screening.id)
    )


def festival_feed(festival: Festival, links: Links) -> Feed:
    """Every screening of the festival, cancelled ones included, in one query."""
    feed = Feed(
        name=f"{festival.display_name} · screenings",
        description=f"Every screening of {festival.display_name}, in {festival.timezone} time.",
        filename=f"{festival.slug}.ics",
        zones=[_zone_range(festival)],
    )
    zone = festival.timezone
    for row in db.session.execute(_screening_rows(festival.id)):
        facts = ScreeningFacts._make(row)
        feed.events.append(_screening_record(festival, facts, links))
        _extend(feed.zones, zone, facts.starts_at)
    return feed


def screening_event(festival: Festival, screening: Screening, links: Links) -> EventRecord:
    """The event of one screening (its one-off file): the same as in the festival feed."""
    return _screening_record(festival, ScreeningFacts.of(screening), links)


def _screening_record(festival: Festival, facts: ScreeningFacts, links: Links) -> EventRecord:
    kind, zone = facts.kind.label, festival.timezone
    details = [
        f"{facts.film_title} ({kind} screening)",
        ", ".join(
            part for part in (facts.directors, facts.countries, str(facts.year or "")) if part
        ),
        f"{facts.runtime_minutes} min" if facts.runtime_minutes else "",
        facts.section,
        *text_lines(facts.notes),
        f"Starts {format_in_zone(facts.starts_at, zone)}",
    ]
    return _event(
        uid=f"screening-{facts.id}@{links.uid_domain}",
        summary=f"{facts.film_title} · {kind}",
        start=facts.starts_at,
        end=facts.ends_at,
        zone=zone,
        changed_at=facts.updated_at,
        sequence=facts.sequence,
        location=_place(facts.venue_name, facts.venue_address),
        url=links.film(festival, facts.film_id),
        details=[line for line in details if line],
        cancelled=facts.cancelled,
    )


# --- Piece events (personal and desk feeds) -------------------------------------------------


def _piece_query(*, for_desk: bool):
    """Pieces with what their events show: the many-to-one rows joined into the same query,
    the interviewees in a second; for the desk also their films' screenings (a scheduled
    piece's go-live time needs the film's embargo, which its first screening sets)."""
    film = joinedload(Piece.film)
    return select(Piece).options(
        joinedload(Piece.festival),
        joinedload(Piece.writer),
        film.selectinload(Film.screenings) if for_desk else film,
        selectinload(Piece.interviewees),
        joinedload(Piece.screening).joinedload(Screening.venue),
        joinedload(Piece.screening).joinedload(Screening.film),
    )


def _deadline_event(piece: Piece, links: Links, *, for_desk: bool) -> EventRecord:
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


def _attend_event(piece: Piece, links: Links) -> EventRecord:
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
) -> EventRecord:
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


def _publication_event(piece: Piece, moment: datetime, links: Links) -> EventRecord:
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


def _piece_events(piece: Piece, links: Links, *, for_desk: bool) -> Iterable[EventRecord]:
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
        _piece_query(for_desk=False)
        .where(
            Piece.writer_id == user.id,
            Piece.state.in_([*COMMITTED_STATES, PieceState.PUBLISHED, PieceState.SPIKED]),
        )
        .order_by(Piece.id)
    )
    for piece in pieces:
        for event in _piece_events(piece, links, for_desk=False):
            feed.events.append(event)
            _extend(feed.zones, piece.festival.timezone, event.dtstart)
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
        _piece_query(for_desk=True).where(Piece.festival_id == festival.id).order_by(Piece.id)
    )
    for piece in pieces:
        for event in _piece_events(piece, links, for_desk=True):
            feed.events.append(event)
            _extend(feed.zones, festival.timezone, event.dtstart)
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
    # What else the events print: screenings and films the pieces point at (they move, rename,
    # change their embargo), venues, the pieces' festivals (name, time zone) and writers (the
    # desk's events name them). Interviewees' names live in rows never edited, and a change of
    # who is interviewed moves the piece's calendar_sequence.
    film_ids = select(Piece.film_id).where(*criteria).scalar_subquery()
    screening_ids = select(Piece.screening_id).where(*criteria).scalar_subquery()
    festival_ids = select(Piece.festival_id).where(*criteria).scalar_subquery()
    writer_ids = select(Piece.writer_id).where(*criteria).scalar_subquery()
    programme = db.session.execute(
        select(
            select(func.max(Screening.updated_at))
            .where((Screening.id.in_(screening_ids)) | (Screening.film_id.in_(film_ids)))
            .scalar_subquery(),
            select(func.max(Film.updated_at))
            .where(
                Film.id.in_(film_ids)
                # The film of the screening a piece attends, which names the event.
                | Film.id.in_(select(Screening.film_id).where(Screening.id.in_(screening_ids)))
            )
            .scalar_subquery(),
            select(func.max(Venue.updated_at)).scalar_subquery(),
            select(func.max(Festival.updated_at))
            .where(Festival.id.in_(festival_ids))
            .scalar_subquery(),
            select(func.max(User.updated_at)).where(User.id.in_(writer_ids)).scalar_subquery(),
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


def single_event_calendar(name: str, event: EventRecord, zone: str, moment: datetime) -> bytes:
    """A one-off "add to calendar" file for one screening or interview."""
    feed = Feed(name=name, description=name, filename="event.ics", events=[event])
    feed.zones.append((zone, moment, moment))
    return feed.to_ical()
