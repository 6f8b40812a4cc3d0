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
