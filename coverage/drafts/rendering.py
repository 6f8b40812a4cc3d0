"""Critics' Markdown to safe HTML, for previews and for publishing.

Two layers, neither of which trusts the other:

1. markdown-it-py (a maintained, CommonMark-compliant parser) with ``html`` off, so raw
   HTML typed into a review is escaped as text, never passed through. Links are kept
   only for http, https and mailto URLs (otherwise just their text is shown); images
   become their alt text (critics' copy has none, and remote images leak readers);
   ``#`` headings are demoted to ``<h2>`` because a piece's headline is its only ``<h1>``.
2. nh3, the Python binding of the Rust ``ammonia`` sanitiser (allow-list based and
   maintained; bleach is deprecated), with an explicit allow-list of tags, attributes
   and URL schemes, run over whatever the parser produced.

No regular expressions decide what is safe HTML here. Nothing in this module touches
Flask or the database.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from coverage.drafts import wordcount

__all__ = [
    "Rendered",
    "markdown_without_raw_html",
    "plain_inline",
    "quote_candidates",
    "escape_tag_openers",
    "render_inline",
    "render_markdown",
    "render_piece",
    "word_count",
]

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

INLINE_TAGS = frozenset({"strong", "em", "del", "s", "code", "a"})
BLOCK_TAGS = INLINE_TAGS | {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
# Removed together with everything inside them (the rest of the unknown tags are
# unwrapped, keeping their text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "svg", "math", "noscript"}
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Browsers ignore ASCII tab/newline anywhere in a URL and leading C0 controls/spaces.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _allowed_url(url: str) -> bool:
    """Only absolute http, https and mailto URLs, however the scheme was disguised."""
    decoded = url
    for _ in range(3):  # undo (possibly repeated) percent-encoding of the scheme
        decoded = unquote(decoded)
    match = _SCHEME.match(_INVISIBLE.sub("", decoded).lower())
    return match is not None and match.group(1) in ALLOWED_SCHEMES


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if _allowed_url(value) else None
    if attribute == "start":
        return value if value.isdigit() else None
    return value


def _sanitise(html: str, tags: frozenset[str]) -> str:
    return nh3.clean(
        html,
        tags=set(tags),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items() if tag in tags},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_SCHEMES),
    )


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    # Accept every destination at parse time so that a refused link can be shown as its
    # text alone (markdown-it's own check would leave "[x](javascript:...)" verbatim).
    # _tidy drops the links we refuse; the sanitiser checks the href again.
    md.validateLink = lambda url: True
    return md


_MD = _parser()


def _tidy(tokens: Sequence[Token]) -> list[Token]:
    """Demote h1, unwrap refused links and turn images into their alt text."""
    kept: list[Token] = []
    dropped_links = 0
    for token in tokens:
        if token.children:
            token.children = _tidy(token.children)
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        elif token.type == "link_open" and not _allowed_url(str(token.attrGet("href") or "")):
            dropped_links += 1
            continue
        elif token.type == "link_close" and dropped_links:
            # Links do not nest in CommonMark, so the next close belongs to the refused one.
            dropped_links -= 1
            continue
        elif token.type == "image":
            alt = Token("text", "", 0, content=token.content)
            kept.extend(_tidy(token.children or []) or [alt])
            continue
        kept.append(token)
    return kept


def render_markdown(text: str) -> str:
    """A Markdown body as sanitised HTML (paragraphs, lists, quotes, tables, links...)."""
    env: dict = {}
    tokens = _tidy(_MD.parse(text or "", env))
    return _sanitise(_MD.renderer.render(tokens, _MD.options, env), BLOCK_TAGS)


def render_inline(text: str) -> str:
    """One line (headline, standfirst): emphasis, code and links only, no block tags."""
    env: dict = {}
    line = " ".join((text or "").split())
    tokens = _tidy(_MD.parseInline(line, env))
    return _sanitise(_MD.renderer.render(tokens, _MD.options, env), INLINE_TAGS)


def plain_inline(text: str) -> str:
    """One line as plain text for `<title>`, meta tags, feeds and JSON-LD: Markdown marks and
    tags gone, entities decoded (the template or serialiser escapes it again)."""
    return html.unescape(nh3.clean(render_inline(text), tags=set())).strip()


_QUOTED = re.compile(r"[“\"]([^“”\"]{12,200})[”\"]")


def quote_candidates(markdown: str, limit: int = 12) -> list[str]:
    """Lines an interview quotes (in “curly” or "straight" quotation marks, or as a Markdown
    blockquote), for the editor to pick a pull quote from; in order, without repeats."""
    found: list[str] = []
    for line in (markdown or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            quote = plain_inline(stripped.lstrip("> "))
            if 12 <= len(quote) <= 200:
                found.append(quote)
            continue
        found.extend(" ".join(m.group(1).split()) for m in _QUOTED.finditer(plain_inline(line)))
    unique = list(dict.fromkeys(q.strip() for q in found if q.strip()))
    return unique[:limit]


def word_count(markdown: str) -> int:
    """Words a reader sees: Markdown syntax and link URLs do not count, nor do lone
    punctuation marks such as a dash between spaces. The one definition, shared with the
    writing page's live count, is `coverage.drafts.wordcount`."""
    return wordcount.word_count(markdown)


