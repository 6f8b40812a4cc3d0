"""A festival's default embargo: a film nobody set follows it; a film's own rule wins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coverage.pieces.embargo import (
    HELD,
    ResolvedRule,
    RuleSource,
    ScreeningTime,
    film_embargo,
    resolve_rule,
)
from coverage.programme.kinds import DefaultEmbargo, EmbargoRule, PremiereStatus, ScreeningKind

D = DefaultEmbargo
P = PremiereStatus
FIXED_AT = datetime(2021, 10, 1, 12, 0, tzinfo=UTC)
PRESS = ScreeningTime(datetime(2021, 10, 8, 8, 0, tzinfo=UTC), ScreeningKind.PRESS)
PUBLIC = ScreeningTime(datetime(2021, 10, 10, 17, 30, tzinfo=UTC), ScreeningKind.PUBLIC)


def lifts(rule: EmbargoRule, default: DefaultEmbargo, premiere: PremiereStatus, screenings):
    return film_embargo(rule, FIXED_AT, 0, screenings, festival_default=default, premiere=premiere)


@pytest.mark.parametrize(
    ("default", "premiere", "expected"),
    [
        (D.NONE, P.WORLD, None),
        (D.FIRST_PUBLIC_SCREENING, P.NONE, PUBLIC.starts_at),
        (D.FIRST_PUBLIC_SCREENING, P.UK, PUBLIC.starts_at),
        (D.PREMIERES_FIRST_PUBLIC_SCREENING, P.WORLD, PUBLIC.starts_at),
        (D.PREMIERES_FIRST_PUBLIC_SCREENING, P.INTERNATIONAL, PUBLIC.starts_at),
        (D.PREMIERES_FIRST_PUBLIC_SCREENING, P.EUROPEAN, None),
        (D.PREMIERES_FIRST_PUBLIC_SCREENING, P.UK, None),
        (D.PREMIERES_FIRST_PUBLIC_SCREENING, P.NONE, None),
    ],
)
def test_a_film_left_to_the_festival_follows_its_default(default, premiere, expected) -> None:
    assert lifts(EmbargoRule.FESTIVAL_DEFAULT, default, premiere, [PRESS, PUBLIC]) == expected


def test_the_default_waits_for_a_public_screening_that_does_not_exist_yet() -> None:
    held = lifts(EmbargoRule.FESTIVAL_DEFAULT, D.FIRST_PUBLIC_SCREENING, P.WORLD, [PRESS])
    assert held == HELD


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (EmbargoRule.NONE, None),
        (EmbargoRule.FIXED, FIXED_AT),
        (EmbargoRule.FIRST_PUBLIC_SCREENING, PUBLIC.starts_at),
    ],
)
@pytest.mark.parametrize("default", list(DefaultEmbargo))
def test_the_films_own_rule_overrides_the_festivals_default(rule, expected, default) -> None:
    assert lifts(rule, default, P.WORLD, [PRESS, PUBLIC]) == expected


def test_without_a_festival_default_the_old_call_is_unchanged() -> None:
    assert film_embargo(EmbargoRule.FESTIVAL_DEFAULT, None, 0, [PUBLIC]) is None


def test_resolved_rule_says_where_it_comes_from() -> None:
    from_festival = resolve_rule(EmbargoRule.FESTIVAL_DEFAULT, D.FIRST_PUBLIC_SCREENING, P.WORLD)
    assert from_festival == ResolvedRule(
        EmbargoRule.FIRST_PUBLIC_SCREENING, RuleSource.FESTIVAL, D.FIRST_PUBLIC_SCREENING
    )
    assert from_festival.describe() == (
        "until the start of its first public screening "
        "(from the festival's default: until first public screening)"
    )
    not_held = resolve_rule(EmbargoRule.FESTIVAL_DEFAULT, D.PREMIERES_FIRST_PUBLIC_SCREENING, P.UK)
    assert not_held.describe() == (
        "no embargo (from the festival's default: until first public screening for world and "
        "international premieres)"
    )
    own = resolve_rule(EmbargoRule.FIRST_PUBLIC_SCREENING, D.NONE, P.NONE)
    assert own.source is RuleSource.FILM
    assert own.describe(30) == (
        "until 30 minutes after the start of its first public screening (the film's own rule)"
    )
    fixed = resolve_rule(EmbargoRule.FIXED, D.FIRST_PUBLIC_SCREENING, P.WORLD)
    assert fixed.describe(0, "Fri 01 Oct 2021, 13:00 London time") == (
        "until Fri 01 Oct 2021, 13:00 London time (the film's own rule)"
    )
