"""Every API list is paged: 50 items unless `limit` says otherwise, at most 200 (more is a 422
naming `limit`), the next and previous pages named in the `Link` header (RFC 8288)."""

from __future__ import annotations

import re

import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from tests.api.test_api import assert_problem

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


def add_venues(app, programme, count: int) -> None:
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        db.session.add_all(Venue(festival=festival, name=f"Screen {n:03}") for n in range(count))
        db.session.commit()


def test_a_list_answers_50_by_default_and_links_the_next_page(app, client, programme, editor):
    add_venues(app, programme, 60)  # 62 with the programme's two
    url = f"/api/v1/festivals/{programme['slug']}/venues"
    first = client.get(url, headers=editor)
    assert first.status_code == 200
    assert len(first.get_json()) == 50
    assert set(links(first)) == {"next"}
    second = client.get(links(first)["next"], headers=editor)
    assert len(second.get_json()) == 12
    assert set(links(second)) == {"prev"}
    names = [v["name"] for v in first.get_json() + second.get_json()]
    assert len(set(names)) == 62


def test_limit_and_page_choose_the_slice_and_keep_the_filters(app, client, programme, editor):
    add_venues(app, programme, 5)
    url = f"/api/v1/festivals/{programme['slug']}/screenings?kind=press&limit=1"
    response = client.get(url, headers=editor)
    assert [s["id"] for s in response.get_json()] == [programme["press"]]
    assert "next" not in links(response)
    venues = client.get(
        f"/api/v1/festivals/{programme['slug']}/venues?limit=2&page=2", headers=editor
    )
    assert len(venues.get_json()) == 2
    assert "limit=2" in links(venues)["next"] and "page=3" in links(venues)["next"]


@pytest.mark.parametrize("limit", ["201", "0", "-5", "many"])
def test_a_limit_outside_1_to_200_is_422_naming_limit(client, programme, editor, limit):
    response = client.get(f"/api/v1/pieces?limit={limit}", headers=editor)
    assert assert_problem(response, 422, "limit")["errors"][0]["field"] == "limit"


def test_pieces_and_films_are_paged_too(app, client, programme, editor):
    from coverage.pieces.kinds import PieceKind
    from coverage.pieces.models import Piece

    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        db.session.add_all(Piece(festival=festival, kind=PieceKind.NEWS) for _ in range(3))
        db.session.commit()
    pieces = client.get("/api/v1/pieces?limit=2", headers=editor)
    assert len(pieces.get_json()) == 2 and "next" in links(pieces)
    last = client.get(links(pieces)["next"], headers=editor)
    assert len(last.get_json()) == 2 and "next" not in links(last)
    films = client.get(
        f"/api/v1/festivals/{programme['slug']}/films?limit=1&page=2", headers=editor
    )
    assert films.status_code == 200 and films.get_json() == []


def test_every_list_operation_documents_limit_page_and_link(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    lists = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
            if ok is None:
                continue
            ref = ok["schema"].get("$ref", "")
            schema = doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], ok["schema"])
            if schema.get("type") != "array":
                continue
            lists.append(f"{method} {path}")
            params = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
            assert params["limit"]["schema"]["maximum"] == 200, path
            assert params["limit"]["schema"]["default"] == 50, path
            assert "page" in params, path
            assert "Link" in operation["responses"]["200"]["headers"], path
    assert len(lists) >= 8, lists
