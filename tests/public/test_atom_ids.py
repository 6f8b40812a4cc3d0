"""Atom entry ids carry the install's stored UID domain: chosen at first use, never moved."""

from __future__ import annotations

import feedparser

from coverage import create_app
from coverage.config import config_for_tests
from coverage.extensions import db
from tests.calendars.helpers import feed_path, ical_events, issue

ALL_FEED = "/film-festivals/feed.atom"


def _ids(client) -> list[str]:
    response = client.get(ALL_FEED)
    assert response.status_code == 200
    return [entry.id for entry in feedparser.parse(response.data).entries]


def test_entry_ids_keep_the_first_domain_whatever_the_settings_say_later(
    app, client, users, programme, publish
):
    """The first feed (here an Atom one, with PUBLIC_BASE_URL set) fixes the domain for Atom ids
    and calendar UIDs alike; a later CALENDAR_UID_DOMAIN or PUBLIC_BASE_URL changes neither."""
    app.config["PUBLIC_BASE_URL"] = "https://films.example.com"
    publish()
    ids = _ids(client)
    assert ids and all(i.startswith("tag:films.example.com,") for i in ids)
    secret = issue(app, users["editor"], "festival", programme["festival"])
    uids = set(ical_events(client.get(feed_path(secret)).data))
    assert uids and all(uid.endswith("@films.example.com") for uid in uids)

    later = create_app(
        {
            **config_for_tests(app.config["SQLALCHEMY_DATABASE_URI"]),
            "PUBLIC_BASE_URL": "https://desk.example.net",
            "CALENDAR_UID_DOMAIN": "calendar.example.net",
        }
    )
    try:
        other = later.test_client()
        assert _ids(other) == ids
        assert set(ical_events(other.get(feed_path(secret)).data)) == uids
    finally:
        with later.app_context():
            db.engine.dispose()
