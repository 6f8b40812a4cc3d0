"""The festival's default embargo through the API, and where a film's embargo rule comes from."""

from __future__ import annotations


def test_festival_default_embargo_is_read_and_patched(client, programme, editor, writer):
    url = f"/api/v1/festivals/{programme['slug']}"
    assert client.get(url, headers=writer).get_json()["default_embargo"] == "none"
    film_url = f"{url}/films/{programme['film']}"
    film = client.get(film_url, headers=writer).get_json()
    assert (film["embargo_rule"], film["embargo_rule_in_force"], film["embargo_rule_from"]) == (
        "festival_default",
        "none",
        "festival",
    )

    patched = client.patch(url, json={"default_embargo": "first_public_screening"}, headers=editor)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["default_embargo"] == "first_public_screening"
    film = client.get(film_url, headers=writer).get_json()
    assert film["embargo_rule_in_force"] == "first_public_screening"

    bad = client.patch(url, json={"default_embargo": "whenever"}, headers=editor)
    assert bad.status_code == 422
    assert client.get(url, headers=writer).get_json()["default_embargo"] == (
        "first_public_screening"
    )
    refused = client.patch(url, json={"default_embargo": "none"}, headers=writer)
    assert refused.status_code == 403


def test_a_films_own_rule_is_in_force_over_the_default(client, programme, editor):
    url = f"/api/v1/festivals/{programme['slug']}"
    client.patch(url, json={"default_embargo": "first_public_screening"}, headers=editor)
    film_url = f"{url}/films/{programme['film']}"
    patched = client.patch(film_url, json={"embargo_rule": "none"}, headers=editor)
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert (body["embargo_rule_in_force"], body["embargo_rule_from"]) == ("none", "film")


def test_a_film_created_without_a_rule_follows_the_festival(client, programme, editor):
    url = f"/api/v1/festivals/{programme['slug']}/films"
    created = client.post(url, json={"title": "Belfast"}, headers=editor)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["embargo_rule"] == "festival_default"
