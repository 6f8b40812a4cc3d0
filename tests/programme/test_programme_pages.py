"""Editing and reading the programme in the browser: festivals, venues, films, screenings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue, VenueTravel
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from tests.conftest import count_page_queries

FESTIVAL_FORM = {
    "name": "Cinemalaya",
    "edition": "2023",
    "slug": "",
    "city": "Manila",
    "timezone": "Asia/Manila",
    "start_date": "2023-08-04",
    "end_date": "2023-08-13",
    "website": "https://cinemalaya.org/",
    "travel_buffer_minutes": "20",
}


def test_editor_creates_a_festival_with_a_generated_slug(app, client, users, login):
    login("editor")
    response = client.post_form("/festivals/new", FESTIVAL_FORM, page="/festivals/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/festivals/cinemalaya-2023")
    page = client.get("/festivals/cinemalaya-2023").get_data(as_text=True)
    assert "Friday 4 August – Sunday 13 August 2023" in page
    assert "Times are Manila time, UTC+8." in page
    assert "Sun 13 Aug" in page  # a link to each day
    with app.app_context():
        festival = db.session.scalar(select(Festival))
        assert (festival.timezone, festival.travel_buffer_minutes) == ("Asia/Manila", 20)


def test_festival_form_refuses_a_misspelt_zone_and_reversed_dates(app, client, users, login):
    login("editor")
    bad_zone = {**FESTIVAL_FORM, "timezone": "Europe/Londn"}
    response = client.post_form("/festivals/new", bad_zone, page="/festivals/new")
    assert response.status_code == 422
    assert "&#39;Europe/Londn&#39; is not a time zone we know" in response.get_data(as_text=True)
    reversed_dates = {**FESTIVAL_FORM, "end_date": "2023-08-01"}
    response = client.post_form("/festivals/new", reversed_dates, page="/festivals/new")
    assert response.status_code == 422
    assert "The festival cannot end before it starts." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Festival)) is None


def test_a_slug_in_use_is_refused_by_name(app, client, users, login, programme):
    login("editor")
    taken = {**FESTIVAL_FORM, "slug": programme["slug"]}
    response = client.post_form("/festivals/new", taken, page="/festivals/new")
    assert response.status_code == 422
    assert "Another festival (Test Festival 2021) already uses" in response.get_data(as_text=True)


def test_venues_and_travel_times(app, client, users, login, programme):
    login("editor")
    slug = programme["slug"]
    page = f"/festivals/{slug}/venues"
    response = client.post_form(
        page, {"venue-name": "Curzon Soho", "venue-address": "99 Shaftesbury Ave"}, page=page
    )
    assert response.status_code == 302
    duplicate = client.post_form(page, {"venue-name": "curzon soho"}, page=page)
    assert duplicate.status_code == 422
    assert "already has a venue" in duplicate.get_data(as_text=True)
    low, high = sorted((programme["odeon"], programme["nft1"]))
    travel = {f"pair-{low}-{high}": "25"}
    assert client.post_form(f"{page}/travel", travel, page=page).status_code == 302
    assert f'name="pair-{low}-{high}" value="25"' in client.get(page).get_data(as_text=True)
    # The same pair written the other way round is not a pair the table has: nothing read.
    backwards = {f"pair-{high}-{low}": "40"}
    assert client.post_form(f"{page}/travel", backwards, page=page).status_code == 422
    with app.app_context():
        pair = db.session.scalar(select(VenueTravel))
        assert pair.minutes == 25
        assert pair.from_venue_id < pair.to_venue_id


def test_writer_reads_but_sees_no_edit_controls(app, client, users, login, programme):
    login("writer")
    page = client.get(f"/festivals/{programme['slug']}/days/2021-10-10").get_data(as_text=True)
    assert "Red Rocket" in page
    assert "Add a screening" not in page
    assert "Cancel screening" not in page


def screening_form(programme, **overrides):
    form = {
        "film_id": programme["film"],
        "venue_id": programme["nft1"],
        "day": "2021-10-12",
        "start_time": "18:00",
        "end_time": "",
        "kind": "public",
        "notes": "",
    }
    form.update(overrides)
    return form


def test_screening_entered_in_festival_time_ends_after_the_runtime(
    app, client, users, login, programme
):
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/new"
    response = client.post_form(url, screening_form(programme), page=url)
    assert response.status_code == 302
    with app.app_context():
        screening = db.session.scalar(select(Screening).order_by(Screening.id.desc()))
        # 18:00 BST is 17:00 UTC; Red Rocket runs 130 minutes.
        assert screening.starts_at == datetime(2021, 10, 12, 17, 0, tzinfo=UTC)
        assert screening.ends_at - screening.starts_at == timedelta(minutes=130)
    # After the clocks go back (31 October) the same wall-clock time is an hour later in UTC.
    response = client.post_form(url, screening_form(programme, day="2021-11-01"), page=url)
    assert response.status_code == 302
    with app.app_context():
        screening = db.session.scalar(select(Screening).order_by(Screening.id.desc()))
        assert screening.starts_at == datetime(2021, 11, 1, 18, 0, tzinfo=UTC)


def test_dst_night_times_get_a_clear_message(app, client, users, login, programme):
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/new"
    response = client.post_form(
        url, screening_form(programme, day="2021-10-31", start_time="01:30"), page=url
    )
    assert response.status_code == 422
    assert "01:30 on 31 October 2021 happens twice in Europe/London" in response.get_data(
        as_text=True
    )
    response = client.post_form(
        url, screening_form(programme, day="2021-03-28", start_time="01:30"), page=url
    )
    assert response.status_code == 422
    assert "does not exist in Europe/London" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Screening).count() == 2  # only the fixture's


def test_an_end_time_past_midnight_is_the_next_day(app, client, users, login, programme):
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/new"
    form = screening_form(programme, start_time="23:30", end_time="01:15")
    assert client.post_form(url, form, page=url).status_code == 302
    with app.app_context():
        screening = db.session.scalar(select(Screening).order_by(Screening.id.desc()))
        assert screening.ends_at == datetime(2021, 10, 13, 0, 15, tzinfo=UTC)


def test_moving_a_screening_keeps_its_identity_and_raises_its_sequence(
    app, client, users, login, programme
):
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}/edit"
    form = screening_form(programme, day="2021-10-09", start_time="10:00", kind="press")
    assert client.post_form(url, form, page=url).status_code == 302
    with app.app_context():
        screening = db.session.get(Screening, programme["press"])
        assert screening.starts_at == datetime(2021, 10, 9, 9, 0, tzinfo=UTC)
        assert screening.sequence == 1
    # Saving it unchanged does not count as a change.
    assert client.post_form(url, form, page=url).status_code == 302
    with app.app_context():
        assert db.session.get(Screening, programme["press"]).sequence == 1


def test_cancel_and_restore_keep_the_screening_listed(app, client, users, login, programme):
    login("editor")
    base = f"/festivals/{programme['slug']}/screenings/{programme['public']}"
    day = f"/festivals/{programme['slug']}/days/2021-10-10"
    response = client.post_form(f"{base}/cancel", {"back": day}, page=day)
    assert response.status_code == 302
    assert response.headers["Location"] == day
    page = client.get(day).get_data(as_text=True)
    assert "<s><a" in page and "Cancelled" in page
    assert "Restore" in page
    with app.app_context():
        screening = db.session.get(Screening, programme["public"])
        assert (screening.cancelled, screening.sequence) == (True, 1)
    client.post_form(f"{base}/restore", {"back": day}, page=day)
    with app.app_context():
        screening = db.session.get(Screening, programme["public"])
        assert (screening.cancelled, screening.sequence) == (False, 2)


def assign_fixture_piece(app, programme, users, **fields) -> None:
    """Give the fixture's pitched review a writer and a screening to attend."""
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        for name, value in fields.items():
            setattr(piece, name, value)
        db.session.commit()


