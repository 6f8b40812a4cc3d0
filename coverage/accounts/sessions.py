"""Server-side log-in sessions: one `LoginSession` row per log-in, found by the hash of the
secret that the browser's cookies carry.

Flask-Login keeps "the user id" in the signed session cookie and in the remember-me cookie; here
that id is the session's secret (`User.get_id` returns it), so deleting the row ends the session
on the server and every copy of either cookie stops working (OWASP ASVS 4.0.3 V3.3.1: logout
invalidates the session; V3.3.3: a password change can end the other sessions; V3.2.1: a new
session token at every authentication). The secret is 256 bits from `secrets`, so a SHA-256 of it
is enough in the database (a stolen table holds no usable cookie).

Services: they change rows and flush, never commit (except `load_session_user`, see there).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, not_, or_, select
from sqlalchemy.orm import joinedload

from coverage.accounts.models import LoginSession, User
from coverage.accounts.tokens import hash_token
from coverage.errors import NotFound
from coverage.extensions import db

# last_seen_at is written at most this often: a write per page view would serialise every
# request on SQLite's one write lock for a "last seen" that need not be exact.
TOUCH_INTERVAL = timedelta(minutes=5)
# A session unused this long is over (ASVS 4.0.3 V3.3.2, level 2: re-authenticate after 12 hours
# idle; "keep me signed in" lasts as long as its cookie, REMEMBER_COOKIE_DURATION). Ended rows
# are deleted at the account's next log-in, so the list of sessions stays short.
IDLE_LIMIT = timedelta(hours=12)
REMEMBER_IDLE_LIMIT = timedelta(days=30)


def idle_limit(remember: bool) -> timedelta:
    return REMEMBER_IDLE_LIMIT if remember else IDLE_LIMIT


def _live(now: datetime):
    """SQL condition: the session has not been idle past its limit."""
    return or_(
        and_(
            LoginSession.remember.is_(True), LoginSession.last_seen_at > now - REMEMBER_IDLE_LIMIT
        ),
        and_(LoginSession.remember.is_(False), LoginSession.last_seen_at > now - IDLE_LIMIT),
    )


def attach(user: User, row: LoginSession, secret: str) -> None:
    """Mark `user` (this request's object) as signed in through `row`, whose secret Flask-Login
    stores in the cookies (see `User.get_id`)."""
    user._login_secret = secret
    user._login_session_id = row.id


def current_session_id(user: User) -> int | None:
    """The id of the LoginSession this request's user came in with (None outside one)."""
    return getattr(user, "_login_session_id", None)


def start_session(
    user: User, *, remember: bool, ip_address: str, user_agent: str, now: datetime
) -> str:
    """A new session for `user`; returns its secret (for the cookies only, never stored).
    The account's sessions that are over (idle past their limit) are deleted."""
    db.session.execute(
        delete(LoginSession)
        .where(LoginSession.user_id == user.id, not_(_live(now)))
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    row = LoginSession(
        user=user,
        token_hash=hash_token(secret),
        remember=remember,
        created_at=now,
        last_seen_at=now,
        ip_address=ip_address[:45],
        user_agent=user_agent[:200],
    )
    db.session.add(row)
    db.session.flush()
    attach(user, row, secret)
    return secret


def load_session_user(secret: str, now: datetime, *, may_commit: bool) -> User | None:
    """The active user whose session has this secret, or None (ended session, one idle past
    its limit, deactivated account, unknown secret).

    Records `last_seen_at` when it is older than TOUCH_INTERVAL. With `may_commit` (a request
    that writes nothing else, such as a GET) that one change is committed here; otherwise it
    goes with the request's own commit."""
    if not secret:
        return None
    row = db.session.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user))
        .where(LoginSession.token_hash == hash_token(secret))
    )
    if row is None or not row.user.active:
        return None
    if now - row.last_seen_at > idle_limit(row.remember):
        return None
    user = row.user
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        if may_commit:
            db.session.commit()
    attach(user, row, secret)
    return user


def sessions_of(user: User, now: datetime) -> list[LoginSession]:
    """The account's live sessions, most recently seen first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, _live(now))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def end_all_sessions(user: User) -> int:
    """End every session of the account (every browser and remember-me cookie); returns how
    many there were."""
    result = db.session.execute(
        delete(LoginSession)
        .where(LoginSession.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end_other_sessions(user: User, keep_id: int | None) -> int:
    """End every session of the account but `keep_id` (this browser's); returns how many."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_id is not None:
        statement = statement.where(LoginSession.id != keep_id)
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount or 0


def end_session(user: User, session_id: int) -> LoginSession:
    """End one of the account's other sessions. Raises NotFound for a session that is not the
    user's, or is the current one (logging out ends that)."""
    row = db.session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id or row.id == current_session_id(user):
        raise NotFound("No such session among your other devices.")
    db.session.delete(row)
    db.session.flush()
    return row


_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:HeadlessChrome|Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bSafari/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def browser_label(user_agent: str) -> str:
    """ "Firefox on Linux", "Safari on iPhone": enough for a person to recognise their device
    in the list of sessions (not a fingerprint; an unknown agent is shown shortened)."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    return user_agent[:60] or "unknown browser"
