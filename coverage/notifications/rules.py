"""Who is told what: notice kinds, recipients, reminder timing and email backoff.

Pure: no Flask, no database. The services copy what they need out of the rows (`PieceFacts`
here) and ask these functions, so the rules read the same in the web views, the worker and the
tests. Nobody is ever told of their own act: every recipient function leaves the actor out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from coverage.accounts.roles import Role
from coverage.pieces.kinds import PieceState


class NoticeKind(StrEnum):
    """What happened, as a notice (in-app, and by email if the user keeps that kind on)."""

    ASSIGNED = "assigned"
    DECLINED = "declined"
    FILED = "filed"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    DEADLINE_SOON = "deadline_soon"
    OVERDUE = "overdue"
    SCHEDULE_CHANGED = "schedule_changed"

    @property
    def label(self) -> str:
        """The user's name for the kind (the settings page's checkbox labels)."""
        return {
            "assigned": "A piece is assigned to you",
            "declined": "A writer declines an assignment",
            "filed": "Copy is filed",
            "returned": "Your piece is returned with notes",
            "approved": "Your piece is approved",
            "published": "Your piece is published",
            "deadline_soon": "Your deadline is in 12 hours",
            "overdue": "A deadline has passed",
            "schedule_changed": "A screening or interview you must attend moves or is cancelled",
        }[self.value]


class Delivery(StrEnum):
    """How a user's emails go out: each at once, or one digest a day."""

    AT_ONCE = "at_once"
    DAILY_DIGEST = "daily_digest"

    @property
    def label(self) -> str:
        return {"at_once": "At once, one email each", "daily_digest": "One daily digest"}[
            self.value
        ]


# What reaches a writer (see `recipients`): news of their own pieces. Declined and filed go
# to the desk only, so a writer is never offered them in their email choices.
WRITER_KINDS = (
    NoticeKind.ASSIGNED,
    NoticeKind.RETURNED,
    NoticeKind.APPROVED,
    NoticeKind.PUBLISHED,
    NoticeKind.DEADLINE_SOON,
    NoticeKind.OVERDUE,
    NoticeKind.SCHEDULE_CHANGED,
)


def kinds_for_role(role: Role) -> tuple[NoticeKind, ...]:
    """The notice kinds a user of `role` can receive, in `NoticeKind` order: a writer only
    news of their own pieces (`WRITER_KINDS`); editors and admins every kind (they may also
    write pieces themselves)."""
    if role is Role.WRITER:
        return tuple(kind for kind in NoticeKind if kind in WRITER_KINDS)
    return tuple(NoticeKind)


def merged_off_kinds(
    stored_off: Iterable[NoticeKind], shown: Iterable[NoticeKind], emailed: Iterable[NoticeKind]
) -> frozenset[NoticeKind]:
    """The kinds turned off after a save of a form showing only `shown` kinds, with `emailed`
    ticked: the shown ones follow the form, the hidden ones stay as stored."""
    shown_set = set(shown)
    return frozenset((set(stored_off) - shown_set) | (shown_set - set(emailed)))


# Reminders go to pieces whose copy is still to come.
AWAITING_COPY = frozenset({PieceState.ASSIGNED, PieceState.DRAFTING})
# Pieces that still send their writer to a screening or an interview.
COMMITTED_STATES = frozenset(
    {
        PieceState.ASSIGNED,
        PieceState.DRAFTING,
        PieceState.FILED,
        PieceState.EDITING,
        PieceState.READY,
        PieceState.SCHEDULED,
    }
)
DEADLINE_SOON_BEFORE = timedelta(hours=12)
# Deadlines passed longer ago than this are not chased any more: they had their reminder
# (unless no worker ran then, and a reminder days late helps nobody), and the worker's scan
# stays small however many old pieces were never filed.
OVERDUE_LOOKBACK = timedelta(days=3)


@dataclass(frozen=True)
class PieceParties:
    """Who a piece concerns: its writer, its responsible editor, and the desk (active editors,
    then admins) for a piece without an editor."""

    writer_id: int | None
    editor_id: int | None
    desk_editor_ids: tuple[int, ...] = ()
    admin_ids: tuple[int, ...] = ()


def without(ids: Iterable[int | None], actor_id: int | None) -> list[int]:
    """The ids in order, once each, leaving out None and the actor."""
    seen: list[int] = []
    for user_id in ids:
        if user_id is not None and user_id != actor_id and user_id not in seen:
            seen.append(user_id)
    return seen


