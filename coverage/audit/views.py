"""The audit log page for admins: who did what, when and from where (ASVS 4.0.3 V7.1, V7.2).

Newest first, 100 to a page, paged by id (keyset: "older than event N"), so a page costs the
same few queries however long the log grows; filters by action and by account.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.accounts.permissions import can_manage_users
from coverage.audit.actions import AuditAction
from coverage.audit.services import recent_events
from coverage.extensions import db
from coverage.web import MAX_ID, permission_required, render_error

bp = Blueprint("audit", __name__, url_prefix="/admin")

PAGE_SIZE = 100


class BadFilter(ValueError):
    """A query parameter of the audit page that names nothing: the field and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _action_param(raw: str | None) -> AuditAction | None:
    if not raw:
        return None
    try:
        return AuditAction(raw)
    except ValueError:
        raise BadFilter("action", f"there is no action called “{raw[:60]}”.") from None


def _id_param(name: str, raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise BadFilter(name, f"“{raw[:60]}” is not an event or account number.")
    return int(raw)


@bp.route("/audit")
@permission_required(can_manage_users)
def index():
    try:
        action = _action_param(request.args.get("action"))
        actor_id = _id_param("account", request.args.get("account"))
        before_id = _id_param("before", request.args.get("before"))
    except BadFilter as error:
        return render_error(400, "Bad filter", str(error))
    # One more than a page: whether an older page exists, without counting the whole log.
    events = recent_events(
        action=action, actor_id=actor_id, before_id=before_id, limit=PAGE_SIZE + 1
    )
    older_url = None
    if len(events) > PAGE_SIZE:
        events = events[:PAGE_SIZE]
        older_url = url_for(
            "audit.index",
            action=action.value if action else None,
            account=actor_id,
            before=events[-1].id,
        )
    action_value = action.value if action else None
    newest_url = (
        url_for("audit.index", action=action_value, account=actor_id) if before_id else None
    )
    accounts = db.session.execute(select(User.id, User.name, User.email).order_by(User.name)).all()
    return render_template(
        "audit/index.html",
        events=events,
        actions=list(AuditAction),
        action=action,
        actor_id=actor_id,
        accounts=accounts,
        labels={member.value: member.label for member in AuditAction},
        older_url=older_url,
        newest_url=newest_url,
    )
