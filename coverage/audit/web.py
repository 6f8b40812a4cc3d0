"""The request's side of auditing: who is acting and from where."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from coverage.accounts.models import User
from coverage.audit.actions import AuditAction
from coverage.audit.models import AuditEvent
from coverage.audit.services import COMMAND_LINE, Origin, record


def request_origin() -> Origin:
    """The current request's address (as the WSGI server saw it; put ProxyFix in front behind a
    proxy), user agent and request id; the command line's outside a request."""
    if not has_request_context():
        return COMMAND_LINE
    return Origin(
        ip_address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        request_id=getattr(g, "request_id", ""),
    )


def audit(
    action: AuditAction,
    *,
    actor: User | None = None,
    target: str = "",
    detail: str = "",
    actor_label: str | None = None,
) -> AuditEvent:
    """Record an act of this request; the actor defaults to the logged-in user (or the API
    token's owner, `g.api_user`)."""
    if actor is None and has_request_context():
        actor = getattr(g, "api_user", None)
        if actor is None and current_user.is_authenticated:
            actor = current_user._get_current_object()
    return record(
        action,
        actor=actor,
        origin=request_origin(),
        target=target,
        detail=detail,
        actor_label=actor_label,
    )
