"""Password reset by email: a single-use link that expires, sent to the account's address.

OWASP ASVS 4.0.3 V2.5 (credential recovery) and the OWASP Forgot Password cheat sheet: the
request page answers the same whether or not the address has an account (no enumeration); the
link carries a 256-bit random secret, of which the database keeps only the SHA-256; it works
once and for RESET_VALID_FOR; using it ends every session and revokes every API token of the
account (whoever had them may be who made the reset necessary), and every other outstanding
link of the account is deleted. The email says who asked (from which address) and that
ignoring it changes nothing.

Services: they change rows and flush; the view commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from coverage import locking
from coverage.accounts import sessions
from coverage.accounts.models import PasswordReset, User
from coverage.accounts.services import (
    SignedOut,
    find_user_by_email,
    revoke_all_api_tokens,
    set_new_password,
)
from coverage.accounts.tokens import hash_token
from coverage.errors import DomainError, NotFound
from coverage.extensions import db

RESET_VALID_FOR = timedelta(minutes=60)
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class ResetLinkUnusable(DomainError):
    """A reset link that was used already or has expired (400); an unknown one is NotFound."""

    status = 400
    title = "Link no longer valid"


UNKNOWN_LINK = (
    "This password reset link is not valid. It may have been mistyped or replaced by a newer "
    "one. Ask for a new link below."
)
OPEN_LINK_AGAIN = (
    "Open the link from the password reset email again (this browser has no reset in "
    "progress), or ask for a new link below."
)
USED_LINK = "This password reset link has been used already. Ask for a new link below."
EXPIRED_LINK = (
    f"This password reset link has expired (links work for "
    f"{int(RESET_VALID_FOR.total_seconds() // 60)} minutes). Ask for a new link below."
)


def request_reset(
    email: str,
    *,
    requested_from: str,
    now: datetime,
    reset_url: Callable[[str], str],
) -> PasswordReset | None:
    """For an active account with this email, a new reset row and the email with its link
    (`reset_url(secret)` makes the absolute address); None, adding nothing, otherwise. The
    caller answers the same in both cases."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    secret = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user=user,
        token_hash=hash_token(secret),
        created_at=now,
        expires_at=now + RESET_VALID_FOR,
        requested_from=requested_from[:45],
    )
    db.session.add(reset)
    db.session.flush()
    _queue_email(user, reset_url(secret), requested_from, now)
    return reset


def _queue_email(user: User, link: str, requested_from: str, now: datetime) -> None:
    from coverage.notifications.services import queue_account_email

    minutes = int(RESET_VALID_FOR.total_seconds() // 60)
    origin = f" from the address {requested_from}" if requested_from else ""
    body = (
        f"Hello {user.name},\n\n"
        f"Someone{origin} asked to reset the password of the festival desk account "
        f"{user.email} at {now:%H:%M} UTC on {now:%d %b %Y}.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n"
        "The link works once. Setting a new password signs the account out on every device "
        "and revokes its API tokens.\n\n"
        "If you did not ask for this, ignore this email: nothing changes, and your password "
        "stays as it is.\n\n-- \nFestival desk\n"
    )
    queue_account_email(user, "Reset your festival desk password", body, now)


def find_reset(secret: str, now: datetime) -> PasswordReset:
    """The reset row of a link that may still be used. Raises NotFound for an unknown secret
    and ResetLinkUnusable for a used or expired one (or an account deactivated since)."""
    if not _SECRET_SHAPE.fullmatch(secret):
        # Not something we made (token_urlsafe(32) is 43 URL-safe characters): no lookup.
        raise NotFound(UNKNOWN_LINK)
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(secret))
    )
    if reset is None or not reset.user.active:
        raise NotFound(UNKNOWN_LINK)
    if reset.used_at is not None:
        raise ResetLinkUnusable(USED_LINK)
    if reset.expires_at <= now:
        raise ResetLinkUnusable(EXPIRED_LINK)
    return reset


def complete_reset(secret: str, new_password: str, now: datetime) -> tuple[User, SignedOut]:
    """Set the new password through a valid link: the link is used up, the account's other
    links are deleted, every session ends and every API token is revoked. Raises as
    `find_reset` does, and InvalidInput naming `new_password` for a refused password (the link
    stays usable then)."""
    reset = find_reset(secret, now)
    # Two submissions of one link at once: the second waits here and then sees it used.
    locking.lock_row(reset)
    reset = find_reset(secret, now)
    user = reset.user
    set_new_password(user, new_password)
    reset.used_at = now
    db.session.execute(
        delete(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.id != reset.id,
            PasswordReset.used_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    )
    signed_out = SignedOut(sessions.end_all_sessions(user), revoke_all_api_tokens(user, now))
    db.session.flush()
    return user, signed_out
