"""What a JSON request body must be before any handler or validator sees it.

Every `/api/v1` route that takes a body declares a JSON model (`api.validate(json=...)`). This
check runs before the validator (after the token check, so nobody unauthenticated makes the
server parse anything) and answers, as problem+json:

- 415 when the body is not `application/json` (a form, plain text, or no body at all): it is
  never read as an empty change;
- 413 when it is larger than `MAX_BODY_BYTES`;
- 400 when it is not JSON, or nests deeper than `MAX_DEPTH` (a bounded parse: OWASP ASVS 4.0
  section 13.1.1 and 5.1.4);
- 422 when the top level is not an object, or, naming the field, when a string holds a NUL character
  or a lone UTF-16 surrogate (`"\\ud800"`): neither is text, and PostgreSQL stores neither.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from coverage.errors import UNPROCESSABLE_CONTENT
from coverage.web import problem

JSON_TYPE = "application/json"
# The largest body a route accepts, in bytes: a piece's body at its maximum (200,000 characters,
# coverage.field_limits.BODY) still fits when every character is sent as a `\uXXXX` escape.
MAX_BODY_BYTES = 2 * 1024 * 1024
# The deepest nesting of arrays and objects a body may have; the deepest request model needs 2.
MAX_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def _field(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


def _unprocessable(field: str, message: str) -> Response:
    return problem(
        422,
        f"{field}: {message}" if field else message,
        UNPROCESSABLE_CONTENT,
        errors=[{"field": field, "message": message}],
    )


def _fault(document: Any) -> tuple[str, tuple[Any, ...]] | None:
    """The first thing in a parsed body that is not acceptable: (what, where), or None.

    Iterative, so a deep document cannot exhaust the stack while it is inspected."""
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(document, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return "depth", path
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str) and _NOT_TEXT.search(key):
                    return "text", path
                stack.append((child, (*path, key), depth + 1))
        elif isinstance(value, str) and _NOT_TEXT.search(value):
            return "text", path
    return None


def _text_fault_message(value: str) -> str:
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which text cannot hold. Remove it."
    return (
        "contains a lone UTF-16 surrogate (such as \\ud800), which is not a character. "
        "Send the text as valid Unicode."
    )


def _lookup(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def check_json_body(takes_json: bool) -> Response | None:
    """The refusal for this request's body, or None to let the route's validator read it.

    `takes_json`: whether the route declares a JSON request model. Raises nothing: every fault
    is an answer (415, 413, 400 or 422)."""
    if not takes_json or request.method not in BODY_METHODS:
        return None
    if not request.is_json:
        sent = request.mimetype or "no body"
        response = problem(
            415,
            f"Send the request body as {JSON_TYPE} (this request sent {sent}).",
            "Unsupported Media Type",
        )
        if request.method == "PATCH":
            response.headers["Accept-Patch"] = JSON_TYPE  # RFC 5789 section 3.1
        return response
    limit = min(current_app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY_BYTES, MAX_BODY_BYTES)
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    request.max_content_length = limit  # a chunked body without a length stops at the limit
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return _too_large(limit)
    if not raw.strip():
        return problem(400, f"The request body is empty: send a JSON object as {JSON_TYPE}.")
    try:
        document = json.loads(raw)
    except RecursionError:
        return _too_deep()
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        return problem(400, f"The request body is not valid JSON: {error}.")
    if not isinstance(document, dict):
        return _unprocessable("", "The request body must be a JSON object.")
    fault = _fault(document)
    if fault is not None:
        what, path = fault
        if what == "depth":
            return _too_deep()
        value = _lookup(document, path)
        if isinstance(value, dict):  # the fault is in one of its keys
            value = next(key for key in value if _NOT_TEXT.search(key))
        return _unprocessable(_field(path), _text_fault_message(value))
    request.get_json()  # parses again (it succeeds now) and caches it for the validator
    return None


def _too_large(limit: int) -> Response:
    return problem(
        413,
        f"The request body is larger than {limit:,} bytes, the most this API accepts.",
        "Content Too Large",
    )


def _too_deep() -> Response:
    return problem(
        400, f"The request body nests arrays or objects more than {MAX_DEPTH} levels deep."
    )
