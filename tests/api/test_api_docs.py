"""`/api/v1/docs`: the OpenAPI document for people (Swagger UI from its package, our origin)."""

from __future__ import annotations

import re

from swagger_ui_bundle import swagger_ui_path

from tests.test_no_inline_script import inline_code

DOCS = "/api/v1/docs"
ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', re.IGNORECASE)


def test_the_docs_page_answers_without_a_token_under_the_site_policy(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    assert inline_code(page) == []
    # Our starter script finds the document through the page, not through inline code.
    assert 'data-spec-url="/api/v1/openapi.json"' in page


def test_the_docs_page_loads_every_script_and_stylesheet_from_our_origin(client):
    page = client.get(DOCS).get_data(as_text=True)
    assets = ASSET.findall(page)
    scripts = [url for url in assets if url.endswith(".js")]
    styles = [url for url in assets if url.endswith(".css")]
    assert "/static/api-docs.js" in scripts
    assert "/static/swagger-ui/swagger-ui-bundle.js" in scripts
    assert "/static/swagger-ui/swagger-ui.css" in styles
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        response = client.get(url)
        assert response.status_code == 200, url
        kinds = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
        assert response.mimetype == kinds[url.rsplit(".", 1)[1]], url
    assert client.get("/static/api-docs.js").get_data(as_text=True).count("SwaggerUIBundle(") == 1


def test_the_docs_page_needs_no_token_even_with_a_bad_one(client):
    response = client.get(DOCS, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200
    assert client.get("/api/v1/me").status_code == 401  # the rest of the API still does


def test_only_the_swagger_ui_files_the_page_uses_are_served(client):
    # The package's own index.html starts Swagger UI with an inline script and a demo petstore.
    assert client.get("/static/swagger-ui/index.html").status_code == 404
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js.map").status_code == 404
    assert client.get("/static/swagger-ui/..%2f..%2f__init__.py").status_code == 404


def test_the_bundled_swagger_ui_reads_openapi_3_1(client):
    # Swagger UI 4 shows "does not specify a valid version field" for an OpenAPI 3.1 document.
    major = int(re.search(r"swagger-ui-(\d+)\.", str(swagger_ui_path)).group(1))
    assert major >= 5
    assert client.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.1")


def test_account_settings_link_to_the_docs(client, users, login):
    login("writer")
    page = client.get("/account").get_data(as_text=True)
    assert f'href="{DOCS}"' in page
