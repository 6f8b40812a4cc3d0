"""What a unique constraint's refusal means to the person who sent the write.

Services check uniqueness before they write (a venue's name, a festival's address), but two
requests can both pass the check at the same moment; the database's unique constraint then
refuses the second INSERT. This module turns that refusal into the same sentence the service's
check would have given, naming the field, so the loser of the race gets a 422 (API) or a 409
page (web), never a 500 (OWASP ASVS 4.0 section 7.4.1: errors carry no stack, only what to do).

Pure: no Flask, no session. It reads the driver's error: PostgreSQL names the constraint
(`diag.constraint_name`); SQLite lists the columns ("UNIQUE constraint failed: venues.name").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UniqueRule:
    """A unique constraint a user can run into, and how to tell them."""

    table: str
    columns: tuple[str, ...]
    field: str  # the input field that carries the duplicate value
    sentence: str  # with `{value}` when the value is known
    without_value: str


@dataclass(frozen=True)
class Duplicate:
    """A refused duplicate: the field to name and a sentence for a person."""

    field: str
    message: str


# Keyed by the constraint's name (the naming convention in coverage.extensions).
RULES: dict[str, UniqueRule] = {
    "uq_venues_festival_id_name": UniqueRule(
        "venues",
        ("festival_id", "name"),
        "name",
        "A venue named '{value}' already exists at this festival.",
        "A venue with this name already exists at this festival.",
    ),
    "uq_festivals_slug": UniqueRule(
        "festivals",
        ("slug",),
        "slug",
        "A festival with the address '{value}' already exists.",
        "A festival with this address already exists.",
    ),
    "uq_festival_slugs_slug": UniqueRule(
        "festival_slugs",
        ("slug",),
        "slug",
        "The address '{value}' already belongs to another festival.",
        "This address already belongs to another festival.",
    ),
    "uq_users_email": UniqueRule(
        "users",
        ("email",),
        "email",
        "An account with the email '{value}' already exists.",
        "An account with this email already exists.",
    ),
}

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_POSTGRES_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) already exists")


def _rule_for(error: Any) -> UniqueRule | None:
    diag = getattr(error, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return RULES.get(name)
    match = _SQLITE_UNIQUE.search(str(error))
    if match is None:
        return None
    qualified = [part.split(".", 1) for part in match.group("columns").split(", ")]
    table = qualified[0][0]
    columns = tuple(part[-1] for part in qualified)
    return next(
        (rule for rule in RULES.values() if (rule.table, rule.columns) == (table, columns)), None
    )


def _value_from_postgres(error: Any, rule: UniqueRule) -> str | None:
    detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
    match = _POSTGRES_KEY.search(detail)
    if match is None or len(rule.columns) != 1:
        return None  # with several columns the values cannot be split reliably
    return match.group("values")


def describe_duplicate(error: Any, sent: dict[str, Any] | None = None) -> Duplicate | None:
    """The duplicate a unique constraint refused, or None for any other integrity error.

    `error` is the driver's exception (`IntegrityError.orig`); `sent` the submitted values,
    where the duplicate value is looked up by field name (PostgreSQL's detail is the fallback).
    """
    rule = _rule_for(error)
    if rule is None:
        return None
    value = (sent or {}).get(rule.field)
    if not isinstance(value, str) or not value.strip():
        value = _value_from_postgres(error, rule)
    if value:
        return Duplicate(rule.field, rule.sentence.format(value=value.strip()))
    return Duplicate(rule.field, rule.without_value)
