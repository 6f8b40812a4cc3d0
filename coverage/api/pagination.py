"""Paged lists: every `/api/v1` list answers at most `limit` items (50 unless asked, at most 200),
so no request makes the server read or send an unbounded number of rows (OWASP ASVS 4.0
section 11.1.4, bounded resources).

A list stays a JSON array; the `Link` header (RFC 8288) names the `next` and `prev` pages when
there are some, as GitHub's API does, so a client follows `rel="next"` until there is none.
A `limit` over the maximum is a 422 naming `limit`, never silently clamped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select

from coverage.api.schemas import PageQuery
from coverage.extensions import db

T = TypeVar("T")


def page_of_statement(statement: Select, query: PageQuery) -> tuple[list[Any], bool]:
    """The rows of one page and whether another follows; one extra row is read to know."""
    offset = (query.page - 1) * query.limit
    rows = list(db.session.scalars(statement.limit(query.limit + 1).offset(offset)).unique())
    return rows[: query.limit], len(rows) > query.limit


def page_of_list(items: Sequence[T], query: PageQuery) -> tuple[list[T], bool]:
    """The same over a list already in memory (bounded by its caller)."""
    offset = (query.page - 1) * query.limit
    return list(items[offset : offset + query.limit]), len(items) > offset + query.limit


def _page_url(page: int, limit: int) -> str:
    values = [(key, value) for key, value in request.args.items(multi=True)]
    values = [(k, v) for k, v in values if k not in {"page", "limit"}]
    values += [("limit", str(limit)), ("page", str(page))]
    return f"{request.base_url}?{urlencode(values)}"


def paged(items: list[Any], has_next: bool, query: PageQuery) -> tuple[list[Any], int, dict]:
    """A view's answer: the items, 200, and a `Link` header naming the neighbouring pages."""
    links = []
    if has_next:
        links.append(f'<{_page_url(query.page + 1, query.limit)}>; rel="next"')
    if query.page > 1:
        links.append(f'<{_page_url(query.page - 1, query.limit)}>; rel="prev"')
    return items, 200, ({"Link": ", ".join(links)} if links else {})
