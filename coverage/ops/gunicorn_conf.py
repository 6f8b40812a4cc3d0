"""gunicorn settings for the app: `gunicorn -c python:coverage.ops.gunicorn_conf app:app`.

Any setting here can still be given on the command line (`--workers 4 --bind ...`), which wins.

What it adds is keeping Python's garbage collector out of the request path. A feed of 1,600
events allocates hundreds of thousands of short-lived objects; with the default thresholds
(700 allocations) the collector runs many times per request, and each full collection walks
every object the worker holds, the imported app included (about a quarter of a feed's time in
the benchmark, `make bench`). So, in each worker once it has loaded the app:

- `gc.freeze()` moves everything alive at that point (modules, the app, SQLAlchemy's mappers)
  to a permanent generation the collector never walks again (what the Python docs suggest for
  long-lived objects of a server process);
- the first generation's threshold is raised from 700 to 50,000 allocations, so young garbage
  is collected a few times per large response instead of hundreds. Reference counting still
  frees almost everything at once; the collector only finds cycles, and a request's cycles
  live a little longer. Worker memory is reported by `make bench`;
- after each response has been written (`post_request`), the young generations are collected:
  a collection during a request walks every object the request still holds (a page's rows and
  ORM objects: 25-60 ms on My work at desk scale), one after it walks only what outlived the
  request (a few ms, while the client already has its answer). With the count reset each
  time, a request collects on its own only when it alone allocates 50,000 objects. Every
  `FULL_COLLECTION_EVERY` requests the collection takes every generation, so cycles that
  outlived a request are not kept for ever.
"""

from __future__ import annotations

import gc
import itertools

# No access log: our own request line (coverage.request) is the access log, and gunicorn's
# would write feed and password-reset secrets that are in paths (see coverage.ops.request_log).
accesslog = None

GC_THRESHOLD_YOUNG = 50_000
FULL_COLLECTION_EVERY = 100
_requests = itertools.count(1)


def post_worker_init(worker) -> None:
    """gunicorn's hook, run in each worker after it has imported the app (without
    `--preload`, workers import it after the fork, so `post_fork` would be too early)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD_YOUNG, older, oldest)


def post_request(worker, req, environ, resp) -> None:
    """gunicorn's hook, run in the worker once the response is written (the sync worker closes
    the connection after it; the client has every byte it was promised by Content-Length):
    collect what the request left, out of the next request's time."""
    collect_between_requests()


def collect_between_requests() -> int:
    """Collect the young generations (0 and 1), or every generation once in
    `FULL_COLLECTION_EVERY` calls; returns the generation collected."""
    generation = 2 if next(_requests) % FULL_COLLECTION_EVERY == 0 else 1
    gc.collect(generation)
    return generation
