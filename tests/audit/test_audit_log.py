"""The admins' audit log page, and the desk's acts that land in it (who, when, from where)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import Flask

from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.audit.actions import AuditAction
from coverage.audit.services import Origin, record
from coverage.extensions import db
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow
from coverage.worker import run_worker
from tests.conftest import DeskClient, count_page_queries, log_in
from tests.programme import test_import as imports

ADDRESS = "203.0.113.9"
BROWSER = "DeskBrowser/1.0 (audit test)"
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def audit_rows(client: DeskClient, **params) -> list[str]:
    """The audit page's rows as text, newest first (the client is an admin's)."""
    response = client.get("/admin/audit", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    tbody = body[body.find("<tbody>") : body.find("</tbody>")] if "<tbody>" in body else ""
    return [text_of(row) for row in ROW.findall(tbody)]


@pytest.fixture
def admin_view(app: Flask, users) -> DeskClient:
    """An admin, logged in on a browser of their own."""
    admin = app.test_client()
    assert log_in(admin, "admin@example.org").status_code == 302
    return admin


@pytest.fixture
def editor_web(app: Flask, users) -> DeskClient:
    """The editor, on a browser at ADDRESS."""
    editor = app.test_client()
    editor.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER})
    assert log_in(editor, "editor@example.org").status_code == 302
    return editor


@pytest.fixture
def editor_api(app: Flask, users) -> tuple[DeskClient, dict[str, str]]:
    """An API client at ADDRESS and the editor's bearer header."""
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, users["editor"]), "audit test")
        db.session.commit()
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER})
    return client, {"Authorization": f"Bearer {secret}"}


def make_ready(app: Flask, piece_id: int, writer_id: int) -> None:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        piece.writer_id = writer_id
        piece.state = PieceState.READY
        piece.headline = "Red Rocket review"
        piece.body = "A sharp, funny film."
        db.session.commit()


def web_step(client: DeskClient, piece_id: int, action: str, note: str = ""):
    page = f"/pieces/{piece_id}"
    return client.post_form(
        f"{page}/transitions", {"action": action, "note": note, "state": ""}, page=page
    )


def assert_by_editor_from_address(row: str, label: str) -> None:
    assert label in row
    assert "editor@example.org" in row
    assert ADDRESS in row and BROWSER in row
    assert "UTC" in row


# --- who may read it ------------------------------------------------------------------------


@pytest.mark.parametrize("role,status", [("writer", 403), ("editor", 403), ("admin", 200)])
def test_only_admins_read_the_audit_log(client, users, login, role, status):
    login(role)
    assert client.get("/admin/audit").status_code == status


def test_logged_out_the_audit_log_sends_to_the_log_in_page(client, users):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_nav_links_the_audit_log_for_admins_only(client, users, login, admin_view):
    assert 'href="/admin/audit"' in admin_view.get("/account").get_data(as_text=True)
    login("editor")
    assert 'href="/admin/audit"' not in client.get("/account").get_data(as_text=True)


# --- the page ------------------------------------------------------------------------------


def add_events(app: Flask, count: int, actor_id: int | None = None, **kwargs) -> None:
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        base = utcnow() - timedelta(hours=1)
        for n in range(count):
            record(
                kwargs.get("action", AuditAction.FEED_TOKEN_REGENERATED),
                actor=actor,
                origin=Origin("198.51.100.1", "Script/2", f"req-{n}"),
                target=f"target {n}",
                detail=f"event {n}",
                at=base + timedelta(seconds=n),
            )
        db.session.commit()


def test_events_are_shown_newest_first_with_who_what_where_and_request(app, users, admin_view):
    add_events(app, 2, users["editor"])
    rows = audit_rows(admin_view, action="feed_token_regenerated")
    assert len(rows) == 2
    assert "event 1" in rows[0] and "event 0" in rows[1]
    newest = rows[0]
    for part in ("Calendar feed link regenerated", "editor@example.org", "target 1"):
        assert part in newest
    assert "198.51.100.1" in newest and "Script/2" in newest and "req-1" in newest
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", newest)


def test_filter_by_account_through_the_who_link(app, users, admin_view):
    add_events(app, 2, users["editor"])
    add_events(app, 3, users["writer"])
    page = admin_view.get("/admin/audit?action=feed_token_regenerated").get_data(as_text=True)
    link = f'href="/admin/audit?account={users["writer"]}"'
    assert link in page
    rows = audit_rows(admin_view, account=users["writer"])
    assert len(rows) == 3 and all("writer@example.org" in row for row in rows)


def test_filter_by_action(app, users, admin_view):
    add_events(app, 2, users["editor"])
    add_events(app, 1, users["editor"], action=AuditAction.FESTIVAL_DELETED)
    rows = audit_rows(admin_view, action="festival_deleted")
    assert len(rows) == 1 and "Festival deleted" in rows[0]


@pytest.mark.parametrize(
    "params,field",
    [({"action": "delete_everything"}, "action"), ({"account": "99999999999"}, "account")],
)
def test_a_filter_that_names_nothing_is_a_400_naming_the_field(users, admin_view, params, field):
    response = admin_view.get("/admin/audit", query_string=params)
    assert response.status_code == 400
    assert f"{field}:" in response.get_data(as_text=True)


