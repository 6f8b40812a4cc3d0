"""Writing and reading the audit log. Callers pass who and where explicitly (the web layer
reads them off the request with `coverage.audit.web.audit`), and commit with their change, so
an act and its record land or roll back together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coverage.accounts.models import User
from coverage.audit.actions import AuditAction
from coverage.audit.models import AuditEvent
from coverage.extensions import db
from coverage.timeutil import utcnow


@dataclass(frozen=True)
class Origin:
    """Where a request came from: address (IPv4/IPv6 text), user agent, request id."""

    ip_address: str = ""
    user_agent: str = ""
    request_id: str = ""


WORKER = Origin(user_agent="worker")
COMMAND_LINE = Origin(user_agent="command line")


def record(
    action: AuditAction,
    *,
    actor: User | None,
    origin: Origin,
    target: str = "",
    detail: str = "",
    actor_label: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event to the session (the caller commits). `actor_label` defaults to the actor's
    email; give it for acts without an account (a failed log-in names the email typed)."""
    label = actor_label if actor_label is not None else (actor.email if actor else "")
    event = AuditEvent(
        at=at or utcnow(),
        action=action.value,
        actor_id=actor.id if actor is not None else None,
        actor_label=label[:254],
        target=target[:300],
        detail=detail,
        ip_address=origin.ip_address[:45],
        user_agent=origin.user_agent[:200],
        request_id=origin.request_id[:64],
    )
    db.session.add(event)
    return event


def recent_events(
    *,
    action: AuditAction | None = None,
    actor_id: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEvent]:
    """Newest first; `before_id` pages back through older events."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action is not None:
        query = query.where(AuditEvent.action == action.value)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
