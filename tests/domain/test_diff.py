"""Side-by-side revision diffs: line rows, changed words marked, everything escaped once."""

from __future__ import annotations

import html
import random
import re

import pytest

from coverage.drafts.diff import (
    WORK_LIMIT,
    DiffRow,
    FieldDiff,
    compare,
    diff_lines,
    side_by_side,
    stars_label,
)


def test_identical_texts_are_all_same():
    text = "First line.\n\nSecond & <third>."
    rows = side_by_side(text, text)
    assert [row.kind for row in rows] == ["same", "same", "same"]
    assert rows[2] == DiffRow("same", "Second &amp; &lt;third&gt;.", "Second &amp; &lt;third&gt;.")


def test_empty_texts_have_no_rows():
    assert side_by_side("", "") == []


def test_one_changed_word_marks_only_that_word():
    rows = side_by_side(
        "Intro.\nThe old print looks superb.\nOutro.",
        "Intro.\nThe new print looks superb.\nOutro.",
    )
    assert [row.kind for row in rows] == ["same", "changed", "same"]
    assert rows[1] == DiffRow(
        "changed",
        "The <del>old</del> print looks superb.",
        "The <ins>new</ins> print looks superb.",
    )


def test_adjacent_changed_words_are_marked_together():
    (row,) = side_by_side("a slow dull film", "a brisk bright film")
    assert row.left == "a <del>slow dull</del> film"
    assert row.right == "a <ins>brisk bright</ins> film"


def test_punctuation_change_does_not_mark_the_word():
    (row,) = side_by_side("Red Rocket's star.", "Red Rocket's star!")
    assert row.left == "Red Rocket&#x27;s star<del>.</del>"
    assert row.right == "Red Rocket&#x27;s star<ins>!</ins>"


def test_added_lines():
    rows = side_by_side("one\ntwo", "one\nnew\ntwo")
    assert rows == [
        DiffRow("same", "one", "one"),
        DiffRow("added", "", "new"),
        DiffRow("same", "two", "two"),
    ]


def test_removed_lines():
    rows = side_by_side("one\ncut\ntwo", "one\ntwo")
    assert rows == [
        DiffRow("same", "one", "one"),
        DiffRow("removed", "cut", ""),
        DiffRow("same", "two", "two"),
    ]


def test_replaced_block_with_surplus_lines():
    rows = side_by_side("keep\nalpha beta\nend", "keep\nalpha gamma\nextra line\nend")
    assert [row.kind for row in rows] == ["same", "changed", "added", "same"]
    assert rows[1].right == "alpha <ins>gamma</ins>"
    assert rows[2] == DiffRow("added", "", "extra line")


def test_everything_from_empty_is_added_and_to_empty_is_removed():
    assert side_by_side("", "a\nb") == [DiffRow("added", "", "a"), DiffRow("added", "", "b")]
    assert side_by_side("a", "") == [DiffRow("removed", "a", "")]


def test_script_is_escaped_exactly_once():
    rows = side_by_side("Safe.\n<script>alert(1)</script>", "Safe!\n<script>alert(2)</script>")
    html = "".join(row.left + row.right for row in rows)
    assert "<script" not in html
    assert rows[1].left == "&lt;script&gt;alert(<del>1</del>)&lt;/script&gt;"
    assert rows[1].right == "&lt;script&gt;alert(<ins>2</ins>)&lt;/script&gt;"
    assert "&amp;lt;" not in html


def test_ampersands_are_escaped_once():
    (row,) = side_by_side("Tom & Jerry", "Tom &amp; Jerry")
    assert row.kind == "changed"
    assert row.left == "Tom &amp; Jerry"
    assert row.right == "Tom &amp;<ins>amp;</ins> Jerry"


def test_added_and_removed_text_is_escaped():
    rows = side_by_side("a", "a\n<b>&")
    assert rows[1] == DiffRow("added", "", "&lt;b&gt;&amp;")


# --- compare ---------------------------------------------------------------------------------

OLD = {
    "headline": "Anora review",
    "standfirst": "Sean Baker's best",
    "body": "Para one.\n\nPara two.",
    "star_rating": 4,
}


