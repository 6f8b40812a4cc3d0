"""The API's validator and OpenAPI generator: one spectree instance for every `/api/v1` route.

Strict mode documents only the routes decorated with `api.validate`, so a route added without
validation is missing from the document and a test catches it.
"""

from __future__ import annotations

import copy
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
        # spectree caches one document per SpecTree (a property kept in the instance's
        # `_spec`); routes belong to an app, so drop it and build this app's, then keep a
        # copy of our own: the next app's build must not change the one this app serves.
        # The build also deletes the nested models (`$defs`) from `api.models` as it moves
        # them to components, so a second app's document would lose them (an unresolvable
        # `$ref`): build from a copy and keep the registry whole.
        registry = api.models
        api.models = copy.deepcopy(registry)
        try:
            api.__dict__.pop("_spec", None)
            document = copy.deepcopy(api.spec)
        finally:
            api.models = registry
            api.__dict__.pop("_spec", None)
        document_problems(document)
        current_app.extensions["openapi_document"] = document
    return document


PROBLEM_TYPE = "application/problem+json"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# What the API's shared machinery answers, whatever the operation (see coverage.api,
# coverage.api.bodies, coverage.locking and coverage.web): status -> (when, model name).
_AUTHENTICATED = {
    "401": "No token, or a token that is unknown, revoked or of a deactivated account."
}
_WITH_PATH_IDS = {"404": "Nothing at this address (an unknown slug or id, or one out of range)."}
_WITH_BODY = {
    "400": "The body is not JSON, or nests more than 32 levels deep.",
    "413": "The body is larger than 2 MiB.",
    "415": "The body is not `application/json` (a form, plain text, or none).",
}
_WRITES = {
    "409": "The change conflicts with the state of things (a workflow or a concurrent write).",
    "503": "The database was busy with another write for too long: nothing was saved, retry.",
}
_LINK = {
    "Link": {
        "description": "RFC 8288 links to the `next` and `prev` pages, when there are some.",
        "schema": {"type": "string"},
    }
}


def _model_ref(document: dict[str, Any], name: str) -> dict[str, str]:
    for key in document.get("components", {}).get("schemas", {}):
        if key.split(".")[0] == name:
            return {"$ref": f"#/components/schemas/{key}"}
    raise LookupError(f"the OpenAPI document has no {name} schema")


def document_problems(document: dict[str, Any]) -> None:
    """Make the document say what the server sends (RFC 9457, OpenAPI 3.1), in place:

    - every error answer is `application/problem+json` (spectree would say application/json);
    - every operation lists the errors the shared machinery may answer: 401 (token), 404 (a
      path with a slug or id), 400/413/415/422 (a JSON body, which is required), 409/503 (a
      write), and the lists' `Link` header.
    """
    problem_ref = _model_ref(document, "Problem")
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            if not any(status.startswith("2") for status in responses):
                # A route declared without responses (a page for people): it answers 200.
                responses["200"] = {"description": "OK"}
            added: dict[str, str] = {}
            if operation.get("security") != []:
                added |= _AUTHENTICATED
            if "{" in path:
                added |= _WITH_PATH_IDS
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
                added |= _WITH_BODY
            if method in WRITE_METHODS:
                added |= _WRITES
            for status, description in added.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": problem_ref}},
                    },
                )
            for status, response in responses.items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_TYPE] = content.pop("application/json")
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "limit" in parameters and "200" in responses:
                responses["200"].setdefault("headers", {}).update(_LINK)
