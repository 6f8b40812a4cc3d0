"""`/api/v1/docs`: the API's OpenAPI document for people, rendered by Swagger UI.

Swagger UI's files come from the `swagger-ui-bundle-v2` package and are served from our own
origin (no CDN: the page runs under the site's Content-Security-Policy, `script-src 'self'`,
and a reader's browser asks no third party for code). Swagger UI's own `index.html` starts it
with an inline script, which that policy blocks; our page loads `static/api-docs.js` instead,
which reads the document's address from the page and starts Swagger UI on it.

Like `openapi.json`, the page needs no token: it shows the document, nothing of the desk's.
"Try it out" sends the token typed into "Authorize" from the reader's browser, to our origin only.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from coverage.api import bp
from coverage.api.spec import api

# Swagger UI's files the page uses. Only these are served: the package's folder also holds its
# demo `index.html` (an inline script pointing at a petstore) and multi-megabyte source maps.
ASSETS = frozenset(
    {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "index.css",
        "favicon-32x32.png",
        "favicon-16x16.png",
    }
)

# Served beside the app's own static files, outside /api/v1 (not an API operation).
assets_bp = Blueprint("api_docs", __name__, url_prefix="/static/swagger-ui")


@bp.get("/docs")
@api.validate(tags=["meta"], security={}, skip_validation=True)
def docs():
    """This API's documentation for people (Swagger UI, HTML); needs no token."""
    return render_template("api/docs.html")


@assets_bp.get("/<name>")
def asset(name: str) -> Response:
    """One of Swagger UI's files, with Flask's static-file caching (ETag, `no-cache`)."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path, name)
