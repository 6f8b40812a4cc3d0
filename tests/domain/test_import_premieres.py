"""A programme's premiere columns as festivals write them: `premiere_status`, `premiere`,
`gala_premiere`, with "World Premiere", "WP", "Philippine premiere", "Yes"..."""

from __future__ import annotations

import pytest

from coverage.programme.importing import (
    Field,
    ImportOptions,
    ParsedFile,
    Severity,
    guess_mapping,
    parse_programme,
)
from coverage.programme.kinds import PremiereStatus, ScreeningKind

MANILA = ImportOptions(timezone="Asia/Manila", year=2023)


def parse(*lines: str) -> ParsedFile:
    return parse_programme("\n".join(lines).encode(), MANILA)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("premiere_status", Field.PREMIERE_STATUS),
        ("Premiere Status", Field.PREMIERE_STATUS),
        ("premiere", Field.GALA),
        ("gala_premiere", Field.GALA),
    ],
)
def test_premiere_headers_are_recognised(header: str, field: Field) -> None:
    assert guess_mapping(["film", header]) == {0: Field.TITLE, 1: field}


@pytest.mark.parametrize("header", ["premiere_status", "premiere", "gala_premiere"])
@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("World Premiere", PremiereStatus.WORLD),
        ("WORLD PREMIERE", PremiereStatus.WORLD),
        ("World Première", PremiereStatus.WORLD),
        ("WP", PremiereStatus.WORLD),
        ("International premiere", PremiereStatus.INTERNATIONAL),
        ("Int'l Premiere", PremiereStatus.INTERNATIONAL),
        ("IP", PremiereStatus.INTERNATIONAL),
        ("European", PremiereStatus.EUROPEAN),
        ("EP", PremiereStatus.EUROPEAN),
        ("UK premiere", PremiereStatus.UK),
        ("U.K. Premiere", PremiereStatus.UK),
        ("British premiere", PremiereStatus.UK),
    ],
)
def test_a_premiere_cell_sets_the_films_status(header: str, text: str, status) -> None:
    parsed = parse(f"film,date,time,venue,{header}", f'Maria,Aug 5,18:15,PICC,"{text}"')
    assert parsed.problems == []
    row = parsed.rows[0]
    assert row.premiere_status is status
    # A status is a fact about the film, often repeated on every row: no gala from it.
    assert row.kind is ScreeningKind.PUBLIC


@pytest.mark.parametrize("text", ["Yes", "yes", "x", "Gala", "Premiere", "Red carpet"])
def test_a_yes_in_a_gala_premiere_column_makes_the_gala_and_leaves_the_status(text) -> None:
    parsed = parse("film,date,time,venue,gala_premiere", f"Maria,Aug 5,18:15,PICC,{text}")
    assert parsed.problems == []
    assert parsed.rows[0].kind is ScreeningKind.GALA
    assert parsed.rows[0].premiere_status is None  # which premiere, the file does not say


@pytest.mark.parametrize("text", ["", "No", "no", "-"])
def test_blank_or_no_in_a_gala_premiere_column_says_nothing(text: str) -> None:
    parsed = parse("film,date,time,venue,gala_premiere", f"Maria,Aug 5,18:15,PICC,{text}")
    assert parsed.problems == []
    assert (parsed.rows[0].kind, parsed.rows[0].premiere_status) == (ScreeningKind.PUBLIC, None)


def test_none_in_a_status_column_says_no_premiere() -> None:
    parsed = parse("film,date,time,venue,premiere_status", "Maria,Aug 5,18:15,PICC,none")
    assert parsed.rows[0].premiere_status is PremiereStatus.NONE


def test_a_national_premiere_is_a_row_note_and_a_warning_not_a_status() -> None:
    parsed = parse(
        "film,date,time,venue,premiere,notes",
        "Maria,Aug 5,18:15,PICC,Philippine Premiere,Q&A after",
    )
    (problem,) = parsed.problems
    assert (problem.row, problem.column, problem.severity) == (2, "premiere", Severity.WARNING)
    assert "'Philippine Premiere' is a national or regional premiere" in problem.message
    row = parsed.rows[0]
    assert row.premiere_status is None
    assert row.notes == "Q&A after\nPhilippine Premiere"


def test_the_status_column_wins_over_a_gala_premiere_yes() -> None:
    parsed = parse(
        "film,date,time,venue,gala_premiere,premiere_status",
        "Maria,Aug 5,18:15,PICC,Yes,World premiere",
    )
    assert parsed.problems == []
    assert parsed.rows[0].kind is ScreeningKind.GALA
    assert parsed.rows[0].premiere_status is PremiereStatus.WORLD


@pytest.mark.parametrize("header", ["premiere_status", "gala_premiere"])
def test_an_unknown_premiere_is_a_warning_naming_row_and_value_not_a_refusal(header) -> None:
    parsed = parse(
        f"film,date,time,venue,{header}",
        "Maria,Aug 5,18:15,PICC,World",
        "Maria,Aug 6,18:15,PICC,TBC",
    )
    (problem,) = parsed.problems
    assert (problem.row, problem.column, problem.severity) == (3, header, Severity.WARNING)
    assert "Unknown premiere 'TBC'" in problem.message
    assert [row.premiere_status for row in parsed.rows] == [PremiereStatus.WORLD, None]
