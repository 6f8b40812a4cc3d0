from __future__ import annotations

import re


def test_openapi_document_is_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]["/api/v1/me"]["get"]["responses"]["200"]


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_in_the_document(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in doc["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from the OpenAPI document: {missing}"


def test_me_schema_comes_from_the_validating_model(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    ref = doc["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
    schema_name = ref["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = doc["components"]["schemas"][schema_name]["properties"]
    assert set(properties) == {"id", "email", "name", "role", "active"}
