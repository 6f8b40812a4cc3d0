"""From parsed CSV rows and the festival's current programme to a plan of changes.

Pure (no Flask, no database): the preview shows the plan, the confirm step applies the same plan,
and tests check the matching rules without an app. Re-importing a file must create nothing new, and
a screening that moved in the file must update the existing screening (its calendar UID is its id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coverage.programme.import_venues import (
    AliasToAdd,
    ExistingAlias,
    ExistingVenue,
    KnownSpelling,
    MergeProposal,
    Route,
    VenueChoice,
    resolve_venues,
)
from coverage.programme.importing import ParsedRow
from coverage.programme.kinds import ScreeningKind
from coverage.programme.rules import loose_key, name_key, title_key

# Film facts the file may carry; a non-empty value in the file that differs updates the film.
FILM_FACTS = (
    "original_title",
    "directors",
    "countries",
    "year",
    "runtime_minutes",
    "section",
    "premiere_status",
    "url",
    "synopsis",
)


def venue_key(name: str) -> str:
    """How a venue in the file is recognised among the festival's: the same as films."""
    return name_key(name)


@dataclass(frozen=True)
class ExistingFilm:
    id: int
    title: str
    facts: dict[str, object]


@dataclass(frozen=True)
class ExistingScreening:
    id: int
    film_id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    kind: ScreeningKind
    cancelled: bool
    notes: str = ""


@dataclass(frozen=True)
class FilmToCreate:
    key: str
    title: str
    facts: dict[str, object]
    first_row: int


@dataclass(frozen=True)
class FilmToUpdate:
    film_id: int
    title: str
    changes: dict[str, tuple[object, object]]  # fact -> (old, new)
    first_row: int


@dataclass(frozen=True)
class ScreeningToCreate:
    row: int
    film_key: str
    title: str
    venue_key: str
    venue_name: str
    starts_at: datetime
    ends_at: datetime
    kind: ScreeningKind
    # The note written with the venue in the file ("EN subs"), for the screening's notes.
    note: str = ""


@dataclass(frozen=True)
class ScreeningToUpdate:
    row: int
    screening_id: int
    title: str
    venue_key: str
    venue_name: str
    starts_at: datetime
    ends_at: datetime
    kind: ScreeningKind
    was_venue: str
    was_starts_at: datetime
    was_ends_at: datetime
    was_kind: ScreeningKind
    # A note from the file the screening's notes do not hold yet: appended on apply.
    note_to_add: str = ""

    @property
    def moved(self) -> bool:
        return self.starts_at != self.was_starts_at or self.venue_name != self.was_venue


