"""Glue shared by the HTML views: error pages, permission decorator, template helpers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from coverage.accounts.permissions import Actor, can_edit_programme
from coverage.errors import UNPROCESSABLE_CONTENT, DomainError, InvalidInput
from coverage.extensions import db
from coverage.integrity import describe_duplicate
from coverage.timeutil import format_in_zone, to_zone, zone_label, zone_legend

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def is_api_request() -> bool:
    return request.path.startswith("/api/")


# Reason phrases the standard library does not yet give in RFC 9110's words (on Python 3.11).
# RFC 9110 section 15.5.14 and 15.5.21 renamed 413 and 422 (werkzeug keeps the old names).
_TITLES = {413: "Content Too Large", 422: UNPROCESSABLE_CONTENT}


def _status_title(status: int) -> str:
    """The title of an answer with this HTTP status: RFC 9110's reason phrase."""
    from http import HTTPStatus

    return _TITLES.get(status) or HTTPStatus(status).phrase


def problem(status: int, detail: str, title: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 problem document; `title` defaults to the status's reason phrase."""
    body = {
        "type": "about:blank",
        "title": title or _status_title(status),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def permission_required(rule: Callable[[Actor], bool]) -> Callable[[F], F]:
    """Log in first, then ask a pure permission rule; a refusal is a 403 page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not rule(current_user.actor):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


E = TypeVar("E", bound=StrEnum)


def enum_or_none(enum: type[E], value: str | None) -> E | None:
    """A StrEnum member from a query or form value; None for anything else (3.11-safe)."""
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def form_error(form: Any, error: DomainError) -> None:
    """Attach a domain refusal to the form field it names (or flash it for the whole form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


# Control characters (C0, DEL, C1): a CR or LF in a Location header would split the response
# (header injection); none belongs in a path we would redirect to.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no `//evil` or `/\\evil` tricks, and no
    control character (`/%0d%0aSet-Cookie:x` would inject a header; OWASP ASVS 5.1.5).

    Returns the path to redirect to, or None when `target` is not one."""
    if not target:
        return None
    target = target.strip()
    if _CONTROL_CHARACTERS.search(target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def refuse_nul_characters() -> Any:
    """before_request: a NUL in the path, a query value or a form value is refused with 400
    naming where it was. No text field takes one and PostgreSQL cannot store or compare one,
    so letting it through would end as a 500 deep in a query. Uploaded files are not checked
    (a CSV's bytes are the importer's business) and the API checks its JSON bodies itself."""
    if "\x00" in request.path:
        return render_error(400, "Bad Request", "The address holds a NUL character.")
    for where, values in (("query parameter", request.args), ("form field", request.form)):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                label = name.replace("\x00", "")
                return render_error(
                    400, "Bad Request", f"The {where} '{label}' holds a NUL character."
                )
    return None


def register_error_pages(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "The form had expired or was sent from elsewhere. Reload the page and try again."
        return render_error(400, "Form expired", message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None and not is_api_request():
            return error.response
        # werkzeug's names are the older ones ("Unprocessable Entity") where RFC 9110 renamed.
        title = _TITLES.get(error.code or 0, error.name)
        return render_error(error.code or 500, title, _describe(error))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api_request() and isinstance(error, InvalidInput) and error.field:
            # Same shape as a request that failed validation: one entry naming the field.
            errors = [{"field": error.field, "message": error.message}]
            return problem(error.status, error.message, error.title, errors=errors), error.status
        return render_error(error.status, error.title, error.message)

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # Two requests wrote the same unique value at the same moment: the database's
        # constraint decided. The loser learns it and loses nothing it cannot redo.
        db.session.rollback()
        log.warning("Constraint refused a write on %s %s: %s", request.method, request.path, error)
        duplicate = describe_duplicate(error.orig, _sent_values())
        if duplicate is not None and is_api_request():
            # The same answer the service's own check gives when the race is not that close.
            errors = [{"field": duplicate.field, "message": duplicate.message}]
            return problem(422, duplicate.message, UNPROCESSABLE_CONTENT, errors=errors), 422
        lead = f"{duplicate.message} " if duplicate is not None else ""
        return render_error(
            409,
            "Conflict",
            f"{lead}Someone else saved the same thing at the same moment, so this change was not "
            "saved. Reload the page and try again.",
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(
            500, "Internal Server Error", "Something went wrong on our side; it has been logged."
        )


def _sent_values() -> dict[str, Any]:
    """What the request submitted (JSON object or form), to name a duplicate value."""
    if is_api_request():
        sent = request.get_json(silent=True)
        return sent if isinstance(sent, dict) else {}
    return request.form.to_dict()


_FRIENDLY = {
    403: "You do not have permission to do that.",
    404: "There is nothing at this address. It may have been moved or deleted.",
    405: "That method is not allowed here.",
    413: "The upload is too large. Programme files may be at most 5 MB.",
}


def _describe(error: HTTPException) -> str:
    description = error.description or ""
    default = type(error).description
    if description and description != default:
        return description
    return _FRIENDLY.get(error.code or 0, description)


def counted(number: int, noun: str) -> str:
    """ "1 API token", "3 API tokens", "0 sessions": a count with its noun in English."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def render_error(status: int, title: str, detail: str) -> tuple[Any, int]:
    if is_api_request():
        return problem(status, detail, title), status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["in_zone"] = format_in_zone
    app.jinja_env.filters["zone_label"] = zone_label
    app.jinja_env.filters["zone_legend"] = festival_zone_legend
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.globals["can_edit_programme"] = _current_user_edits_programme
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def clock(moment: datetime | None, zone: str, fmt: str = "%H:%M") -> str:
    """`s.starts_at|clock(tz)`: "18:30", the zone left to the page's legend (`zone_legend`).
    Only for pages about one festival that show its legend; lists mixing zones use `in_zone`."""
    return "" if moment is None else to_zone(moment, zone).strftime(fmt)


def festival_zone_legend(festival: Any) -> str:
    """`festival|zone_legend`: "Manila time, UTC+8" over the festival's dates."""
    return zone_legend(festival.timezone, festival.start_date, festival.end_date)


def _current_user_edits_programme() -> bool:
    return bool(current_user.is_authenticated and can_edit_programme(current_user.actor))


def public_base_url() -> str:
    """The site's public address: PUBLIC_BASE_URL, else the address of this request."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the public address (canonical links, feeds, sitemaps, exports)."""
    return public_base_url() + url_for(endpoint, **values)


# The largest id a primary key column holds (PostgreSQL `integer`); routes use the same bound.
MAX_ID = 2**31 - 1
# 0 to MAX_ID (2147483647) without leading zeros, digit by digit: the `<int:...>` converter's
# pattern, so a larger id matches no route at all (404).
ID_PATTERN = (
    r"(?:0|[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
    r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
)


def id_param(values: Any, name: str) -> int | None:
    """An id from query or form values: None unless it is a whole number a key column can
    hold, so a hostile `?writer=99999999999999999999` filters nothing instead of overflowing."""
    value = values.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None
