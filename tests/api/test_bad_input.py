"""Bad input answers 4xx problem+json naming what is wrong, never a 500 and never a silent
"empty change": bodies that are not JSON, malformed, too deep, too large or not text; ids and
page sizes out of range; duplicates that lose a race to the unique constraint; over-long text."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.textclean import clean_line, clean_multiline
from coverage.web import safe_next_url
from tests.api.test_api import assert_problem
from tests.conftest import log_in


def festival_url(programme) -> str:
    return f"/api/v1/festivals/{programme['slug']}"


def festival_name(app, programme) -> str:
    with app.app_context():
        return db.session.get(Festival, programme["festival"]).name


# --- Bodies that are not JSON: 415, never an empty change -----------------------------------


def test_a_form_encoded_create_is_415_naming_json(client, programme, editor):
    response = client.post(
        f"{festival_url(programme)}/venues", data={"name": "Curzon"}, headers=editor
    )
    assert_problem(response, 415, "application/json")
    assert "application/x-www-form-urlencoded" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"name": "Renamed"}},
        {"data": "name=Renamed", "content_type": "text/plain"},
        {},  # no body at all
    ],
    ids=["form", "text", "none"],
)
def test_a_patch_that_is_not_json_changes_nothing(app, client, programme, editor, kwargs):
    response = client.patch(festival_url(programme), headers=editor, **kwargs)
    assert_problem(response, 415, "application/json")
    assert response.headers["Accept-Patch"] == "application/json"
    assert festival_name(app, programme) == "Test Festival"


@pytest.mark.parametrize("document", [b"[]", b"null", b'"name"', b"0"])
def test_a_body_that_is_not_an_object_is_422_not_an_empty_change(
    app, client, programme, editor, document
):
    response = client.patch(
        festival_url(programme), data=document, content_type="application/json", headers=editor
    )
    assert_problem(response, 422, "must be a JSON object")


# --- Malformed, deep or large JSON: 400 / 413 ------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b'{"name": ', b"{'name': 'x'}", b'{"name": "\xff\xfe"}', b"", b"   "],
    ids=["truncated", "single-quotes", "not-utf8", "empty", "blank"],
)
def test_malformed_json_is_400_problem(client, programme, editor, raw):
    response = client.post(
        f"{festival_url(programme)}/venues",
        data=raw,
        content_type="application/json",
        headers=editor,
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "JSON" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,  # beyond the parser's own recursion limit
        b'{"name": "x", "address": ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}",
    ],
    ids=["array-100000-deep", "object-40-deep-in-a-field"],
)
def test_json_nested_too_deep_is_400(client, programme, editor, raw):
    response = client.post(
        f"{festival_url(programme)}/venues",
        data=raw,
        content_type="application/json",
        headers=editor,
    )
    assert_problem(response, 400, "more than 32 levels deep")


def test_a_body_over_the_limit_is_413(app, client, programme, editor):
    big = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = client.post(
        f"{festival_url(programme)}/venues",
        data=big,
        content_type="application/json",
        headers=editor,
    )
    assert_problem(response, 413, "larger than")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 2


def test_a_comment_over_the_body_limit_is_413(client, programme, editor):
    big = '{"body": "' + "y" * (3 * 1024 * 1024) + '"}'
    response = client.post(
        f"/api/v1/pieces/{programme['piece']}/comments",
        data=big,
        content_type="application/json",
        headers=editor,
    )
    assert_problem(response, 413, "larger than")


# --- Strings that are not text: 422 naming the field -----------------------------------------


@pytest.mark.parametrize(
    "raw,field",
    [
        (b'{"name": "Curzon \\ud800 Soho"}', "name"),
        (b'{"name": "Curzon", "address": "\\udfff"}', "address"),
    ],
)
def test_a_lone_surrogate_is_422_naming_the_field(app, client, programme, editor, raw, field):
    response = client.post(
        f"{festival_url(programme)}/venues",
        data=raw,
        content_type="application/json",
        headers=editor,
    )
    body = assert_problem(response, 422, "surrogate")
    assert body["errors"][0]["field"] == field
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 2


def test_a_surrogate_in_a_list_of_a_piece_is_named_by_its_path(client, programme, editor):
    raw = b'{"festival": "test-festival-2021", "kind": "feature", "headline": "A \\ud83d headline"}'
    response = client.post(
        "/api/v1/pieces", data=raw, content_type="application/json", headers=editor
    )
    assert assert_problem(response, 422, "surrogate")["errors"][0]["field"] == "headline"


def test_a_surrogate_pair_is_a_character_and_is_kept(app, client, programme, editor):
    raw = b'{"name": "Cinema \\ud83c\\udfac"}'
    response = client.post(
        f"{festival_url(programme)}/venues",
        data=raw,
        content_type="application/json",
        headers=editor,
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "Cinema \U0001f3ac"


def test_the_flush_hook_never_lets_a_lone_surrogate_reach_the_database(app, programme):
    """Whatever path sets a string (a form, the CLI, an import), it is stored as text."""
    assert clean_line("a\ud800b") == "a\ufffdb"
    assert clean_multiline("one\udc00\ntwo") == "one\ufffd\ntwo"
    with app.app_context():
        venue = db.session.get(Venue, programme["nft1"])
        venue.address = "Belvedere Road\ud800"
        venue.name = "NFT\udfff1"
        db.session.commit()
    with app.app_context():
        venue = db.session.get(Venue, programme["nft1"])
        assert (venue.name, venue.address) == ("NFT\ufffd1", "Belvedere Road\ufffd")


# --- Numbers beyond the integer range: 404 in paths, 422 in queries ---------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("patch", "/films/35295675040888384557084715341068632064"),
        ("get", "/screenings/2147483648"),
        ("patch", "/venues/9999999999"),
    ],
)
def test_an_id_beyond_the_integer_range_in_a_path_is_404(client, programme, editor, method, path):
    response = getattr(client, method)(
        festival_url(programme) + path, json={"name": "x"}, headers=editor
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_largest_id_is_still_routed_and_simply_not_found(client, programme, editor):
    response = client.get(f"{festival_url(programme)}/films/2147483647", headers=editor)
    assert_problem(response, 404, "has no film 2147483647")


@pytest.mark.parametrize(
    "query,field",
    [
        ("limit=99999999999999999999", "limit"),
        ("page=99999999999999999999", "page"),
        ("writer=99999999999999999999", "writer"),
        ("film=-1", "film"),
    ],
)
def test_a_number_beyond_range_in_a_query_is_422_naming_it(client, programme, editor, query, field):
    response = client.get(f"/api/v1/pieces?{query}", headers=editor)
    assert assert_problem(response, 422, field)["errors"][0]["field"] == field


# --- Duplicates that lose a race to the unique constraint: 422 naming the field ---------------


def test_a_venue_duplicate_the_constraint_refuses_is_422_naming_name(
    app, client, programme, editor, monkeypatch
):
    """The friendly check is skipped, as when two requests pass it at the same moment."""
    from coverage.festivals import services

    monkeypatch.setattr(services, "_check_venue_name_free", lambda *args: None)
    response = client.post(
        f"{festival_url(programme)}/venues", json={"name": "BFI Southbank NFT1"}, headers=editor
    )
    body = assert_problem(response, 422, "A venue named 'BFI Southbank NFT1' already exists")
    assert body["errors"] == [{"field": "name", "message": body["detail"]}]


def test_a_festival_duplicate_the_constraint_refuses_is_422_naming_slug(
    client, programme, editor, monkeypatch
):
    from coverage.festivals import services

    monkeypatch.setattr(services, "_check_slug_free", lambda *args: None)
    response = client.post(
        "/api/v1/festivals",
        json={
            "name": "Test Festival",
            "edition": 2021,
            "timezone": "Europe/London",
            "start_date": "2021-10-06",
            "end_date": "2021-10-17",
        },
        headers=editor,
    )
    body = assert_problem(response, 422, "already exists")
    assert body["errors"][0]["field"] == "slug"


def test_a_web_form_duplicate_the_constraint_refuses_is_a_409_page(
    app, client, programme, users, monkeypatch
):
    from coverage.festivals import services

    monkeypatch.setattr(services, "_check_venue_name_free", lambda *args: None)
    log_in(client, "editor@example.org")
    response = client.post_form(
        f"/festivals/{programme['slug']}/venues",
        {"venue-name": "BFI Southbank NFT1", "venue-address": ""},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "A venue with this name already exists at this festival." in page
    assert "was not saved" in page


def _race(app, table: str, first, second, hold: float = 1.0):
    """Hold the thread running `first` just before its INSERT into `table`, run `second` in
    another thread (up to `hold` seconds: on SQLite it waits for the first's write lock), then
    let the first go on. Returns both results."""
    with app.app_context():
        engine = db.engine
    reached, resume = threading.Event(), threading.Event()
    insert = f"INSERT INTO {table} "

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        mine = threading.current_thread().name == "first" and statement.startswith(insert)
        if mine and not reached.is_set():
            reached.set()
            resume.wait(hold)

    results: dict[str, object] = {}

    def run(name: str, action) -> None:
        try:
            results[name] = action()
        finally:
            reached.set()

    event.listen(engine, "before_cursor_execute", before)
    try:
        one = threading.Thread(target=run, args=("first", first), name="first")
        one.start()
        assert reached.wait(20), "the first request never got to its INSERT"
        two = threading.Thread(target=run, args=("second", second), name="second")
        two.start()
        two.join(hold)
        resume.set()
        one.join(30)
        two.join(30)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return results["first"], results["second"]


def _statuses(*responses) -> list[tuple[int, str | None]]:
    out = []
    for response in responses:
        body = response.get_json() or {}
        fields = [error["field"] for error in body.get("errors", [])]
        out.append((response.status_code, fields[0] if fields else None))
    return sorted(out)


def test_two_concurrent_creates_of_one_venue_make_one_venue_and_one_422(app, programme, editor):
    url = f"{festival_url(programme)}/venues"

    def create():
        return app.test_client().post(url, json={"name": "Curzon Soho"}, headers=editor)

    first, second = _race(app, "venues", create, create)
    assert _statuses(first, second) == [(201, None), (422, "name")]
    with app.app_context():
        names = db.session.scalars(select(Venue.name).where(Venue.name == "Curzon Soho")).all()
    assert names == ["Curzon Soho"]


def test_two_concurrent_creates_of_one_festival_make_one_festival_and_one_422(app, users, editor):
    festival = {
        "name": "Raindance",
        "edition": 2022,
        "timezone": "Europe/London",
        "start_date": "2022-10-26",
        "end_date": "2022-11-06",
    }

    def create():
        return app.test_client().post("/api/v1/festivals", json=festival, headers=editor)

    first, second = _race(app, "festivals", create, create)
    assert _statuses(first, second) == [(201, None), (422, "slug")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Festival)) == 1


# --- Text maxima: stated in the document, refused naming the field ---------------------------


@pytest.mark.parametrize(
    "url,body,field",
    [
        ("/venues", {"name": "x" * 201}, "name"),
        ("/venues", {"name": "Curzon", "address": "x" * 1001}, "address"),
        ("/films", {"title": "Film", "synopsis": "s" * 10_001}, "synopsis"),
    ],
)
def test_over_long_text_is_422_naming_the_field(client, programme, editor, url, body, field):
    response = client.post(festival_url(programme) + url, json=body, headers=editor)
    assert assert_problem(response, 422, field)["errors"][0]["field"] == field


def test_an_over_long_comment_is_422_naming_body(client, programme, editor):
    response = client.post(
        f"/api/v1/pieces/{programme['piece']}/comments", json={"body": "c" * 10_001}, headers=editor
    )
    assert assert_problem(response, 422, "body")["errors"][0]["field"] == "body"


def test_the_services_refuse_over_long_text_too(app, programme):
    """Every entry point (web form, API, CLI) goes through them: a field error, never a
    database error."""
    from coverage.errors import InvalidInput
    from coverage.festivals import services
    from coverage.programme import services as programme_services
    from coverage.programme.rules import FilmFields

    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        with pytest.raises(InvalidInput) as refused:
            services.create_venue(festival, "Curzon", "a" * 1001)
        assert refused.value.field == "address"
        with pytest.raises(InvalidInput) as refused:
            programme_services.create_film(festival, FilmFields(title="T", directors="d" * 501))
        assert refused.value.field == "directors"


# --- The login `next`: control characters are never a redirect -------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\r\nSet-Cookie:x", "/pieces\nLocation: //evil.example", "/a\x00b", "/\x85next"],
)
def test_safe_next_url_refuses_control_characters(target):
    assert safe_next_url(target) is None


def test_a_newline_in_login_next_is_no_500_and_no_redirect_to_it(client, users):
    hostile = "/login?next=/%0d%0aSet-Cookie:x"
    page = client.get(hostile)
    assert page.status_code == 200
    response = client.post_form(
        hostile, {"email": "editor@example.org", "password": "correct horse battery"}, page="/login"
    )
    assert response.status_code == 302
    assert "Set-Cookie:x" not in response.headers["Location"]
    assert "\n" not in response.headers["Location"]
    assert all(header != "x" for header in response.headers.getlist("Set-Cookie"))
