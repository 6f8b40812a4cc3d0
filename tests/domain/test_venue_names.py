"""Venue cells as programme files write them: names, notes, buildings, merges, the travel table."""

from __future__ import annotations

from pathlib import Path

import pytest

from coverage.festivals.venue_names import (
    building_and_room,
    in_building_minutes,
    read_travel_table,
    same_building,
    split_venue,
    venue_key,
    venue_sort_key,
)
from coverage.programme.import_venues import (
    ExistingAlias,
    ExistingVenue,
    VenueChoice,
    resolve_venues,
)
from coverage.programme.importing import ImportOptions, parse_programme
from tests.domain.test_rules_are_pure import forbidden_imports

CINEMALAYA = Path(__file__).resolve().parents[1] / "data" / "cinemalaya-2023-schedule.csv"


@pytest.mark.parametrize(
    "cell, name, note",
    [
        ("Main Hall (EN subs)", "Main Hall", "EN subs"),
        ("Main Hall ", "Main Hall", ""),
        ("Main Hall (EN subs)Q&A with the director", "Main Hall", "EN subs; Q&A with the director"),
        ("MAIN HALL", "MAIN HALL", ""),
        ("Main  Hall", "Main Hall", ""),
        ("Main Hall + intro", "Main Hall", "+ intro"),
        ("Main Hall with English subtitles", "Main Hall", "with English subtitles"),
        ("Main Hall, Q&A", "Main Hall", "Q&A"),
        ("Main HallQ&A", "Main Hall", "Q&A"),
        ("Southbank – NFT1 [relaxed screening]", "Southbank – NFT1", "relaxed screening"),
        ("Main Hall (EN subs) – Screen 1", "Main Hall – Screen 1", "EN subs"),
        # What names a room stays in the name.
        ("Cinema (2)", "Cinema (2)", ""),
        ("Cinema 1 + 2", "Cinema 1 + 2", ""),
        ("Premiere Hall", "Premiere Hall", ""),
        ("(Upstairs) Bar", "(Upstairs) Bar", ""),
        ("Q&A", "Q&A", ""),
    ],
)
def test_split_venue_takes_notes_off_the_name(cell: str, name: str, note: str) -> None:
    spelling = split_venue(cell)
    assert (spelling.name, spelling.note) == (name, note)


def test_the_examples_are_one_venue_and_near_names_stay_apart() -> None:
    cells = [
        "Main Hall (EN subs)",
        "Main Hall ",
        "Main Hall (EN subs)Q&A with the director",
        "MAIN HALL",
        "Main  Hall",
    ]
    assert {venue_key(split_venue(cell).name) for cell in cells} == {"main hall"}
    assert venue_key(split_venue("Cinema 1").name) != venue_key(split_venue("Cinema 2").name)
    assert venue_key(split_venue("Main Hall Annex (EN subs)").name) != "main hall"


def test_the_cinemalaya_file_keeps_its_seven_venues() -> None:
    """The published Cinemalaya 2023 file writes each of its 7 screens one way: 7 cells, 7
    venues after normalising, nothing merged; 5 buildings (PICC has three rooms)."""
    parsed = parse_programme(
        CINEMALAYA.read_bytes(), ImportOptions(timezone="Asia/Manila", year=2023)
    )
    cells = {row.venue for row in parsed.rows}
    names = {venue_key(split_venue(cell).name) for cell in cells}
    assert (len(cells), len(names)) == (7, 7)
    assert all(split_venue(cell).note == "" for cell in cells)
    assert len({building_and_room(cell)[0] for cell in cells}) == 5
    resolution = resolve_venues([(row.venue, row.row) for row in parsed.rows], [])
    assert resolution.proposals == []
    assert len({route.venue_key for route in resolution.routes.values()}) == 7


def test_buildings_and_natural_order() -> None:
    assert building_and_room("Southbank – NFT1") == ("Southbank", "NFT1")
    assert building_and_room("Southbank - NFT2") == ("Southbank", "NFT2")
    assert building_and_room("Spider-Man Hall") == ("Spider-Man Hall", "")
    assert same_building("Southbank – NFT1", "SOUTHBANK - NFT2")
    assert not same_building("Southbank – NFT1", "Odeon – Screen 1")
    assert not same_building("Southbank", "Southbank")  # one place, not two rooms
    names = ["Odeon – Screen 10", "Curzon", "Odeon – Screen 2", "BFI – NFT3", "Odeon – Screen 1"]
    assert sorted(names, key=venue_sort_key) == [
        "BFI – NFT3",
        "Curzon",
        "Odeon – Screen 1",
        "Odeon – Screen 2",
        "Odeon – Screen 10",
    ]
    assert in_building_minutes(15) == 5
    assert in_building_minutes(0) == 0  # never more than the festival's own default


