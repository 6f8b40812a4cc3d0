"""One structured log line per request, with a request id echoed in X-Request-ID; no secret
(feed token, reset token, password, query string) ever in a log line."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from coverage.ops.request_log import (
    REQUEST_LOGGER,
    JsonFormatter,
    TextFormatter,
    configure_logging,
)
from tests.conftest import PASSWORD

FIELDS = {
    "request_id",
    "method",
    "path",
    "endpoint",
    "status",
    "duration_ms",
    "user_id",
    "remote_addr",
    "size",
}


@pytest.fixture
def request_lines(caplog):
    """The JSON lines the request logger wrote, as dicts."""
    # Alembic's logging.fileConfig (a migration test earlier in this process) disables every
    # logger that existed then; production runs migrations in a process of their own.
    logging.getLogger(REQUEST_LOGGER).disabled = False
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    formatter = JsonFormatter()

    def lines() -> list[dict]:
        return [
            json.loads(formatter.format(record))
            for record in caplog.records
            if record.name == REQUEST_LOGGER
        ]

    return lines


def every_formatted_line(caplog) -> str:
    json_formatter, text_formatter = JsonFormatter(), TextFormatter()
    return "\n".join(
        f"{json_formatter.format(record)}\n{text_formatter.format(record)}"
        for record in caplog.records
    )


def test_one_json_line_per_request_with_its_fields(client, request_lines):
    response = client.get("/login?next=/account")

    [line] = request_lines()
    assert set(line) >= FIELDS
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["method"] == "GET"
    assert line["path"] == "/login"  # never the query string
    assert line["endpoint"] == "accounts.login"
    assert line["status"] == 200
    assert line["size"] == len(response.get_data())
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["remote_addr"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_the_logged_in_user_is_named(client, users, login, request_lines):
    login("editor")

    client.get("/account")

    assert request_lines()[-1]["user_id"] == users["editor"]


@pytest.mark.parametrize("incoming", ["lb-7f3a.0001", "A" * 64])
def test_a_safe_incoming_request_id_is_echoed_and_logged(client, request_lines, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] == incoming
    assert request_lines()[-1]["request_id"] == incoming


@pytest.mark.parametrize("incoming", ["bad id; rm -rf", "A" * 65])
def test_an_unsafe_incoming_request_id_is_replaced(client, request_lines, caplog, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    replaced = response.headers["X-Request-ID"]
    assert replaced != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert request_lines()[-1]["request_id"] == replaced
    assert incoming not in every_formatted_line(caplog)


def test_a_feed_token_never_reaches_the_log(app, client, users, request_lines, caplog):
    from coverage.accounts.models import User
    from coverage.calendars import services as calendars
    from coverage.calendars.kinds import FeedKind
    from coverage.extensions import db
    from coverage.timeutil import utcnow

    with app.app_context():
        writer = db.session.get(User, users["writer"])
        _, secret = calendars.issue_feed_token(writer, FeedKind.PERSONAL, None, utcnow())
        db.session.commit()

    response = client.get(f"/calendars/{secret}.ics")

    assert response.status_code == 200
    [line] = request_lines()
    assert line["path"] == "/calendars/***.ics"
    assert line["endpoint"] == "calendars.feed"
    assert secret not in every_formatted_line(caplog)


def test_a_password_reset_token_never_reaches_the_log(client, request_lines, caplog):
    token = "reset-token-that-must-stay-secret"

    client.get(f"/password/reset/{token}")

    assert request_lines()[-1]["path"] == "/password/reset/***"
    assert token not in every_formatted_line(caplog)


def _through_the_development_server(app, path: str) -> int:
    """GET `path` from werkzeug's development server (what `make run` serves with) running
    `app` in a thread; the response's status."""
    import threading
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}") as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("kind", ["reset link", "calendar feed"])
def test_the_development_servers_access_line_never_holds_a_secret(
    app, users, request_lines, caplog, kind
):
    from coverage.accounts.models import User
    from coverage.calendars import services as calendars
    from coverage.calendars.kinds import FeedKind
    from coverage.extensions import db
    from coverage.timeutil import utcnow

    logging.getLogger("werkzeug").disabled = False
    caplog.set_level(logging.INFO, logger="werkzeug")
    if kind == "calendar feed":
        with app.app_context():
            writer = db.session.get(User, users["writer"])
            _, secret = calendars.issue_feed_token(writer, FeedKind.PERSONAL, None, utcnow())
            db.session.commit()
        path, expected_status, logged = f"/calendars/{secret}.ics", 200, "/calendars/***.ics"
    else:
        secret = "A" * 43  # a link's shape; never issued
        path, expected_status, logged = f"/password/reset/{secret}", 404, "/password/reset/***"

    assert _through_the_development_server(app, path) == expected_status

    assert [line["path"] for line in request_lines()] == [logged]
    assert secret not in every_formatted_line(caplog)


def test_the_development_server_still_says_where_it_serves(caplog):
    from werkzeug._internal import _log

    from coverage.ops.request_log import DropServerAccessLines

    logging.getLogger("werkzeug").addFilter(DropServerAccessLines())
    caplog.set_level(logging.INFO, logger="werkzeug")
    _log("info", " * Running on http://127.0.0.1:5000")
    _log("error", "%s - - [date] code 400, message %s\n", "127.0.0.1", "Bad request syntax")
    messages = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert messages == [
        " * Running on http://127.0.0.1:5000",
        "127.0.0.1 - - [date] code 400, message Bad request syntax",
    ]


@pytest.mark.parametrize("password", [PASSWORD, "a wrong password typed"])
def test_a_login_post_never_logs_the_password(client, users, caplog, password):
    from tests.conftest import log_in

    logging.getLogger(REQUEST_LOGGER).disabled = False
    caplog.set_level(logging.DEBUG)  # every logger, every level

    log_in(client, "editor@example.org", password)

    assert any(record.name == REQUEST_LOGGER for record in caplog.records)
    assert password not in every_formatted_line(caplog)


def test_errors_carry_the_request_id_of_their_request(app, monkeypatch):
    """With the app's own handler (root had none, as under gunicorn): an unhandled error's
    traceback and the request's line share the id the client was given."""
    stream = io.StringIO()
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    logging.getLogger(REQUEST_LOGGER).disabled = False
    logging.getLogger("coverage.web").disabled = False
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app)
    [handler] = root.handlers
    handler.setStream(stream)

    def boom():
        raise RuntimeError("kaboom")

    app.add_url_rule("/boom", "boom", boom)

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(line for line in lines if "exception" in line)
    request = next(line for line in lines if line["logger"] == REQUEST_LOGGER)
    assert "kaboom" in error["exception"]
    assert error["request_id"] == request["request_id"] == response.headers["X-Request-ID"]
    assert request["status"] == 500 and request["level"] == "ERROR"


def test_text_format_keeps_one_request_on_one_line(app, monkeypatch):
    stream = io.StringIO()
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    logging.getLogger(REQUEST_LOGGER).disabled = False
    app.config["LOG_FORMAT"] = "text"
    configure_logging(app)
    root.handlers[0].setStream(stream)

    response = app.test_client().get("/no-such-page%0Aforged INFO line")

    assert response.status_code == 404
    [line] = [line for line in stream.getvalue().splitlines() if REQUEST_LOGGER in line]
    assert f"[{response.headers['X-Request-ID']}]" in line
    assert 'path="/no-such-page\\nforged INFO line"' in line
    assert "status=404" in line
