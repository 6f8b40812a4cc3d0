"""Side-by-side comparison of two revisions of a piece, with the changed words marked.

Lines are matched with difflib; inside a pair of replaced lines a word-level diff wraps
only the changed words in ``<del>`` (old side) and ``<ins>`` (new side). Every fragment
of the critic's text is HTML-escaped exactly once, so the rows can be placed in a
template as they are. Pure standard library: no Flask, no database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from itertools import zip_longest
from typing import Literal

__all__ = ["FIELDS", "DiffRow", "FieldDiff", "compare", "side_by_side", "stars_label"]

RowKind = Literal["same", "changed", "added", "removed"]

FIELDS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline"),
    ("standfirst", "Standfirst"),
    ("body", "Body"),
    ("star_rating", "Stars"),
)

# Words (with inner apostrophes: "Rocket's"), runs of whitespace, single other characters.
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|\s+|[^\w\s]")


@dataclass(frozen=True)
class DiffRow:
    kind: RowKind
    left: str  # escaped HTML for one line of the old text ("" for an added line)
    right: str  # escaped HTML for one line of the new text ("" for a removed line)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    rows: list[DiffRow]
    changed: bool


def _segments(old: list[str], new: list[str]) -> list[tuple[bool, str, str]]:
    """(equal?, old text, new text) runs; whitespace between two changes joins them."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[tuple[bool, str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        segments.append((op == "equal", "".join(old[i1:i2]), "".join(new[j1:j2])))
    merged: list[tuple[bool, str, str]] = []
    for index, (equal, left, right) in enumerate(segments):
        after_change = bool(merged) and not merged[-1][0]
        before_change = index + 1 < len(segments) and not segments[index + 1][0]
        if equal and not left.strip() and after_change and before_change:
            equal = False  # "<del>old</del> <del>bad</del>" reads better as one change
        if not equal and after_change:
            _, prev_left, prev_right = merged.pop()
            left, right = prev_left + left, prev_right + right
        merged.append((equal, left, right))
    return merged


def _word_diff(old_line: str, new_line: str) -> tuple[str, str]:
    left: list[str] = []
    right: list[str] = []
    for equal, old_text, new_text in _segments(_TOKEN.findall(old_line), _TOKEN.findall(new_line)):
        if equal:
            left.append(escape(old_text))
            right.append(escape(new_text))
            continue
        if old_text:
            left.append(f"<del>{escape(old_text)}</del>")
        if new_text:
            right.append(f"<ins>{escape(new_text)}</ins>")
    return "".join(left), "".join(right)


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """One row per line, old on the left and new on the right."""
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("same", escape(line), escape(line)) for line in old_lines[i1:i2])
            continue
        # "replace" pairs old and new lines in order; the surplus on either side, and
        # the whole of a "delete" or "insert", is removed or added.
        for old_line, new_line in zip_longest(old_lines[i1:i2], new_lines[j1:j2]):
            if new_line is None:
                rows.append(DiffRow("removed", escape(old_line), ""))
            elif old_line is None:
                rows.append(DiffRow("added", "", escape(new_line)))
            elif old_line == new_line:
                rows.append(DiffRow("same", escape(old_line), escape(new_line)))
            else:
                rows.append(DiffRow("changed", *_word_diff(old_line, new_line)))
    return rows


def stars_label(rating: str | int | None) -> str:
    """4 -> "★★★★"; None, "" or 0 -> "no rating"."""
    if rating is None or rating == "":
        return "no rating"
    stars = int(rating)
    return "★" * stars if stars > 0 else "no rating"


def _as_text(field: str, value: str | int | None) -> str:
    if field == "star_rating":
        return stars_label(value)
    return "" if value is None else str(value)


def compare(
    old: Mapping[str, str | int | None], new: Mapping[str, str | int | None]
) -> list[FieldDiff]:
    """Headline, standfirst, body and star rating of two revisions, in that order."""
    diffs: list[FieldDiff] = []
    for field, label in FIELDS:
        rows = side_by_side(_as_text(field, old.get(field)), _as_text(field, new.get(field)))
        changed = any(row.kind != "same" for row in rows)
        diffs.append(FieldDiff(field, label, rows, changed))
    return diffs
