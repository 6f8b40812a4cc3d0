"""Requests whose Host header names no host of this site are answered 400 before the app sees
them (OWASP: Host header injection; ASVS V14.5.4 asks for the same of every header an app
trusts).

The Host header is whatever the client wrote. An app that builds an absolute link from it (a
password-reset email, a feed's URL properties, a stored body) hands the attacker's host to
someone else. TRUSTED_HOSTS (coverage.config: PUBLIC_BASE_URL's host and those listed) says
which hosts are ours. Flask checks the same list, but only when it builds its URL adapter, and
then an error page cannot build a URL: checked here first, in front of the whole app.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

log = logging.getLogger(__name__)

_BODY = json.dumps(
    {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "This site does not answer to that host name (the Host header).",
    }
).encode()


class TrustedHostsOnly:
    """WSGI middleware: 400 problem+json (RFC 9457) for a Host not in the app's TRUSTED_HOSTS,
    read on every request so a changed setting applies at once; no check when it is None."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if trusted:
            try:
                get_host(environ, trusted)
            except (SecurityError, UnicodeError, ValueError):
                # UnicodeError: werkzeug IDNA-encodes the Host to compare it ("a..b").
                log.warning(
                    "refused a request for an untrusted host: %r",
                    environ.get("HTTP_HOST", "")[:200],
                )
                start_response(
                    "400 BAD REQUEST",
                    [
                        ("Content-Type", "application/problem+json"),
                        ("Content-Length", str(len(_BODY))),
                        ("Cache-Control", "no-store"),
                        ("X-Content-Type-Options", "nosniff"),
                    ],
                )
                return [_BODY]
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedHostsOnly(app, app.wsgi_app)  # type: ignore[method-assign]