def test_compare_marks_only_changed_fields():
    new = {**OLD, "body": "Para one.\n\nPara 2."}
    diffs = compare(OLD, new)
    assert [(d.field, d.label, d.changed) for d in diffs] == [
        ("headline", "Headline", False),
        ("standfirst", "Standfirst", False),
        ("body", "Body", True),
        ("star_rating", "Stars", False),
    ]
    body = diffs[2]
    assert isinstance(body, FieldDiff)
    assert body.rows[-1] == DiffRow("changed", "Para <del>two</del>.", "Para <ins>2</ins>.")


def test_compare_identical_revisions_changes_nothing():
    assert not any(d.changed for d in compare(OLD, dict(OLD)))


def test_compare_star_rating_labels():
    diffs = {d.field: d for d in compare(OLD, {**OLD, "star_rating": None})}
    stars = diffs["star_rating"]
    assert stars.changed
    assert stars.rows == [DiffRow("changed", "<del>★★★★</del>", "<ins>no rating</ins>")]


def test_compare_star_rating_change_between_numbers():
    stars = compare({**OLD, "star_rating": 3}, {**OLD, "star_rating": 5})[3]
    assert stars.changed
    assert stars.rows[0].left == "★★★"
    assert stars.rows[0].right == "★★★<ins>★★</ins>"


def test_compare_treats_none_as_empty_text():
    diffs = compare(
        {"headline": "H", "standfirst": None, "body": None, "star_rating": None},
        {"headline": "H", "standfirst": "", "body": "New body.", "star_rating": None},
    )
    changed = {d.field: d.changed for d in diffs}
    assert changed == {"headline": False, "standfirst": False, "body": True, "star_rating": False}
    assert diffs[2].rows == [DiffRow("added", "", "New body.")]
    assert diffs[3].rows == [DiffRow("same", "no rating", "no rating")]


def test_compare_missing_keys_count_as_empty():
    diffs = compare({}, {"headline": "Now titled"})
    assert [d.field for d in diffs if d.changed] == ["headline"]


@pytest.mark.parametrize(
    ("rating", "label"),
    [(None, "no rating"), (0, "no rating"), (1, "★"), (4, "★★★★"), ("5", "★★★★★")],
)
def test_stars_label(rating, label):
    assert stars_label(rating) == label


# --- bounded work ----------------------------------------------------------------------------
# Issue 13: two ~11 KB texts kept a worker busy past 30 s. Work is counted (diagonals tried and
# tokens compared past the common ends), never timed.


def _unescaped_lines(rows: list[DiffRow], side: str) -> list[str]:
    """One side's lines as the rows show them, marks and escaping removed."""
    kinds = {"left": ("same", "changed", "removed"), "right": ("same", "changed", "added")}[side]
    return [
        html.unescape(re.sub(r"</?(?:del|ins)>", "", getattr(row, side)))
        for row in rows
        if row.kind in kinds
    ]


def _words(rng: random.Random, count: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(alphabet, k=rng.randint(2, 9))) for _ in range(count)]


def _prose(rng: random.Random, vocabulary: list[str], size: int, *, lines: bool = True) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(vocabulary)
        parts.append(word)
        length += len(word) + 1
        if lines and rng.random() < 0.02:
            parts.append("\n")
    return " ".join(parts)[:size]


def _fifty_kb_cases() -> dict[str, tuple[str, str]]:
    rng = random.Random(13)
    vocabulary = _words(rng, 3000)
    size = 50_000
    return {
        "random words": (_prose(rng, vocabulary, size), _prose(rng, vocabulary, size)),
        "one 50 KB line each": (
            _prose(rng, vocabulary, size, lines=False),
            _prose(rng, vocabulary, size, lines=False),
        ),
        "every line changed": (
            "\n".join(f"old line {i} of the review" for i in range(2000)),
            "\n".join(f"new line {i} of the essay" for i in range(2000)),
        ),
        "repeated identical lines": ("same line\n" * 5000, "same line\nother one\n" * 2500),
        "lines from three kinds, shuffled": (
            "\n".join(rng.choice(["alpha", "beta", "gamma"]) for _ in range(8000)),
            "\n".join(rng.choice(["alpha", "beta", "gamma"]) for _ in range(8000)),
        ),
        "two letters, one line each": (
            " ".join(rng.choice("ab") for _ in range(25_000)),
            " ".join(rng.choice("ab") for _ in range(25_000)),
        ),
    }


