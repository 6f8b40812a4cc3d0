"""Programme import at its edges: after-midnight rows, retyped names, garbled text, `sep=`,
12-hour clocks without AM/PM, far-off dates and control characters. Each fault is a kind: the
issue's example is tested, and at least one other member of the kind."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from coverage.programme.import_plan import (
    FILM_FACTS,
    ExistingFilm,
    ExistingScreening,
    ExistingVenue,
    build_plan,
)
from coverage.programme.importing import (
    ImportOptions,
    ImportRefused,
    ParsedFile,
    Severity,
    decode,
    parse_programme,
    parse_runtime,
)
from coverage.programme.kinds import ScreeningKind
from coverage.programme.rules import loose_key, title_key

# A London festival whose Friday 6 October 2023 is in British Summer Time (UTC+1).
LONDON = ImportOptions(
    timezone="Europe/London",
    year=2023,
    festival_start=date(2023, 10, 4),
    festival_end=date(2023, 10, 15),
)
LATE = ImportOptions(
    timezone="Europe/London",
    year=2023,
    festival_start=date(2023, 10, 4),
    festival_end=date(2023, 10, 15),
    late_shows_on_evening_date=True,
)
HEADER = "film,date,time,venue"


def parse(*lines: str, options: ImportOptions = LONDON, encoding: str = "utf-8") -> ParsedFile:
    return parse_programme(("\n".join(lines) + "\n").encode(encoding), options)


def london(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in October 2023 London (BST), as UTC."""
    return datetime(2023, 10, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def problems_of(parsed: ParsedFile, row: int) -> list[tuple[str | None, Severity, str]]:
    return [(p.column, p.severity, p.message) for p in parsed.problems if p.row == row]


# --- After midnight ---------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["00:30", "0:30", "12:30 AM"])
def test_after_midnight_start_is_read_as_written_with_a_warning_and_a_hint(written: str) -> None:
    parsed = parse(HEADER, f"Night of the Living Dead,Friday 6 Oct,{written},Prince Charles")
    assert parsed.ok
    assert parsed.rows[0].starts_at == london(6, 0, 30)
    [(column, severity, message)] = problems_of(parsed, 2)
    assert (column, severity) == ("time", Severity.WARNING)
    assert message == (
        "Starts at 00:30 on Friday 6 October, after midnight: a day early if the file lists "
        "late shows under the evening's date."
    )
    assert parsed.early_start_rows == [2]


@pytest.mark.parametrize(("written", "hour", "minute"), [("00:30", 0, 30), ("1:45", 1, 45)])
def test_late_shows_under_the_evenings_date_move_to_the_next_morning(
    written: str, hour: int, minute: int
) -> None:
    parsed = parse(
        "film,date,day,time,end,venue",
        f"Night of the Living Dead,Friday 6 Oct,Friday,{written},,Prince Charles",
        "Suspiria,Friday 6 Oct,Friday,21:00,,Prince Charles",
        options=LATE,
    )
    assert parsed.ok
    assert [row.starts_at for row in parsed.rows] == [london(7, hour, minute), london(6, 21)]
    # The weekday is the listed evening's: no "Row says Friday" warning.
    [(column, severity, message)] = problems_of(parsed, 2)
    assert (column, severity) == ("time", Severity.WARNING)
    assert message == (
        f"Starts at {hour:02d}:{minute:02d} under Friday 6 October: read as a late show, "
        f"Saturday 7 October at {hour:02d}:{minute:02d}."
    )
    assert problems_of(parsed, 3) == []
    assert parsed.early_start_rows == []


def test_every_start_before_six_moves_with_late_shows_and_nothing_after() -> None:
    parsed = parse(HEADER, "A,6 Oct,5:59,PCC", "B,6 Oct,6:00,PCC", "C,6 Oct,0:00,PCC", options=LATE)
    assert [row.starts_at for row in parsed.rows] == [
        london(7, 5, 59),
        london(6, 6, 0),
        london(7, 0, 0),
    ]


def test_a_late_shows_end_time_follows_its_moved_start() -> None:
    parsed = parse(
        "film,date,time,end,venue",
        "A,Friday 6 Oct,00:30,02:10,PCC",
        "B,Friday 6 Oct,23:15,01:05,PCC",
        options=LATE,
    )
    assert parsed.ok
    assert [(row.starts_at, row.ends_at) for row in parsed.rows] == [
        (london(7, 0, 30), london(7, 2, 10)),
        (london(6, 23, 15), london(7, 1, 5)),
    ]


@pytest.mark.parametrize(
    ("written", "hour", "minute"), [("24:30", 0, 30), ("24:00", 0, 0), ("25.15", 1, 15)]
)
def test_times_past_24_are_the_next_morning(written: str, hour: int, minute: int) -> None:
    parsed = parse(HEADER, f"Night of the Living Dead,Friday 6 Oct,{written},Prince Charles")
    assert parsed.ok
    assert parsed.rows[0].starts_at == london(7, hour, minute)
    [(column, severity, message)] = problems_of(parsed, 2)
    assert (column, severity) == ("time", Severity.WARNING)
    assert message == (
        f"'{written}' was read as {hour:02d}:{minute:02d} on Saturday 7 October, "
        "the morning after Friday 6 October."
    )
    # Explicit already: the late-shows reading does not move it a second day.
    assert parse(HEADER, f"N,Friday 6 Oct,{written},PCC", options=LATE).rows[0].starts_at == (
        london(7, hour, minute)
    )


def test_end_times_past_24_and_too_late_times() -> None:
    parsed = parse(
        "film,date,time,end,venue",
        "A,Friday 6 Oct,23:00,25:10,PCC",
        "B,Friday 6 Oct,24:30,26:00,PCC",
        "C,Friday 6 Oct,30:00,,PCC",
        "D,Friday 6 Oct,24:60,,PCC",
    )
    assert [(row.starts_at, row.ends_at) for row in parsed.rows] == [
        (london(6, 23), london(7, 1, 10)),
        (london(7, 0, 30), london(7, 2)),
    ]
    assert [(p.row, p.column) for p in parsed.errors] == [(4, "time"), (5, "time")]
    assert "Cannot read the time '30:00'" in parsed.errors[0].message


# --- A bare 8:45 among h:mm PM times ---------------------------------------------------------


def test_a_bare_time_in_a_column_of_pm_times_is_a_warning() -> None:
    parsed = parse(
        HEADER,
        "Maria,6 Oct,6:15 PM,PCC",
        "Rookie,6 Oct,8:45,PCC",
        "Dune,6 Oct,9:30 PM,PCC",
    )
    assert parsed.ok
    assert parsed.rows[1].starts_at == london(6, 8, 45)  # as written; the editor is told
    assert problems_of(parsed, 2) == problems_of(parsed, 4) == []
    assert problems_of(parsed, 3) == [
        (
            "time",
            Severity.WARNING,
            "'8:45' has no AM or PM, unlike other times in this column: it was read as 08:45, "
            "not 20:45. Check it, and add AM or PM in the file.",
        )
    ]


def test_a_bare_end_time_among_pm_end_times_is_a_warning() -> None:
    parsed = parse(
        "film,date,time,end,venue",
        "Maria,6 Oct,18:15,8:10 PM,PCC",
        "Rookie,6 Oct,19:00,9:50,PCC",
        "Dune,6 Oct,12:00 PM,12:30,PCC",
    )
    assert [(p.row, p.column) for p in parsed.warnings] == [(3, "end"), (3, "end"), (4, "end")]
    assert "'9:50' has no AM or PM" in parsed.warnings[0].message
    # Read as written, 09:50 the next morning: the screening's length gives it away too.
    assert parsed.warnings[1].message.startswith("Ends 14 hours after it starts")
    assert "'12:30' has no AM or PM" in parsed.warnings[2].message
    assert "not 00:30" in parsed.warnings[2].message


def test_unambiguous_times_next_to_pm_times_and_24_hour_columns_are_silent() -> None:
    mixed = parse(HEADER, "Maria,6 Oct,6:15 PM,PCC", "Rookie,6 Oct,20:45,PCC")
    assert mixed.problems == []
    twenty_four = parse(HEADER, "Maria,6 Oct,8:45,PCC", "Rookie,6 Oct,20:45,PCC")
    assert twenty_four.problems == []


# --- Retyped names: one film, one venue --------------------------------------------------------

PRESS = ScreeningKind.PRESS


def existing_film(id_: int, title: str) -> ExistingFilm:
    return ExistingFilm(id_, title, {**dict.fromkeys(FILM_FACTS), "runtime_minutes": 100})


def row(n: int, title: str, venue: str, starts_at: datetime):
    from coverage.programme.importing import ParsedRow

    return ParsedRow(n, title, starts_at, None, 100, venue, PRESS)


def test_a_typographic_apostrophe_matches_the_existing_film_and_screening() -> None:
    starts = london(6, 18)
    plan = build_plan(
        [row(2, "The Keeper’s Daughter", "Curzon Soho", starts)],
        [existing_film(1, "The Keeper's Daughter")],
        [ExistingVenue(5, "Curzon Soho")],
        [
            ExistingScreening(
                9, 1, 5, starts, starts + timedelta(minutes=100), PRESS, cancelled=False
            )
        ],
        default_runtime_minutes=120,
    )
    assert not plan.changes_anything
    assert plan.screenings_unchanged == 1
    assert plan.notes == []


@pytest.mark.parametrize(
    ("in_file", "existing"),
    [
        ("Spider–Man: Across the Spider—Verse", "Spider-Man: Across the Spider-Verse"),
        ("“Wild” Strawberries", '"Wild" Strawberries'),
        ("«Le Mépris»", '"Le Mépris"'),
        ("Ame\u0301lie", "Amélie"),  # decomposed accent
        ("Le\u00a0Samouraï", "Le Samouraï"),  # no-break space
        ("Cœur fidèle", "Coeur fidèle"),
        ("The Oﬃce Party", "The Office Party"),  # ffi ligature
        ("ＴＡＲ", "Tar"),  # full-width
        ("Zero\u200bDark Thirty", "ZeroDark Thirty"),  # zero-width space
        ("  THE keeper's   daughter ", "The Keeper's Daughter"),
    ],
)
def test_other_retypings_match_the_existing_film(in_file: str, existing: str) -> None:
    assert title_key(in_file) == title_key(existing)
    plan = build_plan(
        [row(2, in_file, "Curzon Soho", london(6, 18))],
        [existing_film(1, existing)],
        [ExistingVenue(5, "Curzon Soho")],
        [],
        default_runtime_minutes=120,
    )
    assert plan.films_to_create == []
    assert [s.film_key for s in plan.screenings_to_create] == [title_key(existing)]


def test_a_venue_retyped_with_another_dash_and_spacing_is_the_same_venue() -> None:
    plan = build_plan(
        [row(2, "Maria", "PICC - Cinema  Rizal", london(6, 18))],
        [],
        [ExistingVenue(5, "PICC – Cinema Rizal")],
        [],
        default_runtime_minutes=120,
    )
    assert plan.venues_to_create == []


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Papa", "Papá"),  # two words in Spanish: accents are letters
        ("Ma", "Mã"),
        ("The Power of the Dog", "The Power of Dog"),
        ("Spider-Man", "Spiderman"),
        ("Dune", "Dune."),
    ],
)
def test_names_that_differ_in_letters_or_punctuation_stay_apart(one: str, other: str) -> None:
    assert title_key(one) != title_key(other)