def cells(*texts: str) -> list[tuple[str, int]]:
    return [(text, row) for row, text in enumerate(texts, start=2)]


def test_spellings_of_one_venue_are_proposed_as_one_with_the_most_used_name() -> None:
    resolution = resolve_venues(
        cells("MAIN HALL", "Main Hall (EN subs)", "Main Hall", "Main Hall", "Cinema 1"), []
    )
    [proposal] = resolution.proposals
    assert proposal.name == "Main Hall"
    assert [(s.text, s.rows) for s in proposal.spellings] == [
        ("MAIN HALL", 3),  # "Main Hall" is the same key: one spelling, two ways written
        ("Main Hall (EN subs)", 1),
    ]
    assert proposal.spellings[0].written == ("MAIN HALL", "Main Hall")
    merged, plain = resolution.route("Main Hall (EN subs)"), resolution.route("MAIN HALL")
    assert (merged.venue_key, merged.venue_name, merged.note) == (
        "main hall",
        "Main Hall",
        "EN subs",
    )
    assert (plain.venue_key, plain.note) == ("main hall", "")
    assert resolution.route("Cinema 1").venue_name == "Cinema 1"
    assert [(a.spelling, a.venue_key) for a in resolution.aliases_to_add] == [
        ("Main Hall (EN subs)", "main hall")
    ]


def test_a_choice_renames_the_target_and_keeps_a_spelling_apart() -> None:
    texts = cells("Main Hall (EN subs)", "Main Hall", "Main Hall (Upstairs)")
    first = resolve_venues(texts, [])
    [proposal] = first.proposals
    upstairs = next(s for s in proposal.spellings if s.text == "Main Hall (Upstairs)")
    choice = VenueChoice(name="  Main Hall  Screen 1 ", keep_apart=frozenset({upstairs.key}))
    resolution = resolve_venues(texts, [], choices={0: choice})
    assert resolution.route("Main Hall").venue_name == "Main Hall Screen 1"
    assert resolution.route("Main Hall (EN subs)").note == "EN subs"
    kept = resolution.route("Main Hall (Upstairs)")
    assert (kept.venue_name, kept.note) == ("Main Hall (Upstairs)", "")
    with pytest.raises(Exception, match="Enter the venue's name for 'Main Hall"):
        resolve_venues(texts, [], choices={0: VenueChoice(name="  ")})


def test_existing_venues_and_aliases() -> None:
    venues = [ExistingVenue(5, "Main Hall"), ExistingVenue(6, "Cinema 1")]
    aliases = [ExistingAlias(venue_key("MAIN HALL (EN subs)"), "MAIN HALL (EN subs)", 5)]
    resolution = resolve_venues(
        cells("main hall", "Main Hall (EN subs)", "MAIN HALL (EN subs)", "Cinema 1 (FR subs)"),
        venues,
        aliases,
    )
    assert resolution.route("main hall") == resolution.route("Main Hall")  # the venue itself
    assert resolution.route("main hall").note == ""
    # Known through an alias: no question, the note still goes to the screening.
    [known] = resolution.known
    assert (known.spelling.text, known.venue_name) == ("Main Hall (EN subs)", "Main Hall")
    assert resolution.route("Main Hall (EN subs)").note == "EN subs"
    # A new note on an existing venue's name is proposed, to that venue.
    [proposal] = resolution.proposals
    assert (proposal.name, proposal.existing_id) == ("Cinema 1", 6)


def test_travel_table_reads_pairs_and_names_a_bad_one() -> None:
    names = {1: "Southbank – NFT1", 2: "Southbank – NFT2", 3: "Odeon"}
    table = read_travel_table(
        {"pair-1-2": "4", "pair-1-3": "", "pair-2-3": "ten", "pair-3-1": "9", "pair-1-9": "3"},
        names,
    )
    assert table.minutes == {(1, 2): 4, (1, 3): None}
    assert table.errors == {
        "pair-2-3": "Southbank – NFT2 ↔ Odeon: enter whole minutes from 0 to 600, or leave it "
        "empty for the default (not 'ten')."
    }
    assert read_travel_table({"pair-1-2": "601"}, names).errors


@pytest.mark.parametrize(
    "module", ["coverage.festivals.venue_names", "coverage.programme.import_venues"]
)
def test_venue_rules_are_pure(module: str) -> None:
    assert forbidden_imports(module) == []
