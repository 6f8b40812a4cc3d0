from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.dbtypes import UTCDateTime
from coverage.extensions import db
from coverage.timeutil import utcnow

if TYPE_CHECKING:
    from coverage.programme.models import Film, Screening


class Festival(db.Model):
    __tablename__ = "festivals"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    edition: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date]
    end_date: Mapped[date]
    website: Mapped[str] = mapped_column(String(500), default="")
    # Who runs the festival, as the house style names it: "the official BFI website".
    organiser: Mapped[str] = mapped_column(String(200), default="", server_default="")
    travel_buffer_minutes: Mapped[int] = mapped_column(default=15)
    # Serves the festival's calendar feed without a token.
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    venues: Mapped[list[Venue]] = relationship(
        back_populates="festival", cascade="all, delete-orphan", order_by="Venue.name"
    )
    films: Mapped[list[Film]] = relationship(
        back_populates="festival", cascade="all, delete-orphan", order_by="Film.title"
    )
    screenings: Mapped[list[Screening]] = relationship(
        back_populates="festival", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.edition}"

    def __repr__(self) -> str:
        return f"<Festival {self.slug}>"


class FestivalSlug(db.Model):
    """An address a festival had before its slug changed: its public pages and feeds redirect
    from it, so published links never break, and no other festival may take it."""

    __tablename__ = "festival_slugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Venue(db.Model):
    __tablename__ = "venues"
    __table_args__ = (UniqueConstraint("festival_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    festival: Mapped[Festival] = relationship(back_populates="venues")

    def __repr__(self) -> str:
        return f"<Venue {self.name}>"


class VenueTravel(db.Model):
    """Minutes needed between two venues; stored once per unordered pair (lower id first)."""

    __tablename__ = "venue_travel"
    __table_args__ = (
        UniqueConstraint("from_venue_id", "to_venue_id"),
        CheckConstraint("from_venue_id < to_venue_id", name="pair_ordered"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    to_venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    minutes: Mapped[int]

    from_venue: Mapped[Venue] = relationship(foreign_keys=[from_venue_id])
    to_venue: Mapped[Venue] = relationship(foreign_keys=[to_venue_id])
