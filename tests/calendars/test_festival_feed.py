"""The festival feed's content: every screening, stable identities, zones, and the file format."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.programme import services as programme_services
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FestivalFields, FilmFields
from coverage.programme.schedule import local_to_utc
from tests.calendars.helpers import (
    as_utc,
    count_statements,
    feed_path,
    ical_events,
    icalendar_events,
    issue,
    move_screening,
    parse_ical,
    parse_icalendar,
    unfolded_lines,
)

DOMAIN = "festival-coverage.local"  # no PUBLIC_BASE_URL or CALENDAR_UID_DOMAIN in the tests


def get_feed(client, secret: str) -> bytes:
    response = client.get(feed_path(secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def screening_uid(screening_id: int) -> str:
    return f"screening-{screening_id}@{DOMAIN}"


def test_every_screening_with_title_kind_venue_film_details_and_link(
    app, client, programme, festival_feed
):
    body = get_feed(client, festival_feed)
    film_url = f"http://coverage.test/festivals/{programme['slug']}/films/{programme['film']}"
    for events in (icalendar_events(body), ical_events(body)):
        assert set(events) == {
            screening_uid(programme["press"]),
            screening_uid(programme["public"]),
        }
    strict = ical_events(body)
    press = strict[screening_uid(programme["press"])]
    public = strict[screening_uid(programme["public"])]
    assert "Red Rocket" in press.summary and "Press" in press.summary
    assert "Red Rocket" in public.summary and "Public" in public.summary
    assert press.location == "BFI Southbank NFT1, Belvedere Road, SE1 8XT"
    assert public.location == "Odeon Luxe Leicester Square, 24-26 Leicester Sq"
    for event in (press, public):
        assert str(event.url) == film_url
        assert film_url in event.description  # the link, repeated for clients that hide URL
        assert "Sean Baker" in event.description
        assert "130 min" in event.description
    loose = icalendar_events(body)[screening_uid(programme["press"])]
    assert str(loose["LOCATION"]) == "BFI Southbank NFT1, Belvedere Road, SE1 8XT"
    assert str(loose["URL"]) == film_url
    assert film_url in str(loose["DESCRIPTION"])


def test_calendar_properties_name_description_refresh_and_no_method(
    client, programme, festival_feed
):
    body = get_feed(client, festival_feed)
    lines = unfolded_lines(body)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert not any(line.startswith("METHOD") for line in lines)
    calendar = parse_icalendar(body)
    assert "Test Festival 2021" in str(calendar["NAME"])
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"])
    assert "Test Festival 2021" in str(calendar["DESCRIPTION"])
    assert "METHOD" not in calendar
    strict = parse_ical(body)
    assert strict.method is None
    assert strict.name and "Test Festival 2021" in strict.name[0]
    assert strict.description and "Test Festival 2021" in strict.description[0]
    assert strict.refresh_interval == timedelta(hours=1)


def test_uids_are_stable_unique_and_named_after_the_screening(
    app, client, programme, festival_feed
):
    first = get_feed(client, festival_feed)
    second = get_feed(client, festival_feed)
    uids_first = [str(e["UID"]) for e in parse_icalendar(first).walk("VEVENT")]
    uids_second = [str(e["UID"]) for e in parse_icalendar(second).walk("VEVENT")]
    assert len(uids_first) == len(set(uids_first)) == 2
    assert uids_first == uids_second
    with app.app_context():
        ids = db.session.scalars(select(Screening.id).order_by(Screening.id)).all()
    assert sorted(uids_first) == sorted(screening_uid(i) for i in ids)


def test_an_unchanged_calendar_is_byte_identical_with_a_stable_dtstamp(
    client, programme, festival_feed
):
    first = get_feed(client, festival_feed)
    time.sleep(1.1)  # a clock-derived DTSTAMP would now differ
    second = get_feed(client, festival_feed)
    assert first == second


def _sequence_and_modified(body: bytes, screening_id: int):
    event = icalendar_events(body)[screening_uid(screening_id)]
    strict = ical_events(body)[screening_uid(screening_id)]
    assert strict.sequence == int(event["SEQUENCE"])
    return int(event["SEQUENCE"]), event.decoded("LAST-MODIFIED"), strict


def _updated_at(app, screening_id: int) -> datetime:
    with app.app_context():
        return db.session.get(Screening, screening_id).updated_at


def test_moving_a_screening_with_the_service_raises_sequence_and_last_modified(
    app, client, programme, festival_feed
):
    before, _, _ = _sequence_and_modified(get_feed(client, festival_feed), programme["press"])
    time.sleep(1.1)
    move_screening(app, programme["press"], timedelta(hours=2))
    body = get_feed(client, festival_feed)
    after, modified, strict = _sequence_and_modified(body, programme["press"])
    assert after > before
    updated = _updated_at(app, programme["press"]).replace(microsecond=0)
    assert as_utc(modified) == updated
    assert as_utc(strict.last_modified) == updated
    assert as_utc(strict.dtstart) == datetime(2021, 10, 8, 10, 0, tzinfo=UTC)


def test_moving_a_screening_in_the_web_form_raises_sequence(
    app, client, users, login, programme, festival_feed
):
    before, _, _ = _sequence_and_modified(get_feed(client, festival_feed), programme["press"])
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}/edit"
    form = {
        "film_id": programme["film"],
        "venue_id": programme["odeon"],
        "day": "2021-10-09",
        "start_time": "10:00",
        "end_time": "",
        "kind": "press",
        "notes": "",
    }
    assert client.post_form(url, form, page=url).status_code == 302
    client.post_form("/logout")
    body = get_feed(client, festival_feed)
    after, modified, strict = _sequence_and_modified(body, programme["press"])
    assert after > before
    assert as_utc(strict.dtstart) == datetime(2021, 10, 9, 9, 0, tzinfo=UTC)
    assert strict.location.startswith("Odeon Luxe Leicester Square")
    assert as_utc(modified) == _updated_at(app, programme["press"]).replace(microsecond=0)


def test_a_cancelled_screening_stays_with_status_cancelled_and_a_higher_sequence(
    app, client, users, login, programme, festival_feed
):
    before, _, _ = _sequence_and_modified(get_feed(client, festival_feed), programme["public"])
    login("editor")
    page = f"/festivals/{programme['slug']}/days/2021-10-10"
    url = f"/festivals/{programme['slug']}/screenings/{programme['public']}/cancel"
    assert client.post_form(url, {}, page=page).status_code == 302
    client.post_form("/logout")
    body = get_feed(client, festival_feed)
    after, modified, strict = _sequence_and_modified(body, programme["public"])
    assert after > before
    assert str(strict.status.value if hasattr(strict.status, "value") else strict.status) == (
        "CANCELLED"
    )
    event = icalendar_events(body)[screening_uid(programme["public"])]
    assert str(event["STATUS"]) == "CANCELLED"
    assert len(icalendar_events(body)) == 2  # still listed
    assert as_utc(modified) == _updated_at(app, programme["public"]).replace(microsecond=0)


def test_last_modified_and_dtstamp_are_the_screenings_change_time(
    app, client, programme, festival_feed
):
    body = get_feed(client, festival_feed)
    for screening_id in (programme["press"], programme["public"]):
        event = icalendar_events(body)[screening_uid(screening_id)]
        updated = _updated_at(app, screening_id).replace(microsecond=0)
        assert as_utc(event.decoded("LAST-MODIFIED")) == updated
        assert as_utc(event.decoded("DTSTAMP")) == updated


def _event_lines(body: bytes) -> list[list[str]]:
    events, current = [], None
    for line in unfolded_lines(body):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return events


def assert_zoned_and_complete(body: bytes) -> None:
    """No floating times in events; a VTIMEZONE (with yearly rules) for every TZID used."""
    events = _event_lines(body)
    assert events
    for lines in events:
        for line in lines:
            name = re.split(r"[;:]", line, maxsplit=1)[0]
            if name in {"DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED", "RECURRENCE-ID"}:
                params, value = line.split(":", 1)
                assert "TZID=" in params or value.endswith("Z"), line
    used = set(re.findall(r";TZID=([^;:]+)", body.decode()))
    assert used
    calendar = parse_icalendar(body)
    defined = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    assert used <= set(defined), (used, set(defined))
    strict = parse_ical(body)
    assert {tz.tz_id for tz in strict.timezones} >= used
    return defined


def test_timed_events_use_the_festival_zone_with_a_vtimezone_and_rrules(
    client, programme, festival_feed
):
    body = get_feed(client, festival_feed)
    assert b"DTSTART;TZID=Europe/London:20211008T090000" in body
    defined = assert_zoned_and_complete(body)
    london = defined["Europe/London"]
    observances = london.walk("DAYLIGHT") + london.walk("STANDARD")
    assert len(observances) == 2
    assert all("RRULE" in observance for observance in observances)


def test_crlf_line_ends_and_lines_folded_at_75_octets(app, client, programme, festival_feed):
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.title = "Ðéjà vu à Łódź — ünïcödé " * 6
        film.directors = "Małgorzata Szumowska, Michał Englert, Agnieszka Holland, Krzysztof K."
        db.session.commit()
    body = get_feed(client, festival_feed)
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # no bare LF
    assert b"\r" not in body.replace(b"\r\n", b"")  # no bare CR
    physical = body.split(b"\r\n")[:-1]
    assert any(line.startswith(b" ") for line in physical)  # long lines were folded
    for line in physical:
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # never folded inside a multi-byte character
    title = "Ðéjà vu à Łódź — ünïcödé " * 6
    assert title.strip() in next(iter(ical_events(body).values())).summary


def test_every_start_is_the_screenings_utc_instant_in_both_parsers(
    app, client, programme, festival_feed
):
    body = get_feed(client, festival_feed)
    with app.app_context():
        expected = {
            screening_uid(s.id): (s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC))
            for s in db.session.scalars(select(Screening))
        }
    assert expected[screening_uid(programme["press"])][0] == datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
    loose = icalendar_events(body)
    strict = ical_events(body)
    assert set(loose) == set(strict) == set(expected)
    for uid, (start, end) in expected.items():
        assert as_utc(loose[uid].decoded("DTSTART")) == start
        assert as_utc(loose[uid].decoded("DTEND")) == end
        assert as_utc(strict[uid].dtstart) == start
        assert as_utc(strict[uid].dtend) == end


def make_dst_festival(app) -> dict[str, int | str]:
    """Europe/London 25 Oct - 5 Nov 2021: the clocks go back on 31 October."""
    from coverage.festivals import services as festivals

    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Clocks Festival",
                edition=2021,
                timezone="Europe/London",
                start_date=date(2021, 10, 25),
                end_date=date(2021, 11, 5),
                city="London",
            )
        )
        venue = festivals.create_venue(festival, "Prince Charles Cinema", "7 Leicester Place")
        film = programme_services.create_film(
            festival, FilmFields(title="Drive My Car", runtime_minutes=179)
        )
        ids = {}
        for name, local in (
            ("bst", datetime(2021, 10, 30, 18, 0)),
            ("gmt", datetime(2021, 11, 1, 18, 0)),
        ):
            screening = programme_services.create_screening(
                festival,
                programme_services.ScreeningFields(
                    film_id=film.id,
                    venue_id=venue.id,
                    starts_at=local_to_utc(local, "Europe/London"),
                    kind=ScreeningKind.PUBLIC,
                ),
            )
            ids[name] = screening.id
        db.session.commit()
        return {"festival": festival.id, "slug": festival.slug, **ids}


def test_a_festival_across_the_clock_change_parses_to_the_right_utc_instants(app, client, users):
    dst = make_dst_festival(app)
    secret = issue(app, users["editor"], "festival", dst["festival"])
    body = get_feed(client, secret)
    assert b"DTSTART;TZID=Europe/London:20211030T180000" in body
    assert b"DTSTART;TZID=Europe/London:20211101T180000" in body
    assert_zoned_and_complete(body)
    expected = {
        screening_uid(dst["bst"]): datetime(2021, 10, 30, 17, 0, tzinfo=UTC),
        screening_uid(dst["gmt"]): datetime(2021, 11, 1, 18, 0, tzinfo=UTC),
    }
    loose = icalendar_events(body)
    strict = ical_events(body)
    for uid, start in expected.items():
        assert as_utc(loose[uid].decoded("DTSTART")) == start
        assert as_utc(strict[uid].dtstart) == start


def _add_screenings(app, programme, count: int, batch: str) -> None:
    with app.app_context():
        films = [
            Film(festival_id=programme["festival"], title=f"Film {batch}{n}", runtime_minutes=90)
            for n in range(count)
        ]
        venues = [
            Venue(festival_id=programme["festival"], name=f"Screen {batch}{n}", address="x")
            for n in range(5)
        ]
        db.session.add_all(films + venues)
        db.session.flush()
        base = datetime(2021, 10, 7, 9, 0, tzinfo=UTC)
        db.session.add_all(
            Screening(
                festival_id=programme["festival"],
                film_id=film.id,
                venue_id=venues[n % 5].id,
                starts_at=base + timedelta(hours=n),
                ends_at=base + timedelta(hours=n, minutes=90),
                kind=ScreeningKind.PUBLIC,
            )
            for n, film in enumerate(films)
        )
        db.session.commit()


def test_building_the_festival_feed_runs_a_constant_number_of_queries(
    app, client, programme, festival_feed
):
    # The install's first feed stores its UID domain (once ever): not part of what is measured.
    client.get(feed_path(festival_feed))
    _add_screenings(app, programme, 1, "A")  # 3 screenings
    few, response = count_statements(app, lambda: client.get(feed_path(festival_feed)))
    assert response.status_code == 200
    assert len(icalendar_events(response.data)) == 3
    _add_screenings(app, programme, 57, "B")  # 60 screenings
    many, response = count_statements(app, lambda: client.get(feed_path(festival_feed)))
    assert response.status_code == 200
    assert len(icalendar_events(response.data)) == 60
    assert many == few, (few, many)

    # The builder on its own, too.
    from coverage.calendars import feeds

    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        links = feeds.Links("http://coverage.test", DOMAIN)
        built, feed = count_statements(app, lambda: feeds.festival_feed(festival, links))
        assert len(feed.events) == 60
        assert built <= 4, built
