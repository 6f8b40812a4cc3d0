"""RFC 5545 content lines for the bulk calendar feeds, written without building components.

icalendar builds one object per property and folds every line one character at a time; for a
1,600-event feed that was most of the request. This module writes the same VCALENDAR and VEVENT
lines directly, making each choice icalendar 7 makes, so the bytes are identical (the feeds'
ETags and subscribers' caches do not notice the change; `tests/calendars/test_ical_writer.py`
and the suite-wide `ICAL_CROSSCHECK` prove it against icalendar on every feed the tests build):

- properties in icalendar's canonical order (VCALENDAR: VERSION, PRODID, CALSCALE, DESCRIPTION,
  X-WR-CALDESC, NAME, X-WR-CALNAME, then alphabetical; VEVENT: SUMMARY, DTSTART, DTEND,
  DTSTAMP, UID, SEQUENCE, then alphabetical), names in upper case;
- TEXT escaped as `icalendar.parser.string._escape_char` does (RFC 5545 3.3.11), URI as is,
  and NAME, X-WR-CALNAME, X-WR-CALDESC and X-PUBLISHED-TTL verbatim (icalendar does not know
  their type, so it does not escape them);
- DATE-TIME (3.3.5) as local time with a TZID parameter, or in UTC with a trailing Z when the
  zone is one icalendar counts as UTC (UTC itself and its aliases, also Africa/Abidjan and
  Atlantic/Reykjavik: icalendar's list of zones equivalent to UTC);
- lines folded before they reach 75 octets (3.1) at a character boundary, never after a
  backslash or caret (icalendar keeps an escape pair on one line), continuation lines starting
  with one space; every line ends in CRLF.

Pure functions: no Flask, no database. Nothing here parses; icalendar stays the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from icalendar.timezone import tzid_from_tzinfo

#: A content line reaching this many octets is folded (icalendar: `byte_count + len >= 75`), so
#: a physical line holds at most 74 octets, plus the leading space of a continuation.
FOLD_AT = 75
#: RFC 5545 3.3.8: INTEGER is a signed 32-bit value.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
_FOLD = "\r\n "
_CRLF = "\r\n"
_BACKSLASH, _CARET = 0x5C, 0x5E
_TEXT_SPECIAL = re.compile(r"[\\;,\r\n]")
# Characters that make icalendar put a parameter value in double quotes (`dquote`).
_QUOTABLE = re.compile("[,;:\u2019]")
_RFC_6868 = re.compile(r'\^|\r\n|\r|\n|"')
_RFC_6868_REPLACEMENTS = {"^": "^^", "\r\n": "^n", "\r": "^n", "\n": "^n", '"': "^'"}


class EventRecord(NamedTuple):
    """One VEVENT as a feed writes it: each value exactly as it goes into its property.

    A named tuple: a feed makes thousands, and a frozen dataclass takes several times as long
    to build.

    `dtstart`/`dtend` are aware datetimes: a zoneinfo time (written as local time with TZID) or
    UTC (written with Z); whole seconds are written, microseconds dropped. `stamp` (aware, UTC)
    is both DTSTAMP and LAST-MODIFIED. An empty `location` writes no LOCATION line.
    """

    uid: str
    summary: str
    dtstart: datetime
    dtend: datetime
    stamp: datetime
    sequence: int
    status: str
    location: str
    url: str
    description: str


def escape_text(value: str) -> str:
    r"""A TEXT value (RFC 5545 3.3.11) as icalendar escapes it, in the same order: `\N` is first
    read as a line break, then backslash, semicolon and comma are escaped and every line break
    (CRLF, LF or CR) becomes `\n`."""
    if not _TEXT_SPECIAL.search(value):
        return value  # most values: nothing to escape
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def param_value(value: str) -> str:
    """A parameter value as icalendar writes it: RFC 6868 escapes (`^^`, `^n`, `^'`), then in
    double quotes if it holds `,`, `;`, `:` or a right single quotation mark."""
    value = _RFC_6868.sub(lambda match: _RFC_6868_REPLACEMENTS[match.group(0)], value)
    return f'"{value}"' if _QUOTABLE.search(value) else value


def fold(line: str) -> str:
    """One content line (no line break in it) folded as icalendar folds it.

    A physical line takes as many whole characters as fit in 74 UTF-8 octets; when it would
    end with a backslash or caret, that character moves to the next line, so an escape such as
    `\\,` or `^n` is never split. Continuations start with one space. Returns the folded text
    with CRLF+space between the pieces and no CRLF at the end.
    """
    if line.isascii():
        # One octet per character: the same cut in the text itself, nothing to encode.
        if len(line) < FOLD_AT:
            return line
        parts: list[str] = []
        start, size = 0, len(line)
        while size - start >= FOLD_AT:
            end = start + FOLD_AT - 1
            if line[end - 1] in "\\^":
                end -= 1
            parts.append(line[start:end])
            start = end
        parts.append(line[start:])
        return _FOLD.join(parts)
    data = line.encode()
    if len(data) < FOLD_AT:
        return line
    pieces: list[bytes] = []
    start, size = 0, len(data)
    while size - start >= FOLD_AT:
        end = start + FOLD_AT - 1
        # Back up to the first octet of the character that would straddle the limit.
        while data[end] & 0xC0 == 0x80:
            end -= 1
        # An ASCII octet is a whole character (UTF-8 never reuses them inside a sequence).
        if data[end - 1] in (_BACKSLASH, _CARET):
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return _FOLD.join(piece.decode() for piece in pieces)


@lru_cache(maxsize=256)
def _tzid_parameter(zone: tzinfo) -> str | None:
    """`;TZID=<name>` as icalendar writes it for times in `zone`; None for UTC (written with Z).

    icalendar's own lookup decides which zones count as UTC; cached, as a feed repeats one zone.
    """
    tzid = tzid_from_tzinfo(zone)
    if tzid is None:
        raise ValueError(f"no TZID for time zone {zone!r}")
    return None if tzid == "UTC" else f";TZID={param_value(tzid)}"


def date_time(moment: datetime) -> tuple[str, str]:
    """A DATE-TIME (RFC 5545 3.3.5): (`;TZID=zone` or "", `YYYYMMDDTHHMMSS` with Z for UTC).

    Raises ValueError for a naive (floating) time: the feeds never write one."""
    if moment.tzinfo is None:
        raise ValueError(f"floating time {moment!r}: feeds write zoned or UTC times")
    # %-formatting: twice as fast as an f-string with six format specs, same digits.
    value = "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )
    parameter = _tzid_parameter(moment.tzinfo)
    if parameter is None:
        return "", value + "Z"
    return parameter, value


def duration(delta: timedelta) -> str:
    """A DURATION (RFC 5545 3.3.6) as icalendar writes it: `PT1H`, `P1DT2H30M`, `-PT15M`, `P0D`."""
    sign = ""
    if delta.days < 0:
        sign, delta = "-", -delta
    time_part = ""
    if delta.seconds:
        hours, rest = divmod(delta.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time_part = "T"
        if hours:
            time_part += f"{hours}H"
        if minutes or (hours and seconds):
            time_part += f"{minutes}M"
        if seconds:
            time_part += f"{seconds}S"
    if delta.days == 0 and time_part:
        return f"{sign}P{time_part}"
    return f"{sign}P{delta.days}D{time_part}"


def event_lines(event: EventRecord) -> list[str]:
    """The VEVENT's content lines, folded, without line ends (BEGIN:VEVENT to END:VEVENT).

    ValueError for a SEQUENCE outside RFC 5545's INTEGER range (as icalendar refuses it)."""
    if not INTEGER_MIN <= event.sequence <= INTEGER_MAX:
        raise ValueError(f"SEQUENCE {event.sequence} is outside the RFC 5545 INTEGER range")
    start_params, start = date_time(event.dtstart)
    end_params, end = date_time(event.dtend)
    # icalendar converts DTSTAMP and LAST-MODIFIED to UTC itself.
    _, stamp = date_time(event.stamp.astimezone(UTC))
    lines = [
        "BEGIN:VEVENT",
        fold("SUMMARY:" + escape_text(event.summary)),
        fold(f"DTSTART{start_params}:{start}"),
        fold(f"DTEND{end_params}:{end}"),
        "DTSTAMP:" + stamp,
        fold("UID:" + escape_text(event.uid)),
        f"SEQUENCE:{event.sequence:d}",
        fold("DESCRIPTION:" + escape_text(event.description)),
        "LAST-MODIFIED:" + stamp,
    ]
    if event.location:
        lines.append(fold("LOCATION:" + escape_text(event.location)))
    lines.append(fold("STATUS:" + escape_text(event.status)))
    lines.append(fold("URL:" + event.url))
    lines.append("END:VEVENT")
    return lines