def test_a_lookalike_is_a_new_film_and_the_preview_says_so() -> None:
    plan = build_plan(
        [
            row(2, "Amelie", "Salle Eluard", london(6, 18)),
            row(3, "Spiderman", "Salle Éluard", london(6, 21)),
            row(4, "Spider-Man", "Salle Éluard", london(7, 21)),
        ],
        [existing_film(1, "Amélie")],
        [ExistingVenue(5, "Salle Éluard")],
        [],
        default_runtime_minutes=120,
    )
    assert [f.title for f in plan.films_to_create] == ["Amelie", "Spiderman", "Spider-Man"]
    assert plan.venues_to_create == ["Salle Eluard"]
    assert plan.notes == [
        "Row 2: 'Amelie' looks like the existing film 'Amélie' but differs in more than case, "
        "spacing, quotes or dashes, so it will be a new film. If it is the same film, correct "
        "the spelling in the file.",
        "Row 4: 'Spider-Man' looks like row 3's film 'Spiderman' but differs in more than case, "
        "spacing, quotes or dashes, so it will be a new film. If it is the same film, correct "
        "the spelling in the file.",
        "Row 2: 'Salle Eluard' looks like the existing venue 'Salle Éluard' but differs in more "
        "than case, spacing, quotes or dashes, so it will be a new venue. If it is the same "
        "venue, correct the spelling in the file.",
    ]
    assert loose_key("Amelie") == loose_key("Amélie")


