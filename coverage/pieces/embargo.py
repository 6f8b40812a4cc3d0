"""When a film's coverage may go out: a fixed instant, or a rule that follows the programme.

Pure functions over plain values, so the piece page, the workflow guard, the publish-due job and
the API compute the same instant. The rule form follows the screening: moving or cancelling the
first public screening moves the embargo with it.

A film whose own rule is left to the festival (`EmbargoRule.FESTIVAL_DEFAULT`, what an imported
film gets) follows the festival's `DefaultEmbargo`, resolved here (`resolve_rule`): film rule,
else the festival's default, then the instant. So a review cannot go out before a world premiere
because nobody set the film's embargo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from coverage.programme.kinds import DefaultEmbargo, EmbargoRule, PremiereStatus, ScreeningKind

# An embargo that cannot lift yet: a rule waiting for a public screening that does not exist.
HELD = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ScreeningTime:
    starts_at: datetime
    kind: ScreeningKind
    cancelled: bool = False


class RuleSource(StrEnum):
    FILM = "film"
    FESTIVAL = "festival"


# The premieres a festival's "premieres" default holds back.
HELD_PREMIERES = frozenset({PremiereStatus.WORLD, PremiereStatus.INTERNATIONAL})


@dataclass(frozen=True)
class ResolvedRule:
    """The rule a film's embargo follows (never `FESTIVAL_DEFAULT`) and where it comes from;
    `festival_default` is the festival's setting it was read from, when it was."""

    rule: EmbargoRule
    source: RuleSource
    festival_default: DefaultEmbargo | None = None

    def describe(self, offset_minutes: int = 0, fixed_at: str = "") -> str:
        """Where the film's embargo comes from, for the film and piece pages: "until the start
        of its first public screening (from the festival's default: until first public
        screening)", "no embargo (the film's own rule)". `fixed_at` is a fixed embargo's
        instant as the page shows it."""
        if self.rule is EmbargoRule.FIXED:
            what = f"until {fixed_at}" if fixed_at else "until a fixed time"
        elif self.rule is EmbargoRule.FIRST_PUBLIC_SCREENING:
            after = f"{offset_minutes} minutes after " if offset_minutes else ""
            what = f"until {after}the start of its first public screening"
        else:
            what = "no embargo"
        if self.source is RuleSource.FESTIVAL and self.festival_default is not None:
            return f"{what} (from the festival's default: {self.festival_default.label})"
        return f"{what} (the film's own rule)"


def resolve_rule(
    rule: EmbargoRule,
    festival_default: DefaultEmbargo = DefaultEmbargo.NONE,
    premiere: PremiereStatus = PremiereStatus.NONE,
) -> ResolvedRule:
    """The film's own rule, or, when it is left to the festival, the festival's default as it
    applies to a film of that premiere status."""
    if rule is not EmbargoRule.FESTIVAL_DEFAULT:
        return ResolvedRule(rule, RuleSource.FILM)
    waits = festival_default is DefaultEmbargo.FIRST_PUBLIC_SCREENING or (
        festival_default is DefaultEmbargo.PREMIERES_FIRST_PUBLIC_SCREENING
        and premiere in HELD_PREMIERES
    )
    resolved = EmbargoRule.FIRST_PUBLIC_SCREENING if waits else EmbargoRule.NONE
    return ResolvedRule(resolved, RuleSource.FESTIVAL, festival_default)


def first_public_screening(screenings: Iterable[ScreeningTime]) -> datetime | None:
    """Start of the earliest public or gala screening that is still on."""
    starts = [s.starts_at for s in screenings if s.kind.is_public_facing and not s.cancelled]
    return min(starts) if starts else None


def film_embargo(
    rule: EmbargoRule,
    fixed_at: datetime | None,
    offset_minutes: int,
    screenings: Iterable[ScreeningTime],
    *,
    festival_default: DefaultEmbargo = DefaultEmbargo.NONE,
    premiere: PremiereStatus = PremiereStatus.NONE,
) -> datetime | None:
    """The instant a film's embargo lifts, or None when coverage may go out at any time.

    `rule` is the film's own; `FESTIVAL_DEFAULT` follows `festival_default` for a film of
    `premiere` status (`resolve_rule`). A "first public screening" rule with no public screening
    left (all cancelled, none yet scheduled) has no instant: coverage stays held rather than
    going out early, so the caller gets `HELD`.
    """
    rule = resolve_rule(rule, festival_default, premiere).rule
    if rule is EmbargoRule.FIXED:
        return fixed_at
    if rule is EmbargoRule.FIRST_PUBLIC_SCREENING:
        first = first_public_screening(screenings)
        if first is None:
            return HELD
        return first + timedelta(minutes=offset_minutes)
    return None


def effective_embargo(film: datetime | None, piece: datetime | None) -> datetime | None:
    """A piece may tighten its film's embargo (go out later), never loosen it."""
    moments = [moment for moment in (film, piece) if moment is not None]
    return max(moments) if moments else None


def is_held(moment: datetime | None) -> bool:
    return moment == HELD
