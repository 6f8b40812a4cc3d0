"""The "known device" cookie: a browser an account has logged in from before.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": after a successful log-in the
browser is given a signed cookie naming the account; a later log-in for that account carrying
it is exempt from the account's ceiling of failures from every address
(coverage.security.throttle), so a botnet failing on purpose cannot lock the owner out. A
stolen cookie is no free pass: failures made with it are counted under its nonce and, past a
few, refused (the throttle's per-device limit).

The cookie's value is `itsdangerous.URLSafeTimedSerializer(SECRET_KEY, salt=SALT)` over the
payload `{"e": <account digest>, "n": <nonce>}`, with the signing time:

- `e`: `account_digest(email)`, HMAC-SHA256 of the lower-cased email keyed with SECRET_KEY
  (hex). Never the email in clear: the value is only signed, not encrypted, and anyone holding
  the cookie could otherwise read it, or confirm a guess of it with a plain hash.
- `n`: `NONCE_BYTES` random bytes, URL-safe base64: the device's name for the per-device limit.
  A new one is issued at each successful log-in.

Plain Python (no Flask): the throttle reads the request and sets the response.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "known_device"
# A salt of its own: no other token signed with SECRET_KEY (sessions, CSRF) is ever accepted
# as this cookie, nor this cookie as one of them.
SALT = "coverage.security.known-device"
# Festivals come round once a year and many critics log in only around them: half a year keeps
# a regular's browser known from one season to the next, without trusting a lost laptop for
# ever. Checked on reading too, so a cookie a browser failed to expire is refused all the same.
MAX_AGE = timedelta(days=180)
NONCE_BYTES = 16
_DIGEST_LABEL = b"known-device-account:"


@dataclass(frozen=True)
class KnownDevice:
    """A cookie that was read and checked: `account` is the account digest, `nonce` the
    device's random name (URL-safe text)."""

    account: str
    nonce: str


def account_digest(email: str, secret_key: str) -> str:
    """The account's name in the cookie: HMAC-SHA256 (hex, 64 characters) of `email`
    lower-cased and trimmed, keyed with `secret_key`."""
    key = secret_key.encode("utf-8")
    message = _DIGEST_LABEL + email.strip().lower().encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue(email: str, secret_key: str) -> str:
    """A new cookie value for a browser that just logged in as `email`, with a fresh nonce,
    signed now."""
    payload = {
        "e": account_digest(email, secret_key),
        "n": secrets.token_urlsafe(NONCE_BYTES),
    }
    return _serializer(secret_key).dumps(payload)


def read(value: str | None, secret_key: str) -> KnownDevice | None:
    """The device a cookie value names, or None when it is missing, not signed with
    `secret_key` and this salt, older than `MAX_AGE`, or not of the payload's shape."""
    if not value:
        return None
    try:
        payload = _serializer(secret_key).loads(value, max_age=int(MAX_AGE.total_seconds()))
    except BadData:  # a bad signature, an expired one, or a payload that is not JSON
        return None
    if not isinstance(payload, dict):
        return None
    account, nonce = payload.get("e"), payload.get("n")
    if not (isinstance(account, str) and isinstance(nonce, str) and account and nonce):
        return None
    return KnownDevice(account=account, nonce=nonce)


def known_for(value: str | None, email: str, secret_key: str) -> KnownDevice | None:
    """The device a cookie value names when it is valid (see `read`) and was issued for
    `email` (compared lower-cased and trimmed); None otherwise, an empty email included."""
    if not email.strip():
        return None
    device = read(value, secret_key)
    if device is None:
        return None
    if not hmac.compare_digest(device.account, account_digest(email, secret_key)):
        return None
    return device
