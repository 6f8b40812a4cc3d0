"""`/api/v1`: bearer-token JSON API over the same services as the web views."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from spectree import Response as SpecResponse

from coverage.accounts.models import User
from coverage.accounts.services import user_for_api_token
from coverage.api.bodies import check_json_body
from coverage.api.schemas import Problem, UserOut
from coverage.api.spec import api, openapi_document
from coverage.extensions import db
from coverage.timeutil import utcnow
from coverage.web import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The document and its page for people (coverage.api.docs) are readable without a token.
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}


@bp.before_request
def authenticate():
    """Bearer tokens only: a session cookie never authenticates the API."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorized("Send a personal API token as 'Authorization: Bearer <token>'.")
    user = user_for_api_token(secret.strip(), utcnow())
    if user is None:
        return _unauthorized("The API token is unknown, revoked, or its account is deactivated.")
    db.session.commit()  # keeps last_used_at
    g.api_user = user
    return None


@bp.before_request
def check_request_body():
    """Runs after the token check: a body a route would read must be JSON, bounded and text
    (see coverage.api.bodies); anything else is answered here, before any handler."""
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = api.get_function_metadata(view) if view is not None else None
    return check_json_body(takes_json=bool(metadata and metadata.json))


def _unauthorized(detail: str):
    response = problem(401, detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="festival-coverage"'
    return response


def api_user() -> User:
    return g.api_user


def errors(*statuses: int) -> dict[str, type[Problem]]:
    return {f"HTTP_{status}": Problem for status in statuses}


@bp.get("/openapi.json")
@api.validate(
    resp=SpecResponse(HTTP_200=(None, "This document, as application/json.")),
    tags=["meta"],
    security={},
    skip_validation=True,
)
def openapi():
    """This document (OpenAPI 3.1); needs no token."""
    return jsonify(openapi_document())


@bp.get("/me")
@api.validate(resp=SpecResponse(HTTP_200=UserOut, **errors(401)), tags=["accounts"])
def me():
    """The account the token belongs to."""
    user = api_user()
    return UserOut(
        id=user.id, email=user.email, name=user.name, role=user.role.value, active=user.active
    )


from coverage.api import docs, drafts, pieces, programme  # noqa: E402,F401
