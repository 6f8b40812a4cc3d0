"""Roles of the desk. Plain Python: imported by models, rules, views and the CLI."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    WRITER = "writer"

    @property
    def label(self) -> str:
        return {"admin": "Admin", "editor": "Section editor", "writer": "Critic / writer"}[
            self.value
        ]

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise ValueError(f"Unknown role {value!r}; choose one of: {allowed}") from None