def test_two_existing_films_typed_two_ways_go_to_the_oldest_whatever_the_order() -> None:
    rows = [row(2, "The Keeper’s Daughter", "Curzon Soho", london(6, 18))]
    films = [existing_film(7, "The Keeper’s Daughter"), existing_film(3, "The Keeper's Daughter")]
    for given in (films, films[::-1]):
        plan = build_plan(
            rows, given, [ExistingVenue(5, "Curzon Soho")], [], default_runtime_minutes=120
        )
        assert plan.films_to_create == []
        assert plan.notes == [
            "The festival has two films 'The Keeper's Daughter' and 'The Keeper’s Daughter', "
            "one title typed two ways: the file's rows go to 'The Keeper's Daughter'. Merge "
            "them by hand."
        ]


# --- Text read in the wrong encoding ------------------------------------------------------------


def mixed_file() -> bytes:
    """A UTF-8 programme with one row pasted from a Windows-1252 file (row 3)."""
    return (
        b"film,date,time,venue\n"
        + "Amélie,6 Oct,18:00,Salle Éluard\n".encode()
        + "Amélie,7 Oct,18:00,Salle Éluard\n".encode("cp1252")
        + "Amélie,8 Oct,18:00,Salle Éluard\n".encode()
    )


def test_a_row_pasted_from_a_windows_1252_file_into_a_utf8_file_is_read_right_and_named() -> None:
    parsed = parse_programme(mixed_file(), LONDON)
    assert parsed.ok
    assert parsed.encoding == "utf-8"
    assert {row.title for row in parsed.rows} == {"Amélie"}
    assert {row.venue for row in parsed.rows} == {"Salle Éluard"}
    assert [(p.row, p.column, p.severity) for p in parsed.problems] == [
        (3, "film", Severity.WARNING),
        (3, "venue", Severity.WARNING),
    ]
    assert parsed.problems[0].message == (
        "This row is in Windows-1252, unlike the rest of the file (UTF-8), as if pasted from "
        "another file; it was read as Windows-1252: check 'Amélie'."
    )


