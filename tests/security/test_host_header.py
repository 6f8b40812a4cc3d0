"""Host header poisoning (ASVS V14.5 / OWASP "Host header injection"): the Host header is
whatever the client wrote, so links in emails never start with one an attacker chose. Production
requires PUBLIC_BASE_URL and answers any other Host with 400; without it (development) the
address for emails is learnt only from an admin's login, or when TRUSTED_HOSTS is set."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coverage import create_app
from coverage.config import ConfigError, config_for_tests, load_config
from coverage.extensions import db
from coverage.identity import InstallSetting
from coverage.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, PRODUCTION_ENV

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
EVIL = "http://evil.example"


def _post(client, base_url: str, url: str, data: dict, page: str):
    html = client.get(page, base_url=base_url).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, html[:500]
    payload = {**data, "csrf_token": match.group(1) or match.group(2)}
    # A browser's Referer: Flask-WTF checks it on https (WTF_CSRF_SSL_STRICT).
    headers = {"Referer": base_url + page}
    return client.post(url, data=payload, base_url=base_url, headers=headers)


def _log_in(client, base_url: str, email: str):
    data = {"email": email, "password": PASSWORD}
    return _post(client, base_url, "/login", data, "/login")


def _request_reset(client, base_url: str, email: str):
    return _post(client, base_url, "/password/reset", {"email": email}, "/password/reset")


def _reset_links(app, to: str) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == to)
        ).all()
    return [m.group(0) for body in bodies for m in re.finditer(r"https?://\S+/password/\S+", body)]


def _stored_site_url(app) -> str | None:
    with app.app_context():
        return db.session.scalar(
            select(InstallSetting.value).where(InstallSetting.key == "site_url")
        )


# --- Development: no PUBLIC_BASE_URL --------------------------------------------------------


def test_a_login_at_a_forged_host_does_not_redirect_anyones_reset_link(app, users):
    """The reported attack: log in with Host: evil.example, then ask for someone's reset."""
    attacker = app.test_client()
    assert _log_in(attacker, EVIL, "writer@example.org").status_code == 302
    assert _stored_site_url(app) is None

    assert _request_reset(app.test_client(), EVIL, "editor@example.org").status_code == 302

    links = _reset_links(app, "editor@example.org")
    assert len(links) == 1
    assert links[0].startswith("http://127.0.0.1:5000/password/reset/")


def test_an_admins_login_teaches_the_address_for_emails(app, users):
    admin = app.test_client()
    assert _log_in(admin, "http://desk.lan:5000", "admin@example.org").status_code == 302
    # A writer signing in at another host afterwards changes nothing.
    assert _log_in(app.test_client(), EVIL, "writer@example.org").status_code == 302

    _request_reset(app.test_client(), EVIL, "editor@example.org")

    assert _stored_site_url(app) == "http://desk.lan:5000"
    assert _reset_links(app, "editor@example.org")[0].startswith("http://desk.lan:5000/password/")


def test_with_trusted_hosts_a_writer_still_teaches_nothing_and_other_hosts_are_refused(app, users):
    """TRUSTED_HOSTS ignores the port and may allow every subdomain: a checked Host is still
    partly the client's choice (helper-39's finding: a writer at localhost:6666)."""
    app.config["TRUSTED_HOSTS"] = ["desk.lan", ".lan.example"]
    for host in ("http://desk.lan:6666", "http://attacker.lan.example"):
        assert _log_in(app.test_client(), host, "writer@example.org").status_code == 302
    assert _stored_site_url(app) is None
    assert _log_in(app.test_client(), "http://desk.lan", "admin@example.org").status_code == 302
    assert _stored_site_url(app) == "http://desk.lan"

    forged = app.test_client().get("/login", base_url=EVIL)

    assert forged.status_code == 400
    assert _stored_site_url(app) == "http://desk.lan"


# --- Production -----------------------------------------------------------------------------


@pytest.fixture
def production(app, tmp_path):
    config = load_config(tmp_path, {**PRODUCTION_ENV, "TRUSTED_HOSTS": "desk.internal"})
    config.update(config_for_tests(app.config["SQLALCHEMY_DATABASE_URI"]))
    return create_app(config)


def test_production_answers_a_forged_host_with_400_and_stores_nothing(production, users):
    client = production.test_client()

    for method, url in (("GET", "/login"), ("POST", "/login"), ("POST", "/password/reset")):
        response = client.open(url, method=method, base_url="https://evil.example")
        assert response.status_code == 400, (method, url)
    assert _stored_site_url(production) is None
    assert _reset_links(production, "editor@example.org") == []


def test_production_links_emails_to_public_base_url_from_any_trusted_host(production, users):
    client = production.test_client()
    assert _log_in(client, "https://desk.internal", "admin@example.org").status_code == 302

    assert _request_reset(production.test_client(), "https://desk.internal", "editor@example.org")

    assert _reset_links(production, "editor@example.org")[0].startswith(
        "https://coverage.test/password/reset/"
    )
    assert (
        production.test_client().get("/login", base_url="https://coverage.test").status_code == 200
    )


def test_production_requires_a_public_base_url(tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "PUBLIC_BASE_URL"}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be set"):
        load_config(tmp_path, env)


@pytest.mark.parametrize("value", ["desk.example.com", "ftp://desk.example.com", "https://"])
def test_a_public_base_url_that_is_no_http_address_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an http"):
        load_config(tmp_path, {"PUBLIC_BASE_URL": value})


def test_trusted_hosts_are_the_public_host_and_those_listed(tmp_path):
    production_config = load_config(
        tmp_path, {**PRODUCTION_ENV, "TRUSTED_HOSTS": " desk.internal, .example.net ,"}
    )
    assert production_config["TRUSTED_HOSTS"] == ["coverage.test", "desk.internal", ".example.net"]
    assert load_config(tmp_path, {})["TRUSTED_HOSTS"] is None  # development answers any host
    assert load_config(tmp_path, {"TRUSTED_HOSTS": "desk.lan"})["TRUSTED_HOSTS"] == ["desk.lan"]


@pytest.mark.parametrize(
    "value", ["desk2..example.com", "https://other.example.com", "desk.example.com:8443", "[::1]"]
)
def test_a_trusted_host_that_is_no_host_name_is_refused_at_start_up(tmp_path, value):
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS holds"):
        load_config(tmp_path, {**PRODUCTION_ENV, "TRUSTED_HOSTS": f"desk.internal,{value}"})


def test_a_public_base_url_on_an_ipv6_literal_is_refused_rather_than_refusing_every_request(
    tmp_path,
):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an http"):
        load_config(tmp_path, {**PRODUCTION_ENV, "PUBLIC_BASE_URL": "https://[::1]:8443"})


def test_a_host_werkzeug_cannot_encode_is_400_not_500(app):
    app.config["TRUSTED_HOSTS"] = ["desk2..example.com"]  # set past the start-up check
    response = app.test_client().get("/login", base_url="http://evil.example")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
