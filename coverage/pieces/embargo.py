"""When a film's coverage may go out: a fixed instant, or a rule that follows the programme.

Pure functions over plain values, so the piece page, the workflow guard, the publish-due job and
the API compute the same instant. The rule form follows the screening: moving or cancelling the
first public screening moves the embargo with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coverage.programme.kinds import EmbargoRule, ScreeningKind

# An embargo that cannot lift yet: a rule waiting for a public screening that does not exist.
HELD = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ScreeningTime:
    starts_at: datetime
    kind: ScreeningKind
    cancelled: bool = False


def first_public_screening(screenings: Iterable[ScreeningTime]) -> datetime | None:
    """Start of the earliest public or gala screening that is still on."""
    starts = [s.starts_at for s in screenings if s.kind.is_public_facing and not s.cancelled]
    return min(starts) if starts else None


def film_embargo(
    rule: EmbargoRule,
    fixed_at: datetime | None,
    offset_minutes: int,
    screenings: Iterable[ScreeningTime],
) -> datetime | None:
    """The instant a film's embargo lifts, or None when coverage may go out at any time.

    A "first public screening" rule with no public screening left (all cancelled, none yet
    scheduled) has no instant: coverage stays held rather than going out early, so the caller
    gets `HELD`.
    """
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
