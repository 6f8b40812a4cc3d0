"""Who a change of the programme reaches: the pieces and people a moved or cancelled screening
affects, and what they are told.

Pure: plain values in, plain values out, no Flask, no database. The web views (which ask for
confirmation naming these pieces), the JSON API, the importer and the tests all go through
`affected_pieces`, so the page that asks and the notices that follow name the same people.

Two reasons a piece is affected by a screening:

- its writer attends it: it is the piece's screening to attend, and the piece is neither
  published nor spiked (as for clashes and the writer's calendar, a piece in hand still sends
  its writer there; a pitch names the screening its writer means to see);
- its embargo follows it: the film's embargo is "until first public screening", and the change
  moves the piece's embargo (moving, cancelling, restoring or deleting the first public screening,
  or turning another one into it). A published or spiked piece is past caring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from coverage.pieces.clashes import Clash
from coverage.pieces.embargo import (
    ScreeningTime,
    effective_embargo,
    film_embargo,
    is_held,
)
from coverage.pieces.kinds import PieceState
from coverage.programme.kinds import EmbargoRule, ScreeningKind
from coverage.timeutil import format_in_zone, to_zone

# Coverage that is out, or will never be, sends nobody to a screening and waits for no embargo.
PAST_CARING = frozenset({PieceState.PUBLISHED, PieceState.SPIKED})


class Reason(StrEnum):
    ATTENDS = "attends this screening"
    EMBARGO = "embargo follows this screening"


@dataclass(frozen=True)
class ScreeningState:
    """What the people relying on a screening notice of it. `gone`: deleted."""

    film_id: int
    film_title: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    kind: ScreeningKind
    cancelled: bool = False
    gone: bool = False
    # The programme venue, for travel times between venues when checking new clashes.
    venue_id: int | None = None

    @property
    def on(self) -> bool:
        return not (self.cancelled or self.gone)

    def as_time(self) -> ScreeningTime:
        return ScreeningTime(self.starts_at, self.kind, cancelled=not self.on)


@dataclass(frozen=True)
class FilmEmbargo:
    """A film's embargo rule and its other screenings (this one left out)."""

    film_id: int
    rule: EmbargoRule
    fixed_at: datetime | None
    offset_minutes: int
    other_screenings: tuple[ScreeningTime, ...] = ()

    def lifts_at(self, this: ScreeningState | None) -> datetime | None:
        screenings = list(self.other_screenings)
        if this is not None and this.film_id == self.film_id:
            screenings.append(this.as_time())
        return film_embargo(self.rule, self.fixed_at, self.offset_minutes, screenings)


@dataclass(frozen=True)
class PieceRef:
    """A piece as the rule needs it; names are for the confirmation page and the notices."""

    id: int
    title: str
    state: PieceState
    film_id: int | None
    screening_id: int | None
    own_embargo_at: datetime | None = None
    writer_id: int | None = None
    writer_name: str = ""
    editor_id: int | None = None
    editor_name: str = ""


@dataclass(frozen=True)
class AffectedPiece:
    piece: PieceRef
    reasons: tuple[Reason, ...]
    embargo_before: datetime | None = None
    embargo_after: datetime | None = None

    @property
    def embargo_moves(self) -> bool:
        return Reason.EMBARGO in self.reasons

    def recipients(self) -> list[int]:
        """User ids to tell: the writer always; the editor too when the embargo moves (the
        editor decides when it goes out)."""
        ids = [self.piece.writer_id]
        if self.embargo_moves:
            ids.append(self.piece.editor_id)
        return list(dict.fromkeys(i for i in ids if i is not None))


@dataclass(frozen=True)
class Impact:
    """A proposed change of one screening and the pieces it affects (empty when none)."""

    screening_id: int
    before: ScreeningState
    after: ScreeningState
    affected: tuple[AffectedPiece, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.affected)

    @property
    def writers(self) -> list[str]:
        return list(
            dict.fromkeys(a.piece.writer_name for a in self.affected if a.piece.writer_name)
        )

    def fingerprint(self) -> str:
        """What the editor confirmed: the change and whom it reaches. A different fingerprint
        on confirm means something changed meanwhile, so the page asks again."""
        parts = [str(self.screening_id), repr(self.before), repr(self.after)]
        for item in self.affected:
            parts.append(repr((item.piece, item.reasons, item.embargo_before, item.embargo_after)))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def attendance_changes(before: ScreeningState, after: ScreeningState) -> bool:
    """Whether someone going to the screening must hear of it: it moved (time, venue, film),
    was cancelled, restored or deleted. Notes and kind alone change nothing for them."""
    return (
        before.starts_at != after.starts_at
        or before.ends_at != after.ends_at
        or before.venue != after.venue
        or before.film_id != after.film_id
        or before.on != after.on
    )


