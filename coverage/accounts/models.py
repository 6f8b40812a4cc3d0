from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.accounts.permissions import Actor
from coverage.accounts.roles import Role
from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.timeutil import utcnow

if TYPE_CHECKING:
    from coverage.calendars.models import FeedToken


def _session_token() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_type(Role, 16))
    active: Mapped[bool] = mapped_column(default=True)
    # No longer read: log-ins are LoginSession rows (coverage.accounts.sessions). Kept as it
    # is so that no migration is needed; rows get a random value as before.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.created_at"
    )
    feed_tokens: Mapped[list[FeedToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies: the secret of the
        LoginSession this object was signed in or loaded through (coverage.accounts.sessions),
        never the account's id. A user object that came another way has none, and "" finds
        no session."""
        return getattr(self, "_login_secret", "")

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, role=self.role, active=self.active)

    @property
    def is_desk(self) -> bool:
        return self.role in (Role.ADMIN, Role.EDITOR)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class ApiToken(db.Model):
    """A personal token for `/api/v1`; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so the owner can tell tokens apart without the secret.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class LoginSession(db.Model):
    """One signed-in browser: the cookie carries its secret, the database only its hash.

    A new row (a new session identifier) at every log-in; deleting the row ends that session
    server-side, remember-me cookie included, because both cookies carry the same secret."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class PasswordReset(db.Model):
    """A single-use, expiring password-reset token sent by email; only its hash is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_from: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()


class RateLimitCounter(db.Model):
    """A fixed-window hit counter for Flask-Limiter (see coverage.security.limits_storage).

    In the database so that every app server counts the same log-in attempts."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def lower_email(email: str) -> str:
    return email.strip().lower()


__all__ = [
    "ApiToken",
    "LoginSession",
    "PasswordReset",
    "RateLimitCounter",
    "User",
    "lower_email",
]
