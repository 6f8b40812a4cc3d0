"""Which venue each venue cell of a programme file goes to: merges proposed, aliases remembered.

Pure (no Flask, no database). A file writes one screen many ways ("Main Hall (EN subs)",
"MAIN HALL", "Main Hall (EN subs)Q&A with the director"); `resolve_venues` reads every cell
with `venue_names.split_venue` and decides, in this order:

1. A cell that is an existing venue's name (case and spacing aside) goes to that venue as it is.
2. A cell the festival already knows as an alias (written by an earlier import's merge, or by a
   merge of venues) goes to the alias's venue, its note to the screening: a *known spelling*,
   nothing asked.
3. The other cells are grouped by their name without notes. A group becomes a *merge proposal*
   when it matches an existing venue or alias by that name, holds several spellings, or carries
   a note; the editor may rename its target or keep a spelling apart as its own venue. A lone
   cell with no note is a new venue, as before.

Each spelling merged into a venue of another name is remembered as an alias on apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from coverage.errors import InvalidInput
from coverage.festivals.venue_names import clean_spacing, split_venue, venue_key

MAX_VENUE_NAME = 200


@dataclass(frozen=True)
class ExistingVenue:
    id: int
    name: str


@dataclass(frozen=True)
class ExistingAlias:
    key: str  # venue_key of the spelling
    spelling: str
    venue_id: int


@dataclass(frozen=True)
class Spelling:
    """One way the file writes a venue: every cell with this `key`."""

    key: str  # venue_key of the cell
    written: tuple[str, ...]  # the cells as written (case or spacing may differ), first first
    rows: int
    first_row: int
    name: str  # the venue's name without the note (split_venue)
    note: str

    @property
    def text(self) -> str:
        return self.written[0]


@dataclass(frozen=True)
class MergeProposal:
    """Spellings that are one venue but for notes, case or spacing: the editor confirms."""

    key: str  # venue_key of the name without notes
    name: str  # the proposed venue name
    spellings: tuple[Spelling, ...]
    existing_id: int | None = None  # the festival's venue it goes to, if any
    via_alias: bool = False  # found through an alias of that venue

    @property
    def rows(self) -> int:
        return sum(spelling.rows for spelling in self.spellings)

    def can_keep_apart(self, spelling: Spelling) -> bool:
        """A spelling that is the venue's own name (but for case or spacing) is the venue."""
        return spelling.key != venue_key(self.name)


@dataclass(frozen=True)
class KnownSpelling:
    spelling: Spelling
    venue_name: str


@dataclass(frozen=True)
class VenueChoice:
    """The editor's answer to one proposal: the venue's name (None: as proposed) and the keys of
    spellings kept apart, each its own venue named as written."""

    name: str | None = None
    keep_apart: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    """Where one spelling's rows go."""

    venue_key: str
    venue_name: str
    note: str  # for the screenings' notes


@dataclass(frozen=True)
class AliasToAdd:
    key: str
    spelling: str
    venue_key: str


@dataclass
class VenueResolution:
    routes: dict[str, Route] = field(default_factory=dict)  # spelling key -> route
    proposals: list[MergeProposal] = field(default_factory=list)
    known: list[KnownSpelling] = field(default_factory=list)
    aliases_to_add: list[AliasToAdd] = field(default_factory=list)

    def route(self, cell: str) -> Route:
        return self.routes[venue_key(cell)]


def read_spellings(cells: Sequence[tuple[str, int]]) -> list[Spelling]:
    """Cells (text, row) grouped by key, in the order the file first writes them."""
    written: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    first: dict[str, int] = {}
    for text, row in cells:
        key = venue_key(text)
        forms = written.setdefault(key, [])
        if text not in forms:
            forms.append(text)
        rows[key] = rows.get(key, 0) + 1
        first.setdefault(key, row)
    spellings = []
    for key, forms in written.items():
        split = split_venue(forms[0])
        spellings.append(Spelling(key, tuple(forms), rows[key], first[key], split.name, split.note))
    return spellings


def _proposed_name(spellings: Sequence[Spelling]) -> str:
    """The most used name, preferring one not written all in capitals (or all in lower case)."""
    weight: dict[str, tuple[bool, int, int]] = {}
    for spelling in spellings:
        name = spelling.name
        uniform = name.isupper() or name.islower()
        shown = weight.get(name, (uniform, 0, spelling.first_row))
        weight[name] = (uniform, shown[1] - spelling.rows, min(shown[2], spelling.first_row))
    return min(weight, key=lambda name: weight[name])


