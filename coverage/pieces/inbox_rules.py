"""Rules of the desk's inbox on My work: which festivals' items come first, and when a
scheduled piece goes live. Pure: plain values in and out, no Flask, no database.

A desk keeps years of festivals. Items waiting on one that is running, or still to come, are
today's work; those left on a festival that is over are stale. The inbox shows each section in
festival order (`festival_ranks`), oldest item first within a festival, so a thousand stale
overdue assignments from earlier years never push today's off the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from coverage.pieces.embargo import effective_embargo
from coverage.programme.schedule import festival_day_bounds

# Items of a section shown on My work; the rest are a link away, PAGE_SIZE to a page.
SHOWN = 50
PAGE_SIZE = 100


@dataclass(frozen=True)
class FestivalDates:
    """What the order needs of a festival: its local first and last days and its zone."""

    id: int
    start_date: date
    end_date: date
    timezone: str


def festival_ranks(festivals: Iterable[FestivalDates], now: datetime) -> dict[int, int]:
    """{festival id: its place in the desk's order, 0 first}.

    Festivals not over at `now` (running, or to come) first, the soonest to start first; then
    those over, the most recently ended first. A festival is over once its last local day has
    ended in its own zone. Ties go by id, so the order is stable."""
    running, over = [], []
    for festival in festivals:
        _, ends = festival_day_bounds(festival.end_date, festival.timezone)
        if now < ends:
            running.append((festival.start_date.toordinal(), festival.id))
        else:
            over.append((-festival.end_date.toordinal(), festival.id))
    ordered = sorted(running) + sorted(over)
    return {festival_id: place for place, (_, festival_id) in enumerate(ordered)}


def go_live(
    film_embargo_at: datetime | None, own_embargo_at: datetime | None, publish_at: datetime | None
) -> datetime | None:
    """When a scheduled piece goes out: the later of its embargo (its film's, tightened by its
    own) and the time the desk chose; None when neither is set. The same instant as
    `workflow.release_time` over the piece's facts (`services.facts`)."""
    moments = [
        moment
        for moment in (effective_embargo(film_embargo_at, own_embargo_at), publish_at)
        if moment is not None
    ]
    return max(moments) if moments else None


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for `total` items, `size` to a page; at least 1 (an empty list is a page)."""
    return max(1, -(-total // size))
