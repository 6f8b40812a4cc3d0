"""The password policy: what a new password must be, whoever sets it (an admin creating an
account, the user changing it, a reset link, `flask create-user`).

Source: OWASP ASVS 4.0.3 V2.1 (password security): at least 12 characters (2.1.1), long
passphrases allowed (2.1.2: at least 64; ours is `field_limits.PASSWORD`, which also bounds the
hashing work), no composition rules (2.1.9), and refused when it is a known breached or common
password (2.1.7). The common passwords are the 30,000 most frequent in leaked password dumps as
shipped by zxcvbn (Dropbox's estimator, maintained on PyPI as `zxcvbn`): a list we need not keep
ourselves. A password that is the account's own email, its local part or the person's name, or
is made of their words with little else ("Sam Carter Sam Carter", "samcarter2026!"), is refused
too (the first thing an attacker who knows the account tries).

Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from coverage import field_limits

MIN_LENGTH = 12
# Anything between the words of a name, an email or a password: spaces, punctuation, "_".
_SEPARATORS = re.compile(r"[\W_]+")
MAX_LENGTH = field_limits.PASSWORD


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords, lower-cased (loaded on first use, then kept)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


# zxcvbn's score, 0-4: below 2 is "too guessable" / "very guessable" (runs such as
# 123456789012, qwertyuiopasdf, aaaaaaaaaaaa) that no list of leaked passwords holds.
MIN_ZXCVBN_SCORE = 2
# zxcvbn's matching grows faster than linearly with length; the first 64 characters decide.
_SCORED_PREFIX = 64


def _guessability(password: str) -> int:
    from zxcvbn import zxcvbn

    return int(zxcvbn(password[:_SCORED_PREFIX])["score"])


def _plain(text: str) -> str:
    """`text` as compared with the account's words: compatibility forms folded (full-width
    letters), accents dropped (typed decomposed or not), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFKC", bare.casefold())


def _without_personal_words(plain: str, personal_words: list[str]) -> str:
    """`plain` with every occurrence of the account's words (longest first) taken out."""
    for word in sorted(personal_words, key=len, reverse=True):
        plain = plain.replace(word, " ")
    return plain


def _personal_words(email: str, name: str) -> list[str]:
    """The words an attacker who knows the account tries first: the email, its local part and
    domain labels, the name, each of their words (split at any punctuation: "Mary-Jane",
    "O'Brien", "sam+desk") and each run together ("maryjanesmith")."""
    email, name = _plain(email), _plain(name)
    local, _, domain = email.partition("@")
    words = [email, local, name]
    for part in (local, name):
        pieces = [piece for piece in _SEPARATORS.split(part) if piece]
        words += [*pieces, "".join(pieces)]
    words += [label for label in _SEPARATORS.split(domain) if len(label) > 2]
    return sorted({word for word in words if len(word) > 1})


def password_problem(
    password: str, *, email: str = "", name: str = "", label: str = "Password"
) -> str | None:
    """Why `password` is refused, as a sentence starting with the field's `label`; None when
    it is acceptable. Length is counted in characters (a passphrase in any script counts the
    same), comparisons ignore case and surrounding spaces. The message never repeats the
    password."""
    if len(password) < MIN_LENGTH:
        return f"{label} must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"{label} must be at most {MAX_LENGTH} characters long."
    folded = password.strip().casefold()
    if folded in common_passwords() or folded.replace(" ", "") in common_passwords():
        return f"{label} is one of the most common passwords; choose one that is harder to guess."
    email, name = email.strip().casefold(), name.strip().casefold()
    personal = {email, email.partition("@")[0], name} - {""}
    if folded in personal or folded.replace(" ", "") in {p.replace(" ", "") for p in personal}:
        return f"{label} must not be your email address or your name."
    if _guessability(password) < MIN_ZXCVBN_SCORE:
        return (
            f"{label} is too easy to guess (a keyboard run, a sequence or repeated characters); "
            "a few unrelated words make a strong one."
        )
    # "Sam Carter Sam Carter", "samcarter2026!": the account's words dressed up. What is left
    # without them must be strong on its own.
    plain = _plain(password)
    rest = _without_personal_words(plain, _personal_words(email, name))
    # Separators and punctuation left between the words add nothing ("sam_carter_2026").
    core = _SEPARATORS.sub("", rest)
    if rest != plain and (not core or _guessability(core) < MIN_ZXCVBN_SCORE):
        return f"{label} must not be made of your email address or your name."
    return None
