from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from coverage.accounts import resets, services, sessions
from coverage.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    CreateUserForm,
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    UpdateUserForm,
)
from coverage.accounts.models import User, lower_email
from coverage.accounts.permissions import can_manage_users
from coverage.accounts.roles import Role
from coverage.audit.actions import AuditAction
from coverage.audit.web import audit
from coverage.errors import DomainError, InvalidInput, NotFound
from coverage.extensions import db
from coverage.security import throttle
from coverage.timeutil import utcnow
from coverage.web import counted, form_error, permission_required, safe_next_url

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

BAD_LOGIN = "Wrong email or password."
DEACTIVATED = "This account has been deactivated. Ask an admin to reactivate it."
RESET_SENT = (
    "If an account exists for that address, we have sent a link to it for choosing a new "
    "password. The link works once, within an hour."
)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("pieces.my_work"))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.login_limits
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("pieces.my_work"))
    form = LoginForm()
    if form.validate_on_submit():
        check = services.check_login(form.email.data, form.password.data)
        typed = lower_email(form.email.data)
        if check.user is None:
            # The same answer for an unknown email and a wrong password; the log says which.
            why = "wrong password" if check.account else "no account with this email"
            audit(AuditAction.LOGIN_FAILED, actor=check.account, actor_label=typed, detail=why)
            db.session.commit()
            flash(BAD_LOGIN, "error")
        elif not check.user.active:
            audit(
                AuditAction.LOGIN_FAILED,
                actor=check.user,
                actor_label=typed,
                detail="account deactivated",
            )
            db.session.commit()
            flash(DEACTIVATED, "error")
        else:
            _sign_in(check.user, remember=bool(form.remember.data))
            # This browser is now known to the account: the account's ceiling of failures
            # from every address no longer applies to it (coverage.security.throttle).
            response = redirect(next_url or url_for("pieces.my_work"))
            return throttle.remember_device(response, typed)
        return render_template("accounts/login.html", form=form), 401
    # A posted form missing a field: the page again, the error beside the field.
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


def _sign_in(user: User, *, remember: bool) -> None:
    """A new server-side session (a new identifier) for this browser, and the log-in recorded.

    The Flask session is emptied first, so nothing set before the log-in (by anyone who could
    plant a cookie) carries over into the signed-in session (ASVS V3.2.1)."""
    session.clear()
    sessions.start_session(
        user,
        remember=remember,
        ip_address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        now=utcnow(),
    )
    audit(AuditAction.LOGIN, actor=user, detail="kept signed in" if remember else "")
    db.session.commit()
    login_user(user, remember=remember)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    # Every device: the remember-me cookies of the account's other browsers stop working too.
    ended = sessions.end_all_sessions(user)
    audit(AuditAction.LOGOUT, actor=user, detail=f"{counted(ended, 'session')} ended")
    db.session.commit()
    logout_user()
    # Flask-Login would clear the remember-me cookie with a bare Set-Cookie (no HttpOnly,
    # SameSite or Secure); it is cleared below with the attributes it was set with instead.
    clear_remember = session.pop("_remember", None) == "clear"
    for key in SHOWN_ONCE_KEYS:  # a secret not yet shown stays out of the logged-out cookie
        session.pop(key, None)
    flash("You are logged out on every device.", "info")
    response = redirect(url_for("accounts.login"))
    if clear_remember:
        _clear_remember_cookie(response)
    return response


def _remember_cookie_name() -> str:
    from flask import current_app
    from flask_login import config as login_defaults

    return current_app.config.get("REMEMBER_COOKIE_NAME", login_defaults.COOKIE_NAME)


def _clear_remember_cookie(response) -> None:
    """Expire Flask-Login's remember-me cookie with the REMEMBER_COOKIE_* attributes it was set
    with (HttpOnly, SameSite=Lax, Secure in production: ASVS 4.0.3 V3.4)."""
    from flask import current_app
    from flask_login import config as login_defaults

    config = current_app.config
    response.delete_cookie(
        _remember_cookie_name(),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=bool(config.get("REMEMBER_COOKIE_SECURE", login_defaults.COOKIE_SECURE)),
        httponly=bool(config.get("REMEMBER_COOKIE_HTTPONLY", login_defaults.COOKIE_HTTPONLY)),
        samesite=config.get("REMEMBER_COOKIE_SAMESITE", login_defaults.COOKIE_SAMESITE),
    )


