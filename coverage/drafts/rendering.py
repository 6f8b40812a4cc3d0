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
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "Rendered",
    "plain_inline",
    "quote_candidates",
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


def _visible_text(tokens: Sequence[Token], out: list[str]) -> None:
    for token in tokens:
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type in ("code_block", "fence"):
            out.append(f" {token.content} ")
        elif token.children:
            _visible_text(token.children, out)
        elif token.block:
            out.append(" ")  # block boundaries separate words


def word_count(markdown: str) -> int:
    """Words a reader sees: Markdown syntax and link URLs do not count, nor do lone
    punctuation marks such as a dash between spaces."""
    out: list[str] = []
    _visible_text(_tidy(_MD.parse(markdown or "", {})), out)
    return sum(1 for word in "".join(out).split() if any(ch.isalnum() for ch in word))


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
