"""Our calendar serialiser writes exactly the bytes icalendar writes.

The feeds are written by `coverage.calendars.ical_writer` (icalendar's serialiser took most of a
1,600-event feed's time). A subscriber must not see the change: same bytes, so the same ETag
and no event rewritten. Three nets:

- every calendar the suite serialises through the app is also written by icalendar and
  compared byte for byte (`ICAL_CROSSCHECK`, set on the test app in `tests/conftest.py`, checked
  in `Feed.to_ical`): a check inside the one serialiser catches every feed any test builds,
  in any directory, without each test remembering to compare;
- here, every kind of feed (festival, personal, desk, one-off files) built from awkward stored
  data, compared explicitly;
- here, events and calendar names at the edges (folds inside multi-byte characters, an escape
  at the fold, every TEXT special character, the repeated hour in UTC, zones icalendar writes in
  UTC, years 1 and 9999) and generated text, straight against icalendar.

icalendar stays the parser everywhere else in the tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage.accounts.models import User
from coverage.calendars import feeds, ical_writer, vtimezone
from coverage.calendars.ical_writer import EventRecord
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Screening
from tests.calendars.helpers import (
    CLOCKS_BACK,
    LONDON,
    add_screening,
    clocks_back_festival,
    feed_path,
    icalendar_events,
    issue,
    soon,
)
from tests.calendars.test_personal_and_desk import writer_schedule  # noqa: F401  (fixture)

STAMP = datetime(2021, 10, 1, 12, 0, tzinfo=UTC)
START = datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
# A title that needs every TEXT escape, and multi-byte characters of 2, 3 and 4 octets.
AWKWARD = 'Ünïcødé; a "quoted", back\\slash\\N title ^ ’ 東京物語 😀'


def record(**changes) -> EventRecord:
    """An ordinary screening event in London, with `changes`."""
    values = {
        "uid": "screening-1@festival-coverage.local",
        "summary": "Red Rocket · Press",
        "dtstart": START.astimezone(ZoneInfo(LONDON)),
        "dtend": (START + timedelta(minutes=130)).astimezone(ZoneInfo(LONDON)),
        "stamp": STAMP,
        "sequence": 0,
        "status": "CONFIRMED",
        "location": "BFI Southbank NFT1, Belvedere Road",
        "url": "http://coverage.test/festivals/test-festival-2021/films/1",
        "description": "Red Rocket (Press screening)\nSean Baker\n130 min",
    }
    values.update(changes)
    return EventRecord(**values)


def calendar_of(
    *events: EventRecord, name: str = "Test Festival 2021 · screenings", zoned: bool = True
) -> feeds.Feed:
    """A calendar of `events`, with London's VTIMEZONE for the festival's dates if `zoned`."""
    feed = feeds.Feed(name=name, description=f"{name}, for tests", filename="t.ics")
    feed.events.extend(events)
    if zoned:
        feed.zones.append((LONDON, START, START))
    return feed


def assert_written_as_icalendar_writes(feed: feeds.Feed) -> bytes:
    ours, reference = feed.to_ical(), feed.to_ical_with_icalendar()
    feeds.assert_same_calendar(ours, reference)  # names the first differing line
    assert ours == reference
    return ours


# --- Events and names at the edges, straight against icalendar -------------------------------


def _fold_cases() -> list[tuple[str, str]]:
    """Summaries whose 75th octet falls on every position of a 2-, 3- and 4-octet character,
    and on each half of an escape pair (`\\,`, `\\\\`, `\\;`, `\\n`) and on a caret."""
    cases = []
    for char in ("é", "東", "😀"):
        for shift in range(len(char.encode())):
            # "SUMMARY:" is 8 octets; pad so that `char` straddles the limit at `shift`.
            cases.append((f"{char!r} at {shift}", "x" * (66 - shift) + char * 40))
    for special in (",", "\\", ";", "\n", "^"):
        for shift in range(3):
            cases.append((f"{special!r} at {shift}", "y" * (64 + shift) + special + "z" * 90))
            # The same in a line with multi-byte characters (folded octet by octet).
            cases.append((f"{special!r} at {shift}, after é", "é" + "y" * (63 + shift) + special))
    return cases


@pytest.mark.parametrize(
    ("summary"), [case for _, case in _fold_cases()], ids=[label for label, _ in _fold_cases()]
)
def test_long_lines_fold_where_icalendar_folds_them(summary):
    body = assert_written_as_icalendar_writes(calendar_of(record(summary=summary)))
    # Never more than 75 octets a line (74, plus a continuation's leading space).
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    body.decode("utf-8")  # no multi-byte character split across a fold


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"summary": AWKWARD * 3, "location": AWKWARD}, id="every TEXT escape"),
        pytest.param(
            {"description": "one\ntwo\r\nthree\rfour\\nfive\\Nsix, seven; eight\\"},
            id="line breaks and backslashes in a description",
        ),
        pytest.param({"location": ""}, id="no location"),
        pytest.param(
            {"status": "CANCELLED", "summary": "CANCELLED: Red Rocket · Press", "sequence": 3},
            id="cancelled",
        ),
        pytest.param({"dtstart": START, "dtend": START + timedelta(hours=2)}, id="times in UTC"),
        pytest.param(
            {
                "dtstart": START.astimezone(ZoneInfo("Atlantic/Reykjavik")),
                "dtend": START.astimezone(ZoneInfo("Africa/Accra")),
            },
            id="zones icalendar writes as UTC",
        ),
        pytest.param(
            {
                "dtstart": START.astimezone(ZoneInfo("Etc/GMT+5")),
                "dtend": START.astimezone(ZoneInfo("America/Argentina/Buenos_Aires")),
            },
            id="zone names with a plus sign and three parts",
        ),
        pytest.param(
            {
                "dtstart": datetime(1, 1, 1, 9, 30, tzinfo=UTC),
                "dtend": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                "stamp": datetime(1, 1, 1, tzinfo=UTC),
            },
            id="typo years 1 and 9999",
        ),
        pytest.param(
            {"stamp": datetime(2021, 10, 1, 13, 0, 7, 123456, tzinfo=ZoneInfo(LONDON))},
            id="a change time in a zone, with microseconds",
        ),
        pytest.param({"sequence": 2**31 - 1}, id="the largest sequence"),
        pytest.param({"uid": "screening-9@" + "sub." * 30 + "example.org"}, id="a long uid"),
        pytest.param(
            {"url": "https://coverage.test/festivals/f%C3%AAte,%20x;y/films/1?" + "q=1&" * 20},
            id="a long url with commas and semicolons (not escaped)",
        ),
    ],
)
def test_awkward_events_are_written_as_icalendar_writes_them(changes):
    assert_written_as_icalendar_writes(calendar_of(record(**changes)))


@pytest.mark.parametrize(
    "value", ["Europe/London", "Etc/GMT+5", "a,b", "a;b", "a:b", "it’s", 'say "hi"', "x^y", "a\nb"]
)
def test_tzid_parameter_values_are_quoted_and_escaped_as_icalendar_does(value):
    """IANA names need none of it; a TZID is still never written differently."""
    from icalendar import Parameters

    assert f"TZID={ical_writer.param_value(value)}" == Parameters(TZID=value).to_ical().decode()


def test_a_sequence_beyond_rfc_5545s_integers_is_refused_as_icalendar_refuses_it():
    feed = calendar_of(record(sequence=2**31))
    with pytest.raises(ValueError, match="outside the RFC 5545"):
        feed.to_ical_with_icalendar()
    with pytest.raises(ValueError, match="outside the RFC 5545"):
        feed.to_ical()


def test_the_repeated_hour_and_the_skipped_hour_written_as_the_feeds_write_them():
    """Start and end in the hour the clocks repeat (written in UTC) and right after the hour
    they skip, through the feeds' own event builder."""
    repeated = CLOCKS_BACK + timedelta(hours=1, minutes=30)  # 01:30 GMT, the second 01:30
    skipped = datetime(2023, 3, 26, 1, 0, tzinfo=UTC)  # 02:00 BST, just after 01:00 GMT
    events = [
        feeds._event(
            uid=f"screening-{n}@festival-coverage.local",
            summary="Night Shift · Public",
            start=start,
            end=start + timedelta(minutes=90),
            zone=LONDON,
            changed_at=None,
            sequence=0,
            location="Prince Charles Cinema",
            url="http://coverage.test/festivals/autumn-nights-2023/films/1",
            details=["Night Shift"],
        )
        for n, start in enumerate(
            [repeated - timedelta(hours=1), repeated, skipped - timedelta(minutes=1), skipped]
        )
    ]
    assert events[1].dtstart.tzinfo is UTC  # the second 01:30 cannot be named locally
    body = assert_written_as_icalendar_writes(calendar_of(*events))
    assert b"DTSTART:20231029T013000Z" in body


