from __future__ import annotations

import json
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


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _schema(doc, name):
    return next(v for k, v in doc["components"]["schemas"].items() if k.split(".")[0] == name)


def test_every_error_answer_is_documented_as_problem_json(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method, operation in _operations(doc):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert set(response["content"]) == {"application/problem+json"}, (
                    method,
                    path,
                    status,
                )


def test_operations_with_a_body_document_400_413_415_and_422(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    with_body = [(p, m, o) for p, m, o in _operations(doc) if "requestBody" in o]
    assert len(with_body) >= 10
    for path, method, operation in with_body:
        assert operation["requestBody"]["required"] is True
        assert {"400", "401", "413", "415", "422"} <= set(operation["responses"]), (method, path)
    venue_post = doc["paths"]["/api/v1/festivals/{slug}/venues"]["post"]["responses"]
    assert {"403", "404", "409"} <= set(venue_post)


def test_the_document_states_the_text_maxima_ranges_and_patterns(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    venue = _schema(doc, "VenueIn")["properties"]
    assert (venue["name"]["minLength"], venue["name"]["maxLength"]) == (1, 200)
    assert venue["address"]["maxLength"] == 1_000
    patch = _schema(doc, "PiecePatch")["properties"]
    body = next(s for s in patch["body"]["anyOf"] if s.get("type") == "string")
    assert body["maxLength"] == 200_000
    stars = next(s for s in patch["star_rating"]["anyOf"] if s.get("type") == "integer")
    assert (stars["minimum"], stars["maximum"]) == (1, 5)
    festival = _schema(doc, "FestivalIn")["properties"]
    assert festival["slug"]["pattern"]
    assert festival["edition"]["maximum"] == 2200
    assert _schema(doc, "CommentIn")["properties"]["body"]["maxLength"] == 10_000


def test_every_input_string_has_a_max_length(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    unbounded = []
    for name, schema in doc["components"]["schemas"].items():
        if not name.split(".")[0].endswith(("In", "Patch", "Query")):
            continue
        for field, prop in schema.get("properties", {}).items():
            variants = prop.get("anyOf", [prop])
            for variant in variants:
                free_text = variant.get("type") == "string" and "format" not in variant
                if free_text and "maxLength" not in variant and "enum" not in variant:
                    unbounded.append(f"{name}.{field}")
    assert not unbounded, unbounded


def test_a_second_app_in_the_process_serves_its_own_complete_document(app, client):
    """spectree builds a document once per SpecTree; each app keeps its own, post-processed."""
    from coverage import create_app

    first = client.get("/api/v1/openapi.json").get_json()
    other = create_app(app.config)
    second = other.test_client().get("/api/v1/openapi.json").get_json()
    assert first == second
    assert "415" in second["paths"]["/api/v1/festivals"]["post"]["responses"]


def test_every_reference_of_a_second_apps_document_resolves(app, client):
    """spectree moves nested models out of its registry while it builds: a second app in the
    same process (tests, several workers) must still get every component it refers to."""
    from coverage import create_app

    client.get("/api/v1/openapi.json")
    second = create_app(app.config).test_client().get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(second)))
    assert refs and refs <= set(second["components"]["schemas"])