def test_a_utf8_row_in_a_windows_1252_file_is_read_as_utf8_and_named() -> None:
    data = (
        b"sep=;\nfilm;date;time;venue\n"
        + "Café Lumière;6 Oct;18:00;Salle Éluard\n".encode("cp1252")
        + "Café Lumière;7 Oct;18:00;Salle Éluard\n".encode("cp1252")
        + 'Quo vadis, Aida?;8 Oct;18:00;"Salle Éluard\nHaut"\n'.encode()
    )
    parsed = parse_programme(data, LONDON)
    assert parsed.encoding == "cp1252"
    assert [row.title for row in parsed.rows] == ["Café Lumière"] * 2 + ["Quo vadis, Aida?"]
    assert parsed.rows[2].venue == "Salle Éluard Haut"
    warned = [(p.row, p.column) for p in parsed.warnings]
    # Row 4's quoted venue spans two lines of the file: still row 4 (the sep= line is hidden).
    assert (4, "venue") in warned
    assert any("read as UTF-8" in p.message for p in parsed.warnings if p.row == 4)


@pytest.mark.parametrize(
    ("garbled", "column", "meant"),
    [
        ("AmÃ©lie,6 Oct,18:00,Salle Éluard", "film", "Amélie"),
        ("Amélie,6 Oct,18:00,Salle Ã‰luard", "venue", "Salle Éluard"),
        ("The Keeperâ€™s Daughter,6 Oct,18:00,PCC", "film", "The Keeper’s Daughter"),
        ("Ð’Ð¾Ð¹Ð½Ð° Ð¸ Ð¼Ð¸Ñ€,6 Oct,18:00,PCC", "film", "Война и мир"),
    ],
)
def test_text_garbled_before_it_reached_us_is_a_row_error_with_the_likely_text(
    garbled: str, column: str, meant: str
) -> None:
    parsed = parse(HEADER, "Maria,6 Oct,18:00,PCC", garbled)
    assert [(p.row, p.column, p.severity) for p in parsed.problems] == [(3, column, Severity.ERROR)]
    assert f"it probably reads '{meant}'" in parsed.problems[0].message
    assert [row.title for row in parsed.rows] == ["Maria"]