def test_deleting_what_pieces_refer_to_is_refused_by_name(app, client, users, login, programme):
    assign_fixture_piece(app, programme, users, screening_id=programme["press"])
    login("editor")
    slug = programme["slug"]
    film_page = f"/festivals/{slug}/films/{programme['film']}"
    response = client.post_form(f"{film_page}/delete", page=film_page)
    message = (
        "Red Rocket cannot be deleted: 1 piece (Review of Red Rocket by Wyn Writer (assigned))"
    )
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post_form(
        f"/festivals/{slug}/screenings/{programme['press']}/delete", page=film_page
    )
    assert "send a writer to it. Cancel it instead" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = client.post_form(f"/festivals/{slug}/delete", page=film_page)
    assert "Test Festival 2021 cannot be deleted: 1 piece" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = client.post_form(
        f"/festivals/{slug}/venues/{programme['nft1']}/delete", page=film_page
    )
    assert "BFI Southbank NFT1 cannot be deleted: 1 screening take place there" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Film, programme["film"]) is not None
        assert db.session.get(Screening, programme["press"]) is not None
        assert db.session.get(Festival, programme["festival"]) is not None
        assert db.session.get(Venue, programme["nft1"]) is not None


def test_deleting_an_unreferenced_film_removes_its_screenings(app, client, users, login, programme):
    with app.app_context():
        db.session.delete(db.session.get(Piece, programme["piece"]))
        db.session.commit()
    login("editor")
    film_page = f"/festivals/{programme['slug']}/films/{programme['film']}"
    response = client.post_form(f"{film_page}/delete", page=film_page)
    assert "Red Rocket deleted, with 2 screenings." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Screening).count() == 0