def test_several_zones_each_with_its_vtimezone_as_icalendar_writes_them():
    """A writer's schedule across festivals: zones with rules, without transitions (Manila),
    with a history no two yearly rules reproduce (Mexico City, which stopped DST in 2022)."""
    feed = feeds.Feed(name="Wyn Writer · festival schedule", description="d", filename="p.ics")
    for n, zone in enumerate(["Asia/Manila", LONDON, "America/Mexico_City", "America/Toronto"]):
        start = datetime(2021 + n, 10, 8, 8, 0, tzinfo=UTC).astimezone(ZoneInfo(zone))
        feed.events.append(record(uid=f"piece-{n}-deadline@x", dtstart=start, dtend=start))
        feed.zones.append((zone, start, start))
    assert_written_as_icalendar_writes(feed)


def test_an_empty_calendar_is_written_as_icalendar_writes_it():
    body = assert_written_as_icalendar_writes(
        feeds.Feed(name="Nobody", description="", filename="e")
    )
    assert b"BEGIN:VEVENT" not in body and b"BEGIN:VTIMEZONE" not in body


@pytest.mark.parametrize(
    "name",
    [
        'Cannes, Directors\' Fortnight; 2024 \\ ^ "Quinzaine" ’',
        "Berlinale\nline two\r\u2028three\x00",
        "Международный кинофестиваль 東京国際映画祭 😀 " * 3,
    ],
)
def test_calendar_names_and_descriptions_are_written_as_icalendar_writes_them(name):
    """icalendar escapes DESCRIPTION but writes NAME, X-WR-CALNAME and X-WR-CALDESC verbatim;
    so do we (control characters are gone before: `one_line`)."""
    assert_written_as_icalendar_writes(calendar_of(record(), name=name))


