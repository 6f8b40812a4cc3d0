"""Built pages (and parts of pages) kept for as long as nothing they show can have changed. No
Flask, no database.

A hub lists hundreds of pieces, a festival's Atom feed a hundred bodies, the sitemap every live
piece of the desk's years, a festival day's schedule a couple of hundred screenings: building
them costs tens of milliseconds, and readers, crawlers and the desk ask for the same documents
over and over while the data changes a few times an hour. So a built page is kept with:

- the *fingerprint* of the data it was built from, read with one cheap query on every request
  (`public.services.public_fingerprint`, `programme.services.festival_fingerprint`: the
  latest `updated_at` and the number of rows of each table the page reads): any edit,
  publication, withdrawal, programme change or rename gives another fingerprint, and the page
  is built again;
- the instant it *holds until*: the next embargo that lifts on a piece it leaves out, or the
  midnight its release line goes; the clock alone changes the page then;
- a *lifetime* (`MAX_AGE_SECONDS`, the minute readers' shared caches already may keep a page):
  timestamps are taken when a row is written, not when it is committed, so on PostgreSQL two
  overlapping transactions can commit an older timestamp after a page was built on the newer;
  such a page is rebuilt within the minute.

A page is a function of those facts, so keeping one in each app server's memory holds no state
that another server could contradict: each builds its own copy once per change. The store is
an LRU bounded by bytes; a stored page is immutable and safe to share between threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Readers may see a change a minute late at most (`views.CACHE_SECONDS`); so may this store.
MAX_AGE_SECONDS = 60
# Twenty festivals' hubs (~160 KB) and Atom feeds (~460 KB), the sitemap (~600 KB) and a few
# thousand piece pages (~10 KB) of a desk-scale install fit with room to spare.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A built page: its bytes and headers, and what it was built from.

    `built_at` and `holds_until` are UTC instants; `holds_until` is None when only a change of
    the data can change the page. `etag` is a strong validator of `body` (RFC 9110 8.8.3)."""

    body: bytes
    etag: str
    content_type: str
    last_modified: datetime | None
    fingerprint: Hashable
    built_at: datetime
    holds_until: datetime | None

    @classmethod
    def of(
        cls,
        body: bytes,
        *,
        content_type: str,
        last_modified: datetime | None,
        fingerprint: Hashable,
        built_at: datetime,
        holds_until: datetime | None,
    ) -> StoredPage:
        return cls(
            body,
            etag_of(body),
            content_type,
            last_modified,
            fingerprint,
            built_at,
            holds_until,
        )

    @property
    def validating_last_modified(self) -> datetime | None:
        """The Last-Modified to send with this page: None when it was built in the same second
        as its data's last change (`last_modified_is_strong`)."""
        if self.last_modified is None or not last_modified_is_strong(
            self.last_modified, self.built_at
        ):
            return None
        return self.last_modified

    def serves(self, fingerprint: Hashable, now: datetime) -> bool:
        """Whether this page is still the page at `now` (UTC) for data of `fingerprint`.

        A clock earlier than the build (another server's, or a test's) never serves it: the
        page may show a piece whose embargo had lifted by then but not yet at `now`."""
        return (
            self.fingerprint == fingerprint
            and self.built_at <= now < self.built_at + timedelta(seconds=MAX_AGE_SECONDS)
            and (self.holds_until is None or now < self.holds_until)
        )


def last_modified_is_strong(last_modified: datetime, built_at: datetime) -> bool:
    """Whether a page built at `built_at` (UTC) may carry `last_modified` as a validator.

    Last-Modified has whole seconds: a page built in the same second as its data's last change
    could change again within that second and keep the same Last-Modified, and a client asking
    If-Modified-Since would be told 304 over a page that moved on (a withdrawal, a correction).
    RFC 9110 section 8.8.2.2 counts such a date as weak; the page goes out with its ETag only,
    and the next build after the second carries both."""
    return built_at >= last_modified.replace(microsecond=0) + timedelta(seconds=1)


def store_of(app: Any, name: str, size_setting: str) -> PageStore:
    """The app's store called `name`, kept in `app.extensions` (a Flask app; one store per app,
    so per app server process) and made on first use, holding at most the app setting
    `size_setting` in bytes (`DEFAULT_MAX_BYTES` when unset; 0 keeps nothing)."""
    store = app.extensions.get(name)
    if store is None:
        size = app.config.get(size_setting, DEFAULT_MAX_BYTES)
        store = app.extensions.setdefault(name, PageStore(size))
    return store


def etag_of(body: bytes) -> str:
    """The strong ETag value of a body: 32 hex digits of its SHA-256."""
    return hashlib.sha256(body).hexdigest()[:32]


class PageStore:
    """Built pages by key (the address and whatever else the bytes depend on), least recently
    used dropped first once they hold more than `max_bytes` of bodies. Thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, StoredPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, fingerprint: Hashable, now: datetime) -> StoredPage | None:
        """The page stored under `key` if it still `serves` this fingerprint at `now`."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if not page.serves(fingerprint, now):
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: StoredPage) -> None:
        """Keep `page` under `key` (replacing what was there); a page larger than the whole
        store is not kept."""
        size = len(page.body)
        with self._lock:
            if key in self._pages:
                self._drop(key)
            if size > self.max_bytes:
                return
            self._pages[key] = page
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def _drop(self, key: Hashable) -> None:
        page = self._pages.pop(key)
        self._bytes -= len(page.body)
