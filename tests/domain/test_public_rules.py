"""Who sees a piece: live from publication, through corrections, never before its embargo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coverage.pieces.kinds import PieceState as S
from coverage.public.rules import PublicStatus, public_status

NOW = datetime(2021, 10, 12, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=1)


@pytest.mark.parametrize("state", [S.PITCHED, S.DRAFTING, S.READY, S.SCHEDULED, S.SPIKED])
def test_a_piece_never_published_is_hidden_whatever_its_state(state):
    assert public_status(state, None, None, None, NOW) is PublicStatus.HIDDEN


@pytest.mark.parametrize("state", [S.PUBLISHED, S.EDITING, S.DRAFTING, S.READY, S.SCHEDULED])
def test_a_published_revision_stays_live_through_a_correction(state):
    assert public_status(state, 3, EARLIER, None, NOW) is PublicStatus.LIVE


def test_a_spiked_or_withdrawn_piece_that_was_public_is_gone():
    assert public_status(S.SPIKED, 3, EARLIER, None, NOW) is PublicStatus.GONE


def test_an_embargo_moved_into_the_future_hides_a_live_piece_until_it_lifts():
    later = NOW + timedelta(hours=2)
    assert public_status(S.PUBLISHED, 3, EARLIER, later, NOW) is PublicStatus.HIDDEN
    assert public_status(S.PUBLISHED, 3, EARLIER, later, later) is PublicStatus.LIVE
    held = datetime.max.replace(tzinfo=UTC)
    assert public_status(S.PUBLISHED, 3, EARLIER, held, NOW) is PublicStatus.HIDDEN