@pytest.mark.parametrize(
    "title",
    [
        "SÃO PAULO, SOCIEDADE ANÔNIMA",
        "Łódź",
        "千と千尋の神隠し",
        "Ο Θίασος",
        "Crème brûlée",
        "“Quoted” – with dashes…",
        "Æblet",
        "Zoë",
    ],
)
def test_real_accented_and_non_latin_titles_are_not_taken_for_garbled_text(title: str) -> None:
    parsed = parse(HEADER, f'"{title}",6 Oct,18:00,PCC')
    assert parsed.problems == []
    assert parsed.rows[0].title == title


# --- Excel's sep= line ----------------------------------------------------------------------


def test_excels_sep_line_names_the_delimiter_and_is_not_the_header() -> None:
    parsed = parse("sep=;", "film;date;time;venue", "Maria, the film;6 Oct;18:00;PCC")
    assert parsed.ok, parsed.problems
    assert parsed.delimiter == ";"
    assert parsed.headers == ["film", "date", "time", "venue"]
    assert parsed.rows[0].title == "Maria, the film"
    assert parsed.rows[0].row == 2  # as Excel shows it: the sep= line is hidden


@pytest.mark.parametrize(
    ("hint", "delimiter"),
    [('"sep=,"', ","), ("sep=|", "|"), ("SEP=\t", "\t"), ("sep=;;;;", ";")],
)
def test_other_sep_lines(hint: str, delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["film", "date", "time", "venue"])
    # A title with every delimiter in it: quoted where it is the named one.
    writer.writerow(["A; B, C | D\tE", "6 Oct", "18:00", "PCC"])
    data = "\ufeff" + hint + "\r\n" + out.getvalue()
    parsed = parse_programme(data.encode(), LONDON)
    assert parsed.ok, parsed.problems
    assert parsed.delimiter == delimiter
    assert parsed.rows[0].title == "A; B, C | D E"


def test_a_first_line_merely_starting_with_sep_is_a_header() -> None:
    parsed = parse("separate,film,date,time,venue", "x,Maria,6 Oct,18:00,PCC")
    assert parsed.ok
    assert parsed.headers[0] == "separate"


# --- Dates far from the festival ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("0001-10-06", "6 October 1"),
        ("9999-12-31", "31 December 9999"),
        ("31/10/99", "31 October 2099"),
        ("6 Oct 2033", "6 October 2033"),
        ("2024-03-01", "1 March 2024"),
    ],
)
def test_a_date_far_outside_the_festival_is_a_row_error(written: str, shown: str) -> None:
    parsed = parse(HEADER, f"Maria,{written},18:00,PCC", "Rookie,6 Oct,18:00,PCC")
    [error] = parsed.errors
    assert (error.row, error.column) == (2, "date")
    assert error.message == (
        f"{shown} is too far from the festival's dates (4–15 October 2023); check the year."
    )
    assert [row.title for row in parsed.rows] == ["Rookie"]


