"""The desk's acts the audit log keeps, described alike from the web, the API and the worker:
publishing and spiking a piece, applying a programme import, deleting a festival, regenerating
a calendar feed link. (Account events, log-ins and tokens are recorded where they happen.)

Each function adds one event to the session; the caller commits it with the act itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from coverage.audit.actions import AuditAction
from coverage.audit.models import AuditEvent
from coverage.audit.services import Origin, record
from coverage.audit.web import audit

# Workflow steps worth an audit record, by the state they lead to: a piece going live, or being
# killed, is what an admin asks about after the fact.
_STEPS = {"published": AuditAction.PUBLISHED, "spiked": AuditAction.SPIKED}


def piece_target(piece: Any) -> str:
    """`piece 12: Red Rocket | Review`: the id (stable) and the title (readable)."""
    from coverage.pieces.services import piece_title

    return f"piece {piece.id}: {piece_title(piece)}"


def audit_step(piece: Any, outcome: Any, note: str = "") -> AuditEvent | None:
    """Record a workflow step of this request if it published or spiked `piece` (`outcome` is
    the workflow's Outcome); any other step records nothing. `note` is the reason given."""
    action = _STEPS.get(outcome.target.value)
    if action is None:
        return None
    return audit(action, target=piece_target(piece), detail=note.strip())


def record_scheduled_publications(pieces: Iterable[Any], origin: Origin) -> None:
    """The publish-due job put these scheduled pieces live (origin: the worker or the CLI)."""
    for piece in pieces:
        record(
            AuditAction.PUBLISHED,
            actor=None,
            actor_label=origin.user_agent,
            origin=origin,
            target=piece_target(piece),
            detail="scheduled: published when its time came",
        )


def audit_import(
    festival: Any, filename: str, applied: Any, origin: Origin | None = None
) -> AuditEvent:
    """A programme file applied to `festival` (`applied`: the importer's counts). By this
    request's user, or, given `origin` (the command line), by no account: the origin is named."""
    detail = (
        f"{filename}: films {applied.films_created} created, {applied.films_updated} updated; "
        f"venues {applied.venues_created} created; screenings {applied.screenings_created} "
        f"created, {applied.screenings_updated} updated"
    )
    target = festival_target(festival)
    if origin is not None:
        return record(
            AuditAction.PROGRAMME_IMPORTED,
            actor=None,
            actor_label=origin.user_agent,
            origin=origin,
            target=target,
            detail=detail,
        )
    return audit(AuditAction.PROGRAMME_IMPORTED, target=target, detail=detail)


def festival_target(festival: Any) -> str:
    """`festival 3: London Film Festival 2021 (london-film-festival-2021)`."""
    return f"festival {festival.id}: {festival.display_name} ({festival.slug})"
