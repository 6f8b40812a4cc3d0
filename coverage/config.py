"""Settings, read from the environment (and an optional `.env`), never from code edits."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from coverage.page_store import DEFAULT_MAX_BYTES as STORE_BYTES


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at start-up so a bad deploy fails loudly."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(env, name: str, default: int, *, least: int = 1) -> int:
    """A whole-number setting of at least `least`, else `default` when unset."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < least:
        raise ConfigError(f"{name} must be at least {least}, not {value}")
    return value


def _rate_limit(env, name: str, default: str) -> str:
    """A Flask-Limiter rate such as `5 per 15 minutes` (several joined by `;`), checked now so
    a typo fails the start-up rather than the first log-in."""
    from limits import parse_many

    raw = (env.get(name) or "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        message = f"{name} must be a rate such as '5 per 15 minutes', not {raw!r}"
        raise ConfigError(message) from None
    return raw


def _log_format(env, production: bool) -> str:
    value = (env.get("LOG_FORMAT") or "").strip().lower() or ("json" if production else "text")
    if value not in {"json", "text"}:
        raise ConfigError(f"LOG_FORMAT must be json or text, not {value!r}")
    return value


def _public_base_url(env, production: bool) -> str:
    """PUBLIC_BASE_URL without a trailing slash: required in production, where links in emails
    and feeds must never start with whatever Host header a request carried."""
    from urllib.parse import urlsplit

    raw = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not raw:
        if production:
            raise ConfigError(
                "PUBLIC_BASE_URL must be set when COVERAGE_ENV=production "
                "(the site's public address, such as https://desk.example.com)"
            )
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not _HOST_NAME.fullmatch(parts.hostname or ""):
        raise ConfigError(
            f"PUBLIC_BASE_URL must be an http(s) address such as https://desk.example.com, "
            f"not {raw!r}"
        )
    return raw


def _trusted_hosts(env, public_base_url: str, production: bool) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: the Host headers requests may carry (others are answered 400).

    TRUSTED_HOSTS (comma-separated; `.example.com` takes its subdomains too) plus
    PUBLIC_BASE_URL's host. Production always checks; development checks only when
    TRUSTED_HOSTS is set, so `make run` answers at 127.0.0.1 and a LAN address alike."""
    from urllib.parse import urlsplit

    raw = env.get("TRUSTED_HOSTS") or ""
    listed = [host.strip().lower() for host in raw.split(",") if host.strip()]
    for host in listed:
        if not _HOST_NAME.fullmatch(host):
            raise ConfigError(
                f"TRUSTED_HOSTS holds {host!r}: list host names or IPv4 addresses such as "
                "desk.internal or .example.com, without a scheme, port or path"
            )
    if not listed and not production:
        return None
    public_host = urlsplit(public_base_url).hostname if public_base_url else None
    return ([public_host] if public_host else []) + [h for h in listed if h != public_host]


# A DNS name (labels of 1-63 letters, digits, hyphens; a leading dot for its subdomains) or an
# IPv4 address: what werkzeug's host check compares. No IPv6 literals: it cannot match them.
_HOST_NAME = re.compile(r"\.?(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")


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


SMTP_SECURITY_CHOICES = ("none", "starttls", "ssl")
_SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _mail_settings(env) -> dict[str, object]:
    """SMTP_* and MAIL_FROM: how the worker sends the outbox (empty SMTP_HOST: it does not)."""
    security = (env.get("SMTP_SECURITY") or "none").strip().lower()
    if security not in SMTP_SECURITY_CHOICES:
        raise ConfigError(
            f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_CHOICES)}, not {security!r}"
        )
    host = (env.get("SMTP_HOST") or "").strip()
    username = env.get("SMTP_USERNAME") or ""
    if host and username and security == "none" and host.lower() not in _LOOPBACK_HOSTS:
        raise ConfigError(
            "SMTP_USERNAME is set but SMTP_SECURITY is none: the password would cross the "
            "network unencrypted; set SMTP_SECURITY to starttls or ssl"
        )
    port = _whole_number(env, "SMTP_PORT", _SMTP_DEFAULT_PORTS[security])
    if port > 65535:
        raise ConfigError(f"SMTP_PORT must be at most 65535, not {port}")
    digest_hour = (env.get("DIGEST_HOUR_UTC") or "7").strip()
    if not digest_hour.isdigit() or not 0 <= int(digest_hour) <= 23:
        raise ConfigError(f"DIGEST_HOUR_UTC must be an hour from 0 to 23, not {digest_hour!r}")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": port,
        "SMTP_USERNAME": username,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or "",
        "SMTP_SECURITY": security,
        "SMTP_TIMEOUT_SECONDS": _whole_number(env, "SMTP_TIMEOUT_SECONDS", 20),
        "MAIL_FROM": (env.get("MAIL_FROM") or "").strip() or "Festival desk <desk@localhost>",
        # The hour (UTC) from which the day's digest emails are built.
        "DIGEST_HOUR_UTC": int(digest_hour),
    }


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

    public_base_url = _public_base_url(env, production)
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
        # Flask-Login sends no SameSite on the remember-me cookie unless told (ASVS V3.4.3).
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "Keep me signed in" lasts 30 days, not Flask-Login's year (the session row's idle
        # limit is the same: coverage.accounts.sessions.REMEMBER_IDLE_LIMIT).
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PUBLIC_BASE_URL": public_base_url,
        # Host headers are anyone's to write: checked against this list (Flask answers 400).
        "TRUSTED_HOSTS": _trusted_hosts(env, public_base_url, production),
        # The domain in calendar event UIDs; must never change once feeds are subscribed.
        "CALENDAR_UID_DOMAIN": env.get("CALENDAR_UID_DOMAIN", ""),
        # The publication's name on public pages, feeds and structured data.
        "PUBLICATION_NAME": env.get("PUBLICATION_NAME", "").strip() or "Festival Coverage",
        # The market whose release dates films carry and the house-style footer names.
        "HOME_MARKET": _home_market(env.get("HOME_MARKET", "")),
        "WTF_CSRF_TIME_LIMIT": None,
        # Built public pages, desk page parts and calendar feed bodies each app server keeps
        # (coverage.page_store), in bytes; 0 keeps none.
        "PUBLIC_PAGE_STORE_BYTES": _whole_number(
            env, "PUBLIC_PAGE_STORE_BYTES", STORE_BYTES, least=0
        ),
        "DESK_FRAGMENT_STORE_BYTES": _whole_number(
            env, "DESK_FRAGMENT_STORE_BYTES", STORE_BYTES, least=0
        ),
        # Calendar feed bodies each app server keeps beside the copy in the database.
        "CALENDAR_FEED_STORE_BYTES": _whole_number(
            env, "CALENDAR_FEED_STORE_BYTES", STORE_BYTES, least=0
        ),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(6 * 1024 * 1024))),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # json (one object per line, for log shippers) or text; see coverage.ops.request_log.
        "LOG_FORMAT": _log_format(env, production),
        # Seconds `flask --app app worker` waits between publishing rounds: a scheduled piece
        # goes out at most this long after its time (the desk promises within a minute).
        "WORKER_INTERVAL_SECONDS": _whole_number(env, "WORKER_INTERVAL_SECONDS", 15),
        # SQLite: how long a write waits for another one to finish before it gives up and the
        # request is answered 503 "try again" (see coverage.locking).
        "DATABASE_BUSY_TIMEOUT_SECONDS": _whole_number(env, "DATABASE_BUSY_TIMEOUT_SECONDS", 5),
        **_mail_settings(env),
        # Log-in throttling (coverage.security.throttle): failed log-ins per email typed, and
        # attempts of any outcome per client address, in a fixed window; the same for
        # password-reset requests. Counters are kept in the database unless
        # RATELIMIT_STORAGE_URI names another store (redis://host:6379, with `redis` installed).
        "LOGIN_LIMIT_PER_ACCOUNT": _rate_limit(env, "LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": _rate_limit(env, "LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES": _rate_limit(
            env, "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES", "100 per hour"
        ),
        # Failed log-ins with one known-device cookie (a browser that logged in to the account
        # before, exempt from the ceiling above), so a stolen cookie is no unlimited pass.
        "LOGIN_LIMIT_PER_KNOWN_DEVICE": _rate_limit(
            env, "LOGIN_LIMIT_PER_KNOWN_DEVICE", "10 per hour"
        ),
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": _rate_limit(
            env, "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
        ),
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": _rate_limit(
            env, "PASSWORD_RESET_LIMIT_PER_ADDRESS", "10 per hour"
        ),
        "RATELIMIT_STORAGE_URI": (env.get("RATELIMIT_STORAGE_URI") or "").strip()
        or "coverage+db://",
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