def test_pages_of_100_with_an_older_link(app, users, admin_view):
    add_events(app, 230, users["editor"])
    seen: list[str] = []
    url: str | None = "/admin/audit?action=feed_token_regenerated"
    sizes = []
    while url:
        body = admin_view.get(url).get_data(as_text=True)
        rows = audit_rows(admin_view, **dict(re.findall(r"(\w+)=([^&]+)", url.split("?")[1])))
        sizes.append(len(rows))
        seen += [re.search(r"event (\d+)", row).group(1) for row in rows]
        older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', body)
        url = html.unescape(older.group(1)) if older else None
    assert sizes == [100, 100, 30]
    assert seen == [str(n) for n in range(229, -1, -1)]


def test_the_page_costs_the_same_queries_however_long_the_log(app, users, admin_view):
    add_events(app, 3, users["editor"])
    few = count_page_queries(app, admin_view, "/admin/audit")
    add_events(app, 150, users["writer"])
    many = count_page_queries(app, admin_view, "/admin/audit")
    assert few == many


# --- the acts that are audited, on the web and over the API --------------------------------


def test_publishing_on_the_web_is_audited(app, users, programme, admin_view, editor_web):
    make_ready(app, programme["piece"], users["writer"])
    assert web_step(editor_web, programme["piece"], "publish").status_code == 302
    rows = audit_rows(admin_view, action="published")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Piece published")
    assert f"piece {programme['piece']}: Red Rocket review" in rows[0]


def test_publishing_over_the_api_is_audited(app, users, programme, admin_view, editor_api):
    make_ready(app, programme["piece"], users["writer"])
    client, headers = editor_api
    url = f"/api/v1/pieces/{programme['piece']}/transitions"
    assert client.post(url, json={"action": "publish"}, headers=headers).status_code == 200
    rows = audit_rows(admin_view, action="published")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Piece published")


def test_spiking_on_the_web_is_audited_with_its_reason(
    app, users, programme, admin_view, editor_web
):
    assert web_step(editor_web, programme["piece"], "spike", "Film withdrawn").status_code == 302
    rows = audit_rows(admin_view, action="spiked")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Piece spiked")
    assert "Film withdrawn" in rows[0]


def test_spiking_over_the_api_is_audited(app, users, programme, admin_view, editor_api):
    client, headers = editor_api
    url = f"/api/v1/pieces/{programme['piece']}/transitions"
    response = client.post(url, json={"action": "spike", "note": "No room"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    rows = audit_rows(admin_view, action="spiked")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Piece spiked")


def test_a_step_that_is_neither_publishing_nor_spiking_is_not_audited(
    app, users, programme, admin_view, editor_web
):
    make_ready(app, programme["piece"], users["writer"])
    assert web_step(editor_web, programme["piece"], "reopen").status_code == 302
    assert audit_rows(admin_view, action="published") == []
    assert audit_rows(admin_view, action="spiked") == []


def test_scheduled_publishing_by_the_worker_is_audited_as_the_worker(
    app, users, programme, admin_view
):
    make_ready(app, programme["piece"], users["writer"])
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.state = PieceState.SCHEDULED
        piece.publish_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    stats = run_worker(app, once=True, report=lambda line: None)
    assert stats.published == 1
    rows = audit_rows(admin_view, action="published")
    assert len(rows) == 1
    assert "Piece published" in rows[0] and "worker" in rows[0]
    assert "editor@example.org" not in rows[0]


def test_applying_a_programme_import_is_audited(app, users, programme, admin_view, editor_web):
    preview = f"/festivals/{programme['slug']}/import/{programme['upload']}"
    assert imports.confirm_from(editor_web, preview).status_code == 302
    rows = audit_rows(admin_view, action="programme_imported")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Programme imported")
    assert "sample.csv" in rows[0] and "Test Festival 2021" in rows[0]


def test_deleting_a_festival_is_audited(app, users, programme, admin_view, editor_web):
    with app.app_context():
        # A festival with nothing in it, so the desk may delete it.
        db.session.execute(db.delete(Piece))
        db.session.commit()
    url = f"/festivals/{programme['slug']}/delete"
    response = editor_web.post_form(url, page=f"/festivals/{programme['slug']}/edit")
    assert response.status_code == 302
    rows = audit_rows(admin_view, action="festival_deleted")
    assert len(rows) == 1
    assert_by_editor_from_address(rows[0], "Festival deleted")
    assert programme["slug"] in rows[0]


def test_regenerating_a_calendar_feed_link_is_audited(app, users, admin_view, editor_web):
    for _ in range(2):  # created, then regenerated: both change the secret URL
        assert editor_web.post_form("/account/feeds", {"kind": "personal"}).status_code == 303
    rows = audit_rows(admin_view, action="feed_token_regenerated")
    assert len(rows) == 2
    assert_by_editor_from_address(rows[0], "Calendar feed link regenerated")
    assert "personal calendar feed" in rows[0]


def test_a_refused_step_records_nothing(app, users, programme, admin_view, editor_web):
    # The fixture's piece is only pitched: publishing it is refused, and nothing is audited.
    assert web_step(editor_web, programme["piece"], "publish").status_code == 409
    assert audit_rows(admin_view, action="published") == []
