"""Programme import at its edges, through the database: the CLI and the web preview/confirm.

Re-imports of retyped names, a file mixing encodings, late shows listed under the evening's
date (a choice that must survive the confirm), far-off dates and control characters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals.models import Venue
from coverage.programme.models import Film, ProgrammeUpload, Screening
from tests.programme.test_import import (
    SUMMARY,
    confirm_from,
    count,
    create_cinemalaya,
    import_file,
    upload,
)

KEEPER = (
    "film,date,time,venue,runtime\nThe Keeper's Daughter,Aug 5,6:15 PM,PICC – Cinema Rizal,95\n"
)


def test_reimport_with_a_typographic_apostrophe_creates_no_second_film(app, tmp_path):
    slug = create_cinemalaya(app)
    first = tmp_path / "first.csv"
    first.write_text(KEEPER, "utf-8")
    assert import_file(app, slug, first).exit_code == 0
    retyped = tmp_path / "retyped.csv"
    retyped.write_text(KEEPER.replace("'", "’"), "utf-8")
    result = import_file(app, slug, retyped)
    assert result.exit_code == 0, result.stderr
    assert SUMMARY.match(result.stdout).groups()[:6] == ("0",) * 6
    with app.app_context():
        assert list(db.session.scalars(select(Film.title))) == ["The Keeper's Daughter"]
        assert count(Screening) == 1


def test_reimport_with_other_retypings_matches_films_and_venues(app, tmp_path):
    slug = create_cinemalaya(app)
    first = tmp_path / "first.csv"
    first.write_text(
        KEEPER + "Amélie – Director’s Cut,Aug 6,8:00 PM,Glorietta - Cinema 2,120\n", "utf-8"
    )
    assert import_file(app, slug, first).exit_code == 0
    retyped = tmp_path / "retyped.csv"
    retyped.write_text(
        "film,date,time,venue,runtime\n"
        # Decomposed é, a hyphen for the en dash, a straight apostrophe, extra spaces, capitals.
        "The  KEEPER'S Daughter,Aug 5,6:15 PM,PICC - Cinema  Rizal,95\n"
        "Ame\u0301lie - Director's Cut,Aug 6,8:00 PM,Glorietta – Cinema 2,120\n",
        "utf-8",
    )
    result = import_file(app, slug, retyped)
    assert result.exit_code == 0, result.stderr
    assert SUMMARY.match(result.stdout).groups()[:6] == ("0",) * 6
    with app.app_context():
        assert count(Film) == 2 and count(Venue) == 2 and count(Screening) == 2
    # Accents are letters: "Amelie" is not merged, but the editor is told it looks the same.
    lookalike = tmp_path / "lookalike.csv"
    lookalike.write_text(
        "film,date,time,venue\nAmelie – Director's Cut,Aug 7,8:00 PM,Glorietta – Cinema 2\n",
        "utf-8",
    )
    result = import_file(app, slug, lookalike, "--dry-run")
    assert result.stdout.startswith("films: 1 created")
    assert (
        "note: Row 2: 'Amelie – Director's Cut' looks like the existing film "
        "'Amélie – Director’s Cut'" in result.stderr
    )


MIXED = (
    b"Film,Date,Time,Venue\n"
    + "Amélie,2021-10-12,20:00,Salle Éluard\n".encode()
    + "Amélie,2021-10-13,20:00,Salle Éluard\n".encode("cp1252")
    + "Amélie,2021-10-14,20:00,Salle Éluard\n".encode()
)


def test_a_row_pasted_from_windows_1252_makes_no_garbled_film_or_venue(
    app, client, users, login, programme
):
    login("editor")
    preview_url = upload(client, programme["slug"], MIXED).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "This row is in Windows-1252, unlike the rest of the file (UTF-8)" in page
    assert "Ã" not in page
    assert "1 new film" in page and "1 new venue" in page
    assert confirm_from(client, preview_url).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Film.title).where(Film.title.like("Am%"))) == "Amélie"
        assert "Salle Éluard" in set(db.session.scalars(select(Venue.name)))
        assert not any("Ã" in name for name in db.session.scalars(select(Venue.name)))


def test_garbled_text_in_a_utf8_file_is_refused_naming_the_row(app, tmp_path):
    slug = create_cinemalaya(app)
    garbled = tmp_path / "garbled.csv"
    garbled.write_text(
        "film,date,time,venue\nMaria,Aug 5,6:15 PM,PICC\nAmÃ©lie,Aug 5,9:00 PM,PICC\n", "utf-8"
    )
    result = import_file(app, slug, garbled)
    assert result.exit_code == 1
    assert "error: row 3, column film: 'AmÃ©lie' is garbled" in result.stderr
    assert "it probably reads 'Amélie'" in result.stderr
    with app.app_context():
        assert count(Film) == 0


# --- Late shows listed under the evening's date --------------------------------------------------

# Friday 8 October 2021 of the London test festival (BST, UTC+1).
LATE_SHOW = (
    b"Film,Date,Time,Venue\nNight of the Living Dead,Friday 8 Oct,00:30,BFI Southbank NFT1\n"
)
FRIDAY_0030 = datetime(2021, 10, 7, 23, 30, tzinfo=UTC)
SATURDAY_0030 = datetime(2021, 10, 8, 23, 30, tzinfo=UTC)


def late_show_start(app):
    with app.app_context():
        return db.session.scalar(
            select(Screening.starts_at).join(Film).where(Film.title == "Night of the Living Dead")
        )


def test_preview_offers_the_late_shows_reading_and_confirm_keeps_it(
    app, client, users, login, programme
):
    login("editor")
    preview_url = upload(client, programme["slug"], LATE_SHOW).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Starts at 00:30 on Friday 8 October, after midnight" in page
    assert "Fri 8 Oct 00:30" in page
    link = re.search(r'<a href="([^"]+)">Read them as the next morning</a>', page).group(1)
    late_url = link.replace("&amp;", "&")
    page = client.get(late_url).get_data(as_text=True)
    assert "read as a late show, Saturday 9 October at 00:30" in page
    assert "Sat 9 Oct 00:30" in page
    assert '<input type="hidden" name="late" value="1">' in page
    assert confirm_from(client, late_url).status_code == 302
    assert late_show_start(app) == SATURDAY_0030


def test_the_late_shows_choice_from_the_upload_form_survives_the_confirm(
    app, client, users, login, programme
):
    login("editor")
    response = upload(client, programme["slug"], LATE_SHOW, late_shows="y")
    preview_url = response.headers["Location"]
    assert "late=1" in preview_url
    html = client.get(preview_url).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', html).group(1)
    # A confirm that lost the choice plans other times: refused, nothing written.
    lost = client.post_form(
        preview_url.split("?")[0], {"fingerprint": fingerprint}, page=preview_url
    )
    assert lost.status_code == 409
    assert late_show_start(app) is None
    assert confirm_from(client, preview_url).status_code == 302
    assert late_show_start(app) == SATURDAY_0030
    with app.app_context():
        assert count(ProgrammeUpload) == 1  # only the fixture's


def test_cli_late_shows_option(app, programme, tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(LATE_SHOW)
    plain = import_file(app, programme["slug"], path, "--dry-run")
    assert plain.exit_code == 0
    assert "warning: row 2, column Time: Starts at 00:30 on Friday 8 October" in plain.stderr
    assert "--late-shows-on-evening-date" in plain.stderr
    result = import_file(app, programme["slug"], path, "--late-shows-on-evening-date")
    assert result.exit_code == 0, result.stderr
    assert late_show_start(app) == SATURDAY_0030


def test_24_30_style_times_are_stored_as_the_next_morning(app, programme, tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(LATE_SHOW.replace(b"00:30", b"24:30"))
    result = import_file(app, programme["slug"], path)
    assert result.exit_code == 0, result.stderr
    assert late_show_start(app) == SATURDAY_0030
    path.write_bytes(LATE_SHOW.replace(b"Friday 8 Oct,00:30", b"Saturday 9 Oct,00:30"))
    # The same screening, written the other way: nothing new.
    again = import_file(app, programme["slug"], path)
    assert SUMMARY.match(again.stdout).groups()[:6] == ("0",) * 6


# --- Where values enter: dates, control characters, sep= ---------------------------------------


def test_a_date_in_year_1_or_9999_stores_nothing(app, programme, tmp_path):
    path = tmp_path / "years.csv"
    path.write_text(
        "Film,Date,Time,Venue\nMaria,2021-10-12,20:00,NFT1\n"
        "Rookie,0001-10-12,20:00,NFT1\nDune,9999-12-31,23:30,NFT1\n",
        "utf-8",
    )
    result = import_file(app, programme["slug"], path)
    assert result.exit_code == 1
    assert "error: row 3, column Date: 12 October 1 is too far from the festival" in result.stderr
    assert "error: row 4, column Date: 31 December 9999 is too far" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(Film).where(Film.title == "Maria")) is None


def test_control_characters_never_reach_the_database(app, programme, tmp_path):
    path = tmp_path / "controls.csv"
    path.write_bytes(
        b'Film,Date,Time,Venue,Synopsis\n"The Keeper\'s\nDaughter",2021-10-12,20:00,'
        b'"Curzon\x0bSoho","One.\nTwo.\x0c"\n'
    )
    result = import_file(app, programme["slug"], path)
    assert result.exit_code == 0, result.stderr
    assert "warning: row 2, column Film: The film title had a line break" in result.stderr
    with app.app_context():
        film = db.session.scalar(select(Film).where(Film.title.like("The Keeper%")))
        assert film.title == "The Keeper's Daughter"
        assert film.synopsis == "One.\nTwo."
        assert film.screenings[0].venue.name == "Curzon Soho"
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"Film,Date,Time,Venue\nMa\x00ria,2021-10-12,20:00,NFT1\n")
    refused = import_file(app, programme["slug"], nul)
    assert refused.exit_code != 0
    assert "not a CSV text file" in refused.stderr
    with app.app_context():
        assert db.session.scalar(select(Film).where(Film.title.like("Ma%ria"))) is None


def test_a_sep_line_file_imports(app, programme, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbfsep=;\r\nFilm;Date;Time;Venue\r\n"
        b"Maria, Full of Grace;13/10/2021;20:00;NFT1\r\n"
    )
    result = import_file(app, programme["slug"], path)
    assert result.exit_code == 0, result.stderr
    with app.app_context():
        assert db.session.scalar(select(Film).where(Film.title == "Maria, Full of Grace"))
