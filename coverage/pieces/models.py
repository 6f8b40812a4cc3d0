from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coverage.accounts.models import User
from coverage.dbtypes import UTCDateTime, enum_type
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.programme.models import Film, Person, Screening
from coverage.timeutil import utcnow

piece_interviewees = Table(
    "piece_interviewees",
    db.metadata,
    Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)

# Films a feature or roundup covers beyond its main film.
piece_films = Table(
    "piece_films",
    db.metadata,
    Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True),
    Column("film_id", ForeignKey("films.id", ondelete="CASCADE"), primary_key=True),
)


class Piece(db.Model):
    __tablename__ = "pieces"
    __table_args__ = (
        CheckConstraint("star_rating IS NULL OR star_rating BETWEEN 1 AND 5", name="stars_1_to_5"),
        CheckConstraint("word_target IS NULL OR word_target > 0", name="word_target_positive"),
        # The desk's counts (filed, overdue) and My work's inbox select by state, overdue ones
        # by due time, and order by festival: read from this index alone, no piece's row (with
        # its body) read (migration 0011).
        Index("ix_pieces_waiting", "state", "due_at", "festival_id", "editor_id"),
        # Public lists (hubs, index, feeds, sitemap) and their Last-Modified read pieces that
        # were ever public from this index alone, never the rows and their bodies (migration
        # 0012; coverage.public.services).
        Index(
            "ix_pieces_public",
            "festival_id",
            "published_revision_number",
            "state",
            "published_at",
            "first_published_at",
            "updated_at",
            "embargo_at",
            "film_id",
            "writer_id",
            "kind",
            "slug",
            "id",
        ),
        # The public pages' fingerprint: the latest change of a piece ever made public, and
        # how many there are, read from a range of this index (migration 0013).
        Index("ix_pieces_published_updated", "published_revision_number", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PieceKind] = mapped_column(enum_type(PieceKind))
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id"), index=True)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id"), index=True)
    writer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[PieceState] = mapped_column(enum_type(PieceState), default=PieceState.PITCHED)
    # Where a spiked piece returns to when restored.
    state_before_spike: Mapped[PieceState | None] = mapped_column(enum_type(PieceState))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Tightens the film's embargo for this piece only; never loosens it.
    embargo_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last time it went live (a correction republished moves it) and the first time: readers
    # and feeds date a piece by its first publication and show the later one as an update.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The revision that is live: a correction edits the piece while this stays published.
    published_revision_number: Mapped[int | None]
    # Calendar SEQUENCE and LAST-MODIFIED of the events this piece puts in calendars (deadline,
    # screening to attend, interview slot, publication): bumped when their time, place or
    # status changes, so clients replace the event instead of keeping a stale copy.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    calendar_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    word_target: Mapped[int | None]
    headline: Mapped[str] = mapped_column(String(300), default="")
    # The public URL's last segment, from the approved headline; unique within the festival.
    # Earlier ones stay in piece_slugs and redirect here.
    slug: Mapped[str | None] = mapped_column(String(160))
    # The line of the interview the editor picked for the house-style headline.
    pull_quote: Mapped[str] = mapped_column(Text, default="", server_default="")
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    star_rating: Mapped[int | None]
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"), index=True)
    slot_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slot_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slot_place: Mapped[str] = mapped_column(String(300), default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every change of text or plan (`services.new_version`); it is the API's ETag, and
    # a save based on an older version is a conflict, not a win.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    festival: Mapped[Festival] = relationship()
    film: Mapped[Film | None] = relationship()
    writer: Mapped[User | None] = relationship(foreign_keys=[writer_id])
    editor: Mapped[User | None] = relationship(foreign_keys=[editor_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    screening: Mapped[Screening | None] = relationship()
    interviewees: Mapped[list[Person]] = relationship(secondary=piece_interviewees)
    other_films: Mapped[list[Film]] = relationship(secondary=piece_films)
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="piece", cascade="all, delete-orphan", order_by="Transition.created_at"
    )
    clash_overrides: Mapped[list[ClashOverride]] = relationship(
        back_populates="piece",
        cascade="all, delete-orphan",
        order_by="ClashOverride.created_at",
        foreign_keys="ClashOverride.piece_id",
    )

    @property
    def accepted_clashes(self) -> list[ClashOverride]:
        """The clashes the desk assigned this piece's present writer over (needs
        `clash_overrides` loaded): an earlier writer's no longer concern anyone."""
        return [o for o in self.clash_overrides if o.writer_id == self.writer_id]

    def __repr__(self) -> str:
        return f"<Piece {self.id} {self.kind.value} {self.state.value}>"


class PieceSlug(db.Model):
    """Every slug a piece has had in its festival, so an old public URL redirects to the new one
    after a headline change, and no two pieces of a festival ever share a URL."""

    __tablename__ = "piece_slugs"
    __table_args__ = (UniqueConstraint("festival_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Transition(db.Model):
    """The audit trail: every change of a piece's state, by whom, when and why."""

    __tablename__ = "transitions"
    # The step that brought a piece into its state (My work's inbox asks for thousands at
    # once): the latest of the piece's steps into that state, read from this index.
    __table_args__ = (Index("ix_transitions_piece_state_at", "piece_id", "to_state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[PieceState | None] = mapped_column(enum_type(PieceState))
    to_state: Mapped[PieceState] = mapped_column(enum_type(PieceState))
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    piece: Mapped[Piece] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class ClashOverride(db.Model):
    """An "assign anyway": the desk planned a piece for a writer despite a clash with another
    of the writer's commitments. Who, when, and which clash, in words and as a fingerprint
    (`clashes.clash_fingerprint`): a later save of the plan does not ask again about a clash
    already accepted, unless it got worse (`shortfall_minutes` grew)."""

    __tablename__ = "clash_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    # The writer the clash was in the diary of: reassigning the piece makes it history.
    writer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Minutes missing: the overlap plus the travel time needed, or the travel time not left.
    shortfall_minutes: Mapped[int]
    # "Belfast (press screening) for Review: Belfast, Fri 8 Oct 09:30–11:05 at Odeon: they
    # overlap by 40 min": readable as recorded, whatever happens to the programme later.
    description: Mapped[str] = mapped_column(Text)

    piece: Mapped[Piece] = relationship(back_populates="clash_overrides", foreign_keys=[piece_id])
    writer: Mapped[User | None] = relationship(foreign_keys=[writer_id])
    by: Mapped[User | None] = relationship(foreign_keys=[by_id])
