"""The piece workflow: states, the transition table, and the one guard every caller goes through.

Pure: no Flask, no database. The web views, the JSON API, the CLI (`publish-due`) and the tests
all ask `check_transition`, so a rule changed here changes everywhere, and a refusal always
reads the same. A refusal is a `TransitionRefused` carrying a sentence the user can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coverage.accounts.permissions import DESK_ROLES, Actor
from coverage.errors import TransitionRefused
from coverage.pieces.embargo import is_held
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.timeutil import format_in_zone, to_zone

S = PieceState


class Action(StrEnum):
    ASSIGN = "assign"
    DECLINE = "decline"
    START = "start"
    FILE = "file"
    TAKE_FOR_EDIT = "take_for_edit"
    RETURN = "return"
    APPROVE = "approve"
    REOPEN = "reopen"
    PUBLISH = "publish"
    UNSCHEDULE = "unschedule"
    PUBLISH_SCHEDULED = "publish_scheduled"
    CORRECT = "correct"
    SPIKE = "spike"
    WITHDRAW = "withdraw"
    RESTORE = "restore"

    @property
    def label(self) -> str:
        return {
            "assign": "Assign",
            "decline": "Decline",
            "start": "Start drafting",
            "file": "File",
            "take_for_edit": "Take for editing",
            "return": "Return to writer",
            "approve": "Approve",
            "reopen": "Back to editing",
            "publish": "Publish",
            "unschedule": "Cancel scheduled publication",
            "publish_scheduled": "Publish (scheduled)",
            "correct": "Reopen for correction",
            "spike": "Spike",
            "withdraw": "Withdraw from publication",
            "restore": "Restore",
        }[self.value]

    @property
    def phrase(self) -> str:
        """What the action does, for "Only an editor can ...": "take a piece for editing"."""
        return _PHRASES[self.value][0]

    @property
    def participle(self) -> str:
        """For "A pitched piece cannot be ...": "taken for editing"."""
        return _PHRASES[self.value][1]

    @property
    def needs_note(self) -> bool:
        return self in NOTE_REQUIRED


_PHRASES = {
    "assign": ("assign a piece", "assigned"),
    "decline": ("decline this piece", "declined"),
    "start": ("start this piece", "started"),
    "file": ("file this piece", "filed"),
    "take_for_edit": ("take a piece for editing", "taken for editing"),
    "return": ("return a piece to its writer", "returned to its writer"),
    "approve": ("approve a piece", "approved"),
    "reopen": ("send a piece back to editing", "sent back to editing"),
    "publish": ("publish a piece", "published"),
    "unschedule": ("cancel a scheduled publication", "unscheduled"),
    "publish_scheduled": ("publish a scheduled piece", "published by the publishing job"),
    "correct": ("reopen a piece for correction", "reopened for correction"),
    "spike": ("spike a piece", "spiked"),
    "withdraw": ("withdraw a published piece", "withdrawn"),
    "restore": ("restore a piece", "restored"),
}


class Who(StrEnum):
    """Who may take a transition."""

    DESK = "desk"  # editors and admins
    ASSIGNED_WRITER = "assigned_writer"
    SYSTEM = "system"  # the publish-due job


@dataclass(frozen=True)
class Rule:
    sources: frozenset[PieceState]
    target: PieceState | None  # None: decided by the guard (publish, restore)
    who: Who


BEFORE_PUBLISHED = frozenset(
    {S.PITCHED, S.ASSIGNED, S.DRAFTING, S.FILED, S.EDITING, S.READY, S.SCHEDULED}
)

TRANSITIONS: dict[Action, Rule] = {
    Action.ASSIGN: Rule(frozenset({S.PITCHED}), S.ASSIGNED, Who.DESK),
    Action.DECLINE: Rule(frozenset({S.ASSIGNED}), S.PITCHED, Who.ASSIGNED_WRITER),
    Action.START: Rule(frozenset({S.ASSIGNED}), S.DRAFTING, Who.ASSIGNED_WRITER),
    Action.FILE: Rule(frozenset({S.DRAFTING}), S.FILED, Who.ASSIGNED_WRITER),
    Action.TAKE_FOR_EDIT: Rule(frozenset({S.FILED}), S.EDITING, Who.DESK),
    Action.RETURN: Rule(frozenset({S.EDITING}), S.DRAFTING, Who.DESK),
    Action.APPROVE: Rule(frozenset({S.EDITING}), S.READY, Who.DESK),
    # Approval fixes the headline; the desk reopens an approved piece to change it.
    Action.REOPEN: Rule(frozenset({S.READY}), S.EDITING, Who.DESK),
    # Publishing before the embargo lifts schedules instead: the guard picks the target.
    Action.PUBLISH: Rule(frozenset({S.READY}), None, Who.DESK),
    Action.UNSCHEDULE: Rule(frozenset({S.SCHEDULED}), S.READY, Who.DESK),
    Action.PUBLISH_SCHEDULED: Rule(frozenset({S.SCHEDULED}), S.PUBLISHED, Who.SYSTEM),
    Action.CORRECT: Rule(frozenset({S.PUBLISHED}), S.EDITING, Who.DESK),
    Action.SPIKE: Rule(BEFORE_PUBLISHED, S.SPIKED, Who.DESK),
    # Taking a live piece down: readers get 410 Gone; restoring puts it back.
    Action.WITHDRAW: Rule(frozenset({S.PUBLISHED}), S.SPIKED, Who.DESK),
    Action.RESTORE: Rule(frozenset({S.SPIKED}), None, Who.DESK),
}

NOTE_REQUIRED = frozenset(
    {Action.DECLINE, Action.RETURN, Action.SPIKE, Action.WITHDRAW, Action.RESTORE}
)

# Which actions the UI offers as buttons (START happens by saving text, PUBLISH_SCHEDULED by cron).
MANUAL_ACTIONS = tuple(a for a in Action if a not in (Action.START, Action.PUBLISH_SCHEDULED))


@dataclass(frozen=True)
class PieceFacts:
    """What the guard needs to know about a piece, copied out of whatever stores it."""

    state: PieceState
    kind: PieceKind
    writer_id: int | None
    due_at: datetime | None
    headline: str
    body: str
    has_film: bool
    interviewee_count: int
    # The instant the piece may go out (film embargo, tightened by the piece), or None.
    embargo_at: datetime | None
    # A later publication time the desk chose, or None.
    publish_at: datetime | None
    state_before_spike: PieceState | None
    # For messages: "The embargo for Red Rocket lifts at 18:30 BST on 10 October".
    film_title: str = ""
    timezone: str = "UTC"


@dataclass(frozen=True)
class Outcome:
    action: Action
    source: PieceState
    target: PieceState
    # When the piece goes out if the outcome is SCHEDULED.
    publish_at: datetime | None = None


def _who_may(rule: Rule, piece: PieceFacts, actor: Actor | None) -> str | None:
    """None when the actor may; otherwise why not."""
    if rule.who is Who.SYSTEM:
        return None if actor is None else "Scheduled pieces are published by the publish-due job."
    if actor is None or not actor.active:
        return "Log in with an active account first."
    if rule.who is Who.DESK:
        return None if actor.role in DESK_ROLES else "Only an editor can do that."
    if piece.writer_id is None or actor.id != piece.writer_id:
        return "Only the assigned writer can do that."
    return None


def release_time(piece: PieceFacts) -> datetime | None:
    """When a piece may go out: the later of its embargo and the time the desk chose."""
    moments = [moment for moment in (piece.embargo_at, piece.publish_at) if moment is not None]
    return max(moments) if moments else None


def _embargo_sentence(piece: PieceFacts, moment: datetime) -> str:
    if is_held(moment):
        film = piece.film_title or "the film"
        return (
            f"The embargo for {film} lifts with its first public screening, "
            "and none is in the programme"
        )
    local = format_in_zone(moment, piece.timezone, "%H:%M")
    day = f"{to_zone(moment, piece.timezone):%-d %B %Y}"  # the zone is named once, after the time
    subject = f"The embargo for {piece.film_title}" if piece.film_title else "The embargo"
    return f"{subject} lifts at {local} on {day}"


def check_transition(
    piece: PieceFacts,
    action: Action,
    actor: Actor | None,
    now: datetime,
    note: str = "",
) -> Outcome:
    """Whether `actor` may take `action` on `piece` now; the outcome, or TransitionRefused."""
    rule = TRANSITIONS[action]
    if piece.state not in rule.sources:
        article = "An" if piece.state.value[0] in "aeiou" else "A"
        message = f"{article} {piece.state.value} piece cannot be {action.participle}"
        if len(rule.sources) < 4:
            allowed = " or ".join(sorted(state.value for state in rule.sources))
            first = "an" if allowed[0] in "aeiou" else "a"
            message += f" (only {first} {allowed} one)"
        raise TransitionRefused(message + ".")
    refusal = _who_may(rule, piece, actor)
    if refusal is not None:
        raise TransitionRefused(_who_message(action, refusal))
    if action.needs_note and not note.strip():
        raise TransitionRefused(_note_message(action), field="note")
    guard = GUARDS.get(action)
    if guard is not None:
        guard(piece, now)
    target = rule.target
    publish_at = None
    if action is Action.PUBLISH:
        moment = release_time(piece)
        if moment is not None and moment > now:
            target, publish_at = S.SCHEDULED, moment
        else:
            target = S.PUBLISHED
    elif action is Action.RESTORE:
        target = piece.state_before_spike or S.PITCHED
    assert target is not None
    return Outcome(action, piece.state, target, publish_at)


def _who_message(action: Action, refusal: str) -> str:
    if refusal == "Only the assigned writer can do that.":
        return f"Only the assigned writer can {action.phrase}."
    if refusal == "Only an editor can do that.":
        return f"Only an editor can {action.phrase}."
    return refusal


def _note_message(action: Action) -> str:
    return {
        Action.DECLINE: "Say why you are declining, so the editor can reassign it.",
        Action.RETURN: "Write a note telling the writer what to change.",
        Action.SPIKE: "Give a reason for spiking the piece.",
        Action.WITHDRAW: "Give a reason for withdrawing the piece from publication.",
        Action.RESTORE: "Give a reason for restoring the piece.",
    }[action]


def _guard_assign(piece: PieceFacts, now: datetime) -> None:
    missing = []
    if piece.writer_id is None:
        missing.append("a writer")
    if piece.due_at is None:
        missing.append("a due time")
    if missing:
        raise TransitionRefused(
            f"Choose {' and '.join(missing)} before assigning.",
            field="writer_id" if piece.writer_id is None else "due_at",
        )


def _guard_file(piece: PieceFacts, now: datetime) -> None:
    if not piece.body.strip():
        raise TransitionRefused("Write the piece before filing it: the body is empty.")


def _guard_approve(piece: PieceFacts, now: datetime) -> None:
    if not piece.headline.strip():
        raise TransitionRefused("Give the piece a headline before approving it.")
    if piece.kind is PieceKind.REVIEW and not piece.has_film:
        raise TransitionRefused("A review must be of a film: choose the film before approving.")
    if piece.kind is PieceKind.INTERVIEW and piece.interviewee_count == 0:
        raise TransitionRefused("Add who is interviewed before approving an interview.")


def _guard_publish_scheduled(piece: PieceFacts, now: datetime) -> None:
    moment = release_time(piece)
    if moment is not None and moment > now:
        raise TransitionRefused(f"{_embargo_sentence(piece, moment)}; it is not time yet.")


def _guard_publish(piece: PieceFacts, now: datetime) -> None:
    # Publishing is never refused for the embargo: it becomes scheduled instead.
    return None


GUARDS: dict[Action, Callable[[PieceFacts, datetime], None]] = {
    Action.ASSIGN: _guard_assign,
    Action.FILE: _guard_file,
    Action.APPROVE: _guard_approve,
    Action.PUBLISH: _guard_publish,
    Action.PUBLISH_SCHEDULED: _guard_publish_scheduled,
}


def embargo_refusal(piece: PieceFacts, now: datetime) -> str | None:
    """The sentence shown when something wants the piece out before its embargo, else None."""
    moment = release_time(piece)
    if moment is not None and moment > now:
        return _embargo_sentence(piece, moment) + "."
    return None


def available_actions(piece: PieceFacts, actor: Actor, now: datetime) -> list[Action]:
    """The buttons to show: actions this actor could take now (a note may still be needed)."""
    offered = []
    for action in MANUAL_ACTIONS:
        try:
            check_transition(piece, action, actor, now, note="(checking)")
        except TransitionRefused:
            continue
        offered.append(action)
    return offered
