"""Atom feeds of published coverage, read back with feedparser (an independent parser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser

from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.workflow import Action
from coverage.public import feed_views
from coverage.timeutil import utcnow
from tests.conftest import count_page_queries
from tests.public.conftest import (
    PUBLISHED_AT,
    backdate_changes,
    correct,
    editor_does,
    piece_row,
    second_festival,
    set_film_embargo,
)

ALL_FEED = "/film-festivals/feed.atom"
FESTIVAL_FEED = "/film-festivals/test-festival-2021/feed.atom"
BASE = "http://coverage.test"


def read_feed(client, url: str = ALL_FEED, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.data)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    return parsed, response


def moment(struct) -> datetime:
    return datetime(*struct[:6], tzinfo=UTC)


def tag_of(app, piece_id: int) -> str:
    # The install's stored UID domain: with neither CALENDAR_UID_DOMAIN nor PUBLIC_BASE_URL set
    # at first use, the fallback the calendar UIDs have always had.
    created = piece_row(app, piece_id).created_at.astimezone(UTC).date()
    return f"tag:festival-coverage.local,{created.isoformat()}:piece-{piece_id}"


def test_feed_of_everything_holds_live_pieces_newest_first_with_their_facts(
    app, client, publish, built_seconds_later
):
    first = publish()
    second = publish(
        kind=PieceKind.INTERVIEW,
        headline="“It's a comedy until it is not”: Sean Baker on Red Rocket",
        standfirst="The director on Texas City.",
        body="We met at the *festival* hotel.",
        at=PUBLISHED_AT + timedelta(days=1),
    )

    parsed, response = read_feed(client)

    assert parsed.version == "atom10"
    assert parsed.feed.title == "Festival Coverage: Film festivals"
    assert parsed.feed.id == "tag:festival-coverage.local,2000-01-01:film-festivals"
    links = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", f"{BASE}{ALL_FEED}") in links
    assert ("alternate", f"{BASE}/film-festivals/") in links
    assert parsed.feed.author == "Festival Coverage"
    assert parsed.feed.generator == "festival-coverage"
    assert moment(parsed.feed.updated_parsed) == PUBLISHED_AT + timedelta(days=1)

    assert [entry.id for entry in parsed.entries] == [tag_of(app, second), tag_of(app, first)]
    interview, review = parsed.entries
    assert interview.title == "“It's a comedy until it is not”: Sean Baker on Red Rocket"
    assert review.title == "Test Festival 2021: Red Rocket | Review"
    assert review.link == f"{BASE}/film-festivals/test-festival-2021/red-rocket-review"
    assert moment(review.published_parsed) == PUBLISHED_AT
    assert moment(review.updated_parsed) == PUBLISHED_AT
    assert review.author == "Wyn Writer"
    assert review.summary == "Sean Baker's Texas comedy runs on nerve and Simon Rex."
    assert review.summary_detail.type == "text/plain"
    assert review.content[0].type == "text/html"
    assert "<p>Simon Rex plays Mikey Saber" in review.content[0].value
    assert "<em>festival</em>" in interview.content[0].value
    assert {tag.term for tag in review.tags} == {"review", "test-festival-2021"}
    assert {tag.term for tag in interview.tags} == {"interview", "test-festival-2021"}
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]


def test_entry_text_is_plain_and_its_html_content_sanitised(client, publish):
    publish(
        headline="Red Rocket: *Mikey* & the <b>refinery</b>",
        standfirst="A **loud** comedy.",
        body="Fine.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(2))",
    )

    parsed, response = read_feed(client)

    (entry,) = parsed.entries
    assert entry.title == "Red Rocket: Mikey & the <b>refinery</b>"
    assert entry.summary == "A loud comedy."
    raw = response.get_data(as_text=True)
    assert "<script" not in raw and "javascript:" not in raw
    assert "&lt;p&gt;Fine.&lt;/p&gt;" in raw  # the html content is escaped text in the XML


def test_entry_id_stays_the_same_after_a_correction_that_changes_headline_and_address(
    app, client, users, publish
):
    piece_id = publish()
    before, _ = read_feed(client)

    corrected_at = PUBLISHED_AT + timedelta(days=3)
    correct(
        app, users, piece_id, "Test Festival 2021: Red Rocket, Texas comedy | Review", corrected_at
    )
    after, _ = read_feed(client)

    (old,), (new,) = before.entries, after.entries
    assert new.id == old.id == tag_of(app, piece_id)
    assert new.title == "Test Festival 2021: Red Rocket, Texas comedy | Review"
    assert new.link == f"{BASE}/film-festivals/test-festival-2021/red-rocket-texas-comedy-review"
    assert moment(new.updated_parsed) == corrected_at + timedelta(minutes=3)
    assert moment(new.updated_parsed) > moment(old.updated_parsed)
    assert moment(after.feed.updated_parsed) == corrected_at + timedelta(minutes=3)


def test_festival_feed_holds_only_its_own_festival(app, client, programme, publish):
    other_festival, other_film = second_festival(app)
    ours = publish()
    theirs = publish(
        headline="Other Festival 2022: Aftersun | Review",
        festival_id=other_festival,
        film_id=other_film,
        at=PUBLISHED_AT + timedelta(days=1),
    )

    parsed, _ = read_feed(client, FESTIVAL_FEED)
    other, _ = read_feed(client, "/film-festivals/other-festival-2022/feed.atom")
    everything, _ = read_feed(client)

    assert parsed.feed.title == "Festival Coverage: Test Festival 2021"
    with app.app_context():
        created = db.session.get(Festival, programme["festival"]).created_at.date().isoformat()
    assert parsed.feed.id == f"tag:festival-coverage.local,{created}:festival-1"
    links = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", f"{BASE}{FESTIVAL_FEED}") in links
    assert ("alternate", f"{BASE}/film-festivals/test-festival-2021/") in links
    assert [entry.id for entry in parsed.entries] == [tag_of(app, ours)]
    assert [entry.id for entry in other.entries] == [tag_of(app, theirs)]
    assert [entry.id for entry in everything.entries] == [tag_of(app, theirs), tag_of(app, ours)]


def test_festival_without_live_pieces_has_a_valid_empty_feed_dated_by_the_festival(
    app, client, programme
):
    parsed, response = read_feed(client, FESTIVAL_FEED)

    assert parsed.entries == []
    assert parsed.feed.title == "Festival Coverage: Test Festival 2021"
    with app.app_context():
        festival = festivals.festival_by_slug(programme["slug"])
        updated = festival.updated_at.replace(microsecond=0)
    assert moment(parsed.feed.updated_parsed) == updated
    assert client.get(FESTIVAL_FEED).data == response.data


def test_empty_feed_of_everything_is_valid_and_dated_by_a_fixed_epoch(client, programme):
    parsed, _ = read_feed(client)

    assert parsed.entries == []
    assert moment(parsed.feed.updated_parsed) == datetime(2000, 1, 1, tzinfo=UTC)


def test_unknown_festival_feed_is_a_404_page(client, programme):
    response = client.get("/film-festivals/no-such-festival/feed.atom")

    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]


def test_unchanged_feed_keeps_its_bytes_and_answers_304_to_its_etag(client, publish):
    publish()
    first = client.get(ALL_FEED)
    again = client.get(ALL_FEED)

    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    cached = client.get(ALL_FEED, headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.data == b""
    festival = client.get(FESTIVAL_FEED)
    cached = client.get(FESTIVAL_FEED, headers={"If-None-Match": festival.headers["ETag"]})
    assert cached.status_code == 304


def test_withdrawn_piece_leaves_the_feeds_and_last_modified_moves_on(app, client, users, publish):
    kept = publish()
    withdrawn = publish(at=PUBLISHED_AT + timedelta(hours=1), headline="Red Rocket, again")
    backdate_changes(app, PUBLISHED_AT)
    _, before = read_feed(client)

    editor_does(app, users, withdrawn, Action.WITHDRAW, utcnow(), note="Legal")

    for url in (ALL_FEED, FESTIVAL_FEED):
        parsed, _ = read_feed(client, url)
        assert [entry.id for entry in parsed.entries] == [tag_of(app, kept)]
    # A client that only sends If-Modified-Since must not keep the withdrawn piece.
    since = client.get(ALL_FEED, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert since.status_code == 200


def test_piece_leaves_the_feeds_while_its_embargo_is_ahead_and_returns_after(
    app, client, programme, publish
):
    piece_id = publish()

    set_film_embargo(app, programme["film"], utcnow() + timedelta(days=1))
    for url in (ALL_FEED, FESTIVAL_FEED):
        parsed, _ = read_feed(client, url)
        assert parsed.entries == []

    set_film_embargo(app, programme["film"], utcnow() - timedelta(minutes=1))
    for url in (ALL_FEED, FESTIVAL_FEED):
        parsed, _ = read_feed(client, url)
        assert [entry.id for entry in parsed.entries] == [tag_of(app, piece_id)]


def test_scheduled_piece_is_absent_until_the_publishing_job_publishes_it(
    app, client, programme, publish
):
    set_film_embargo(app, programme["film"], PUBLISHED_AT + timedelta(hours=6))
    piece_id = publish()
    assert piece_row(app, piece_id).state is PieceState.SCHEDULED

    parsed, _ = read_feed(client)
    assert parsed.entries == []

    with app.app_context():
        published_at = utcnow()
        pieces.publish_due(published_at)
        db.session.commit()

    parsed, _ = read_feed(client, FESTIVAL_FEED)
    (entry,) = parsed.entries
    assert entry.id == tag_of(app, piece_id)
    assert moment(entry.published_parsed) == published_at.replace(microsecond=0)


def test_feed_of_everything_carries_only_the_latest_pieces(app, client, publish, monkeypatch):
    monkeypatch.setattr(feed_views, "ALL_FEED_LIMIT", 2)
    ids = [publish(at=PUBLISHED_AT + timedelta(hours=hour)) for hour in range(3)]

    everything, _ = read_feed(client)
    festival, _ = read_feed(client, FESTIVAL_FEED)

    assert [entry.id for entry in everything.entries] == [tag_of(app, i) for i in ids[:0:-1]]
    assert len(festival.entries) == 3


def test_feed_queries_do_not_grow_with_the_number_of_pieces(app, client, publish):
    publish()
    client.get(ALL_FEED)  # the install's first feed stores its UID domain, once ever
    one = {url: count_page_queries(app, client, url) for url in (ALL_FEED, FESTIVAL_FEED)}
    for hour in range(1, 6):
        publish(at=PUBLISHED_AT + timedelta(hours=hour), headline=f"Red Rocket, take {hour}")
    six = {url: count_page_queries(app, client, url) for url in (ALL_FEED, FESTIVAL_FEED)}

    assert len(read_feed(client)[0].entries) == 6
    assert six == one


def test_feed_ids_stay_the_same_when_the_site_or_the_festival_moves(
    app, client, programme, publish
):
    publish()
    first, _ = read_feed(client, FESTIVAL_FEED)
    everything, _ = read_feed(client)
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.com"
    with app.app_context():
        db.session.get(Festival, programme["festival"]).slug = "tf-2021"
        db.session.commit()
    moved, _ = read_feed(client, "/film-festivals/tf-2021/feed.atom")
    assert moved.feed.id == first.feed.id
    assert read_feed(client)[0].feed.id == everything.feed.id
    assert moved.entries[0].id == first.entries[0].id