def calendar(
    *,
    prodid: str,
    name: str,
    description: str,
    refresh_interval: timedelta,
    published_ttl: str,
    timezones: Iterable[bytes],
    events: Iterable[EventRecord],
) -> bytes:
    """A whole VCALENDAR (VERSION 2.0, GREGORIAN): its properties, then `timezones` (each a
    serialised VTIMEZONE ending in CRLF, as `vtimezone.vtimezone_ical` returns), then `events`.

    NAME/X-WR-CALNAME carry `name` and DESCRIPTION/X-WR-CALDESC `description`, X-PUBLISHED-TTL
    `published_ttl` (`PT1H`). Returns UTF-8 bytes, every line ending in CRLF. ValueError if
    `name`, `description` or `published_ttl` holds a line break."""
    # icalendar 7 types NAME and the X- properties as "unknown" and writes them verbatim (no
    # TEXT escaping); only DESCRIPTION is escaped. Same bytes here; `name` and `description`
    # must hold no line break (the feeds pass them through `one_line`).
    if any(char in value for value in (name, description, published_ttl) for char in "\r\n"):
        raise ValueError("a calendar's name, description and TTL are single lines")
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        fold("PRODID:" + escape_text(prodid)),
        "CALSCALE:GREGORIAN",
        fold("DESCRIPTION:" + escape_text(description)),
        fold("X-WR-CALDESC:" + description),
        fold("NAME:" + name),
        fold("X-WR-CALNAME:" + name),
        "REFRESH-INTERVAL;VALUE=DURATION:" + duration(refresh_interval),
        fold("X-PUBLISHED-TTL:" + published_ttl),
    ]
    lines: list[str] = []
    for event in events:
        lines.extend(event_lines(event))
    lines.append("END:VCALENDAR")
    return b"".join(
        [
            (_CRLF.join(head) + _CRLF).encode(),
            *timezones,
            (_CRLF.join(lines) + _CRLF).encode(),
        ]
    )
