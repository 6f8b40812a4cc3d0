"""Structured request logs with a request id.

Every request gets an id (`g.request_id`): the incoming `X-Request-ID` when a proxy or load
balancer sent a safe one (1-64 of [A-Za-z0-9._-]), else a new uuid4 hex. The response carries it
back in `X-Request-ID`, the audit log stores it, and every log record made during the request
carries it (`RequestIdFilter` on the handler), so an error's traceback and the request's line
are found together.

After each request one line goes to the logger `coverage.request`: time (UTC), request_id,
method, path, endpoint, status, duration_ms, user_id, remote_addr, size. What it never holds:
the query string (it may carry secrets), form data or headers (passwords, bearer tokens), and
the value of a path segment that is a secret (a calendar feed's token, a reset token): the path
is rebuilt from the matched URL rule with those arguments written as `***` (see
coverage.ops.rules.SECRET_VIEW_ARGUMENTS), never guessed with a regular expression.

LOG_FORMAT chooses the shape of every line the app logs: `json` (one JSON object per line, for
log shippers; the default in production) or `text` (readable; the default in development).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from coverage.ops.rules import has_secret_argument, redacted_arguments, request_id_from_header

REQUEST_LOGGER = "coverage.request"
REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("json", "text")
# Marks the handler this module installed, so a second create_app in one process (tests, the
# CLI) reconfigures it instead of adding another.
_OURS = "_coverage_handler"

log = logging.getLogger(REQUEST_LOGGER)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the current request's id, or "-" outside a request.
    Installed on handlers, so it reaches records of every logger that propagate to them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current_request_id() or "-"
        return True


def _current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


def _utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO 8601), level, logger, message, request_id,
    the record's `fields` (the request line's) and the exception's traceback if any. JSON
    escaping keeps a newline typed into a URL from forging a second log line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _current_request_id() or "-",
        }
        document.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message key=value ...`, for a person at a terminal;
    values with spaces, quotes or control characters are JSON-quoted, so one record stays one
    line."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or _current_request_id() or "-"
        line = (
            f"{_utc_time(record)} {record.levelname} {record.name} [{request_id}] "
            f"{record.getMessage()}"
        )
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())
        if extra:
            line = f"{line} {extra}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def _text_value(value: Any) -> str:
    text = "-" if value is None else str(value)
    if not text or any(ch.isspace() or ch in "\"'=" or not ch.isprintable() for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class DropServerAccessLines(logging.Filter):
    """Drops the access lines of werkzeug's development server (`make run`, `flask run`).

    They repeat what our request line says, but with the raw path: a calendar feed's or a
    password reset link's secret would be written to the terminal and any file it is piped to.
    Our line (`coverage.request`) is the access log; werkzeug's other messages (the address it
    serves on, errors) pass. Its access lines are the records WSGIRequestHandler.log_request
    makes: the format ends with `"%s" %s %s` (request line, status, size)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        is_access_line = message.rstrip().endswith('"%s" %s %s') and len(record.args or ()) == 3
        return not is_access_line


def _drop_server_access_lines() -> None:
    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(each, DropServerAccessLines) for each in server_log.filters):
        server_log.addFilter(DropServerAccessLines())


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT (`json` or `text`); ValueError for anything else."""
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")


def configure_logging(app: Flask) -> None:
    """Like `logging.basicConfig` (which this replaces): when the root logger has no handler
    yet, give it one on stderr, at LOG_LEVEL, in LOG_FORMAT, with the request id filter. A
    process that configured logging itself (gunicorn's --log-config, pytest) keeps its
    handlers; our handler from an earlier create_app is reconfigured, never doubled."""
    root = logging.getLogger()
    level = app.config.get("LOG_LEVEL", "INFO")
    default = "json" if app.config.get("COVERAGE_ENV") == "production" else "text"
    formatter = formatter_for(app.config.get("LOG_FORMAT") or default)
    ours = [handler for handler in root.handlers if getattr(handler, _OURS, False)]
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _OURS, True)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(level)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(formatter)
    app.extensions["coverage.log_formatter"] = formatter
    _drop_server_access_lines()


def init_app(app: Flask) -> None:
    """Assign the request id before every other hook and log the request after all of them
    (after_request hooks run in reverse order of registration, so ours, first registered, runs
    last and sees the final status and headers)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)


def _start_request() -> None:
    g.request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def logged_path() -> str:
    """The request's path for the log: no query string, secret arguments of the matched rule
    replaced by `***`. A path that matched no rule (a 404) is logged as it came."""
    rule = request.url_rule
    if rule is None or not has_secret_argument(set(rule.arguments)):
        return request.path
    try:
        _, path = rule.build(redacted_arguments(request.view_args or {}), append_unknown=False)
    except Exception:  # a converter that refuses `***`: the rule's own pattern holds no secret
        return rule.rule
    return path


def _user_id() -> int | None:
    # Only a user this request already loaded: looking one up here would cost every request
    # (feeds, static files, /health) a query just to log it.
    api_user = getattr(g, "api_user", None)
    if api_user is not None:
        return api_user.id
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded for this request
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id
    return None


def _log_request(response: Response) -> Response:
    request_id = getattr(g, "request_id", None) or request_id_from_header(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = getattr(g, "request_started", None)
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": logged_path(),
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user_id": _user_id(),
        "remote_addr": request.remote_addr,
        "size": response.content_length,
    }
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    log.log(
        level,
        "%s %s %s",
        fields["method"],
        _text_value(fields["path"]),  # quoted when it holds a newline: one request, one line
        fields["status"],
        extra={"fields": fields, "request_id": request_id},
    )
    return response
