"""The one word count: what the writing page counts live and what the server shows and stores.

`coverage/static/editor.js` ports this module line by line (same patterns, same order), and
tests/domain/test_word_count.py checks the two agree: it compares the patterns' source text
and, where `node` is installed, runs the script's count over a set of tricky texts. Change
both together.

A word is a run of characters between separators that holds at least one letter or digit
(Unicode general category L* or N*), counted in the body as typed, after taking out the
Markdown a reader never sees:

1. line ends: ``\\r\\n`` and ``\\r`` become ``\\n``;
2. code fence lines (```` ``` ```` or ``~~~``, with any info string) go; the code between them
   counts, as a reader sees it;
3. link reference definitions (``[1]: https://example.org "Title"``) go;
4. ordered-list numbers at the start of a line (``1.``, ``10)``, after any ``>``) go;
5. link and image destinations, ``](https://...)`` with an optional title and one level of
   parentheses inside, become ``]``: the link text counts, the URL does not.

Separators are Python's `str.isspace` characters (written out, so JavaScript's ``\\s`` does not
differ) and ``|`` (table cells). So ``*emphasis*``, ``# Heading``, ``don't``, ``4.5``,
``well-made`` and ``word—word`` are one word each; a dash, bullet, ``#`` or emoji standing
alone is none; a bare URL is one; text without spaces (Chinese, Japanese) is one word per run.
Not handled, on purpose (rare in copy, and a parser's worth of rules): HTML entities, a number
with a full stop starting a wrapped line inside a paragraph, indented code blocks.
"""

from __future__ import annotations

import re
import unicodedata

# The patterns, exactly as `editor.js` writes them (between the slashes). No flags: `^`/`$`
# would differ between the engines, so line starts and ends are look-arounds.
LINE_END = re.compile(r"\r\n?")
FENCE_LINE = re.compile(r"(?<![^\n])[ \t]{0,3}(?:`{3,}|~{3,})[^\n]*")
REFERENCE_DEFINITION = re.compile(r"(?<![^\n])[ \t]{0,3}\[[^\]\n]+\]:[^\n]*")
LIST_NUMBER = re.compile(r"(?<![^\n])[ \t>]*[0-9]{1,9}[.)](?![^ \t\n])")
LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
SEPARATOR = re.compile(
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000|]+"
)

# (pattern, replacement) in the order applied; editor.js applies the same list.
STEPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (LINE_END, "\n"),
    (FENCE_LINE, ""),
    (REFERENCE_DEFINITION, ""),
    (LIST_NUMBER, " "),
    (LINK_TARGET, "]"),
)


def _has_letter_or_digit(word: str) -> bool:
    # JavaScript: /[\p{L}\p{N}]/u.
    return any(unicodedata.category(char)[0] in "LN" for char in word)


def word_count(markdown: str) -> int:
    """Words a reader sees in a Markdown body (see the module docstring): an int >= 0."""
    text = markdown or ""
    for pattern, replacement in STEPS:
        text = pattern.sub(replacement, text)
    return sum(1 for word in SEPARATOR.split(text) if _has_letter_or_digit(word))
