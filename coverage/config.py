"""Settings, read from the environment (and an optional `.env`), never from code edits."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at start-up so a bad deploy fails loudly."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive_int(env, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings hosts hand out; we drive psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _development_secret_key(instance_path: Path) -> str:
    # Kept in the instance folder, not in the process, so restarts and several local
    # servers share one key and nobody's session is dropped.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    return key


def _home_market(value: str) -> str:
    code = value.strip().upper() or "UK"
    if not (2 <= len(code) <= 3 and code.isalpha()):
        raise ConfigError(f"HOME_MARKET must be a country code such as UK or US, not {value!r}")
    return code


def load_config(instance_path: Path, environ: dict[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from environment variables (documented in the README)."""
    env = os.environ if environ is None else environ
    mode = env.get("COVERAGE_ENV", "development").strip().lower()
    if mode not in {"development", "production"}:
        raise ConfigError(f"COVERAGE_ENV must be 'development' or 'production', not {mode!r}")
    production = mode == "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when COVERAGE_ENV=production")
        secret_key = _development_secret_key(instance_path)

    default_db = f"sqlite:///{instance_path / 'coverage.sqlite'}"
    database_url = normalise_database_url(env.get("DATABASE_URL") or default_db)

    return {
        "COVERAGE_ENV": mode,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # The domain in calendar event UIDs; must never change once feeds are subscribed.
        "CALENDAR_UID_DOMAIN": env.get("CALENDAR_UID_DOMAIN", ""),
        # The publication's name on public pages, feeds and structured data.
        "PUBLICATION_NAME": env.get("PUBLICATION_NAME", "").strip() or "Festival Coverage",
        # The market whose release dates films carry and the house-style footer names.
        "HOME_MARKET": _home_market(env.get("HOME_MARKET", "")),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(6 * 1024 * 1024))),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # Seconds `flask --app app worker` waits between publishing rounds: a scheduled piece
        # goes out at most this long after its time (the desk promises within a minute).
        "WORKER_INTERVAL_SECONDS": _positive_int(env, "WORKER_INTERVAL_SECONDS", 15),
        # SQLite: how long a write waits for another one to finish before it gives up and the
        # request is answered 503 "try again" (see coverage.locking).
        "DATABASE_BUSY_TIMEOUT_SECONDS": _positive_int(env, "DATABASE_BUSY_TIMEOUT_SECONDS", 5),
    }


def config_for_tests(database_url: str) -> dict[str, object]:
    """Overrides for the test suite: a throwaway database and fast password hashing."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "coverage.test",
    }
