"""Vocabulary of the programme: plain enums shared by models, rules, forms and the API."""

from __future__ import annotations

from enum import StrEnum


class ScreeningKind(StrEnum):
    PRESS = "press"
    PRESS_INDUSTRY = "press_industry"
    PUBLIC = "public"
    GALA = "gala"

    @property
    def label(self) -> str:
        return {
            "press": "Press",
            "press_industry": "Press & industry",
            "public": "Public",
            "gala": "Gala / premiere",
        }[self.value]

    @property
    def is_public_facing(self) -> bool:
        """Public and gala screenings are what an embargo rule waits for."""
        return self in (ScreeningKind.PUBLIC, ScreeningKind.GALA)


class PremiereStatus(StrEnum):
    WORLD = "world"
    INTERNATIONAL = "international"
    EUROPEAN = "european"
    UK = "uk"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "world": "World premiere",
            "international": "International premiere",
            "european": "European premiere",
            "uk": "UK premiere",
            "none": "No premiere",
        }[self.value]


class EmbargoRule(StrEnum):
    """How a film's embargo is set: none, a fixed instant, or after its first public screening."""

    NONE = "none"
    FIXED = "fixed"
    FIRST_PUBLIC_SCREENING = "first_public_screening"


class PersonRole(StrEnum):
    DIRECTOR = "director"
    ACTOR = "actor"
    PRODUCER = "producer"
    WRITER = "writer"
    OTHER = "other"
