"""Programme import from CSV: decoding, column mapping, cell parsing and the problems reported."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from coverage.errors import InvalidInput
from coverage.programme.importing import (
    MAX_UPLOAD_BYTES,
    REQUIRED_FIELDS,
    DateOrder,
    Field,
    ImportOptions,
    ImportRefused,
    ParsedFile,
    Problem,
    Severity,
    decode,
    guess_mapping,
    normalise_header,
    parse_date,
    parse_kind,
    parse_programme,
    parse_runtime,
    parse_time,
    parse_yes_no,
)
from coverage.programme.kinds import PremiereStatus, ScreeningKind

CINEMALAYA = (
    # Cinemalaya's 2023 programme, byte for byte, as published (also data/samples/, for the README).
    Path(__file__).resolve().parents[1] / "data" / "cinemalaya-2023-schedule.csv"
)
MANILA = ImportOptions(
    timezone="Asia/Manila",
    year=2023,
    festival_start=date(2023, 8, 4),
    festival_end=date(2023, 8, 13),
)
LONDON = ImportOptions(timezone="Europe/London", year=2021)
HEADER = "film,date,time,venue"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def parse(*lines: str, options: ImportOptions = MANILA) -> ParsedFile:
    return parse_programme(csv_bytes(*lines), options)


def messages(parsed: ParsedFile, severity: Severity | None = None) -> list[str]:
    return [p.message for p in parsed.problems if severity is None or p.severity is severity]


def only_problem(parsed: ParsedFile) -> Problem:
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


# --- The real Cinemalaya 2023 file -------------------------------------------------------------


@pytest.fixture(scope="module")
def cinemalaya() -> ParsedFile:
    return parse_programme(CINEMALAYA.read_bytes(), MANILA)


def test_cinemalaya_parses_without_errors(cinemalaya: ParsedFile) -> None:
    assert cinemalaya.ok
    assert cinemalaya.encoding == "utf-8"
    assert cinemalaya.row_count == 215
    assert len(cinemalaya.rows) == 215


def test_cinemalaya_has_twelve_films_seven_venues_and_twelve_galas(cinemalaya: ParsedFile) -> None:
    assert len({row.title for row in cinemalaya.rows}) == 12
    assert len({row.venue for row in cinemalaya.rows}) == 7
    assert sum(row.kind is ScreeningKind.GALA for row in cinemalaya.rows) == 12


def test_cinemalaya_header_is_mapped_by_guess(cinemalaya: ParsedFile) -> None:
    named = {cinemalaya.headers[index]: field for index, field in cinemalaya.mapping.items()}
    assert named == {
        "film": Field.TITLE,
        "date": Field.DATE,
        "day": Field.WEEKDAY,
        "time": Field.TIME,
        "specific_location": Field.SCREEN,
        "location": Field.VENUE,
        "gala_premiere": Field.GALA,
        "url": Field.URL,
    }


def test_cinemalaya_first_row(cinemalaya: ParsedFile) -> None:
    first = cinemalaya.rows[0]
    assert first.row == 2
    assert first.title == "Ang Duyan ng Magiting"
    assert first.starts_at == datetime(2023, 8, 5, 10, 15, tzinfo=UTC)
    assert first.ends_at is None
    assert first.kind is ScreeningKind.GALA
    assert first.venue == "PICC – Cinema Rizal Meeting Room 1"
    assert first.url == "https://cinemalaya.org/ang-duyan-ng-magiting/"


def test_cinemalaya_blank_url_cells_are_empty(cinemalaya: ParsedFile) -> None:
    assert all(row.url == row.url.strip() for row in cinemalaya.rows)
    assert any(row.url == "" for row in cinemalaya.rows)


def test_cinemalaya_warnings_are_the_wrong_weekdays_and_the_early_start(
    cinemalaya: ParsedFile,
) -> None:
    weekday_rows = [p.row for p in cinemalaya.warnings if p.column == "day"]
    assert weekday_rows == [28, 29, 88, 89, 90, 91]
    early = [p for p in cinemalaya.warnings if p.column == "time"]
    assert [p.row for p in early] == [199]
    assert early[0].message == "Starts at 03:30 – an unusual hour; check it is not a PM screening."
    assert len(cinemalaya.warnings) == 7


def test_cinemalaya_weekday_warning_wording(cinemalaya: ParsedFile) -> None:
    row_28 = next(p for p in cinemalaya.problems if p.row == 28)
    assert row_28.message == "Row says Sunday but 7 August 2023 is a Monday; the date was used."
    assert row_28.severity is Severity.WARNING


def test_cinemalaya_in_cp1252_with_an_accented_title() -> None:
    text = CINEMALAYA.read_text(encoding="utf-8").replace("Maria,", "Café Lumière,")
    parsed = parse_programme(text.encode("cp1252"), MANILA)
    assert parsed.encoding == "cp1252"
    assert parsed.ok
    assert "Café Lumière" in {row.title for row in parsed.rows}


def test_cinemalaya_with_a_byte_order_mark() -> None:
    parsed = parse_programme(b"\xef\xbb\xbf" + CINEMALAYA.read_bytes(), MANILA)
    assert parsed.encoding == "utf-8-sig"
    assert parsed.headers[0] == "film"
    assert parsed.ok and len(parsed.rows) == 215


def test_cinemalaya_with_windows_line_endings() -> None:
    data = CINEMALAYA.read_bytes().replace(b"\n", b"\r\n")
    parsed = parse_programme(data, MANILA)
    assert parsed.ok and len(parsed.rows) == 215


def test_a_large_programme_parses_fast() -> None:
    lines = CINEMALAYA.read_text(encoding="utf-8").splitlines()
    # Eight copies: 1,720 rows, the last seven copies reported as duplicates of the first.
    data = "\n".join([lines[0], *lines[1:] * 8]).encode()
    started = clock.perf_counter()
    parsed = parse_programme(data, MANILA)
    assert clock.perf_counter() - started < 1.0
    assert parsed.row_count == 1720
    assert len(parsed.rows) == 215


# --- Decoding ----------------------------------------------------------------------------------


def test_decode_plain_utf8() -> None:
    assert decode("film\nÉté\n".encode()) == ("film\nÉté\n", "utf-8")


def test_decode_normalises_line_endings() -> None:
    assert decode(b"a,b\r\n1,2\r3,4\n")[0] == "a,b\n1,2\n3,4\n"


def test_decode_falls_back_to_windows_1252() -> None:
    assert decode("Café".encode("cp1252")) == ("Café", "cp1252")


def test_empty_file_is_refused() -> None:
    with pytest.raises(ImportRefused, match="empty"):
        decode(b"")


def test_whitespace_only_file_is_refused() -> None:
    with pytest.raises(ImportRefused, match="empty"):
        decode(b"  \r\n\n")


def test_file_over_the_limit_is_refused_with_its_size() -> None:
    data = b"a" * int(6.2 * 1024 * 1024)
    with pytest.raises(ImportRefused) as refused:
        decode(data)
    assert refused.value.message == "The file is 6.2 MB; the limit is 5 MB."


def test_file_exactly_at_the_limit_is_accepted() -> None:
    text, _ = decode(b"a" * MAX_UPLOAD_BYTES)
    assert len(text) == MAX_UPLOAD_BYTES


def test_refusal_is_invalid_input() -> None:
    assert issubclass(ImportRefused, InvalidInput)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"film,date\x00,time\n",
        b"film,date\x01\x02\x03\n",
    ],
    ids=["png", "xlsx", "pdf", "nul", "control"],
)
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(ImportRefused) as refused:
        decode(data)
    assert refused.value.message == (
        "This file is not a CSV text file. "
        "Save the spreadsheet as CSV (comma-separated) and upload that."
    )


def test_parse_programme_refuses_a_png() -> None:
    with pytest.raises(ImportRefused, match="not a CSV"):
        parse_programme(b"\x89PNG\r\n\x1a\n" + bytes(range(256)), MANILA)


def test_unknown_timezone_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        parse_programme(csv_bytes(HEADER), ImportOptions(timezone="Mars/Olympus", year=2023))


# --- Delimiters ----------------------------------------------------------------------------------


def test_semicolon_delimited_file() -> None:
    parsed = parse("film;date;time;venue", "Maria;Aug 5;6:15 PM;PICC")
    assert parsed.delimiter == ";"
    assert parsed.ok
    assert parsed.rows[0].venue == "PICC"


def test_semicolon_delimited_cinemalaya() -> None:
    text = CINEMALAYA.read_text(encoding="utf-8").replace(",", ";")
    parsed = parse_programme(text.encode(), MANILA)
    assert parsed.ok and len(parsed.rows) == 215


def test_tab_delimited_file() -> None:
    parsed = parse("film\tdate\ttime\tvenue", "Maria, the film\tAug 5\t18:15\tPICC")
    assert parsed.delimiter == "\t"
    assert parsed.rows[0].title == "Maria, the film"


def test_commas_inside_quotes_do_not_split_cells() -> None:
    parsed = parse(HEADER, '"Maria, Full of Grace",Aug 5,18:15,"PICC, Manila"')
    assert parsed.rows[0].title == "Maria, Full of Grace"
    assert parsed.rows[0].venue == "PICC, Manila"


# --- Headers and mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("Specific_Location", "specific location"),
        (" Start Time ", "start time"),
        ("Film-Title", "film title"),
        ("Gala/Premiere", "gala premiere"),
        ("Runtime (mins)", "runtime mins"),
    ],
)
def test_normalise_header(header: str, normalised: str) -> None:
    assert normalise_header(header) == normalised


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Specific_Location", Field.SCREEN),
        (" Start Time ", Field.TIME),
        ("Film-Title", Field.TITLE),
        ("MOVIE", Field.TITLE),
        ("Original Title", Field.ORIGINAL_TITLE),
        ("Show date", Field.DATE),
        ("Day of week", Field.WEEKDAY),
        ("Showtime", Field.TIME),
        ("End time", Field.END_TIME),
        ("Theatre", Field.VENUE),
        ("Auditorium", Field.SCREEN),
        ("Screening type", Field.KIND),
        ("Red carpet", Field.GALA),
        ("Running time", Field.RUNTIME),
        ("Runtime (minutes)", Field.RUNTIME),
        ("Directed by", Field.DIRECTORS),
        ("Strand", Field.SECTION),
        ("Country", Field.COUNTRIES),
        ("Year", Field.YEAR),
        ("Premiere status", Field.PREMIERE_STATUS),
        ("Film URL", Field.URL),
        ("Comments", Field.NOTES),
        ("Logline", Field.SYNOPSIS),
        ("Date (dd/mm/yyyy)", Field.DATE),
    ],
)
def test_guess_mapping_recognises_aliases(header: str, field: Field) -> None:
    assert guess_mapping([header]) == {0: field}


def test_guess_mapping_leaves_unknown_headers_unmapped() -> None:
    assert guess_mapping(["Popcorn", "", "film"]) == {2: Field.TITLE}


def test_guess_mapping_maps_each_field_once_first_column_wins() -> None:
    assert guess_mapping(["Film", "Title", "Date", "Show date"]) == {0: Field.TITLE, 2: Field.DATE}


def test_field_labels() -> None:
    assert Field.TIME.label == "Start time"
    assert Field.SCREEN.label == "Screen / room"
    assert Field.GALA.label == "Gala / premiere (yes/no or a premiere)"
    assert all(field.label for field in Field)
    assert REQUIRED_FIELDS == (Field.TITLE, Field.DATE, Field.TIME)


def test_explicit_mapping_replaces_the_guess() -> None:
    # The guess would take "location" as the venue; the editor chose "hall" instead.
    data = csv_bytes("what,when,at,location,hall", "Maria,Aug 5,18:15,Nowhere,Cinema Rizal")
    mapping = {0: Field.TITLE, 1: Field.DATE, 2: Field.TIME, 4: Field.VENUE}
    parsed = parse_programme(data, MANILA, mapping)
    assert parsed.ok, parsed.problems
    assert parsed.mapping == mapping
    assert parsed.rows[0].venue == "Cinema Rizal"


def test_missing_required_mapping_is_one_file_error_and_no_rows() -> None:
    data = csv_bytes("film,date,location", "Maria,Aug 5,PICC")
    parsed = parse_programme(data, MANILA)
    problem = only_problem(parsed)
    assert problem.row is None and problem.column is None
    assert problem.severity is Severity.ERROR
    assert problem.message == "No column is marked as Start time. Choose one in the mapping."
    assert parsed.rows == []
    assert parsed.row_count == 1


def test_missing_venue_and_screen_mapping_is_an_error() -> None:
    parsed = parse("film,date,time", "Maria,Aug 5,18:15")
    assert messages(parsed) == [
        "No column is marked as Venue (or Screen / room). Choose one in the mapping."
    ]


def test_several_missing_fields_are_named_in_one_error() -> None:
    data = csv_bytes(HEADER, "Maria,Aug 5,18:15,PICC")
    parsed = parse_programme(data, MANILA, {0: Field.TITLE})
    assert messages(parsed) == [
        "No column is marked as Date, Start time and Venue (or Screen / room). "
        "Choose them in the mapping."
    ]


def test_mapping_beyond_the_header_is_an_error() -> None:
    data = csv_bytes(HEADER, "Maria,Aug 5,18:15,PICC")
    mapping = {0: Field.TITLE, 1: Field.DATE, 2: Field.TIME, 3: Field.VENUE, 9: Field.NOTES}
    parsed = parse_programme(data, MANILA, mapping)
    assert messages(parsed) == [
        "The mapping marks column 10 as Notes, but the file has only 4 columns."
    ]
    assert parsed.rows == []


def test_same_field_on_two_columns_is_an_error_naming_both() -> None:
    data = csv_bytes("film,date,time,venue,hall", "Maria,Aug 5,18:15,PICC,Rizal")
    mapping = {0: Field.TITLE, 1: Field.DATE, 2: Field.TIME, 3: Field.VENUE, 4: Field.VENUE}
    parsed = parse_programme(data, MANILA, mapping)
    assert messages(parsed) == ["Columns 'venue' and 'hall' are all marked as Venue; choose one."]


def test_screen_alone_is_enough_for_a_venue() -> None:
    parsed = parse("film,date,time,screen", "Maria,Aug 5,18:15,Cinema 1")
    assert parsed.ok
    assert parsed.rows[0].venue == "Cinema 1"


# --- Rows ---------------------------------------------------------------------------------------


def test_header_without_rows_is_a_file_error() -> None:
    parsed = parse(HEADER, ",,,", "")
    assert parsed.row_count == 0
    assert messages(parsed) == ["The file has a header but no screenings."]
    assert not parsed.ok


def test_blank_rows_are_skipped_but_keep_spreadsheet_numbering() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,18:15,PICC", ",,,", "   ,  ,,", "Rookie,Aug 5,25:70,PICC")
    assert parsed.row_count == 2
    problem = only_problem(parsed)
    assert problem.row == 5
    assert problem.column == "time"


def test_short_rows_have_empty_missing_cells() -> None:
    parsed = parse("film,date,time,location,notes", "Maria,Aug 5,18:15,PICC")
    assert parsed.ok
    assert parsed.rows[0].notes == ""


def test_extra_cells_with_content_give_a_warning() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,18:15,PICC,surprise")
    assert parsed.ok
    assert only_problem(parsed).severity is Severity.WARNING


def test_empty_title_is_a_row_error() -> None:
    parsed = parse(HEADER, " ,Aug 5,18:15,PICC", "Maria,Aug 5,18:15,PICC")
    problem = parsed.errors[0]
    assert (problem.row, problem.column, problem.message) == (2, "film", "The film title is empty.")
    assert [row.row for row in parsed.rows] == [3]


def test_a_row_with_errors_is_left_out_and_the_others_still_parse() -> None:
    parsed = parse(HEADER, "Maria,Aug 35,18:15,PICC", "Rookie,Aug 6,18:15,PICC")
    assert [row.title for row in parsed.rows] == ["Rookie"]
    assert not parsed.ok
    assert parsed.errors[0].column == "date"


def test_problems_are_ordered_by_row() -> None:
    parsed = parse(
        HEADER,
        "A,Aug 5,3:00,PICC",
        "B,Aug 5,nope,PICC",
        "C,Sep 1,18:00,PICC",
    )
    assert [p.row for p in parsed.problems] == [2, 3, 4]


def test_whitespace_is_stripped_from_cells() -> None:
    parsed = parse("film,date,time,venue,url", "  Maria  , Aug 5 , 18:15 ,  PICC , https://x.org/ ")
    row = parsed.rows[0]
    assert (row.title, row.venue, row.url) == ("Maria", "PICC", "https://x.org/")


def test_quoted_cell_spanning_lines_counts_as_one_spreadsheet_row() -> None:
    parsed = parse("film,date,time,venue,notes", 'A,Aug 5,18:15,PICC,"one\ntwo"', "B,Aug 5,xx,PICC")
    assert parsed.rows[0].notes == "one\ntwo"
    assert parsed.errors[0].row == 3


def test_over_long_title_is_a_row_error() -> None:
    parsed = parse(HEADER, f"{'x' * 301},Aug 5,18:15,PICC")
    assert messages(parsed) == ["The film title is longer than 300 characters."]


def test_exact_duplicates_are_imported_once_with_a_warning() -> None:
    parsed = parse(
        HEADER,
        "Maria,Aug 5,18:15,PICC",
        "Rookie,Aug 5,18:15,PICC",
        "MARIA,5 August,6:15 PM,PICC",
    )
    assert [row.row for row in parsed.rows] == [2, 3]
    problem = only_problem(parsed)
    assert problem.row == 4
    assert problem.severity is Severity.WARNING
    assert problem.message == "Same film, venue and start as row 2; imported once."


def test_same_film_at_another_venue_is_not_a_duplicate() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,18:15,PICC", "Maria,Aug 5,18:15,Trinoma")
    assert len(parsed.rows) == 2 and parsed.problems == []


# --- Venue ----------------------------------------------------------------------------------------


def test_venue_and_screen_are_joined_with_an_en_dash() -> None:
    parsed = parse("film,date,time,venue,screen", "Maria,Aug 5,18:15,PICC,Cinema Rizal")
    assert parsed.rows[0].venue == "PICC – Cinema Rizal"


def test_venue_only_or_screen_only() -> None:
    parsed = parse(
        "film,date,time,venue,screen",
        "Maria,Aug 5,18:15,PICC,",
        "Maria,Aug 6,18:15,,Cinema Rizal",
    )
    assert [row.venue for row in parsed.rows] == ["PICC", "Cinema Rizal"]


def test_venue_and_screen_both_empty_is_a_row_error() -> None:
    parsed = parse("film,date,time,venue,screen", "Maria,Aug 5,18:15, , ")
    problem = only_problem(parsed)
    assert (problem.column, problem.message) == ("venue", "The venue is empty.")
    assert parsed.rows == []


# --- Dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Aug 5",
        "August 5",
        "aug 5",
        "AUGUST 5",
        "5 Aug",
        "5 August",
        "5 Aug 2023",
        "Aug 5, 2023",
        "Sat 5 Aug",
        "Saturday, August 5, 2023",
        "Saturday 5th August",
        "5-Aug-23",
        "2023-08-05",
        "05/08/2023",
        "5/8/23",
        "05.08.2023",
        "05-08-2023",
    ],
)
def test_parse_date_forms(text: str) -> None:
    assert parse_date(text, year=2023, order=DateOrder.DAY_FIRST) == date(2023, 8, 5)


def test_parse_date_sept() -> None:
    assert parse_date("Sept 7", year=2023, order=None) == date(2023, 9, 7)


def test_parse_date_uses_the_festival_year_when_none_is_written() -> None:
    assert parse_date("Aug 5", year=2031, order=None) == date(2031, 8, 5)
    assert parse_date("05/08", year=2031, order=DateOrder.DAY_FIRST) == date(2031, 8, 5)


def test_numeric_date_with_a_part_over_twelve_needs_no_order() -> None:
    assert parse_date("25/08/2023", year=2023, order=None) == date(2023, 8, 25)
    assert parse_date("08/25/2023", year=2023, order=None) == date(2023, 8, 25)
    # The obvious reading wins even against the chosen order.
    assert parse_date("08/25/2023", year=2023, order=DateOrder.DAY_FIRST) == date(2023, 8, 25)


def test_numeric_date_with_equal_parts_needs_no_order() -> None:
    assert parse_date("07/07/2023", year=2023, order=None) == date(2023, 7, 7)


def test_ambiguous_numeric_date_is_refused_without_an_order() -> None:
    with pytest.raises(ValueError) as refused:
        parse_date("05/08/2023", year=2023, order=None)
    assert str(refused.value) == (
        "The date '05/08/2023' could be 5 August or 8 May: choose day-first or month-first."
    )


def test_ambiguous_numeric_date_follows_the_chosen_order() -> None:
    assert parse_date("05/08/2023", year=2023, order=DateOrder.DAY_FIRST) == date(2023, 8, 5)
    assert parse_date("05/08/2023", year=2023, order=DateOrder.MONTH_FIRST) == date(2023, 5, 8)


def test_ambiguous_date_in_a_file_is_a_row_error_until_an_order_is_given() -> None:
    lines = (HEADER, "Maria,05/08/2023,18:15,PICC")
    parsed = parse(*lines)
    assert only_problem(parsed).message.startswith("The date '05/08/2023' could be 5 August")
    assert only_problem(parsed).column == "date"
    ordered = ImportOptions(timezone="Asia/Manila", year=2023, date_order=DateOrder.MONTH_FIRST)
    parsed = parse(*lines, options=ordered)
    assert parsed.rows[0].starts_at == datetime(2023, 5, 8, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize("text", ["Aug 32", "31/02/2023", "2023-13-01", "13/13/2023"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        parse_date(text, year=2023, order=DateOrder.DAY_FIRST)


@pytest.mark.parametrize("text", ["tomorrow", "Smarch 5", "5", "Aug", "2023/08"])
def test_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=f"Cannot read the date '{text}'"):
        parse_date(text, year=2023, order=None)


def test_empty_date_is_a_row_error() -> None:
    parsed = parse(HEADER, "Maria,,18:15,PICC")
    assert (only_problem(parsed).column, only_problem(parsed).message) == (
        "date",
        "The date is empty.",
    )


def test_weekday_in_the_date_that_disagrees_is_a_warning() -> None:
    parsed = parse(HEADER, "Maria,Sun 7 Aug,18:15,PICC")
    problem = only_problem(parsed)
    assert problem.severity is Severity.WARNING
    assert problem.column == "date"
    assert problem.message == "Row says Sunday but 7 August 2023 is a Monday; the date was used."
    assert parsed.rows[0].starts_at.date() == date(2023, 8, 7)


def test_weekday_in_the_date_that_agrees_is_silent() -> None:
    assert parse(HEADER, "Maria,Monday 7 August 2023,18:15,PICC").problems == []


# --- Weekday column -------------------------------------------------------------------------------


def test_weekday_column_that_disagrees_is_a_warning_and_the_row_is_imported() -> None:
    parsed = parse("film,date,day,time,venue", "Maria,Aug 7,Sunday,18:15,PICC")
    problem = only_problem(parsed)
    assert (problem.row, problem.column, problem.severity) == (2, "day", Severity.WARNING)
    assert problem.message == "Row says Sunday but 7 August 2023 is a Monday; the date was used."
    assert len(parsed.rows) == 1


def test_weekday_column_accepts_short_names() -> None:
    parsed = parse("film,date,day,time,venue", "Maria,Aug 7,mon.,18:15,PICC")
    assert parsed.problems == []


def test_unreadable_weekday_is_a_warning() -> None:
    parsed = parse("film,date,day,time,venue", "Maria,Aug 7,Sundy,18:15,PICC")
    problem = only_problem(parsed)
    assert problem.severity is Severity.WARNING
    assert problem.message == "Cannot read the day of week 'Sundy'; the date was used."
    assert len(parsed.rows) == 1


# --- Festival dates -------------------------------------------------------------------------------


def test_date_outside_the_festival_is_a_warning() -> None:
    parsed = parse(HEADER, "Maria,7 Sep,18:15,PICC")
    problem = only_problem(parsed)
    assert problem.severity is Severity.WARNING
    assert problem.message == (
        "7 September 2023 is outside the festival's dates (4–13 August 2023)."
    )
    assert len(parsed.rows) == 1


def test_festival_edges_are_inside() -> None:
    assert parse(HEADER, "A,Aug 4,18:15,PICC", "B,Aug 13,18:15,PICC").problems == []


def test_festival_spanning_months_is_written_in_full() -> None:
    options = ImportOptions(
        timezone="Asia/Manila",
        year=2023,
        festival_start=date(2023, 7, 28),
        festival_end=date(2023, 8, 6),
    )
    parsed = parse(HEADER, "Maria,Aug 9,18:15,PICC", options=options)
    assert messages(parsed) == [
        "9 August 2023 is outside the festival's dates (28 July – 6 August 2023)."
    ]


# --- Times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6:15 PM", time(18, 15)),
        ("6:15pm", time(18, 15)),
        ("6 PM", time(18, 0)),
        ("6pm", time(18, 0)),
        ("6.15 p.m.", time(18, 15)),
        ("12:30 PM", time(12, 30)),
        ("12:30 AM", time(0, 30)),
        ("18:15", time(18, 15)),
        ("18.15", time(18, 15)),
        ("18h15", time(18, 15)),
        ("18:15:00", time(18, 15)),
        ("0:00", time(0, 0)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_parse_time_forms(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:70", "1815", "18", "24:00", "13 PM", "0 AM", "evening", ""])
def test_unreadable_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=f"Cannot read the time '{text}'"):
        parse_time(text)


def test_bad_time_in_a_file_names_the_value_and_column() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,25:70,PICC")
    problem = only_problem(parsed)
    assert (problem.row, problem.column, problem.severity) == (2, "time", Severity.ERROR)
    assert "'25:70'" in problem.message
    assert parsed.rows == []


def test_empty_start_time_is_a_row_error() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,,PICC")
    assert messages(parsed) == ["The start time is empty."]


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("23:59", False),
        ("0:00", True),
        ("00:30", True),
        ("1:59", True),
        ("2:00", True),
        ("5:59", True),
        ("6:00", False),
    ],
)
def test_early_morning_start_is_a_warning(text: str, warned: bool) -> None:
    parsed = parse(HEADER, f"Maria,Aug 5,{text},PICC")
    assert len(parsed.rows) == 1
    assert bool(parsed.warnings) is warned


def test_start_is_converted_from_festival_time_to_utc() -> None:
    parsed = parse(HEADER, "Maria,Aug 5,6:15 PM,PICC")
    assert parsed.rows[0].starts_at == datetime(2023, 8, 5, 10, 15, tzinfo=UTC)
    assert parsed.rows[0].starts_at.tzinfo is UTC


# --- Daylight saving time (Europe/London 2021) ----------------------------------------------------


def test_time_skipped_by_the_clocks_going_forward_is_an_error() -> None:
    parsed = parse(HEADER, "Maria,2021-03-28,01:30,Barbican", options=LONDON)
    # Besides the after-midnight warning every start before 06:00 gets.
    [problem] = parsed.errors
    assert problem.severity is Severity.ERROR
    assert problem.column == "time"
    assert "does not exist in Europe/London" in problem.message
    assert parsed.rows == []


def test_time_repeated_by_the_clocks_going_back_is_an_error() -> None:
    parsed = parse(HEADER, "Maria,2021-10-31,01:30,Barbican", options=LONDON)
    # Besides the after-midnight warning every start before 06:00 gets.
    [problem] = parsed.errors
    assert problem.severity is Severity.ERROR
    assert "happens twice in Europe/London" in problem.message


def test_times_either_side_of_the_dst_changes_convert() -> None:
    parsed = parse(
        HEADER,
        "A,2021-03-28,00:30,Barbican",
        "B,2021-03-28,02:30,Barbican",
        "C,2021-10-31,00:30,Barbican",
        "D,2021-10-31,02:30,Barbican",
        options=LONDON,
    )
    assert parsed.ok
    assert [row.starts_at for row in parsed.rows] == [
        datetime(2021, 3, 28, 0, 30, tzinfo=UTC),  # GMT
        datetime(2021, 3, 28, 1, 30, tzinfo=UTC),  # BST
        datetime(2021, 10, 30, 23, 30, tzinfo=UTC),  # BST
        datetime(2021, 10, 31, 2, 30, tzinfo=UTC),  # GMT
    ]


# --- End time and runtime -------------------------------------------------------------------------


def test_end_time_on_the_same_day() -> None:
    parsed = parse("film,date,time,end,venue", "Maria,Aug 5,18:15,20:00,PICC")
    assert parsed.rows[0].ends_at == datetime(2023, 8, 5, 12, 0, tzinfo=UTC)


def test_end_time_before_the_start_is_the_next_day() -> None:
    parsed = parse("film,date,time,end,venue", "Maria,Aug 5,22:30,00:45,PICC")
    assert parsed.rows[0].ends_at == datetime(2023, 8, 5, 16, 45, tzinfo=UTC)
    assert parsed.problems == []


def test_end_time_far_before_the_start_warns() -> None:
    parsed = parse("film,date,time,end,venue", "Maria,Aug 5,18:15,17:00,PICC")
    assert parsed.rows[0].ends_at == datetime(2023, 8, 6, 9, 0, tzinfo=UTC)
    assert parsed.warnings[0].column == "end"


def test_bad_end_time_is_a_row_error() -> None:
    parsed = parse("film,date,time,end,venue", "Maria,Aug 5,18:15,late,PICC")
    assert only_problem(parsed).column == "end"
    assert parsed.rows == []


def test_no_end_time_column_leaves_ends_at_empty() -> None:
    assert parse(HEADER, "Maria,Aug 5,18:15,PICC").rows[0].ends_at is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("120", 120),
        ("120 min", 120),
        ("120 mins", 120),
        ("120'", 120),
        ("2h", 120),
        ("2h 5m", 125),
        ("1h45", 105),
        ("1:45", 105),
        ("2 hours 5 minutes", 125),
    ],
)
def test_parse_runtime_forms(text: str, minutes: int) -> None:
    assert parse_runtime(text) == minutes


@pytest.mark.parametrize("text", ["0", "0 min", "0h"])
def test_zero_runtime_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="zero"):
        parse_runtime(text)


@pytest.mark.parametrize("text", ["long", "2h 75m", "1:75", "-5", "1.5h"])
def test_unreadable_runtime_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Cannot read the runtime"):
        parse_runtime(text)


def test_runtime_in_a_file() -> None:
    parsed = parse(
        "film,date,time,venue,duration", "A,Aug 5,18:15,PICC,95 min", "B,Aug 5,19:00,PICC,0"
    )
    assert parsed.rows[0].runtime_minutes == 95
    assert [(p.row, p.column) for p in parsed.errors] == [(3, "duration")]


# --- Kind and gala --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("press", ScreeningKind.PRESS),
        ("Press Screening", ScreeningKind.PRESS),
        ("press only", ScreeningKind.PRESS),
        ("P", ScreeningKind.PRESS),
        ("PI", ScreeningKind.PRESS_INDUSTRY),
        ("P&I", ScreeningKind.PRESS_INDUSTRY),
        ("p & i", ScreeningKind.PRESS_INDUSTRY),
        ("Press & Industry", ScreeningKind.PRESS_INDUSTRY),
        ("press and industry", ScreeningKind.PRESS_INDUSTRY),
        ("industry", ScreeningKind.PRESS_INDUSTRY),
        ("public", ScreeningKind.PUBLIC),
        ("Public screening", ScreeningKind.PUBLIC),
        ("general", ScreeningKind.PUBLIC),
        ("", ScreeningKind.PUBLIC),
        ("gala", ScreeningKind.GALA),
        ("Premiere", ScreeningKind.GALA),
        ("gala premiere", ScreeningKind.GALA),
        ("Red carpet", ScreeningKind.GALA),
        ("opening night", ScreeningKind.GALA),
        ("Closing Night!", ScreeningKind.GALA),
    ],
)
def test_parse_kind(text: str, kind: ScreeningKind) -> None:
    assert parse_kind(text) is kind


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        parse_kind("xyz")
    assert str(refused.value) == (
        "Unknown screening kind 'xyz'; use press, press & industry, public or gala."
    )


def test_unknown_kind_in_a_file_is_a_row_error() -> None:
    parsed = parse("film,date,time,venue,type", "Maria,Aug 5,18:15,PICC,xyz")
    assert (only_problem(parsed).column, only_problem(parsed).severity) == ("type", Severity.ERROR)
    assert parsed.rows == []


def test_kind_column_is_used() -> None:
    parsed = parse("film,date,time,venue,type", "Maria,Aug 5,18:15,PICC,P&I")
    assert parsed.rows[0].kind is ScreeningKind.PRESS_INDUSTRY


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("x", True),
        ("no", False),
        ("n", False),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_parse_yes_no(text: str, value: bool) -> None:
    assert parse_yes_no(text) is value


def test_unreadable_yes_no_is_refused() -> None:
    with pytest.raises(ValueError, match="Cannot read 'maybe' as yes or no."):
        parse_yes_no("maybe")


def test_gala_flag_makes_a_gala_even_over_a_press_kind() -> None:
    parsed = parse(
        "film,date,time,venue,type,gala",
        "A,Aug 5,18:15,PICC,,yes",
        "B,Aug 5,18:15,PICC,press,x",
        "C,Aug 5,18:15,PICC,press,no",
        "D,Aug 5,18:15,PICC,,",
    )
    kinds = [row.kind for row in parsed.rows]
    assert kinds == [
        ScreeningKind.GALA,
        ScreeningKind.GALA,
        ScreeningKind.PRESS,
        ScreeningKind.PUBLIC,
    ]


def test_unreadable_gala_flag_is_a_warning_naming_row_and_value() -> None:
    """An unknown value in a gala/premiere column is no refusal: the row imports as its kind."""
    parsed = parse("film,date,time,venue,gala", "Maria,Aug 5,18:15,PICC,maybe")
    problem = only_problem(parsed)
    assert (problem.row, problem.column, problem.severity) == (2, "gala", Severity.WARNING)
    assert "'maybe'" in problem.message
    assert [row.kind for row in parsed.rows] == [ScreeningKind.PUBLIC]


# --- Film details ---------------------------------------------------------------------------------


def test_film_details_are_carried() -> None:
    parsed = parse(
        "film,original title,date,time,venue,director,section,country,year,premiere status,"
        "url,notes,synopsis",
        "Maria,María,Aug 5,18:15,PICC,Ana Reyes,Main,Philippines,2023,World premiere,"
        "https://x.org/maria,Q&A after,A woman.",
    )
    assert parsed.ok and parsed.problems == []
    row = parsed.rows[0]
    assert row.original_title == "María"
    assert row.directors == "Ana Reyes"
    assert row.section == "Main"
    assert row.countries == "Philippines"
    assert row.year == 2023
    assert row.premiere_status is PremiereStatus.WORLD
    assert row.url == "https://x.org/maria"
    assert row.notes == "Q&A after"
    assert row.synopsis == "A woman."


@pytest.mark.parametrize("text", ["23", "1850", "2200", "soon"])
def test_unreadable_year_is_a_warning_and_left_out(text: str) -> None:
    parsed = parse("film,date,time,venue,year", f"Maria,Aug 5,18:15,PICC,{text}")
    problem = only_problem(parsed)
    assert (problem.column, problem.severity) == ("year", Severity.WARNING)
    assert parsed.rows[0].year is None


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("world", PremiereStatus.WORLD),
        ("International premiere", PremiereStatus.INTERNATIONAL),
        ("European Premiere", PremiereStatus.EUROPEAN),
        ("UK premiere", PremiereStatus.UK),
        ("U.K.", PremiereStatus.UK),
        ("none", PremiereStatus.NONE),
        ("", None),
    ],
)
def test_premiere_status(text: str, status: PremiereStatus | None) -> None:
    parsed = parse("film,date,time,venue,premiere status", f"Maria,Aug 5,18:15,PICC,{text}")
    assert parsed.problems == []
    assert parsed.rows[0].premiere_status is status


def test_unknown_premiere_status_is_a_warning() -> None:
    parsed = parse("film,date,time,venue,premiere status", "Maria,Aug 5,18:15,PICC,galactic")
    assert only_problem(parsed).severity is Severity.WARNING
    assert parsed.rows[0].premiere_status is None


def test_url_that_is_not_a_web_address_is_a_warning_and_left_out() -> None:
    parsed = parse("film,date,time,venue,url", "Maria,Aug 5,18:15,PICC,see programme")
    assert only_problem(parsed).severity is Severity.WARNING
    assert parsed.rows[0].url == ""


# --- ParsedFile -----------------------------------------------------------------------------------


def test_parsed_file_splits_errors_and_warnings() -> None:
    parsed = parse(HEADER, "A,Aug 5,3:00,PICC", "B,Aug 5,xx,PICC")
    assert [p.row for p in parsed.warnings] == [2]
    assert [p.row for p in parsed.errors] == [3]
    assert not parsed.ok
