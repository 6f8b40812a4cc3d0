from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime
from coverage.extensions import db
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow


class Revision(db.Model):
    """Every save of a piece's text, in full. Nothing anyone typed is ever lost."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("piece_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The piece version this save was based on; differs from the saved version after a conflict.
    based_on_version: Mapped[int | None]
    # The piece version this revision became; None when it was kept but not applied (a save
    # that lost a race: stored so nothing typed is lost, shown on the conflict page).
    version: Mapped[int | None]
    # What made it: a save, a restore of revision N, a save that conflicted, a publication.
    note: Mapped[str] = mapped_column(String(200), default="")
    headline: Mapped[str] = mapped_column(String(300), default="")
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    star_rating: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    piece: Mapped[Piece] = relationship()
    author: Mapped[User | None] = relationship()


class Comment(db.Model):
    """An editorial note on a piece, seen by its writer and the desk."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    piece: Mapped[Piece] = relationship()
    author: Mapped[User | None] = relationship()


class EditPresence(db.Model):
    """Who has a piece open in the editor: a soft lock shown to others, never enforced."""

    __tablename__ = "edit_presence"
    __table_args__ = (UniqueConstraint("piece_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
