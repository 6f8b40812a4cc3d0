"""Secret feed URLs: hashed at rest, shown once, revocable, never a login; public feeds; CLI."""

from __future__ import annotations

import hashlib
import html
import re

from sqlalchemy import select

from coverage.accounts.models import User
from coverage.calendars.models import FeedToken
from coverage.extensions import db
from coverage.festivals.models import Festival
from tests.calendars.helpers import CALENDAR_TYPE, feed_path, issue, parse_ical

FEED_URL = re.compile(r"https?://[^\s\"'<>]+/calendars/(cal_[A-Za-z0-9_\-]+)\.ics")


def create_feed(client, kind: str, festival: int | None = None):
    data = {"kind": kind}
    if festival is not None:
        data["festival"] = str(festival)
    # As a browser does: the POST redirects to the settings page, which shows the new address.
    return client.post_form("/account/feeds", data, follow_redirects=True)


def secret_from_page(page: str) -> str:
    match = FEED_URL.search(html.unescape(page))
    assert match, "no feed address on the page"
    return match.group(1)


def test_the_secret_is_stored_only_as_a_hash(app, client, users, login, programme):
    login("editor")
    response = create_feed(client, "festival", programme["festival"])
    assert response.status_code == 200
    secret = secret_from_page(response.get_data(as_text=True))
    random_part = secret.split("_", 1)[1]
    with app.app_context():
        token = db.session.scalar(select(FeedToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                dump = repr(tuple(row))
                assert random_part not in dump, table.name
    assert client.get(feed_path(secret)).status_code == 200


def test_settings_show_the_address_once_with_webcal_https_and_instructions(
    app, client, users, login, programme
):
    login("writer")
    response = create_feed(client, "personal")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    secret = secret_from_page(page)
    assert f"https://coverage.test/calendars/{secret}.ics" in page or (
        f"http://coverage.test/calendars/{secret}.ics" in page
    )
    assert f"webcal://coverage.test/calendars/{secret}.ics" in page
    for client_name in ("Google", "Apple", "Outlook"):
        assert client_name in page
    later = client.get("/account").get_data(as_text=True)
    assert secret not in later  # shown once only
    assert "My schedule" in later  # but listed, so it can be stopped


def test_the_settings_https_link_is_https(app, client, users, login, programme):
    """The issue asks for an https:// address next to the webcal:// one."""
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.org"
    login("writer")
    page = html.unescape(create_feed(client, "personal").get_data(as_text=True))
    secret = secret_from_page(page)
    assert f"https://desk.example.org/calendars/{secret}.ics" in page
    assert f"webcal://desk.example.org/calendars/{secret}.ics" in page
    assert client.get(feed_path(secret)).status_code == 200


def test_regenerating_kills_the_old_address(app, client, users, login, programme):
    login("editor")
    old = secret_from_page(create_feed(client, "festival", programme["festival"]).get_data(True))
    new = secret_from_page(create_feed(client, "festival", programme["festival"]).get_data(True))
    assert old != new
    client.post_form("/logout")
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_a_deactivated_users_feeds_are_404(app, client, users, programme):
    secrets = [
        issue(app, users["editor"], "festival", programme["festival"]),
        issue(app, users["editor"], "desk", programme["festival"]),
        issue(app, users["editor"], "personal"),
    ]
    for secret in secrets:
        assert client.get(feed_path(secret)).status_code == 200
    with app.app_context():
        db.session.get(User, users["editor"]).active = False
        db.session.commit()
    for secret in secrets:
        assert client.get(feed_path(secret)).status_code == 404


def test_the_secret_is_never_a_login(app, client, users, programme, festival_feed):
    assert client.get(feed_path(festival_feed)).status_code == 200
    # Having fetched the feed, the client is still nobody.
    response = client.get("/festivals/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    # Not as a bearer token or query parameter on the site either.
    response = client.get("/festivals/", headers={"Authorization": f"Bearer {festival_feed}"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get(f"/festivals/?token={festival_feed}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Nor for the API.
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {festival_feed}"})
    assert response.status_code == 401
    response = client.get(
        f"/api/v1/festivals/{programme['slug']}",
        headers={"Authorization": f"Bearer {festival_feed}"},
    )
    assert response.status_code == 401
    # Nor for the one-off files behind the login.
    one_off = f"/festivals/{programme['slug']}/screenings/{programme['press']}.ics"
    response = client.get(one_off, headers={"Authorization": f"Bearer {festival_feed}"})
    assert response.status_code in (302, 401, 403)


def test_a_public_festival_serves_its_feed_without_a_token(app, client, programme):
    url = f"/calendars/public/{programme['slug']}.ics"
    assert client.get(url).status_code == 404  # private by default
    with app.app_context():
        db.session.get(Festival, programme["festival"]).is_public = True
        db.session.commit()
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert len(parse_ical(response.data).events) == 2
    assert client.get("/calendars/public/no-such-festival.ics").status_code == 404


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["feed-url", *args])


def _path_of(output: str) -> str:
    match = re.search(r"https?://[^/\s]+(/calendars/\S+\.ics)", output)
    assert match, output
    return match.group(1)


def test_feed_url_command_prints_a_working_url_for_each_kind(app, client, users, programme):
    slug = programme["slug"]
    for args in (
        ["--festival", slug, "--user", "writer@example.org"],
        ["--personal", "--user", "writer@example.org"],
        ["--desk", slug, "--user", "editor@example.org"],
    ):
        result = _cli(app, *args)
        assert result.exit_code == 0, result.output
        response = client.get(_path_of(result.stdout))
        assert response.status_code == 200, args
        assert response.headers["Content-Type"] == CALENDAR_TYPE


def test_feed_url_command_refuses_the_desk_feed_to_a_writer(app, users, programme):
    result = _cli(app, "--desk", programme["slug"], "--user", "writer@example.org")
    assert result.exit_code != 0
    assert "/calendars/" not in result.stdout
    assert "editor" in result.output.lower()
    with app.app_context():
        assert db.session.scalar(select(FeedToken)) is None


def test_a_writer_cannot_create_a_desk_token(app, client, users, login, programme):
    login("writer")
    response = create_feed(client, "desk", programme["festival"])
    assert response.status_code == 403
    assert "Only editors subscribe to the desk calendar." in html.unescape(
        response.get_data(as_text=True)
    )
    assert not FEED_URL.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(FeedToken)) is None
