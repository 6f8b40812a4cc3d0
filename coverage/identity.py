"""The install's identity: the domain in calendar event UIDs and Atom entry ids.

Subscribers' calendars and feed readers key events and entries on those ids, so the domain must
never change once anyone has subscribed. It is therefore chosen once, at first use (the first
calendar or Atom feed served), from CALENDAR_UID_DOMAIN, else PUBLIC_BASE_URL's host, else
FALLBACK_DOMAIN, and stored in the database; from then on the stored domain is used whatever
the settings say. Setting PUBLIC_BASE_URL later, as the README's production step says, no
longer renames every event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from coverage.dbtypes import UTCDateTime
from coverage.extensions import db
from coverage.timeutil import utcnow
from coverage.upsert import dialect_insert

log = logging.getLogger(__name__)

UID_DOMAIN_KEY = "uid_domain"
FALLBACK_DOMAIN = "festival-coverage.local"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_CACHE = "coverage.identity"


class InstallSetting(db.Model):
    """A value fixed once for the whole install (several app servers share it)."""

    __tablename__ = "install_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _domain_or_none(candidate: str | None) -> str | None:
    name = (candidate or "").strip().lower().rstrip(".")
    return name if name and _DNS_NAME.match(name) else None


def configured_uid_domain(config: Mapping) -> str:
    """The domain the settings name: CALENDAR_UID_DOMAIN, else PUBLIC_BASE_URL's host, else
    FALLBACK_DOMAIN. Only consulted until a domain is stored."""
    explicit = config.get("CALENDAR_UID_DOMAIN") or ""
    if explicit and _domain_or_none(explicit) is None:
        log.warning("CALENDAR_UID_DOMAIN %r is not a domain name; ignored", explicit)
    public = urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname
    return _domain_or_none(explicit) or _domain_or_none(public) or FALLBACK_DOMAIN


def _insert_once(key: str, value: str):
    """INSERT that leaves an existing row alone (another app server may have won the race)."""
    return (
        dialect_insert(db.engine.dialect.name, InstallSetting)
        .values(key=key, value=value, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )


def uid_domain() -> str:
    """The install's UID domain, stored at first use and the same for ever after.

    Read once per process (it never changes). The first use writes it in a short transaction of
    its own, so the request's session is neither committed nor expired."""
    cache = current_app.extensions.setdefault(_CACHE, {})
    domain = cache.get(UID_DOMAIN_KEY)
    if domain is not None:
        return domain
    query = select(InstallSetting.value).where(InstallSetting.key == UID_DOMAIN_KEY)
    domain = db.session.scalar(query)
    if domain is None:
        with db.engine.begin() as connection:
            connection.execute(
                _insert_once(UID_DOMAIN_KEY, configured_uid_domain(current_app.config))
            )
            domain = connection.execute(query).scalar_one()
        log.info("Calendar UIDs and Atom ids use the domain %s from now on", domain)
    explicit = _domain_or_none(current_app.config.get("CALENDAR_UID_DOMAIN"))
    if explicit is not None and explicit != domain:
        log.warning(
            "CALENDAR_UID_DOMAIN is %s but this install's events already use %s; keeping %s "
            "(changing it would duplicate every subscriber's events)",
            explicit,
            domain,
            domain,
        )
    cache[UID_DOMAIN_KEY] = domain
    return domain
