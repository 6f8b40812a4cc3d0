"""Pages a desk cannot misread: zone legends instead of "PST"; and a festival's default embargo
that holds a world premiere's review even when nobody set the film's embargo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces import services
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.programme.kinds import DefaultEmbargo, EmbargoRule, PremiereStatus
from coverage.programme.models import Film, Screening
from coverage.timeutil import format_in_zone, utcnow
from tests.programme.test_import import count, create_cinemalaya, import_file


def test_a_manila_festivals_pages_say_manila_time_once_and_never_pst(app, client, users, login):
    slug = create_cinemalaya(app)
    result = import_file(
        app,
        slug,
        __import__("tests.programme.test_import", fromlist=["CINEMALAYA"]).CINEMALAYA,
    )
    assert result.exit_code == 0, result.output
    login("editor")
    with app.app_context():
        film = db.session.scalars(db.select(Film).order_by(Film.id)).first()
        first = film.screenings[0]
        shown = format_in_zone(first.starts_at, "Asia/Manila", "%a %-d %b, %H:%M")
    for url in (
        f"/festivals/{slug}",
        f"/festivals/{slug}/days/2023-08-05",
        f"/festivals/{slug}/films/{film.id}",
        f"/festivals/{slug}/films",
    ):
        page = client.get(url).get_data(as_text=True)
        assert page.count("Times are Manila time, UTC+8.") == 1, url
        assert "PST" not in page, url
        assert "All times in" not in page, url
    film_page = client.get(f"/festivals/{slug}/films/{film.id}").get_data(as_text=True)
    assert shown in film_page and shown.endswith("Manila time")


def test_a_london_festival_across_the_october_change_says_both_offsets(
    app, client, users, login, programme
):
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        festival.end_date = date(2021, 11, 3)
        db.session.commit()
    login("writer")
    page = client.get(f"/festivals/{programme['slug']}").get_data(as_text=True)
    assert "Times are London time: UTC+1 until Sun 31 Oct, then UTC+0." in page
    assert "BST" not in page and "GMT" not in page


def test_the_festival_form_sets_the_default_embargo(app, client, users, login, programme):
    login("editor")
    edit = f"/festivals/{programme['slug']}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert "Default embargo for its films" in form
    response = client.post_form(
        edit,
        {
            "name": "Test Festival",
            "edition": "2021",
            "slug": programme["slug"],
            "city": "London",
            "timezone": "Europe/London",
            "start_date": "2021-10-06",
            "end_date": "2021-10-17",
            "travel_buffer_minutes": "15",
            "default_embargo": "premieres_first_public_screening",
        },
        page=edit,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        assert festival.default_embargo is DefaultEmbargo.PREMIERES_FIRST_PUBLIC_SCREENING
    bad = client.post_form(
        edit,
        {
            "name": "Test Festival",
            "edition": "2021",
            "timezone": "Europe/London",
            "start_date": "2021-10-06",
            "end_date": "2021-10-17",
            "travel_buffer_minutes": "15",
            "default_embargo": "whenever",
        },
        page=edit,
    )
    assert bad.status_code == 422
    assert "Not a valid choice" in bad.get_data(as_text=True)


def _world_premiere_ready_to_publish(app, programme, users, default: DefaultEmbargo) -> None:
    """The fixture's film as a world premiere whose public screening is two days ahead, its
    embargo left to the festival, and the fixture's review ready to publish."""
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        festival.default_embargo = default
        film = db.session.get(Film, programme["film"])
        assert film.embargo_rule is EmbargoRule.FESTIVAL_DEFAULT  # nobody set it
        film.premiere_status = PremiereStatus.WORLD
        public = db.session.get(Screening, programme["public"])
        public.starts_at = utcnow().replace(microsecond=0) + timedelta(days=2)
        public.ends_at = public.starts_at + timedelta(minutes=130)
        piece = db.session.get(Piece, programme["piece"])
        piece.kind = PieceKind.REVIEW
        piece.writer_id = users["writer"]
        piece.state = PieceState.READY
        piece.headline = "Red Rocket review"
        piece.body = "A hustler comes home."
        db.session.commit()


def _publish(client, piece_id: int):
    page = f"/pieces/{piece_id}"
    return client.post_form(f"{page}/transitions", {"action": "publish"}, page=page)


