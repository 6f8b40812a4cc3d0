from __future__ import annotations

from enum import StrEnum


class FeedKind(StrEnum):
    FESTIVAL = "festival"
    PERSONAL = "personal"
    DESK = "desk"