def _note_for(spelling: Spelling, target_name: str) -> str:
    # A note the editor wrote into the venue's name ("Main Hall Upstairs") is not a note.
    if spelling.note and venue_key(spelling.note) in venue_key(target_name):
        return ""
    return spelling.note


def _check_name(name: str, index: int, spellings: Sequence[Spelling]) -> str:
    name = clean_spacing(name)
    shown = ", ".join(f"'{s.text}'" for s in spellings)
    if not name:
        raise InvalidInput(f"Enter the venue's name for {shown}.", field=f"venue-{index}-name")
    if len(name) > MAX_VENUE_NAME:
        raise InvalidInput(
            f"The venue name for {shown} is longer than {MAX_VENUE_NAME} characters.",
            field=f"venue-{index}-name",
        )
    return name


def resolve_venues(
    cells: Sequence[tuple[str, int]],
    venues: Iterable[ExistingVenue],
    aliases: Iterable[ExistingAlias] = (),
    choices: Mapping[int, VenueChoice] | None = None,
) -> VenueResolution:
    """Route every venue cell (text, row) of a file; `choices` are the editor's answers by
    proposal index (proposals not answered go as proposed).

    Raises InvalidInput (field `venue-<index>-name`) for an empty or too long venue name.
    """
    resolution = VenueResolution()
    venues = sorted(venues, key=lambda venue: venue.id)
    by_key: dict[str, ExistingVenue] = {}
    by_bare_name: dict[str, ExistingVenue] = {}
    for venue in venues:
        by_key.setdefault(venue_key(venue.name), venue)
        by_bare_name.setdefault(venue_key(split_venue(venue.name).name), venue)
    by_id = {venue.id: venue for venue in venues}
    alias_by_key: dict[str, ExistingAlias] = {}
    alias_by_bare_name: dict[str, ExistingAlias] = {}
    for alias in aliases:
        if alias.venue_id in by_id:
            alias_by_key.setdefault(alias.key, alias)
            alias_by_bare_name.setdefault(venue_key(split_venue(alias.spelling).name), alias)

    groups: dict[str, list[Spelling]] = {}
    for spelling in read_spellings(cells):
        exact = by_key.get(spelling.key)
        if exact is not None:
            resolution.routes[spelling.key] = Route(spelling.key, exact.name, "")
            continue
        alias = alias_by_key.get(spelling.key)
        if alias is not None:
            venue = by_id[alias.venue_id]
            note = _note_for(spelling, venue.name)
            resolution.routes[spelling.key] = Route(venue_key(venue.name), venue.name, note)
            resolution.known.append(KnownSpelling(spelling, venue.name))
            continue
        groups.setdefault(venue_key(spelling.name), []).append(spelling)

    for group_key, spellings in groups.items():
        existing, via_alias = by_key.get(group_key), False
        if existing is None and group_key in alias_by_bare_name:
            existing, via_alias = by_id[alias_by_bare_name[group_key].venue_id], True
        if existing is None:
            existing = by_bare_name.get(group_key)
        lone = spellings[0]
        if (
            existing is None
            and len(spellings) == 1
            and not lone.note
            and len(lone.written) == 1
            and lone.key == group_key
        ):
            name = clean_spacing(lone.text)
            resolution.routes[lone.key] = Route(lone.key, name, "")
            continue
        proposal = MergeProposal(
            key=group_key,
            name=existing.name if existing is not None else _proposed_name(spellings),
            spellings=tuple(spellings),
            existing_id=existing.id if existing is not None else None,
            via_alias=via_alias,
        )
        index = len(resolution.proposals)
        resolution.proposals.append(proposal)
        choice = (choices or {}).get(index, VenueChoice())
        target = proposal.name
        if choice.name is not None:
            target = _check_name(choice.name, index, spellings)
        target_key = venue_key(target)
        for spelling in spellings:
            if spelling.key in choice.keep_apart and proposal.can_keep_apart(spelling):
                name = clean_spacing(spelling.text)
                resolution.routes[spelling.key] = Route(spelling.key, name, "")
                continue
            resolution.routes[spelling.key] = Route(target_key, target, _note_for(spelling, target))
            if spelling.key != target_key:
                resolution.aliases_to_add.append(
                    AliasToAdd(spelling.key, spelling.text, target_key)
                )
    return resolution


def describe_proposal(proposal: MergeProposal) -> str:
    """One line for the CLI: what goes where."""
    spellings = ", ".join(
        f"'{s.text}' ({s.rows} row{'s' if s.rows != 1 else ''})" for s in proposal.spellings
    )
    target = "the existing venue" if proposal.existing_id is not None else "one venue"
    return (
        f"{spellings} go to {target} '{proposal.name}'; notes written with the venue go to the "
        "screenings' notes."
    )
