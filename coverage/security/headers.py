"""Security and caching headers on every response: one `after_request` hook.

Plain code rather than flask-talisman, which is unmaintained (no release since 2023): what it
would add is a dozen header constants, and per-area caching is ours to write either way; one hook
keeps every header of the desk in one readable place.

Security headers (OWASP ASVS 4.0.3 V14.4; OWASP Secure Headers Project), on every response:

- `Content-Security-Policy` (ASVS V14.4.3). HTML pages get `HTML_POLICY`: scripts, styles,
  fonts and fetches from our own origin only, never `'unsafe-inline'` or `'unsafe-eval'` (the
  templates carry no inline script, handler or style: tests/test_no_inline_script.py checks
  every one), images from our origin and `data:` (Swagger UI's icons; no page shows a remote
  image: the body sanitiser allows no `<img>`), no plug-ins, no `<base>` elsewhere, forms posted
  only to us, and no framing (`frame-ancestors 'none'`, clickjacking, V14.4.7). Every other
  response (feeds, JSON, CSV, exports) gets `OTHER_POLICY`, `default-src 'none'`: opened in a
  tab, it may load nothing.
- `X-Content-Type-Options: nosniff` (V14.4.4): a feed or a JSON body is never run as a script.
- `Referrer-Policy: strict-origin-when-cross-origin` (V14.4.6): a link out sends our origin
  only. Pages whose own address carries a secret (a password-reset link, a calendar feed) get
  `no-referrer`, so the secret never leaves in a Referer header.
- `Permissions-Policy`: every powerful feature the desk does not use is off; the clipboard
  stays writable by our own pages (the critic copies a calendar's webcal address).
- `X-Frame-Options: DENY`, for browsers older than `frame-ancestors`.
- `Cross-Origin-Opener-Policy: same-origin`: a page we link to cannot script our window.
- `Strict-Transport-Security: max-age=31536000; includeSubDomains` (V9.1.1) only when
  COVERAGE_ENV=production with secure cookies: in development the desk is plain HTTP, and HSTS
  on `localhost` would lock a developer's browser into HTTPS for a year.

A header the view already set wins (the password-reset page sets its own Referrer-Policy).

Caching, per area, only where the view set no `Cache-Control` of its own (RFC 9111):

| area (endpoints)                                   | Cache-Control                              |
| -------------------------------------------------- | ------------------------------------------ |
| desk pages, forms, account, CMS exports (the rest) | `no-store`: unpublished text, secrets      |
| API (`api.*`)                                      | `no-store` and `Vary: Authorization`       |
| public pages: piece, hubs, index (`public.*`)      | view's `public, max-age=60`, ETag, L-M     |
| Atom feeds, sitemap (`public_feeds.*`)             | view's `public, max-age=60`, ETag, L-M     |
| public festival calendar (`calendars.public_feed`) | view's `public, max-age=300`, ETag         |
| a public area's redirect or 404/410                | `public, max-age=60`; 5xx `no-store`       |
| secret calendar feeds (`calendars.feed`)           | view's `private, max-age=300`, ETag        |
| one-off `.ics` downloads (`calendars.*_ics`)       | view's `private, no-cache`                 |
| static files, Swagger UI's (`api_docs.asset`)      | Flask's: `no-cache`, ETag, Last-Modified   |
| health (`ops.health`)                              | view's `no-store`                          |

A response a shared cache may keep never sets a cookie: a cache would hand one reader's session
to the next. Public views neither flash nor make CSRF tokens, but Flask-Login's template context
processor loads `current_user` on every render, and for a reader holding only the remember-me
cookie that writes a new session, which Flask would send as `Set-Cookie` on a `public` page (and
every public page got `Vary: Cookie`). `PublicPagesSetNoCookie` skips saving the session on
every response of a public area, of a served file and marked `public`; the reader's next desk page
restores the session from the same cookie. A change made anyway is not sent.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

HTML_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"

# Features Chromium and Firefox know (an unknown name costs a console error on every page);
# `browsing-topics` is the successor of FLoC's `interest-cohort`, which browsers no longer parse.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "autoplay=()",
        "browsing-topics=()",
        "camera=()",
        "display-capture=()",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "publickey-credentials-get=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
        "clipboard-write=(self)",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"

# Areas whose answers are the same for every reader and may sit in shared caches.
PUBLIC_BLUEPRINTS = frozenset({"public", "public_feeds"})
PUBLIC_ENDPOINTS = frozenset({"calendars.public_feed"})
# Served files: Flask's own conditional caching is right for them.
FILE_ENDPOINTS = frozenset({"static", "api_docs.asset"})
# Pages whose address is itself a secret.
SECRET_URL_ENDPOINTS = frozenset({"accounts.reset_password", "calendars.feed"})
# How long a shared cache may keep a public area's redirect or 404/410 (the pages' own 60 s,
# coverage.public.views.CACHE_SECONDS): an embargo lifting shows within a minute.
PUBLIC_ERROR_MAX_AGE = 60

_SKIP_SESSION = "coverage.headers.skip_session"


def init_app(app: Flask) -> None:
    """Add the header hook to `app` and make public responses cookie-free."""
    app.after_request(add_headers)
    app.session_interface = PublicPagesSetNoCookie()


def is_public_area(endpoint: str | None) -> bool:
    """True for the public site's pages and feeds (no login; the same for every reader)."""
    if endpoint is None:
        return False
    return endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS


def add_headers(response: Response) -> Response:
    """The after-request hook: security headers, then the area's caching (see the module)."""
    endpoint = request.endpoint
    headers = response.headers
    is_html = response.mimetype == "text/html"
    headers.setdefault("Content-Security-Policy", HTML_POLICY if is_html else OTHER_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    referrer = (
        "no-referrer" if endpoint in SECRET_URL_ENDPOINTS else "strict-origin-when-cross-origin"
    )
    headers.setdefault("Referrer-Policy", referrer)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if sends_hsts():
        headers.setdefault("Strict-Transport-Security", HSTS)
    _add_caching(response, endpoint)
    if is_public_area(endpoint) or endpoint in FILE_ENDPOINTS or response.cache_control.public:
        g.setdefault(_SKIP_SESSION, True)
    return response


def sends_hsts() -> bool:
    """HSTS only in production with Secure cookies, i.e. where the desk is served over HTTPS."""
    config = current_app.config
    return config.get("COVERAGE_ENV") == "production" and bool(config.get("SESSION_COOKIE_SECURE"))


def _add_caching(response: Response, endpoint: str | None) -> None:
    if endpoint in FILE_ENDPOINTS:
        return
    if request.blueprint == "api":
        response.vary.add("Authorization")
    if "Cache-Control" in response.headers:
        return
    if is_public_area(endpoint) and response.status_code < 500:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_ERROR_MAX_AGE
        return
    response.cache_control.no_store = True


class PublicPagesSetNoCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a response a shared cache may keep is sent
    without `Set-Cookie` (and without `Vary: Cookie`: its body does not depend on one)."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if g.get(_SKIP_SESSION):
            # Not even a warning for a changed session: Flask-Login's restoring one from the
            # remember-me cookie changes it on every public page such a reader opens.
            return
        super().save_session(app, session, response)
