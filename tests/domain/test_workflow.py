"""The piece workflow: every row of the transition table, its actors, its guards and its messages.

Plain values only: no app, no database. `check_transition` is the one guard every caller uses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from coverage.accounts.permissions import Actor
from coverage.accounts.roles import Role
from coverage.errors import TransitionRefused
from coverage.pieces.embargo import HELD
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.workflow import (
    BEFORE_PUBLISHED,
    TRANSITIONS,
    Action,
    Outcome,
    PieceFacts,
    Who,
    available_actions,
    check_transition,
    embargo_refusal,
    release_time,
)

S = PieceState

WRITER = Actor(id=10, role=Role.WRITER)
OTHER_WRITER = Actor(id=11, role=Role.WRITER)
EDITOR = Actor(id=20, role=Role.EDITOR)
ADMIN = Actor(id=30, role=Role.ADMIN)
INACTIVE_EDITOR = Actor(id=21, role=Role.EDITOR, active=False)
INACTIVE_ADMIN = Actor(id=31, role=Role.ADMIN, active=False)
INACTIVE_WRITER = Actor(id=10, role=Role.WRITER, active=False)

NOW = datetime(2021, 10, 10, 12, 0, tzinfo=UTC)
# 18:30 London time on 10 October 2021.
RED_ROCKET_EMBARGO = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def piece(state: PieceState = S.PITCHED, **changes) -> PieceFacts:
    """A piece that passes every guard; tests change one fact at a time."""
    base = PieceFacts(
        state=state,
        kind=PieceKind.REVIEW,
        writer_id=WRITER.id,
        due_at=utc(2021, 10, 11, 9, 0),
        headline="A rocket that never quite lands",
        body="Sean Baker's new film is a portrait of a hustler.",
        has_film=True,
        interviewee_count=0,
        embargo_at=None,
        publish_at=None,
        state_before_spike=None,
        film_title="Red Rocket",
        timezone="Europe/London",
    )
    return replace(base, **changes)


def refusal(facts: PieceFacts, action: Action, actor: Actor | None, **kwargs) -> TransitionRefused:
    kwargs.setdefault("now", NOW)
    with pytest.raises(TransitionRefused) as caught:
        check_transition(facts, action, actor, **kwargs)
    return caught.value


# --- The table itself --------------------------------------------------------------------------

# action, source, target (for rows whose target the table fixes), who acts.
ROWS = [
    (Action.ASSIGN, S.PITCHED, S.ASSIGNED, EDITOR),
    (Action.DECLINE, S.ASSIGNED, S.PITCHED, WRITER),
    (Action.START, S.ASSIGNED, S.DRAFTING, WRITER),
    (Action.FILE, S.DRAFTING, S.FILED, WRITER),
    (Action.TAKE_FOR_EDIT, S.FILED, S.EDITING, EDITOR),
    (Action.RETURN, S.EDITING, S.DRAFTING, EDITOR),
    (Action.APPROVE, S.EDITING, S.READY, EDITOR),
    (Action.REOPEN, S.READY, S.EDITING, EDITOR),
    (Action.PUBLISH, S.READY, S.PUBLISHED, EDITOR),
    (Action.UNSCHEDULE, S.SCHEDULED, S.READY, EDITOR),
    (Action.PUBLISH_SCHEDULED, S.SCHEDULED, S.PUBLISHED, None),
    (Action.CORRECT, S.PUBLISHED, S.EDITING, EDITOR),
    *[(Action.SPIKE, source, S.SPIKED, EDITOR) for source in sorted(BEFORE_PUBLISHED)],
    (Action.WITHDRAW, S.PUBLISHED, S.SPIKED, EDITOR),
    (Action.RESTORE, S.SPIKED, S.PITCHED, EDITOR),
]

DESK_ACTIONS = [action for action, rule in TRANSITIONS.items() if rule.who is Who.DESK]
WRITER_ACTIONS = [action for action, rule in TRANSITIONS.items() if rule.who is Who.ASSIGNED_WRITER]


def actor_for(action: Action) -> Actor | None:
    who = TRANSITIONS[action].who
    return {Who.DESK: EDITOR, Who.ASSIGNED_WRITER: WRITER, Who.SYSTEM: None}[who]


def test_every_action_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Action)


def test_spike_is_possible_from_every_state_before_published_and_only_those():
    assert TRANSITIONS[Action.SPIKE].sources == frozenset(S) - {S.PUBLISHED, S.SPIKED}


def test_the_rows_tested_here_cover_every_action_and_source():
    covered = {(action, source) for action, source, _, _ in ROWS}
    expected = {(action, source) for action, rule in TRANSITIONS.items() for source in rule.sources}
    assert covered == expected


@pytest.mark.parametrize(
    "action,source,target,actor",
    ROWS,
    ids=[f"{a.value}-from-{s.value}" for a, s, _, _ in ROWS],
)
def test_allowed_transition_goes_from_its_source_to_its_target(action, source, target, actor):
    outcome = check_transition(piece(source), action, actor, NOW, note="A reason.")
    assert outcome == Outcome(action, source, target, None)


def _wrong_states():
    for action, rule in TRANSITIONS.items():
        for state in S:
            if state not in rule.sources:
                yield action, state


@pytest.mark.parametrize(
    "action,state",
    list(_wrong_states()),
    ids=[f"{a.value}-from-{s.value}" for a, s in _wrong_states()],
)
def test_transition_is_refused_from_every_state_not_in_its_row(action, state):
    error = refusal(piece(state), action, actor_for(action), note="A reason.")
    article = "An" if state.value[0] in "aeiou" else "A"
    assert error.message.startswith(f"{article} {state.value} piece cannot be {action.participle}")


def test_wrong_state_message_lists_the_states_it_is_allowed_from():
    error = refusal(piece(S.PITCHED), Action.FILE, WRITER)
    assert error.message == "A pitched piece cannot be filed (only a drafting one)."


def test_wrong_state_message_for_spike_names_only_the_state():
    error = refusal(piece(S.PUBLISHED), Action.SPIKE, EDITOR, note="Dead.")
    assert error.message == "A published piece cannot be spiked."


def test_a_refusal_is_a_transition_refused_with_http_conflict_status():
    error = refusal(piece(S.PITCHED), Action.FILE, WRITER)
    assert error.status == 409
    assert str(error) == error.message


# --- Who may act -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", [OTHER_WRITER, EDITOR, ADMIN], ids=["other-writer", "editor", "admin"]
)
def test_only_the_assigned_writer_can_file(actor):
    error = refusal(piece(S.DRAFTING), Action.FILE, actor)
    assert error.message == "Only the assigned writer can file this piece."


@pytest.mark.parametrize("actor", [OTHER_WRITER, EDITOR], ids=["other-writer", "editor"])
def test_only_the_assigned_writer_can_start(actor):
    error = refusal(piece(S.ASSIGNED), Action.START, actor)
    assert error.message == "Only the assigned writer can start this piece."


@pytest.mark.parametrize("actor", [OTHER_WRITER, EDITOR], ids=["other-writer", "editor"])
def test_only_the_assigned_writer_can_decline(actor):
    error = refusal(piece(S.ASSIGNED), Action.DECLINE, actor, note="Busy.")
    assert error.message == "Only the assigned writer can decline this piece."


def test_nobody_is_the_assigned_writer_of_a_piece_without_a_writer():
    error = refusal(piece(S.DRAFTING, writer_id=None), Action.FILE, WRITER)
    assert error.message == "Only the assigned writer can file this piece."


def test_a_writer_cannot_approve():
    error = refusal(piece(S.EDITING), Action.APPROVE, WRITER)
    assert error.message == "Only an editor can approve a piece."


@pytest.mark.parametrize(
    "action,sentence",
    [
        (Action.ASSIGN, "Only an editor can assign a piece."),
        (Action.APPROVE, "Only an editor can approve a piece."),
        (Action.PUBLISH, "Only an editor can publish a piece."),
        (Action.SPIKE, "Only an editor can spike a piece."),
        (Action.WITHDRAW, "Only an editor can withdraw a published piece."),
        (Action.RESTORE, "Only an editor can restore a piece."),
    ],
)
def test_desk_refusal_sentences_for_a_writer(action, sentence):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    error = refusal(piece(source), action, WRITER, note="A reason.")
    assert error.message == sentence


@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_every_desk_action_is_refused_to_the_assigned_writer(action):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    error = refusal(piece(source), action, WRITER, note="A reason.")
    assert error.message == f"Only an editor can {action.phrase}."


@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_admins_act_as_editors(action):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    as_admin = check_transition(piece(source), action, ADMIN, NOW, note="A reason.")
    as_editor = check_transition(piece(source), action, EDITOR, NOW, note="A reason.")
    assert as_admin == as_editor


@pytest.mark.parametrize("action", DESK_ACTIONS)
@pytest.mark.parametrize("actor", [INACTIVE_EDITOR, INACTIVE_ADMIN], ids=["editor", "admin"])
def test_an_inactive_desk_member_is_refused(action, actor):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    error = refusal(piece(source), action, actor, note="A reason.")
    assert error.message == "Log in with an active account first."


@pytest.mark.parametrize("action", WRITER_ACTIONS)
def test_an_inactive_assigned_writer_is_refused(action):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    error = refusal(piece(source), action, INACTIVE_WRITER, note="A reason.")
    assert error.message == "Log in with an active account first."


@pytest.mark.parametrize("action", DESK_ACTIONS + WRITER_ACTIONS)
def test_a_human_action_without_an_actor_is_refused(action):
    source = next(iter(sorted(TRANSITIONS[action].sources)))
    error = refusal(piece(source), action, None, note="A reason.")
    assert error.message == "Log in with an active account first."


@pytest.mark.parametrize(
    "actor",
    [WRITER, EDITOR, ADMIN, INACTIVE_ADMIN],
    ids=["writer", "editor", "admin", "inactive-admin"],
)
def test_publish_scheduled_is_refused_for_any_human(actor):
    error = refusal(piece(S.SCHEDULED), Action.PUBLISH_SCHEDULED, actor)
    assert error.message == "Scheduled pieces are published by the publish-due job."


def test_publish_scheduled_by_the_system_once_the_embargo_has_lifted():
    facts = piece(S.SCHEDULED, embargo_at=RED_ROCKET_EMBARGO)
    outcome = check_transition(facts, Action.PUBLISH_SCHEDULED, None, RED_ROCKET_EMBARGO)
    assert outcome == Outcome(Action.PUBLISH_SCHEDULED, S.SCHEDULED, S.PUBLISHED, None)


def test_publish_scheduled_by_the_system_after_the_desk_chosen_time():
    facts = piece(S.SCHEDULED, publish_at=utc(2021, 10, 10, 20, 0))
    outcome = check_transition(facts, Action.PUBLISH_SCHEDULED, None, utc(2021, 10, 10, 20, 1))
    assert outcome.target is S.PUBLISHED


# --- Guards ------------------------------------------------------------------------------------


def test_assign_without_writer_or_due_time_names_both():
    error = refusal(piece(S.PITCHED, writer_id=None, due_at=None), Action.ASSIGN, EDITOR)
    assert error.message == "Choose a writer and a due time before assigning."
    assert error.field == "writer_id"


def test_assign_without_a_writer_names_the_writer():
    error = refusal(piece(S.PITCHED, writer_id=None), Action.ASSIGN, EDITOR)
    assert error.message == "Choose a writer before assigning."
    assert error.field == "writer_id"


def test_assign_without_a_due_time_names_the_due_time():
    error = refusal(piece(S.PITCHED, due_at=None), Action.ASSIGN, EDITOR)
    assert error.message == "Choose a due time before assigning."
    assert error.field == "due_at"


@pytest.mark.parametrize("body", ["", "   ", "\n\t  \n"], ids=["empty", "spaces", "whitespace"])
def test_file_needs_a_body_that_is_not_blank(body):
    error = refusal(piece(S.DRAFTING, body=body), Action.FILE, WRITER)
    assert error.message == "Write the piece before filing it: the body is empty."


@pytest.mark.parametrize("headline", ["", "  "], ids=["empty", "blank"])
def test_approve_needs_a_headline(headline):
    error = refusal(piece(S.EDITING, headline=headline), Action.APPROVE, EDITOR)
    assert error.message == "Give the piece a headline before approving it."


def test_approving_a_review_needs_a_film():
    error = refusal(piece(S.EDITING, has_film=False), Action.APPROVE, EDITOR)
    assert error.message == "A review must be of a film: choose the film before approving."


def test_approving_an_interview_needs_interviewees():
    facts = piece(S.EDITING, kind=PieceKind.INTERVIEW, interviewee_count=0)
    error = refusal(facts, Action.APPROVE, EDITOR)
    assert error.message == "Add who is interviewed before approving an interview."


def test_an_interview_with_an_interviewee_and_no_film_can_be_approved():
    facts = piece(S.EDITING, kind=PieceKind.INTERVIEW, interviewee_count=1, has_film=False)
    assert check_transition(facts, Action.APPROVE, EDITOR, NOW).target is S.READY


@pytest.mark.parametrize("kind", [PieceKind.FEATURE, PieceKind.ROUNDUP, PieceKind.NEWS])
def test_other_kinds_need_neither_film_nor_interviewees(kind):
    facts = piece(S.EDITING, kind=kind, has_film=False, interviewee_count=0)
    assert check_transition(facts, Action.APPROVE, EDITOR, NOW).target is S.READY


NOTE_CASES = [
    (
        Action.DECLINE,
        S.ASSIGNED,
        WRITER,
        "Say why you are declining, so the editor can reassign it.",
    ),
    (Action.RETURN, S.EDITING, EDITOR, "Write a note telling the writer what to change."),
    (Action.SPIKE, S.DRAFTING, EDITOR, "Give a reason for spiking the piece."),
    (
        Action.WITHDRAW,
        S.PUBLISHED,
        EDITOR,
        "Give a reason for withdrawing the piece from publication.",
    ),
    (Action.RESTORE, S.SPIKED, EDITOR, "Give a reason for restoring the piece."),
]


@pytest.mark.parametrize("note", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize(
    "action,source,actor,sentence", NOTE_CASES, ids=[c[0].value for c in NOTE_CASES]
)
def test_actions_needing_a_note_are_refused_without_one(action, source, actor, sentence, note):
    error = refusal(piece(source), action, actor, note=note)
    assert error.message == sentence
    assert error.field == "note"
    assert action.needs_note


@pytest.mark.parametrize(
    "action", [a for a in Action if a not in (a for a, *_ in NOTE_CASES)], ids=lambda a: a.value
)
def test_other_actions_need_no_note(action):
    assert not action.needs_note


# --- Publishing and embargoes ------------------------------------------------------------------


def test_publish_without_an_embargo_publishes_now():
    outcome = check_transition(piece(S.READY), Action.PUBLISH, EDITOR, NOW)
    assert outcome == Outcome(Action.PUBLISH, S.READY, S.PUBLISHED, None)


def test_publish_before_the_embargo_schedules_for_the_embargo():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO)
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, NOW)
    assert outcome.target is S.SCHEDULED
    assert outcome.publish_at == RED_ROCKET_EMBARGO


def test_publish_with_a_desk_time_later_than_the_embargo_schedules_for_the_later_time():
    later = RED_ROCKET_EMBARGO + timedelta(hours=2)
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO, publish_at=later)
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, NOW)
    assert outcome.target is S.SCHEDULED
    assert outcome.publish_at == later


def test_a_desk_time_earlier_than_the_embargo_cannot_loosen_it():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO, publish_at=NOW + timedelta(minutes=5))
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, NOW)
    assert outcome.publish_at == RED_ROCKET_EMBARGO


def test_publish_with_only_a_future_desk_time_schedules_for_it():
    later = NOW + timedelta(hours=1)
    outcome = check_transition(piece(S.READY, publish_at=later), Action.PUBLISH, EDITOR, NOW)
    assert (outcome.target, outcome.publish_at) == (S.SCHEDULED, later)


def test_publish_after_the_embargo_publishes_now():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO)
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, RED_ROCKET_EMBARGO + timedelta(1))
    assert outcome == Outcome(Action.PUBLISH, S.READY, S.PUBLISHED, None)


def test_publish_at_the_exact_moment_the_embargo_lifts_publishes_now():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO)
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, RED_ROCKET_EMBARGO)
    assert outcome.target is S.PUBLISHED


def test_publish_with_a_held_embargo_schedules_it_indefinitely():
    facts = piece(S.READY, embargo_at=HELD)
    outcome = check_transition(facts, Action.PUBLISH, EDITOR, NOW)
    assert (outcome.target, outcome.publish_at) == (S.SCHEDULED, HELD)


def test_release_time_is_the_later_of_embargo_and_desk_time():
    later = RED_ROCKET_EMBARGO + timedelta(hours=1)
    assert release_time(piece()) is None
    assert release_time(piece(embargo_at=RED_ROCKET_EMBARGO)) == RED_ROCKET_EMBARGO
    assert release_time(piece(publish_at=later)) == later
    assert release_time(piece(embargo_at=RED_ROCKET_EMBARGO, publish_at=later)) == later
    assert release_time(piece(embargo_at=later, publish_at=RED_ROCKET_EMBARGO)) == later


def test_publish_scheduled_before_the_embargo_is_refused_in_festival_time():
    facts = piece(S.SCHEDULED, embargo_at=RED_ROCKET_EMBARGO)
    error = refusal(facts, Action.PUBLISH_SCHEDULED, None)
    assert error.message == (
        "The embargo for Red Rocket lifts at 18:30 London time on 10 October 2021; "
        "it is not time yet."
    )


def test_publish_scheduled_a_minute_before_the_embargo_is_refused():
    facts = piece(S.SCHEDULED, embargo_at=RED_ROCKET_EMBARGO)
    refusal(facts, Action.PUBLISH_SCHEDULED, None, now=RED_ROCKET_EMBARGO - timedelta(minutes=1))


def test_publish_scheduled_before_the_desk_chosen_time_names_that_time():
    facts = piece(S.SCHEDULED, embargo_at=RED_ROCKET_EMBARGO, publish_at=utc(2021, 10, 10, 19, 0))
    error = refusal(facts, Action.PUBLISH_SCHEDULED, None, now=RED_ROCKET_EMBARGO)
    assert "lifts at 20:00 London time on 10 October 2021" in error.message


def test_publish_scheduled_with_a_held_embargo_is_refused():
    facts = piece(S.SCHEDULED, embargo_at=HELD)
    error = refusal(facts, Action.PUBLISH_SCHEDULED, None)
    assert error.message == (
        "The embargo for Red Rocket lifts with its first public screening, "
        "and none is in the programme; it is not time yet."
    )


def test_embargo_refusal_before_the_embargo_names_the_local_time():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO)
    assert embargo_refusal(facts, NOW) == (
        "The embargo for Red Rocket lifts at 18:30 London time on 10 October 2021."
    )


def test_embargo_refusal_is_none_once_the_embargo_has_lifted():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO)
    assert embargo_refusal(facts, RED_ROCKET_EMBARGO) is None
    assert embargo_refusal(facts, RED_ROCKET_EMBARGO + timedelta(minutes=1)) is None


def test_embargo_refusal_is_none_without_an_embargo():
    assert embargo_refusal(piece(S.READY), NOW) is None


def test_embargo_refusal_for_a_held_embargo():
    assert embargo_refusal(piece(S.READY, embargo_at=HELD), NOW) == (
        "The embargo for Red Rocket lifts with its first public screening, "
        "and none is in the programme."
    )


def test_embargo_refusal_for_a_held_embargo_without_a_film_title():
    facts = piece(S.READY, embargo_at=HELD, film_title="")
    assert embargo_refusal(facts, NOW) == (
        "The embargo for the film lifts with its first public screening, "
        "and none is in the programme."
    )


def test_embargo_refusal_without_a_film_title():
    facts = piece(S.READY, embargo_at=RED_ROCKET_EMBARGO, film_title="")
    assert (
        embargo_refusal(facts, NOW) == "The embargo lifts at 18:30 London time on 10 October 2021."
    )


def test_embargo_refusal_in_winter_names_the_place_not_gmt():
    facts = piece(S.READY, embargo_at=utc(2021, 12, 1, 18, 30))
    assert embargo_refusal(facts, NOW) == (
        "The embargo for Red Rocket lifts at 18:30 London time on 1 December 2021."
    )


def test_embargo_refusal_in_another_festival_zone():
    facts = piece(S.READY, embargo_at=utc(2021, 9, 10, 1, 0), timezone="America/Toronto")
    assert embargo_refusal(facts, utc(2021, 9, 1)) == (
        "The embargo for Red Rocket lifts at 21:00 Toronto time on 9 September 2021."
    )


# --- Spike and restore -------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(BEFORE_PUBLISHED), ids=lambda s: s.value)
def test_spike_stores_nothing_itself_and_only_reports_source_and_target(source):
    outcome = check_transition(piece(source), Action.SPIKE, EDITOR, NOW, note="Film withdrawn.")
    assert outcome == Outcome(Action.SPIKE, source, S.SPIKED, None)


@pytest.mark.parametrize("before", sorted(BEFORE_PUBLISHED), ids=lambda s: s.value)
def test_restore_returns_the_state_before_the_spike(before):
    facts = piece(S.SPIKED, state_before_spike=before)
    outcome = check_transition(facts, Action.RESTORE, EDITOR, NOW, note="Back on.")
    assert outcome == Outcome(Action.RESTORE, S.SPIKED, before, None)


def test_a_withdrawn_piece_is_restored_to_published():
    withdrawn = check_transition(piece(S.PUBLISHED), Action.WITHDRAW, EDITOR, NOW, note="Legal.")
    assert withdrawn == Outcome(Action.WITHDRAW, S.PUBLISHED, S.SPIKED, None)
    facts = piece(S.SPIKED, state_before_spike=S.PUBLISHED)
    outcome = check_transition(facts, Action.RESTORE, EDITOR, NOW, note="Cleared by lawyers.")
    assert outcome.target is S.PUBLISHED


def test_restore_without_a_remembered_state_returns_to_pitched():
    facts = piece(S.SPIKED, state_before_spike=None)
    outcome = check_transition(facts, Action.RESTORE, EDITOR, NOW, note="Back on.")
    assert outcome.target is S.PITCHED


def test_published_and_spiked_pieces_cannot_be_spiked():
    for state in (S.PUBLISHED, S.SPIKED):
        refusal(piece(state), Action.SPIKE, EDITOR, note="Again.")


def test_correcting_a_published_piece_reopens_it_for_editing():
    outcome = check_transition(piece(S.PUBLISHED), Action.CORRECT, EDITOR, NOW)
    assert outcome.target is S.EDITING


# --- Buttons -----------------------------------------------------------------------------------


def test_the_assigned_writer_drafting_gets_file_but_not_approve():
    actions = available_actions(piece(S.DRAFTING), WRITER, NOW)
    assert actions == [Action.FILE]


def test_the_assigned_writer_with_an_empty_body_gets_no_file_button():
    assert available_actions(piece(S.DRAFTING, body="  "), WRITER, NOW) == []


def test_another_writer_gets_no_buttons_on_a_drafting_piece():
    assert available_actions(piece(S.DRAFTING), OTHER_WRITER, NOW) == []


def test_the_assigned_writer_of_an_assigned_piece_may_decline_but_not_start_by_button():
    assert available_actions(piece(S.ASSIGNED), WRITER, NOW) == [Action.DECLINE]


@pytest.mark.parametrize("actor", [EDITOR, ADMIN], ids=["editor", "admin"])
def test_the_desk_on_a_filed_piece_gets_take_for_edit_and_spike(actor):
    actions = available_actions(piece(S.FILED), actor, NOW)
    assert actions == [Action.TAKE_FOR_EDIT, Action.SPIKE]


def test_the_desk_on_an_editing_piece_gets_return_approve_and_spike():
    actions = available_actions(piece(S.EDITING), EDITOR, NOW)
    assert actions == [Action.RETURN, Action.APPROVE, Action.SPIKE]


def test_the_desk_on_an_editing_piece_without_headline_gets_no_approve():
    actions = available_actions(piece(S.EDITING, headline=""), EDITOR, NOW)
    assert Action.APPROVE not in actions


def test_the_desk_on_a_scheduled_piece_gets_unschedule_and_spike_but_not_publish_scheduled():
    facts = piece(S.SCHEDULED, embargo_at=RED_ROCKET_EMBARGO)
    actions = available_actions(facts, EDITOR, RED_ROCKET_EMBARGO + timedelta(hours=1))
    assert actions == [Action.UNSCHEDULE, Action.SPIKE]


def test_an_inactive_editor_gets_no_buttons():
    assert available_actions(piece(S.FILED), INACTIVE_EDITOR, NOW) == []


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize(
    "actor", [WRITER, OTHER_WRITER, EDITOR, ADMIN], ids=["writer", "other", "editor", "admin"]
)
def test_nobody_gets_start_or_publish_scheduled_as_a_button(state, actor):
    facts = piece(state, state_before_spike=S.DRAFTING)
    actions = available_actions(facts, actor, NOW)
    assert Action.START not in actions
    assert Action.PUBLISH_SCHEDULED not in actions