_ANY_TEXT = st.text(
    st.one_of(
        st.sampled_from(list(',;:\\^"’ \nN\rxé東😀')),  # the characters that matter, often
        st.characters(codec="utf-8"),  # and anything else UTF-8 can carry
    ),
    max_size=160,
)
_ONE_LINE = _ANY_TEXT.map(lambda text: text.replace("\r", " ").replace("\n", " "))


@settings(
    max_examples=150,
    derandomize=True,  # the same cases on every run and machine
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    summary=_ANY_TEXT,
    location=_ANY_TEXT,
    description=_ANY_TEXT,
    uid=_ANY_TEXT,
    url=_ONE_LINE,
    name=_ANY_TEXT,
)
def test_any_text_is_written_as_icalendar_writes_it(summary, location, description, uid, url, name):
    event = record(summary=summary, location=location, description=description, uid=uid, url=url)
    # No VTIMEZONE: icalendar would rebuild it for every example (the events are what vary).
    assert_written_as_icalendar_writes(calendar_of(event, name=name, zoned=False))


# --- Every kind of feed, from awkward stored data ---------------------------------------------


def _awkward_programme(app, programme) -> None:
    """A long multi-byte film title with every escape, notes over several lines, a venue
    without an address, a cancelled screening."""
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.title = AWKWARD * 2
        film.directors = "Sean Baker, Chris Bergoch"
        film.countries = "USA; UK"
        film.section = "Gala \\ Special"
        press = db.session.get(Screening, programme["press"])
        press.notes = "Press only\nBring your badge, please; no plus-ones\\"
        db.session.get(Venue, press.venue_id).address = ""
        public = db.session.get(Screening, programme["public"])
        public.cancelled = True
        public.sequence += 1
        db.session.commit()


def _built_both_ways(app, build) -> tuple[bytes, bytes]:
    """A feed built as the views build it (same links), written by us and by icalendar."""
    from coverage.calendars.views import links

    with app.test_request_context(base_url="http://coverage.test"):
        feed = build(links())
        return feed.to_ical(), feed.to_ical_with_icalendar()


def test_every_kind_of_feed_is_byte_identical_to_icalendars(
    app,
    client,
    users,
    login,
    programme,
    writer_schedule,  # noqa: F811  (the fixture imported above)
):
    _awkward_programme(app, programme)
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = soon(72)
        db.session.add(
            Piece(
                festival_id=programme["festival"],
                film_id=programme["film"],
                kind=PieceKind.REVIEW,
                state=PieceState.SCHEDULED,
                writer_id=writer_schedule["other_writer"],
                headline=AWKWARD,
                body="Words.",
            )
        )
        db.session.get(Piece, writer_schedule["interview"]).slot_place = ""
        db.session.commit()
    festival_id, writer_id = programme["festival"], users["writer"]
    feeds_by_kind = {
        "festival": (
            issue(app, users["editor"], "festival", festival_id),
            lambda here: feeds.festival_feed(db.session.get(Festival, festival_id), here),
        ),
        "personal": (
            issue(app, writer_id, "personal"),
            lambda here: feeds.personal_feed(db.session.get(User, writer_id), here),
        ),
        "desk": (
            issue(app, users["editor"], "desk", festival_id),
            lambda here: feeds.desk_feed(db.session.get(Festival, festival_id), here),
        ),
    }
    for kind, (secret, build) in feeds_by_kind.items():
        ours, reference = _built_both_ways(app, build)
        feeds.assert_same_calendar(ours, reference)
        assert ours == reference, kind
        # What subscribers get is that very calendar.
        assert client.get(feed_path(secret)).data == ours, kind
    assert b"LOCATION" not in _vevent(
        ours, f"piece-{writer_schedule['interview']}-interview@festival-coverage.local"
    )  # no place: no empty LOCATION line

    # The one-off files (behind the login); ICAL_CROSSCHECK compares each as it is served.
    login("writer")
    screening = client.get(f"/festivals/{programme['slug']}/screenings/{programme['press']}.ics")
    interview = client.get(f"/pieces/{writer_schedule['interview']}/interview.ics")
    assert screening.status_code == interview.status_code == 200


