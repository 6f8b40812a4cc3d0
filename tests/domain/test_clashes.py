"""Clashes between a writer's commitments: overlaps and gaps too short to travel between places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coverage.pieces.clashes import Clash, Commitment, find_clashes

CINEMA = 1
TOWN_HALL = 2
FAR_HALL = 3

# Minutes to get from one venue to another; a pair missing here is unknown.
TRAVEL = {
    (CINEMA, TOWN_HALL): 15,
    (TOWN_HALL, CINEMA): 15,
    (CINEMA, FAR_HALL): 40,
    (FAR_HALL, CINEMA): 40,
}
DEFAULT_BUFFER = 30


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def travel(first: Commitment, second: Commitment) -> int | None:
    if first.venue_id is None or second.venue_id is None:
        return None
    return TRAVEL.get((first.venue_id, second.venue_id))


def at(
    start: tuple[int, int],
    end: tuple[int, int],
    venue_id: int | None = CINEMA,
    place: str = "",
    *,
    day: int = 10,
    end_day: int | None = None,
    what: str = "",
    screening_id: int | None = None,
    piece_id: int | None = None,
) -> Commitment:
    return Commitment(
        starts_at=utc(2021, 10, day, *start),
        ends_at=utc(2021, 10, end_day or day, *end),
        venue_id=venue_id,
        place=place
        or {CINEMA: "Cinema", TOWN_HALL: "Town Hall", FAR_HALL: "Far Hall"}.get(venue_id, ""),
        what=what or f"{start[0]:02d}:{start[1]:02d}",
        screening_id=screening_id,
        piece_id=piece_id,
    )


def clashes(
    candidate: Commitment, *others: Commitment, buffer: int = DEFAULT_BUFFER
) -> list[Clash]:
    return find_clashes(candidate, others, travel=travel, default_buffer_minutes=buffer)


# --- Overlaps ------------------------------------------------------------------------------------


def test_overlapping_commitments_clash_and_say_they_overlap():
    candidate = at((18, 0), (20, 0))
    other = at((19, 30), (21, 0))
    [clash] = clashes(candidate, other)
    assert clash.candidate is candidate
    assert clash.other is other
    assert clash.overlap is True
    assert clash.reason == "they overlap"
    assert clash.gap_minutes == -30


def test_overlap_is_found_whichever_starts_first():
    candidate = at((19, 30), (21, 0))
    [clash] = clashes(candidate, at((18, 0), (20, 0)))
    assert clash.overlap is True


def test_a_commitment_inside_another_overlaps():
    [clash] = clashes(at((18, 0), (22, 0)), at((19, 0), (20, 0)))
    assert clash.overlap is True


def test_overlap_in_the_same_venue_still_clashes():
    [clash] = clashes(at((18, 0), (20, 0), CINEMA), at((19, 0), (21, 0), CINEMA))
    assert clash.reason == "they overlap"


# --- Gaps and travel -----------------------------------------------------------------------------


def test_back_to_back_in_the_same_venue_does_not_clash():
    assert clashes(at((18, 0), (20, 0), CINEMA), at((20, 0), (22, 0), CINEMA)) == []


def test_back_to_back_in_the_same_venue_does_not_clash_in_either_order():
    assert clashes(at((20, 0), (22, 0), CINEMA), at((18, 0), (20, 0), CINEMA)) == []


def test_a_gap_shorter_than_the_travel_time_clashes_and_names_gap_and_minutes_needed():
    candidate = at((18, 0), (20, 0), CINEMA)
    other = at((20, 10), (22, 0), TOWN_HALL)
    [clash] = clashes(candidate, other)
    assert clash.overlap is False
    assert (clash.gap_minutes, clash.needed_minutes) == (10, 15)
    assert clash.reason == ("only 10 min between them; 15 min needed to get from one to the other")


def test_a_gap_equal_to_the_travel_time_does_not_clash():
    assert clashes(at((18, 0), (20, 0), CINEMA), at((20, 15), (22, 0), TOWN_HALL)) == []


def test_a_gap_longer_than_the_travel_time_does_not_clash():
    assert clashes(at((18, 0), (20, 0), CINEMA), at((20, 20), (22, 0), TOWN_HALL)) == []


def test_back_to_back_in_different_venues_clashes():
    [clash] = clashes(at((18, 0), (20, 0), CINEMA), at((20, 0), (22, 0), TOWN_HALL))
    assert clash.overlap is False
    assert clash.reason == "only 0 min between them; 15 min needed to get from one to the other"


def test_each_pair_uses_its_own_travel_time():
    candidate = at((18, 0), (20, 0), CINEMA)
    town_hall = at((20, 20), (21, 0), TOWN_HALL)
    far_hall = at((15, 0), (17, 30), FAR_HALL)
    [clash] = clashes(candidate, town_hall, far_hall)
    assert clash.other is far_hall
    assert (clash.gap_minutes, clash.needed_minutes) == (30, 40)


def test_an_unknown_venue_pair_falls_back_to_the_default_buffer():
    candidate = at((18, 0), (20, 0), TOWN_HALL)
    [clash] = clashes(candidate, at((20, 20), (22, 0), FAR_HALL), buffer=30)
    assert (clash.gap_minutes, clash.needed_minutes) == (20, 30)
    assert clash.reason == "only 20 min between them; 30 min needed to get from one to the other"


def test_an_unknown_venue_pair_with_a_gap_past_the_buffer_does_not_clash():
    assert clashes(at((18, 0), (20, 0), TOWN_HALL), at((20, 30), (22, 0), FAR_HALL)) == []


def test_a_known_pair_of_zero_minutes_is_not_replaced_by_the_default_buffer():
    def next_door(first: Commitment, second: Commitment) -> int | None:
        return 0

    candidate = at((18, 0), (20, 0), CINEMA)
    other = at((20, 0), (22, 0), TOWN_HALL)
    found = find_clashes(candidate, [other], travel=next_door, default_buffer_minutes=30)
    assert found == []


def test_travel_is_asked_from_the_earlier_place_to_the_later():
    asked = []

    def one_way(first: Commitment, second: Commitment) -> int | None:
        asked.append((first.venue_id, second.venue_id))
        return 15

    candidate = at((20, 10), (22, 0), TOWN_HALL)
    find_clashes(
        candidate, [at((18, 0), (20, 0), CINEMA)], travel=one_way, default_buffer_minutes=0
    )
    assert asked == [(CINEMA, TOWN_HALL)]


# --- Free-text places ----------------------------------------------------------------------------


def test_free_text_places_that_match_ignoring_case_are_the_same_place():
    candidate = at((18, 0), (19, 0), None, "Hotel du Vin bar")
    other = at((19, 0), (20, 0), None, "HOTEL DU VIN BAR")
    assert clashes(candidate, other) == []


def test_different_free_text_places_need_the_default_buffer():
    candidate = at((18, 0), (19, 0), None, "Hotel du Vin bar")
    other = at((19, 10), (20, 0), None, "Festival hub")
    [clash] = clashes(candidate, other, buffer=20)
    assert (clash.gap_minutes, clash.needed_minutes) == (10, 20)


def test_two_empty_free_text_places_are_not_assumed_to_be_the_same():
    candidate = at((18, 0), (19, 0), None, "")
    other = at((19, 0), (20, 0), None, "")
    [clash] = clashes(candidate, other, buffer=20)
    assert clash.needed_minutes == 20


def test_a_free_text_place_against_a_venue_uses_the_default_buffer():
    candidate = at((18, 0), (19, 0), None, "Festival hub")
    other = at((19, 10), (21, 0), CINEMA)
    [clash] = clashes(candidate, other, buffer=25)
    assert clash.needed_minutes == 25


# --- Across midnight -----------------------------------------------------------------------------


def late_screening() -> Commitment:
    return at((23, 0), (1, 10), CINEMA, day=10, end_day=11)


def test_a_commitment_past_midnight_clashes_with_one_too_soon_after_it():
    other = at((1, 20), (2, 30), TOWN_HALL, day=11)
    [clash] = clashes(late_screening(), other)
    assert (clash.overlap, clash.gap_minutes, clash.needed_minutes) == (False, 10, 15)


def test_a_commitment_past_midnight_does_not_clash_with_one_far_enough_after_it():
    assert clashes(late_screening(), at((1, 30), (2, 30), TOWN_HALL, day=11)) == []


def test_a_commitment_past_midnight_overlaps_one_early_next_morning():
    [clash] = clashes(late_screening(), at((0, 30), (2, 0), CINEMA, day=11))
    assert clash.overlap is True


def test_the_same_clock_time_on_the_previous_day_does_not_clash():
    assert clashes(late_screening(), at((1, 20), (2, 30), TOWN_HALL, day=10)) == []


# --- Results -------------------------------------------------------------------------------------


def test_results_are_sorted_by_the_other_commitments_start():
    candidate = at((14, 0), (20, 0), CINEMA)
    late = at((19, 0), (21, 0), CINEMA, what="late")
    early = at((13, 0), (15, 0), CINEMA, what="early")
    middle = at((16, 0), (17, 0), CINEMA, what="middle")
    found = clashes(candidate, late, early, middle)
    assert [clash.other.what for clash in found] == ["early", "middle", "late"]


def test_no_others_means_no_clashes():
    assert clashes(at((18, 0), (20, 0))) == []


def test_others_may_be_any_iterable():
    candidate = at((18, 0), (20, 0))
    found = find_clashes(
        candidate,
        (c for c in [at((19, 0), (21, 0))]),
        travel=travel,
        default_buffer_minutes=0,
    )
    assert len(found) == 1


def test_the_candidate_itself_is_skipped():
    candidate = at((18, 0), (20, 0))
    assert clashes(candidate, candidate) == []


def test_the_same_screening_for_the_same_piece_is_skipped():
    candidate = at((18, 0), (20, 0), screening_id=7, piece_id=4)
    same = at((18, 0), (20, 0), screening_id=7, piece_id=4, what="stored copy")
    assert clashes(candidate, same) == []


def test_the_candidate_is_skipped_but_the_others_are_still_checked():
    candidate = at((18, 0), (20, 0))
    other = at((19, 0), (21, 0))
    found = clashes(candidate, candidate, other)
    assert [clash.other for clash in found] == [other]


@pytest.mark.parametrize("minutes", [-1, 0], ids=["overlap-by-a-minute", "touching"])
def test_gap_minutes_reflect_the_gap(minutes):
    candidate = at((18, 0), (20, 0), CINEMA)
    start = (20, 0) if minutes == 0 else (19, 59)
    [clash] = clashes(candidate, at(start, (22, 0), FAR_HALL))
    assert clash.gap_minutes == minutes
    assert clash.overlap is (minutes < 0)


def test_the_same_screening_for_two_pieces_is_not_a_clash():
    start = datetime(2021, 10, 8, 8, 0, tzinfo=UTC)
    review = Commitment(start, start + timedelta(minutes=130), 1, "NFT1", "review", 10, 7)
    interview_at_same_screening = Commitment(
        start, start + timedelta(minutes=130), 1, "NFT1", "interview", None, 7
    )
    assert (
        find_clashes(
            interview_at_same_screening,
            [review],
            travel=lambda a, b: None,
            default_buffer_minutes=15,
        )
        == []
    )
