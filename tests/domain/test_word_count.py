"""The live word count on the writing page agrees with the server's: one rule, two ports.

`coverage/drafts/wordcount.py` defines it; `coverage/static/editor.js` ports it. These tests
check the Python rule on tricky texts, that editor.js carries the very same patterns, and, with
`node` on the machine, that editor.js's `wordCount` gives the same number for every text.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coverage.drafts import wordcount
from coverage.drafts.rendering import word_count

EDITOR_JS = Path(__file__).resolve().parents[2] / "coverage" / "static" / "editor.js"

CASES: list[tuple[str, int]] = [
    ("", 0),
    ("   \n\n  ", 0),
    ("Red Rocket's star", 3),
    ("**Red** *Rocket's* _star_", 3),
    ("un*believ*able", 1),
    ("# Verdict\n\nA film — of sorts.", 5),
    ("Verdict\n=======\n\nGood.", 2),
    ('[Red Rocket](https://example.org/very/long/url "the title")\'s star', 3),
    ("[Foo](https://en.wikipedia.org/wiki/Foo_(film)) rules", 2),
    ("![a still](https://cdn.example/x.png) here", 3),
    ('See [the film][1].\n\n[1]: https://example.org/film "Film"', 3),
    ("<https://example.org/a/b> and https://example.org/c?d=e", 3),
    ("well-made, self-aware and twenty-first-century", 4),
    ("word—word and word – word", 4),
    ("A 4.5 from 10,000 people, 3:2 and 1/2", 8),
    ("don't, won’t, l'amour, rock ’n’ roll", 6),
    ("- one\n- two\n* three\n+ four", 4),
    ("1. First\n2) Second\n10. Tenth\n\n> 3. Quoted", 4),
    ("In 2019. That year", 4),
    ("> three four\n>\n> five", 3),
    ("one\ntwo\r\nthree\rfour", 4),
    ("`code span` and\n\n```python\nfenced block\n```\n\n~~~\nmore\n~~~", 6),
    ("| a | b |\n|---|---|\n| c | d |\n|e|f|", 6),
    ("---\n***\n___", 0),
    ("東京物語は素晴らしい映画だ。", 1),
    ("東京 物語", 2),
    ("Фильм «Левиафан» — шедевр", 3),
    ("فيلم رائع جدا", 3),
    ("नमस्ते दुनिया", 2),
    ("🎬 🍿 great🎬 film", 2),
    ("1️⃣ keycap", 2),
    ("Tab\tseparated\u00a0no-break\u2003em\u3000ideographic", 5),
    ("pipes|inside|a|line", 4),
    ("\\*not emphasis\\* \\# nor heading", 4),
    ("<b>bold</b> & <i>it</i>", 2),
    ("… ... !!! ?? -- ** __", 0),
]


@pytest.mark.parametrize(("markdown", "words"), CASES)
def test_the_rule_on_tricky_texts(markdown, words):
    assert wordcount.word_count(markdown) == words
    assert word_count(markdown) == words  # what the pages and the API use


def _js_patterns() -> dict[str, str]:
    source = EDITOR_JS.read_text()
    return dict(re.findall(r"^var ([A-Z_]+) = /(.+)/[gu]*;$", source, re.MULTILINE))


PATTERNS = (
    "LINE_END",
    "FENCE_LINE",
    "REFERENCE_DEFINITION",
    "LIST_NUMBER",
    "LINK_TARGET",
    "SEPARATOR",
)


def test_editor_js_carries_the_same_patterns():
    js = _js_patterns()
    for name in PATTERNS:
        assert js[name] == getattr(wordcount, name).pattern, name
    assert js["LETTER_OR_DIGIT"] == r"[\p{L}\p{N}]"
    # The same steps in the same order, each with the same replacement.
    chain = re.findall(r"\.replace\(([A-Z_]+), '([^']*)'\)", EDITOR_JS.read_text())
    names = {id(getattr(wordcount, name)): name for name in PATTERNS}
    expected = [(names[id(p)], r.replace("\n", "\\n")) for p, r in wordcount.STEPS]
    assert chain == expected


def _random_texts(count: int) -> list[str]:
    """Texts stitched from the fragments copy is made of, to find where the ports differ."""
    fragments = [
        "word", "Red Rocket", "4.5", "don't", "—", " – ", "-", "**", "*", "_", "#", "# ",
        "\n", "\n\n", "\r\n", " ", "\t", "\u00a0", "[", "]", "(", ")", "](https://x.org/a)",
        "](<u>)", "[1]: https://x.org", "1. ", "2) ", "> ", "```", "~~~", "`", "|", "東京",
        "🎬", "’", "'", "\"", "…", "https://x.org/p?q=1", "<b>", "&amp;", "\\", "ё", "١٢",
    ]  # fmt: skip
    rng = random.Random(12)
    return ["".join(rng.choices(fragments, k=rng.randint(0, 30))) for _ in range(count)]


def test_editor_js_counts_the_same_as_the_server():
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed: the patterns are compared above instead")
    texts = [markdown for markdown, _ in CASES] + _random_texts(400)
    script = (
        f"const {{wordCount}} = require({json.dumps(str(EDITOR_JS))});"
        "let data = ''; process.stdin.on('data', c => data += c);"
        "process.stdin.on('end', () => "
        "console.log(JSON.stringify(JSON.parse(data).map(wordCount))));"
    )
    result = subprocess.run(
        [node, "-e", script], input=json.dumps(texts), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    counted = json.loads(result.stdout)
    differ = [
        (text, js, wordcount.word_count(text))
        for text, js in zip(texts, counted, strict=True)
        if js != wordcount.word_count(text)
    ]
    assert differ == []