# --- Markdown for other renderers ------------------------------------------------------------

# Parses the way the CommonMark spec does (no tables), raw HTML off: the block structure of
# Markdown that has no raw HTML left, which is what `markdown_without_raw_html` returns.
_COMMONMARK = MarkdownIt("commonmark", {"html": False})
# What `markdown_without_raw_html` checks its result with: a spec CommonMark renderer with raw
# HTML allowed (the spec's default) and a GFM-like one (tables, strikethrough).
_CHECKERS = (
    MarkdownIt("commonmark", {"html": True}),
    MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]),
)
_LINE_END = re.compile(r"\r\n?|\n")
_BACKTICKS = re.compile(r"`+")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# CommonMark 6.5: a URI autolink (scheme of 2-32 characters) or an email autolink.
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
)
# CommonMark 6.3 / 4.7: a link destination in pointy brackets, after "](" or "]:".
_BRACKETED_DESTINATION = re.compile(r"<(?:[^<>\r\n\\]|\\[^\r\n])*>")
_BEFORE_DESTINATION = re.compile(r"\]\(|\]:")


def _could_open_raw_html(text: str, at: int) -> bool:
    """CommonMark 6.6 / 4.6: raw HTML (an open or closing tag, a comment ``<!--``, a processing
    instruction ``<?``, a declaration ``<!X`` or CDATA) and every HTML block start with ``<``
    followed by a letter, ``/``, ``!`` or ``?``. Anything else after ``<`` is plain text."""
    following = text[at + 1 : at + 2]
    return following in ("/", "!", "?") or (following.isascii() and following.isalpha())


def _after_link_opener(text: str, at: int) -> bool:
    """Whether ``<`` at `at` follows ``](`` or ``]:`` (spaces and one line end between)."""
    start = at
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    if start > 0 and text[start - 1] == "\n":
        start -= 2 if start > 1 and text[start - 2] == "\r" else 1
    elif start > 0 and text[start - 1] == "\r":
        start -= 1
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return _BEFORE_DESTINATION.match(text, max(start - 2, 0), start) is not None


def _raw_html_openers(text: str, *, code_spans: bool, destinations: bool) -> list[int]:
    """Offsets in `text` (one leaf block's lines) of each ``<`` that could open raw HTML, read
    left to right as CommonMark does: a backslash escape (2.4) makes the next punctuation
    character literal; a backtick run opens a code span (6.1) closed by the next run of the
    same length, and nothing inside it is markup; an autolink (6.5) is kept whole; with
    `destinations`, so is a ``<...>`` link destination after ``](`` or ``]:``."""
    runs: dict[int, list[int]] = {}
    for run in _BACKTICKS.finditer(text):
        runs.setdefault(len(run.group()), []).append(run.start())
    found: list[int] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == "\\" and text[at + 1 : at + 2] in _ASCII_PUNCTUATION:
            at += 2
        elif char == "`":
            length = len(_BACKTICKS.match(text, at).group())
            closer = None
            if code_spans:
                starts = runs.get(length, [])
                later = bisect_right(starts, at)
                closer = starts[later] if later < len(starts) else None
            at = (closer if closer is not None else at) + length
        elif char == "<":
            autolink = _AUTOLINK.match(text, at)
            destination = (
                _BRACKETED_DESTINATION.match(text, at)
                if destinations and _after_link_opener(text, at)
                else None
            )
            if autolink:
                at = autolink.end()
            elif destination:
                at = destination.end()
            else:
                if _could_open_raw_html(text, at):
                    found.append(at)
                at += 1
        else:
            at += 1
    return found