FIFTY_KB = _fifty_kb_cases()


@pytest.mark.parametrize("case", list(FIFTY_KB))
def test_fifty_kb_texts_are_compared_within_the_work_budget(case):
    old, new = FIFTY_KB[case]
    assert len(old) >= 40_000 and len(new) >= 40_000
    result = diff_lines(old, new)
    # Past the budget, at most one run of equal tokens (a line's tokens) is compared.
    assert result.work <= WORK_LIMIT + 50_000
    # Whatever the fallback, every line of both texts is shown, in order, escaped once.
    assert _unescaped_lines(result.rows, "left") == old.splitlines()
    assert _unescaped_lines(result.rows, "right") == new.splitlines()


@pytest.mark.parametrize(
    ("case", "coarse"),
    [
        # No line in common: paired in order in one linear pass, each pair compared word by word.
        ("every line changed", False),
        # Thousands of equal lines to place among thousands of others: past the budget.
        ("repeated identical lines", True),
        ("one 50 KB line each", True),
        ("lines from three kinds, shuffled", True),
    ],
)
def test_too_different_texts_fall_back_to_whole_lines(case, coarse):
    old, new = FIFTY_KB[case]
    assert diff_lines(old, new).coarse is coarse


def test_a_smaller_budget_degrades_instead_of_failing():
    old = "\n".join(f"line {i} says one thing" for i in range(300))
    new = "\n".join(f"line {i} says {'another' if i % 2 else 'one'} thing" for i in range(300))
    fine = diff_lines(old, new)
    assert not fine.coarse
    assert fine.rows[1].right == "line 1 says <ins>another</ins> thing"
    tight = diff_lines(old, new, work_limit=200)
    assert tight.coarse and tight.work <= 200 + 40
    # Lines are still matched; the word comparison stops when the budget is spent.
    assert [row.kind for row in tight.rows] == [row.kind for row in fine.rows]
    assert tight.rows[-1] == DiffRow(
        "changed", "<del>line 299 says one thing</del>", "<ins>line 299 says another thing</ins>"
    )


def test_a_line_level_fallback_keeps_the_common_beginning_and_end():
    rng = random.Random(7)
    middle_old = "\n".join(rng.choice("xyz") for _ in range(3000))
    middle_new = "\n".join(rng.choice("xyz") for _ in range(3000))
    old = f"Intro.\n{middle_old}\nOutro."
    new = f"Intro!\nIntro.\n{middle_new}\nOutro."
    result = diff_lines(old, new, work_limit=5_000)
    assert result.coarse
    assert result.rows[0] == DiffRow("changed", "<del>Intro.</del>", "<ins>Intro!</ins>")
    assert result.rows[-1] == DiffRow("same", "Outro.", "Outro.")


def test_compare_says_which_fields_fell_back():
    old, new = FIFTY_KB["one 50 KB line each"]
    diffs = {d.field: d for d in compare({**OLD, "body": old}, {**OLD, "body": new})}
    assert diffs["body"].coarse and diffs["body"].changed
    assert not diffs["headline"].coarse and not diffs["standfirst"].coarse


def _lcs_length(a: list[int], b: list[int]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    return table[0][0]


def test_word_marks_are_a_shortest_edit():
    """The marked words are as few as possible: the unmarked ones are a longest common
    subsequence of the two lines' words (checked against the textbook table on small lines)."""
    rng = random.Random(3)
    for _ in range(300):
        old = [rng.choice("abcd") for _ in range(rng.randint(0, 10))]
        new = [rng.choice("abcd") for _ in range(rng.randint(0, 10))]
        (row,) = side_by_side(" ".join(old) or "-", " ".join(new) or "-") or [
            DiffRow("same", "", "")
        ]
        kept_old = re.sub(r"<del>.*?</del>", "", row.left).split()
        kept_new = re.sub(r"<ins>.*?</ins>", "", row.right).split()
        assert kept_old == kept_new
        assert len(kept_old) >= _lcs_length(old, new) - 1  # whitespace runs merge one change
