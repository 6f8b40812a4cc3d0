"""The notifications page, opening and marking notices read, and the email preferences form.

Reading is a POST: a notice's "Open" button marks it read and goes to its piece, and "Mark all
read" clears the list's highlights; looking at the list changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, user_logged_in
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from coverage.accounts.roles import Role
from coverage.extensions import db
from coverage.notifications import services
from coverage.notifications.forms import EmailPreferencesForm, kind_field_name
from coverage.notifications.models import Notification, OutboxMessage, OutboxStatus
from coverage.notifications.rules import Delivery, NoticeKind, kinds_for_role
from coverage.timeutil import utcnow
from coverage.web import safe_next_url

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__)


@bp.record_once
def _register(state) -> None:
    state.app.jinja_env.globals["unread_notices"] = _unread_for_current_user


@user_logged_in.connect
def _remember_site_url(app, user=None, **extra) -> None:
    try:
        admin = user is not None and user.role is Role.ADMIN
        services.remember_site_url(utcnow(), signed_in_as_admin=admin)
    except Exception:  # a login never fails for this; the next one tries again
        db.session.rollback()
        log.warning("could not store the site's address", exc_info=True)


def _unread_for_current_user() -> int:
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)


@bp.route("/notifications")
@login_required
def index():
    notices = services.recent_notices(current_user)
    outbox = None
    if current_user.role is Role.ADMIN:
        counts = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                    OutboxMessage.status
                )
            ).all()
        )
        outbox = {
            "pending": counts.get(OutboxStatus.PENDING, 0),
            "failed": services.failed_messages(),
        }
    return render_template(
        "notifications/index.html",
        notices=notices,
        unread=sum(1 for notice in notices if notice.read_at is None),
        outbox=outbox,
        form=FlaskForm(),
    )


@bp.route("/notifications/open", methods=["POST"])
@login_required
def open_notice():
    """Mark one of the user's notices read and go where it points."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.get("notice", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    notice = db.session.get(Notification, int(raw))
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    services.mark_read(current_user, utcnow(), notice.id)
    db.session.commit()
    return redirect(safe_next_url(notice.link) or url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    marked = services.mark_read(current_user, utcnow())
    db.session.commit()
    if marked:
        flash(f"Marked {marked} notification{'s' if marked != 1 else ''} read.", "success")
    return redirect(url_for("notifications.index"))


def preferences_form(user) -> EmailPreferencesForm:
    """The form filled from the user's stored choices (for the account settings page)."""
    preference = services.preference_for(user)
    emailed = services.emailed_kinds(preference)
    data = {kind_field_name(kind): kind in emailed for kind in NoticeKind}
    data["delivery"] = preference.delivery.value
    form = EmailPreferencesForm(prefix="email", data=data, formdata=None)
    form.shown_kinds = kinds_for_role(user.role)
    return form


@bp.route("/account/email", methods=["POST"])
@login_required
def save_email_preferences():
    from coverage.accounts.views import _settings_page

    form = EmailPreferencesForm(prefix="email")
    form.shown_kinds = kinds_for_role(current_user.role)
    if not form.validate_on_submit():
        return _settings_page(email_form=form, status=422)
    services.save_preferences(
        current_user, form.emailed(), Delivery(form.delivery.data), shown=form.shown_kinds
    )
    db.session.commit()
    flash("Your email choices are saved.", "success")
    # No #email anchor: the page opens at its top, where the flash says it is saved.
    return redirect(url_for("accounts.settings"))
