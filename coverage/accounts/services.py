"""Account operations. They take the acting user, change objects and flush; callers commit."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from coverage.accounts.models import ApiToken, User, lower_email
from coverage.accounts.permissions import check_account_change, ensure
from coverage.accounts.roles import Role
from coverage.accounts.tokens import hash_token, new_token
from coverage.errors import InvalidInput, NotFound
from coverage.extensions import db

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt; tests configure a cheap method to stay fast.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def validate_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.", field=field
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == lower_email(email)))


def load_user_by_session_token(session_token: str) -> User | None:
    """Flask-Login's loader: a deactivated account or a rotated token is no longer signed in."""
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    if user is None or not user.active:
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match; None otherwise (never says which was wrong)."""
    user = find_user_by_email(email)
    if user is None:
        # Hash anyway, so an unknown email takes as long as a wrong password.
        check_password_hash(hash_password("timing-equaliser"), password)
        return None
    if not check_password(user, password):
        return None
    return user


def create_user(email: str, name: str, role: Role | str, password: str) -> User:
    email = lower_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput(f"{email!r} is not an email address.", field="email")
    if not name.strip():
        raise InvalidInput("A name is required.", field="name")
    if find_user_by_email(email) is not None:
        raise InvalidInput(f"There is already an account for {email}.", field="email")
    role = Role.parse(role) if isinstance(role, str) else role
    validate_password(password)
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password(user, current_password):
        raise InvalidInput("The current password is not correct.", field="current_password")
    validate_password(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    # Every other session of this account is signed out.
    user.rotate_session_token()
    db.session.flush()


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
    )


def update_account(actor: User, target: User, *, role: Role | None, active: bool) -> None:
    """Change another account's role or active flag, within the lock-out rules."""
    deactivate = target.active and not active
    check_account_change(
        actor.actor,
        target.id,
        new_role=role if role is not None and role is not target.role else None,
        deactivate=deactivate,
        active_admins=count_active_admins(),
        target_is_active_admin=target.active and target.role is Role.ADMIN,
    )
    if role is not None:
        target.role = role
    if target.active != active:
        target.active = active
        if not active:
            target.rotate_session_token()
    db.session.flush()


def issue_api_token(user: User, label: str) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its hash is stored."""
    label = label.strip() or "API token"
    if len(label) > 80:
        raise InvalidInput("The token's label must be at most 80 characters.", field="label")
    secret = new_token("fcapi")
    token = ApiToken(user=user, label=label, token_hash=hash_token(secret), hint=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_api_token(actor: User, token_id: int, now: datetime) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such API token.")
    ensure(token.user_id == actor.id, "You can revoke only your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = now
    db.session.flush()
    return token


def user_for_api_token(secret: str, now: datetime) -> User | None:
    """The active owner of a live token, or None. Records when the token was last used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = now
    return token.user