def _reset_url(secret: str) -> str:
    from coverage.notifications.services import site_url

    # The configured or last signed-in address, never this request's Host header: anyone may
    # ask for a reset, and a forged Host would otherwise put their site in the emailed link.
    return site_url() + url_for("accounts.reset_password", token=secret)


@bp.route("/password/reset", methods=["GET", "POST"])
@throttle.password_reset_limits
def request_password_reset():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        typed = lower_email(form.email.data)
        reset = resets.request_reset(
            typed,
            requested_from=request.remote_addr or "",
            now=utcnow(),
            reset_url=_reset_url,
        )
        audit(
            AuditAction.PASSWORD_RESET_REQUESTED,
            actor=reset.user if reset else None,
            actor_label=typed,
            detail="link emailed" if reset else "no active account with this email; nothing sent",
        )
        db.session.commit()
        # The same answer whether or not the address has an account (no enumeration).
        flash(RESET_SENT, "info")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/request_reset.html", form=form), status


def _reset_link_refused(error: DomainError):
    response = render_template("accounts/reset_link_refused.html", message=error.message)
    return response, error.status, {"Referrer-Policy": "no-referrer"}


# The link's secret leaves the address bar at once (as Django's PasswordResetConfirmView does):
# the first request moves it into the session and redirects to a token-less address, so the
# secret is not kept in browser history, not shown over a shoulder, and logged only once.
RESET_TOKEN_SESSION_KEY = "password_reset_token"
RESET_FORM_PATH_NAME = "new"


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if request.method == "GET":
        try:
            resets.find_reset(token, utcnow())
        except DomainError as error:
            return _reset_link_refused(error)
        session[RESET_TOKEN_SESSION_KEY] = token
        return redirect(url_for("accounts.reset_password_form"))
    # A form posted to the link's own address (an old page, a script): still served.
    return _reset_password_page(token)


@bp.route(f"/password/reset/{RESET_FORM_PATH_NAME}", methods=["GET", "POST"])
def reset_password_form():
    token = session.get(RESET_TOKEN_SESSION_KEY)
    if not isinstance(token, str):
        return _reset_link_refused(NotFound(resets.OPEN_LINK_AGAIN))
    return _reset_password_page(token)


def _reset_password_page(token: str):
    now = utcnow()
    try:
        reset = resets.find_reset(token, now)
    except DomainError as error:
        session.pop(RESET_TOKEN_SESSION_KEY, None)
        return _reset_link_refused(error)
    form = PasswordResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, signed_out = resets.complete_reset(token, form.new_password.data, now)
        except InvalidInput as error:
            db.session.rollback()
            form_error(form, error)
        except DomainError as error:
            db.session.rollback()
            session.pop(RESET_TOKEN_SESSION_KEY, None)
            return _reset_link_refused(error)
        else:
            audit(
                AuditAction.PASSWORD_RESET,
                actor=user,
                detail=(
                    f"{counted(signed_out.sessions, 'session')} ended, "
                    f"{counted(signed_out.api_tokens, 'API token')} revoked"
                ),
            )
            db.session.commit()
            session.pop(RESET_TOKEN_SESSION_KEY, None)
            logout_user()
            session.pop("_remember", None)
            flash(
                "Your password has been changed, and every device signed out. "
                "Log in with the new password.",
                "success",
            )
            response = redirect(url_for("accounts.login"))
            # Every session of the account has ended: a remember-me cookie this browser holds
            # is dead, and goes as at logout (with its attributes, not Flask-Login's bare one).
            if _remember_cookie_name() in request.cookies:
                _clear_remember_cookie(response)
            return response
    if form.is_submitted():
        status = 422
    page = render_template("accounts/reset_password.html", form=form, email=reset.user.email)
    return page, status, {"Referrer-Policy": "no-referrer"}


# Post/Redirect/Get for new secrets: the POST that makes an API token or a calendar address
# keeps it in the session and redirects to the settings page, whose next GET takes it out and
# shows it once (that page is no-store). A reload shows it no more, and "back" or a refresh
# never posts again to mint another. The session cookie already carries the log-in's secret.
NEW_API_TOKEN_KEY = "new_api_token"
NEW_FEED_KEY = "new_feed"
SHOWN_ONCE_KEYS = (NEW_API_TOKEN_KEY, NEW_FEED_KEY)


