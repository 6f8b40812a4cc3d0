"""Film embargoes: none, a fixed instant, or following the first public screening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coverage.pieces.embargo import (
    HELD,
    ScreeningTime,
    effective_embargo,
    film_embargo,
    first_public_screening,
    is_held,
)
from coverage.programme.kinds import EmbargoRule, ScreeningKind

K = ScreeningKind
FIXED_AT = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def screening(hour: int, kind: ScreeningKind = K.PUBLIC, cancelled: bool = False, day: int = 10):
    return ScreeningTime(utc(2021, 10, day, hour, 0), kind, cancelled)


def after_first_public(screenings, offset_minutes: int = 0) -> datetime | None:
    return film_embargo(EmbargoRule.FIRST_PUBLIC_SCREENING, None, offset_minutes, screenings)


# --- film_embargo -------------------------------------------------------------------------------


def test_no_embargo_rule_means_coverage_may_go_out_at_any_time():
    assert film_embargo(EmbargoRule.NONE, None, 0, [screening(18)]) is None


def test_no_embargo_rule_ignores_a_stray_fixed_instant():
    assert film_embargo(EmbargoRule.NONE, FIXED_AT, 30, [screening(18)]) is None


def test_fixed_rule_lifts_at_the_fixed_instant():
    assert film_embargo(EmbargoRule.FIXED, FIXED_AT, 0, []) == FIXED_AT


def test_fixed_rule_ignores_screenings_and_offset():
    assert film_embargo(EmbargoRule.FIXED, FIXED_AT, 90, [screening(9)]) == FIXED_AT


def test_first_public_screening_rule_lifts_at_the_earliest_public_screening():
    screenings = [screening(20), screening(18), screening(21, day=11)]
    assert after_first_public(screenings) == utc(2021, 10, 10, 18, 0)


def test_first_public_screening_rule_adds_the_offset_minutes():
    assert after_first_public([screening(18)], offset_minutes=90) == utc(2021, 10, 10, 19, 30)


def test_a_gala_counts_as_a_public_screening():
    screenings = [screening(20), screening(17, K.GALA)]
    assert after_first_public(screenings) == utc(2021, 10, 10, 17, 0)


@pytest.mark.parametrize("kind", [K.PRESS, K.PRESS_INDUSTRY], ids=lambda k: k.value)
def test_press_screenings_are_ignored(kind):
    screenings = [screening(9, kind), screening(18)]
    assert after_first_public(screenings) == utc(2021, 10, 10, 18, 0)


def test_cancelling_the_first_public_screening_moves_the_embargo_to_the_next():
    screenings = [screening(18, cancelled=True), screening(21), screening(15, day=11)]
    assert after_first_public(screenings, offset_minutes=15) == utc(2021, 10, 10, 21, 15)


def test_with_only_press_screenings_the_embargo_is_held():
    screenings = [screening(9, K.PRESS), screening(11, K.PRESS_INDUSTRY)]
    assert after_first_public(screenings) is HELD


def test_with_every_public_screening_cancelled_the_embargo_is_held():
    screenings = [screening(18, cancelled=True), screening(20, K.GALA, cancelled=True)]
    assert after_first_public(screenings) == HELD


def test_with_no_screenings_at_all_the_embargo_is_held():
    assert after_first_public([]) == HELD


def test_screenings_may_be_any_iterable():
    assert after_first_public(iter([screening(19)])) == utc(2021, 10, 10, 19, 0)


def test_first_public_screening_is_none_without_a_public_one():
    assert first_public_screening([screening(9, K.PRESS)]) is None


def test_held_is_later_than_any_real_instant_and_aware():
    assert utc(9999, 12, 31, 23, 59) < HELD
    assert HELD.tzinfo is not None


# --- effective_embargo ------------------------------------------------------------------------


def test_effective_embargo_is_none_when_neither_film_nor_piece_has_one():
    assert effective_embargo(None, None) is None


def test_effective_embargo_is_the_films_when_the_piece_has_none():
    assert effective_embargo(FIXED_AT, None) == FIXED_AT


def test_effective_embargo_is_the_pieces_when_the_film_has_none():
    assert effective_embargo(None, FIXED_AT) == FIXED_AT


def test_a_piece_may_tighten_its_films_embargo():
    later = FIXED_AT + timedelta(hours=3)
    assert effective_embargo(FIXED_AT, later) == later


def test_a_piece_may_not_loosen_its_films_embargo():
    earlier = FIXED_AT - timedelta(hours=3)
    assert effective_embargo(FIXED_AT, earlier) == FIXED_AT


def test_a_held_film_embargo_stays_held_whatever_the_piece_says():
    assert effective_embargo(HELD, FIXED_AT) == HELD


# --- is_held ---------------------------------------------------------------------------------


def test_is_held_only_for_the_held_marker():
    assert is_held(HELD)
    assert not is_held(FIXED_AT)
    assert not is_held(None)


def test_an_embargo_computed_with_no_public_screening_reads_as_held():
    assert is_held(effective_embargo(after_first_public([]), None))
