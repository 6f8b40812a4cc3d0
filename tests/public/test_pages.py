"""Public pages readers see without logging in: the piece page in house style, hubs, index."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import extruct
import pytest

from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.workflow import Action
from coverage.programme.models import Film
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

BASE = "http://coverage.test"
HUB = "/film-festivals/test-festival-2021/"
RED_ROCKET = HUB + "red-rocket-review"


def dress_festival(app, programme, *, release: date | None = None) -> None:
    """The facts the house-style lines are made from: organiser, website, trailer, release."""
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        festival.website = "https://www.bfi.org.uk/london-film-festival"
        festival.organiser = "BFI"
        film = db.session.get(Film, programme["film"])
        film.trailer_url = "https://www.youtube.com/watch?v=redrocket"
        film.year = 2021
        film.release_date = release
        db.session.commit()


def page_text(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def test_a_published_review_reads_like_the_house_style_example(app, client, programme, publish):
    dress_festival(app, programme)
    other_festival, other_film = second_festival(app)
    publish(
        headline="Other Festival 2022: Aftersun | Review",
        film_id=other_film,
        festival_id=other_festival,
        writer="admin",
        at=PUBLISHED_AT - timedelta(days=3),
    )
    publish()

    page = page_text(client, RED_ROCKET)

    crumbs = '<li><a href="/film-festivals/">Film festivals</a></li>'
    assert crumbs + f'<li><a href="{HUB}">Test Festival 2021</a></li>' in page
    assert '<h1 class="article-headline">Test Festival 2021: Red Rocket | Review</h1>' in page
    assert 'aria-label="4 out of 5 stars">★★★★' in page
    assert "Sean Baker&#39;s Texas comedy runs on nerve" in page
    assert page.count("<p>", page.index("article-body"), page.index("byline")) == 4
    assert '<p class="byline">Wyn Writer</p>' in page
    assert "<em>Red Rocket does not have a UK release date yet.</em>" in page
    assert (
        "Read more reviews and interviews from our Test Festival 2021 coverage "
        f'<a href="{HUB}" aria-label="All our Test Festival 2021 coverage">here</a>.'
    ) in page
    assert "For further information about the festival visit the official BFI website " in page
    assert 'href="https://www.bfi.org.uk/london-film-festival"' in page
    assert "Watch the trailer for Red Rocket " in page
    assert 'href="https://www.youtube.com/watch?v=redrocket"' in page
    more = page[page.index("More in Film festivals") :]
    assert "Other Festival 2022: Aftersun | Review" in more
    assert "(Ada Admin)" in more
    assert "Red Rocket | Review" not in more  # never links to itself
    assert '<p class="dateline">12th October 2021</p>' in page


def test_the_release_footer_follows_the_film_and_the_home_market(app, client, programme, publish):
    dress_festival(app, programme, release=date(2099, 2, 11))
    publish()
    assert "Red Rocket is released in UK cinemas on 11th February 2099." in page_text(
        client, RED_ROCKET
    )
    dress_festival(app, programme, release=date(2022, 2, 11))
    page = page_text(client, RED_ROCKET)
    assert "Red Rocket is released" not in page
    assert "release date yet" not in page
    dress_festival(app, programme)
    app.config["HOME_MARKET"] = "IE"
    assert "Red Rocket does not have an Irish release date yet." in page_text(client, RED_ROCKET)


def test_public_pages_need_no_login_and_set_no_cookie(client, publish):
    publish()
    for url in (RED_ROCKET, HUB, "/film-festivals/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "/login" not in response.get_data(as_text=True)


def test_a_piece_not_yet_published_is_not_found(app, client, programme, users, publish):
    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(hours=1))
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        # Approved but never published: it has an address, readers do not.
        fresh = pieces.create_piece(
            piece.festival, piece.editor, pieces.PlanFields(kind=PieceKind.NEWS), PUBLISHED_AT
        )
        fresh.slug = "festival-news"
        db.session.commit()
    page_text(client, HUB + "festival-news", 404)
    page_text(client, HUB + "no-such-piece", 404)
    page_text(client, "/film-festivals/no-such-festival/red-rocket-review", 404)


def test_a_correction_keeps_the_published_text_live_until_it_is_republished(
    app, client, users, publish
):
    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(hours=1))
    with app.app_context():
        from coverage.accounts.models import User
        from coverage.drafts import services as drafts

        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        text = drafts.Text(piece.headline, piece.standfirst, "A corrected first line.", 4)
        drafts.save_draft(
            piece, editor, text, base_version=piece.version, now=PUBLISHED_AT + timedelta(hours=2)
        )
        db.session.commit()
    page = page_text(client, RED_ROCKET)
    assert "camera loves Texas City" in page
    assert "A corrected first line." not in page


def test_a_changed_headline_moves_the_address_and_the_old_one_redirects(
    app, client, users, publish
):
    piece_id = publish()
    correct(
        app,
        users,
        piece_id,
        "Test Festival 2021: Red Rocket | Review (corrected)",
        PUBLISHED_AT + timedelta(days=2),
    )

    old = client.get(RED_ROCKET)
    assert old.status_code == 301
    assert old.headers["Location"].endswith(HUB + "red-rocket-review-corrected")
    page = page_text(client, HUB + "red-rocket-review-corrected")
    assert "Red Rocket | Review (corrected)" in page
    # First published on the 12th, updated on the 14th: both dates, both in the data.
    assert "12th October 2021 · Updated 14th October 2021" in page
    assert piece_row(app, piece_id).first_published_at == PUBLISHED_AT


def test_two_pieces_with_the_same_headline_get_distinct_addresses(app, client, publish):
    first = publish()
    second = publish(writer="admin", at=PUBLISHED_AT + timedelta(hours=1))
    assert piece_row(app, first).slug == "red-rocket-review"
    assert piece_row(app, second).slug == "red-rocket-review-2"
    assert "Ada Admin" in page_text(client, RED_ROCKET + "-2")


@pytest.mark.parametrize("action", [Action.WITHDRAW])
def test_a_withdrawn_piece_is_gone_and_comes_back_when_restored(
    app, client, users, publish, action
):
    piece_id = publish()
    editor_does(app, users, piece_id, action, PUBLISHED_AT + timedelta(days=1), note="Legal.")
    assert piece_row(app, piece_id).state is PieceState.SPIKED
    response = client.get(RED_ROCKET)
    assert response.status_code == 410
    assert "This article has been withdrawn." in response.get_data(as_text=True)
    assert "Red Rocket" not in page_text(client, HUB)
    editor_does(app, users, piece_id, Action.RESTORE, PUBLISHED_AT + timedelta(days=2), note="OK")
    assert piece_row(app, piece_id).state is PieceState.PUBLISHED
    page_text(client, RED_ROCKET)


def test_a_correction_spiked_before_republication_takes_the_page_down(app, client, users, publish):
    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(hours=1))
    editor_does(app, users, piece_id, Action.SPIKE, PUBLISHED_AT + timedelta(hours=2), note="No.")
    assert client.get(RED_ROCKET).status_code == 410


def test_nothing_is_shown_before_its_embargo(app, client, programme, users, publish):
    piece_id = publish()
    ahead = utcnow() + timedelta(days=1)
    set_film_embargo(app, programme["film"], ahead)
    page_text(client, RED_ROCKET, 404)
    assert "Red Rocket" not in page_text(client, HUB)
    assert "Red Rocket" not in page_text(client, "/film-festivals/")
    set_film_embargo(app, programme["film"], utcnow() - timedelta(minutes=1))
    page_text(client, RED_ROCKET)
    assert piece_row(app, piece_id).state is PieceState.PUBLISHED


def test_a_scheduled_piece_goes_live_only_when_the_publishing_job_publishes_it(
    app, client, programme, publish
):
    embargo = PUBLISHED_AT + timedelta(hours=6)
    set_film_embargo(app, programme["film"], embargo)
    piece_id = publish()
    assert piece_row(app, piece_id).state is PieceState.SCHEDULED
    page_text(client, RED_ROCKET, 404)
    assert "Red Rocket" not in page_text(client, HUB)
    with app.app_context():
        assert pieces.publish_due(embargo - timedelta(minutes=1)) == []
        db.session.commit()
    page_text(client, RED_ROCKET, 404)
    with app.app_context():
        (published,) = pieces.publish_due(embargo + timedelta(seconds=30))
        db.session.commit()
        assert published.id == piece_id
    page = page_text(client, RED_ROCKET)
    assert '<p class="dateline">12th October 2021</p>' in page
    assert piece_row(app, piece_id).first_published_at == embargo + timedelta(seconds=30)


def test_the_hub_groups_live_pieces_by_kind_newest_first_with_ratings(client, publish):
    publish(headline="An older review", at=PUBLISHED_AT - timedelta(days=1), stars=2)
    publish(headline="A newer review", at=PUBLISHED_AT, stars=5)
    publish(
        kind=PieceKind.INTERVIEW,
        headline="“A comedy until it is not”: Sean Baker on Red Rocket at Test Festival 2021",
        standfirst="The director on Texas City.",
        body="He said: “A comedy until it is not.”",
        at=PUBLISHED_AT + timedelta(days=1),
    )
    publish(kind=PieceKind.NEWS, headline="Festival opens", film_id=None, stars=None)
    page = page_text(client, HUB)
    sections = [page.index(f'id="kind-{kind}"') for kind in ("review", "interview", "news")]
    assert sections == sorted(sections)
    assert page.index("A newer review") < page.index("An older review")
    assert 'aria-label="5 out of 5 stars">★★★★★' in page
    assert 'aria-label="2 out of 5 stars">★★' in page
    assert "Festival opens" in page
    assert page.count('aria-label="') >= 2


def test_a_festival_without_live_coverage_has_an_empty_hub(client, programme):
    page = page_text(client, HUB)
    assert "Nothing from Test Festival 2021 is published yet." in page
    page_text(client, "/film-festivals/no-such-festival/", 404)


def test_the_index_lists_every_hub_with_live_coverage(app, client, programme, publish):
    other_festival, other_film = second_festival(app)
    publish()
    publish(
        headline="Other Festival 2022: Aftersun | Review",
        film_id=other_film,
        festival_id=other_festival,
    )
    page = page_text(client, "/film-festivals/")
    assert f'<a href="{HUB}">Test Festival 2021</a>' in page
    assert '<a href="/film-festivals/other-festival-2022/">Other Festival 2022</a>' in page
    assert "Test Festival 2021: Red Rocket | Review" in page


def test_pages_carry_validators_and_answer_conditional_gets(client, publish, built_seconds_later):
    publish()
    for url in (RED_ROCKET, HUB, "/film-festivals/"):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert first.headers["Last-Modified"]
        assert "public" in first.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304


def test_a_withdrawal_changes_the_hubs_validators(app, client, users, publish):
    keep = publish(headline="Kept review")
    gone = publish(headline="Withdrawn review", at=PUBLISHED_AT + timedelta(hours=1))
    backdate_changes(app, PUBLISHED_AT + timedelta(days=1))
    before = client.get(HUB)
    editor_does(app, users, gone, Action.WITHDRAW, utcnow(), note="Legal.")
    after = client.get(HUB, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert "Withdrawn review" not in after.get_data(as_text=True)
    assert piece_row(app, keep).state is PieceState.PUBLISHED


def test_piece_page_metadata_and_schema_org_review(app, client, programme, publish):
    dress_festival(app, programme)
    publish()
    html = page_text(client, RED_ROCKET)
    data = extruct.extract(html, base_url=BASE + RED_ROCKET, syntaxes=["json-ld", "opengraph"])
    (review,) = data["json-ld"]
    assert review["@type"] == "Review"
    assert review["headline"] == "Test Festival 2021: Red Rocket | Review"
    assert review["url"] == BASE + RED_ROCKET
    assert review["author"] == {"@type": "Person", "name": "Wyn Writer"}
    assert review["datePublished"] == "2021-10-12T09:00:00Z"
    assert review["itemReviewed"] == {
        "@type": "Movie",
        "name": "Red Rocket",
        "director": [{"@type": "Person", "name": "Sean Baker"}],
        "dateCreated": "2021",
    }
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
    }
    (og,) = data["opengraph"]
    props = dict(og["properties"])
    assert props["og:title"] == "Test Festival 2021: Red Rocket | Review"
    assert props["og:url"] == BASE + RED_ROCKET
    assert props["og:type"] == "article"
    assert f'<link rel="canonical" href="{BASE}{RED_ROCKET}">' in html
    assert "<title>Test Festival 2021: Red Rocket | Review | Festival Coverage</title>" in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_other_kinds_are_schema_org_articles_and_script_text_cannot_break_out(client, publish):
    publish(
        kind=PieceKind.NEWS,
        headline="</script><script>alert(1)</script> Festival opens",
        film_id=None,
        stars=None,
    )
    response = client.get("/film-festivals/")
    url = response.get_data(as_text=True).split('href="')[-1]
    html = page_text(client, HUB)
    link = html[html.index('class="teaser-headline" href="') + 30 :].split('"')[0]
    page = page_text(client, link)
    assert "<script>alert(1)</script>" not in page
    (article,) = extruct.extract(page, syntaxes=["json-ld"])["json-ld"]
    assert article["@type"] == "Article"
    assert "itemReviewed" not in article and "reviewRating" not in article
    assert article["headline"].endswith("Festival opens")
    assert url


def test_public_pages_run_the_same_queries_for_two_pieces_or_many(app, client, publish):
    publish()
    publish(headline="Another review", at=PUBLISHED_AT - timedelta(hours=1))
    counts = {
        url: count_page_queries(app, client, url) for url in (RED_ROCKET, HUB, "/film-festivals/")
    }
    for n in range(6):
        publish(headline=f"Review number {n}", at=PUBLISHED_AT + timedelta(hours=n + 1))
    for url, count in counts.items():
        assert count_page_queries(app, client, url) == count, url


def test_the_desk_piece_page_says_when_it_went_live_and_links_to_it(app, client, login, publish):
    piece_id = publish()
    login("editor")
    page = page_text(client, f"/pieces/{piece_id}")
    assert "Live since Tue 12 Oct 2021, 10:00 London time" in page
    assert f'<a href="{BASE}{RED_ROCKET}">' in page
    assert "Export for the CMS" in page
    assert f'href="/pieces/{piece_id}/export.md"' in page


def test_a_date_in_the_dateline_is_the_festivals(app, client, publish):
    publish(at=datetime(2021, 10, 12, 23, 30, tzinfo=PUBLISHED_AT.tzinfo))
    # 23:30 UTC is 00:30 on the 13th in London.
    assert '<p class="dateline">13th October 2021</p>' in page_text(client, RED_ROCKET)


def _move_festival(app, festival_id: int, slug: str) -> None:
    from dataclasses import fields, replace

    from coverage.festivals import services as festivals
    from coverage.programme.rules import FestivalFields

    with app.app_context():
        festival = db.session.get(Festival, festival_id)
        current = FestivalFields(
            **{f.name: getattr(festival, f.name) for f in fields(FestivalFields)}
        )
        festivals.update_festival(festival, replace(current, slug=slug))
        db.session.commit()


def test_a_festival_that_changes_its_address_keeps_its_published_links(
    app, client, programme, publish
):
    publish()
    _move_festival(app, programme["festival"], "tf-2021")

    for old, new in [
        (RED_ROCKET, "/film-festivals/tf-2021/red-rocket-review"),
        (HUB, "/film-festivals/tf-2021/"),
        (HUB + "feed.atom", "/film-festivals/tf-2021/feed.atom"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new)
        assert client.get(new).status_code == 200
    page_text(client, "/film-festivals/tf-2021/no-such-piece", 404)

    # Back to the first address: it is current again, and the other one redirects.
    _move_festival(app, programme["festival"], "test-festival-2021")
    page_text(client, RED_ROCKET)
    assert client.get("/film-festivals/tf-2021/red-rocket-review").status_code == 301


def test_no_other_festival_may_take_an_address_with_published_links(app, programme):
    from coverage.errors import InvalidInput
    from coverage.festivals import services as festivals
    from coverage.programme.rules import FestivalFields

    _move_festival(app, programme["festival"], "tf-2021")
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        festivals.create_festival(
            FestivalFields(
                name="Test Festival",
                edition=2021,
                timezone="Europe/London",
                start_date=date(2021, 10, 6),
                end_date=date(2021, 10, 17),
            )
        )
    assert refused.value.field == "slug"
    assert "was the address of Test Festival 2021" in refused.value.message


def test_the_desk_is_told_truly_why_a_live_piece_is_hidden(
    app, client, login, programme, users, publish
):
    piece_id = publish()
    with app.app_context():
        from coverage.programme.kinds import EmbargoRule
        from coverage.programme.models import Screening

        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        db.session.get(Screening, programme["public"]).cancelled = True
        db.session.commit()
    page_text(client, RED_ROCKET, 404)
    login("editor")
    page = page_text(client, f"/pieces/{piece_id}")
    assert "Red Rocket has no public screening left, so its embargo" in page
    assert "when the embargo lifts" not in page

    set_film_embargo(app, programme["film"], utcnow() + timedelta(days=1))
    page = page_text(client, f"/pieces/{piece_id}")
    assert "its embargo has moved later; it reappears at" in page


@pytest.mark.parametrize("url", ["/film-festivals/", "/film-festivals/feed.atom", "/sitemap.xml"])
def test_renaming_a_festival_moves_last_modified_of_every_list_that_names_it(
    app, client, programme, publish, url, built_seconds_later
):
    publish()
    backdate_changes(app, PUBLISHED_AT + timedelta(days=1))
    before = client.get(url)
    with app.app_context():
        db.session.get(Festival, programme["festival"]).name = "Renamed Festival"
        db.session.commit()
    after = client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]


def test_an_approved_headline_change_exports_the_address_it_will_have(
    app, client, login, users, publish
):
    import yaml

    from coverage.accounts.models import User
    from coverage.drafts import services as drafts

    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(days=1))
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        text = drafts.Text("Red Rocket, reconsidered", piece.standfirst, piece.body, 4)
        editor = db.session.get(User, users["editor"])
        drafts.save_draft(piece, editor, text, base_version=piece.version, now=utcnow())
        db.session.commit()
    editor_does(app, users, piece_id, Action.APPROVE, PUBLISHED_AT + timedelta(days=1, hours=1))
    login("editor")

    def canonical() -> str:
        document = client.get(f"/pieces/{piece_id}/export.md").get_data(as_text=True)
        return yaml.safe_load(document.split("---\n")[1])["canonical_url"]

    assert canonical() == f"{BASE}{HUB}red-rocket-reconsidered"
    page_text(client, RED_ROCKET)  # readers still have the old headline at the old address
    editor_does(app, users, piece_id, Action.PUBLISH, PUBLISHED_AT + timedelta(days=1, hours=2))
    assert client.get(RED_ROCKET).status_code == 301
    assert canonical() == f"{BASE}{HUB}red-rocket-reconsidered"
    assert "Red Rocket, reconsidered" in page_text(client, HUB + "red-rocket-reconsidered")


@pytest.mark.parametrize(
    "change,field",
    [({"kind": "news"}, "kind"), ({"film_id": None, "kind": "feature"}, "kind")],
)
def test_a_correction_cannot_turn_the_published_piece_into_another(
    app, client, programme, users, publish, change, field
):
    from coverage.accounts.models import User
    from coverage.accounts.services import issue_api_token

    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(days=1))
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "t")
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/pieces/{piece_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, json=change, headers=headers | {"If-Match": etag})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == field
    page = page_text(client, RED_ROCKET)
    assert '"@type": "Review"' in page and "★★★★" in page


def test_a_correction_cannot_move_the_published_review_to_another_film(
    app, client, programme, users, publish
):
    from coverage.errors import InvalidInput
    from coverage.programme import services as programme_services
    from coverage.programme.rules import FilmFields

    piece_id = publish()
    editor_does(app, users, piece_id, Action.CORRECT, PUBLISHED_AT + timedelta(days=1))
    with app.app_context():
        from coverage.accounts.models import User

        piece = pieces.get_piece(piece_id)
        other = programme_services.create_film(piece.festival, FilmFields(title="Spencer"))
        editor = db.session.get(User, users["editor"])
        plan = pieces.PlanFields(kind=PieceKind.REVIEW, film_id=other.id, writer_id=users["writer"])
        with pytest.raises(InvalidInput) as refused:
            pieces.update_plan(piece, editor, plan)
        assert refused.value.field == "film_id"


def test_a_body_only_correction_keeps_the_address_after_the_festival_is_renamed(
    app, client, programme, users, publish
):
    piece_id = publish()
    with app.app_context():
        db.session.get(Festival, programme["festival"]).name = "TF"
        db.session.commit()
    correct(
        app,
        users,
        piece_id,
        "Test Festival 2021: Red Rocket | Review",
        PUBLISHED_AT + timedelta(days=1),
    )
    assert piece_row(app, piece_id).slug == "red-rocket-review"
    page_text(client, RED_ROCKET)


def test_a_public_calendar_subscription_follows_a_festival_slug_change(app, client, programme):
    with app.app_context():
        db.session.get(Festival, programme["festival"]).is_public = True
        db.session.commit()
    _move_festival(app, programme["festival"], "tf-2021")
    response = client.get("/calendars/public/test-festival-2021.ics")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/calendars/public/tf-2021.ics")
    assert client.get("/calendars/public/tf-2021.ics").status_code == 200