def test_film_form_saves_every_field_and_shows_them(app, client, users, login, programme):
    login("editor")
    url = f"/festivals/{programme['slug']}/films/new"
    form = {
        "title": "Belfast",
        "original_title": "",
        "directors": "Kenneth Branagh",
        "countries": "UK",
        "year": "2021",
        "runtime_minutes": "98",
        "section": "Headline Gala",
        "premiere_status": "uk",
        "release_date": "2022-01-21",
        "trailer_url": "https://example.com/trailer",
        "url": "https://whatson.bfi.org.uk/lff/belfast",
        "embargo_rule": "fixed",
        "embargo_at": "2021-10-12T19:00",
        "embargo_offset_minutes": "0",
        "synopsis": "A boyhood in Belfast, 1969.",
    }
    response = client.post_form(url, form, page=url)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Kenneth Branagh", "98 min", "Headline Gala", "UK premiere", "21 January 2022"):
        assert text in page
    assert "Until Tue 12 Oct 2021, 19:00 London time" in page
    with app.app_context():
        film = db.session.scalar(select(Film).where(Film.title == "Belfast"))
        assert film.embargo_at == datetime(2021, 10, 12, 18, 0, tzinfo=UTC)
    missing = {**form, "embargo_at": "", "title": "Other"}
    response = client.post_form(url, missing, page=url)
    assert response.status_code == 422
    assert "Enter the date and time the embargo lifts." in response.get_data(as_text=True)


def test_film_page_lists_screenings_in_festival_time(app, client, users, login, programme):
    login("writer")
    page = client.get(f"/festivals/{programme['slug']}/films/{programme['film']}").get_data(
        as_text=True
    )
    assert "Fri 8 Oct, 09:00 London time" in page
    assert "Sun 10 Oct, 18:30 London time" in page
    assert "No UK release date yet" in page


def test_day_view_groups_by_venue_filters_and_flags_overlaps(app, client, users, login, programme):
    with app.app_context():
        db.session.add(
            Screening(
                festival_id=programme["festival"],
                film_id=programme["film"],
                venue_id=programme["odeon"],
                starts_at=datetime(2021, 10, 10, 18, 0, tzinfo=UTC),
                ends_at=datetime(2021, 10, 10, 20, 0, tzinfo=UTC),
                kind=ScreeningKind.PRESS_INDUSTRY,
            )
        )
        db.session.commit()
    login("writer")
    url = f"/festivals/{programme['slug']}/days/2021-10-10"
    page = client.get(url).get_data(as_text=True)
    assert "Odeon Luxe Leicester Square" in page
    # The day's times under one legend, not a zone name after each.
    assert page.count("Times are London time, UTC+1.") == 1
    assert '<span class="time">18:30<' in page and '<span class="time">19:00<' in page
    assert page.count("Overlaps Red Rocket") == 2
    filtered = client.get(f"{url}?kind=press_industry").get_data(as_text=True)
    assert "1 of 2 screenings shown" in filtered
    assert client.get(f"{url}?q=dune").get_data(as_text=True).count("No screenings match") == 1
    assert "2 of 2" in client.get(f"{url}?q=red+rocket&venue={programme['odeon']}").get_data(
        as_text=True
    )
    assert client.get(f"/festivals/{programme['slug']}/days/not-a-day").status_code == 404


def test_a_screening_after_midnight_belongs_to_the_next_local_day(
    app, client, users, login, programme
):
    with app.app_context():
        db.session.add(
            Screening(
                festival_id=programme["festival"],
                film_id=programme["film"],
                venue_id=programme["odeon"],
                # 23:30 UTC on the 11th is 00:30 BST on the 12th.
                starts_at=datetime(2021, 10, 11, 23, 30, tzinfo=UTC),
                ends_at=datetime(2021, 10, 12, 1, 40, tzinfo=UTC),
            )
        )
        db.session.commit()
    login("writer")
    assert '<span class="time">00:30<' in client.get(
        f"/festivals/{programme['slug']}/days/2021-10-12"
    ).get_data(as_text=True)
    assert '<span class="time">00:30<' not in client.get(
        f"/festivals/{programme['slug']}/days/2021-10-11"
    ).get_data(as_text=True)


def count_queries(app, client, url: str) -> int:
    return count_page_queries(app, client, url)


def add_screenings(app, programme, count: int, batch: str) -> None:
    with app.app_context():
        films = [
            Film(
                festival_id=programme["festival"],
                title=f"Film {batch}{n}",
                section=f"Strand {n % 3}",
            )
            for n in range(count)
        ]
        venues = [
            Venue(festival_id=programme["festival"], name=f"Screen {batch}{n}") for n in range(8)
        ]
        db.session.add_all(films + venues)
        db.session.flush()
        start = datetime(2021, 10, 14, 9, 0, tzinfo=UTC)
        db.session.add_all(
            Screening(
                festival_id=programme["festival"],
                film_id=film.id,
                venue_id=venues[n % 8].id,
                starts_at=start + timedelta(minutes=10 * n),
                ends_at=start + timedelta(minutes=10 * n + 95),
            )
            for n, film in enumerate(films)
        )
        db.session.commit()


def test_day_view_query_count_does_not_grow_with_screenings(app, client, users, login, programme):
    login("writer")
    url = f"/festivals/{programme['slug']}/days/2021-10-14"
    add_screenings(app, programme, 3, "A")
    few = count_queries(app, client, url)
    add_screenings(app, programme, 60, "B")
    many = count_queries(app, client, url)
    assert "Film B59" in client.get(url).get_data(as_text=True)
    assert many == few, (few, many)
