"""Who may edit a piece's text and comment on it, by state and role."""

from __future__ import annotations

import pytest

from coverage.accounts.permissions import Actor
from coverage.accounts.roles import Role
from coverage.drafts.rules import (
    TAKEN,
    WriterAccess,
    keeps_refused_save,
    may_comment,
    may_write,
    who_writes,
    write_refusal,
    writer_access,
)
from coverage.pieces.kinds import PieceState as S

WRITER = Actor(1, Role.WRITER)
OTHER_WRITER = Actor(2, Role.WRITER)
EDITOR = Actor(3, Role.EDITOR)
ADMIN = Actor(4, Role.ADMIN)


@pytest.mark.parametrize("state", [S.ASSIGNED, S.DRAFTING])
def test_only_the_assigned_writer_edits_while_drafting(state):
    assert may_write(WRITER, state, writer_id=1)
    assert not may_write(OTHER_WRITER, state, writer_id=1)
    assert not may_write(EDITOR, state, writer_id=1)


@pytest.mark.parametrize("state", [S.FILED, S.EDITING, S.READY])
def test_the_desk_edits_once_filed(state):
    assert may_write(EDITOR, state, writer_id=1)
    assert may_write(ADMIN, state, writer_id=1)
    assert not may_write(OTHER_WRITER, state, writer_id=1)


def test_the_writer_may_fix_a_filed_piece_until_an_editor_takes_it():
    assert may_write(WRITER, S.FILED, writer_id=1)
    assert writer_access(WRITER, S.FILED, writer_id=1) is WriterAccess.FIX_AFTER_FILING
    assert not keeps_refused_save(WRITER, S.FILED, writer_id=1)
    for taken in (S.EDITING, S.READY, S.SCHEDULED):
        assert not may_write(WRITER, taken, writer_id=1)
        assert write_refusal(WRITER, taken, writer_id=1) == TAKEN
        assert "Leave a comment" in TAKEN
        assert writer_access(WRITER, taken, writer_id=1) is WriterAccess.ASK_EDITOR
        # A save that lost the race with the take is kept, not dropped...
        assert keeps_refused_save(WRITER, taken, writer_id=1)
        # ...but only the writer's own.
        assert not keeps_refused_save(OTHER_WRITER, taken, writer_id=1)
    assert not keeps_refused_save(WRITER, S.PUBLISHED, writer_id=1)
    assert not keeps_refused_save(Actor(1, Role.WRITER, active=False), S.EDITING, writer_id=1)


def test_writer_access_is_only_for_the_writer():
    assert writer_access(WRITER, S.DRAFTING, writer_id=1) is WriterAccess.DRAFTING
    assert writer_access(OTHER_WRITER, S.FILED, writer_id=1) is WriterAccess.NONE
    assert writer_access(EDITOR, S.EDITING, writer_id=1) is WriterAccess.NONE
    assert writer_access(WRITER, S.PUBLISHED, writer_id=1) is WriterAccess.NONE
    assert writer_access(WRITER, S.FILED, writer_id=None) is WriterAccess.NONE


def test_a_desk_member_writing_their_own_piece_keeps_the_desk_rights():
    assert may_write(EDITOR, S.EDITING, writer_id=3)
    assert not keeps_refused_save(EDITOR, S.EDITING, writer_id=3)


@pytest.mark.parametrize("state", [S.PITCHED, S.SCHEDULED, S.PUBLISHED, S.SPIKED])
def test_nobody_edits_outside_those_states(state):
    assert not any(may_write(actor, state, 1) for actor in (WRITER, EDITOR, ADMIN))
    assert who_writes(state)


def test_an_inactive_account_edits_nothing():
    assert not may_write(Actor(1, Role.WRITER, active=False), S.DRAFTING, writer_id=1)


def test_refusal_sentences():
    assert who_writes(S.FILED).startswith("Only the piece's writer (until an editor takes it")
    assert who_writes(S.EDITING) == "Only an editor can edit the text once it is taken for editing."
    assert write_refusal(Actor(1, Role.WRITER, active=False), S.DRAFTING, 1).startswith("Log in")
    assert write_refusal(OTHER_WRITER, S.FILED, 1) == who_writes(S.FILED)
    assert who_writes(S.DRAFTING).startswith("Only the assigned writer")
    assert "reopening it for correction" in who_writes(S.PUBLISHED)


def test_comments_are_between_the_writer_and_the_desk():
    assert may_comment(WRITER, writer_id=1)
    assert may_comment(EDITOR, writer_id=1)
    assert not may_comment(OTHER_WRITER, writer_id=1)
    assert not may_comment(Actor(3, Role.EDITOR, active=False), writer_id=1)
