"""Account operations. They take the acting user, change objects and flush; callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from coverage import locking
from coverage.accounts import sessions
from coverage.accounts.models import ApiToken, User, lower_email
from coverage.accounts.passwords import password_problem
from coverage.accounts.permissions import check_account_change, ensure
from coverage.accounts.roles import Role
from coverage.accounts.tokens import hash_token, new_token
from coverage.errors import InvalidInput, NotFound
from coverage.extensions import db
from coverage.timeutil import utcnow


def _hash_method() -> str:
    # Werkzeug's default is scrypt; tests configure a cheap method to stay fast.
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


@cache
def _equaliser_hash(method: str) -> str:
    # Made once per method, so checking against it costs what checking a real hash costs.
    return generate_password_hash("timing-equaliser", method=method)


def validate_password(
    password: str,
    field: str = "password",
    *,
    email: str = "",
    name: str = "",
    label: str = "The password",
) -> None:
    """Raise InvalidInput naming `field` when the password breaks the policy (see
    coverage.accounts.passwords: ASVS V2.1)."""
    problem = password_problem(password, email=email, name=name, label=label)
    if problem is not None:
        raise InvalidInput(problem, field=field)


def set_new_password(user: User, new_password: str) -> None:
    """Hash and set the account's new password after the policy check (a change or a reset).
    Raises InvalidInput naming `new_password`."""
    validate_password(
        new_password,
        field="new_password",
        email=user.email,
        name=user.name,
        label="The new password",
    )
    user.password_hash = hash_password(new_password)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == lower_email(email)))


def load_user_by_session_token(secret: str) -> User | None:
    """Flask-Login's loader: the active user of the LoginSession whose secret the cookie holds.
    An ended session or a deactivated account is no longer signed in.

    A request that declared no write intent (GET) may commit the "last seen" time at once."""
    may_commit = not db.session.info.get(locking.WRITE_INTENT)
    return sessions.load_session_user(secret, utcnow(), may_commit=may_commit)


@dataclass(frozen=True)
class LoginCheck:
    """What a log-in attempt found: `account` has the email typed (or None), `user` is that
    account when the password matched too."""

    account: User | None
    user: User | None


def check_login(email: str, password: str) -> LoginCheck:
    """Look the account up and check the password. An unknown email costs one password check
    too, against a hash made with the same method, so the answer's timing does not tell
    whether the email has an account (ASVS V2.2.1 / OWASP authentication cheat sheet)."""
    account = find_user_by_email(email)
    if account is None:
        check_password_hash(_equaliser_hash(_hash_method()), password)
        return LoginCheck(None, None)
    return LoginCheck(account, account if check_password(account, password) else None)


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match; None otherwise (never says which was wrong)."""
    return check_login(email, password).user


def create_user(
    email: str, name: str, role: Role | str, password: str, *, check_policy: bool = True
) -> User:
    """A new account; flushes. Raises InvalidInput naming the field (email, name, password).
    `check_policy=False` is for the demo accounts only, whose documented password is short."""
    email = lower_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput(f"{email!r} is not an email address.", field="email")
    if not name.strip():
        raise InvalidInput("A name is required.", field="name")
    if find_user_by_email(email) is not None:
        raise InvalidInput(f"There is already an account for {email}.", field="email")
    role = Role.parse(role) if isinstance(role, str) else role
    if check_policy:
        validate_password(password, email=email, name=name)
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class SignedOut:
    """What a credential change ended: sessions (browsers) and live API tokens."""

    sessions: int
    api_tokens: int


def live_api_token_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )


def revoke_all_api_tokens(user: User, now: datetime) -> int:
    """Revoke every live API token of the account; returns how many. Calendar feed tokens are
    left alone: a subscription's permission is checked each time it is read."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["api_tokens"])
    return result.rowcount or 0


def change_password(
    user: User, current_password: str, new_password: str, now: datetime | None = None
) -> SignedOut:
    """The user changes their own password: every other session ends and every API token is
    revoked (ASVS V3.3.3), this browser's session stays. Raises InvalidInput naming the field."""
    if not check_password(user, current_password):
        raise InvalidInput("The current password is not correct.", field="current_password")
    set_new_password(user, new_password)
    ended = sessions.end_other_sessions(user, sessions.current_session_id(user))
    revoked = revoke_all_api_tokens(user, now or utcnow())
    db.session.flush()
    return SignedOut(ended, revoked)


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
    )


@dataclass(frozen=True)
class AccountChange:
    """What an admin's change did to an account."""

    old_role: Role
    new_role: Role
    deactivated: bool
    reactivated: bool
    signed_out: SignedOut | None

    @property
    def role_changed(self) -> bool:
        return self.old_role is not self.new_role


def update_account(
    actor: User, target: User, *, role: Role | None, active: bool, now: datetime | None = None
) -> AccountChange:
    """Change another account's role or active flag, within the lock-out rules. A role change
    or a deactivation ends all of the target's sessions and revokes their API tokens, so the
    new rights apply from the next request on (ASVS V3.3.4 / V4.1.3)."""
    deactivate = target.active and not active
    new_role = role if role is not None else target.role
    check_account_change(
        actor.actor,
        target.id,
        new_role=new_role if new_role is not target.role else None,
        deactivate=deactivate,
        active_admins=count_active_admins(),
        target_is_active_admin=target.active and target.role is Role.ADMIN,
    )
    old_role = target.role
    reactivate = not target.active and active
    target.role = new_role
    target.active = active
    signed_out = None
    if deactivate or new_role is not old_role:
        signed_out = SignedOut(
            sessions.end_all_sessions(target), revoke_all_api_tokens(target, now or utcnow())
        )
    db.session.flush()
    return AccountChange(old_role, new_role, deactivate, reactivate, signed_out)


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
