"""Who may touch a piece's text and conversation: pure rules, no Flask, no database."""

from __future__ import annotations

from coverage.accounts.permissions import DESK_ROLES, Actor, can_read_text
from coverage.pieces.kinds import PieceState

WRITER_STATES = frozenset({PieceState.ASSIGNED, PieceState.DRAFTING})
EDITOR_STATES = frozenset({PieceState.FILED, PieceState.EDITING, PieceState.READY})


def may_write(actor: Actor, state: PieceState, writer_id: int | None) -> bool:
    """The writer edits while the piece is theirs to draft (assigned, drafting, or returned,
    which is drafting again); the desk once it is filed, in editing or ready. Others read."""
    if not actor.active:
        return False
    if state in WRITER_STATES:
        return writer_id == actor.id
    if state in EDITOR_STATES:
        return actor.role in DESK_ROLES
    return False


def who_writes(state: PieceState) -> str:
    if state in WRITER_STATES:
        return "Only the assigned writer can edit the text while it is being drafted."
    if state in EDITOR_STATES:
        return "Only an editor can edit the text once it is filed."
    if state is PieceState.PUBLISHED:
        return "A published piece is corrected by reopening it for correction first."
    return f"The text of a {state.value} piece cannot be edited."


def may_comment(actor: Actor, writer_id: int | None) -> bool:
    """Comments are between the piece's writer and the desk: whoever may read them."""
    return can_read_text(actor, writer_id)