def desk_for(parties: PieceParties) -> list[int]:
    """The editors a piece's desk news goes to: its responsible editor; with none, every
    active editor (the section desk that will pick it up); with no editor at all, the admins,
    so that someone always hears."""
    if parties.editor_id is not None:
        return [parties.editor_id]
    if parties.desk_editor_ids:
        return list(parties.desk_editor_ids)
    return list(parties.admin_ids)


def recipients(kind: NoticeKind, parties: PieceParties, actor_id: int | None) -> list[int]:
    """The user ids told of `kind` on a piece, never the actor.

    - assigned, returned, approved, published, deadline soon, schedule changed: the writer;
    - declined, filed: the desk (`desk_for`);
    - overdue: the writer and the desk.
    """
    if kind in (NoticeKind.DECLINED, NoticeKind.FILED):
        wanted = desk_for(parties)
    elif kind is NoticeKind.OVERDUE:
        wanted = [parties.writer_id, *desk_for(parties)]
    else:
        wanted = [parties.writer_id]
    return without(wanted, actor_id)


# Workflow actions (coverage.pieces.workflow.Action values) that tell someone, by target.
def kind_for_transition(action: str, target: PieceState) -> NoticeKind | None:
    """The notice a workflow step sends, or None (taking for edit, spiking... tell nobody;
    spiking a piece with an interview slot is a schedule change, see `slot_cancelled`)."""
    if target is PieceState.PUBLISHED:
        return NoticeKind.PUBLISHED
    return {
        "assign": NoticeKind.ASSIGNED,
        "decline": NoticeKind.DECLINED,
        "file": NoticeKind.FILED,
        "return": NoticeKind.RETURNED,
        "approve": NoticeKind.APPROVED,
    }.get(action)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime | None
    ends_at: datetime | None
    place: str = ""

    @property
    def is_set(self) -> bool:
        return self.starts_at is not None and self.ends_at is not None


def slot_changed(before: Slot, after: Slot, state: PieceState) -> bool:
    """Whether the writer must hear that their interview slot moved or went: its start, end or
    place changed on a piece that still sends them there (adding a slot to a piece that had
    none is news too: it is in their calendar now)."""
    if state not in COMMITTED_STATES:
        return False
    if not before.is_set and not after.is_set:
        return False
    return (before.starts_at, before.ends_at, before.place.strip()) != (
        after.starts_at,
        after.ends_at,
        after.place.strip(),
    )


def slot_cancelled(slot: Slot, now: datetime) -> bool:
    """Spiking a piece cancels its interview slot: worth telling only while it is ahead."""
    return slot.is_set and slot.ends_at is not None and slot.ends_at > now


# --- Reminders ------------------------------------------------------------------------------


def reminder_due(state: PieceState, due_at: datetime | None, now: datetime) -> NoticeKind | None:
    """The deadline reminder a piece calls for at `now`: OVERDUE once the deadline has passed,
    DEADLINE_SOON within the 12 hours before it, else None. Only for copy still to come."""
    if due_at is None or state not in AWAITING_COPY:
        return None
    if due_at <= now:
        return NoticeKind.OVERDUE
    if due_at - now <= DEADLINE_SOON_BEFORE:
        return NoticeKind.DEADLINE_SOON
    return None


def reminder_key(kind: NoticeKind, piece_id: int, user_id: int, due_at: datetime) -> str:
    """The dedupe key of a reminder: one per kind, piece, person and due time, so that a moved
    deadline may remind again, and many worker rounds (or workers) remind only once."""
    return f"{kind.value}:{piece_id}:{user_id}:{due_at.strftime('%Y%m%dT%H%M%SZ')}"


# --- Email delivery -------------------------------------------------------------------------

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# A message the server itself refused (5xx) this many times is given up.
MAX_REFUSALS = 8


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4, 8 ... minutes, at most an
    hour (a mail server back after a night's outage gets everything within the hour)."""
    if attempts < 1:
        return timedelta(0)
    delay = FIRST_RETRY * (2 ** min(attempts - 1, 16))
    return min(delay, LONGEST_RETRY)


def digest_due(now: datetime, digest_hour_utc: int) -> bool:
    """Whether today's digest may be built: from `digest_hour_utc` (0-23, UTC) on."""
    return now.hour >= digest_hour_utc


def parse_off_kinds(text: str) -> frozenset[NoticeKind]:
    """The kinds a user turned off for email, from their stored comma-separated list
    (unknown names, e.g. of a kind since removed, are ignored)."""
    kinds = set()
    for name in text.split(","):
        try:
            kinds.add(NoticeKind(name.strip()))
        except ValueError:
            continue
    return frozenset(kinds)


def format_off_kinds(kinds: Iterable[NoticeKind]) -> str:
    return ",".join(sorted(kind.value for kind in kinds))
