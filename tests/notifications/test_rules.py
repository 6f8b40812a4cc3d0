"""Who is told what, and when: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coverage.notifications import rules
from coverage.notifications.rules import NoticeKind, PieceParties, Slot
from coverage.pieces.kinds import PieceState

WRITER, EDITOR, OTHER_EDITOR, ADMIN = 1, 2, 3, 4
WITH_EDITOR = PieceParties(WRITER, EDITOR, (EDITOR, OTHER_EDITOR), (ADMIN,))
NO_EDITOR = PieceParties(WRITER, None, (EDITOR, OTHER_EDITOR), (ADMIN,))
NOBODY_ON_THE_DESK = PieceParties(WRITER, None, (), (ADMIN,))


@pytest.mark.parametrize(
    "kind,parties,actor,expected",
    [
        (NoticeKind.ASSIGNED, WITH_EDITOR, EDITOR, [WRITER]),
        (NoticeKind.RETURNED, WITH_EDITOR, EDITOR, [WRITER]),
        (NoticeKind.APPROVED, NO_EDITOR, OTHER_EDITOR, [WRITER]),
        (NoticeKind.PUBLISHED, WITH_EDITOR, None, [WRITER]),
        (NoticeKind.SCHEDULE_CHANGED, WITH_EDITOR, EDITOR, [WRITER]),
        (NoticeKind.DEADLINE_SOON, WITH_EDITOR, None, [WRITER]),
        # Desk news goes to the piece's editor ...
        (NoticeKind.FILED, WITH_EDITOR, WRITER, [EDITOR]),
        (NoticeKind.DECLINED, WITH_EDITOR, WRITER, [EDITOR]),
        # ... else to every editor on the desk, else to the admins.
        (NoticeKind.FILED, NO_EDITOR, WRITER, [EDITOR, OTHER_EDITOR]),
        (NoticeKind.DECLINED, NOBODY_ON_THE_DESK, WRITER, [ADMIN]),
        (NoticeKind.OVERDUE, WITH_EDITOR, None, [WRITER, EDITOR]),
        (NoticeKind.OVERDUE, NO_EDITOR, None, [WRITER, EDITOR, OTHER_EDITOR]),
        # Nobody is told of their own act: an editor who writes the piece themselves.
        (NoticeKind.ASSIGNED, PieceParties(EDITOR, EDITOR), EDITOR, []),
        (NoticeKind.FILED, PieceParties(EDITOR, None, (EDITOR, OTHER_EDITOR)), EDITOR, [3]),
        # No writer: nobody to tell.
        (NoticeKind.APPROVED, PieceParties(None, EDITOR), EDITOR, []),
    ],
)
def test_recipients(kind, parties, actor, expected):
    assert rules.recipients(kind, parties, actor) == expected


@pytest.mark.parametrize(
    "action,target,kind",
    [
        ("assign", PieceState.ASSIGNED, NoticeKind.ASSIGNED),
        ("decline", PieceState.PITCHED, NoticeKind.DECLINED),
        ("file", PieceState.FILED, NoticeKind.FILED),
        ("return", PieceState.DRAFTING, NoticeKind.RETURNED),
        ("approve", PieceState.READY, NoticeKind.APPROVED),
        ("publish", PieceState.PUBLISHED, NoticeKind.PUBLISHED),
        ("publish_scheduled", PieceState.PUBLISHED, NoticeKind.PUBLISHED),
        # Scheduling is not yet publication; taking for edit and starting tell nobody.
        ("publish", PieceState.SCHEDULED, None),
        ("take_for_edit", PieceState.EDITING, None),
        ("start", PieceState.DRAFTING, None),
    ],
)
def test_which_steps_tell_someone(action, target, kind):
    assert rules.kind_for_transition(action, target) is kind


DUE = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "state,now,expected",
    [
        (PieceState.ASSIGNED, DUE - timedelta(hours=12, minutes=1), None),
        (PieceState.ASSIGNED, DUE - timedelta(hours=12), NoticeKind.DEADLINE_SOON),
        (PieceState.DRAFTING, DUE - timedelta(minutes=1), NoticeKind.DEADLINE_SOON),
        (PieceState.DRAFTING, DUE, NoticeKind.OVERDUE),
        (PieceState.ASSIGNED, DUE + timedelta(days=3), NoticeKind.OVERDUE),
        # Filed copy is not late, whatever the clock says.
        (PieceState.FILED, DUE + timedelta(hours=1), None),
        (PieceState.PITCHED, DUE + timedelta(hours=1), None),
    ],
)
def test_reminder_timing(state, now, expected):
    assert rules.reminder_due(state, DUE, now) is expected


def test_a_moved_deadline_has_a_reminder_key_of_its_own():
    first = rules.reminder_key(NoticeKind.OVERDUE, 7, WRITER, DUE)
    assert first == rules.reminder_key(NoticeKind.OVERDUE, 7, WRITER, DUE)
    assert first != rules.reminder_key(NoticeKind.OVERDUE, 7, WRITER, DUE + timedelta(hours=2))
    assert first != rules.reminder_key(NoticeKind.OVERDUE, 7, EDITOR, DUE)
    assert first != rules.reminder_key(NoticeKind.DEADLINE_SOON, 7, WRITER, DUE)


def test_retry_delays_double_up_to_an_hour():
    minutes = [rules.retry_delay(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


START = datetime(2021, 10, 8, 14, 0, tzinfo=UTC)
SLOT = Slot(START, START + timedelta(hours=1), "Soho Hotel")


@pytest.mark.parametrize(
    "before,after,state,expected",
    [
        (SLOT, SLOT, PieceState.ASSIGNED, False),
        (SLOT, Slot(START, START + timedelta(hours=1), " Soho Hotel "), PieceState.ASSIGNED, False),
        (
            SLOT,
            Slot(START + timedelta(hours=1), START + timedelta(hours=2), "Soho Hotel"),
            PieceState.DRAFTING,
            True,
        ),
        (SLOT, Slot(START, START + timedelta(hours=1), "Corinthia"), PieceState.ASSIGNED, True),
        (SLOT, Slot(None, None, ""), PieceState.FILED, True),
        (Slot(None, None), SLOT, PieceState.ASSIGNED, True),
        # A pitch sends nobody anywhere yet.
        (SLOT, Slot(None, None), PieceState.PITCHED, False),
        (Slot(None, None), Slot(None, None, "somewhere"), PieceState.ASSIGNED, False),
    ],
)
def test_slot_changes_worth_telling(before, after, state, expected):
    assert rules.slot_changed(before, after, state) is expected


def test_only_a_slot_still_ahead_is_cancelled_by_spiking():
    assert rules.slot_cancelled(SLOT, START - timedelta(days=1))
    assert not rules.slot_cancelled(SLOT, START + timedelta(hours=2))
    assert not rules.slot_cancelled(Slot(None, None), START)


def test_email_choices_round_trip_and_survive_unknown_kinds():
    off = {NoticeKind.FILED, NoticeKind.OVERDUE}
    assert rules.parse_off_kinds(rules.format_off_kinds(off)) == off
    assert rules.parse_off_kinds("filed, gone_kind,") == {NoticeKind.FILED}
    assert rules.parse_off_kinds("") == frozenset()


def test_digest_hour():
    assert not rules.digest_due(datetime(2021, 10, 7, 6, 59, tzinfo=UTC), 7)
    assert rules.digest_due(datetime(2021, 10, 7, 7, 0, tzinfo=UTC), 7)


def test_every_kind_has_a_label():
    assert all(kind.label for kind in NoticeKind)


def test_a_writer_is_offered_exactly_the_kinds_that_can_reach_a_writer():
    from coverage.accounts.roles import Role

    parties = PieceParties(writer_id=1, editor_id=2)
    reach_writer = {k for k in NoticeKind if 1 in rules.recipients(k, parties, actor_id=None)}
    assert set(rules.kinds_for_role(Role.WRITER)) == reach_writer
    assert NoticeKind.FILED not in reach_writer and NoticeKind.DECLINED not in reach_writer
    assert (
        rules.kinds_for_role(Role.EDITOR) == rules.kinds_for_role(Role.ADMIN) == tuple(NoticeKind)
    )


def test_saving_a_partial_form_keeps_the_hidden_kinds():
    off = rules.merged_off_kinds(
        stored_off={NoticeKind.FILED, NoticeKind.ASSIGNED},
        shown=[NoticeKind.ASSIGNED, NoticeKind.RETURNED],
        emailed=[NoticeKind.ASSIGNED],
    )
    assert off == {NoticeKind.FILED, NoticeKind.RETURNED}
