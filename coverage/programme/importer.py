"""Importing a programme CSV into a festival: parse, plan against the database, apply.

The same three steps serve the web preview/confirm and the `import-programme` command. The whole
festival is read in three queries and written in one flush, so a 1,600-row file does not make
1,600 round trips.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from coverage import locking
from coverage.errors import Conflict
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue, VenueAlias
from coverage.programme import services as programme_services
from coverage.programme.import_plan import (
    FILM_FACTS,
    ExistingAlias,
    ExistingFilm,
    ExistingScreening,
    ExistingVenue,
    Plan,
    VenueChoice,
    build_plan,
    venue_key,
)
from coverage.programme.importing import (
    DateOrder,
    Field,
    ImportOptions,
    ImportRefused,
    ParsedFile,
    decode,
    dump_parse,
    load_parse,
    parse_key,
    parse_programme,
)
from coverage.programme.kinds import PremiereStatus
from coverage.programme.models import Film, ProgrammeUpload, Screening
from coverage.programme.rules import title_key
from coverage.programme.schedule import DEFAULT_RUNTIME_MINUTES
from coverage.timeutil import utcnow

UPLOAD_LIFETIME = timedelta(days=1)


@dataclass
class Preview:
    parsed: ParsedFile
    plan: Plan | None  # None when the file has errors: nothing can be applied

    @property
    def can_apply(self) -> bool:
        return self.plan is not None and self.parsed.ok


@dataclass(frozen=True)
class Applied:
    films_created: int
    films_updated: int
    venues_created: int
    screenings_created: int
    screenings_updated: int
    screenings_unchanged: int
    # Venue spellings merged into a venue of another name and remembered as its aliases.
    venue_spellings_merged: int = 0


def options_for(
    festival: Festival,
    date_order: DateOrder | None = None,
    *,
    late_shows_on_evening_date: bool = False,
) -> ImportOptions:
    return ImportOptions(
        timezone=festival.timezone,
        year=festival.edition,
        date_order=date_order,
        late_shows_on_evening_date=late_shows_on_evening_date,
        festival_start=festival.start_date,
        festival_end=festival.end_date,
        default_runtime_minutes=DEFAULT_RUNTIME_MINUTES,
    )


def _snapshot(
    festival: Festival,
) -> tuple[list[Film], list[Venue], list[Screening]]:
    films = list(db.session.scalars(select(Film).where(Film.festival_id == festival.id)))
    venues = list(db.session.scalars(select(Venue).where(Venue.festival_id == festival.id)))
    screenings = list(
        db.session.scalars(select(Screening).where(Screening.festival_id == festival.id))
    )
    return films, venues, screenings


def preview_import(
    festival: Festival,
    data: bytes | ParsedFile,
    *,
    mapping: Mapping[int, Field] | None = None,
    date_order: DateOrder | None = None,
    late_shows_on_evening_date: bool = False,
    venue_choices: Mapping[int, VenueChoice] | None = None,
) -> Preview:
    """Parse and plan without writing anything.

    `data` is the file, or its parse made with the same mapping, date order and late-show reading
    (`parse_upload`); planning against the current rows is done each time (bounded by the
    festival's size: three queries).
    `late_shows_on_evening_date`: the file lists a 00:30 show under the evening before (Friday
    for the night of Friday into Saturday), so starts before 06:00 move to the next morning.
    `venue_choices`: the editor's answers to the venue merge proposals (see import_venues);
    an unusable venue name in them raises InvalidInput.
    """
    if isinstance(data, ParsedFile):
        parsed = data
    else:
        options = options_for(
            festival, date_order, late_shows_on_evening_date=late_shows_on_evening_date
        )
        parsed = parse_programme(data, options, mapping)
    if not parsed.ok:
        return Preview(parsed, None)
    films, venues, screenings = _snapshot(festival)
    aliases = db.session.scalars(select(VenueAlias).where(VenueAlias.festival_id == festival.id))
    plan = build_plan(
        parsed.rows,
        [ExistingFilm(f.id, f.title, {n: getattr(f, n) for n in FILM_FACTS}) for f in films],
        [ExistingVenue(v.id, v.name) for v in venues],
        [
            ExistingScreening(
                s.id, s.film_id, s.venue_id, s.starts_at, s.ends_at, s.kind, s.cancelled, s.notes
            )
            for s in screenings
        ],
        default_runtime_minutes=DEFAULT_RUNTIME_MINUTES,
        aliases=[ExistingAlias(a.key, a.spelling, a.venue_id) for a in aliases],
        venue_choices=venue_choices,
    )
    return Preview(parsed, plan)


def apply_import(
    festival: Festival,
    data: bytes | ParsedFile,
    *,
    mapping: Mapping[int, Field] | None = None,
    date_order: DateOrder | None = None,
    late_shows_on_evening_date: bool = False,
    expected_fingerprint: str | None = None,
    venue_choices: Mapping[int, VenueChoice] | None = None,
) -> tuple[Preview, Applied]:
    """Plan again and write the plan in one flush; the caller commits (all or nothing).

    `data` is the file or its parse, as for `preview_import`.
    With `expected_fingerprint`, refuses when the plan differs from the one the editor saw
    (someone changed the programme in between). The fingerprint is of the plan as proposed;
    `venue_choices` (the editor's answers to its venue proposals) are applied after the check.
    """
    lock_for_import(festival)
    if not isinstance(data, ParsedFile):
        # Parsed once here: planning with the venue choices below reuses it.
        data = parse_programme(
            data,
            options_for(
                festival, date_order, late_shows_on_evening_date=late_shows_on_evening_date
            ),
            mapping,
        )
    preview = preview_import(
        festival,
        data,
        mapping=mapping,
        date_order=date_order,
        late_shows_on_evening_date=late_shows_on_evening_date,
    )
    plan = preview.plan
    if plan is None or not preview.parsed.ok:
        raise Conflict("The file has errors; fix them and upload it again. Nothing was imported.")
    if expected_fingerprint is not None and plan.fingerprint() != expected_fingerprint:
        raise Conflict(
            "The programme changed since the preview was made. Check the new preview and "
            "confirm again. Nothing was imported."
        )
    if venue_choices:
        preview = preview_import(
            festival,
            data,
            mapping=mapping,
            date_order=date_order,
            late_shows_on_evening_date=late_shows_on_evening_date,
            venue_choices=venue_choices,
        )
        plan = preview.plan
        assert plan is not None  # the same file parsed the same way a moment ago
    return preview, apply_plan(festival, plan)


def lock_for_import(festival: Festival) -> None:
    """Take the festival for an import before planning it: a second import of the same
    festival (web or CLI) waits, then plans against what the first wrote, so no film, venue or
    screening is created twice (see coverage.locking)."""
    locking.lock_row(festival)


def apply_plan(festival: Festival, plan: Plan) -> Applied:
    """Write a plan made by `preview_import`: a fixed number of statements whatever its size.

    New rows go in as executemany bulk INSERTs (the ORM would insert one row at a time on SQLite,
    which cannot return generated ids in order), then films and venues are read back once for
    their ids; updates are bulk UPDATEs by primary key.
    """
    now = utcnow()
    if plan.venues_to_create:
        db.session.execute(
            insert(Venue),
            [
                {"festival_id": festival.id, "name": name, "address": ""}
                for name in plan.venues_to_create
            ],
        )
    if plan.films_to_create:
        db.session.execute(
            insert(Film),
            [
                {"festival_id": festival.id, "title": draft.title, **_film_defaults(draft.facts)}
                for draft in plan.films_to_create
            ],
        )
    if plan.films_to_update:
        for change in plan.films_to_update:
            film = db.session.get(Film, change.film_id)  # in the identity map since the preview
            for name, (_old, new) in change.changes.items():
                setattr(film, name, new)
        db.session.flush()
    # Reversed by id so that, of two films (or venues) typed two ways, the oldest wins, as in
    # import_plan.build_plan.
    film_ids = {
        title_key(title): film_id
        for film_id, title in db.session.execute(
            select(Film.id, Film.title)
            .where(Film.festival_id == festival.id)
            .order_by(Film.id.desc())
        )
    }
    venue_ids = {
        venue_key(name): venue_id
        for venue_id, name in db.session.execute(
            select(Venue.id, Venue.name)
            .where(Venue.festival_id == festival.id)
            .order_by(Venue.id.desc())
        )
    }
    if plan.aliases_to_add:
        db.session.execute(
            insert(VenueAlias),
            [
                {
                    "festival_id": festival.id,
                    "key": alias.key,
                    "spelling": alias.spelling[:300],
                    "venue_id": venue_ids[alias.venue_key],
                }
                for alias in plan.aliases_to_add
            ],
        )
    if plan.screenings_to_create:
        db.session.execute(
            insert(Screening),
            [
                {
                    "festival_id": festival.id,
                    "film_id": film_ids[new.film_key],
                    "venue_id": venue_ids[new.venue_key],
                    "starts_at": new.starts_at,
                    "ends_at": new.ends_at,
                    "kind": new.kind,
                    "cancelled": False,
                    "notes": new.note,
                    "sequence": 0,
                }
                for new in plan.screenings_to_create
            ],
        )
    # Writers attending a screening the file moves are told, as when an editor moves it.
    reached = programme_services.impacts_of_import(plan.screenings_to_update)
    if plan.screenings_to_update:
        current = {
            screening_id: (sequence, notes)
            for screening_id, sequence, notes in db.session.execute(
                select(Screening.id, Screening.sequence, Screening.notes).where(
                    Screening.id.in_([u.screening_id for u in plan.screenings_to_update])
                )
            )
        }
        db.session.execute(
            update(Screening),
            [
                {
                    "id": change.screening_id,
                    "venue_id": venue_ids[change.venue_key],
                    "starts_at": change.starts_at,
                    "ends_at": change.ends_at,
                    "kind": change.kind,
                    # Calendar clients only take a changed event when SEQUENCE rises.
                    "sequence": current[change.screening_id][0] + 1,
                    "notes": _with_note(current[change.screening_id][1], change.note_to_add),
                    "updated_at": now,
                }
                for change in plan.screenings_to_update
            ],
        )
    touched = {film_ids[new.film_key] for new in plan.screenings_to_create} | {
        film_ids[title_key(change.title)]
        for change in plan.screenings_to_update
        if title_key(change.title) in film_ids
    }
    if touched:
        # Their first public screening may have moved: see programme.services.schedule_changed.
        db.session.execute(
            update(Film)
            .where(Film.id.in_(touched))
            .values(embargo_sequence=Film.embargo_sequence + 1, updated_at=now)
        )
    # Objects loaded before the bulk statements must not show stale values afterwards.
    db.session.expire_all()
    for impact in reached:
        programme_services.notify_schedule_change(festival, impact, None, now)
    return Applied(
        films_created=len(plan.films_to_create),
        films_updated=len(plan.films_to_update),
        venues_created=len(plan.venues_to_create),
        screenings_created=len(plan.screenings_to_create),
        screenings_updated=len(plan.screenings_to_update),
        screenings_unchanged=plan.screenings_unchanged,
        venue_spellings_merged=len(plan.aliases_to_add),
    )


def _with_note(notes: str, note: str) -> str:
    if not note:
        return notes
    return f"{notes.rstrip()}\n{note}" if notes.strip() else note


def _film_defaults(facts: dict[str, object]) -> dict[str, object]:
    # Bulk INSERT sends one column list for all rows, so every row names every fact.
    defaults: dict[str, object] = {
        "original_title": "",
        "directors": "",
        "countries": "",
        "year": None,
        "runtime_minutes": None,
        "section": "",
        "premiere_status": PremiereStatus.NONE,
        "url": "",
        "synopsis": "",
    }
    return {**defaults, **facts}


def early_starts_note(parsed: ParsedFile) -> str:
    """What the preview and the CLI say about starts between midnight and 06:00."""
    rows = parsed.early_start_rows
    shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
    if len(rows) == 1:
        counted, they = f"1 row (row {shown}) starts", "it is"
    else:
        counted, they = f"{len(rows)} rows (rows {shown}) start", "they are"
    return (
        f"{counted} between midnight and 06:00 on the date given. If the file lists late "
        "shows under the evening's date (00:30 on Friday for the night of Friday into "
        f"Saturday), {they} a day early as read."
    )


def summary_line(parsed: ParsedFile, plan: Plan | None) -> str:
    """`films: 12 created, 0 updated; venues: ...; warnings: 7; errors: 0` for the CLI."""
    if plan is None:
        counts = (0, 0, 0, 0, 0)
    else:
        counts = (
            len(plan.films_to_create),
            len(plan.films_to_update),
            len(plan.venues_to_create),
            len(plan.screenings_to_create),
            len(plan.screenings_to_update),
        )
    return (
        f"films: {counts[0]} created, {counts[1]} updated; "
        f"venues: {counts[2]} created, 0 updated; "
        f"screenings: {counts[3]} created, {counts[4]} updated; "
        f"warnings: {len(parsed.warnings)}; errors: {len(parsed.errors)}"
    )


# --- Uploads awaiting confirmation ----------------------------------------------------------


def check_upload(data: bytes) -> None:
    """Raises ImportRefused for a file that is empty, too large or not CSV text."""
    decode(data)


def store_upload(
    festival: Festival,
    user_id: int | None,
    filename: str,
    data: bytes,
    *,
    date_order: DateOrder | None = None,
    late_shows_on_evening_date: bool = False,
) -> int:
    """Keep an upload for its preview and confirm, with its parse for the reading the upload form
    chose (so the preview reads it instead of parsing the file again); purges stale uploads."""
    db.session.execute(
        delete(ProgrammeUpload).where(ProgrammeUpload.created_at < utcnow() - UPLOAD_LIFETIME)
    )
    upload = ProgrammeUpload(
        festival=festival, uploaded_by_id=user_id, filename=filename[:255], content=data
    )
    db.session.add(upload)
    # A refusal is stored with it too: the preview shows it.
    with contextlib.suppress(ImportRefused):
        parse_upload(
            festival,
            upload,
            date_order=date_order,
            late_shows_on_evening_date=late_shows_on_evening_date,
        )
    db.session.flush()
    return upload.id


def parse_upload(
    festival: Festival,
    upload: ProgrammeUpload,
    *,
    mapping: Mapping[int, Field] | None = None,
    date_order: DateOrder | None = None,
    late_shows_on_evening_date: bool = False,
) -> ParsedFile:
    """The upload's parse for this reading: the stored one when it was made with the same
    festival facts, mapping, date order and late-show reading; otherwise the file is parsed and
    that parse replaces the stored one (one kept per upload, so storage stays about the file's
    size). The caller commits to keep it. Raises ImportRefused for a file that cannot be used,
    from the stored refusal too."""
    options = options_for(
        festival, date_order, late_shows_on_evening_date=late_shows_on_evening_date
    )
    key = parse_key(options, mapping)
    stored = load_parse(upload.parsed, key)
    if stored is None:
        try:
            stored = parse_programme(upload.content, options, mapping)
        except ImportRefused as refusal:
            stored = refusal
        upload.parsed = dump_parse(stored, key)
    if isinstance(stored, ImportRefused):
        raise stored
    return stored


def get_upload(festival: Festival, upload_id: int) -> ProgrammeUpload | None:
    upload = db.session.get(ProgrammeUpload, upload_id)
    if upload is None or upload.festival_id != festival.id:
        return None
    return upload
