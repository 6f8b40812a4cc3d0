from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.programme.kinds import EmbargoRule, PersonRole, PremiereStatus, ScreeningKind
from coverage.timeutil import utcnow


class Film(db.Model):
    __tablename__ = "films"
    __table_args__ = (
        CheckConstraint("runtime_minutes IS NULL OR runtime_minutes > 0", name="runtime_positive"),
        # The latest change of the films of many pieces (public pages' Last-Modified, feeds'
        # fingerprints) read from the index alone, not from the films' wide rows.
        Index("ix_films_id_updated", "id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    original_title: Mapped[str] = mapped_column(String(300), default="")
    directors: Mapped[str] = mapped_column(String(500), default="")
    countries: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None]
    runtime_minutes: Mapped[int | None]
    section: Mapped[str] = mapped_column(String(200), default="")
    premiere_status: Mapped[PremiereStatus] = mapped_column(
        enum_type(PremiereStatus), default=PremiereStatus.NONE
    )
    # The release date in the publication's home market (the HOME_MARKET setting, default UK).
    release_date: Mapped[date | None]
    trailer_url: Mapped[str] = mapped_column(String(500), default="")
    # The festival's own page for the film.
    url: Mapped[str] = mapped_column(String(500), default="")
    # Unset, a film follows its festival's default embargo (Festival.default_embargo).
    embargo_rule: Mapped[EmbargoRule] = mapped_column(
        enum_type(EmbargoRule), default=EmbargoRule.FESTIVAL_DEFAULT
    )
    embargo_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    embargo_offset_minutes: Mapped[int] = mapped_column(default=0)
    # Bumped when the embargo changes: the desk calendar's publication events follow it.
    embargo_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    synopsis: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Indexed: the public pages' fingerprint reads the latest change (public.services).
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )

    festival: Mapped[Festival] = relationship(back_populates="films")
    screenings: Mapped[list[Screening]] = relationship(
        back_populates="film", order_by="Screening.starts_at"
    )
    people: Mapped[list[Person]] = relationship(back_populates="film")

    def __repr__(self) -> str:
        return f"<Film {self.title!r}>"


class Screening(db.Model):
    """One showing. Moving or cancelling it keeps the row, so its calendar UID never changes."""

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_screenings_festival_start", "festival_id", "starts_at"),
        # A film's screenings, and their latest change read from the index alone (as above).
        Index("ix_screenings_film_updated", "film_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[ScreeningKind] = mapped_column(
        enum_type(ScreeningKind), default=ScreeningKind.PUBLIC
    )
    cancelled: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Calendar SEQUENCE: bumped when time, place or status changes.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Indexed: the public pages' fingerprint reads the latest change (public.services).
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )

    festival: Mapped[Festival] = relationship(back_populates="screenings")
    film: Mapped[Film] = relationship(back_populates="screenings")
    venue: Mapped[Venue] = relationship()

    def __repr__(self) -> str:
        return f"<Screening {self.id} film={self.film_id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class Person(db.Model):
    """Talent a writer may interview: a director, an actor, a producer."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[PersonRole] = mapped_column(enum_type(PersonRole), default=PersonRole.DIRECTOR)
    film_id: Mapped[int | None] = mapped_column(
        ForeignKey("films.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    film: Mapped[Film | None] = relationship(back_populates="people")

    def __repr__(self) -> str:
        return f"<Person {self.name} ({self.role.value})>"


class ProgrammeUpload(db.Model):
    """An uploaded CSV waiting for the editor's confirmation.

    Kept in the database, not in the process or on local disk, so the preview and the confirm
    may be served by different app servers. Deleted once applied; stale ones are purged.
    """

    __tablename__ = "programme_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # The parse of `content` (JSON), made once at upload, so a preview reload re-reads it
    # instead of parsing the file again.
    parsed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    festival: Mapped[Festival] = relationship()
