"""Secret tokens (API and calendar feeds): random, shown once, stored only as a SHA-256 hash.

A token has 256 bits of entropy, so a fast hash is enough; a slow password hash would only
make every API call and feed refresh slower.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
