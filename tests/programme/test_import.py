"""Importing a programme CSV: the real Cinemalaya file, re-imports, the web preview and the CLI."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.festivals.services import festival_by_slug
from coverage.programme import importer
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, ProgrammeUpload, Screening

CINEMALAYA = (
    # Cinemalaya's 2023 programme, byte for byte, as published (also data/samples/, for the README).
    Path(__file__).resolve().parents[1] / "data" / "cinemalaya-2023-schedule.csv"
)
SUMMARY = re.compile(
    r"films: (\d+) created, (\d+) updated; venues: (\d+) created, (\d+) updated; "
    r"screenings: (\d+) created, (\d+) updated; warnings: (\d+); errors: (\d+)"
)


def create_cinemalaya(app) -> str:
    result = app.test_cli_runner().invoke(
        args=[
            "create-festival",
            "--name",
            "Cinemalaya",
            "--year",
            "2023",
            "--timezone",
            "Asia/Manila",
            "--start",
            "2023-08-04",
            "--end",
            "2023-08-13",
            "--city",
            "Manila",
        ]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


def import_file(app, slug: str, path: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["import-programme", slug, str(path), *extra])


def count(model, *criteria) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*criteria))


def test_create_festival_prints_its_slug_and_refuses_a_bad_zone(app):
    assert create_cinemalaya(app) == "cinemalaya-2023"
    result = app.test_cli_runner().invoke(
        args=[
            "create-festival",
            "--name",
            "Elsewhere",
            "--year",
            "2023",
            "--timezone",
            "Europe/Londn",
            "--start",
            "2023-08-04",
            "--end",
            "2023-08-01",
        ]
    )
    assert result.exit_code != 0
    assert "'Europe/Londn' is not a time zone we know" in result.output
    with app.app_context():
        assert count(Festival) == 1


def test_cinemalaya_2023_imports_as_published(app):
    slug = create_cinemalaya(app)
    result = import_file(app, slug, CINEMALAYA)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "films: 12 created, 0 updated; venues: 7 created, 0 updated; "
        "screenings: 215 created, 0 updated; warnings: 7; errors: 0"
    )
    # The rows whose weekday disagrees with the date are warnings, reported with their row.
    for row in (28, 29, 88, 89, 90, 91):
        assert f"warning: row {row}, column day:" in result.stderr
    assert "warning: row 199, column time:" in result.stderr
    with app.app_context():
        festival = festival_by_slug(slug)
        assert count(Film, Film.festival_id == festival.id) == 12
        assert count(Venue, Venue.festival_id == festival.id) == 7
        assert count(Screening, Screening.festival_id == festival.id) == 215
        galas = count(
            Screening, Screening.festival_id == festival.id, Screening.kind == ScreeningKind.GALA
        )
        assert galas == 12
        film = db.session.scalar(select(Film).where(Film.title == "Ang Duyan ng Magiting"))
        assert film.url == "https://cinemalaya.org/ang-duyan-ng-magiting/"
        first = film.screenings[0]
        # 6:15 PM in Manila (UTC+8) on 5 August.
        assert first.starts_at == datetime(2023, 8, 5, 10, 15, tzinfo=UTC)
        assert first.kind is ScreeningKind.GALA
        assert first.venue.name == "PICC – Cinema Rizal Meeting Room 1"
        names = set(db.session.scalars(select(Venue.name)))
        assert "Glorietta – Cinema 2" in names


def test_reimporting_the_same_file_creates_nothing(app):
    slug = create_cinemalaya(app)
    assert import_file(app, slug, CINEMALAYA).exit_code == 0
    with app.app_context():
        ids_before = set(db.session.scalars(select(Screening.id)))
    again = import_file(app, slug, CINEMALAYA)
    assert again.exit_code == 0
    assert SUMMARY.match(again.stdout).groups() == ("0", "0", "0", "0", "0", "0", "7", "0")
    with app.app_context():
        assert set(db.session.scalars(select(Screening.id))) == ids_before


def test_reimporting_with_one_screening_moved_updates_that_screening(app, tmp_path):
    slug = create_cinemalaya(app)
    assert import_file(app, slug, CINEMALAYA).exit_code == 0
    text = CINEMALAYA.read_text(encoding="utf-8")
    original = "Gitling,Aug 5,Saturday,9:00 PM,Cinema Felipe Meeting Room 4,PICC"
    assert original in text
    moved = tmp_path / "moved.csv"
    moved.write_text(text.replace(original, original.replace("9:00 PM", "9:30 PM")), "utf-8")
    with app.app_context():
        before = db.session.scalar(
            select(Screening)
            .join(Film)
            .where(
                Film.title == "Gitling",
                Screening.starts_at == datetime(2023, 8, 5, 13, 0, tzinfo=UTC),
            )
        )
        screening_id, sequence = before.id, before.sequence
    result = import_file(app, slug, moved)
    assert result.exit_code == 0, result.stderr
    assert SUMMARY.match(result.stdout).groups()[4:6] == ("0", "1")
    with app.app_context():
        after = db.session.get(Screening, screening_id)
        assert after.starts_at == datetime(2023, 8, 5, 13, 30, tzinfo=UTC)
        assert after.sequence == sequence + 1
        assert count(Screening) == 215


def test_dry_run_writes_nothing_and_errors_exit_non_zero(app, tmp_path):
    slug = create_cinemalaya(app)
    dry = import_file(app, slug, CINEMALAYA, "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.startswith("films: 12 created")
    with app.app_context():
        assert count(Screening) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Film,Date,Time,Venue\nMaria,Aug 5,6:15 PM,PICC\nRookie,Aug 40,25:70,PICC\n", "utf-8"
    )
    result = import_file(app, slug, bad)
    assert result.exit_code == 1
    assert result.stdout.strip().endswith("errors: 2")
    assert "row 3" in result.stderr
    with app.app_context():
        # All or nothing: the good row was not imported either.
        assert count(Screening) == 0
        assert count(Film) == 0


def test_unknown_festival_slug_is_an_error(app):
    result = import_file(app, "no-such-festival", CINEMALAYA)
    assert result.exit_code != 0
    assert "No festival with the slug 'no-such-festival'" in result.stderr


# --- The web: upload, preview, mapping, confirm --------------------------------------------


def upload(client, slug: str, data: bytes, filename: str = "programme.csv", **fields):
    page = f"/festivals/{slug}/import"
    payload = {"file": (io.BytesIO(data), filename), **fields}
    payload["csrf_token"] = client.csrf_token(page)
    return client.post(page, data=payload, content_type="multipart/form-data")


def confirm_from(client, preview_url: str):
    html = client.get(preview_url).get_data(as_text=True)
    start = html.index('<form method="post" class="card">')
    html = html[start : html.index("</form>", start)]  # the confirm form only
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', html).group(1)
    hidden = dict(
        re.findall(
            r'<input type="hidden" name="((?:col\d+|mapped|order|late))" value="([^"]*)"', html
        )
    )
    return client.post_form(
        preview_url.split("?")[0], {"fingerprint": fingerprint, **hidden}, page=preview_url
    )


def test_web_import_previews_then_writes_only_on_confirm(app, client, users, login):
    slug = create_cinemalaya(app)
    login("editor")
    response = upload(client, slug, CINEMALAYA.read_bytes(), "cinemalaya.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "12 new films" in page
    assert "7 new venues" in page
    assert "215 new screenings" in page
    assert "Row says Sunday but 7 August 2023 is a Monday" in page
    assert "0 errors, 7 warnings" in page
    with app.app_context():
        assert count(Screening) == 0, "the preview must not write"
    done = confirm_from(client, preview_url)
    assert done.status_code == 302
    festival_page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "215 screenings created" in festival_page
    with app.app_context():
        assert count(Screening) == 215
        assert count(ProgrammeUpload) == 0


def test_preview_lets_the_editor_change_the_mapping(app, client, users, login, programme):
    login("editor")
    data = b"Title,When,Starts,Cinema\nDune,2021-10-12,20:00,BFI Southbank NFT1\n"
    response = upload(client, programme["slug"], data)
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    # "When" is not a recognised date header: the preview says what is missing.
    assert "No column is marked as Date" in page
    assert '<button type="submit" class="primary">Import</button>' not in page
    mapped = f"{preview_url.split('?')[0]}?mapped=1&col0=title&col1=date&col2=time&col3=venue"
    page = client.get(mapped).get_data(as_text=True)
    assert "1 new film" in page
    assert "Dune" in page
    done = confirm_from(client, mapped)
    assert done.status_code == 302
    with app.app_context():
        dune = db.session.scalar(select(Film).where(Film.title == "Dune"))
        assert dune.screenings[0].starts_at == datetime(2021, 10, 12, 19, 0, tzinfo=UTC)


def test_ambiguous_numeric_dates_need_a_choice(app, client, users, login, programme):
    login("editor")
    data = b"Film,Date,Time,Venue\nDune,10/11/2021,20:00,BFI Southbank NFT1\n"
    preview_url = upload(client, programme["slug"], data).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "could be 10 November or 11 October" in page
    page = client.get(preview_url.split("?")[0] + "?order=month_first").get_data(as_text=True)
    assert "Mon 11 Oct 20:00 London time" in page


def test_confirm_is_refused_when_the_programme_changed_since_the_preview(
    app, client, users, login, programme
):
    login("editor")
    preview_url = upload(
        client, programme["slug"], b"Film,Date,Time,Venue\nDune,2021-10-12,20:00,NFT2\n"
    ).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', html).group(1)
    # Someone else adds the venue in between: the plan no longer matches the preview.
    client.post_form(
        f"/festivals/{programme['slug']}/venues", {"venue-name": "NFT2"}, page=preview_url
    )
    response = client.post_form(preview_url, {"fingerprint": fingerprint}, page=preview_url)
    assert response.status_code == 409
    assert "The programme changed since the preview" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Film).where(Film.title == "Dune")) is None


@pytest.mark.parametrize(
    "data,filename,message",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "poster.png", "not a CSV text file"),
        (b"Film,Date\n" + b"x" * (5 * 1024 * 1024 + 10), "huge.csv", "the limit is 5 MB"),
        (b"", "empty.csv", "empty"),
    ],
)
def test_unusable_files_are_refused_at_upload(
    app, client, users, login, programme, data, filename, message
):
    login("editor")
    response = upload(client, programme["slug"], data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(ProgrammeUpload) == 1  # only the fixture's upload


def test_windows_1252_and_bom_files_import(app, client, users, login, programme):
    login("editor")
    cp1252 = "Film,Date,Time,Venue\nCafé Lumière,2021-10-12,20:00,BFI Southbank NFT1\n"
    preview_url = upload(client, programme["slug"], cp1252.encode("cp1252")).headers["Location"]
    assert "Café Lumière" in client.get(preview_url).get_data(as_text=True)
    bom = "\ufeffFilm,Date,Time,Venue\nAmélie,2021-10-13,20:00,BFI Southbank NFT1\n"
    preview_url = upload(client, programme["slug"], bom.encode("utf-8")).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Amélie" in page
    assert "No column is marked" not in page


def test_writers_cannot_upload(app, client, users, login, programme):
    login("writer")
    response = upload(client, programme["slug"], b"Film,Date,Time,Venue\n")
    assert response.status_code == 403


def test_import_of_1600_rows_does_not_query_per_row(app, programme):
    lines = ["Film,Date,Time,Venue,Runtime"]
    for index in range(1600):
        day = 6 + index % 12
        lines.append(
            f"Film {index % 400},2021-10-{day:02d},{8 + index % 14}:{(index * 7) % 60:02d},"
            f"Screen {index % 12},{90 + index % 40}"
        )
    data = "\n".join(lines).encode()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event

    with app.app_context():
        festival = festival_by_slug(programme["slug"])
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            preview = importer.preview_import(festival, data)
            assert preview.can_apply, preview.parsed.errors[:3]
            importer.apply_plan(festival, preview.plan)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert count(Screening, Screening.festival_id == festival.id) == 1602
    # Inserts are batched (executemany / insertmanyvalues), never one statement per row.
    assert len(statements) < 60, len(statements)
