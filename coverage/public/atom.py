"""Atom feeds (RFC 4287) of live coverage, built with feedgen. No Flask, no database.

The caller gives the live pieces (newest first), the feed's absolute URLs and a tag domain;
`build_feed` returns the document's bytes. Nothing here reads the clock: every date comes from
stored facts, so an unchanged feed is byte-for-byte the same document (and keeps its ETag).

Entry ids are tag URIs (RFC 4151), ``tag:<domain>,<YYYY-MM-DD>:piece-<id>``: the domain is a
setting that must never change (see `tag_uri`), the date is the day the piece was created on the
desk (UTC), which nothing ever edits. Neither the headline nor the URL is part of the id, so a
correction that changes both is still the same entry to feed readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from coverage.public.rendered import body_html, inline_plain
from coverage.public.services import Teaser

CONTENT_TYPE = "application/atom+xml; charset=utf-8"
GENERATOR = "festival-coverage"
# The feed's <updated> when it holds nothing and no other stored date applies: fixed, never "now".
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

# Characters XML 1.0 cannot carry at all (lxml refuses them): C0 controls but tab, CR and LF,
# lone surrogates and U+FFFE/U+FFFF. Copy pasted from word processors can hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom_time(moment: datetime) -> datetime:
    """An instant as the feed states it: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0)


def tag_uri(domain: str, created_at: datetime, piece_id: int) -> str:
    """The entry id of a piece: ``tag:example.com,2021-10-04:piece-42`` (RFC 4151).

    `domain` is a DNS name the publisher holds (lower-cased here: tags compare character by
    character); `created_at` is when the piece was created, a date that never changes."""
    day = created_at.astimezone(UTC).date().isoformat()
    return f"tag:{domain.strip().rstrip('.').lower()},{day}:piece-{piece_id}"


@dataclass(frozen=True)
class FeedFacts:
    """What the feed says about itself."""

    title: str
    # The page the feed follows (festivals index or hub): the feed's alternate link.
    page_url: str
    self_url: str
    author: str  # the publication
    # The feed's <id>: a tag URI (see `feed_tag_uri`), never an address that could change.
    feed_id: str = ""
    # <updated> when there are no entries (the festival's updated_at, or EPOCH).
    updated_when_empty: datetime = EPOCH


def feed_tag_uri(domain: str, created_at: datetime, name: str) -> str:
    """A feed's permanent id, ``tag:example.com,2021-09-01:festival-3`` (RFC 4151): like the
    entries', made of the stored domain and a date that never changes, so moving the site or a
    festival's address never turns the feed into a new one for readers."""
    day = created_at.astimezone(UTC).date().isoformat()
    return f"tag:{domain.strip().rstrip('.').lower()},{day}:{name}"


def feed_updated(pieces: Sequence[Teaser], when_empty: datetime = EPOCH) -> datetime:
    """The feed's <updated>: its newest entry's, else `when_empty`."""
    return atom_time(max((item.updated_at for item in pieces), default=when_empty))


def build_feed(
    facts: FeedFacts,
    pieces: Sequence[Teaser],
    *,
    piece_url: Callable[[Teaser], str],
    tag_domain: str,
) -> bytes:
    """The Atom document of `pieces` (read `with_body`), in the order given (newest first),
    as UTF-8 bytes."""
    feed = FeedGenerator()
    feed.id(facts.feed_id or facts.page_url)
    feed.title(xml_text(facts.title))
    feed.updated(feed_updated(pieces, facts.updated_when_empty))
    feed.link(href=facts.self_url, rel="self", type="application/atom+xml")
    feed.link(href=facts.page_url, rel="alternate", type="text/html")
    # A feed-level author stands for entries without a byline (RFC 4287 section 4.1.1).
    feed.author(name=xml_text(facts.author))
    feed.generator(GENERATOR)
    for item in pieces:
        _add_entry(feed, item, piece_url(item), tag_domain)
    return feed.atom_str(pretty=True)


def _add_entry(feed: FeedGenerator, item: Teaser, url: str, tag_domain: str) -> None:
    entry = feed.add_entry(order="append")
    entry.id(tag_uri(tag_domain, item.created_at, item.id))
    entry.title(xml_text(inline_plain(item.headline)) or item.kind.label)
    # feedgen 1.0 writes entry links without rel/type; a link without rel is the alternate
    # (RFC 4287 section 4.2.7.2), which is what this is.
    entry.link(href=url, rel="alternate", type="text/html")
    entry.published(atom_time(item.published_at))
    entry.updated(atom_time(item.updated_at))
    if item.writer_name is not None and item.writer_name.strip():
        entry.author(name=xml_text(item.writer_name.strip()))
    standfirst = xml_text(inline_plain(item.standfirst))
    if standfirst:
        entry.summary(standfirst, type="text")
    entry.content(xml_text(body_html(item.body)), type="html")
    entry.category(term=item.kind.value, label=item.kind.label)
    festival = item.festival
    entry.category(term=festival.slug, label=xml_text(festival.display_name))