def _block_segments(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the stretches of `text` outside fenced and indented code blocks,
    one per leaf block (CommonMark 4.4, 4.5: a code block's lines are all code; an inline code
    span cannot run from one paragraph into the next)."""
    starts = [0, *(match.end() for match in _LINE_END.finditer(text))]
    ends = [*starts[1:], len(text)]
    owner: list[object] = [None] * len(starts)
    for token in _COMMONMARK.parse(text):
        if token.map is None:
            continue
        first, last = token.map
        if token.type in ("fence", "code_block"):
            owner[first:last] = ["code"] * (last - first)
        elif token.type == "inline":
            owner[first:last] = [token] * (last - first)
    segments: list[tuple[int, int]] = []
    previous: object = "code"
    for line, who in enumerate(owner):
        if who == "code":
            previous = who
            continue
        if segments and who is previous:
            segments[-1] = (segments[-1][0], ends[line])
        else:
            segments.append((starts[line], ends[line]))
        previous = who
    return segments


def _has_raw_html(text: str, inline: bool) -> bool:
    def found(tokens: Sequence[Token]) -> bool:
        return any(
            token.type in ("html_block", "html_inline") or found(token.children or [])
            for token in tokens
        )

    return any(
        found(md.parse(text)) or (inline and found(md.parseInline(text))) for md in _CHECKERS
    )


_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")


def escape_tag_openers(text: str) -> str:
    """Every ``<`` that could open raw HTML (CommonMark 6.6) as ``&lt;``, code spans included:
    for short values (front matter) a renderer may read run together with others, where no
    code span can be trusted to stay a code span."""
    return _TAG_OPENER.sub("&lt;", text)


def markdown_without_raw_html(text: str, *, inline: bool = False) -> str:
    """Markdown that means the same in any CommonMark renderer as in `render_markdown`.

    Why: our parser runs with raw HTML off, so ``<script>`` typed into a review is shown as
    text. A CMS that renders the same Markdown with an ordinary CommonMark renderer, where raw
    HTML is allowed (the spec's default), would make it live: scripts, iframes, styles, event
    handlers, comments. So each ``<`` that could open raw HTML becomes the entity reference
    ``&lt;``: CommonMark (2.5 entity references) shows it as a ``<`` in text, as our renderer
    shows the ``<`` itself. Nothing else changes; emphasis, links, headings, lists, quotes and
    tables are left byte for byte.

    What could open raw HTML: ``<`` followed by a letter, ``/``, ``!`` or ``?``, the start of
    an open or closing tag, a comment ``<!--``, a processing instruction ``<?``, a declaration
    ``<!X`` or a CDATA section (6.6 raw HTML), and of every HTML block (4.6 HTML blocks). Left
    alone: a ``<`` in a fenced or indented code block (4.5, 4.4; the lines of markdown-it's
    ``fence`` and ``code_block`` tokens, from their ``map``) or in an inline code span (6.1:
    between backtick runs of equal length), an autolink such as ``<https://example.com>`` or
    ``<someone@example.com>`` (6.5 autolinks), a ``<...>`` link destination, a
    backslash-escaped ``\\<`` (2.4 backslash escapes: already text), and a ``<`` followed by
    anything else (``a < b``, ``<3``), which is text in every renderer.

    The scan only chooses which ``<`` may stay; markdown-it decides whether the result is safe:
    it is parsed as CommonMark and as GFM-like (tables), raw HTML allowed. Should raw HTML
    still be found (something read differently than it is scanned here, such as a ``](<...>``
    that turns out not to be a link), the escaping widens step by step (link destinations,
    then code spans, then every ``<``) until none is. A few contrived texts cannot mean the
    same in both renderers, e.g. a code span whose second line starts with ``<!--`` (in
    CommonMark that line starts an HTML block and ends the paragraph): they come out safe.

    `inline`: the text is a single value rendered inline (a headline, a standfirst), so none of
    it counts as a code block.
    """
    if "<" not in (text or ""):
        return text or ""
    segments = [(0, len(text))] if inline else _block_segments(text)
    candidate = text
    for code_spans, destinations in ((True, True), (True, False), (False, False)):
        openers = [
            start + offset
            for start, end in segments
            for offset in _raw_html_openers(
                text[start:end], code_spans=code_spans, destinations=destinations
            )
        ]
        pieces: list[str] = []
        last = 0
        for at in openers:
            pieces.append(text[last:at])
            pieces.append("&lt;")
            last = at + 1
        candidate = "".join(pieces) + text[last:]
        if not _has_raw_html(candidate, inline):
            return candidate
    return text.replace("<", "&lt;")


@dataclass(frozen=True)
class Rendered:
    headline: str
    standfirst: str
    body: str


def render_piece(headline: str, standfirst: str, body: str) -> Rendered:
    return Rendered(
        headline=render_inline(headline),
        standfirst=render_inline(standfirst),
        body=render_markdown(body),
    )
