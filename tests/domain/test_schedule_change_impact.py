"""Who a moved or cancelled screening reaches, with no app at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from coverage.pieces.embargo import HELD, ScreeningTime
from coverage.pieces.kinds import PieceState
from coverage.programme.impact import (
    FilmEmbargo,
    PieceRef,
    Reason,
    ScreeningState,
    affected_pieces,
    notice_text,
)
from coverage.programme.kinds import EmbargoRule, ScreeningKind
from coverage.timeutil import format_in_zone

ZONE = "Europe/London"
PRESS_AT = datetime(2021, 10, 8, 8, 0, tzinfo=UTC)  # 09:00 BST
GALA_AT = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)  # 18:30 BST
LATER_AT = datetime(2021, 10, 12, 19, 0, tzinfo=UTC)

PRESS = ScreeningState(
    film_id=1,
    film_title="Red Rocket",
    starts_at=PRESS_AT,
    ends_at=PRESS_AT + timedelta(minutes=130),
    venue="BFI Southbank NFT1",
    kind=ScreeningKind.PRESS,
)
GALA = replace(
    PRESS,
    starts_at=GALA_AT,
    ends_at=GALA_AT + timedelta(minutes=130),
    venue="Odeon Luxe Leicester Square",
    kind=ScreeningKind.PUBLIC,
)


def review(**changes) -> PieceRef:
    piece = PieceRef(
        id=7,
        title="Review: Red Rocket",
        state=PieceState.ASSIGNED,
        film_id=1,
        screening_id=None,
        writer_id=3,
        writer_name="Wyn Writer",
        editor_id=2,
        editor_name="Ed Editor",
    )
    return replace(piece, **changes)


def first_public(*others: ScreeningTime) -> dict[int, FilmEmbargo]:
    return {1: FilmEmbargo(1, EmbargoRule.FIRST_PUBLIC_SCREENING, None, 0, tuple(others))}


def test_moving_a_screening_reaches_the_writer_who_attends_it_only():
    moved = replace(PRESS, starts_at=PRESS_AT + timedelta(hours=2))
    attends = review(screening_id=10)
    elsewhere = review(id=8, screening_id=11)
    impact = affected_pieces(10, PRESS, moved, [attends, elsewhere], {})
    assert [(a.piece.id, a.reasons) for a in impact.affected] == [(7, (Reason.ATTENDS,))]
    # The writer hears; the editor only when the embargo moves.
    assert impact.affected[0].recipients() == [3]
    assert impact.writers == ["Wyn Writer"]


def test_published_and_spiked_pieces_and_notes_only_edits_reach_nobody():
    moved = replace(PRESS, starts_at=PRESS_AT + timedelta(hours=2))
    for state in (PieceState.PUBLISHED, PieceState.SPIKED):
        assert not affected_pieces(10, PRESS, moved, [review(screening_id=10, state=state)], {})
    # A kind or notes change does not move anyone (no public screening involved here).
    retyped = replace(PRESS, kind=ScreeningKind.PRESS_INDUSTRY)
    assert not affected_pieces(10, PRESS, retyped, [review(screening_id=10)], {})
    # A cancellation always does.
    cancelled = affected_pieces(
        10, PRESS, replace(PRESS, cancelled=True), [review(screening_id=10)], {}
    )
    assert cancelled.affected[0].reasons == (Reason.ATTENDS,)


def test_moving_the_first_public_screening_moves_the_embargo_and_reaches_the_editor():
    later = ScreeningTime(LATER_AT, ScreeningKind.PUBLIC)
    moved = replace(GALA, starts_at=GALA_AT + timedelta(days=1))
    impact = affected_pieces(20, GALA, moved, [review(state=PieceState.READY)], first_public(later))
    (item,) = impact.affected
    assert item.reasons == (Reason.EMBARGO,)
    assert (item.embargo_before, item.embargo_after) == (GALA_AT, GALA_AT + timedelta(days=1))
    assert item.recipients() == [3, 2]

    # Moved past the other public screening, that one becomes the first.
    past_it = replace(GALA, starts_at=LATER_AT + timedelta(days=1))
    (item,) = affected_pieces(20, GALA, past_it, [review()], first_public(later)).affected
    assert item.embargo_after == LATER_AT
    # Cancelled with no other public screening: held, not lifted.
    (item,) = affected_pieces(
        20, GALA, replace(GALA, cancelled=True), [review()], first_public()
    ).affected
    assert item.embargo_after == HELD


def test_an_embargo_that_does_not_move_reaches_nobody():
    earlier = ScreeningTime(PRESS_AT, ScreeningKind.PUBLIC)
    moved = replace(GALA, starts_at=GALA_AT + timedelta(days=1))
    # Not the first public screening: the embargo stays where it is.
    assert not affected_pieces(20, GALA, moved, [review()], first_public(earlier))
    # The piece's own, later embargo wins over both instants.
    own = review(own_embargo_at=LATER_AT + timedelta(days=5))
    assert not affected_pieces(20, GALA, moved, [own], first_public())
    # A film with a fixed embargo, or none, does not follow the programme.
    fixed = {1: FilmEmbargo(1, EmbargoRule.FIXED, LATER_AT, 0, ())}
    assert not affected_pieces(20, GALA, moved, [review()], fixed)
    # A published piece is past caring.
    assert not affected_pieces(
        20, GALA, moved, [review(state=PieceState.PUBLISHED)], first_public()
    )


def test_the_notice_names_film_old_and_new_time_venue_and_piece():
    moved = replace(PRESS, starts_at=PRESS_AT + timedelta(hours=5), venue="NFT2")
    impact = affected_pieces(10, PRESS, moved, [review(screening_id=10)], {})
    subject, body = notice_text(
        impact, impact.affected[0], ZONE, festival="Test Festival 2021", by="Ed Editor"
    )
    old, new = format_in_zone(PRESS_AT, ZONE), format_in_zone(moved.starts_at, ZONE)
    assert subject == f"Screening moved: Red Rocket, {old} → {new}"
    assert f"Was: {old}, BFI Southbank NFT1" in body
    assert f"Now: {new}, NFT2" in body
    assert "“Review: Red Rocket”" in body and "Wyn Writer attends this screening" in body
    assert "by Ed Editor" in body and "Test Festival 2021" in body

    cancelled = affected_pieces(
        10, PRESS, replace(PRESS, cancelled=True), [review(screening_id=10)], {}
    )
    subject, body = notice_text(cancelled, cancelled.affected[0], ZONE)
    assert subject == f"Screening cancelled: Red Rocket, {old} (cancelled)"
    assert "Now: cancelled" in body


def test_the_fingerprint_changes_when_whom_it_reaches_changes():
    moved = replace(PRESS, starts_at=PRESS_AT + timedelta(hours=2))
    one = affected_pieces(10, PRESS, moved, [review(screening_id=10)], {})
    same = affected_pieces(10, PRESS, moved, [review(screening_id=10)], {})
    two = affected_pieces(
        10, PRESS, moved, [review(screening_id=10), review(id=8, screening_id=10)], {}
    )
    elsewhere = affected_pieces(
        10, PRESS, replace(moved, venue="NFT2"), [review(screening_id=10)], {}
    )
    assert one.fingerprint() == same.fingerprint()
    assert len({one.fingerprint(), two.fingerprint(), elsewhere.fingerprint()}) == 3
