"""Can a writer make it? Pure interval arithmetic over a writer's commitments.

Two commitments clash when they overlap, or when the gap between them is shorter than the
travel time between their places: the venue pair's minutes when known, else the festival's
default buffer, and nothing for the same place. Intervals are UTC instants, so a screening
that starts after midnight is simply later; no calendar-day logic is involved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Commitment:
    """Something a writer must be at: a screening for a piece, or an interview slot."""

    starts_at: datetime
    ends_at: datetime
    # A venue id when the place is a programme venue; None for a free-text place.
    venue_id: int | None
    place: str
    what: str  # "Red Rocket (press screening) for Review: Red Rocket"
    piece_id: int | None = None
    screening_id: int | None = None

    def same_place(self, other: Commitment) -> bool:
        if self.venue_id is not None and other.venue_id is not None:
            return self.venue_id == other.venue_id
        return bool(self.place) and self.place.casefold() == other.place.casefold()


@dataclass(frozen=True)
class Clash:
    candidate: Commitment
    other: Commitment
    overlap: bool
    gap_minutes: int  # negative when they overlap
    needed_minutes: int

    @property
    def shortfall_minutes(self) -> int:
        """How many minutes are missing: overlap plus travel needed, or travel not left."""
        return self.needed_minutes - self.gap_minutes

    @property
    def reason(self) -> str:
        if self.overlap:
            return "they overlap"
        return (
            f"only {self.gap_minutes} min between them; "
            f"{self.needed_minutes} min needed to get from one to the other"
        )


TravelMinutes = Callable[[Commitment, Commitment], int | None]


def needed_gap(first: Commitment, second: Commitment, travel: TravelMinutes, buffer: int) -> int:
    if first.same_place(second):
        return 0
    minutes = travel(first, second)
    return buffer if minutes is None else minutes


def find_clashes(
    candidate: Commitment,
    others: Iterable[Commitment],
    *,
    travel: TravelMinutes,
    default_buffer_minutes: int,
) -> list[Clash]:
    """Every commitment in `others` that the candidate clashes with, earliest first."""
    clashes = []
    for other in others:
        # One screening can serve two pieces (a review and an interview): attending it once
        # is no clash with itself.
        if other is candidate or (
            candidate.screening_id is not None and other.screening_id == candidate.screening_id
        ):
            continue
        first, second = (
            (candidate, other) if candidate.starts_at <= other.starts_at else (other, candidate)
        )
        gap = second.starts_at - first.ends_at
        needed = needed_gap(first, second, travel, default_buffer_minutes)
        overlap = gap < timedelta(0)
        if overlap or gap < timedelta(minutes=needed):
            clashes.append(
                Clash(
                    candidate=candidate,
                    other=other,
                    overlap=overlap,
                    gap_minutes=int(gap.total_seconds() // 60),
                    needed_minutes=needed,
                )
            )
    return sorted(clashes, key=lambda clash: clash.other.starts_at)


def _attendance_key(commitment: Commitment) -> str:
    """What a commitment sends the writer to, not when: a screening, or an interview slot."""
    if commitment.screening_id is not None:
        return f"screening:{commitment.screening_id}"
    return "slot"


def clash_fingerprint(writer_id: int, clash: Clash) -> str:
    """A clash's identity, 32 hex digits: the writer, what the piece sends them to (a screening
    or the interview slot) and the other commitment. Times are left out on purpose: moving
    either one keeps the clash the same clash, and how bad it is (`shortfall_minutes`) is
    compared apart, so an accepted clash is raised again only when it gets worse, or when it
    is with something else."""
    other = f"piece:{clash.other.piece_id}/{_attendance_key(clash.other)}"
    key = f"{writer_id}|{_attendance_key(clash.candidate)}|{other}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def describe_clash(clash: Clash, when: Callable[[datetime, datetime], str]) -> str:
    """The other commitment and what is wrong, in words: "Belfast (press screening) for Review:
    Belfast, Fri 8 Oct 09:30–11:05 at Odeon Luxe: they overlap by 40 min". `when` formats the
    other commitment's interval in the festival's time."""
    other = clash.other
    place = other.place or "no place given"
    problem = f"they overlap by {-clash.gap_minutes} min" if clash.overlap else clash.reason
    return f"{other.what}, {when(other.starts_at, other.ends_at)} at {place}: {problem}"
