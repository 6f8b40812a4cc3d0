"""Log-in and password-reset throttling, with Flask-Limiter over counters in the database.

What it protects against: password guessing against one account (brute force) and one address
trying many accounts (credential stuffing). OWASP ASVS 4.0.3 V2.2.1 asks for anti-automation
that allows at most 100 failed attempts per hour on one account; we allow far fewer:

- per account and address (the email typed, lower-cased, from one client address):
  `LOGIN_LIMIT_PER_ACCOUNT` failed log-ins (answered 401) in a fixed window, 5 per 15 minutes by
  default. Only failures count, so a user who types the right password is never locked out by
  their own log-ins. Once the window is full, every attempt for that email from that address is
  refused, the right password included, until it ends; the owner elsewhere is not locked out
  by a stranger's failures.
- per account from every address: `LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES` failed log-ins,
  100 per hour by default (ASVS V2.2.1's ceiling), against guessing spread over many addresses.
  A browser that has logged in to the account before is exempt (below), so a botnet filling
  this ceiling on purpose locks out strangers' browsers, not the owner's.
- per known device: a browser carrying a valid `known_device` cookie for the email typed
  (coverage.security.known_devices, OWASP's "Slow Down Online Guessing Attacks with Device
  Cookies"; set on every successful log-in, 180 days) is exempt from the ceiling above, and is
  allowed `LOGIN_LIMIT_PER_KNOWN_DEVICE` failed log-ins instead, 10 per hour by default, counted
  under the cookie's nonce from every address: a stolen cookie is no unlimited pass. The two
  other limits still apply to it.
- per address (`request.remote_addr`; put ProxyFix in front of the app behind a proxy):
  `LOGIN_LIMIT_PER_ADDRESS` attempts of any outcome, 30 per 15 minutes by default.
- the password-reset request the same way: `PASSWORD_RESET_LIMIT_PER_ACCOUNT` requests per
  email typed and `PASSWORD_RESET_LIMIT_PER_ADDRESS` per address, every request counted (the
  page answers the same whether the email exists, so there is no failure to tell apart).

A refused attempt is answered 429 with `Retry-After` (seconds, RFC 9110 section 10.2.3) and a
page saying when to try again; the answer is the same for an existing and an unknown email, as
failures for both are counted alike (ASVS V2.2.1, V3.2.x on enumeration). One audit event
(`login_throttled`, or `password_reset_throttled`) is recorded per key and window, not per
refused request, so a flood cannot fill the audit log.

Counters live in the database (coverage.security.limits_storage), shared by every app server.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from flask import Flask, Response, current_app, g, make_response, request
from flask_limiter import RequestLimit

from coverage.accounts.models import lower_email
from coverage.audit.actions import AuditAction
from coverage.extensions import db, limiter
from coverage.security import known_devices

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_STORAGE_URI = "coverage+db://"
THROTTLED_TITLE = "Too many attempts"
_THROTTLED_REQUEST = "coverage.throttled_request"
# Which limit a key belongs to, for the audit record (the key is `account:…`, `device:…` or
# `address:…`).
_ACCOUNT, _DEVICE, _ADDRESS = "account", "device", "address"
_WHO = {_ACCOUNT: "this account", _DEVICE: "this device", _ADDRESS: "this address"}


def init_app(app: Flask) -> None:
    """Bind the limiter to `app` with the database storage (unless RATELIMIT_STORAGE_URI says
    otherwise) and the fixed-window strategy."""
    # Importing the module registers the `coverage+db://` scheme with `limits`.
    from coverage.security import limits_storage  # noqa: F401

    app.config.setdefault("RATELIMIT_STORAGE_URI", DEFAULT_STORAGE_URI)
    app.config["RATELIMIT_STRATEGY"] = "fixed-window"
    # Throttling is part of the log-in, never switched off; one Limiter serves every app a
    # process builds (the test suite builds many), so none may turn it off for the others.
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    # Registered after the limiter's, so it runs before the limiter's deduction (Flask runs
    # after-request functions in reverse order).
    app.after_request(_end_sqlite_transaction_after_view)


def typed_email() -> str:
    """The email typed into the posted form, as accounts compare it (trimmed, lower-cased)."""
    return lower_email(request.form.get("email", "") or "")


def account_key() -> str:
    """The per-account counter's key: a digest of the email typed, so the counters table holds
    no addresses in clear; empty (no limit applies) when nothing was typed."""
    email = typed_email()
    if not email:
        return ""
    digest = hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{_ACCOUNT}:{digest}"


def account_at_address_key() -> str:
    """The key of an account's failures from one client address: the hard per-account lock
    falls on the addresses that failed, so strangers failing on purpose from elsewhere cannot
    lock the owner out (ASVS 4.0.3 V2.2.1: anti-automation must not become a lockout attack)."""
    email = typed_email()
    if not email:
        return ""
    seen = f"{email}|{request.remote_addr or 'unknown'}"
    digest = hashlib.sha256(seen.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{_ACCOUNT}:{digest}"


def address_key() -> str:
    """The per-address counter's key: the client's address as the WSGI server saw it."""
    return f"{_ADDRESS}:{request.remote_addr or 'unknown'}"


# --- known devices (coverage.security.known_devices) ---------------------------------------


def known_device() -> known_devices.KnownDevice | None:
    """The device this request's `known_device` cookie names, when the cookie is valid and was
    issued for the email typed; None otherwise."""
    return known_devices.known_for(
        request.cookies.get(known_devices.COOKIE_NAME),
        typed_email(),
        str(current_app.config["SECRET_KEY"]),
    )


def _from_known_device() -> bool:
    return known_device() is not None


def _from_unknown_device() -> bool:
    return known_device() is None


def device_key() -> str:
    """The per-device counter's key: the cookie's nonce. Flask-Limiter asks for it only when
    the limit applies (a known device); never empty, as Flask-Limiter logs an empty key as an
    error."""
    device = known_device()
    return f"{_DEVICE}:{device.nonce if device else 'none'}"


def remember_device(response: Response, email: str) -> Response:
    """Give the browser a new `known_device` cookie for `email`; call it on the response to a
    successful log-in. HttpOnly, SameSite=Lax and Secure like the session cookie, sent back
    only to the log-in address (nothing else reads it)."""
    response.set_cookie(
        known_devices.COOKIE_NAME,
        known_devices.issue(email, str(current_app.config["SECRET_KEY"])),
        max_age=int(known_devices.MAX_AGE.total_seconds()),
        path=request.script_root + request.path,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


# --- the limits ------------------------------------------------------------------------------


class _Limit(NamedTuple):
    setting: str  # the config name of the rate
    key_func: Callable[[], str]
    failures_only: bool  # count only answers 401, or every attempt
    exempt_when: Callable[[], bool] | None = None  # True: the limit does not apply


def _failed_login(response: Response) -> bool:
    return response.status_code == 401


def _config(name: str) -> Callable[[], str]:
    """A limit read from the current app's config at each request (each app its own)."""
    return lambda: str(current_app.config[name])


