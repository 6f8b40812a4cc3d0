"""Published text as HTML or plain text, remembered by the text itself. No Flask, no database.

Lists and feeds render the same live headlines, standfirsts and bodies on every request (a hub
has hundreds, a feed a hundred bodies), and rendering Markdown costs far more than the rest of
an entry. The renderers (`coverage.drafts.rendering`) are pure functions of their text, so a
result kept under its text can never be stale: a correction is new text, and misses.
"""

from __future__ import annotations

from functools import lru_cache

from coverage.drafts.rendering import plain_inline, render_inline, render_markdown

# Headlines and standfirsts: a few hundred bytes each; every live piece of a large desk.
INLINE_CACHE_SIZE = 8192
# Bodies (~4 KB of Markdown, a little more of HTML): every festival feed's hundred, for twenty
# festivals, is some 20 MB per process at most.
BODY_CACHE_SIZE = 2048


@lru_cache(maxsize=INLINE_CACHE_SIZE)
def inline_html(text: str) -> str:
    """`render_inline`: one line (headline, standfirst) as sanitised inline HTML."""
    return render_inline(text)


@lru_cache(maxsize=INLINE_CACHE_SIZE)
def inline_plain(text: str) -> str:
    """`plain_inline`: one line as plain text (feeds, titles)."""
    return plain_inline(text)


@lru_cache(maxsize=BODY_CACHE_SIZE)
def body_html(markdown: str) -> str:
    """`render_markdown`: a body as sanitised HTML."""
    return render_markdown(markdown)
