from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from coverage.accounts import services
from coverage.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    CreateUserForm,
    LoginForm,
    UpdateUserForm,
)
from coverage.accounts.models import User
from coverage.accounts.permissions import can_manage_users
from coverage.accounts.roles import Role
from coverage.errors import DomainError, InvalidInput
from coverage.extensions import db
from coverage.timeutil import utcnow
from coverage.web import form_error, permission_required, safe_next_url

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

BAD_LOGIN = "Wrong email or password."


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("pieces.my_work"))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("pieces.my_work"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(BAD_LOGIN, "error")
        elif not user.active:
            flash("This account has been deactivated. Ask an admin to reactivate it.", "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("pieces.my_work"))
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


def _settings_page(
    password_form=None,
    token_form=None,
    new_token: str | None = None,
    status=200,
    new_feed: dict | None = None,
    email_form=None,
):
    from coverage.calendars.views import feeds_context
    from coverage.notifications.views import preferences_form

    return (
        render_template(
            "accounts/settings.html",
            password_form=password_form or ChangePasswordForm(prefix="pw"),
            token_form=token_form or ApiTokenForm(prefix="token"),
            new_token=new_token,
            tokens=current_user.api_tokens,
            **feeds_context(new_feed),
            email_form=email_form or preferences_form(current_user),
        ),
        status,
    )


@bp.route("/account")
@login_required
def settings():
    return _settings_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except InvalidInput as error:
            form_error(form, error)
        else:
            db.session.commit()
            # The session token rotated: sign this browser in again under the new one.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_api_token():
    form = ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _settings_page(token_form=form, status=422)
    _, secret = services.issue_api_token(current_user, form.label.data or "")
    db.session.commit()
    flash("Copy your new token now: it will not be shown again.", "success")
    return _settings_page(new_token=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    token = services.revoke_api_token(current_user, token_id, utcnow())
    db.session.commit()
    flash(f"Token “{token.label}” revoked; it no longer works.", "success")
    return redirect(url_for("accounts.settings"))


# --- admin: accounts and roles -------------------------------------------------------------


def _users_page(create_form: CreateUserForm | None = None, status: int = 200):
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    forms = {
        user.id: UpdateUserForm(prefix=f"u{user.id}", role=user.role.value, active=user.active)
        for user in users
    }
    return (
        render_template(
            "accounts/users.html",
            users=users,
            forms=forms,
            create_form=create_form or CreateUserForm(prefix="new"),
        ),
        status,
    )


@admin_bp.route("/users")
@permission_required(can_manage_users)
def users():
    return _users_page()


@admin_bp.route("/users", methods=["POST"])
@permission_required(can_manage_users)
def create_user():
    form = CreateUserForm(prefix="new")
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.name.data, form.role.data, form.password.data
            )
        except InvalidInput as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Account created for {user.name} ({user.email}).", "success")
            return redirect(url_for("admin.users"))
    return _users_page(create_form=form, status=422)


@admin_bp.route("/users/<int:user_id>", methods=["POST"])
@permission_required(can_manage_users)
def update_user(user_id: int):
    target = db.get_or_404(User, user_id)
    form = UpdateUserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        flash("Choose a valid role.", "error")
        return redirect(url_for("admin.users"))
    try:
        services.update_account(
            current_user, target, role=Role(form.role.data), active=form.active.data
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    state = "active" if target.active else "deactivated"
    flash(f"{target.name}: {target.role.label}, {state}.", "success")
    return redirect(url_for("admin.users"))