def test_dates_near_the_festival_stay_warnings_and_without_festival_dates_the_year_counts() -> None:
    near = parse(HEADER, "Maria,2023-08-01,18:00,PCC")  # press screenings run weeks ahead
    assert near.ok and near.warnings
    no_dates = ImportOptions(timezone="Europe/London", year=2023)
    assert parse(HEADER, "Maria,2024-01-02,18:00,PCC", options=no_dates).ok
    far = parse(HEADER, "Maria,2025-01-02,18:00,PCC", options=no_dates)
    assert [(p.column, p.message) for p in far.errors] == [
        ("date", "2 January 2025 is too far from the festival's year (2023); check the year.")
    ]


def test_a_runtime_beyond_any_screening_is_refused() -> None:
    assert parse_runtime("1500") == 1500
    with pytest.raises(ValueError, match="more than 1500 minutes"):
        parse_runtime("9999")


# --- Control characters and line breaks in cells ----------------------------------------------


def test_a_line_break_inside_a_quoted_title_is_read_as_one_line_with_a_warning() -> None:
    parsed = parse(HEADER, '"The Keeper\'s\nDaughter",6 Oct,18:00,"Curzon\r\nSoho"')
    assert parsed.ok
    assert (parsed.rows[0].title, parsed.rows[0].venue) == ("The Keeper's Daughter", "Curzon Soho")
    assert [(p.row, p.column, p.severity) for p in parsed.problems] == [
        (2, "film", Severity.WARNING),
        (2, "venue", Severity.WARNING),
    ]
    assert parsed.problems[0].message == (
        "The film title had a line break or a control character; it was read as one line: "
        "'The Keeper's Daughter'."
    )


@pytest.mark.parametrize(
    "dirty",
    ["Curzon\x0bSoho", "Curzon\x0cSoho", "Curzon\u2028Soho", "Curzon\x85Soho", "Curzon\tSoho"],
)
def test_other_control_characters_in_a_name_become_one_space(dirty: str) -> None:
    parsed = parse("film\tdate\ttime\tvenue", f'Maria\t6 Oct\t18:00\t"{dirty}"')
    assert parsed.rows[0].venue == "Curzon Soho"
    assert [p.column for p in parsed.warnings] == ["venue"]


def test_a_synopsis_keeps_its_line_breaks_but_loses_control_characters() -> None:
    parsed = parse("film,date,time,venue,synopsis", 'Maria,6 Oct,18:00,PCC,"One.\nTwo.\x0b"')
    assert parsed.rows[0].synopsis == "One.\nTwo."
    assert parsed.problems == []


def test_a_nul_byte_refuses_the_file_before_anything_is_read() -> None:
    with pytest.raises(ImportRefused, match="not a CSV text file"):
        decode(b"film,date,time,venue\nMa\x00ria,6 Oct,18:00,PCC\n")


def test_a_header_in_the_other_encoding_is_a_file_warning_and_the_rows_still_parse() -> None:
    data = (
        "Film,Année,Date,Time,Venue\n".encode("cp1252")
        + "Amélie,2001,6 Oct,18:00,Salle Éluard\n".encode()
        + "Léon,1994,7 Oct,18:00,Salle Éluard\n".encode()
    )
    parsed = parse_programme(data, LONDON)
    assert parsed.ok
    assert parsed.headers[1] == "Année"
    assert [row.title for row in parsed.rows] == ["Amélie", "Léon"]
    [warning] = parsed.warnings
    assert (warning.row, warning.column) == (None, None)
    assert warning.message.startswith("The header row is in Windows-1252, unlike the rest")


@pytest.mark.parametrize("control", ["\x1b", "\x1c", "\x7f", "\x01"])
def test_a_lone_control_character_in_a_title_is_cleaned_and_the_file_still_imports(control):
    parsed = parse(
        "film,date,time,venue",
        f"Ctl{control}Title,8 Oct,19:00,NFT2",
        "Ok,8 Oct,20:00,NFT2",
    )
    assert [row.title for row in parsed.rows] == ["Ctl Title", "Ok"]
    assert [(p.row, p.severity.value) for p in parsed.problems] == [(2, "warning")]
