"""The API's validator and OpenAPI generator: one spectree instance for every `/api/v1` route.

Strict mode documents only the routes decorated with `api.validate`, so a route added without
validation is missing from the document and a test catches it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from coverage.api.schemas import ValidationProblem
from coverage.web import problem


def _problem_for_invalid_request(req, resp, req_validation_error, instance, model_adapter=None):
    # spectree prepares its own 422 body; turn it into problem+json naming each field.
    if req_validation_error is None or resp is None:
        return
    errors = req_validation_error.errors()
    parts = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ())) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    detail = "Invalid request. " + "; ".join(parts)
    replacement = problem(
        422,
        detail,
        errors=[
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
            for e in errors
        ],
    )
    resp.set_data(replacement.get_data())
    resp.mimetype = "application/problem+json"


api = SpecTree(
    "flask",
    mode="strict",
    title="festival-coverage API",
    version="1",
    description=(
        "The festival desk's JSON API. Authenticate with `Authorization: Bearer <token>` "
        "(create a token in your account settings or with `flask create-token`). "
        "Errors are `application/problem+json` (RFC 9457)."
    ),
    security_schemes=[
        SecurityScheme(
            name="bearerAuth",
            data=SecuritySchemeData(
                type=SecureType.HTTP, scheme="bearer", bearer_format="personal API token"
            ),
        )
    ],
    security={"bearerAuth": []},
    before=_problem_for_invalid_request,
    validation_error_status=422,
    validation_error_model=ValidationProblem,
    annotations=True,
)


def openapi_document() -> dict[str, Any]:
    """The document for the current app, built once per app from its routes."""
    document = current_app.extensions.get("openapi_document")
    if document is None:
        # spectree caches one document per SpecTree; routes belong to an app, so rebuild.
        api.__dict__.pop("_spec", None)
        document = current_app.extensions["openapi_document"] = api.spec
    return document
