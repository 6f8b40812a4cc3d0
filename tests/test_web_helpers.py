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
    assert format_in_zone(moment, "Europe/London") == "Sun 10 Oct 2021, 18:30 BST"
    assert format_in_zone(datetime(2021, 11, 1, 18, 30, tzinfo=UTC), "Europe/London").endswith(
        "18:30 GMT"
    )
    assert format_in_zone(moment, "Asia/Manila") == "Mon 11 Oct 2021, 01:30 PST"


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
