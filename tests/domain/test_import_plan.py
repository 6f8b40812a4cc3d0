"""From parsed rows and the current programme to a plan: create, update, leave alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coverage.programme.import_plan import (
    FILM_FACTS,
    ExistingFilm,
    ExistingScreening,
    ExistingVenue,
    Plan,
    build_plan,
)
from coverage.programme.importing import ParsedRow
from coverage.programme.kinds import ScreeningKind

DEFAULT = 120
PRESS = ScreeningKind.PRESS
PUBLIC = ScreeningKind.PUBLIC


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 10, day, hour, minute, tzinfo=UTC)


def row(
    n: int,
    title: str,
    starts_at: datetime,
    venue: str,
    *,
    runtime: int | None = None,
    ends_at: datetime | None = None,
    kind: ScreeningKind = PRESS,
    **facts,
) -> ParsedRow:
    return ParsedRow(
        row=n,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        runtime_minutes=runtime,
        venue=venue,
        kind=kind,
        **facts,
    )


def film(id_: int, title: str, **facts) -> ExistingFilm:
    """A film as the importer snapshots it: every fact present, empty unless given."""
    all_facts: dict[str, object] = dict.fromkeys(FILM_FACTS)
    all_facts.update(facts)
    return ExistingFilm(id_, title, all_facts)


def screening(
    id_: int,
    film_id: int,
    venue_id: int,
    starts_at: datetime,
    minutes: int,
    kind: ScreeningKind = PRESS,
    cancelled: bool = False,
) -> ExistingScreening:
    return ExistingScreening(
        id_, film_id, venue_id, starts_at, starts_at + timedelta(minutes=minutes), kind, cancelled
    )


def plan_for(rows, films=(), venues=(), screenings=(), default=DEFAULT) -> Plan:
    return build_plan(rows, films, venues, screenings, default_runtime_minutes=default)


ROWS = [
    row(2, "The Power of the Dog", at(10, 9), "Odeon Luxe Leicester Square", runtime=126),
    row(3, "Spencer", at(10, 12), "BFI Southbank NFT1", runtime=117),
    row(4, "the power of the  DOG", at(11, 18), "ODEON LUXE  Leicester Square", runtime=126),
]
FILMS = [
    film(1, "The Power of the Dog", runtime_minutes=126),
    film(2, "Spencer", runtime_minutes=117),
]
VENUES = [ExistingVenue(10, "Odeon Luxe Leicester Square"), ExistingVenue(11, "BFI Southbank NFT1")]
SCREENINGS = [
    screening(100, 1, 10, at(10, 9), 126),
    screening(101, 2, 11, at(10, 12), 117),
    screening(102, 1, 10, at(11, 18), 126),
]


# --- An empty festival -------------------------------------------------------------------------


def test_empty_festival_creates_each_film_once():
    plan = plan_for(ROWS)
    assert [(f.title, f.first_row) for f in plan.films_to_create] == [
        ("The Power of the Dog", 2),
        ("Spencer", 3),
    ]
    assert plan.films_to_create[0].facts == {"runtime_minutes": 126}


def test_empty_festival_creates_venues_deduplicated_ignoring_case_and_spacing():
    assert plan_for(ROWS).venues_to_create == ["Odeon Luxe Leicester Square", "BFI Southbank NFT1"]


def test_empty_festival_creates_every_screening_ending_after_the_runtime():
    plan = plan_for(ROWS)
    created = sorted((s.row, s.starts_at, s.ends_at) for s in plan.screenings_to_create)
    assert created == [
        (2, at(10, 9), at(10, 9) + timedelta(minutes=126)),
        (3, at(10, 12), at(10, 12) + timedelta(minutes=117)),
        (4, at(11, 18), at(11, 18) + timedelta(minutes=126)),
    ]
    film_keys = {s.row: s.film_key for s in plan.screenings_to_create}
    assert film_keys[2] == film_keys[4] != film_keys[3]
    assert plan.changes_anything
    assert plan.notes == []


def test_a_given_end_time_wins_over_the_runtime():
    plan = plan_for([row(2, "Spencer", at(10, 12), "NFT1", runtime=117, ends_at=at(10, 15))])
    assert plan.screenings_to_create[0].ends_at == at(10, 15)


# --- Re-importing the same file ----------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    plan = plan_for(ROWS, FILMS, VENUES, SCREENINGS)
    assert plan.films_to_create == []
    assert plan.films_to_update == []
    assert plan.venues_to_create == []
    assert plan.screenings_to_create == []
    assert plan.screenings_to_update == []
    assert plan.screenings_unchanged == len(ROWS)
    assert plan.screenings_not_in_file == []
    assert not plan.changes_anything


def test_fingerprint_is_stable_across_two_plans_of_the_same_input():
    first = plan_for(ROWS, FILMS, VENUES, SCREENINGS)
    second = plan_for(ROWS, FILMS, VENUES, SCREENINGS)
    assert first.fingerprint() == second.fingerprint()
    assert plan_for(ROWS).fingerprint() == plan_for(ROWS).fingerprint()


def test_fingerprint_differs_when_the_plan_differs():
    moved = [*ROWS[:2], row(4, "The Power of the Dog", at(11, 19), "Odeon Luxe Leicester Square")]
    unchanged = plan_for(ROWS, FILMS, VENUES, SCREENINGS)
    changed = plan_for(moved, FILMS, VENUES, SCREENINGS)
    assert changed.fingerprint() != unchanged.fingerprint()
    assert plan_for(ROWS).fingerprint() != unchanged.fingerprint()


# --- Moved screenings --------------------------------------------------------------------------


def test_screening_moved_in_the_file_updates_the_existing_one():
    rows = [*ROWS[:2], row(4, "The Power of the Dog", at(11, 20), "Odeon Luxe Leicester Square")]
    plan = plan_for(rows, FILMS, VENUES, SCREENINGS)
    assert plan.screenings_to_create == []
    assert plan.films_to_create == []
    assert plan.screenings_unchanged == 2
    [update] = plan.screenings_to_update
    assert update.screening_id == 102
    assert update.moved
    assert (update.was_starts_at, update.starts_at) == (at(11, 18), at(11, 20))
    assert update.was_ends_at == at(11, 18) + timedelta(minutes=126)
    assert update.ends_at == at(11, 20) + timedelta(minutes=126)
    assert update.was_venue == update.venue_name == "Odeon Luxe Leicester Square"
    assert plan.screenings_not_in_file == []


def test_moved_screening_without_runtime_or_end_keeps_its_length():
    films = [film(1, "Spencer")]
    plan = plan_for(
        [row(2, "Spencer", at(10, 14), "NFT1")],
        films,
        [ExistingVenue(11, "NFT1")],
        [screening(200, 1, 11, at(10, 12), 95)],
    )
    [update] = plan.screenings_to_update
    assert update.ends_at - update.starts_at == timedelta(minutes=95)


def test_moved_screening_prefers_a_candidate_in_the_same_venue():
    venues = [ExistingVenue(10, "Odeon"), ExistingVenue(11, "NFT1")]
    existing = [
        screening(300, 1, 10, at(10, 10), 100),  # nearer in time, other venue
        screening(301, 1, 11, at(10, 16), 100),  # same venue, further away
    ]
    plan = plan_for(
        [row(2, "Spencer", at(10, 11), "NFT1"), row(3, "Spencer", at(12, 9), "Odeon")],
        [film(1, "Spencer")],
        venues,
        existing,
    )
    pairs = {u.row: u.screening_id for u in plan.screenings_to_update}
    assert pairs == {2: 301, 3: 300}


def test_moved_screening_that_changed_venue_pairs_with_the_nearest_candidate():
    venues = [ExistingVenue(10, "Odeon"), ExistingVenue(11, "NFT1"), ExistingVenue(12, "Curzon")]
    existing = [
        screening(400, 1, 10, at(10, 10), 100),
        screening(401, 1, 11, at(11, 14), 100),
        screening(402, 1, 11, at(12, 20), 100),
    ]
    rows = [
        row(2, "Spencer", at(10, 10), "Odeon"),  # unchanged
        row(3, "Spencer", at(11, 15), "NFT1"),  # moved an hour, same venue
        row(4, "Spencer", at(12, 19), "Curzon"),  # moved to a new venue
    ]
    plan = plan_for(rows, [film(1, "Spencer")], venues, existing)
    assert plan.screenings_unchanged == 1
    pairs = {u.row: u for u in plan.screenings_to_update}
    assert pairs[3].screening_id == 401
    assert pairs[4].screening_id == 402
    assert pairs[4].moved
    assert (pairs[4].was_venue, pairs[4].venue_name) == ("NFT1", "Curzon")
    assert pairs[4].starts_at == at(12, 19)
    assert plan.screenings_to_create == []


def test_extra_screening_in_the_file_is_created_when_no_candidate_is_left():
    rows = [*ROWS, row(5, "Spencer", at(12, 21), "BFI Southbank NFT1", runtime=117)]
    plan = plan_for(rows, FILMS, VENUES, SCREENINGS)
    assert [s.row for s in plan.screenings_to_create] == [5]
    assert plan.screenings_to_update == []


# --- Film facts --------------------------------------------------------------------------------


def test_new_runtime_in_the_file_updates_the_film():
    rows = [row(2, "Spencer", at(10, 12), "BFI Southbank NFT1", runtime=111)]
    plan = plan_for(rows, FILMS, VENUES, SCREENINGS)
    [update] = plan.films_to_update
    assert update.film_id == 2
    assert update.title == "Spencer"
    assert update.changes == {"runtime_minutes": (117, 111)}
    assert update.first_row == 2
    assert plan.films_to_create == []


def test_empty_cells_never_wipe_existing_facts():
    films = [film(2, "Spencer", runtime_minutes=117, directors="Pablo Larraín", year=2021)]
    rows = [row(2, "Spencer", at(10, 12), "BFI Southbank NFT1", directors="", year=None)]
    plan = plan_for(rows, films, VENUES, SCREENINGS)
    assert plan.films_to_update == []
    assert plan.screenings_unchanged == 1
    assert not plan.changes_anything


def test_a_later_row_adds_a_fact_the_first_row_lacked():
    rows = [
        row(2, "Spencer", at(10, 12), "NFT1"),
        row(3, "Spencer", at(11, 12), "NFT1", directors="Pablo Larraín"),
    ]
    plan = plan_for(rows)
    assert plan.films_to_create[0].facts == {"directors": "Pablo Larraín"}


def test_existing_film_matched_ignoring_case_and_spacing():
    rows = [row(2, "  SPENCER ", at(10, 12), "bfi southbank nft1", runtime=117)]
    plan = plan_for(rows, FILMS, VENUES, SCREENINGS)
    assert plan.films_to_create == []
    assert plan.venues_to_create == []
    assert plan.screenings_unchanged == 1


# --- Kind and missing screenings ---------------------------------------------------------------


def test_kind_change_on_an_exact_match_is_an_update_but_not_a_move():
    rows = [row(3, "Spencer", at(10, 12), "BFI Southbank NFT1", runtime=117, kind=PUBLIC)]
    plan = plan_for(rows, FILMS, VENUES, SCREENINGS)
    [update] = plan.screenings_to_update
    assert update.screening_id == 101
    assert (update.was_kind, update.kind) == (PRESS, PUBLIC)
    assert not update.moved
    assert plan.changes_anything


def test_screenings_the_file_no_longer_lists_are_reported_not_removed():
    plan = plan_for(ROWS[:2], FILMS, VENUES, SCREENINGS)
    assert plan.screenings_not_in_file == [102]
    assert plan.screenings_unchanged == 2
    assert not plan.changes_anything


def test_screenings_of_films_absent_from_the_file_are_not_reported_as_missing():
    films = [*FILMS, film(3, "Belfast", runtime_minutes=98)]
    screenings = [*SCREENINGS, screening(103, 3, 11, at(13, 18), 98)]
    plan = plan_for(ROWS, films, VENUES, screenings)
    assert plan.screenings_not_in_file == []


# --- Default runtime note ----------------------------------------------------------------------


def test_films_without_runtime_or_end_get_a_note_and_the_default_length():
    rows = [
        row(2, "Spencer", at(10, 12), "NFT1"),
        row(3, "Belfast", at(10, 15), "NFT1"),
        row(4, "Spencer", at(11, 12), "NFT1"),
    ]
    plan = plan_for(rows, default=90)
    [note] = plan.notes
    assert "2 films" in note
    assert "90 minutes" in note
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) for s in plan.screenings_to_create)


def test_note_says_film_in_the_singular_for_one_film():
    plan = plan_for([row(2, "Spencer", at(10, 12), "NFT1")])
    [note] = plan.notes
    assert "No runtime for 1 film:" in note
    assert "120 minutes" in note


def test_existing_runtime_means_no_note():
    plan = plan_for([row(2, "Spencer", at(10, 14), "NFT1")], FILMS)
    assert plan.notes == []
    assert plan.screenings_to_create[0].ends_at == at(10, 14) + timedelta(minutes=117)


def test_no_note_when_every_row_has_an_end_time():
    plan = plan_for([row(2, "Spencer", at(10, 12), "NFT1", ends_at=at(10, 14))])
    assert plan.notes == []


def test_note_counts_only_films_whose_screenings_actually_get_the_default_length():
    rows = [
        row(2, "Spencer", at(10, 12), "NFT1", ends_at=at(10, 14)),  # no runtime, has an end
        row(3, "Belfast", at(10, 15), "NFT1"),  # no runtime, no end: gets the default
    ]
    [note] = plan_for(rows).notes
    assert "No runtime for 1 film:" in note
