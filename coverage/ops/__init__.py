"""Operations: backup and restore, the health endpoint, structured request logs.

`init_app` wires the web side (the `/health` route and the request log); the `backup` and
`restore` commands live in coverage.cli and call coverage.ops.backup.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register `/health` and the request log (request id, one JSON line per request)."""
    from coverage.ops import health, request_log

    request_log.init_app(app)
    health.init_app(app)
