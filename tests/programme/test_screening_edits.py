"""Editing a screening's times in the browser: the end moves with the start, an end can never
precede the start, and a screening longer than six hours is confirmed before it is published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.programme import services as programme_services
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FilmFields
from tests.calendars.helpers import (
    add_screening,
    clocks_back_festival,
    feed_path,
    ical_events,
    issue,
    unfolded_lines,
)


def _form(festival: dict, **values) -> dict:
    return {
        "film_id": festival["film"],
        "venue_id": festival.get("venue", festival.get("nft1")),
        "kind": "public",
        "notes": "",
        **values,
    }


def _times(app, screening_id: int) -> tuple[datetime, datetime, int]:
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        return screening.starts_at, screening.ends_at, screening.sequence


def _add(app, programme, starts_at: datetime, ends_at: datetime) -> int:
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        screening = programme_services.create_screening(
            festival,
            programme_services.ScreeningFields(
                film_id=programme["film"],
                venue_id=programme["nft1"],
                starts_at=starts_at,
                ends_at=ends_at,
            ),
        )
        db.session.commit()
        return screening.id


def test_moving_the_start_moves_the_end_with_it(app, client, users, login, programme):
    """03:30-05:30 moved to 15:30 was a 14-hour screening ending at 05:30 the next day, in every
    feed. Now the end left as shown moves with the start."""
    early = datetime(2021, 10, 12, 2, 30, tzinfo=UTC)  # 03:30 BST
    screening = _add(app, programme, early, early + timedelta(hours=2))
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/{screening}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="03:30"' in page and 'value="05:30"' in page
    form = _form(programme, day="2021-10-12", start_time="15:30", end_time="05:30")
    assert client.post_form(url, form, page=url).status_code == 302

    starts_at, ends_at, sequence = _times(app, screening)
    assert starts_at == datetime(2021, 10, 12, 14, 30, tzinfo=UTC)  # 15:30 BST
    assert ends_at - starts_at == timedelta(hours=2)
    assert sequence == 1
    body = client.get(feed_path(issue(app, users["editor"], "festival", programme["festival"])))
    assert "DTEND;TZID=Europe/London:20211012T173000" in unfolded_lines(body.data)

    # A new end is taken as typed (and saving unchanged changes nothing).
    form = _form(programme, day="2021-10-12", start_time="15:30", end_time="17:00")
    assert client.post_form(url, form, page=url).status_code == 302
    assert _times(app, screening)[1] == datetime(2021, 10, 12, 16, 0, tzinfo=UTC)
    assert client.post_form(url, form, page=url).status_code == 302
    assert _times(app, screening)[2] == 2


def test_moving_a_screening_across_the_clock_change_keeps_its_real_length(
    app, client, users, login
):
    """Another move whose end must follow: to the night the clocks go back, a 90-minute
    screening from 00:30 BST ends at 01:00 GMT (90 minutes), not at 02:00 GMT (150)."""
    night = clocks_back_festival(app)
    saturday = datetime(2023, 10, 27, 23, 30, tzinfo=UTC)  # 00:30 BST, Saturday 28 October
    screening = add_screening(app, night, saturday)
    login("editor")
    url = f"/festivals/{night['slug']}/screenings/{screening}/edit"
    assert 'value="02:00"' in client.get(url).get_data(as_text=True)
    form = _form(night, day="2023-10-29", start_time="00:30", end_time="02:00")
    response = client.post_form(url, form, page=url)
    assert response.status_code == 302, response.get_data(as_text=True)
    starts_at, ends_at, _ = _times(app, screening)
    assert starts_at == datetime(2023, 10, 28, 23, 30, tzinfo=UTC)
    assert ends_at == datetime(2023, 10, 29, 1, 0, tzinfo=UTC)
    # Changing only the film keeps the length too (the form's end was left alone).
    with app.app_context():
        festival = db.session.get(Festival, night["festival"])
        other = programme_services.create_film(
            festival, FilmFields(title="Dawn", runtime_minutes=200)
        )
        db.session.commit()
        other_id = other.id
    form = _form(night, film_id=other_id, day="2023-10-29", start_time="00:30", end_time="01:00")
    assert client.post_form(url, form, page=url).status_code == 302
    assert _times(app, screening)[1] == datetime(2023, 10, 29, 1, 0, tzinfo=UTC)


def test_a_screening_longer_than_six_hours_is_confirmed_before_it_is_saved(
    app, client, users, login, programme
):
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}/edit"
    before = _times(app, programme["press"])
    form = _form(programme, day="2021-10-08", start_time="15:30", end_time="05:30")
    response = client.post_form(url, form, page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This screening runs 14 hours, from 15:30 to 05:30 the next day" in page
    assert "Save anyway: it really runs that long" in page
    assert _times(app, programme["press"]) == before  # nothing reached the feeds

    response = client.post_form(url, {**form, "confirm_long": "y"}, page=url)
    assert response.status_code == 302
    starts_at, ends_at, _ = _times(app, programme["press"])
    assert ends_at - starts_at == timedelta(hours=14)
    # Confirmed once: editing something else does not ask again.
    assert client.post_form(url, {**form, "notes": "Marathon"}, page=url).status_code == 302

    # Adding one asks too; the checkbox is offered only with the warning.
    new = f"/festivals/{programme['slug']}/screenings/new"
    assert "Save anyway" not in client.get(new).get_data(as_text=True)
    response = client.post_form(
        new, _form(programme, day="2021-10-12", start_time="10:00", end_time="17:00"), page=new
    )
    assert response.status_code == 422
    assert "This screening runs 7 hours, from 10:00 to 17:00" in response.get_data(as_text=True)


def test_a_long_film_at_its_own_length_is_not_a_warning(app, client, users, login, programme):
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.runtime_minutes = 432  # Sátántangó
        db.session.commit()
    login("editor")
    new = f"/festivals/{programme['slug']}/screenings/new"
    form = _form(programme, day="2021-10-12", start_time="10:00", end_time="")
    assert client.post_form(new, form, page=new).status_code == 302
    secret = issue(app, users["editor"], "festival", programme["festival"])
    assert len(ical_events(client.get(feed_path(secret)).data)) == 3


def test_an_end_before_the_start_is_never_saved(app, client, users, login, programme):
    """The form reads an earlier end clock time as after midnight (and then asks about the
    length); an end at the start, or a screening ending before it starts, is refused."""
    login("editor")
    url = f"/festivals/{programme['slug']}/screenings/{programme['press']}/edit"
    form = _form(programme, day="2021-10-08", start_time="10:00", end_time="10:00")
    response = client.post_form(url, form, page=url)
    assert response.status_code == 422
    assert "The end must be after the start." in response.get_data(as_text=True)
    with app.app_context():
        screening = db.session.get(Screening, programme["press"])
        assert screening.ends_at > screening.starts_at
