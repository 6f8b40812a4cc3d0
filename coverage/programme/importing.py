"""Programme import: turn an uploaded CSV schedule into screening rows plus a list of problems.

Pure (no Flask, no database) so the upload preview, the writer and the tests agree on what a
spreadsheet says. Nothing that could be read two ways is guessed silently: it becomes an error
or a warning carrying the spreadsheet row and the column's header, so an editor can fix the file.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# ftfy (maintained, pure Python) recognises mojibake, text saved as UTF-8 and read back as
# Windows-1252 or Latin-1 ("AmÃ©lie", "â€™"), from the byte patterns that encoding mistake leaves,
# with very few false alarms on real accented text; a hand-written list of "Ã" pairs would miss
# most of them (Cyrillic, Greek, curly quotes) or flag real Portuguese ("SÃO PAULO").
import ftfy

from coverage.errors import InvalidInput
from coverage.festivals.venue_names import is_placeholder
from coverage.programme.kinds import PremiereStatus, ScreeningKind
from coverage.programme.rules import name_key
from coverage.programme.schedule import (
    DEFAULT_RUNTIME_MINUTES,
    EARLIEST_YEAR,
    LATEST_YEAR,
    SCREENING_MARGIN_DAYS,
    local_to_utc,
)
from coverage.textclean import clean_line, clean_multiline

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_MEBIBYTE = 1024 * 1024


class Field(StrEnum):
    """What a column of the spreadsheet can mean."""

    TITLE = "title"
    ORIGINAL_TITLE = "original_title"
    DATE = "date"
    WEEKDAY = "weekday"
    TIME = "time"
    END_TIME = "end_time"
    VENUE = "venue"
    SCREEN = "screen"
    KIND = "kind"
    GALA = "gala"
    RUNTIME = "runtime"
    DIRECTORS = "directors"
    SECTION = "section"
    COUNTRIES = "countries"
    YEAR = "year"
    PREMIERE_STATUS = "premiere_status"
    URL = "url"
    NOTES = "notes"
    SYNOPSIS = "synopsis"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[Field, str] = {
    Field.TITLE: "Film title",
    Field.ORIGINAL_TITLE: "Original title",
    Field.DATE: "Date",
    Field.WEEKDAY: "Day of week",
    Field.TIME: "Start time",
    Field.END_TIME: "End time",
    Field.VENUE: "Venue",
    Field.SCREEN: "Screen / room",
    Field.KIND: "Screening kind",
    Field.GALA: "Gala / premiere (yes/no or a premiere)",
    Field.RUNTIME: "Runtime (minutes)",
    Field.DIRECTORS: "Director(s)",
    Field.SECTION: "Section",
    Field.COUNTRIES: "Countries",
    Field.YEAR: "Year",
    Field.PREMIERE_STATUS: "Premiere status",
    Field.URL: "Film web page",
    Field.NOTES: "Notes",
    Field.SYNOPSIS: "Synopsis",
}

REQUIRED_FIELDS: tuple[Field, ...] = (Field.TITLE, Field.DATE, Field.TIME)

# Column lengths of the tables the rows end up in: refusing here beats a database error later.
_MAX_LENGTHS: dict[Field, int] = {
    Field.TITLE: 300,
    Field.ORIGINAL_TITLE: 300,
    Field.DIRECTORS: 500,
    Field.COUNTRIES: 300,
    Field.SECTION: 200,
    Field.URL: 500,
}
_MAX_VENUE_LENGTH = 200


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class DateOrder(StrEnum):
    """How to read a numeric date whose two first parts could both be the month."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row (header = 1, first data row = 2); None = the whole file
    column: str | None  # the column's header as written in the file
    message: str
    severity: Severity


@dataclass(frozen=True)
class ImportOptions:
    timezone: str
    year: int  # for dates written without a year ("Aug 5")
    date_order: DateOrder | None = None
    festival_start: date | None = None
    festival_end: date | None = None
    # Not used for parsing: carried so the writer ends a screening without end time or runtime.
    default_runtime_minutes: int = DEFAULT_RUNTIME_MINUTES
    # The file lists late shows under the evening's date (00:30 on "Friday 6 Oct" is the night
    # of Friday into Saturday): a start before LATE_SHOWS_UNTIL moves to the next morning.
    late_shows_on_evening_date: bool = False


@dataclass(frozen=True)
class ParsedRow:
    row: int
    title: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None  # aware, UTC; only when an end-time column gave one
    runtime_minutes: int | None
    venue: str
    kind: ScreeningKind
    original_title: str = ""
    directors: str = ""
    section: str = ""
    countries: str = ""
    year: int | None = None
    premiere_status: PremiereStatus | None = None
    url: str = ""
    notes: str = ""
    synopsis: str = ""


@dataclass
class ParsedFile:
    encoding: str
    headers: list[str]
    mapping: dict[int, Field]
    rows: list[ParsedRow]  # only rows without errors, duplicates left out
    problems: list[Problem]
    row_count: int  # non-blank data rows seen
    delimiter: str = ","
    # First non-empty value of each column, so the preview can show what a column holds.
    samples: list[str] = dataclasses.field(default_factory=list)
    # Rows starting between midnight and LATE_SHOWS_UNTIL on the date they are listed under:
    # a day early if the file lists late shows under the evening's date (the preview and the
    # CLI offer that reading).
    early_start_rows: list[int] = dataclasses.field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(InvalidInput):
    """The file as a whole cannot be used; the message says why and what to upload instead."""


# --- Decoding ---------------------------------------------------------------------------------

_NOT_CSV = (
    "This file is not a CSV text file. "
    "Save the spreadsheet as CSV (comma-separated) and upload that."
)
# Formats editors upload by mistake: PNG, JPEG, GIF, PDF, XLSX/ODS/DOCX (zip), old XLS/DOC (OLE).
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
)
# Control characters never found in spreadsheet text; their presence means binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_RUN = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]{2,}")


