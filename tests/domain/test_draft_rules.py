"""Who may edit a piece's text and comment on it, by state and role."""

from __future__ import annotations

import pytest

from coverage.accounts.permissions import Actor
from coverage.accounts.roles import Role
from coverage.drafts.rules import may_comment, may_write, who_writes
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
    assert not may_write(WRITER, state, writer_id=1)


@pytest.mark.parametrize("state", [S.PITCHED, S.SCHEDULED, S.PUBLISHED, S.SPIKED])
def test_nobody_edits_outside_those_states(state):
    assert not any(may_write(actor, state, 1) for actor in (WRITER, EDITOR, ADMIN))
    assert who_writes(state)


def test_an_inactive_account_edits_nothing():
    assert not may_write(Actor(1, Role.WRITER, active=False), S.DRAFTING, writer_id=1)


def test_refusal_sentences():
    assert who_writes(S.FILED) == "Only an editor can edit the text once it is filed."
    assert who_writes(S.DRAFTING).startswith("Only the assigned writer")
    assert "reopening it for correction" in who_writes(S.PUBLISHED)


def test_comments_are_between_the_writer_and_the_desk():
    assert may_comment(WRITER, writer_id=1)
    assert may_comment(EDITOR, writer_id=1)
    assert not may_comment(OTHER_WRITER, writer_id=1)
    assert not may_comment(Actor(3, Role.EDITOR, active=False), writer_id=1)