def _exempt_when(limit: _Limit) -> Callable[[], bool]:
    """The limit does not apply without a key (no email typed: the form refuses it anyway,
    and Flask-Limiter would log an error for the empty key) or when its own exemption holds."""

    def exempt() -> bool:
        if not limit.key_func():
            return True
        return bool(limit.exempt_when and limit.exempt_when())

    return exempt


def _limited(
    view: F, what: str, *limits: _Limit, action: AuditAction = AuditAction.LOGIN_THROTTLED
) -> F:
    """`view` under each limit, POST only; the first listed is counted first. A refusal is
    audited as `action` (once per key and window)."""
    for limit in limits:
        view = limiter.limit(
            _config(limit.setting),
            key_func=limit.key_func,
            methods=["POST"],
            deduct_when=_failed_login if limit.failures_only else None,
            exempt_when=_exempt_when(limit),
            on_breach=_refuse(what, action),
        )(view)
    return _ending_sqlite_transaction(view)


def login_limits(view: F) -> F:
    """Decorate the log-in view: attempts per address, failures per account and address, and
    failures per account from every address (a botnet spreads its guesses over many addresses:
    the ceiling is high enough that a lock-out costs an attacker many addresses and requests),
    or, from a browser known to the account, failures per device instead of that ceiling.

    The address limit is listed first, so it is counted first: an attempt refused for its
    account still spends the address's allowance."""
    return _limited(
        view,
        "log-in",
        _Limit("LOGIN_LIMIT_PER_ADDRESS", address_key, False),
        _Limit("LOGIN_LIMIT_PER_ACCOUNT", account_at_address_key, True),
        _Limit("LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES", account_key, True, _from_known_device),
        _Limit("LOGIN_LIMIT_PER_KNOWN_DEVICE", device_key, True, _from_unknown_device),
    )


