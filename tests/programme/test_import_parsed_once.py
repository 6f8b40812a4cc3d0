"""An uploaded programme is parsed once per reading, at upload, and the preview and the confirm
read that parse (issue 13, "Bounded work": the preview used to parse the file on every view)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.programme import importer
from coverage.programme.importing import (
    PARSE_FORMAT,
    ImportRefused,
    dump_parse,
    load_parse,
    parse_key,
    parse_programme,
)
from coverage.programme.models import ProgrammeUpload, Screening
from tests.programme.test_import import (
    CINEMALAYA,
    confirm_from,
    count,
    create_cinemalaya,
    upload,
)


@pytest.fixture
def parses(monkeypatch) -> list[int]:
    """Counts the parses of a whole file (the importer's only way to read one)."""
    calls: list[int] = []
    real = importer.parse_programme

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "parse_programme", counted)
    return calls


def _stored(app) -> dict:
    with app.app_context():
        upload_row = db.session.scalars(select(ProgrammeUpload)).one()
        return json.loads(upload_row.parsed)


def test_the_preview_and_the_confirm_read_the_parse_made_at_upload(
    app, client, users, login, parses
):
    slug = create_cinemalaya(app)
    login("editor")
    response = upload(client, slug, CINEMALAYA.read_bytes(), "cinemalaya.csv")
    assert response.status_code == 302
    assert len(parses) == 1
    assert _stored(app)["format"] == PARSE_FORMAT
    preview_url = response.headers["Location"]
    for _ in range(2):
        page = client.get(preview_url).get_data(as_text=True)
        assert "215 new screenings" in page
    done = confirm_from(client, preview_url)  # a third view, then the confirm
    assert done.status_code == 302
    assert len(parses) == 1
    with app.app_context():
        assert count(Screening) == 215


def test_another_reading_is_parsed_once_then_read(app, client, users, login, parses):
    slug = create_cinemalaya(app)
    login("editor")
    preview_url = upload(client, slug, CINEMALAYA.read_bytes()).headers["Location"]
    late_url = f"{preview_url}&late=1" if "?" in preview_url else f"{preview_url}?late=1"
    for _ in range(2):
        assert client.get(late_url).status_code == 200
    assert len(parses) == 2
    done = confirm_from(client, late_url)
    assert done.status_code == 302
    assert len(parses) == 2


def test_a_changed_festival_is_read_again(app, client, users, login, parses):
    """The parse depends on the festival's zone and dates: a stored one is not reused after
    they change (the preview shows what the file means now, as before)."""
    slug = create_cinemalaya(app)
    login("editor")
    preview_url = upload(client, slug, CINEMALAYA.read_bytes()).headers["Location"]
    with app.app_context():
        festival = db.session.scalars(select(Festival).where(Festival.slug == slug)).one()
        festival.timezone = "Asia/Tokyo"
        db.session.commit()
    page = client.get(preview_url).get_data(as_text=True)
    assert "Tokyo" in page
    client.get(preview_url)
    assert len(parses) == 2


@pytest.mark.parametrize(
    "stored",
    [
        None,  # uploaded before parses were stored
        json.dumps({"format": 0, "key": "x", "rows": []}),  # an older format
        "{not json",  # damaged
    ],
)
def test_a_missing_or_outdated_parse_is_made_once_and_saved(
    app, client, users, login, parses, stored
):
    slug = create_cinemalaya(app)
    login("editor")
    preview_url = upload(client, slug, CINEMALAYA.read_bytes()).headers["Location"]
    with app.app_context():
        upload_row = db.session.scalars(select(ProgrammeUpload)).one()
        upload_row.parsed = stored
        db.session.commit()
    parses.clear()
    for _ in range(3):
        assert "215 new screenings" in client.get(preview_url).get_data(as_text=True)
    assert len(parses) == 1
    assert _stored(app)["format"] == PARSE_FORMAT


def test_a_refused_file_is_parsed_once_and_refused_each_time(app, client, users, login, parses):
    """A file that decodes but cannot be read as CSV (a cell over the csv module's limit) is
    refused at every view from its stored refusal."""
    slug = create_cinemalaya(app)
    login("editor")
    data = b'Film,Date,Time,Venue\n"' + b"x" * 200_000 + b'",2023-08-05,18:00,PICC\n'
    response = upload(client, slug, data)
    assert response.status_code == 302
    for _ in range(2):
        page = client.get(response.headers["Location"])
        assert page.status_code == 422
        assert "cannot be read as CSV" in page.get_data(as_text=True)
    assert len(parses) == 1


def test_a_stored_parse_reads_back_equal():
    from tests.domain.test_importing import MANILA

    parsed = parse_programme(CINEMALAYA.read_bytes(), MANILA)
    assert parsed.rows and parsed.problems
    key = parse_key(MANILA, None)
    assert load_parse(dump_parse(parsed, key), key) == parsed
    # Another reading's parse is not this one's.
    assert load_parse(dump_parse(parsed, key), parse_key(MANILA, parsed.mapping)) is None
    refusal = load_parse(dump_parse(ImportRefused("No.", field="file"), key), key)
    assert isinstance(refusal, ImportRefused) and refusal.message == "No."
