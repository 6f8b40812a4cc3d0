"""Venue names as programme files write them: the venue, the note glued on, the building.

Pure (no Flask, no database): the importer, the venues page, the clash check and the day view
read venue names the same way, and tests check the rules without an app.

`split_venue` takes one venue cell and returns the venue's name and the note written with it.
The rules, applied in this order (conservative: a part is only taken off the name when it
cannot be what tells two rooms apart):

1. Spacing: line breaks, tabs and non-breaking spaces are spaces; runs of spaces are one space;
   the cell is trimmed. Case is kept (it is compared without case, see `venue_key`).
2. Parenthesised or bracketed parts, `(EN subs)`, `[Q&A]` or `{Q&A}`, and parts wrapped in
   asterisks or underscores (`*English subtitles*`, `_EN subs_`), are notes, wherever they stand,
   unless they hold only a number, a single letter or a Roman numeral (`Cinema (2)`,
   `Hall (B)`: that names the room).
3. Text glued straight after a closing parenthesis or bracket, with no space between
   (`Main Hall (EN subs)Q&A with the director`), is a note, as is everything after it.
4. A known note phrase and everything after it is a note: `Q&A` (even glued to a word),
   `with subtitles`, `with English subtitles`, `EN subs`, `subtitled`, `w/ subs`,
   `+ intro` (and `+` followed by intro, introduction, Q&A, discussion, talk, panel, guests,
   director, filmmakers, cast, conversation, live music or performance), `with intro`,
   `introduced by`, `followed by`, `director in attendance`/`in person`, `sold out`,
   `relaxed screening`, `audio described`, `captioned`, `live score`, `world premiere` and
   other `... premiere`s. A phrase counts only after the start of a word and never at the start
   of the cell (the venue's name is never empty), so `Premiere Hall` stays a venue.
5. Separators left dangling at the end of the name (`,;:|/+` and dashes) are dropped, and so
   are those at the start of each note.

Two cells are the same venue when their names have the same `venue_key`: case, spacing,
Unicode forms, quotes and dashes aside (see `coverage.programme.rules.name_key`). Nothing else
is dropped, so "Cinema 1" and "Cinema 2", or "Main Hall" and "Main Hall Annex", stay apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coverage.programme.rules import name_key

# Minutes assumed between two rooms of one building when the desk stored no travel time for the
# pair: a walk down a corridor. Never more than the festival's own default buffer.
IN_BUILDING_MINUTES = 5

_SPACES = re.compile(r"\s+")
# One parenthesised or bracketed part (no nesting), with the spaces before it.
# Curly braces, and text wrapped in asterisks or underscores (Markdown emphasis a programme
# file kept: `Cinema 9 *English subtitles*`), are notes too; those must start a word.
_BRACKETED = re.compile(
    r"\s*(\(([^()]*)\)|\[([^\[\]]*)\]|\{([^{}]*)\}|(?<!\S)\*([^*]+)\*|(?<!\S)_([^_]+)_)"
)
# What a parenthesised part holds when it names the room rather than adding a note.
_ROOM_DESIGNATOR = re.compile(r"\d+[a-z]?|[a-z]|[ivx]+", re.IGNORECASE)
_EXTRAS = (
    r"intro|introduction|q\s*&\s*a|discussion|talk|panel|guests?|director|directors|"
    r"filmmakers?|cast|conversation|live\s+music|performance"
)
# Note phrases; each must start a word (see _PHRASE_START) except Q&A, which may be glued on.
_PHRASES = re.compile(
    r"q\s*&\s*a\b"
    r"|\+\s*(?:" + _EXTRAS + r")\b"
    r"|with\s+(?:[a-z]+\s+)?(?:subtitles|subs)\b"
    r"|(?:en|eng|english)\s+(?:subtitles|subs)\b"
    r"|subtitled\b|w/\s*subs\b"
    r"|with\s+(?:" + _EXTRAS + r")\b"
    r"|introduced\s+by\b|intro\s+by\b|followed\s+by\b"
    r"|(?:director|directors|filmmakers?|guests?|cast)\s+in\s+(?:person|attendance)\b"
    r"|sold\s+out\b|relaxed\s+screening\b|audio[\s-]+described\b|captioned\b"
    r"|closed\s+captions?\b|live\s+(?:score|music|accompaniment)\b"
    r"|(?:world|international|european|uk|north\s+american|asian|philippine|national|local)"
    r"\s+premiere\b",
    re.IGNORECASE,
)
_SEPARATORS = " ,;:|/+-\u2013\u2014"


@dataclass(frozen=True)
class VenueSpelling:
    """One venue cell read: `name` is the venue, `note` what was written with it ("" if none);
    several notes are joined with "; "."""

    name: str
    note: str


def clean_spacing(text: str) -> str:
    """Rule 1: one space between words, none at the ends."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _phrase_at(text: str) -> int | None:
    """Where the first note phrase starts (never 0), or None."""
    for match in _PHRASES.finditer(text):
        start = match.start()
        if start == 0:
            continue
        before = text[start - 1]
        glued_qa = match.group(0)[0] in "qQ" and before.isalnum()
        if before.isalnum() and not glued_qa:
            continue  # inside a word: "Subway Premiere" is not "... premiere" glued on
        if not text[:start].strip(_SEPARATORS):
            continue
        return start
    return None


