"""What readers may see: pure rules over plain values (no Flask, no database).

The public piece page, the coverage hubs, the Atom feeds, the sitemap and the desk's own
"live since" line all ask `public_status`, so a piece is never on one of them and missing from
another, and nothing is ever shown before its embargo.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from coverage.pieces.kinds import PieceState


class PublicStatus(StrEnum):
    LIVE = "live"  # readers see the published revision
    GONE = "gone"  # it was public and has been spiked or withdrawn: HTTP 410
    HIDDEN = "hidden"  # never public, or its embargo has not lifted: HTTP 404


def public_status(
    state: PieceState,
    published_revision_number: int | None,
    published_at: datetime | None,
    embargo_at: datetime | None,
    now: datetime,
) -> PublicStatus:
    """Whether readers see a piece now.

    A piece is live from its publication until it is spiked or withdrawn; while it is reopened
    for correction (editing, ready, scheduled again) its published revision stays live. The
    embargo is checked again at every read, because the programme can move a film's premiere
    after its review went out: the rule "never before the embargo" wins over "once live".
    `embargo_at` is the piece's effective embargo (UTC instant) or None.
    """
    was_public = published_revision_number is not None and published_at is not None
    if not was_public:
        return PublicStatus.HIDDEN
    if state is PieceState.SPIKED:
        return PublicStatus.GONE
    if holds(embargo_at, now):
        return PublicStatus.HIDDEN
    return PublicStatus.LIVE


def holds(embargo_at: datetime | None, now: datetime) -> bool:
    """Whether an effective embargo (UTC instant, or None) still keeps a piece from readers."""
    return embargo_at is not None and embargo_at > now
