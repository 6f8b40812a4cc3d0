"""Side-by-side revision diffs: line rows, changed words marked, everything escaped once."""

from __future__ import annotations

import pytest

from coverage.drafts.diff import DiffRow, FieldDiff, compare, side_by_side, stars_label


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