@pytest.mark.parametrize(
    "default",
    [DefaultEmbargo.FIRST_PUBLIC_SCREENING, DefaultEmbargo.PREMIERES_FIRST_PUBLIC_SCREENING],
)
def test_the_festival_default_holds_a_world_premiere_review_until_its_public_screening(
    app, client, users, login, programme, default
):
    _world_premiere_ready_to_publish(app, programme, users, default)
    piece_id = programme["piece"]
    login("editor")
    page = client.get(f"/pieces/{piece_id}").get_data(as_text=True)
    assert (
        "Red Rocket: until the start of its first public screening (from the festival&#39;s "
        f"default: {default.label})" in page
    )
    film_page = client.get(f"/festivals/{programme['slug']}/films/{programme['film']}")
    assert "from the festival&#39;s default" in film_page.get_data(as_text=True)

    response = _publish(client, piece_id)
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scheduled, not yet published. The embargo for Red Rocket lifts at" in flashed
    with app.app_context():
        lifts = db.session.get(Screening, programme["public"]).starts_at
        assert db.session.get(Piece, piece_id).state is PieceState.SCHEDULED
        # The publish job resolves the embargo the same way: nothing before the screening.
        assert services.publish_due(lifts - timedelta(minutes=1)) == []
        db.session.commit()
        assert db.session.get(Piece, piece_id).state is PieceState.SCHEDULED
        published = services.publish_due(lifts + timedelta(minutes=1))
        db.session.commit()
        assert [p.id for p in published] == [piece_id]


def test_a_films_own_rule_overrides_the_festival_default(app, client, users, login, programme):
    _world_premiere_ready_to_publish(app, programme, users, DefaultEmbargo.FIRST_PUBLIC_SCREENING)
    with app.app_context():
        db.session.get(Film, programme["film"]).embargo_rule = EmbargoRule.NONE
        db.session.commit()
    login("editor")
    page = client.get(f"/pieces/{programme['piece']}").get_data(as_text=True)
    assert "Red Rocket: no embargo (the film&#39;s own rule)" in page
    _publish(client, programme["piece"])
    with app.app_context():
        assert db.session.get(Piece, programme["piece"]).state is PieceState.PUBLISHED


def test_a_non_premiere_is_not_held_by_the_premieres_default(app, client, users, login, programme):
    _world_premiere_ready_to_publish(
        app, programme, users, DefaultEmbargo.PREMIERES_FIRST_PUBLIC_SCREENING
    )
    with app.app_context():
        db.session.get(Film, programme["film"]).premiere_status = PremiereStatus.UK
        db.session.commit()
    login("editor")
    _publish(client, programme["piece"])
    with app.app_context():
        assert db.session.get(Piece, programme["piece"]).state is PieceState.PUBLISHED


def test_changing_the_default_moves_the_desk_calendars_publication_events(
    app, client, users, login, programme
):
    from coverage.festivals import services as festivals
    from coverage.programme.rules import FestivalFields

    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        before = db.session.get(Film, programme["film"]).embargo_sequence
        fields = FestivalFields(
            name=festival.name,
            edition=festival.edition,
            timezone=festival.timezone,
            start_date=festival.start_date,
            end_date=festival.end_date,
            slug=festival.slug,
            city=festival.city,
            default_embargo=DefaultEmbargo.FIRST_PUBLIC_SCREENING,
        )
        festivals.update_festival(festival, fields)
        db.session.commit()
        assert db.session.get(Film, programme["film"]).embargo_sequence == before + 1


PREMIERE_CSV = (
    "film,date,time,venue,type,gala_premiere,premiere_status\n"
    "Maria,Aug 5,10:00,PICC,press,,World Premiere\n"
    "Maria,Aug 5,18:15,PICC,,Yes,World Premiere\n"
    "Bituin,Aug 6,18:15,PICC,,Philippine premiere,\n"
    "Dagat,Aug 7,18:15,PICC,,WP,\n"
    "Langit,Aug 8,18:15,PICC,,maybe,\n"
)


def test_imported_premieres_with_the_festival_default_hold_the_world_premiere(app, tmp_path):
    slug = create_cinemalaya(app)
    path = tmp_path / "premieres.csv"
    path.write_text(PREMIERE_CSV, encoding="utf-8")
    result = import_file(app, slug, path)
    assert result.exit_code == 0, result.output
    assert "row 6" in result.output and "Unknown premiere 'maybe'" in result.output
    assert "'Philippine premiere' is a national or regional premiere" in result.output
    with app.app_context():
        films = {f.title: f for f in db.session.scalars(db.select(Film))}
        assert {title: f.premiere_status for title, f in films.items()} == {
            "Maria": PremiereStatus.WORLD,
            "Bituin": PremiereStatus.NONE,
            "Dagat": PremiereStatus.WORLD,
            "Langit": PremiereStatus.NONE,
        }
        assert {f.embargo_rule for f in films.values()} == {EmbargoRule.FESTIVAL_DEFAULT}
        assert count(Screening) == 5  # no row refused
        festival = db.session.scalar(db.select(Festival).where(Festival.slug == slug))
        maria = films["Maria"]
        gala = maria.screenings[1]
        assert services.film_embargo_at(maria) is None  # default "none": nothing changes
        festival.default_embargo = DefaultEmbargo.PREMIERES_FIRST_PUBLIC_SCREENING
        db.session.flush()
        # The press screening does not lift it; the gala (public-facing) does.
        assert services.film_embargo_at(maria) == gala.starts_at
        assert services.film_embargo_at(films["Dagat"]) == films["Dagat"].screenings[0].starts_at
        assert services.film_embargo_at(films["Bituin"]) is None