@dataclass
class Plan:
    films_to_create: list[FilmToCreate] = field(default_factory=list)
    films_to_update: list[FilmToUpdate] = field(default_factory=list)
    venues_to_create: list[str] = field(default_factory=list)
    screenings_to_create: list[ScreeningToCreate] = field(default_factory=list)
    screenings_to_update: list[ScreeningToUpdate] = field(default_factory=list)
    screenings_unchanged: int = 0
    # Existing screenings of films in the file that the file no longer lists: left alone, shown.
    screenings_not_in_file: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Venue spellings: merges the editor confirms, spellings known from aliases, and the
    # aliases the apply step remembers (see import_venues).
    venue_proposals: list[MergeProposal] = field(default_factory=list)
    known_spellings: list[KnownSpelling] = field(default_factory=list)
    aliases_to_add: list[AliasToAdd] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.films_to_create
            or self.films_to_update
            or self.venues_to_create
            or self.screenings_to_create
            or self.screenings_to_update
            or self.aliases_to_add
        )

    def fingerprint(self) -> str:
        """Identifies the plan, so a confirm applies exactly what the preview showed."""
        payload = {
            "films+": [(f.key, sorted(map(str, f.facts.items()))) for f in self.films_to_create],
            "films~": [
                (f.film_id, sorted(map(str, f.changes.items()))) for f in self.films_to_update
            ],
            "venues+": self.venues_to_create,
            "venue merges": [
                (p.key, p.name, p.existing_id, [s.key for s in p.spellings])
                for p in self.venue_proposals
            ],
            "screenings+": [
                (
                    s.film_key,
                    s.venue_key,
                    s.starts_at.isoformat(),
                    s.ends_at.isoformat(),
                    s.kind,
                    s.note,
                )
                for s in self.screenings_to_create
            ],
            "screenings~": [
                (
                    s.screening_id,
                    s.venue_key,
                    s.starts_at.isoformat(),
                    s.ends_at.isoformat(),
                    s.kind,
                    s.note_to_add,
                )
                for s in self.screenings_to_update
            ],
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()[:32]


def _row_facts(row: ParsedRow) -> dict[str, object]:
    facts: dict[str, object] = {
        "original_title": row.original_title,
        "directors": row.directors,
        "countries": row.countries,
        "year": row.year,
        "runtime_minutes": row.runtime_minutes,
        "section": row.section,
        "premiere_status": row.premiere_status,
        "url": row.url,
        "synopsis": row.synopsis,
    }
    # Only what the file actually says: an empty cell never wipes what the desk typed.
    return {name: value for name, value in facts.items() if value not in (None, "")}


def build_plan(
    rows: Sequence[ParsedRow],
    films: Iterable[ExistingFilm],
    venues: Iterable[ExistingVenue],
    screenings: Iterable[ExistingScreening],
    *,
    default_runtime_minutes: int,
    aliases: Iterable[ExistingAlias] = (),
    venue_choices: Mapping[int, VenueChoice] | None = None,
) -> Plan:
    """The changes the file makes. `aliases` are the festival's remembered venue spellings;
    `venue_choices` the editor's answers to the venue merge proposals, by proposal index
    (None: as proposed). Raises InvalidInput for an unusable venue name in a choice."""
    plan = Plan()
    films = sorted(films, key=lambda film: film.id)
    venues = sorted(venues, key=lambda venue: venue.id)
    resolution = resolve_venues(
        [(row.venue, row.row) for row in rows], venues, aliases, venue_choices
    )
    plan.venue_proposals = resolution.proposals
    plan.known_spellings = resolution.known
    plan.aliases_to_add = resolution.aliases_to_add
    routes = {row.row: resolution.route(row.venue) for row in rows}
    # Two existing films (or venues) with one key are earlier retypings: the oldest is matched,
    # as `importer.apply_plan` does.
    titles_in_file = {title_key(row.title) for row in rows}
    venues_in_file = {route.venue_key for route in routes.values()}
    films_by_key: dict[str, ExistingFilm] = {}
    for film in films:
        kept = films_by_key.setdefault(title_key(film.title), film)
        if kept is not film and title_key(film.title) in titles_in_file:
            plan.notes.append(
                f"The festival has two films '{kept.title}' and '{film.title}', one title typed "
                f"two ways: the file's rows go to '{kept.title}'. Merge them by hand."
            )
    venues_by_key: dict[str, ExistingVenue] = {}
    for venue in venues:
        kept_venue = venues_by_key.setdefault(venue_key(venue.name), venue)
        if kept_venue is not venue and venue_key(venue.name) in venues_in_file:
            plan.notes.append(
                f"The festival has two venues '{kept_venue.name}' and '{venue.name}', one name "
                f"typed two ways: the file's rows go to '{kept_venue.name}'."
            )
    venue_names = {venue.id: venue.name for venue in venues_by_key.values()}

    # Films: the first row mentioning a film names it; later rows may add facts it lacked.
    film_facts: dict[str, dict[str, object]] = {}
    first_rows: dict[str, ParsedRow] = {}
    for row in rows:
        key = title_key(row.title)
        first_rows.setdefault(key, row)
        facts = film_facts.setdefault(key, {})
        for name, value in _row_facts(row).items():
            facts.setdefault(name, value)
    runtimes: dict[str, int | None] = {}
    for key, facts in film_facts.items():
        existing = films_by_key.get(key)
        row = first_rows[key]
        if existing is None:
            plan.films_to_create.append(FilmToCreate(key, row.title.strip(), facts, row.row))
            runtimes[key] = facts.get("runtime_minutes")  # type: ignore[assignment]
            continue
        changes = {
            name: (existing.facts.get(name), value)
            for name, value in facts.items()
            if existing.facts.get(name) != value
        }
        if changes:
            plan.films_to_update.append(FilmToUpdate(existing.id, existing.title, changes, row.row))
        runtimes[key] = facts.get("runtime_minutes") or existing.facts.get("runtime_minutes")  # type: ignore[assignment]

    # Only films whose rows give no end get the assumed length; say how many.
    open_ended = {title_key(row.title) for row in rows if row.ends_at is None}
    assumed = [key for key, runtime in runtimes.items() if not runtime and key in open_ended]
    if assumed:
        plan.notes.append(
            f"No runtime for {len(assumed)} film{'s' if len(assumed) != 1 else ''}: their "
            f"screenings end {default_runtime_minutes} minutes after they start. Set the runtime "
            "on the film's page, or add a runtime or end column to the file."
        )

    seen_venues: set[str] = set()
    new_venue_rows: list[tuple[str, int]] = []
    for row in rows:
        route = routes[row.row]
        key = route.venue_key
        if key not in venues_by_key and key not in seen_venues:
            seen_venues.add(key)
            plan.venues_to_create.append(route.venue_name)
            new_venue_rows.append((route.venue_name, row.row))

    plan.notes.extend(
        _lookalike_notes(
            "film",
            [(f.title, f.first_row) for f in plan.films_to_create],
            [film.title for film in films],
        )
    )
    plan.notes.extend(_lookalike_notes("venue", new_venue_rows, [v.name for v in venues]))

    _plan_screenings(
        plan,
        rows,
        routes,
        films_by_key,
        venues_by_key,
        venue_names,
        screenings,
        runtimes,
        default_runtime_minutes,
    )
    return plan


def _lookalike_notes(
    what: str, new: Sequence[tuple[str, int]], existing: Sequence[str]
) -> list[str]:
    """Say when a new film or venue looks like another one retyped: spelled the same but for
    accents or punctuation. Matching them would be a guess (see rules.name_key), so they are
    kept apart and the editor is told, in the preview and by the CLI."""
    known: dict[str, tuple[str, int | None]] = {}
    for name in existing:
        if loose := loose_key(name):
            known.setdefault(loose, (name, None))
    notes = []
    for name, row in new:
        loose = loose_key(name)
        if not loose:
            continue
        if loose in known:
            other, other_row = known[loose]
            where = "the existing" if other_row is None else f"row {other_row}'s"
            notes.append(
                f"Row {row}: '{name}' looks like {where} {what} '{other}' but differs in more "
                f"than case, spacing, quotes or dashes, so it will be a new {what}. If it is the "
                f"same {what}, correct the spelling in the file."
            )
        else:
            known[loose] = (name, row)
    return notes


def _missing_note(note: str, notes: str) -> str:
    """The file's note unless the screening's notes hold it already (a re-import adds nothing)."""
    return note if note and note.casefold() not in notes.casefold() else ""


def _plan_screenings(
    plan: Plan,
    rows: Sequence[ParsedRow],
    routes: dict[int, Route],
    films_by_key: dict[str, ExistingFilm],
    venues_by_key: dict[str, ExistingVenue],
    venue_names: dict[int, str],
    screenings: Iterable[ExistingScreening],
    runtimes: dict[str, int | None],
    default_runtime_minutes: int,
) -> None:
    film_ids = {film.id: key for key, film in films_by_key.items()}
    venue_ids = {venue.id: key for key, venue in venues_by_key.items()}
    # Existing screenings of the films in the file, indexed by (film, venue, start).
    in_file = {title_key(row.title) for row in rows}
    existing_by_film: dict[str, list[ExistingScreening]] = {}
    for screening in screenings:
        key = film_ids.get(screening.film_id)
        if key is not None and key in in_file:
            existing_by_film.setdefault(key, []).append(screening)
    exact = {
        (film_ids[s.film_id], venue_ids.get(s.venue_id, ""), s.starts_at): s
        for group in existing_by_film.values()
        for s in group
    }
    matched: set[int] = set()
    leftovers: dict[str, list[tuple[ParsedRow, datetime]]] = {}
    seen: dict[tuple[str, str, datetime], int] = {}
    for row in rows:
        film_key = title_key(row.title)
        runtime = row.runtime_minutes or runtimes.get(film_key) or default_runtime_minutes
        ends_at = row.ends_at or row.starts_at + timedelta(minutes=runtime)
        route = routes[row.row]
        # "Main Hall (EN subs)" and "Main Hall" rows of one film at one time are one screening.
        same = seen.setdefault((film_key, route.venue_key, row.starts_at), row.row)
        if same != row.row:
            plan.notes.append(
                f"Row {row.row}: same film, venue and start as row {same} once the venue's "
                "note is set aside; imported once."
            )
            continue
        hit = exact.get((film_key, route.venue_key, row.starts_at))
        if hit is not None and hit.id not in matched:
            matched.add(hit.id)
            if hit.ends_at != ends_at and row.ends_at is None and not row.runtime_minutes:
                # The file says nothing about the end: keep the one the desk has.
                ends_at = hit.ends_at
            if (
                hit.kind != row.kind
                or hit.ends_at != ends_at
                or _missing_note(route.note, hit.notes)
            ):
                plan.screenings_to_update.append(_update(row, route, hit, ends_at, venue_names))
            else:
                plan.screenings_unchanged += 1
            continue
        leftovers.setdefault(film_key, []).append((row, ends_at))

    for film_key, pending in leftovers.items():
        # A cancelled screening is not "moved" by a row: the row is a new screening.
        candidates = [
            s for s in existing_by_film.get(film_key, []) if s.id not in matched and not s.cancelled
        ]
        for row, ends_at in pending:
            route = routes[row.row]
            best = _closest(route, row, candidates, venue_ids)
            if best is None:
                plan.screenings_to_create.append(
                    ScreeningToCreate(
                        row.row,
                        film_key,
                        row.title.strip(),
                        route.venue_key,
                        route.venue_name,
                        row.starts_at,
                        ends_at,
                        row.kind,
                        route.note,
                    )
                )
                continue
            candidates.remove(best)
            matched.add(best.id)
            if row.ends_at is None and not row.runtime_minutes:
                # Moving keeps the screening's length unless the file gives one.
                ends_at = row.starts_at + (best.ends_at - best.starts_at)
            plan.screenings_to_update.append(_update(row, route, best, ends_at, venue_names))

    plan.screenings_not_in_file = sorted(
        s.id for group in existing_by_film.values() for s in group if s.id not in matched
    )


def _closest(
    route: Route, row: ParsedRow, candidates: list[ExistingScreening], venue_ids: dict[int, str]
) -> ExistingScreening | None:
    """The existing screening this row most plausibly is, moved: same venue first, then nearest."""
    if not candidates:
        return None
    row_venue = route.venue_key
    return min(
        candidates,
        key=lambda s: (
            venue_ids.get(s.venue_id) != row_venue,
            abs((s.starts_at - row.starts_at).total_seconds()),
            s.id,
        ),
    )


def _update(
    row: ParsedRow,
    route: Route,
    existing: ExistingScreening,
    ends_at: datetime,
    venue_names: dict[int, str],
) -> ScreeningToUpdate:
    return ScreeningToUpdate(
        row=row.row,
        screening_id=existing.id,
        title=row.title.strip(),
        venue_key=route.venue_key,
        venue_name=route.venue_name,
        starts_at=row.starts_at,
        ends_at=ends_at,
        kind=row.kind,
        was_venue=venue_names.get(existing.venue_id, ""),
        was_starts_at=existing.starts_at,
        was_ends_at=existing.ends_at,
        was_kind=existing.kind,
        note_to_add=_missing_note(route.note, existing.notes),
    )