def show_once_on_settings(key: str, value: str | dict[str, str], section: str):
    """Keep `value` (a new secret) for the settings page's next view, and redirect there (303
    See Other: the browser GETs it), to the section `section` (an element id)."""
    session[key] = value
    return redirect(url_for("accounts.settings", _anchor=section), 303)


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

    user = current_user._get_current_object()
    return (
        render_template(
            "accounts/settings.html",
            password_form=password_form or ChangePasswordForm(prefix="pw"),
            token_form=token_form or ApiTokenForm(prefix="token"),
            new_token=new_token,
            tokens=current_user.api_tokens,
            login_sessions=sessions.sessions_of(user, utcnow()),
            this_session_id=sessions.current_session_id(user),
            browser_label=sessions.browser_label,
            **feeds_context(new_feed),
            email_form=email_form or preferences_form(current_user),
        ),
        status,
    )


@bp.route("/account")
@login_required
def settings():
    new_token = session.pop(NEW_API_TOKEN_KEY, None)
    new_feed = session.pop(NEW_FEED_KEY, None)
    return _settings_page(
        new_token=new_token if isinstance(new_token, str) else None,
        new_feed=new_feed if isinstance(new_feed, dict) else None,
    )


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            signed_out = services.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
                utcnow(),
            )
        except InvalidInput as error:
            db.session.rollback()
            form_error(form, error)
        else:
            audit(
                AuditAction.PASSWORD_CHANGED,
                detail=(
                    f"{counted(signed_out.sessions, 'other session')} ended, "
                    f"{counted(signed_out.api_tokens, 'API token')} revoked"
                ),
            )
            db.session.commit()
            flash(
                "Your password has been changed. You are signed out on your other devices"
                + (
                    f" and your {counted(signed_out.api_tokens, 'API token')} "
                    + ("has" if signed_out.api_tokens == 1 else "have")
                    + " been revoked."
                    if signed_out.api_tokens
                    else "."
                ),
                "success",
            )
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_api_token():
    form = ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _settings_page(token_form=form, status=422)
    token, secret = services.issue_api_token(current_user, form.label.data or "")
    audit(AuditAction.API_TOKEN_CREATED, target=f"API token “{token.label}” ({token.hint}…)")
    db.session.commit()
    flash("Copy your new token now: it will not be shown again.", "success")
    return show_once_on_settings(NEW_API_TOKEN_KEY, secret, "api-tokens")


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    token = services.revoke_api_token(current_user, token_id, utcnow())
    audit(AuditAction.API_TOKEN_REVOKED, target=f"API token “{token.label}” ({token.hint}…)")
    db.session.commit()
    flash(f"Token “{token.label}” revoked; it no longer works.", "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    row = sessions.end_session(current_user._get_current_object(), session_id)
    device = sessions.browser_label(row.user_agent)
    where = f", address {row.ip_address}" if row.ip_address else ""
    audit(AuditAction.SESSION_ENDED, target=f"session {row.id}", detail=f"{device}{where}")
    db.session.commit()
    flash(f"Session ended ({device}{where}): that device must log in again.", "success")
    return redirect(url_for("accounts.settings") + "#sessions")


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
            db.session.rollback()
            form_error(form, error)
        else:
            audit(AuditAction.ACCOUNT_CREATED, target=user.email, detail=f"role {user.role.value}")
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
        change = services.update_account(
            current_user, target, role=Role(form.role.data), active=form.active.data, now=utcnow()
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.users"))
    if change.role_changed:
        detail = f"{change.old_role.value} -> {change.new_role.value}"
        audit(AuditAction.ROLE_CHANGED, target=target.email, detail=detail)
    if change.deactivated:
        audit(AuditAction.ACCOUNT_DEACTIVATED, target=target.email)
    if change.reactivated:
        audit(AuditAction.ACCOUNT_REACTIVATED, target=target.email)
    db.session.commit()
    state = "active" if target.active else "deactivated"
    message = f"{target.name}: {target.role.label}, {state}."
    if change.signed_out is not None:
        message += (
            " Signed out on every device "
            f"({counted(change.signed_out.sessions, 'session')} ended); "
            f"{counted(change.signed_out.api_tokens, 'API token')} revoked."
        )
    flash(message, "success")
    return redirect(url_for("admin.users"))
