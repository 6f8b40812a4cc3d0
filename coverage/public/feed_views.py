"""Atom feeds and the sitemap of published coverage.

Both read through `services.live_listing`, so they hold exactly what the public pages show: live
pieces only, never before the embargo, never spiked or withdrawn, always the published text.
The sitemap reads no text at all: addresses and dates are columns of the listing.
Every response carries an ETag of its bytes and Last-Modified, answers conditional GETs with 304,
and costs the same few queries whatever the number of pieces; a document built once is served
as stored until what it shows changes (`views.stored_or_built`).

Last-Modified never goes back while the content changes, even when a piece leaves (withdrawn,
or its embargo moved into the future) or comes back (its embargo lifted): it is the latest of the
entries' dates, the embargo instants that have lifted, and the last change of any piece that was
ever public in the feed's scope and of those pieces' films and screenings (one aggregate query;
for a feed of the newest few, the films and screenings of the pieces its listing read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import Blueprint, Response
from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.identity import uid_domain
from coverage.public import atom, house_style, services
from coverage.public.views import (
    Built,
    _not_here,
    festival_moved,
    public_url_of,
    publication_name,
    segment_quoter,
    stored_or_built,
)
from coverage.web import absolute_url, public_base_url

bp = Blueprint("public_feeds", __name__)

# The all-festivals feed carries the latest pieces only; each hub's feed has all of its own.
ALL_FEED_LIMIT = 50
# A festival's feed carries its latest pieces; the hub and the sitemap list them all.
FESTIVAL_FEED_LIMIT = 100
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_CONTENT_TYPE = "application/xml; charset=utf-8"


def tag_domain() -> str:
    """The DNS name in entry ids (``tag:<domain>,...``): the install's stored UID domain.

    Entry ids carry the same promise as calendar UIDs (a changed domain makes every entry new to
    every reader), so they share the domain `coverage.identity` fixes at first use and keeps,
    whatever CALENDAR_UID_DOMAIN or PUBLIC_BASE_URL say later."""
    return uid_domain()


def piece_url(item: services.Teaser) -> str:
    return public_base_url() + public_url_of(item)


# --- Atom -----------------------------------------------------------------------------------


@bp.get("/film-festivals/feed.atom")
def atom_all():
    return stored_or_built(_atom_all)


def _atom_all(now: datetime) -> Built:
    live = services.live_pieces(now, limit=ALL_FEED_LIMIT, with_body=True)
    facts = atom.FeedFacts(
        title=f"{publication_name()}: {house_style.SECTION_NAME}",
        page_url=absolute_url("public.index"),
        self_url=absolute_url("public_feeds.atom_all"),
        author=publication_name(),
        feed_id=atom.feed_tag_uri(tag_domain(), atom.EPOCH, "film-festivals"),
    )
    body = atom.build_feed(facts, live.items, piece_url=piece_url, tag_domain=tag_domain())
    last_modified = services.last_modified(
        live.items, live.lifted, services.last_change(among=live.considered)
    )
    return Built(body, atom.CONTENT_TYPE, last_modified, live.holds_until)


@bp.get("/film-festivals/<festival_slug>/feed.atom")
def atom_festival(festival_slug: str):
    return stored_or_built(lambda now: _atom_festival(festival_slug, now))


def _atom_festival(festival_slug: str, now: datetime) -> Built | Response:
    festival = db.session.scalar(select(Festival).where(Festival.slug == festival_slug))
    if festival is None:
        moved = festival_moved(festival_slug)
        return moved or _not_here(
            404, "Not found", "There is no festival coverage at this address."
        )
    live = services.live_pieces(
        now, festival_id=festival.id, limit=FESTIVAL_FEED_LIMIT, with_body=True
    )
    facts = atom.FeedFacts(
        title=f"{publication_name()}: "
        + house_style.festival_edition(festival.name, festival.edition),
        page_url=absolute_url("public.hub", festival_slug=festival.slug),
        self_url=absolute_url("public_feeds.atom_festival", festival_slug=festival.slug),
        author=publication_name(),
        feed_id=atom.feed_tag_uri(tag_domain(), festival.created_at, f"festival-{festival.id}"),
        updated_when_empty=festival.updated_at,
    )
    body = atom.build_feed(facts, live.items, piece_url=piece_url, tag_domain=tag_domain())
    last_modified = services.last_modified(
        live.items,
        live.lifted,
        festival.updated_at,
        services.last_change(festival.id, among=live.considered),
    )
    return Built(body, atom.CONTENT_TYPE, last_modified, live.holds_until)


# --- Sitemap --------------------------------------------------------------------------------


def _w3c(moment: datetime) -> str:
    """W3C Datetime (https://www.w3.org/TR/NOTE-datetime), UTC, whole seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def build_sitemap(entries: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A sitemaps.org 0.9 urlset of (absolute URL, lastmod) pairs, indented two spaces a level.

    Written as text (a desk's sitemap holds thousands of URLs): `escape` does what an XML
    serialiser does to character data (&, <, >), and URLs and dates hold nothing else."""
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n", f'<urlset xmlns="{SITEMAP_NS}">']
    for location, lastmod in entries:
        parts.append(f"\n  <url>\n    <loc>{escape(location)}</loc>")
        if lastmod is not None:
            parts.append(f"\n    <lastmod>{_w3c(lastmod)}</lastmod>")
        parts.append("\n  </url>")
    parts.append("\n</urlset>\n")
    return "".join(parts).encode()


def _piece_urls(festival: Festival) -> Callable[[services.Listed], str]:
    """Absolute URLs of a festival's pieces: its hub's URL and the slug as routing quotes it
    (`views.public_url_of`; `url_for` per URL costs more than the rest of a sitemap entry)."""
    hub = absolute_url("public.hub", festival_slug=festival.slug)
    quote = segment_quoter()
    return lambda item: hub + quote(item.slug)


@bp.get("/sitemap.xml")
def sitemap():
    return stored_or_built(_sitemap)


def _sitemap(now: datetime) -> Built:
    listing = services.live_listing(now)
    hubs = services.festivals_with_coverage(listing.pieces)
    entries: list[tuple[str, datetime | None]] = [
        (
            absolute_url("public.index"),
            services.latest(*(item.updated_at for item in listing.pieces)),
        )
    ]
    for festival, items in hubs:
        entries.append(
            (
                absolute_url("public.hub", festival_slug=festival.slug),
                max(item.updated_at for item in items),
            )
        )
        url_of = _piece_urls(festival)
        entries.extend((url_of(item), item.updated_at) for item in items)
    body = build_sitemap(entries)
    last_modified = services.last_modified(listing.pieces, listing.lifted, services.last_change())
    return Built(body, SITEMAP_CONTENT_TYPE, last_modified, listing.holds_until)
