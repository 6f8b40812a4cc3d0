"""Calendar feeds over HTTP: secret-URL subscriptions, public festival feeds, one-off files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from coverage.accounts.permissions import DESK_ROLES, can_view_programme
from coverage.audit.actions import AuditAction
from coverage.audit.web import audit
from coverage.calendars import feeds
from coverage.calendars import services as calendars
from coverage.calendars.kinds import FeedKind
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.festivals.services import festival_by_slug, festival_moved_to
from coverage.festivals.views import get_festival
from coverage.identity import uid_domain
from coverage.page_store import PageStore, StoredPage, store_of
from coverage.pieces.services import title_for
from coverage.pieces.views import load_piece
from coverage.programme.views import get_screening
from coverage.timeutil import utcnow
from coverage.web import id_param, permission_required

CALENDAR = "text/calendar; charset=utf-8"

bp = Blueprint("calendars", __name__)


def base_url() -> str:
    """The public address: PUBLIC_BASE_URL, else this request's host."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")


def links() -> feeds.Links:
    """Absolute URLs from `base_url()`; UIDs from the install's stored domain, fixed at first
    use (`coverage.identity`), so later settings never rename anyone's events."""
    return feeds.Links(base_url=base_url(), uid_domain=uid_domain())


def feed_urls(secret_path: str) -> dict[str, str]:
    https = f"{base_url()}{secret_path}"
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal}


def _scope(kind: FeedKind, owner_id: int, here: feeds.Links) -> str:
    """Which feed a FeedState row follows: one per feed and base URL (its links are in it)."""
    digest = hashlib.sha256(here.base_url.encode()).hexdigest()[:16]
    return f"{kind.value}:{owner_id}:{digest}"


def calendar_response(
    fingerprint: feeds.Fingerprint,
    build: Callable[[], feeds.Feed],
    filename: str,
    *,
    private: bool,
    scope: str,
) -> Response:
    """Answer a conditional GET with 304 before building anything; else the feed's bytes.

    Last-Modified rises with every change of the ETag (`services.feed_last_modified`), so a
    client revalidating with If-Modified-Since alone also sees removals."""
    last_modified, changed = calendars.feed_last_modified(
        scope, fingerprint.etag, fingerprint.last_modified, utcnow()
    )
    response = _calendar_response(fingerprint.etag, last_modified, build, filename, private, scope)
    if changed:
        calendars.save_feed_state()
    return response


def _calendar_response(
    etag: str,
    last_modified: datetime,
    build: Callable[[], feeds.Feed],
    filename: str,
    private: bool,
    scope: str,
) -> Response:
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "private, max-age=300" if private else "public, max-age=300",
    }
    unquoted = etag.strip('"')
    if request.if_none_match:
        # Weak comparison (RFC 9110): a client echoing W/"..." still means "I have this".
        if request.if_none_match.contains_weak(unquoted):
            return Response(status=304, headers=headers)
    elif request.if_modified_since is not None and last_modified <= request.if_modified_since:
        return Response(status=304, headers=headers)
    # A fetcher without validators (Google's) gets the bytes stored for this ETag: the
    # fingerprint query above is all it costs while nothing the feed shows has changed.
    response = Response(_feed_body(scope, etag, build), status=200, headers=headers)
    response.headers["Content-Type"] = CALENDAR
    response.headers["Content-Disposition"] = f'inline; filename="{safe_filename(filename)}"'
    return response


_FEED_BODIES = "coverage.calendar_feed_bodies"


def feed_body_store() -> PageStore:
    """This app server's copies of feed bodies, by scope, for the ETag they were built for;
    CALENDAR_FEED_STORE_BYTES bounds it (0 keeps none)."""
    return store_of(current_app, _FEED_BODIES, "CALENDAR_FEED_STORE_BYTES")


def _feed_body(scope: str, etag: str, build: Callable[[], feeds.Feed]) -> bytes:
    """The feed's bytes for `etag`: this server's copy, else the copy every server shares in
    the database (`calendars.stored_feed_body`), else built and stored in both. The ETag is a
    fingerprint of everything the feed shows, so the bytes for one ETag are always the same and
    a copy in memory is never wrong; it saves reading a megabyte out of the database (on
    PostgreSQL, decompressing it), which cost more than the rest of the request."""
    now = utcnow()
    store = feed_body_store()
    kept = store.get(scope, etag, now)
    if kept is not None:
        return kept.body
    body = calendars.stored_feed_body(scope, etag)
    if body is None:
        body = build().to_ical()
        calendars.store_feed_body(scope, etag, body, now)
    # Kept under the feed's own ETag: hashing a megabyte again for another would be wasted.
    store.put(
        scope,
        StoredPage(
            body,
            etag=etag,
            content_type=CALENDAR,
            last_modified=None,
            fingerprint=etag,
            built_at=now,
            holds_until=None,
        ),
    )
    return body


