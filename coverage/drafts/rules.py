"""Who may touch a piece's text and conversation: pure rules, no Flask, no database."""

from __future__ import annotations

from enum import StrEnum

from coverage.accounts.permissions import DESK_ROLES, Actor, can_read_text
from coverage.pieces.kinds import PieceState

# The writer's text: while drafting, and after filing until an editor takes the piece (a typo
# fixed then saves a revision and leaves the piece filed).
WRITER_STATES = frozenset({PieceState.ASSIGNED, PieceState.DRAFTING, PieceState.FILED})
EDITOR_STATES = frozenset({PieceState.FILED, PieceState.EDITING, PieceState.READY})
# An editor has the piece: its writer asks them for a change (a comment) instead of saving.
TAKEN_STATES = frozenset({PieceState.EDITING, PieceState.READY, PieceState.SCHEDULED})

INACTIVE = "Log in with an active account first."
TAKEN = (
    "An editor has taken this piece for editing, so you can no longer change its text. "
    "Leave a comment asking the editor to make the change."
)


def write_refusal(actor: Actor, state: PieceState, writer_id: int | None) -> str | None:
    """None when `actor` may save the text of a piece in `state` written by `writer_id`;
    otherwise the sentence saying why not (and what to do instead).

    The writer edits while the piece is theirs to draft (assigned, drafting, or returned,
    which is drafting again) and, once filed, until an editor takes it; the desk once it is
    filed, in editing or ready. Others read."""
    if not actor.active:
        return INACTIVE
    if state in WRITER_STATES and writer_id is not None and writer_id == actor.id:
        return None
    if state in EDITOR_STATES and actor.role in DESK_ROLES:
        return None
    if state in TAKEN_STATES and writer_id is not None and writer_id == actor.id:
        return TAKEN
    return who_writes(state)


def may_write(actor: Actor, state: PieceState, writer_id: int | None) -> bool:
    """Whether `actor` may save the piece's text now (see `write_refusal`)."""
    return write_refusal(actor, state, writer_id) is None


def keeps_refused_save(actor: Actor, state: PieceState, writer_id: int | None) -> bool:
    """A save refused because an editor took the piece between the writer opening the page
    and saving it: the text is kept as an unapplied revision, never dropped. Only the piece's
    own writer, only once an editor has it."""
    return (
        actor.active
        and writer_id is not None
        and writer_id == actor.id
        and state in TAKEN_STATES
        and not may_write(actor, state, writer_id)
    )


class WriterAccess(StrEnum):
    """What the piece's writer may do about its text now, for the pages to explain."""

    DRAFTING = "drafting"  # writing it
    FIX_AFTER_FILING = "fix_after_filing"  # filed: may still fix it until an editor takes it
    ASK_EDITOR = "ask_editor"  # an editor has it: ask them in a comment
    NONE = "none"  # not their piece, or no text to touch


def writer_access(actor: Actor, state: PieceState, writer_id: int | None) -> WriterAccess:
    """The writer's situation with respect to the text (NONE for anyone but the writer)."""
    if not actor.active or writer_id is None or writer_id != actor.id:
        return WriterAccess.NONE
    if state is PieceState.FILED:
        return WriterAccess.FIX_AFTER_FILING
    if state in WRITER_STATES:
        return WriterAccess.DRAFTING
    if state in TAKEN_STATES:
        return WriterAccess.ASK_EDITOR
    return WriterAccess.NONE


def who_writes(state: PieceState) -> str:
    """Who may edit the text of a piece in `state`, as the sentence a refused user reads."""
    if state is PieceState.FILED:
        return (
            "Only the piece's writer (until an editor takes it for editing) and the desk can "
            "edit the text of a filed piece."
        )
    if state in WRITER_STATES:
        return "Only the assigned writer can edit the text while it is being drafted."
    if state in EDITOR_STATES:
        return "Only an editor can edit the text once it is taken for editing."
    if state is PieceState.PUBLISHED:
        return "A published piece is corrected by reopening it for correction first."
    return f"The text of a {state.value} piece cannot be edited."


def may_comment(actor: Actor, writer_id: int | None) -> bool:
    """Comments are between the piece's writer and the desk: whoever may read them."""
    return can_read_text(actor, writer_id)
