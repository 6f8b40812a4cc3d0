"""Notices shown in the app, emails waiting to go out, and each user's email choices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.notifications.rules import Delivery, NoticeKind
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow


class Notification(db.Model):
    """One thing one user is told, in the app (and by email, through the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind, 32))
    # A notice about a piece goes with it (pieces are not deleted today; if they ever are,
    # a notice pointing nowhere is worth nothing).
    piece_id: Mapped[int | None] = mapped_column(
        ForeignKey("pieces.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # Site-relative ("/pieces/12"): the app links it, emails prefix the site's address.
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set for notices that must exist once only (reminders): a second insert is refused.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # Waiting for the user's next daily digest email.
    awaiting_digest: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    piece: Mapped[Piece | None] = relationship()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """An email to send, written in the same transaction as the change it tells of; the worker
    claims it (`claim_token` until `claimed_until`), sends it and records the outcome."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Refusals by the server (5xx) count towards giving up; an unreachable server never does.
    refusals: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A worker's lease: it alone sends the message until then (a dead worker's lease expires).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Digests: one per user per day ("digest:<user id>:<yyyy-mm-dd>").
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EmailPreference(db.Model):
    """A user's email choices; no row means every kind, at once."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Kinds NOT emailed, comma-separated NoticeKind values (a new kind is on by default).
    off_kinds: Mapped[str] = mapped_column(String(400), default="", server_default="")
    delivery: Mapped[Delivery] = mapped_column(
        enum_type(Delivery, 16), default=Delivery.AT_ONCE, server_default=Delivery.AT_ONCE.value
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
