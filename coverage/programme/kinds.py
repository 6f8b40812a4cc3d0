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
    """How a film's embargo is set: none, a fixed instant, after its first public screening, or
    left to the festival's default (`DefaultEmbargo`): a film nobody set follows the festival."""

    NONE = "none"
    FIXED = "fixed"
    FIRST_PUBLIC_SCREENING = "first_public_screening"
    FESTIVAL_DEFAULT = "festival_default"


class DefaultEmbargo(StrEnum):
    """A festival's embargo for the films whose own rule is left to it (`FESTIVAL_DEFAULT`)."""

    NONE = "none"
    FIRST_PUBLIC_SCREENING = "first_public_screening"
    # Only world and international premieres wait; other films may be covered at any time.
    PREMIERES_FIRST_PUBLIC_SCREENING = "premieres_first_public_screening"

    @property
    def label(self) -> str:
        return {
            "none": "no embargo",
            "first_public_screening": "until first public screening",
            "premieres_first_public_screening": (
                "until first public screening for world and international premieres"
            ),
        }[self.value]


class PersonRole(StrEnum):
    DIRECTOR = "director"
    ACTOR = "actor"
    PRODUCER = "producer"
    WRITER = "writer"
    OTHER = "other"