def _looks_binary(text: str) -> bool:
    """Runs of control characters, or more than one in a hundred (and a few), mean a binary file
    (a spreadsheet, a PDF). A lone one pasted into a title is text: its cell is cleaned and the
    row warned about, and the rest of the file still imports."""
    controls = len(_CONTROL.findall(text))
    return bool(_CONTROL_RUN.search(text)) or controls > max(4, len(text) // 100)


@dataclass(frozen=True)
class _Decoded:
    text: str
    encoding: str
    # Lines (1 = the first) not in the file's encoding, with the encoding each was read in.
    odd_lines: dict[int, str]


def decode(data: bytes) -> tuple[str, str]:
    """The text of an upload and the encoding it was read with; refuses what is not CSV text."""
    decoded = _decode(data)
    return decoded.text, decoded.encoding


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _decode_by_line(payload: bytes, utf8: str) -> tuple[str, str, dict[int, str]]:
    """A file that is not UTF-8 throughout: each line in its own encoding.

    A row pasted from a Windows-1252 file into a UTF-8 one (or the reverse) would otherwise
    garble every other row: "Amélie" in UTF-8 read as Windows-1252 is "AmÃ©lie". UTF-8 is
    tried first on each line: Windows-1252 text almost never happens to be valid UTF-8.
    """
    texts: list[str] = []
    utf8_lines: list[int] = []
    cp1252_lines: list[int] = []
    for number, line in enumerate(_LINE_END.split(payload), start=1):
        if line.isascii():
            texts.append(line.decode("ascii"))
            continue
        try:
            texts.append(line.decode("utf-8"))
            utf8_lines.append(number)
        except UnicodeDecodeError:
            try:
                texts.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                raise ImportRefused(_NOT_CSV, field="file") from None
            cp1252_lines.append(number)
    text = "\n".join(texts)
    if not utf8_lines:
        return text, "cp1252", {}
    if len(utf8_lines) >= len(cp1252_lines):
        return text, utf8, dict.fromkeys(cp1252_lines, "cp1252")
    return text, "cp1252", dict.fromkeys(utf8_lines, "utf-8")


def _decode(data: bytes) -> _Decoded:
    if not data:
        raise ImportRefused("The file is empty.", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        # Round up so a file just over the limit never reads as "5.0 MB; the limit is 5 MB".
        size = math.ceil(len(data) * 10 / _MEBIBYTE) / 10
        raise ImportRefused(
            f"The file is {size:.1f} MB; the limit is {MAX_UPLOAD_BYTES / _MEBIBYTE:g} MB.",
            field="file",
        )
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data:
        raise ImportRefused(_NOT_CSV, field="file")
    bom = data.startswith(b"\xef\xbb\xbf")
    payload = data[3:] if bom else data
    utf8 = "utf-8-sig" if bom else "utf-8"
    odd_lines: dict[int, str] = {}
    try:
        text, encoding = payload.decode("utf-8"), utf8
    except UnicodeDecodeError:
        text, encoding, odd_lines = _decode_by_line(payload, utf8)
    if _looks_binary(text):
        raise ImportRefused(_NOT_CSV, field="file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportRefused("The file is empty.", field="file")
    return _Decoded(text, encoding, odd_lines)


# Excel's hint on the first line, `sep=;`, names the delimiter; Excel hides that line, so the
# header stays row 1. Quoted when re-saved by a tool that quotes it ("sep=,").
_SEP_HINT = re.compile(r'"?sep=([^\w\s"]|\t)"?[,;|\t ]*', re.IGNORECASE)


def _sep_hint(text: str) -> tuple[str | None, str]:
    """The delimiter a `sep=` first line names, and the text without that line."""
    first, _newline, rest = text.partition("\n")
    match = _SEP_HINT.fullmatch(first.strip(" "))
    if match is None:
        return None, text
    return match.group(1), rest


def _detect_delimiter(text: str) -> str:
    """Comma unless the header line holds more semicolons (European Excel) or tabs."""
    header = next((line for line in text.split("\n", 50) if line.strip()), "")
    commas, semicolons, tabs = header.count(","), header.count(";"), header.count("\t")
    if semicolons > commas and semicolons >= tabs:
        return ";"
    if tabs > commas and tabs > semicolons:
        return "\t"
    return ","


# --- Headers and mapping ----------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_BRACKETED = re.compile(r"[(\[{][^)\]}]*[)\]}]")

_ALIASES: dict[Field, tuple[str, ...]] = {
    Field.TITLE: (
        "film",
        "title",
        "film title",
        "movie",
        "programme title",
        "program title",
        "work",
    ),
    Field.ORIGINAL_TITLE: ("original title",),
    Field.DATE: ("date", "screening date", "show date"),
    Field.WEEKDAY: ("day", "weekday", "day of week"),
    Field.TIME: (
        "time",
        "start",
        "start time",
        "starts",
        "showtime",
        "screening time",
        "time start",
    ),
    Field.END_TIME: ("end", "end time", "ends", "finish"),
    Field.VENUE: ("venue", "location", "cinema", "theatre", "theater", "hall", "site"),
    Field.SCREEN: ("screen", "room", "auditorium", "specific location", "screen room"),
    Field.KIND: ("kind", "type", "screening type", "screening kind", "category", "access"),
    Field.GALA: ("gala", "premiere", "gala premiere", "gala/premiere", "red carpet"),
    Field.RUNTIME: (
        "runtime",
        "duration",
        "length",
        "running time",
        "mins",
        "minutes",
        "runtime mins",
        "runtime minutes",
    ),
    Field.DIRECTORS: ("director", "directors", "dir", "directed by"),
    Field.SECTION: ("section", "strand", "programme", "program", "sidebar", "competition"),
    Field.COUNTRIES: ("country", "countries"),
    Field.YEAR: ("year",),
    Field.PREMIERE_STATUS: ("premiere status",),
    Field.URL: ("url", "link", "website", "web", "page", "film url"),
    Field.NOTES: ("notes", "note", "comments"),
    Field.SYNOPSIS: ("synopsis", "description", "logline"),
}


def normalise_header(header: str) -> str:
    """Lower case, punctuation, underscores and runs of spaces folded to single spaces."""
    return _NON_WORD.sub(" ", header.casefold()).strip()


_HEADER_FIELDS: dict[str, Field] = {
    normalise_header(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}


def _field_for_header(header: str) -> Field | None:
    found = _HEADER_FIELDS.get(normalise_header(header))
    if found is None:
        # "Runtime (mins)" or "Date [dd/mm]": the bracket is a hint for humans, not the meaning.
        found = _HEADER_FIELDS.get(normalise_header(_BRACKETED.sub(" ", header)))
    return found


def guess_mapping(headers: Sequence[str]) -> dict[int, Field]:
    """Column index -> field for the headers we recognise; the first column of a meaning wins."""
    mapping: dict[int, Field] = {}
    taken: set[Field] = set()
    for index, header in enumerate(headers):
        found = _field_for_header(header)
        if found is not None and found not in taken:
            mapping[index] = found
            taken.add(found)
    return mapping


def _column_name(headers: Sequence[str], index: int) -> str:
    return headers[index] if index < len(headers) and headers[index] else f"Column {index + 1}"


def _join(words: Sequence[str], conjunction: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _check_mapping(
    mapping: Mapping[int, Field | str], headers: Sequence[str]
) -> tuple[dict[int, Field], list[Problem]]:
    problems: list[Problem] = []
    used: dict[int, Field] = {}
    columns_of: dict[Field, list[int]] = {}
    for index, meaning in sorted(mapping.items()):
        try:
            field = Field(meaning)
        except ValueError:
            problems.append(_file_error(f"'{meaning}' is not something a column can mean."))
            continue
        if not 0 <= index < len(headers):
            problems.append(
                _file_error(
                    f"The mapping marks column {index + 1} as {field.label}, "
                    f"but the file has only {len(headers)} columns."
                )
            )
            continue
        used[index] = field
        columns_of.setdefault(field, []).append(index)
    for field, indexes in columns_of.items():
        if len(indexes) > 1:
            names = _join([f"'{_column_name(headers, i)}'" for i in indexes])
            problems.append(
                _file_error(f"Columns {names} are all marked as {field.label}; choose one.")
            )
    missing = [f.label for f in REQUIRED_FIELDS if f not in columns_of]
    if Field.VENUE not in columns_of and Field.SCREEN not in columns_of:
        missing.append(f"{Field.VENUE.label} (or {Field.SCREEN.label})")
    if missing:
        pronoun = "one" if len(missing) == 1 else "them"
        problems.append(
            _file_error(
                f"No column is marked as {_join(missing)}. Choose {pronoun} in the mapping."
            )
        )
    return used, problems


def _file_error(message: str) -> Problem:
    return Problem(row=None, column=None, message=message, severity=Severity.ERROR)


# --- Values -----------------------------------------------------------------------------------

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MONTHS: dict[str, int] = {
    **{name.casefold(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3].casefold(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_WEEKDAYS: dict[str, int] = {
    **{name.casefold(): number for number, name in enumerate(_WEEKDAY_NAMES)},
    **{name[:3].casefold(): number for number, name in enumerate(_WEEKDAY_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}

_LEADING_WORD = re.compile(r"([a-z]+)\.?,? (.+)")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]00:00(?::00)?)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?")
_DATE_PUNCTUATION = re.compile(r"[,./\-\s]+")
_WORDY_DATE = re.compile(
    r"(?:(?P<day1>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<month1>[a-z]+)"
    r"|(?P<month2>[a-z]+) (?P<day2>\d{1,2})(?:st|nd|rd|th)?)"
    r"(?: (?P<year>\d{4}|\d{2}))?"
)


def _show_date(day: date) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"The date '{text}' does not exist.") from None


def _full_year(digits: str | None, default: int) -> int:
    if digits is None:
        return default
    # Two-digit years in a festival programme are this century.
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def _read_date(text: str, *, year: int, order: DateOrder | None) -> tuple[date, int | None]:
    """The date and the weekday (0 = Monday) the text names before it, if any."""
    cleaned = " ".join(text.casefold().split())
    weekday: int | None = None
    leading = _LEADING_WORD.fullmatch(cleaned)
    if leading and leading.group(1) in _WEEKDAYS:
        weekday = _WEEKDAYS[leading.group(1)]
        cleaned = leading.group(2)
    if match := _ISO_DATE.fullmatch(cleaned):
        y, m, d = (int(part) for part in match.groups())
        return _make_date(y, m, d, text), weekday
    if match := _NUMERIC_DATE.fullmatch(cleaned):
        first, second = int(match.group(1)), int(match.group(2))
        full_year = _full_year(match.group(3), year)
        if first > 12 or second > 12 or first == second:
            # A part above 12 can only be the day; equal parts read the same either way.
            day_first = first > 12 or first == second
        elif order is not None:
            day_first = order == DateOrder.DAY_FIRST
        elif first and second:
            raise ValueError(
                f"The date '{text}' could be {first} {_MONTH_NAMES[second - 1]} "
                f"or {second} {_MONTH_NAMES[first - 1]}: choose day-first or month-first."
            )
        else:
            raise ValueError(f"The date '{text}' does not exist.")
        d, m = (first, second) if day_first else (second, first)
        return _make_date(full_year, m, d, text), weekday
    match = _WORDY_DATE.fullmatch(_DATE_PUNCTUATION.sub(" ", cleaned).strip())
    if match:
        month_word = match.group("month1") or match.group("month2")
        day_digits = match.group("day1") or match.group("day2")
        if month_word in _MONTHS:
            full_year = _full_year(match.group("year"), year)
            return _make_date(full_year, _MONTHS[month_word], int(day_digits), text), weekday
    raise ValueError(f"Cannot read the date '{text}'; write it like 5 August 2023 or 2023-08-05.")


def parse_date(text: str, *, year: int, order: DateOrder | None) -> date:
    """A festival date as spreadsheets write it; `year` fills in dates written without one."""
    return _read_date(text, year=year, order=order)[0]


def _parse_weekday(text: str) -> int | None:
    return _WEEKDAYS.get(text.casefold().strip(" .,"))


_TIME_24 = re.compile(r"(\d{1,2})(?:[:.h](\d{2})(?::(\d{2}))?|h)")
_TIME_12 = re.compile(r"(\d{1,2})(?:[:.](\d{2})(?::(\d{2}))?)? ?([ap])\.? ?m\.?")
_NOON = frozenset({"noon", "12 noon", "midday", "12 midday"})
_MIDNIGHT = frozenset({"midnight", "12 midnight"})


# Late shows: a start before this hour may be listed under the evening before, and is worth a
# second look either way; `24:30`-style times run up to it too.
LATE_SHOWS_UNTIL = time(6, 0)


@dataclass(frozen=True)
class _Clock:
    at: time
    next_day: bool = False  # written past 24:00: 24:30 is 00:30 the next morning
    twelve_hour: bool = False  # written with AM or PM
    # Written on the 24-hour clock with an hour (1 to 12) that, without AM or PM, might be on
    # the 12-hour clock too: 8:45 could be 20:45.
    bare: bool = False


def _is_twelve_hour(text: str) -> bool:
    return _TIME_12.fullmatch(" ".join(text.casefold().split())) is not None


def _read_clock(text: str, *, past_midnight: bool) -> _Clock:
    cleaned = " ".join(text.casefold().split())
    if cleaned in _NOON:
        return _Clock(time(12, 0))
    if cleaned in _MIDNIGHT:
        return _Clock(time(0, 0))
    hour = minute = second = -1
    twelve_hour = False
    if match := _TIME_12.fullmatch(cleaned):
        twelve = int(match.group(1))
        if 1 <= twelve <= 12:
            hour = twelve % 12 + (12 if match.group(4) == "p" else 0)
            minute = int(match.group(2) or 0)
            second = int(match.group(3) or 0)
            twelve_hour = True
    elif match := _TIME_24.fullmatch(cleaned):
        hour = int(match.group(1))
        minute = int(match.group(2) or 0)
        second = int(match.group(3) or 0)
    if 0 <= minute <= 59 and 0 <= second <= 59:
        # Seconds (from Excel's 18:15:00) mean nothing in a programme.
        if 0 <= hour <= 23:
            return _Clock(
                time(hour, minute),
                twelve_hour=twelve_hour,
                bare=not twelve_hour and 1 <= hour <= 12,
            )
        if past_midnight and 24 <= hour < 24 + LATE_SHOWS_UNTIL.hour:
            return _Clock(time(hour - 24, minute), next_day=True)
    raise ValueError(f"Cannot read the time '{text}'; write it like 18:15 or 6:15 PM.")


def parse_time(text: str) -> time:
    """A wall-clock time: 18:15, 18.15, 18h15, 6:15 PM, 6pm, noon, midnight.

    (A file's start and end cells may also say 24:30 for 00:30 the next morning.)
    """
    return _read_clock(text, past_midnight=False).at


_MINUTE_UNIT = r"(?:m|mn|min|mins|minutes?|'|’|′)?\.?"
_RUNTIME_MINUTES = re.compile(rf"(\d{{1,4}}) ?{_MINUTE_UNIT}")
_RUNTIME_HOURS = re.compile(
    rf"(\d{{1,2}}) ?(?:h|hr|hrs|hours?)\.?(?: ?(\d{{1,2}}) ?{_MINUTE_UNIT})?"
)
_RUNTIME_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")


MAX_RUNTIME_MINUTES = 1500  # as rules.clean_film: 25 hours, longer than any screening


def parse_runtime(text: str) -> int:
    """A film's length in minutes: 120, 120 min, 120', 2h, 2h 5m, 1h45, 1:45."""
    cleaned = " ".join(text.casefold().split())
    minutes = -1
    if match := _RUNTIME_MINUTES.fullmatch(cleaned):
        minutes = int(match.group(1))
    elif (match := _RUNTIME_HOURS.fullmatch(cleaned) or _RUNTIME_CLOCK.fullmatch(cleaned)) and (
        int(match.group(2) or 0) < 60
    ):
        minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
    if minutes == 0:
        raise ValueError(f"The runtime '{text}' is zero; give the film's length in minutes.")
    if minutes < 0:
        raise ValueError(
            f"Cannot read the runtime '{text}'; write minutes like 120, or hours like 2h 5m."
        )
    if minutes > MAX_RUNTIME_MINUTES:
        raise ValueError(
            f"The runtime '{text}' is more than {MAX_RUNTIME_MINUTES} minutes; give the film's "
            "length in minutes."
        )
    return minutes


_KINDS: dict[str, ScreeningKind] = {
    normalise_header(word): kind
    for kind, words in {
        ScreeningKind.PRESS: ("press", "press screening", "press only", "p"),
        ScreeningKind.PRESS_INDUSTRY: (
            "pi",
            "p&i",
            "p and i",
            "press & industry",
            "press and industry",
            "press & industry screening",
            "industry",
            "industry screening",
        ),
        ScreeningKind.PUBLIC: ("", "public", "public screening", "general"),
        ScreeningKind.GALA: (
            "gala",
            "gala screening",
            "premiere",
            "gala premiere",
            "red carpet",
            "opening night",
            "closing night",
        ),
    }.items()
    for word in words
}


def parse_kind(text: str) -> ScreeningKind:
    """Who a screening is for; empty means public."""
    found = _KINDS.get(normalise_header(text))
    if found is None:
        raise ValueError(
            f"Unknown screening kind '{text}'; use press, press & industry, public or gala."
        )
    return found


_YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔"})
_NO = frozenset({"no", "n", "false", "0", "", "-"})


def parse_yes_no(text: str) -> bool:
    """A yes/no cell; a cross means yes and an empty cell means no."""
    cleaned = text.strip().casefold()
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    raise ValueError(f"Cannot read '{text}' as yes or no.")


_PREMIERES: dict[str, PremiereStatus] = {
    "world": PremiereStatus.WORLD,
    "wp": PremiereStatus.WORLD,
    "international": PremiereStatus.INTERNATIONAL,
    "intl": PremiereStatus.INTERNATIONAL,
    "int l": PremiereStatus.INTERNATIONAL,
    "ip": PremiereStatus.INTERNATIONAL,
    "european": PremiereStatus.EUROPEAN,
    "ep": PremiereStatus.EUROPEAN,
    "uk": PremiereStatus.UK,
    "u k": PremiereStatus.UK,
    "british": PremiereStatus.UK,
    "ukp": PremiereStatus.UK,
    "none": PremiereStatus.NONE,
    "no": PremiereStatus.NONE,
    "n a": PremiereStatus.NONE,
}


@dataclass(frozen=True)
class PremiereCell:
    """What a premiere cell says: a premiere status of the film, that the screening is the gala
    (a yes in a gala/premiere column), or a national or regional premiere ("Philippine
    premiere"), which is none of the statuses the desk's embargo rules know: kept as `note`
    (added to the row's notes) and the film's status left as it is."""

    status: PremiereStatus | None = None
    gala: bool = False
    note: str = ""


def _fold(text: str) -> str:
    """`normalise_header`, accents dropped: "World Première" reads "world premiere"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return normalise_header("".join(c for c in decomposed if not unicodedata.combining(c)))


def parse_premiere(text: str, *, gala_column: bool = False) -> PremiereCell:
    """A premiere cell: "World Premiere", "WP", "International premiere", "European", "UK
    premiere", "none"; in a gala/premiere column (`gala_column`) also yes/no and the gala
    words ("gala", "premiere", "red carpet"). A blank or "no" says nothing. "<Anything>
    premiere" that is no known status is a national or regional premiere: a note. Raises
    ValueError for anything else."""
    if gala_column:
        plain = text.strip().casefold()
        if plain in _YES or _KINDS.get(normalise_header(text)) is ScreeningKind.GALA:
            return PremiereCell(gala=True)
        if plain in _NO:
            return PremiereCell()
    cleaned = _fold(text)
    if not cleaned:
        return PremiereCell()
    found = _PREMIERES.get(cleaned.removesuffix(" premiere"))
    if found is not None:
        return PremiereCell(status=found)
    if cleaned.endswith(" premiere"):
        return PremiereCell(note=" ".join(text.split()))
    yes_no = " (or yes/no for a gala screening)" if gala_column else ""
    raise ValueError(
        f"Unknown premiere '{text}'; use world, international, European, UK or none{yes_no}. "
        "It was left out."
    )


_YEAR = re.compile(r"\d{4}")


# --- Rows -------------------------------------------------------------------------------------


# Free text that may run over several lines; every other cell is one line.
_MULTILINE_FIELDS = frozenset({Field.NOTES, Field.SYNOPSIS})
# Cells stored as names and facts: a line break or control character in them is reported.
_STORED_ONE_LINE = (
    Field.TITLE,
    Field.ORIGINAL_TITLE,
    Field.VENUE,
    Field.SCREEN,
    Field.DIRECTORS,
    Field.SECTION,
    Field.COUNTRIES,
    Field.URL,
)
# Cells checked for mojibake: the text that ends up stored and published.
_STORED_TEXT = (
    Field.TITLE,
    Field.ORIGINAL_TITLE,
    Field.VENUE,
    Field.SCREEN,
    Field.DIRECTORS,
    Field.SECTION,
    Field.COUNTRIES,
    Field.SYNOPSIS,
)
_LINE_BREAK_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _quoted(text: str, limit: int = 60) -> str:
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


class _Row:
    """One data row: its cells by field, and the problems found in it."""

    def __init__(
        self, number: int, cells: Sequence[str], columns: Mapping[Field, int], headers: list[str]
    ) -> None:
        self.number = number
        self.problems: list[Problem] = []
        self.failed = False
        self.early_start = False
        self._columns = columns
        self._headers = headers
        self._values: dict[Field, str] = {}
        for field, index in columns.items():
            raw = cells[index].strip() if index < len(cells) else ""
            if field in _MULTILINE_FIELDS:
                self._values[field] = clean_multiline(raw).strip()
                continue
            # A name is one line: a quoted cell's line breaks, tabs, NULs and other control
            # characters become single spaces (PostgreSQL refuses NUL; a title must not wrap).
            self._values[field] = clean_line(raw).strip()
            if field in _STORED_ONE_LINE and _LINE_BREAK_OR_CONTROL.search(raw):
                self.warn(
                    field,
                    f"The {field.label.lower()} had a line break or a control character; it "
                    f"was read as one line: {_quoted(self._values[field])}.",
                )

    def text(self, field: Field) -> str:
        return self._values.get(field, "")

    def column(self, field: Field) -> str | None:
        index = self._columns.get(field)
        return None if index is None else _column_name(self._headers, index)

    def error(self, field: Field | None, message: str) -> None:
        self.failed = True
        self._add(field, message, Severity.ERROR)

    def warn(self, field: Field | None, message: str) -> None:
        self._add(field, message, Severity.WARNING)

    def _add(self, field: Field | None, message: str, severity: Severity) -> None:
        column = None if field is None else self.column(field)
        self.problems.append(Problem(self.number, column, message, severity))


def _weekday_warning(row: _Row, field: Field, claimed: int, day: date) -> None:
    actual = day.weekday()
    if claimed != actual:
        row.warn(
            field,
            f"Row says {_WEEKDAY_NAMES[claimed]} but {_show_date(day)} is a "
            f"{_WEEKDAY_NAMES[actual]}; the date was used.",
        )


def _festival_range(start: date, end: date) -> str:
    if start.year != end.year:
        return f"{_show_date(start)} – {_show_date(end)}"
    if start.month != end.month:
        first = f"{start.day} {_MONTH_NAMES[start.month - 1]}"
        return f"{first} – {_show_date(end)}"
    return f"{start.day}–{end.day} {_MONTH_NAMES[end.month - 1]} {end.year}"


def _far_from_festival(row: _Row, day: date, options: ImportOptions) -> bool:
    """A date so far from the festival that it is a typo (year 1, 9999, '99 for '23): an error,
    since importing it would scatter the calendar, and zone arithmetic overflows near year 1."""
    start, end = options.festival_start, options.festival_end
    margin = timedelta(days=SCREENING_MARGIN_DAYS)
    first, last = start or end, end or start
    if first is None or last is None:
        far = abs(day.year - options.year) > 1
        dates = f"year ({options.year})"
    else:
        far = not first - margin <= day <= last + margin
        dates = f"dates ({_festival_range(first, last)})"
    far = far or not EARLIEST_YEAR <= day.year <= LATEST_YEAR
    if far:
        row.error(
            Field.DATE,
            f"{_show_date(day)} is too far from the festival's {dates}; check the year.",
        )
    return far


def _check_festival_dates(row: _Row, day: date, options: ImportOptions) -> None:
    start, end = options.festival_start, options.festival_end
    shown = _show_date(day)
    if start is not None and end is not None:
        if not start <= day <= end:
            row.warn(
                Field.DATE,
                f"{shown} is outside the festival's dates ({_festival_range(start, end)}).",
            )
    elif start is not None and day < start:
        row.warn(Field.DATE, f"{shown} is before the festival's first day ({_show_date(start)}).")
    elif end is not None and day > end:
        row.warn(Field.DATE, f"{shown} is after the festival's last day ({_show_date(end)}).")


def _read_row_date(row: _Row, options: ImportOptions) -> date | None:
    text = row.text(Field.DATE)
    if not text:
        row.error(Field.DATE, "The date is empty.")
        return None
    try:
        day, claimed = _read_date(text, year=options.year, order=options.date_order)
    except ValueError as exc:
        row.error(Field.DATE, str(exc))
        return None
    if _far_from_festival(row, day, options):
        return None
    if claimed is not None:
        _weekday_warning(row, Field.DATE, claimed, day)
    weekday_text = row.text(Field.WEEKDAY)
    if weekday_text:
        weekday = _parse_weekday(weekday_text)
        if weekday is None:
            row.warn(
                Field.WEEKDAY, f"Cannot read the day of week '{weekday_text}'; the date was used."
            )
        else:
            _weekday_warning(row, Field.WEEKDAY, weekday, day)
    _check_festival_dates(row, day, options)
    return day


def _read_time(row: _Row, field: Field, twelve_hour_fields: frozenset[Field]) -> _Clock | None:
    text = row.text(field)
    if not text:
        if field is Field.TIME:
            row.error(field, "The start time is empty.")
        return None
    try:
        clock = _read_clock(text, past_midnight=True)
    except ValueError as exc:
        row.error(field, str(exc))
        return None
    if clock.bare and field in twelve_hour_fields:
        # "8:45" among "6:15 PM"s: read on the 24-hour clock as written, but it is a guess.
        other = time((clock.at.hour + 12) % 24, clock.at.minute)
        row.warn(
            field,
            f"'{text}' has no AM or PM, unlike other times in this column: it was read as "
            f"{clock.at:%H:%M}, not {other:%H:%M}. Check it, and add AM or PM in the file.",
        )
    return clock


def _show_day(day: date) -> str:
    return f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"


def _local_start(row: _Row, day: date, start: _Clock, options: ImportOptions) -> datetime:
    """The start's wall-clock date and time; every start before LATE_SHOWS_UNTIL is a warning."""
    local = datetime.combine(day, start.at)
    written = row.text(Field.TIME)
    if start.next_day:
        local += timedelta(days=1)
        row.warn(
            Field.TIME,
            f"'{written}' was read as {start.at:%H:%M} on {_show_day(local.date())}, "
            f"the morning after {_show_day(day)}.",
        )
    elif start.at < LATE_SHOWS_UNTIL and options.late_shows_on_evening_date:
        local += timedelta(days=1)
        row.warn(
            Field.TIME,
            f"Starts at {start.at:%H:%M} under {_show_day(day)}: read as a late show, "
            f"{_show_day(local.date())} at {start.at:%H:%M}.",
        )
    elif start.at < LATE_SHOWS_UNTIL:
        row.early_start = True
        if start.at.hour >= 2:
            message = (
                f"Starts at {start.at:%H:%M} – an unusual hour; check it is not a PM screening."
            )
        else:
            message = (
                f"Starts at {start.at:%H:%M} on {_show_day(day)}, after midnight: a day early "
                "if the file lists late shows under the evening's date."
            )
        row.warn(Field.TIME, message)
    return local


def _to_utc(row: _Row, field: Field, local: datetime, zone: str) -> datetime | None:
    try:
        return local_to_utc(local, zone, field=str(field))
    except InvalidInput as exc:
        row.error(field, exc.message)
        return None


def _read_schedule(
    row: _Row, options: ImportOptions, twelve_hour_fields: frozenset[Field]
) -> tuple[datetime | None, datetime | None, int | None]:
    """Start, end (if given) and runtime (if given) of the row's screening."""
    day = _read_row_date(row, options)
    start = _read_time(row, Field.TIME, twelve_hour_fields)
    starts_at = ends_at = None
    local_start: datetime | None = None
    if day is not None and start is not None:
        local_start = _local_start(row, day, start, options)
        starts_at = _to_utc(row, Field.TIME, local_start, options.timezone)
    end = _read_time(row, Field.END_TIME, twelve_hour_fields)
    if day is not None and local_start is not None and end is not None:
        end_time = end.at
        local_end = datetime.combine(day, end_time) + timedelta(days=int(end.next_day))
        # An end at or before the start is after midnight: the screening runs into the next day.
        while local_end <= local_start:
            local_end += timedelta(days=1)
        ends_at = _to_utc(row, Field.END_TIME, local_end, options.timezone)
        if (
            starts_at is not None
            and ends_at is not None
            and ends_at - starts_at > timedelta(hours=12)
        ):
            hours = (ends_at - starts_at) // timedelta(hours=1)
            row.warn(
                Field.END_TIME,
                f"Ends {hours} hours after it starts ({end_time:%H:%M} the next day); "
                "check the start and end times.",
            )
    runtime: int | None = None
    runtime_text = row.text(Field.RUNTIME)
    if runtime_text:
        try:
            runtime = parse_runtime(runtime_text)
        except ValueError as exc:
            row.error(Field.RUNTIME, str(exc))
    return starts_at, ends_at, runtime


def _read_kind(row: _Row, gala: bool) -> ScreeningKind:
    kind = ScreeningKind.PUBLIC
    try:
        kind = parse_kind(row.text(Field.KIND))
    except ValueError as exc:
        row.error(Field.KIND, str(exc))
    if gala:
        # A gala flag wins over any kind: the red carpet is what the desk must plan for.
        kind = ScreeningKind.GALA
    return kind


def _read_premiere(row: _Row) -> PremiereCell:
    """The gala flag and the film's premiere status, from a premiere-status column and a
    gala/premiere one (`gala_premiere`, `premiere`); the status column wins when both name one.
    An unreadable cell is a warning naming its value, and says nothing: the screening imports
    as its kind, the film keeps its status."""
    gala = False
    status: PremiereStatus | None = None
    notes: list[str] = []
    for field in (Field.PREMIERE_STATUS, Field.GALA):
        text = row.text(field)
        if not text:
            continue
        try:
            cell = parse_premiere(text, gala_column=field is Field.GALA)
        except ValueError as exc:
            row.warn(field, str(exc))
            continue
        gala = gala or cell.gala
        status = status or cell.status
        if cell.note:
            notes.append(cell.note)
            row.warn(
                field,
                f"'{cell.note}' is a national or regional premiere, not a world, international, "
                "European or UK one: the film's premiere status was left as it is.",
            )
    return PremiereCell(status=status, gala=gala, note="\n".join(notes))


def _read_venue(row: _Row) -> str:
    venue, screen = row.text(Field.VENUE), row.text(Field.SCREEN)
    name = f"{venue} – {screen}" if venue and screen else venue or screen
    column = Field.VENUE if row.column(Field.VENUE) is not None else Field.SCREEN
    if not name:
        row.error(column, "The venue is empty.")
    elif venue and is_placeholder(venue):
        row.warn(
            Field.VENUE,
            f"The venue is '{venue}', a placeholder, not a venue: set the real venue in the "
            "file or fix the screening after importing.",
        )
    elif screen and not venue and row.column(Field.VENUE) is not None:
        row.warn(
            Field.VENUE,
            f"The venue is blank; only the screen '{screen}' is given, so it is imported as a "
            "venue of its own.",
        )
    elif len(name) > _MAX_VENUE_LENGTH:
        row.error(column, f"The venue name is longer than {_MAX_VENUE_LENGTH} characters.")
    return name


def _read_details(row: _Row) -> tuple[int | None, str]:
    """Film details that are only warnings when unreadable: year, web page."""
    year: int | None = None
    year_text = row.text(Field.YEAR)
    if year_text:
        if _YEAR.fullmatch(year_text) and 1880 <= int(year_text) <= 2100:
            year = int(year_text)
        else:
            row.warn(Field.YEAR, f"Cannot read the year '{year_text}'; it was left out.")
    url = row.text(Field.URL)
    if url and not url.casefold().startswith(("http://", "https://")):
        row.warn(
            Field.URL,
            f"'{url}' is not a web address (it should start with https://); it was left out.",
        )
        url = ""
    return year, url


def _check_mojibake(row: _Row) -> None:
    """Refuse text garbled by an encoding mistake made before the file reached us (a cell
    copied from a spreadsheet that had read UTF-8 as Windows-1252): stored, it would make a
    second film or venue and be published as it is."""
    for field in _STORED_TEXT:
        text = row.text(field)
        if not text or text.isascii():
            continue
        fixed = ftfy.fix_encoding_and_explain(text)
        if fixed.explanation and fixed.text != text:
            row.error(
                field,
                f"{_quoted(text)} is garbled (text saved as UTF-8 and read as Windows-1252 "
                f"somewhere along the way); it probably reads {_quoted(fixed.text)}. Correct "
                "it in the file and upload the file again.",
            )


def _parse_row(
    row: _Row, options: ImportOptions, twelve_hour_fields: frozenset[Field] = frozenset()
) -> ParsedRow | None:
    title = row.text(Field.TITLE)
    if not title:
        row.error(Field.TITLE, "The film title is empty.")
    _check_mojibake(row)
    starts_at, ends_at, runtime = _read_schedule(row, options, twelve_hour_fields)
    venue = _read_venue(row)
    premiere = _read_premiere(row)
    kind = _read_kind(row, premiere.gala)
    year, url = _read_details(row)
    for field, limit in _MAX_LENGTHS.items():
        if len(row.text(field)) > limit:
            row.error(field, f"The {field.label.lower()} is longer than {limit} characters.")
    if row.failed or starts_at is None:
        return None
    return ParsedRow(
        row=row.number,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        runtime_minutes=runtime,
        venue=venue,
        kind=kind,
        original_title=row.text(Field.ORIGINAL_TITLE),
        directors=row.text(Field.DIRECTORS),
        section=row.text(Field.SECTION),
        countries=row.text(Field.COUNTRIES),
        year=year,
        premiere_status=premiere.status,
        url=url,
        notes="\n".join(note for note in (row.text(Field.NOTES), premiere.note) if note),
        synopsis=row.text(Field.SYNOPSIS),
    )


def _is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone '{zone}'.", field="timezone") from None


def _samples(headers: Sequence[str], data_rows: Sequence[tuple[int, list[str]]]) -> list[str]:
    samples = [""] * len(headers)
    for _number, cells in data_rows[:50]:
        for index, cell in enumerate(cells[: len(headers)]):
            if not samples[index] and cell.strip():
                samples[index] = cell.strip()[:80]
    return samples


def _odd_encoding_warnings(row: _Row, encoding: str, file_encoding: str) -> None:
    for field in row._columns:
        text = row.text(field)
        if text and not text.isascii():
            row.warn(
                field,
                f"This row is in {_ENCODING_NAMES[encoding]}, unlike the rest of the file "
                f"({_ENCODING_NAMES[file_encoding]}), as if pasted from another file; it was "
                f"read as {_ENCODING_NAMES[encoding]}: check {_quoted(text)}.",
            )


def parse_programme(
    data: bytes, options: ImportOptions, mapping: Mapping[int, Field] | None = None
) -> ParsedFile:
    """Read an uploaded CSV programme. `mapping`, when given, replaces the guessed one entirely.

    Raises ImportRefused when the file cannot be used at all; everything else is a Problem.
    """
    _check_zone(options.timezone)
    decoded = _decode(data)
    hinted, text = _sep_hint(decoded.text)
    delimiter = hinted or _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[list[str]] = []
    last_lines: list[int] = []  # the text line each record ends on
    try:
        for cells in reader:
            records.append(cells)
            last_lines.append(reader.line_num)
    except csv.Error as exc:
        raise ImportRefused(f"The file cannot be read as CSV: {exc}.", field="file") from None
    # Spreadsheet row numbers count records, so a quoted cell spanning lines is still one row.
    numbered = [(index + 1, cells) for index, cells in enumerate(records) if not _is_blank(cells)]
    if not numbered:
        raise ImportRefused("The file is empty.", field="file")
    # Rows in another encoding than the rest of the file, by row number.
    skipped = 0 if hinted is None else 1
    odd_rows = {
        bisect.bisect_left(last_lines, line - skipped) + 1: encoding
        for line, encoding in decoded.odd_lines.items()
        if line > skipped
    }
    headers = [clean_line(cell).strip() for cell in numbered[0][1]]
    data_rows = numbered[1:]
    used, problems = _check_mapping(guess_mapping(headers) if mapping is None else mapping, headers)
    result = ParsedFile(
        encoding=decoded.encoding,
        headers=headers,
        mapping=used,
        rows=[],
        problems=problems,
        row_count=len(data_rows),
        delimiter=delimiter,
        samples=_samples(headers, data_rows),
    )
    if not data_rows:
        problems.append(_file_error("The file has a header but no screenings."))
    if problems:
        return result
    if numbered[0][0] in odd_rows:
        problems.append(
            Problem(
                None,
                None,
                f"The header row is in {_ENCODING_NAMES[odd_rows[numbered[0][0]]]}, unlike the "
                f"rest of the file ({_ENCODING_NAMES[decoded.encoding]}); check its column names.",
                Severity.WARNING,
            )
        )
    columns = {field: index for index, field in used.items()}
    # A time column where some cells say AM or PM: a bare "8:45" in it may mean 20:45.
    twelve_hour_fields = frozenset(
        field
        for field in (Field.TIME, Field.END_TIME)
        if field in columns
        and any(
            columns[field] < len(cells) and _is_twelve_hour(cells[columns[field]])
            for _number, cells in data_rows
        )
    )
    seen: dict[tuple[str, str, datetime], int] = {}
    for number, cells in data_rows:
        row = _Row(number, cells, columns, headers)
        if number in odd_rows:
            _odd_encoding_warnings(row, odd_rows[number], decoded.encoding)
        if len(cells) > len(headers) and not _is_blank(cells[len(headers) :]):
            row.warn(None, "The row has more cells than the header has columns; extras ignored.")
        parsed = _parse_row(row, options, twelve_hour_fields)
        if row.early_start:
            result.early_start_rows.append(number)
        if parsed is not None:
            key = (name_key(parsed.title), name_key(parsed.venue), parsed.starts_at)
            if key in seen:
                row.warn(None, f"Same film, venue and start as row {seen[key]}; imported once.")
            else:
                seen[key] = number
                result.rows.append(parsed)
        problems.extend(row.problems)
    return result


# --- Stored parses ----------------------------------------------------------------------------
# An upload is parsed once per reading (options and mapping) and the result kept with it, so a
# preview reload or the confirm reads JSON instead of parsing up to 5 MB again (issue 13,
# "Bounded work"). Bump PARSE_FORMAT whenever ParsedFile, ParsedRow or Problem change shape, or
# parsing changes what it reads: a stored parse of another format is parsed again.

PARSE_FORMAT: Final = 1


def parse_key(options: ImportOptions, mapping: Mapping[int, Field] | None) -> str:
    """A digest of everything a parse depends on besides the file: the festival's zone, year
    and dates, the date order, the late-show reading and the column mapping (None: guessed)."""
    facts = {
        "options": {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in dataclasses.asdict(options).items()
        },
        "mapping": None if mapping is None else sorted((i, str(f)) for i, f in mapping.items()),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def dump_parse(result: ParsedFile | ImportRefused, key: str) -> str:
    """JSON for a parse (or the refusal of the file) made with the reading `key` names."""
    document: dict[str, object] = {"format": PARSE_FORMAT, "key": key}
    if isinstance(result, ImportRefused):
        document["refused"] = {"message": result.message, "field": result.field}
    else:
        document["file"] = {
            "encoding": result.encoding,
            "headers": result.headers,
            "mapping": [[index, str(field)] for index, field in result.mapping.items()],
            "rows": [
                {
                    **dataclasses.asdict(row),
                    "starts_at": row.starts_at.isoformat(),
                    "ends_at": None if row.ends_at is None else row.ends_at.isoformat(),
                }
                for row in result.rows
            ],
            "problems": [dataclasses.asdict(problem) for problem in result.problems],
            "row_count": result.row_count,
            "delimiter": result.delimiter,
            "samples": result.samples,
            "early_start_rows": result.early_start_rows,
        }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def load_parse(stored: str | None, key: str) -> ParsedFile | ImportRefused | None:
    """The parse `dump_parse` stored for the reading `key`; None when there is none, it was made
    with another reading or format, or it cannot be read (the caller parses the file again)."""
    if not stored:
        return None
    try:
        document = json.loads(stored)
        if document.get("format") != PARSE_FORMAT or document.get("key") != key:
            return None
        if "refused" in document:
            refused = document["refused"]
            return ImportRefused(refused["message"], field=refused["field"])
        data = document["file"]
        return ParsedFile(
            encoding=data["encoding"],
            headers=list(data["headers"]),
            mapping={int(index): Field(field) for index, field in data["mapping"]},
            rows=[_load_row(row) for row in data["rows"]],
            problems=[
                Problem(p["row"], p["column"], p["message"], Severity(p["severity"]))
                for p in data["problems"]
            ],
            row_count=data["row_count"],
            delimiter=data["delimiter"],
            samples=list(data["samples"]),
            early_start_rows=list(data["early_start_rows"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        # Damaged or from an older version of this code: parsing again is always correct.
        return None


def _load_row(data: dict) -> ParsedRow:
    premiere = data.pop("premiere_status")
    ends_at = data.pop("ends_at")
    return ParsedRow(
        **data
        | {
            "starts_at": datetime.fromisoformat(data["starts_at"]),
            "ends_at": None if ends_at is None else datetime.fromisoformat(ends_at),
            "kind": ScreeningKind(data["kind"]),
            "premiere_status": None if premiere is None else PremiereStatus(premiere),
        }
    )
