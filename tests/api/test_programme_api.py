"""The programme over the API: festivals, venues, films and screenings, as a client sees them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.programme import services as programme_services
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film
from coverage.programme.schedule import local_to_utc
from tests.api.test_api import assert_problem
from tests.conftest import count_statements

EDIT_REFUSED = "Only editors and admins can change the programme."


def base(programme) -> str:
    return f"/api/v1/festivals/{programme['slug']}"


def new_screening(client, programme, headers, **body):
    payload = {"film_id": programme["film"], "venue_id": programme["nft1"]} | body
    return client.post(f"{base(programme)}/screenings", json=payload, headers=headers)


# --- Reading ----------------------------------------------------------------------------------


def test_writer_lists_and_reads_festivals(client, programme, writer):
    response = client.get("/api/v1/festivals", headers=writer)
    assert response.status_code == 200
    (festival,) = response.get_json()
    assert festival == {
        "slug": "test-festival-2021",
        "name": "Test Festival",
        "edition": 2021,
        "city": "London",
        "timezone": "Europe/London",
        "start_date": "2021-10-06",
        "end_date": "2021-10-17",
        "website": "",
        "organiser": "",
        "travel_buffer_minutes": 15,
        "is_public": False,
        "default_embargo": "none",
    }
    assert client.get(base(programme), headers=writer).get_json() == festival


def test_festivals_are_listed_newest_first(client, programme, editor):
    body = {
        "name": "Older Festival",
        "edition": 2019,
        "timezone": "Europe/Berlin",
        "start_date": "2019-02-07",
        "end_date": "2019-02-17",
    }
    assert client.post("/api/v1/festivals", json=body, headers=editor).status_code == 201
    newer = body | {"name": "Newer Festival", "edition": 2022, "start_date": "2022-02-10"}
    newer["end_date"] = "2022-02-20"
    assert client.post("/api/v1/festivals", json=newer, headers=editor).status_code == 201
    slugs = [f["slug"] for f in client.get("/api/v1/festivals", headers=editor).get_json()]
    assert slugs == ["newer-festival-2022", "test-festival-2021", "older-festival-2019"]


def test_writer_reads_venues_and_films(client, programme, writer):
    venues = client.get(f"{base(programme)}/venues", headers=writer).get_json()
    assert [v["name"] for v in venues] == ["BFI Southbank NFT1", "Odeon Luxe Leicester Square"]
    venue = client.get(f"{base(programme)}/venues/{programme['nft1']}", headers=writer)
    assert venue.get_json() == {
        "id": programme["nft1"],
        "name": "BFI Southbank NFT1",
        "address": "Belvedere Road, SE1 8XT",
    }
    films = client.get(f"{base(programme)}/films", headers=writer).get_json()
    assert [f["title"] for f in films] == ["Red Rocket"]
    film = client.get(f"{base(programme)}/films/{programme['film']}", headers=writer).get_json()
    assert film["festival"] == "test-festival-2021"
    assert film["timezone"] == "Europe/London"
    assert film["runtime_minutes"] == 130
    assert film["directors"] == "Sean Baker"
    # Nobody set the film's embargo: it follows the festival's default, "none".
    assert film["embargo_rule"] == "festival_default" and film["embargo_at"] is None
    assert (film["embargo_rule_in_force"], film["embargo_rule_from"]) == ("none", "festival")


def test_writer_reads_screenings_in_the_festivals_offset(client, programme, writer):
    response = client.get(f"{base(programme)}/screenings", headers=writer)
    assert response.status_code == 200
    press, public = response.get_json()
    assert public == {
        "id": programme["public"],
        "festival": "test-festival-2021",
        "film": {"id": programme["film"], "title": "Red Rocket"},
        "venue": {"id": programme["odeon"], "name": "Odeon Luxe Leicester Square"},
        "starts_at": "2021-10-10T18:30:00+01:00",
        "ends_at": "2021-10-10T20:40:00+01:00",
        "timezone": "Europe/London",
        "kind": "public",
        "cancelled": False,
        "notes": "",
        "sequence": 0,
        "warnings": [],
    }
    assert press["starts_at"] == "2021-10-08T09:00:00+01:00"
    one = client.get(f"{base(programme)}/screenings/{programme['public']}", headers=writer)
    assert one.get_json() == public


def test_films_filter_by_title_and_section(client, programme, editor):
    films = f"{base(programme)}/films"
    client.post(films, json={"title": "Belfast", "section": "Gala"}, headers=editor)
    assert [f["title"] for f in client.get(f"{films}?q=rock", headers=editor).get_json()] == [
        "Red Rocket"
    ]
    by_section = client.get(f"{films}?section=Gala", headers=editor).get_json()
    assert [f["title"] for f in by_section] == ["Belfast"]


# --- Permissions and not found --------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/api/v1/festivals", {}),
        ("patch", "", {"city": "Leeds"}),
        ("post", "/venues", {"name": "Curzon Soho"}),
        ("patch", "/venues/{nft1}", {"name": "NFT2"}),
        ("post", "/films", {"title": "Belfast"}),
        ("patch", "/films/{film}", {"title": "Blue Rocket"}),
        ("post", "/screenings", {"film_id": 1, "venue_id": 1, "starts_at": "2021-10-09T10:00"}),
        ("patch", "/screenings/{press}", {"notes": "Moved"}),
        ("post", "/screenings/{press}/cancel", None),
        ("post", "/screenings/{press}/restore", None),
    ],
)
def test_writer_cannot_change_the_programme(app, client, programme, writer, method, path, body):
    url = path if path.startswith("/api") else base(programme) + path.format(**programme)
    response = getattr(client, method)(url, json=body, headers=writer)
    assert_problem(response, 403, EDIT_REFUSED)
    with app.app_context():
        assert db.session.get(Festival, programme["festival"]).city == "London"
        assert db.session.get(Film, programme["film"]).title == "Red Rocket"


def test_unknown_festival_is_404_naming_it(client, programme, writer):
    response = client.get("/api/v1/festivals/no-such-festival/screenings", headers=writer)
    assert_problem(response, 404, "no-such-festival")


def test_screening_of_another_festival_is_404(client, programme, editor):
    other = {
        "name": "Other Festival",
        "edition": 2021,
        "timezone": "America/Toronto",
        "start_date": "2021-09-09",
        "end_date": "2021-09-18",
    }
    assert client.post("/api/v1/festivals", json=other, headers=editor).status_code == 201
    url = f"/api/v1/festivals/other-festival-2021/screenings/{programme['press']}"
    assert_problem(client.get(url, headers=editor), 404, f"no screening {programme['press']}")
    assert_problem(client.post(f"{url}/cancel", headers=editor), 404, "no screening")
    missing_venue = f"{base(programme)}/venues/9999"
    assert_problem(client.get(missing_venue, headers=editor), 404, "no venue 9999")


def test_no_token_is_401(client, programme):
    assert_problem(client.get("/api/v1/festivals"), 401, "Bearer")


# --- Festivals --------------------------------------------------------------------------------


FESTIVAL = {
    "name": "Berlinale",
    "edition": 2022,
    "timezone": "Europe/Berlin",
    "start_date": "2022-02-10",
    "end_date": "2022-02-20",
    "city": "Berlin",
}


def test_editor_creates_a_festival(client, users, editor):
    response = client.post("/api/v1/festivals", json=FESTIVAL, headers=editor)
    assert response.status_code == 201
    body = response.get_json()
    assert body["slug"] == "berlinale-2022"
    assert body["timezone"] == "Europe/Berlin"
    assert response.headers["Location"].endswith("/api/v1/festivals/berlinale-2022")
    fetched = client.get(response.headers["Location"], headers=editor)
    assert fetched.status_code == 200 and fetched.get_json() == body


def test_admin_may_change_the_programme_too(client, users, tokens):
    assert (
        client.post("/api/v1/festivals", json=FESTIVAL, headers=tokens["admin"]).status_code == 201
    )


def test_unknown_time_zone_is_422_naming_timezone(client, users, editor):
    response = client.post(
        "/api/v1/festivals", json=FESTIVAL | {"timezone": "Europe/Londn"}, headers=editor
    )
    body = assert_problem(response, 422, "'Europe/Londn' is not a time zone")
    assert body["errors"] == [{"field": "timezone", "message": body["detail"]}]


def test_festival_ending_before_it_starts_is_422(client, users, editor):
    response = client.post(
        "/api/v1/festivals", json=FESTIVAL | {"end_date": "2022-02-01"}, headers=editor
    )
    body = assert_problem(response, 422, "cannot end before it starts")
    assert body["errors"][0]["field"] == "end_date"


def test_missing_or_unknown_fields_are_422(client, users, editor):
    response = client.post("/api/v1/festivals", json={"name": "No dates"}, headers=editor)
    body = assert_problem(response, 422, "edition")
    assert {"edition", "timezone", "start_date", "end_date"} <= {e["field"] for e in body["errors"]}
    typo = client.post("/api/v1/festivals", json=FESTIVAL | {"citty": "Bonn"}, headers=editor)
    assert_problem(typo, 422, "citty")


def test_taken_slug_is_422(client, programme, editor):
    response = client.post(
        "/api/v1/festivals", json=FESTIVAL | {"slug": programme["slug"]}, headers=editor
    )
    body = assert_problem(response, 422, "already uses the address")
    assert body["errors"][0]["field"] == "slug"


def test_patch_festival_changes_only_what_is_sent(client, programme, editor):
    response = client.patch(
        base(programme), json={"city": "Leeds", "travel_buffer_minutes": 30}, headers=editor
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["city"] == "Leeds" and body["travel_buffer_minutes"] == 30
    assert body["name"] == "Test Festival" and body["start_date"] == "2021-10-06"
    assert client.get(base(programme), headers=editor).get_json() == body


def test_patch_festival_is_checked_by_the_same_rules(client, programme, editor):
    bad = client.patch(base(programme), json={"end_date": "2021-10-01"}, headers=editor)
    assert_problem(bad, 422, "cannot end before it starts")
    null = client.patch(base(programme), json={"name": None}, headers=editor)
    assert assert_problem(null, 422, "name cannot be null")["errors"][0]["field"] == "name"
    assert client.get(base(programme), headers=editor).get_json()["end_date"] == "2021-10-17"


# --- Venues and films -------------------------------------------------------------------------


def test_editor_creates_and_renames_a_venue(client, programme, editor):
    response = client.post(
        f"{base(programme)}/venues", json={"name": "Curzon Soho"}, headers=editor
    )
    assert response.status_code == 201
    venue = response.get_json()
    assert venue["name"] == "Curzon Soho" and venue["address"] == ""
    assert response.headers["Location"].endswith(f"/venues/{venue['id']}")
    patched = client.patch(
        f"{base(programme)}/venues/{venue['id']}",
        json={"address": "99 Shaftesbury Ave"},
        headers=editor,
    )
    assert patched.get_json() == venue | {"address": "99 Shaftesbury Ave"}


def test_duplicate_venue_name_is_422_naming_name(client, programme, editor):
    response = client.post(
        f"{base(programme)}/venues", json={"name": "bfi southbank nft1"}, headers=editor
    )
    body = assert_problem(response, 422, "already has a venue")
    assert body["errors"][0]["field"] == "name"


def test_editor_creates_and_patches_a_film(client, programme, editor):
    response = client.post(
        f"{base(programme)}/films",
        json={
            "title": "Belfast",
            "runtime_minutes": 98,
            "embargo_rule": "fixed",
            "embargo_at": "2021-10-12T19:00",
        },
        headers=editor,
    )
    assert response.status_code == 201
    film = response.get_json()
    assert film["embargo_at"] == "2021-10-12T19:00:00+01:00"
    assert response.headers["Location"].endswith(f"/films/{film['id']}")
    url = f"{base(programme)}/films/{film['id']}"
    patched = client.patch(url, json={"runtime_minutes": None, "year": 2021}, headers=editor)
    assert patched.status_code == 200
    assert patched.get_json() == film | {"runtime_minutes": None, "year": 2021}


def test_film_rules_apply_through_the_api(client, programme, editor):
    films = f"{base(programme)}/films"
    response = client.post(films, json={"title": "X", "embargo_rule": "fixed"}, headers=editor)
    assert assert_problem(response, 422, "embargo lifts")["errors"][0]["field"] == "embargo_at"
    response = client.post(films, json={"title": "   "}, headers=editor)
    assert assert_problem(response, 422, "title")["errors"][0]["field"] == "title"


# --- Screenings: local times and DST ----------------------------------------------------------


def test_ambiguous_local_time_is_422_naming_starts_at(client, programme, editor):
    response = new_screening(client, programme, editor, starts_at="2021-10-31T01:30")
    body = assert_problem(response, 422, "happens twice in Europe/London")
    assert body["errors"][0]["field"] == "starts_at"


def test_skipped_local_time_is_422_naming_starts_at(client, programme, editor):
    response = new_screening(client, programme, editor, starts_at="2021-03-28T01:30")
    body = assert_problem(response, 422, "does not exist in Europe/London")
    assert body["errors"][0]["field"] == "starts_at"


def test_ambiguous_hour_is_accepted_with_an_explicit_offset(client, programme, editor):
    response = new_screening(client, programme, editor, starts_at="2021-10-31T01:30:00+00:00")
    assert response.status_code == 201
    assert response.get_json()["starts_at"] == "2021-10-31T01:30:00+00:00"


def test_output_offset_follows_the_festivals_zone_across_dst(client, programme, editor):
    winter = new_screening(client, programme, editor, starts_at="2021-10-31T18:00")
    summer = new_screening(client, programme, editor, starts_at="2021-10-30T18:00")
    assert winter.status_code == 201 and summer.status_code == 201
    assert winter.get_json()["starts_at"] == "2021-10-31T18:00:00+00:00"
    assert summer.get_json()["starts_at"] == "2021-10-30T18:00:00+01:00"
    # No end given: start plus the film's 130 minutes.
    assert winter.get_json()["ends_at"] == "2021-10-31T20:10:00+00:00"


def test_start_with_another_offset_is_shown_in_festival_time(client, programme, editor):
    response = new_screening(client, programme, editor, starts_at="2021-10-09T12:00:00-04:00")
    assert response.get_json()["starts_at"] == "2021-10-09T17:00:00+01:00"


def test_screening_ending_before_it_starts_is_422_naming_ends_at(client, programme, editor):
    response = new_screening(
        client, programme, editor, starts_at="2021-10-09T18:00", ends_at="2021-10-09T17:00"
    )
    body = assert_problem(response, 422, "end must be after the start")
    assert body["errors"][0]["field"] == "ends_at"


def test_film_of_another_festival_is_422_naming_film_id(client, programme, editor):
    response = new_screening(client, programme, editor, film_id=9999, starts_at="2021-10-09T18:00")
    assert assert_problem(response, 422, "Choose a film")["errors"][0]["field"] == "film_id"


def test_created_screening_has_location_and_kind(client, programme, editor):
    response = new_screening(
        client, programme, editor, starts_at="2021-10-09T10:00", kind="press_industry", notes="P&I"
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "press_industry" and body["notes"] == "P&I"
    assert response.headers["Location"].endswith(f"/screenings/{body['id']}")


def test_unknown_kind_is_422(client, programme, editor):
    response = new_screening(client, programme, editor, starts_at="2021-10-09T10:00", kind="vip")
    assert assert_problem(response, 422, "kind")["errors"][0]["field"] == "kind"


# --- Screenings: moving, cancelling, restoring ------------------------------------------------


def test_moving_a_screening_keeps_its_id_and_raises_sequence(client, programme, editor):
    url = f"{base(programme)}/screenings/{programme['public']}"
    before = client.get(url, headers=editor).get_json()
    response = client.patch(url, json={"starts_at": "2021-10-10T20:00"}, headers=editor)
    assert response.status_code == 200
    after = response.get_json()
    assert after["id"] == before["id"] == programme["public"]
    assert after["sequence"] == before["sequence"] + 1
    assert after["starts_at"] == "2021-10-10T20:00:00+01:00"
    # The length is kept when only the start moves.
    assert after["ends_at"] == "2021-10-10T22:10:00+01:00"
    assert client.get(url, headers=editor).get_json() == after


def test_patch_notes_only_does_not_raise_sequence(client, programme, editor):
    url = f"{base(programme)}/screenings/{programme['public']}"
    response = client.patch(url, json={"notes": "Q&A after"}, headers=editor)
    assert response.get_json()["notes"] == "Q&A after"
    assert response.get_json()["sequence"] == 0


def test_patch_to_another_venue_and_end(client, programme, editor):
    url = f"{base(programme)}/screenings/{programme['press']}"
    response = client.patch(
        url, json={"venue_id": programme["odeon"], "ends_at": "2021-10-08T11:00"}, headers=editor
    )
    body = response.get_json()
    assert body["venue"]["id"] == programme["odeon"]
    assert body["ends_at"] == "2021-10-08T11:00:00+01:00" and body["sequence"] == 1


def test_cancel_then_restore(client, programme, editor):
    url = f"{base(programme)}/screenings/{programme['press']}"
    cancelled = client.post(f"{url}/cancel", headers=editor)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["cancelled"] is True
    assert cancelled.get_json()["sequence"] == 1
    assert client.get(url, headers=editor).get_json()["cancelled"] is True
    listed = client.get(f"{base(programme)}/screenings", headers=editor).get_json()
    assert programme["press"] in [s["id"] for s in listed]
    live = client.get(f"{base(programme)}/screenings?include_cancelled=false", headers=editor)
    assert programme["press"] not in [s["id"] for s in live.get_json()]
    restored = client.post(f"{url}/restore", headers=editor)
    assert restored.get_json()["cancelled"] is False
    assert restored.get_json()["sequence"] == 2
    assert client.get(url, headers=editor).get_json()["cancelled"] is False


# --- Screenings: filters ----------------------------------------------------------------------


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["id"] for s in response.get_json()]


def test_day_filter_uses_the_festival_local_day(client, programme, editor):
    # 00:30 BST on the 10th is 23:30 UTC on the 9th; 23:30 BST on the 9th is 22:30 UTC.
    after_midnight = new_screening(client, programme, editor, starts_at="2021-10-10T00:30")
    late = new_screening(client, programme, editor, starts_at="2021-10-09T23:30")
    after_midnight, late = after_midnight.get_json()["id"], late.get_json()["id"]
    screenings = f"{base(programme)}/screenings"
    assert ids(client.get(f"{screenings}?day=2021-10-09", headers=editor)) == [late]
    assert ids(client.get(f"{screenings}?day=2021-10-10", headers=editor)) == [
        after_midnight,
        programme["public"],
    ]
    assert ids(client.get(f"{screenings}?day=2021-10-08", headers=editor)) == [programme["press"]]


def test_bad_day_is_422(client, programme, editor):
    response = client.get(f"{base(programme)}/screenings?day=10/10/2021", headers=editor)
    assert assert_problem(response, 422, "day")["errors"][0]["field"] == "day"


def test_venue_film_and_kind_filters(client, programme, editor):
    screenings = f"{base(programme)}/screenings"
    other_film = client.post(
        f"{base(programme)}/films", json={"title": "Belfast"}, headers=editor
    ).get_json()["id"]
    belfast = new_screening(
        client, programme, editor, film_id=other_film, starts_at="2021-10-09T15:00", kind="gala"
    ).get_json()["id"]
    assert ids(client.get(f"{screenings}?venue={programme['odeon']}", headers=editor)) == [
        programme["public"]
    ]
    assert ids(client.get(f"{screenings}?venue={programme['nft1']}", headers=editor)) == [
        programme["press"],
        belfast,
    ]
    assert ids(client.get(f"{screenings}?film={other_film}", headers=editor)) == [belfast]
    assert ids(client.get(f"{screenings}?kind=press", headers=editor)) == [programme["press"]]
    assert ids(client.get(f"{screenings}?kind=gala", headers=editor)) == [belfast]
    assert ids(
        client.get(f"{screenings}?film={programme['film']}&kind=public", headers=editor)
    ) == [programme["public"]]


# --- Documentation and efficiency ---------------------------------------------------------------


def test_programme_routes_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    screenings = doc["paths"]["/api/v1/festivals/{slug}/screenings"]
    assert set(screenings) >= {"get", "post"}
    assert screenings["get"]["tags"] == ["programme"]
    assert screenings["get"]["summary"]
    assert {p["name"] for p in screenings["get"]["parameters"]} >= {
        "slug",
        "day",
        "venue",
        "film",
        "kind",
        "include_cancelled",
    }
    assert {"403", "404", "422"} <= set(screenings["post"]["responses"])
    assert "patch" in doc["paths"]["/api/v1/festivals/{slug}/screenings/{screening_id}"]
    assert "post" in doc["paths"]["/api/v1/festivals/{slug}/screenings/{screening_id}/cancel"]


def _add_screenings(app: Flask, programme, count: int) -> None:
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        first = local_to_utc(datetime(2021, 10, 12, 9, 0), festival.timezone)
        for index in range(count):
            programme_services.create_screening(
                festival,
                programme_services.ScreeningFields(
                    film_id=programme["film"],
                    venue_id=programme["nft1"] if index % 2 else programme["odeon"],
                    starts_at=first + timedelta(hours=3 * index),
                    kind=ScreeningKind.PUBLIC,
                ),
            )
        db.session.commit()


def _queries_for(app: Flask, client, url: str, headers) -> tuple[int, int]:
    count, response = count_statements(app, lambda: client.get(url, headers=headers))
    assert response.status_code == 200
    return count, len(response.get_json())


def test_screenings_list_query_count_does_not_grow(app, client, programme, writer):
    url = f"{base(programme)}/screenings"
    few_queries, few = _queries_for(app, client, url, writer)
    assert few == 2
    _add_screenings(app, programme, 38)
    many_queries, many = _queries_for(app, client, url, writer)
    assert many == 40
    assert many_queries == few_queries
    day_queries, _ = _queries_for(app, client, f"{url}?day=2021-10-13", writer)
    assert day_queries == few_queries


def test_an_end_before_the_start_is_refused_and_a_long_screening_flagged(client, programme, editor):
    url = f"{base(programme)}/screenings/{programme['press']}"
    before = client.get(url, headers=editor).get_json()
    response = client.patch(url, json={"ends_at": "2021-10-08T08:30"}, headers=editor)
    assert assert_problem(response, 422, "after the start")["errors"][0]["field"] == "ends_at"
    # Moving the start past the old end keeps the length rather than refusing or stretching.
    moved = client.patch(url, json={"starts_at": "2021-10-08T15:30"}, headers=editor).get_json()
    assert moved["ends_at"] == "2021-10-08T17:40:00+01:00"
    assert moved["warnings"] == []

    response = client.patch(
        url, json={"starts_at": "2021-10-08T15:30", "ends_at": "2021-10-09T05:30"}, headers=editor
    )
    assert response.status_code == 200
    assert response.get_json()["warnings"] == [
        "This screening runs 14 hours, from 15:30 to 05:30 the next day: "
        "check the start and end times."
    ]
    assert client.get(url, headers=editor).get_json()["warnings"] == response.get_json()["warnings"]
    assert before["warnings"] == []


@pytest.mark.parametrize("slug", ["new", "edit"])
def test_a_festival_cannot_take_a_slug_a_desk_page_uses(client, programme, editor, slug):
    # /festivals/new is the create form: a festival called "new" could never be reached.
    response = client.patch(base(programme), json={"slug": slug}, headers=editor)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"][0]["field"] == "slug"
    assert "is a page of the desk" in body["detail"]
    assert client.get(base(programme), headers=editor).get_json()["slug"] == programme["slug"]