def password_reset_limits(view: F) -> F:
    """Decorate the password-reset request view: requests per address and per email typed."""
    return _limited(
        view,
        "password reset",
        _Limit("PASSWORD_RESET_LIMIT_PER_ADDRESS", address_key, False),
        _Limit("PASSWORD_RESET_LIMIT_PER_ACCOUNT", account_key, False),
        action=AuditAction.PASSWORD_RESET_THROTTLED,
    )


# --- SQLite's single writer ----------------------------------------------------------------
#
# The counters are written on a connection of their own. On SQLite only one connection may
# write at a time, and a changing request's session takes that lock at its first read (see
# coverage.locking): a counter written while the session holds it would wait for itself until
# the busy timeout. So, on SQLite only, just before the limiter counts (before the view body,
# and after it, for failures), a session transaction still open is rolled back. Before the view
# it has only read (nothing relied on yet: objects reload on next use); after the view it holds
# nothing the view committed, and the end of the request would roll it back anyway.


def _end_sqlite_transaction() -> None:
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.rollback()


def _ending_sqlite_transaction(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":  # the limits count posts only
            g.setdefault(_THROTTLED_REQUEST, True)
            _end_sqlite_transaction()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _end_sqlite_transaction_after_view(response: Response) -> Response:
    if g.get(_THROTTLED_REQUEST):
        _end_sqlite_transaction()
    return response


# --- the refusal ---------------------------------------------------------------------------


def retry_after_seconds(reset_at: float, now: float) -> int:
    """Whole seconds until `reset_at` (epoch seconds), at least 1: Retry-After's
    delay-seconds (RFC 9110 section 10.2.3) is a non-negative integer, and 0 would invite an
    immediate retry that is still refused."""
    return max(1, math.ceil(reset_at - now))


def wait_phrase(seconds: int, until: datetime) -> str:
    """The page's sentence, "Try again in 15 minutes (after 14:32 UTC).", minutes rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Try again in {minutes} {unit} (after {until.astimezone(UTC):%H:%M} UTC)."


def _refuse(what: str, action: AuditAction) -> Callable[[RequestLimit], Response]:
    def on_breach(request_limit: RequestLimit) -> Response:
        now = time.time()
        # The window's exact end (RequestLimit.reset_at adds a second to it).
        seconds = retry_after_seconds(request_limit.window.reset_time, now)
        _audit_once_per_window(request_limit, what, action)
        from coverage.web import render_error

        detail = f"Too many {what} attempts. " + wait_phrase(
            seconds, datetime.fromtimestamp(now + seconds, UTC)
        )
        response = make_response(render_error(429, THROTTLED_TITLE, detail))
        response.headers["Retry-After"] = str(seconds)
        response.headers["Cache-Control"] = "no-store"
        return response

    return on_breach


def _audit_once_per_window(request_limit: RequestLimit, what: str, action: AuditAction) -> None:
    """Record `action` (`login_throttled`, `password_reset_throttled`) the first time a window
    is exceeded, not for each refusal."""
    from coverage.audit.web import audit

    limit = request_limit.limit
    marker = f"audited/{request_limit.key}"
    if limiter.storage.incr(marker, limit.get_expiry()) != 1:
        return
    scope = next((s for s in _WHO if f"/{s}:" in f"/{request_limit.key}"), _ADDRESS)
    who = _WHO[scope]
    _end_sqlite_transaction()
    audit(
        action,
        actor=None,
        actor_label=typed_email()[:254],
        target=what,
        detail=f"More than {limit.amount} per {_window(limit)} for {who}",
    )
    db.session.commit()


def _window(limit: Any) -> str:
    """A `limits` item's window in words, "15 minutes" (its multiples and granularity)."""
    name = limit.GRANULARITY.name
    return f"{limit.multiples} {name}s" if limit.multiples != 1 else name
