"""Piece vocabulary: kinds and workflow states (the transition rules build on these)."""

from __future__ import annotations

from enum import StrEnum


class PieceKind(StrEnum):
    REVIEW = "review"
    INTERVIEW = "interview"
    FEATURE = "feature"
    ROUNDUP = "roundup"
    NEWS = "news"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    # Which plan and text fields mean something for the kind: forms show only those, and the
    # web forms drop the others rather than store what nobody asked for.
    @property
    def attends_screening(self) -> bool:
        """The writer sees the film at a screening (an interview has its slot instead)."""
        return self not in (PieceKind.INTERVIEW, PieceKind.NEWS)

    @property
    def has_interview(self) -> bool:
        """Interviewees and an interview slot (time and place)."""
        return self is PieceKind.INTERVIEW

    @property
    def has_stars(self) -> bool:
        return self is PieceKind.REVIEW


class PieceState(StrEnum):
    PITCHED = "pitched"
    ASSIGNED = "assigned"
    DRAFTING = "drafting"
    FILED = "filed"
    EDITING = "editing"
    READY = "ready"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    SPIKED = "spiked"

    @property
    def label(self) -> str:
        return self.value.capitalize()
