"""The notifications page, the count in the top bar, and the email choices in the account."""

from __future__ import annotations

import re

from sqlalchemy import select

from coverage.extensions import db
from coverage.identity import InstallSetting
from coverage.notifications import services as notifications
from coverage.notifications.models import EmailPreference
from coverage.notifications.rules import Delivery, NoticeKind
from coverage.pieces.workflow import Action
from tests.conftest import log_in
from tests.notifications.conftest import assign, notices, step


def test_the_writer_sees_an_unread_count_and_opens_the_notice(app, client, desk):
    piece_id = assign(desk)
    step(desk, "editor", Action.SPIKE, note="Covered elsewhere")
    step(desk, "editor", Action.RESTORE, note="Back on")
    log_in(client, "writer@example.org")
    page = client.get("/my-work").get_data(as_text=True)
    assert "Notifications (1)" in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Assigned to you: Review: Red Rocket" in listing
    assert "1 unread" in listing and 'class="notice unread"' in listing
    [notice] = notices(app, desk.ids["writer"])
    # Opening is a POST: it marks the notice read and goes to the piece.
    response = client.post_form("/notifications/open", {"notice": notice.id}, page="/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/pieces/{piece_id}")
    assert notices(app, desk.ids["writer"])[0].read_at is not None
    page = client.get("/notifications").get_data(as_text=True)
    assert "Notifications (1)" not in page and "0 unread" in page
    assert 'class="notice unread"' not in page


def test_nobody_opens_anyone_elses_notice(app, client, desk):
    assign(desk)
    [notice] = notices(app, desk.ids["writer"])
    log_in(client, "editor@example.org")
    response = client.post_form("/notifications/open", {"notice": notice.id}, page="/notifications")
    assert response.status_code == 404
    assert notices(app, desk.ids["writer"])[0].read_at is None
    assert "Assigned to you" not in client.get("/notifications").get_data(as_text=True)


def test_mark_all_read(app, client, desk):
    assign(desk, editor_id=desk.ids["editor"])
    step(desk, "editor", Action.SPIKE, note="Not this year")
    with app.app_context():
        notifications.notify(
            desk.user("writer"),
            NoticeKind.APPROVED,
            subject="Second",
            body="b",
            link="/",
            now=notices(app)[0].created_at,
        )
        db.session.commit()
    log_in(client, "writer@example.org")
    assert "Notifications (2)" in client.get("/notifications").get_data(as_text=True)
    response = client.post_form("/notifications/read-all", page="/notifications")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marked 2 notifications read." in page
    assert all(n.read_at is not None for n in notices(app, desk.ids["writer"]))


def test_email_choices_are_saved_from_the_account_page(app, client, desk):
    log_in(client, "editor@example.org")
    page = client.get("/account").get_data(as_text=True)
    # By default every kind is ticked, at once.
    for kind in NoticeKind:
        assert re.search(
            rf'checked id="email-email_{kind.value}"|id="email-email_{kind.value}"[^>]*checked',
            page,
        ), kind
    assert re.search(r'checked id="email-delivery-0"|id="email-delivery-0"[^>]*checked', page)
    data = {f"email-email_{k.value}": "y" for k in NoticeKind if k is not NoticeKind.FILED}
    data["email-delivery"] = Delivery.DAILY_DIGEST.value
    response = client.post_form("/account/email", data)
    assert response.status_code == 302
    # Back at the top of the page, where the confirmation shows (not scrolled past it).
    assert "#" not in response.headers["Location"]
    assert "Your email choices are saved." in client.get("/account").get_data(as_text=True)
    with app.app_context():
        preference = db.session.get(EmailPreference, desk.ids["editor"])
        assert preference.delivery is Delivery.DAILY_DIGEST
        assert notifications.emailed_kinds(preference) == set(NoticeKind) - {NoticeKind.FILED}
    page = client.get("/account").get_data(as_text=True)
    assert not re.search(r'checked id="email-email_filed"|id="email-email_filed"[^>]*checked', page)


def test_a_writer_is_offered_only_the_kinds_that_reach_writers(app, client, desk):
    log_in(client, "writer@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "A writer declines an assignment" not in page and "Copy is filed" not in page
    for kind in (NoticeKind.ASSIGNED, NoticeKind.RETURNED, NoticeKind.SCHEDULE_CHANGED):
        assert kind.label in page
    # The writer once turned filed mail off (say, as an editor); saving keeps that as it was.
    with app.app_context():
        notifications.save_preferences(
            desk.user("writer"),
            [k for k in NoticeKind if k is not NoticeKind.FILED],
            Delivery.AT_ONCE,
        )
        db.session.commit()
    data = {"email-email_returned": "y", "email-email_declined": "y", "email-delivery": "at_once"}
    assert client.post_form("/account/email", data).status_code == 302
    with app.app_context():
        preference = db.session.get(EmailPreference, desk.ids["writer"])
        # Only returned of the shown kinds; declined (posted but not shown) stays on, filed off.
        assert notifications.emailed_kinds(preference) == {
            NoticeKind.RETURNED,
            NoticeKind.DECLINED,
        }


def test_a_form_without_a_delivery_choice_is_refused_and_saves_nothing(app, client, desk):
    log_in(client, "writer@example.org")
    response = client.post_form("/account/email", {"email-email_assigned": "y"})
    assert response.status_code == 422
    assert "Choose at once or a daily digest." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(EmailPreference, desk.ids["writer"]) is None


def test_the_address_a_user_signs_in_at_is_kept_for_email_links(app, client, desk):
    with app.app_context():
        assert notifications.site_url() == "http://127.0.0.1:5000"
    client.get("/login")  # a page view writes nothing; an anonymous Host is not trusted
    with app.app_context():
        stored = select(InstallSetting).where(InstallSetting.key == "site_url")
        assert db.session.scalar(stored) is None
    log_in(client, "writer@example.org")  # a writer's Host is not trusted either
    with app.app_context():
        assert notifications.site_url() == "http://127.0.0.1:5000"
    client.post_form("/logout")
    log_in(client, "admin@example.org")
    with app.app_context():
        assert notifications.site_url() == "http://coverage.test"
        app.config["PUBLIC_BASE_URL"] = "https://desk.example.org"
        assert notifications.site_url() == "https://desk.example.org"


def test_the_list_costs_the_same_queries_for_many_notices(app, client, desk):
    from tests.conftest import count_page_queries

    assign(desk)
    log_in(client, "writer@example.org")
    few = count_page_queries(app, client, "/notifications")
    with app.app_context():
        for number in range(30):
            notifications.notify(
                desk.user("writer"),
                NoticeKind.APPROVED,
                subject=f"Notice {number}",
                body="b",
                link="/pieces/1",
                now=notices(app)[0].created_at,
                piece=desk.piece(),
            )
        db.session.commit()
    assert count_page_queries(app, client, "/notifications") == few
