"""Text as it may be stored: no NUL byte anywhere, one line in single-line fields.

Pure functions, and one ORM hook that applies them to every row the app writes (web forms, the
JSON API, the CLI and the importer's ORM paths alike), so a pasted control character can never
break a page, a calendar feed or PostgreSQL (which refuses NUL in text). Single-line fields are
the `String(n)` columns (names, titles, headlines); `Text` columns keep their line breaks and
tabs.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional embeddings, overrides and isolates: in a one-line name they only ever serve to
# show text reversed (a headline that reads differently in a feed than on the desk).
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# In multi-line text: the same, but tab, line feed and carriage return stay.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
# Lone UTF-16 surrogates: a JSON string can carry one ("\\ud800"), but it is no character, UTF-8
# cannot encode it and PostgreSQL refuses it; it becomes U+FFFD, the replacement character.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _without_surrogates(value: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", value)


def clean_line(value: str) -> str:
    """One line: every control character or line break becomes a space, runs of spaces one,
    a lone surrogate U+FFFD, and the text is NFC-normalised (so "é" typed two ways is stored
    one way)."""
    normalised = _BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", _without_surrogates(value)))
    if not _LINE_BREAKING.search(normalised):
        return normalised  # the common case: nothing to change, spacing kept as typed
    return re.sub(r" {2,}", " ", _LINE_BREAKING.sub(" ", normalised)).strip()


def clean_multiline(value: str) -> str:
    """Multi-line text: control characters other than tab and line ends are dropped, a lone
    surrogate becomes U+FFFD."""
    return _CONTROL_IN_TEXT.sub("", unicodedata.normalize("NFC", _without_surrogates(value)))
