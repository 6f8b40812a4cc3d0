"""Last-Modified has whole seconds. A page built in the same second as its data's last change
goes out with its ETag only: a second change within that second would keep the date, and a
reader asking If-Modified-Since would be told nothing changed (RFC 9110 section 8.8.2.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from coverage.extensions import db
from coverage.page_store import last_modified_is_strong
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.public import views
from coverage.timeutil import utcnow
from tests.conftest import forget_built_pages
from tests.public.conftest import editor_does

HUB = "/film-festivals/test-festival-2021/"
FESTIVAL_FEED = HUB + "feed.atom"


def _last_change(app) -> datetime:
    with app.app_context():
        return db.session.scalar(select(func.max(Piece.updated_at)))


def _build_at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(views, "utcnow", lambda: moment)


def _end_of_its_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=999_999)


def test_a_withdrawal_in_the_second_of_the_last_change_is_not_answered_304(
    app, client, users, publish, monkeypatch
):
    """The tester's case: a piece published and the hub read in one second, the piece then
    withdrawn. The hub read in that second carried no date a reader could revalidate with;
    its ETag is refused once the piece is gone."""
    piece_id = publish(headline="Red Rocket, a verdict")
    _build_at(monkeypatch, _end_of_its_second(_last_change(app)))
    first = client.get(HUB)
    assert "Red Rocket, a verdict" in first.get_data(as_text=True)
    assert "Last-Modified" not in first.headers and first.headers["ETag"]

    editor_does(app, users, piece_id, Action.WITHDRAW, utcnow(), note="Legal")
    _build_at(monkeypatch, _last_change(app) + timedelta(seconds=2))
    again = client.get(HUB, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Red Rocket, a verdict" not in again.get_data(as_text=True)
    # Built seconds after the withdrawal, the hub carries a date, and it is a true one.
    assert again.headers["Last-Modified"]
    unchanged = client.get(HUB, headers={"If-Modified-Since": again.headers["Last-Modified"]})
    assert unchanged.status_code == 304


def test_an_atom_feed_built_in_the_second_of_a_change_carries_its_date_once_built_again(
    app, client, publish, monkeypatch
):
    """Another page of the kind: the festival's Atom feed, stored while its data is unchanged.
    Built in the second of the change it has no date; built again later, it has."""
    publish()
    changed = _last_change(app)
    _build_at(monkeypatch, _end_of_its_second(changed))
    assert "Last-Modified" not in client.get(FESTIVAL_FEED).headers

    _build_at(monkeypatch, changed + timedelta(seconds=2))
    assert "Last-Modified" not in client.get(FESTIVAL_FEED).headers  # the stored one
    forget_built_pages(app)
    later = client.get(FESTIVAL_FEED)
    assert later.headers["Last-Modified"] == changed.strftime("%a, %d %b %Y %H:%M:%S GMT")
    since = {"If-Modified-Since": later.headers["Last-Modified"]}
    assert client.get(FESTIVAL_FEED, headers=since).status_code == 304


def test_the_rule_counts_whole_seconds():
    changed = datetime(2021, 10, 8, 9, 0, 0, 900_000, tzinfo=UTC)
    assert not last_modified_is_strong(changed, changed + timedelta(milliseconds=50))
    assert not last_modified_is_strong(changed, _end_of_its_second(changed))
    assert last_modified_is_strong(changed, datetime(2021, 10, 8, 9, 0, 1, tzinfo=UTC))
    assert not last_modified_is_strong(changed, changed - timedelta(seconds=5))  # another clock
