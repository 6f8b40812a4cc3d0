from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.timeutil import format_in_zone, is_valid_timezone
from coverage.web import safe_next_url


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/festivals/", "/festivals/"),
        ("/a?b=c#d", "/a?b=c#d"),
        (None, None),
        ("", None),
        ("festivals", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("http:/evil", None),
    ],
)
def test_safe_next_url(target, expected):
    assert safe_next_url(target) == expected


def test_times_show_the_zone_name():
    moment = datetime(2021, 10, 10, 17, 30, tzinfo=UTC)
    assert format_in_zone(moment, "Europe/London") == "Sun 10 Oct 2021, 18:30 London time"
    assert format_in_zone(datetime(2021, 11, 1, 18, 30, tzinfo=UTC), "Europe/London").endswith(
        "18:30 London time"
    )
    # Not "PST", which a London desk reads as Pacific time.
    assert format_in_zone(moment, "Asia/Manila") == "Mon 11 Oct 2021, 01:30 Manila time"


def test_timezone_validation():
    assert is_valid_timezone("Europe/London")
    assert not is_valid_timezone("Europe/Londn")
    assert not is_valid_timezone("")


def test_instants_round_trip_as_aware_utc(app, users):
    with app.app_context():
        user = db.session.get(User, users["writer"])
        user.created_at = datetime(2021, 10, 10, 18, 30, tzinfo=timezone(timedelta(hours=1)))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(User.created_at).where(User.id == users["writer"]))
        assert stored == datetime(2021, 10, 10, 17, 30, tzinfo=UTC)
        assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(app, users):
    with app.app_context():
        user = db.session.get(User, users["writer"])
        user.created_at = datetime(2021, 10, 10, 18, 30)
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize(
    "path",
    [
        "/pieces/99999999999999999999",
        "/pieces/2147483648/export.md",
        "/pieces/99999999999999999999/revisions",
        "/festivals/{slug}/films/99999999999999999999",
        "/festivals/{slug}/screenings/4294967296/edit",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, users, login, programme, path):
    login("editor")
    response = client.get(path.format(slug=programme["slug"]))
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_an_api_id_too_large_for_the_database_is_a_404_problem(app, client, users):
    from coverage.accounts.services import issue_api_token

    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "big ids")
        db.session.commit()
    response = client.get(
        "/api/v1/pieces/99999999999999999999/export?format=html",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/pieces/{piece}/revisions/compare?a=2147483648&b=1",
        "/festivals/{slug}/coverage?writer=99999999999999999999",
        "/festivals/{slug}/days/2021-10-10?venue=99999999999999999999",
        "/festivals/{slug}/pieces/new?film=99999999999999999999",
    ],
)
def test_an_id_too_large_in_a_query_never_overflows(client, users, login, programme, path):
    login("editor")
    response = client.get(path.format(slug=programme["slug"], piece=programme["piece"]))
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/api/v1/pieces?writer=2147483648", None),
        ("GET", "/api/v1/festivals/{slug}/screenings?film=99999999999999999999", None),
        (
            "POST",
            "/api/v1/pieces",
            {"festival": "test-festival-2021", "kind": "review", "film_id": 2147483648},
        ),
        (
            "POST",
            "/api/v1/festivals/{slug}/screenings",
            {"film_id": 1, "venue_id": 99999999999999999999, "starts_at": "2021-10-10T18:00"},
        ),
    ],
)
def test_an_api_id_too_large_is_a_422_naming_the_field(
    app, client, users, programme, method, path, body
):
    from coverage.accounts.services import issue_api_token

    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "ids")
        db.session.commit()
    response = client.open(
        path.format(slug=programme["slug"]),
        method=method,
        json=body,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