def affected_pieces(
    screening_id: int,
    before: ScreeningState,
    after: ScreeningState,
    pieces: Iterable[PieceRef],
    films: Mapping[int, FilmEmbargo],
) -> Impact:
    """The pieces a change of screening `screening_id` from `before` to `after` affects.

    `pieces`: candidates (those attending the screening, and those of its film or films);
    `films`: the embargo of the film before and after the change, by id (a film missing here has
    no embargo that follows the programme). Returns the pieces in the order given, each with
    every reason that applies, the embargo before and after when it moves.
    """
    moved = attendance_changes(before, after)
    affected: list[AffectedPiece] = []
    for piece in pieces:
        reasons: list[Reason] = []
        if moved and piece.screening_id == screening_id and piece.state not in PAST_CARING:
            reasons.append(Reason.ATTENDS)
        embargo_before = embargo_after = None
        film = films.get(piece.film_id) if piece.film_id is not None else None
        if (
            film is not None
            and film.rule is EmbargoRule.FIRST_PUBLIC_SCREENING
            and piece.state not in PAST_CARING
        ):
            embargo_before = effective_embargo(film.lifts_at(before), piece.own_embargo_at)
            embargo_after = effective_embargo(film.lifts_at(after), piece.own_embargo_at)
            if embargo_before != embargo_after:
                reasons.append(Reason.EMBARGO)
        if reasons:
            moves = Reason.EMBARGO in reasons
            affected.append(
                AffectedPiece(
                    piece,
                    tuple(reasons),
                    embargo_before if moves else None,
                    embargo_after if moves else None,
                )
            )
    return Impact(screening_id, before, after, tuple(affected))


# --- What people are told ------------------------------------------------------------------


def describe_embargo(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "none"
    if is_held(moment):
        return "held until a public screening is scheduled"
    return format_in_zone(moment, zone)


def describe_screening(state: ScreeningState, zone: str) -> str:
    """`Sun 10 Oct 2021, 18:30 BST, Odeon Luxe Leicester Square`."""
    return f"{format_in_zone(state.starts_at, zone)}, {state.venue}"


def change_headline(impact: Impact) -> str:
    """`moved`, `cancelled`, `restored` or `deleted`: what happened to the screening."""
    before, after = impact.before, impact.after
    if after.gone:
        return "deleted"
    if before.on and not after.on:
        return "cancelled"
    if not before.on and after.on:
        return "restored"
    if attendance_changes(before, after):
        return "moved"
    return "changed"


def notice_text(
    impact: Impact,
    item: AffectedPiece,
    zone: str,
    *,
    festival: str = "",
    by: str = "",
    at: datetime | None = None,
) -> tuple[str, str]:
    """The subject and plain-text body telling one piece's people of the change: the film, old
    → new time (or "cancelled"), the venue, in the festival's zone, and the piece it concerns.

    `Screening moved: Red Rocket, Sun 10 Oct 2021, 18:30 BST → Mon 11 Oct 2021, 20:00 BST`.
    `festival`, `by` (who changed it) and `at` (when) are named when given.
    """
    before, after = impact.before, impact.after
    what = change_headline(impact)
    if what in ("cancelled", "deleted"):
        change = f"{format_in_zone(before.starts_at, zone)} ({what})"
    elif what == "restored":
        change = f"{format_in_zone(after.starts_at, zone)} (back on)"
    else:
        change = (
            f"{format_in_zone(before.starts_at, zone)} → {format_in_zone(after.starts_at, zone)}"
        )
    subject = f"Screening {what}: {before.film_title}, {change}"
    at_festival = f" at {festival}" if festival else ""
    lines = [
        f"The {before.kind.label.lower()} screening of {before.film_title}{at_festival} "
        f"has been {what}.",
        "",
        f"Was: {describe_screening(before, zone)}",
    ]
    if what in ("cancelled", "deleted"):
        lines.append(f"Now: {what}")
    else:
        if before.film_id != after.film_id:
            lines.append(f"Film now: {after.film_title}")
        lines.append(f"Now: {describe_screening(after, zone)}")
        if not after.on:
            lines.append("(still cancelled)")
    lines.append("")
    lines.append(f"It concerns “{item.piece.title}”:")
    if Reason.ATTENDS in item.reasons:
        who = item.piece.writer_name or "the writer"
        lines.append(f"- {who} attends this screening for it.")
    if item.embargo_moves:
        lines.append(
            "- its embargo follows this screening: it moves from "
            f"{describe_embargo(item.embargo_before, zone)} to "
            f"{describe_embargo(item.embargo_after, zone)}."
        )
    if by or at is not None:
        lines.append("")
        who = f" by {by}" if by else ""
        when = f" on {format_in_zone(at, zone)}" if at is not None else ""
        lines.append(f"Changed{who}{when}.")
    return subject, "\n".join(lines)


def candidate_films(before: ScreeningState, after: ScreeningState) -> Sequence[int]:
    """The films whose embargo the change may move: the screening's film before and after."""
    return list(dict.fromkeys([before.film_id, after.film_id]))


def clash_line(writer_name: str, clash: Clash, zone: str) -> str:
    """A new clash a move creates for a writer, in words: `Sam Carter then has Interview slot
    for Interview: Dennis Abad, Fri 8 Oct 15:00–15:45 Manila time at Hotel — overlaps by 45
    min` (times in the festival's `zone`)."""
    other = clash.other
    when = (
        f"{to_zone(other.starts_at, zone):%a %-d %b %H:%M}–"
        f"{format_in_zone(other.ends_at, zone, '%H:%M')}"
    )
    place = f" at {other.place}" if other.place else ""
    if clash.overlap:
        # The time both take up (the clash's gap counts from the earlier one's end).
        mine = clash.candidate
        both = min(mine.ends_at, other.ends_at) - max(mine.starts_at, other.starts_at)
        problem = f"overlaps by {int(both.total_seconds() // 60)} min"
    else:
        problem = clash.reason
    who = writer_name or "The writer"
    return f"{who} then has {other.what}, {when}{place} — {problem}"
