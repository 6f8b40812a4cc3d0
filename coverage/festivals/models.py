from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.programme.kinds import DefaultEmbargo
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
    # The embargo of the films whose own rule is left to the festival (imported ones): so a
    # review cannot go out before a world premiere because nobody set the film's embargo.
    default_embargo: Mapped[DefaultEmbargo] = mapped_column(
        enum_type(DefaultEmbargo, length=40),
        default=DefaultEmbargo.NONE,
        server_default=DefaultEmbargo.NONE.value,
    )
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
    aliases: Mapped[list[VenueAlias]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="VenueAlias.spelling"
    )

    def __repr__(self) -> str:
        return f"<Venue {self.name}>"


class VenueAlias(db.Model):
    """Another way the festival's programme files write a venue ("Main Hall (EN subs)",
    "MAIN HALL"), remembered when an import merges it or venues are merged, so the next import
    lands its rows on the same venue without asking again."""

    __tablename__ = "venue_aliases"
    __table_args__ = (UniqueConstraint("festival_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    # venue_names.venue_key of the spelling: what a file's cell is looked up by.
    key: Mapped[str] = mapped_column(String(400))
    # The spelling as first written, to show.
    spelling: Mapped[str] = mapped_column(String(300))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    venue: Mapped[Venue] = relationship(back_populates="aliases")


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