def safe_filename(name: str) -> str:
    """A download name from stored text (a slug): nothing that could break the header."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "calendar.ics"


@bp.route("/calendars/<secret>.ics")
def feed(secret: str):
    """A subscribed feed. The secret works for this GET only; it is never a login."""
    token = calendars.token_for_secret(secret)
    if token is None:
        abort(404, "This calendar address is unknown or no longer valid.")
    here = links()
    if token.kind is FeedKind.PERSONAL:
        user = token.user
        return calendar_response(
            feeds.personal_fingerprint(user, here),
            lambda: feeds.personal_feed(user, here),
            "my-festival-schedule.ics",
            private=True,
            scope=_scope(FeedKind.PERSONAL, user.id, here),
        )
    festival = token.festival
    if token.kind is FeedKind.DESK:
        return calendar_response(
            feeds.desk_fingerprint(festival, here),
            lambda: feeds.desk_feed(festival, here),
            f"{festival.slug}-desk.ics",
            private=True,
            scope=_scope(FeedKind.DESK, festival.id, here),
        )
    return calendar_response(
        feeds.festival_fingerprint(festival, here),
        lambda: feeds.festival_feed(festival, here),
        f"{festival.slug}.ics",
        private=True,
        scope=_scope(FeedKind.FESTIVAL, festival.id, here),
    )


@bp.route("/calendars/public/<slug>.ics")
def public_feed(slug: str):
    festival = festival_by_slug(slug)
    if festival is None:
        # Subscribers keep the address they subscribed to: follow a changed festival slug.
        moved = festival_moved_to(slug)
        if moved is not None:
            return redirect(url_for("calendars.public_feed", slug=moved), 301)
    if festival is None or not festival.is_public:
        abort(404, "This festival's calendar is not public.")
    here = links()
    return calendar_response(
        feeds.festival_fingerprint(festival, here),
        lambda: feeds.festival_feed(festival, here),
        f"{festival.slug}.ics",
        private=False,
        scope=_scope(FeedKind.FESTIVAL, festival.id, here),
    )


@bp.route("/festivals/<slug>/screenings/<int:screening_id>.ics")
@permission_required(can_view_programme)
def screening_ics(slug: str, screening_id: int):
    festival = get_festival(slug)
    screening = get_screening(festival, screening_id)
    event = feeds.screening_event(festival, screening, links())
    body = feeds.single_event_calendar(
        f"{screening.film.title} · {festival.display_name}",
        event,
        festival.timezone,
        screening.starts_at,
    )
    return _download(body, f"{festival.slug}-screening-{screening.id}.ics")


@bp.route("/pieces/<int:piece_id>/interview.ics")
@permission_required(can_view_programme)
def interview_ics(piece_id: int):
    piece = load_piece(piece_id)
    if piece.slot_starts_at is None or piece.slot_ends_at is None:
        abort(404, "This piece has no interview slot.")
    # Anyone logged in may add the slot (a plan fact); the headline only those who may read it.
    title = title_for(piece, current_user)
    event = feeds._interview_event(piece, links(), for_desk=False, title=title)
    body = feeds.single_event_calendar(title, event, piece.festival.timezone, piece.slot_starts_at)
    return _download(body, f"interview-{piece.id}.ics")


def _download(body: bytes, filename: str) -> Response:
    response = Response(body, status=200)
    response.headers["Content-Type"] = CALENDAR
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- Managing one's feeds (settings page) ---------------------------------------------------


def feeds_context(new_feed: dict | None = None) -> dict:
    festivals = db.session.scalars(
        select(Festival).order_by(Festival.start_date.desc(), Festival.name)
    ).all()
    return {
        "feed_tokens": calendars.live_feeds(current_user),
        "feed_festivals": festivals,
        "new_feed": new_feed,
        "is_desk": current_user.role in DESK_ROLES,
        "public_feed_url": lambda festival: feed_urls(
            url_for("calendars.public_feed", slug=festival.slug)
        ),
    }


@bp.route("/account/feeds", methods=["POST"])
@login_required
def create_feed():
    """Create (or regenerate, killing the old URL) one of the user's feed URLs; the settings
    page shows the new address once, after a redirect (only its hash is kept)."""
    from coverage.accounts.views import NEW_FEED_KEY, _settings_page, show_once_on_settings

    kind_value = request.form.get("kind", "")
    try:
        kind = FeedKind(kind_value)
    except ValueError:
        abort(400, "Choose a kind of calendar feed.")
    festival = None
    if kind is not FeedKind.PERSONAL:
        festival = db.session.get(Festival, id_param(request.form, "festival") or 0)
    try:
        token, secret = calendars.issue_feed_token(current_user, kind, festival, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _settings_page(status=error.status)
    where = f": {festival.display_name}" if festival else ""
    audit(AuditAction.FEED_TOKEN_REGENERATED, target=f"{kind.value} calendar feed{where}")
    db.session.commit()
    label = {
        FeedKind.PERSONAL: "your personal schedule",
        FeedKind.FESTIVAL: f"every screening of {festival.display_name if festival else ''}",
        FeedKind.DESK: f"the desk calendar of {festival.display_name if festival else ''}",
    }[kind]
    urls = feed_urls(url_for("calendars.feed", secret=secret))
    return show_once_on_settings(NEW_FEED_KEY, {"label": label, **urls}, "calendars")


@bp.route("/account/feeds/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_feed(token_id: int):
    from flask import redirect

    try:
        calendars.revoke_feed_token(current_user, token_id, utcnow())
    except DomainError as error:
        db.session.rollback()
        abort(403, error.message)
    db.session.commit()
    flash("That calendar address no longer works. Calendars subscribed to it stop updating.")
    return redirect(url_for("accounts.settings") + "#calendars")
