from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
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


class FeedState(db.Model):
    """The last ETag a feed was served with, and the Last-Modified that goes with it.

    A feed's content dates cannot see removals (a declined piece, a deleted screening leave no
    row behind), so Last-Modified is taken from here instead: it rises whenever the ETag changes,
    and clients that revalidate with If-Modified-Since only (Apple Calendar) see every change.
    """

    __tablename__ = "calendar_feed_states"

    # `festival:12`, `personal:5`, `desk:12`, and a digest of the feed's base URL.
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedBody(db.Model):
    """The bytes a feed was last built into, with the ETag they were built for.

    Calendar fetchers (Google's among them) poll without validators: each such request would
    rebuild a feed of thousands of events. While the feed's fingerprint (its ETag) is unchanged,
    the stored bytes are served instead; every app server shares them through the database. A
    table of its own, so a 304 answered from FeedState never loads a body.
    """

    __tablename__ = "calendar_feed_bodies"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary())
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
