"""Export for the publication's CMS: which text goes out, and the two documents made from it.

Pure: no Flask, no database (a test checks the imports). The views and the API load the piece
and its live revision, gather the facts into `ExportFacts`, and call these functions, so the web
downloads and `GET /api/v1/pieces/{id}/export` always agree byte for byte.

Two documents:

- the body as a clean HTML fragment: exactly what the sanitising renderer makes of the body
  Markdown (no ``<html>``, no headline), UTF-8;
- Markdown with YAML front matter: the piece's facts between ``---`` lines, then the body
  Markdown as written except that raw HTML is escaped (each ``<`` that could open a tag,
  comment or the like becomes ``&lt;``; see `markdown_without_raw_html`), in the body and in
  the headline and standfirst. Our renderer shows raw HTML as text; a CMS rendering the file
  with an ordinary CommonMark renderer (raw HTML allowed) must show the same, not run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import yaml

from coverage.accounts.permissions import Actor, can_read_text
from coverage.drafts.rendering import escape_tag_openers, markdown_without_raw_html, render_markdown
from coverage.errors import Conflict
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.public.house_style import SECTION_NAME

# The text a piece in these states is about to become (approved, waiting for its time).
CURRENT_TEXT_STATES = frozenset({PieceState.READY, PieceState.SCHEDULED})
# A published piece reopened for correction goes through these again; its published revision
# stays live meanwhile (see `coverage.public.rules`), and that is what the CMS gets.
CORRECTION_STATES = frozenset({PieceState.EDITING, PieceState.DRAFTING, PieceState.FILED})

EXPORT_REFUSED = "Only the piece's writer and the desk can export its text."


class ExportSource(StrEnum):
    """Which text of a piece an export carries."""

    CURRENT = "current"  # the piece's own text (headline, standfirst, body, stars)
    LIVE = "live"  # its published revision, the one readers see


class ExportFormat(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"

    @property
    def extension(self) -> str:
        return "html" if self is ExportFormat.HTML else "md"

    @property
    def mimetype(self) -> str:
        return "text/html" if self is ExportFormat.HTML else "text/markdown"


def export_source(state: PieceState, has_live_revision: bool) -> ExportSource:
    """Which text a piece exports, or a `Conflict` saying why it cannot be exported.

    Protects the CMS from copy the desk has not signed off: a ready or scheduled piece exports
    its approved text; a published piece its live revision; a piece reopened for correction
    exports the revision that is still live, never the correction in progress. Anything else
    (pitched, assigned, drafting, filed or editing before first publication, spiked) is refused.
    `has_live_revision`: the piece has a published revision (it went live at least once).
    """
    if state in CURRENT_TEXT_STATES:
        return ExportSource.CURRENT
    if state is PieceState.PUBLISHED:
        # Published before revisions were kept: its own text is the published text, since a
        # correction always moves the piece out of `published` first.
        return ExportSource.LIVE if has_live_revision else ExportSource.CURRENT
    if state in CORRECTION_STATES and has_live_revision:
        return ExportSource.LIVE
    raise Conflict(f"Only a ready or published piece can be exported; this one is {state.value}.")


def is_exportable(state: PieceState, has_live_revision: bool) -> bool:
    try:
        export_source(state, has_live_revision)
    except Conflict:
        return False
    return True


def may_export(actor: Actor, writer_id: int | None) -> bool:
    """The same people who may read a piece's text (`can_read_text`): the desk any piece, a
    writer their own."""
    return can_read_text(actor, writer_id)


@dataclass(frozen=True)
class ExportFacts:
    """Everything an export shows, as plain values (times are UTC instants)."""

    headline: str
    standfirst: str
    body: str  # Markdown, as written
    star_rating: int | None
    kind: PieceKind
    byline: str | None
    festival: str  # display name, e.g. "London Film Festival 2021"
    festival_slug: str
    film: str | None
    directors: Sequence[str]
    embargo_at: datetime | None
    embargo_held: bool
    published_at: datetime | None
    canonical_url: str | None
    slug: str  # the file name's stem


def iso_utc(moment: datetime | None) -> str | None:
    """``2021-10-10T17:30:00Z``: an ISO 8601 UTC instant to the second, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored times are UTC; never read a naive one as local time
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def directors_of(directors: str) -> list[str]:
    """A film's directors field (``Joel Coen, Ethan Coen``) as a list of names."""
    return [name.strip() for name in (directors or "").split(",") if name.strip()]


def tags(facts: ExportFacts) -> list[str]:
    """The section, the festival edition, the film (if any) and the kind of piece."""
    found = [SECTION_NAME, facts.festival]
    if facts.film:
        found.append(facts.film)
    found.append(facts.kind.label)
    return found


def front_matter(facts: ExportFacts) -> dict[str, Any]:
    """The YAML front matter's keys, in the order a reader of the file expects them.

    Every text value has its tag openers escaped (`escape_tag_openers`), code spans or not: a
    renderer that does not know front matter reads these lines as one paragraph, where a
    backtick in one value could pair with one in the next and unprotect a tag."""
    matter: dict[str, Any] = {
        "headline": escape_tag_openers(facts.headline),
        "standfirst": escape_tag_openers(facts.standfirst),
        "byline": _escaped(facts.byline),
        "festival": escape_tag_openers(facts.festival),
        "festival_slug": facts.festival_slug,
        "film": _escaped(facts.film),
        "directors": [escape_tag_openers(name) for name in facts.directors],
        "kind": facts.kind.value,
        "rating": facts.star_rating if facts.kind is PieceKind.REVIEW else None,
        # A held embargo has no instant yet: say so instead of pretending there is none.
        "embargo": None if facts.embargo_held else iso_utc(facts.embargo_at),
    }
    if facts.embargo_held:
        matter["embargo_held"] = True
    matter |= {
        "published_at": iso_utc(facts.published_at),
        "canonical_url": facts.canonical_url,
        "tags": [escape_tag_openers(tag) for tag in tags(facts)],
    }
    return matter


def _escaped(value: str | None) -> str | None:
    return None if value is None else escape_tag_openers(value)


def html_fragment(facts: ExportFacts) -> str:
    """The body as the sanitised HTML fragment readers get (no document, no headline)."""
    return render_markdown(facts.body)


def markdown_document(facts: ExportFacts) -> str:
    """YAML front matter between ``---`` lines, then the body Markdown with its raw HTML
    escaped, so that it means in any CommonMark renderer what it means in ours.

    PyYAML writes the YAML: it quotes and escapes whatever needs it (a colon, a quote or a
    leading ``*`` in a headline), which hand-written YAML gets wrong.
    """
    matter = yaml.safe_dump(
        front_matter(facts),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,  # one line per value: no folding of a long standfirst
    )
    body = markdown_without_raw_html(facts.body.replace("\r\n", "\n"))
    if body and not body.endswith("\n"):
        body += "\n"
    return f"---\n{matter}---\n\n{body}"


def render(facts: ExportFacts, fmt: ExportFormat) -> str:
    return html_fragment(facts) if fmt is ExportFormat.HTML else markdown_document(facts)


def filename(slug: str, fmt: ExportFormat) -> str:
    """``red-rocket-review.md``: the public URL's segment with the format's extension."""
    return f"{slug}.{fmt.extension}"
