from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.accounts.models import User
from coverage.calendars.kinds import FeedKind
from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.timeutil import utcnow


class FeedToken(db.Model):
    """The secret in a calendar feed URL; only its hash is kept. Good for that feed's GET only."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FeedKind] = mapped_column(enum_type(FeedKind, 16))
    festival_id: Mapped[int | None] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="feed_tokens")
    festival: Mapped[Festival | None] = relationship()