def test_the_feed_across_the_clock_change_is_byte_identical_to_icalendars(app, client, users):
    night = clocks_back_festival(app)
    for minutes in (0, 30, 60, 90, 120):  # 00:00-02:00 UTC: both 01:30s, and either side
        add_screening(app, night, CLOCKS_BACK + timedelta(minutes=minutes))
    with app.app_context():
        festival = db.session.get(Festival, night["festival"])
        ours, reference = _built_both_ways(app, lambda here: feeds.festival_feed(festival, here))
    assert ours == reference
    # An instant local time cannot name is written in UTC.
    assert any(line.startswith(b"DTSTART:") and line.endswith(b"Z") for line in ours.split(b"\r\n"))
    secret = issue(app, users["editor"], "festival", night["festival"])
    assert client.get(feed_path(secret)).data == ours


def test_a_screenings_one_off_file_has_the_same_event_as_the_festival_feed(
    app, client, users, login, programme
):
    """The feed reads plain rows, the one-off file the screening itself: one event either way,
    so a screening added by file and by subscription is the same to a calendar app."""
    _awkward_programme(app, programme)
    feed = client.get(feed_path(issue(app, users["editor"], "festival", programme["festival"])))
    login("writer")
    for screening in (programme["press"], programme["public"]):
        one_off = client.get(f"/festivals/{programme['slug']}/screenings/{screening}.ics")
        assert one_off.status_code == 200
        uid = f"screening-{screening}@festival-coverage.local"
        assert _vevent(one_off.data, uid) == _vevent(feed.data, uid)
    assert icalendar_events(feed.data)  # and icalendar still reads it


def _vevent(body: bytes, uid: str) -> bytes:
    """The VEVENT block (as written, folds included) holding `UID:<uid>`."""
    for block in body.split(b"BEGIN:VEVENT\r\n")[1:]:
        block = block.split(b"END:VEVENT\r\n")[0]
        if f"\r\nUID:{uid}\r\n".encode() in b"\r\n" + block:
            return block
    raise AssertionError(f"no event {uid}")


# --- The check itself, and the VTIMEZONE cache ------------------------------------------------


def test_the_suite_compares_every_served_feed_with_icalendars(
    app, client, programme, festival_feed, monkeypatch
):
    """A writer bug (here: commas left unescaped) fails whichever test serves a feed."""
    assert app.config["ICAL_CROSSCHECK"]
    monkeypatch.setattr(
        ical_writer, "escape_text", lambda text: text.replace("\\", "\\\\").replace(";", "\\;")
    )
    response = client.get(feed_path(festival_feed))
    assert response.status_code == 500  # what the app makes of any error in a view
    # ... and what the test app fails the test on when it ends (tests/conftest.py).
    failures = app.extensions[feeds.CROSSCHECK_FAILURES]
    assert len(failures) == 1
    assert "differs from icalendar at line 5: b'DESCRIPTION:Every screening of" in failures[0]
    failures.clear()  # this test meant it
    with app.app_context(), pytest.raises(AssertionError, match="differs from icalendar"):
        feeds.festival_feed(
            db.session.get(Festival, programme["festival"]), feeds.Links("http://x", "x")
        ).to_ical()
    app.extensions[feeds.CROSSCHECK_FAILURES].clear()


def test_the_vtimezone_is_built_once_not_on_every_request(app, programme, monkeypatch):
    built: list[tuple[str, date, date]] = []
    original = vtimezone.vtimezone

    def counting(zone: str, first: date, last: date):
        built.append((zone, first, last))
        return original(zone, first, last)

    monkeypatch.setattr(vtimezone, "vtimezone", counting)
    vtimezone._vtimezone_ical.cache_clear()
    app.config["ICAL_CROSSCHECK"] = False  # icalendar's reference builds its own every time
    from coverage.calendars.views import links

    with app.test_request_context(base_url="http://coverage.test"):
        festival = db.session.get(Festival, programme["festival"])
        first = feeds.festival_feed(festival, links()).to_ical()
        again = feeds.festival_feed(festival, links()).to_ical()
    assert first == again
    assert built == [(LONDON, date(2021, 1, 1), date(2021, 1, 1))]
    # The cached text is what icalendar writes for the festival's own dates.
    assert vtimezone.vtimezone_ical(LONDON, date(2021, 10, 6), date(2021, 10, 17)) == (
        original(LONDON, date(2021, 10, 6), date(2021, 10, 17)).to_ical()
    )
