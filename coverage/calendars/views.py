"""Calendar feeds over HTTP: secret-URL subscriptions, public festival feeds, one-off files."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from coverage.accounts.permissions import DESK_ROLES, can_view_programme
from coverage.calendars import feeds
from coverage.calendars import services as calendars
from coverage.calendars.kinds import FeedKind
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.festivals.services import festival_by_slug
from coverage.festivals.views import get_festival
from coverage.pieces.services import piece_title
from coverage.pieces.views import load_piece
from coverage.programme.views import get_screening
from coverage.timeutil import utcnow
from coverage.web import permission_required

bp = Blueprint("calendars", __name__)


def links() -> feeds.Links:
    """Absolute URLs from PUBLIC_BASE_URL (else this request's host); UIDs from a fixed domain."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")
    domain = (
        current_app.config.get("CALENDAR_UID_DOMAIN")
        or urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname
        or "festival-coverage.local"
    )
    return feeds.Links(base_url=base, uid_domain=domain)


def feed_urls(secret_path: str) -> dict[str, str]:
    https = f"{links().base_url}{secret_path}"
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal}


def calendar_response(
    fingerprint: feeds.Fingerprint,
    build: Callable[[], feeds.Feed],
    filename: str,
    *,
    private: bool,
) -> Response:
    """Answer a conditional GET with 304 before building anything; else the feed's bytes."""
    headers = {
        "ETag": fingerprint.etag,
        "Last-Modified": fingerprint.last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "private, max-age=300" if private else "public, max-age=300",
    }
    unquoted = fingerprint.etag.strip('"')
    if request.if_none_match:
        # Weak comparison (RFC 9110): a client echoing W/"..." still means "I have this".
        if request.if_none_match.contains_weak(unquoted):
            return Response(status=304, headers=headers)
    elif (
        request.if_modified_since is not None
        and fingerprint.last_modified <= request.if_modified_since
    ):
        return Response(status=304, headers=headers)
    feed = build()
    response = Response(feed.to_ical(), status=200, headers=headers)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


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
        )
    festival = token.festival
    if token.kind is FeedKind.DESK:
        return calendar_response(
            feeds.desk_fingerprint(festival, here),
            lambda: feeds.desk_feed(festival, here),
            f"{festival.slug}-desk.ics",
            private=True,
        )
    return calendar_response(
        feeds.festival_fingerprint(festival, here),
        lambda: feeds.festival_feed(festival, here),
        f"{festival.slug}.ics",
        private=True,
    )


@bp.route("/calendars/public/<slug>.ics")
def public_feed(slug: str):
    festival = festival_by_slug(slug)
    if festival is None or not festival.is_public:
        abort(404, "This festival's calendar is not public.")
    here = links()
    return calendar_response(
        feeds.festival_fingerprint(festival, here),
        lambda: feeds.festival_feed(festival, here),
        f"{festival.slug}.ics",
        private=False,
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
    event = feeds._interview_event(piece, links(), for_desk=False)
    body = feeds.single_event_calendar(
        piece_title(piece), event, piece.festival.timezone, piece.slot_starts_at
    )
    return _download(body, f"interview-{piece.id}.ics")


def _download(body: bytes, filename: str) -> Response:
    response = Response(body, status=200)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
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
    """Create (or regenerate, killing the old URL) one of the user's feed URLs."""
    from coverage.accounts.views import _settings_page

    kind_value = request.form.get("kind", "")
    try:
        kind = FeedKind(kind_value)
    except ValueError:
        abort(400, "Choose a kind of calendar feed.")
    festival = None
    if kind is not FeedKind.PERSONAL:
        festival = db.session.get(Festival, request.form.get("festival", type=int) or 0)
    try:
        token, secret = calendars.issue_feed_token(current_user, kind, festival, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _settings_page(status=error.status)
    db.session.commit()
    label = {
        FeedKind.PERSONAL: "your personal schedule",
        FeedKind.FESTIVAL: f"every screening of {festival.display_name if festival else ''}",
        FeedKind.DESK: f"the desk calendar of {festival.display_name if festival else ''}",
    }[kind]
    urls = feed_urls(url_for("calendars.feed", secret=secret))
    return _settings_page(new_feed={"label": label, **urls})


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
