"""Public pages readers see without logging in: piece pages, coverage hubs, the festivals index.

Only live pieces (see `coverage.public.rules`), always their published revision. Every page
carries an ETag (a hash of the bytes served) and Last-Modified, and answers conditional GETs
with 304; a page built once is served as stored until what it shows changes
(`stored_or_built`, `coverage.page_store`). The article itself is built by
`build_article`, which the writer's preview and the desk's piece page use too, so what the desk
sees is what readers get.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Protocol

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.routing import BaseConverter, Map

from coverage.drafts.rendering import plain_inline, render_inline, render_markdown
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival
from coverage.page_store import PageStore, StoredPage, store_of
from coverage.pieces.kinds import PieceKind
from coverage.pieces.models import Piece
from coverage.public import house_style, services
from coverage.public.rendered import inline_html
from coverage.public.rules import PublicStatus
from coverage.public.structured import FilmFacts, piece_json_ld
from coverage.timeutil import to_zone, utcnow
from coverage.web import absolute_url

bp = Blueprint("public", __name__, url_prefix="/film-festivals")

MORE_IN_SECTION = 5
# Headlines under each festival on the festivals index.
INDEX_LATEST = 3
# Readers may see a withdrawal or a correction a minute late, never more.
CACHE_SECONDS = 60


class TextLike(Protocol):
    headline: str
    standfirst: str
    body: str
    star_rating: int | None


@dataclass(frozen=True)
class Article:
    """Everything the article partial shows, in house style."""

    kind: PieceKind
    breadcrumb: list[tuple[str, str]]
    headline: Markup
    headline_text: str
    stars: int | None
    standfirst: Markup
    standfirst_text: str
    body: Markup
    byline: str | None
    dateline: str | None
    release_line: str | None
    lines: list[house_style.FurnitureLine] = field(default_factory=list)
    more: list[services.Teaser] = field(default_factory=list)
    hub_url: str = ""


@bp.app_template_global("home_market")
def home_market() -> house_style.Market:
    return house_style.market(current_app.config.get("HOME_MARKET", "UK"))


def publication_name() -> str:
    return current_app.config.get("PUBLICATION_NAME") or "Festival Coverage"


def build_article(
    piece: Piece,
    text: TextLike,
    now: datetime,
    *,
    published_at: datetime | None = None,
    updated_at: datetime | None = None,
    more: list[services.Teaser] | None = None,
) -> Article:
    """The piece as readers get it, from any text (the live revision, a draft being previewed,
    an old revision): breadcrumb, headline, stars, standfirst, body, byline and the house-style
    lines under it. Expects `piece` loaded with festival, film and writer."""
    festival = piece.festival
    edition = house_style.festival_edition(festival.name, festival.edition)
    hub_url = url_for("public.hub", festival_slug=festival.slug)
    film = piece.film
    lines = [house_style.hub_line(edition, hub_url)]
    website = house_style.festival_website_line(festival.organiser, festival.website)
    if website is not None:
        lines.append(website)
    release_line = None
    if film is not None:
        release_line = house_style.release_footer(
            film.title, film.release_date, home_market(), now.astimezone(UTC).date()
        )
        trailer = house_style.trailer_line(film.title, film.trailer_url)
        if trailer is not None:
            lines.append(trailer)
    stars = text.star_rating if piece.kind is PieceKind.REVIEW else None
    return Article(
        kind=piece.kind,
        breadcrumb=[
            (house_style.SECTION_NAME, url_for("public.index")),
            (edition, hub_url),
        ],
        headline=Markup(render_inline(text.headline)),  # noqa: S704 (sanitised by nh3)
        headline_text=plain_inline(text.headline),
        stars=stars,
        standfirst=Markup(render_inline(text.standfirst)),  # noqa: S704
        standfirst_text=plain_inline(text.standfirst),
        body=Markup(render_markdown(text.body)),  # noqa: S704
        byline=piece.writer.name if piece.writer is not None else None,
        dateline=_dateline(published_at, updated_at, festival),
        release_line=release_line,
        lines=lines,
        more=more if more is not None else [],
        hub_url=hub_url,
    )


def _dateline(first: datetime | None, updated: datetime | None, festival: Festival) -> str | None:
    """``12th October 2021``, and ``· Updated 14th October 2021`` after a republished
    correction (dates in the festival's zone, where the desk and its readers are)."""
    if first is None:
        return None
    day = to_zone(first, festival.timezone).date()
    line = house_style.long_date(day)
    if updated is not None and to_zone(updated, festival.timezone).date() != day:
        line += f" · Updated {house_style.long_date(to_zone(updated, festival.timezone).date())}"
    return line


def more_in_section(now: datetime, exclude_piece_id: int | None = None) -> services.Live:
    """The latest live pieces of every festival, but the piece on the page (`live_pieces`)."""
    return services.live_pieces(now, limit=MORE_IN_SECTION, exclude_piece_id=exclude_piece_id)


def preview_article(piece: Piece, text: TextLike, now: datetime) -> Article:
    """The writer's preview: the page readers will get, furniture and "More in" included."""
    return build_article(
        piece,
        text,
        now,
        published_at=piece.first_published_at or now,
        updated_at=now if piece.first_published_at else None,
        more=more_in_section(now, piece.id).items,
    )


# --- Responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A page as a view builds it for `stored_or_built`: its bytes and headers, and the UTC
    instant the clock alone changes it (an embargo lifting; None: only the data can)."""

    body: bytes
    content_type: str
    last_modified: datetime | None
    holds_until: datetime | None = None


_PAGE_STORE = "coverage.public_pages"
HTML = "text/html; charset=utf-8"


def page_store() -> PageStore:
    """This app's store of built public pages (`page_store`); PUBLIC_PAGE_STORE_BYTES bounds
    it (0 keeps nothing)."""
    return store_of(current_app, _PAGE_STORE, "PUBLIC_PAGE_STORE_BYTES")


def stored_or_built(build: Callable[[datetime], Built | Response]) -> Response:
    """The page at this address, as stored while the data it shows and the clock leave it as
    it is (`page_store`), else as `build(now)` makes it (and then stored). A `Response` from
    `build` (a redirect, a 404 or 410) is answered as it is and never stored.

    A stored page costs one query (`services.public_fingerprint`). Its key is the address as
    this request names it (endpoint, path values and the host the request came to, which
    absolute links follow without PUBLIC_BASE_URL); the query string is no part of any page."""
    now = utcnow()
    fingerprint = services.public_fingerprint()
    key = (request.endpoint, tuple(sorted((request.view_args or {}).items())), request.url_root)
    store = page_store()
    page = store.get(key, fingerprint, now)
    if page is None:
        built = build(now)
        if isinstance(built, Response):
            return built
        page = StoredPage.of(
            built.body,
            content_type=built.content_type,
            last_modified=built.last_modified,
            fingerprint=fingerprint,
            built_at=now,
            holds_until=built.holds_until,
        )
        store.put(key, page)
    return _respond(page, now)


def _respond(page: StoredPage, now: datetime) -> Response:
    """A stored page with its ETag and Last-Modified; 304 when the client has it (RFC 9110
    section 13). Pages are public: shared caches may keep them briefly, for CACHE_SECONDS
    from when the page was built (its `Age`, RFC 9111 section 5.1), not from now: a page
    served from the store late in its minute is not kept another whole minute."""
    response = current_app.response_class(page.body, content_type=page.content_type)
    age = int((now - page.built_at).total_seconds())
    if age > 0:
        response.age = age
    response.set_etag(page.etag)
    if page.validating_last_modified is not None:
        response.last_modified = page.validating_last_modified
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response.make_conditional(request)


def _not_here(status: int, title: str, detail: str):
    html = render_template(
        "public/error.html",
        status=status,
        title=title,
        detail=detail,
        publication=publication_name(),
    )
    return current_app.make_response((html, status))


def festival_moved(festival_slug: str, **values: str):
    """A permanent redirect to the same page under the festival's new address, when the slug is
    one the festival had before (published links must not break), else None."""
    current = festivals.festival_moved_to(festival_slug)
    if current is None:
        return None
    assert request.endpoint is not None
    return redirect(url_for(request.endpoint, festival_slug=current, **values), 301)


def _release_line_goes_at(film, today: date) -> datetime | None:
    """When the footer's release line, still shown `today` (UTC), goes: the first midnight
    (UTC) after the release day; None when the line shows no date or has gone."""
    if film is None or film.release_date is None or film.release_date < today:
        return None
    if film.release_date == date.max:
        return None  # the calendar's last day has no midnight after it: the line stays
    return datetime.combine(film.release_date + timedelta(days=1), datetime.min.time(), UTC)


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _release_passed_at(film, today: date) -> datetime | None:
    """The footer drops its release line the day after release: a change of the page."""
    if film is None or film.release_date is None or film.release_date >= today:
        return None
    # The line goes at the first midnight (UTC) after the release day.
    return datetime.combine(film.release_date + timedelta(days=1), datetime.min.time(), UTC)


# --- Pages ----------------------------------------------------------------------------------


@bp.get("/<festival_slug>/<piece_slug>")
def piece(festival_slug: str, piece_slug: str):
    return stored_or_built(lambda now: _piece_page(festival_slug, piece_slug, now))


def _piece_page(festival_slug: str, piece_slug: str, now: datetime) -> Built | Response:
    found = services.find_by_slug(festival_slug, piece_slug)
    if found.piece is None:
        moved = festival_moved(festival_slug, piece_slug=piece_slug)
        return moved or _not_here(404, "Not found", "There is no article at this address.")
    item = found.piece
    status = services.status_of(item, now)
    if status is PublicStatus.GONE:
        return _not_here(410, "Withdrawn", "This article has been withdrawn.")
    if status is not PublicStatus.LIVE:
        return _not_here(404, "Not found", "There is no article at this address.")
    if found.current_slug and found.current_slug != piece_slug:
        # The headline changed: the old address keeps working, for search engines permanently.
        return redirect(
            url_for("public.piece", festival_slug=festival_slug, piece_slug=found.current_slug),
            301,
        )
    live = services.public_piece(item)
    if live is None:
        return _not_here(404, "Not found", "There is no article at this address.")
    more = more_in_section(now, item.id)
    article = build_article(
        item,
        live.text,
        now,
        published_at=live.published_at,
        updated_at=item.published_at,
        more=more.items,
    )
    canonical = absolute_url("public.piece", festival_slug=festival_slug, piece_slug=live.slug)
    film = item.film
    keywords = [house_style.SECTION_NAME, item.festival.display_name]
    if film is not None:
        keywords.append(film.title)
    json_ld = piece_json_ld(
        is_review=item.kind is PieceKind.REVIEW,
        headline=article.headline_text,
        description=article.standfirst_text,
        url=canonical,
        published_at=live.published_at,
        modified_at=live.updated_at,
        author=article.byline,
        publisher=publication_name(),
        section=house_style.SECTION_NAME,
        film=FilmFacts(
            film.title,
            [name.strip() for name in film.directors.split(",") if name.strip()],
            film.year,
            film.url,
        )
        if film is not None
        else None,
        stars=article.stars,
        keywords=keywords,
    )
    html = render_template(
        "public/piece.html",
        article=article,
        live=live,
        canonical=canonical,
        json_ld=json.dumps(json_ld, ensure_ascii=False),
        publication=publication_name(),
        festival=item.festival,
    )
    last_modified = services.last_modified(
        [live, *more.items],
        live.embargo_at,
        more.lifted,
        item.festival.updated_at,
        film.updated_at if film else None,
        _release_passed_at(film, now.date()),
        services.last_change(among=[item.id, *(more.considered or [])]),
    )
    return Built(
        html.encode(),
        HTML,
        last_modified,
        _earliest(more.holds_until, _release_line_goes_at(film, now.astimezone(UTC).date())),
    )


@bp.get("/<festival_slug>/")
def hub(festival_slug: str):
    return stored_or_built(lambda now: _hub_page(festival_slug, now))


def _hub_page(festival_slug: str, now: datetime) -> Built | Response:
    festival = db.session.scalar(db.select(Festival).where(Festival.slug == festival_slug))
    if festival is None:
        moved = festival_moved(festival_slug)
        return moved or _not_here(
            404, "Not found", "There is no festival coverage at this address."
        )
    live = services.live_pieces(now, festival_id=festival.id)
    html = render_template(
        "public/hub.html",
        festival=festival,
        edition=house_style.festival_edition(festival.name, festival.edition),
        groups=services.group_by_kind(live.items),
        canonical=absolute_url("public.hub", festival_slug=festival.slug),
        publication=publication_name(),
        section=house_style.SECTION_NAME,
    )
    last_modified = services.last_modified(
        live.items, live.lifted, festival.updated_at, services.last_change(festival.id)
    )
    return Built(html.encode(), HTML, last_modified, live.holds_until)


@bp.get("/")
def index():
    return stored_or_built(_index_page)


def _index_page(now: datetime) -> Built:
    summary = services.festival_summary(now, shown=INDEX_LATEST)
    html = render_template(
        "public/index.html",
        hubs=summary.festivals,
        canonical=absolute_url("public.index"),
        publication=publication_name(),
        section=house_style.SECTION_NAME,
    )
    last_modified = services.latest(summary.updated_at, summary.lifted, services.last_change())
    return Built(html.encode(), HTML, last_modified, summary.holds_until)


@bp.app_template_global("public_url_of")
def public_url_of(item: services.PublicPiece | services.Teaser) -> str:
    """The piece's public path: its festival's hub path and its slug as routing quotes it, which
    is what `url_for("public.piece", ...)` builds (a hub lists hundreds; `url_for` costs more
    than the rest of a teaser)."""
    hubs: dict[str, str] = g.setdefault("public_hub_paths", {})
    slug = item.festival.slug
    if slug not in hubs:
        hubs[slug] = url_for("public.hub", festival_slug=slug)
    return hubs[slug] + segment_quoter()(item.slug)


def segment_quoter() -> Callable[[str], str]:
    """What quotes a path segment as the routing's default converter does."""
    return _default_converter(current_app.url_map).to_url


@lru_cache(maxsize=4)
def _default_converter(url_map: Map) -> BaseConverter:
    return url_map.converters["default"](url_map)


@bp.app_template_filter("long_date")
def long_date_filter(moment: datetime | date | None, zone: str = "UTC") -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_zone(moment, zone).date()
    return house_style.long_date(moment)


@bp.app_template_filter("inline_markdown")
def inline_markdown_filter(text: str) -> Markup:
    return Markup(inline_html(text or ""))  # noqa: S704 (sanitised by nh3)
