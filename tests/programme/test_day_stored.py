"""A festival day's schedule is built once per change of the festival's data and kept
(coverage.fragments): every kind of change is seen at the next request, each viewer gets what
their role may do, and each session's forms carry its own CSRF token.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete

from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.fragments import CSRF_SLOT
from coverage.pieces import services as pieces
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Screening
from tests.conftest import DeskClient, count_statements, log_in, without_csrf_tokens

DAY = "2021-10-10"
TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')


def day_url(programme, day: str = DAY) -> str:
    return f"/festivals/{programme['slug']}/days/{day}"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_stored_day_is_the_same_page_for_fewer_queries(app, client, login, programme, users):
    login("editor")
    url = day_url(programme)
    built_count, built = count_statements(app, lambda: client.get(url))
    stored_count, stored = count_statements(app, lambda: client.get(url))

    assert without_csrf_tokens(stored.get_data(as_text=True)) == without_csrf_tokens(
        built.get_data(as_text=True)
    )
    assert stored_count < built_count
    assert CSRF_SLOT not in stored.get_data(as_text=True)


def test_a_cancelled_screening_is_struck_through_at_once(app, client, login, programme, users):
    login("editor")
    url = day_url(programme)
    html = page(client, url)
    assert "tag-cancelled" not in html
    cancel = rf'action="(/festivals/[^"]+/screenings/{programme["public"]}/cancel)"'
    form = re.search(cancel + r'.*?name="csrf_token" value="([^"]+)"', html, re.S)

    response = client.post(form.group(1), data={"csrf_token": form.group(2), "back": url})

    assert response.status_code == 302
    html = page(client, url)
    assert "tag-cancelled" in html and "Restore screening" in html


def test_a_renamed_film_a_moved_venue_and_a_new_zone_are_seen(app, client, login, programme, users):
    login("writer")
    url = day_url(programme)
    assert "Red Rocket" in page(client, url)
    with app.app_context():
        db.session.get(Film, programme["film"]).title = "Red Rocket (2021)"
        db.session.commit()
    assert "Red Rocket (2021)" in page(client, url)

    with app.app_context():
        db.session.get(Venue, programme["odeon"]).name = "Odeon West End"
        db.session.commit()
    assert "Odeon West End" in page(client, url)

    with app.app_context():
        db.session.get(Festival, programme["festival"]).timezone = "Asia/Manila"
        db.session.commit()
    # 18:30 in London is 01:30 the next day in Manila: the screening leaves this day.
    assert "Red Rocket" not in page(client, url)
    assert "Red Rocket" in page(client, day_url(programme, "2021-10-11"))


def test_a_screening_deleted_without_any_other_write_is_gone(app, client, login, programme, users):
    login("writer")
    url = day_url(programme)
    assert f'id="screening-{programme["public"]}"' in page(client, url)
    with app.app_context():
        db.session.execute(delete(Screening).where(Screening.id == programme["public"]))
        db.session.commit()
    assert f'id="screening-{programme["public"]}"' not in page(client, url)


def test_a_piece_sent_to_a_screening_changes_its_cancel_button(
    app, client, login, programme, users
):
    """Cancelling a screening nobody attends asks in the browser; once a piece sends a writer
    to it, the button goes to the page naming the piece instead (no data-confirm)."""
    login("editor")
    url = day_url(programme)
    assert "data-confirm" in page(client, url)
    with app.app_context():
        piece = pieces.get_piece(programme["piece"])
        piece.screening_id = programme["public"]
        db.session.commit()
    assert "data-confirm" not in page(client, url)


def test_each_session_posts_with_its_own_token_from_a_stored_day(app, programme, users):
    url = day_url(programme)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert isinstance(client, DeskClient)
        log_in(client, "editor@example.org")
    first_tokens = set(TOKENS.findall(page(first, url)))
    second_tokens = set(TOKENS.findall(page(second, url)))  # served as stored
    assert len(first_tokens) == len(second_tokens) == 1
    assert first_tokens != second_tokens

    cancel = f"/festivals/{programme['slug']}/screenings/{programme['press']}/cancel"
    posted = second.post(cancel, data={"csrf_token": second_tokens.pop(), "back": url})
    assert posted.status_code == 302
    refused = second.post(cancel, data={"csrf_token": "forged", "back": url})
    assert refused.status_code == 400


def test_a_writer_never_gets_the_editors_stored_day(app, client, login, programme, users):
    editor = app.test_client()
    log_in(editor, "editor@example.org")
    url = day_url(programme)
    assert "Cancel screening" in page(editor, url)

    login("writer")
    html = page(client, url)
    assert "Cancel screening" not in html and "Add a screening" not in html
    assert "Add to calendar" in html


def test_filters_are_stored_apart(app, client, login, programme, users):
    with app.app_context():
        db.session.add(
            Screening(
                festival_id=programme["festival"],
                film_id=programme["film"],
                venue_id=programme["nft1"],
                starts_at=datetime(2021, 10, 10, 11, 0, tzinfo=UTC),
                ends_at=datetime(2021, 10, 10, 13, 0, tzinfo=UTC),
                kind=ScreeningKind.PRESS,
            )
        )
        db.session.commit()
    login("writer")
    url = day_url(programme)
    assert "2 of 2 screenings shown" in page(client, url)
    assert "1 of 2 screenings shown" in page(client, f"{url}?kind=press")
    assert "2 of 2 screenings shown" in page(client, url)
