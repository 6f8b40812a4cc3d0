"""Stored parts of desk pages: the heavy part of a page built once per change of its data.

A festival day lists a couple of hundred screenings, each with its links and (for editors) its
cancel form; the desk opens the same days again and again while the programme changes a few
times a day. The page's content is kept (`coverage.page_store`) under a key naming everything
it depends on besides the data (the address with its filters, what the viewer may do) with the
data's fingerprint, and built again when the fingerprint differs. The rest of the page (the top
bar with the user's name and counts) is rendered on every request, as before.

CSRF tokens are per session (Flask-WTF signs one into each form), so a stored part holds a slot
in their place, filled with the session's own token each time it is served.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from coverage.page_store import PageStore, StoredPage, store_of
from coverage.timeutil import utcnow

_STORE = "coverage.desk_fragments"
# What a stored part holds in place of the CSRF token: random for each process, so that no text
# anyone typed into a page can be taken for it.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_CSRF_SLOT_BYTES = CSRF_SLOT.encode()
# Where `page_with` puts the stored part in its page; as random, for the same reason.
_BODY_MARK = f"stored-part-{secrets.token_hex(16)}"
HTML = "text/html; charset=utf-8"


def fragment_store() -> PageStore:
    """This app's store of built desk parts; DESK_FRAGMENT_STORE_BYTES bounds it (0 keeps
    nothing)."""
    return store_of(current_app, _STORE, "DESK_FRAGMENT_STORE_BYTES")


def stored_fragment(
    key: Hashable, fingerprint: Hashable, render: Callable[[Callable[[], str]], str]
) -> bytes:
    """The HTML `render(csrf_token)` builds, UTF-8, as stored under `key` while the data's
    `fingerprint` is unchanged (and for `page_store.MAX_AGE_SECONDS` at most), with this
    session's CSRF token in every form; for `page_with`.

    `render` gets the `csrf_token` its templates must call (pass it into their context: it
    answers the slot); `key` must name everything the HTML depends on but the fingerprinted
    data."""
    now = utcnow()
    store = fragment_store()
    page = store.get(key, fingerprint, now)
    if page is None:
        html = render(lambda: CSRF_SLOT)
        page = StoredPage.of(
            html.encode(),
            content_type=HTML,
            last_modified=None,
            fingerprint=fingerprint,
            built_at=now,
            holds_until=None,
        )
        store.put(key, page)
    # Bytes throughout: a stored part is a few hundred kilobytes, and decoding it, filling it
    # and encoding the page again cost more than the rest of serving it.
    return page.body.replace(_CSRF_SLOT_BYTES, generate_csrf().encode())


def page_with(template: str, fragment: bytes, **context: Any) -> Response:
    """`template` rendered with `context` and the stored part in place of its `{{ body }}`:
    the template's own HTML (the top bar) is rendered on every request, and the part goes out
    as it is, written after the head without being copied into one string."""
    head, tail = render_template(template, body=Markup(_BODY_MARK), **context).split(_BODY_MARK, 1)
    chunks = [head.encode(), fragment, tail.encode()]
    response = current_app.response_class(chunks, mimetype="text/html")
    # An iterable body has no length of its own; with one, no chunked encoding is needed.
    response.content_length = sum(len(chunk) for chunk in chunks)
    return response
