"""Side-by-side comparison of two revisions of a piece, with the changed words marked.

Lines are matched first; inside a pair of replaced lines a word-level diff wraps only the
changed words in ``<del>`` (old side) and ``<ins>`` (new side). Every fragment of the critic's
text is HTML-escaped exactly once, so the rows can be placed in a template as they are. Pure
standard library: no Flask, no database.

The work is bounded (issue 13, "Bounded work"; OWASP ASVS 4.0 V11.1.4 and V12.1: a request a user
can trigger must not tie up a worker). Both passes use Myers' O((N+M)·D) shortest edit script
("An O(ND) Difference Algorithm and Its Variations", 1986) on hashed tokens, after cutting the
common beginning and end, and charge every diagonal step and every token compared past those to a
budget of `WORK_LIMIT` units per field (at most `PAIR_WORK_LIMIT` of them for one pair of lines).
When the budget runs out the comparison degrades instead of failing: a pair of lines too
different to compare word by word is shown whole (old line deleted, new line inserted), and
lines too different to match are paired in order; `FieldDiff.coarse` then says so. So two 50 KB
texts cost a read of both plus at most `WORK_LIMIT` units, whatever they hold, where difflib's
SequenceMatcher is quadratic or worse (two 11 KB texts once kept a worker busy past 30 s).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import zip_longest
from typing import Literal

__all__ = [
    "FIELDS",
    "PAIR_WORK_LIMIT",
    "WORK_LIMIT",
    "DiffRow",
    "FieldDiff",
    "LineDiff",
    "compare",
    "diff_lines",
    "side_by_side",
    "stars_label",
]

RowKind = Literal["same", "changed", "added", "removed"]
Opcode = tuple[str, int, int, int, int]

FIELDS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline"),
    ("standfirst", "Standfirst"),
    ("body", "Body"),
    ("star_rating", "Stars"),
)

# Units of work (diagonals tried plus tokens compared, see `_Budget`) one field's comparison may
# spend beyond reading its two texts once: about 0.2 s of CPU on a 2-core machine. A review
# edited here and there, paragraph by paragraph, needs a few thousand.
WORK_LIMIT = 1_000_000
# The share one pair of changed lines may take, so one paragraph rewritten from end to end does
# not leave the other paragraphs without a word-level comparison.
PAIR_WORK_LIMIT = 100_000

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
    # Some changes are shown by whole line (paragraph): the texts differed too much to compare
    # word by word within the work budget.
    coarse: bool = False


@dataclass(frozen=True)
class LineDiff:
    """The rows of a comparison, whether it fell back to whole lines, and the work it spent."""

    rows: list[DiffRow]
    coarse: bool
    work: int


class _OverBudget(Exception):
    """The comparison would spend more than its budget: show it coarser instead."""


class _Budget:
    """Units of work left: one per diagonal Myers tries, one per token pair it compares."""

    __slots__ = ("left", "spent")

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.spent = 0

    def share(self, limit: int) -> _Budget:
        return _Budget(min(limit, self.left))

    def take(self, other: _Budget) -> None:
        self.left -= other.spent
        self.spent += other.spent


def _hashed(old: Sequence[Hashable], new: Sequence[Hashable]) -> tuple[list[int], list[int]]:
    """The two sequences as small ints (equal items, equal ints): compared in one step each."""
    ids: dict[Hashable, int] = {}
    return (
        [ids.setdefault(item, len(ids)) for item in old],
        [ids.setdefault(item, len(ids)) for item in new],
    )


def _myers(a: Sequence[int], b: Sequence[int], budget: _Budget) -> list[tuple[int, int, int]]:
    """Matching blocks (i, j, size) of a shortest edit script from `a` to `b` (Myers 1986).

    Raises _OverBudget once the diagonals tried and tokens compared pass `budget.left`; the
    overshoot is at most one run of equal tokens. Memory is the trace, one list per edit of the
    script: at most about `budget.left` ints.
    """
    n, m = len(a), len(b)
    if not n or not m or set(a).isdisjoint(b):
        # Nothing in common (every line rewritten): one replaced block, found in linear time.
        return []
    limit = budget.left
    spent = 0
    max_d = n + m
    offset = max_d + 1
    v = [0] * (2 * max_d + 3)
    trace: list[list[int]] = []
    found = False
    for d in range(max_d + 1):
        # v for diagonals -d-1 .. d+1 as it was before this round: what the backtrack reads.
        trace.append(v[offset - d - 1 : offset + d + 2])
        for k in range(-d, d + 1, 2):
            index = offset + k
            if k == -d or (k != d and v[index - 1] < v[index + 1]):
                x = v[index + 1]
            else:
                x = v[index - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[index] = x
            spent += 1 + x - start
            if spent > limit:
                budget.spent += spent
                budget.left -= spent
                raise _OverBudget
            if x >= n and y >= m:
                found = True
                break
        if found:
            break
    budget.spent += spent
    budget.left -= spent
    # Walk back from the end: each round moved one step off a diagonal, then along it.
    blocks: list[tuple[int, int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        saved = trace[d]  # saved[j] is v[k] for k = j - d - 1
        k = x - y
        if k == -d or (k != d and saved[k - 1 + d + 1] < saved[k + 1 + d + 1]):
            prev_k = k + 1
        else:
            prev_k = k - 1
        prev_x = saved[prev_k + d + 1] if d else 0
        prev_y = prev_x - prev_k if d else 0
        # The run of equal tokens this round ended with, after its one insertion or deletion.
        mid_x, mid_y = (prev_x, prev_y + 1) if prev_k == k + 1 else (prev_x + 1, prev_y)
        if not d:
            mid_x, mid_y = 0, 0
        if x > mid_x:
            blocks.append((mid_x, mid_y, x - mid_x))
        x, y = prev_x, prev_y
    blocks.reverse()
    return blocks


def _common_ends(a: Sequence[int], b: Sequence[int]) -> tuple[int, int]:
    """How many items `a` and `b` share at their beginning, and then at their end."""
    n, m = len(a), len(b)
    head = 0
    while head < n and head < m and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    return head, tail


def _opcodes(a: Sequence[int], b: Sequence[int], budget: _Budget | None) -> list[Opcode]:
    """difflib-style opcodes ("equal", "replace", "delete", "insert") from `a` to `b`.

    The common beginning and end are cut first, in one linear pass (not charged: bounded by the
    input's length); Myers runs on the rest. Raises _OverBudget as `_myers` does. Without a
    budget, everything between the common ends is one replaced block (the coarse fallback).
    """
    n, m = len(a), len(b)
    head, tail = _common_ends(a, b)
    blocks: list[tuple[int, int, int]] = [(0, 0, head)] if head else []
    if budget is not None:
        found = _myers(a[head : n - tail], b[head : m - tail], budget)
        blocks.extend((head + i, head + j, size) for i, j, size in found)
    if tail:
        blocks.append((n - tail, m - tail, tail))
    opcodes: list[Opcode] = []
    i = j = 0
    for block_i, block_j, size in [*blocks, (n, m, 0)]:
        if i < block_i and j < block_j:
            opcodes.append(("replace", i, block_i, j, block_j))
        elif i < block_i:
            opcodes.append(("delete", i, block_i, j, block_j))
        elif j < block_j:
            opcodes.append(("insert", i, block_i, j, block_j))
        if size:
            opcodes.append(("equal", block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return opcodes


def _segments(old: list[str], new: list[str], budget: _Budget) -> list[tuple[bool, str, str]]:
    """(equal?, old text, new text) runs; whitespace between two changes joins them."""
    old_ids, new_ids = _hashed(old, new)
    segments: list[tuple[bool, str, str]] = []
    for op, i1, i2, j1, j2 in _opcodes(old_ids, new_ids, budget):
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


def _whole_line(old_line: str, new_line: str) -> DiffRow:
    return DiffRow(
        "changed",
        f"<del>{escape(old_line)}</del>" if old_line else "",
        f"<ins>{escape(new_line)}</ins>" if new_line else "",
    )


def _word_diff(old_line: str, new_line: str, budget: _Budget) -> DiffRow:
    """The pair with its changed words marked; raises _OverBudget (charging what it spent)."""
    left: list[str] = []
    right: list[str] = []
    pair_budget = budget.share(PAIR_WORK_LIMIT)
    try:
        segments = _segments(_TOKEN.findall(old_line), _TOKEN.findall(new_line), pair_budget)
    finally:
        budget.take(pair_budget)
    for equal, old_text, new_text in segments:
        if equal:
            left.append(escape(old_text))
            right.append(escape(new_text))
            continue
        if old_text:
            left.append(f"<del>{escape(old_text)}</del>")
        if new_text:
            right.append(f"<ins>{escape(new_text)}</ins>")
    return DiffRow("changed", "".join(left), "".join(right))


def diff_lines(old: str, new: str, *, work_limit: int = WORK_LIMIT) -> LineDiff:
    """One row per line, old on the left and new on the right, within `work_limit` units.

    Never raises for any text: past the budget, lines are paired in order and shown whole
    (`coarse`). `work` is the units spent, at most `work_limit` plus one run of equal tokens.
    """
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    budget = _Budget(work_limit)
    coarse = False
    old_ids, new_ids = _hashed(old_lines, new_lines)
    try:
        opcodes = _opcodes(old_ids, new_ids, budget)
    except _OverBudget:
        # Too different to match line by line: keep the common beginning and end, pair the
        # rest in order.
        coarse = True
        opcodes = _opcodes(old_ids, new_ids, None)
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in opcodes:
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
            elif budget.left <= 0:
                coarse = True
                rows.append(_whole_line(old_line, new_line))
            else:
                try:
                    rows.append(_word_diff(old_line, new_line, budget))
                except _OverBudget:
                    coarse = True
                    rows.append(_whole_line(old_line, new_line))
    return LineDiff(rows, coarse, budget.spent)


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """One row per line, old on the left and new on the right (see `diff_lines`)."""
    return diff_lines(old, new).rows


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
    """Headline, standfirst, body and star rating of two revisions, in that order.

    Each field's comparison spends at most `WORK_LIMIT` units (see `diff_lines`)."""
    diffs: list[FieldDiff] = []
    for field, label in FIELDS:
        result = diff_lines(_as_text(field, old.get(field)), _as_text(field, new.get(field)))
        changed = any(row.kind != "same" for row in result.rows)
        diffs.append(FieldDiff(field, label, result.rows, changed, result.coarse))
    return diffs