def split_venue(raw: str) -> VenueSpelling:
    """The venue's name and the note written with it, by the rules in the module docstring.

    >>> split_venue("Main Hall (EN subs)Q&A with the director")
    VenueSpelling(name='Main Hall', note='EN subs; Q&A with the director')
    """
    text = clean_spacing(raw)
    notes: list[str] = []
    name_parts: list[str] = []
    position = 0
    tail = ""
    for match in _BRACKETED.finditer(text):
        inside = clean_spacing(next(g for g in match.groups()[1:] if g is not None))
        if match.start() == 0 and not text[: match.start()].strip():
            continue  # a cell that starts with a parenthesis: nothing would be left as a name
        if _ROOM_DESIGNATOR.fullmatch(inside):
            continue  # "Cinema (2)" names the room
        name_parts.append(text[position : match.start()])
        if inside:
            notes.append(inside)
        position = match.end()
        after = text[position:]
        if after and not after[0].isspace() and after[0] not in _SEPARATORS:
            # Rule 3: text glued on after the closing parenthesis.
            tail = after
            position = len(text)
            break
    name_parts.append(text[position:])
    name = clean_spacing("".join(name_parts))
    phrase = _phrase_at(name)
    if phrase is not None:
        notes.append(name[phrase:])
        name = name[:phrase]
    if tail:
        notes.append(tail)
    name = name.rstrip(_SEPARATORS) or clean_spacing(raw)
    cleaned = [clean_spacing(note).lstrip(_SEPARATORS.replace("+", "")) for note in notes]
    return VenueSpelling(name, "; ".join(note for note in cleaned if note))


def venue_key(name: str) -> str:
    """How two venue names are recognised as one: case, spacing, Unicode forms, quotes and
    dashes aside (`name_key`)."""
    return name_key(name)


# " – " (en dash) or " - " between the building and the room: "Southbank – NFT1".
_BUILDING_SEPARATOR = re.compile(r"\s+[\u2013-]\s+")


def building_and_room(name: str) -> tuple[str, str]:
    """`("Southbank", "NFT1")` for "Southbank – NFT1"; `(name, "")` for a name with no
    " – " or " - " in it. Only the first separator splits: "A – B – C" is ("A", "B – C")."""
    parts = _BUILDING_SEPARATOR.split(clean_spacing(name), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], parts[1]
    return clean_spacing(name), ""


def building_key(name: str) -> str | None:
    """The building's `venue_key` when the name has a room part, else None."""
    building, room = building_and_room(name)
    return venue_key(building) if room else None


def same_building(first: str, second: str) -> bool:
    """Two rooms of one building: the same text before " – " (case and spacing aside)."""
    key = building_key(first)
    return key is not None and key == building_key(second)


def in_building_minutes(festival_default: int) -> int:
    """Minutes assumed between two rooms of one building: IN_BUILDING_MINUTES, but never more
    than the festival's default between any two venues."""
    return min(IN_BUILDING_MINUTES, festival_default)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that reads numbers as numbers: "Screen 2" before "Screen 10"."""
    parts = _DIGITS.split(venue_key(text))
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts if part != ""
    )


def venue_sort_key(name: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Building, then room, each naturally sorted: rooms of one building sit together."""
    building, room = building_and_room(name)
    return natural_key(building), natural_key(room)


# --- The travel table: one input per unordered pair of venues ---------------------------------

MAX_TRAVEL_MINUTES = 600
_PAIR_FIELD = re.compile(r"pair-(\d+)-(\d+)")


def pair_field(first: int, second: int) -> str:
    """The travel table's input name for a pair of venue ids, lower id first."""
    low, high = sorted((first, second))
    return f"pair-{low}-{high}"


@dataclass
class TravelTable:
    """What the travel table's form says: minutes per pair (None: fall back to the default),
    and an error per input name that could not be read."""

    minutes: dict[tuple[int, int], int | None]
    errors: dict[str, str]


def read_travel_table(form: dict[str, str], names: dict[int, str]) -> TravelTable:
    """Read `pair-<low>-<high>` inputs: blank is "use the default", else whole minutes from 0
    to MAX_TRAVEL_MINUTES. Inputs for venues not in `names` (ids -> names) are ignored; an
    error names the pair ("NFT1 ↔ Odeon: ...")."""
    table = TravelTable({}, {})
    for field, value in form.items():
        match = _PAIR_FIELD.fullmatch(field)
        if match is None:
            continue
        low, high = int(match.group(1)), int(match.group(2))
        if low >= high or low not in names or high not in names:
            continue
        text = value.strip()
        if not text:
            table.minutes[(low, high)] = None
            continue
        if not text.isdigit() or int(text) > MAX_TRAVEL_MINUTES:
            table.errors[field] = (
                f"{names[low]} ↔ {names[high]}: enter whole minutes from 0 to "
                f"{MAX_TRAVEL_MINUTES}, or leave it empty for the default (not '{text[:20]}')."
            )
            continue
        table.minutes[(low, high)] = int(text)
    return table


# What a programme file writes for a venue not yet known: no venue at all.
_PLACEHOLDERS = frozenset({"tba", "tbc", "tbd", "to be announced", "to be confirmed", "n/a", "na"})


def is_placeholder(raw: str) -> bool:
    """Whether a venue cell is a stand-in, not a venue: `TBA`, `(TBC)`, `-`, `?`."""
    text = clean_spacing(raw).strip("()[]{}*_ ").casefold().rstrip(".")
    return not text.strip(_SEPARATORS + "?.") or text in _PLACEHOLDERS
